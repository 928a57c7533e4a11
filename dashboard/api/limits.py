"""A per-client rate limit for the routes beside the page: a token bucket per client, in process.

The client is the address failed sign-ins count against
(:func:`dashboard.core.auth.throttle_client`, behind the proxies ``DASHBOARD_TRUSTED_PROXIES``
names), so a request cannot choose its own key by sending a new ``X-Forwarded-For``. Buckets
live in this process's memory: each replica of a deployment limits on its own (a client spread
over ``n`` replicas gets up to ``n`` times the rate), and a restart forgets them; the limit is
there to keep one client from starving the others, not to count across replicas."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from starlette.requests import Request

from dashboard import settings
from dashboard.core.auth import throttle_client

#: Requests a client may make at once, and per second after that.
BURST: Final = 60
RATE: Final = 5.0
#: Clients remembered at most; the longest idle goes first (a full bucket is no state at all).
MAX_CLIENTS: Final = 10_000


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBucket:
    """``burst`` requests at once per client, refilled at ``rate`` a second; time injected."""

    def __init__(
        self,
        burst: int = BURST,
        rate: float = RATE,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.burst = burst
        self.rate = rate
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Take one request for ``client``: 0 if allowed, else the seconds until one is."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.pop(client, None) or _Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            self._buckets[client] = bucket
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate


def client_key(request: Request) -> str:
    """Who a request counts against: its peer, or behind a trusted proxy the forwarded client
    (the same rule as sign-in attempts)."""
    host = request.client.host if request.client else None
    # Streamlit reports a loopback peer as None (st.context.ip_address); the rule expects that.
    if host is not None and _loopback(host):
        host = None
    return throttle_client(host, dict(request.headers.items()), settings.trusted_proxies())


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
