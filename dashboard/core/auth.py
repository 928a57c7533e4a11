"""Who may change data: the sign-in mode, the password check, its throttle, loopback clients.

Pure: the Streamlit glue in :mod:`dashboard.ui.auth` feeds it the configuration and the client.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

#: Recorded as ``uploaded_by`` when the analyst has no personal identity (password, loopback).
SHARED_IDENTITY = "analyst"
#: Headers a reverse proxy adds; their presence means the TCP peer is the proxy, not the browser.
FORWARDING_HEADERS = frozenset({"forwarded", "x-forwarded-for", "x-real-ip"})


class AuthMode(StrEnum):
    """How analysts are recognised, in order of precedence."""

    OIDC = "oidc"  # ``[auth]`` in secrets.toml: st.login with an identity provider
    PASSWORD = "password"  # a shared analyst password
    LOOPBACK = "loopback"  # neither: only a browser on this machine may change data


def auth_mode(*, oidc_configured: bool, password: str | None) -> AuthMode:
    """The mode the configuration asks for: OIDC, else a password, else loopback only."""
    if oidc_configured:
        return AuthMode.OIDC
    if password:
        return AuthMode.PASSWORD
    return AuthMode.LOOPBACK


def password_matches(given: str, expected: str) -> bool:
    """Compare in constant time; hashing first hides the expected password's length too."""
    digest = hashlib.sha256
    return hmac.compare_digest(
        digest(given.encode("utf-8")).digest(), digest(expected.encode("utf-8")).digest()
    )


def is_local_client(ip: str | None, headers: Mapping[str, str]) -> bool:
    """True for a browser on this machine connecting directly (not through a proxy).

    ``ip`` is ``st.context.ip_address``, which Streamlit reports as ``None`` for 127.0.0.1 and
    ::1. Any forwarding header means a proxy relayed the request, so the client is not local even
    when the proxy runs on this machine; a ``Host`` that does not name this machine means a page
    from elsewhere reached it by DNS rebinding.
    """
    names = {name.lower(): value for name, value in headers.items()}
    if FORWARDING_HEADERS & names.keys():
        return False
    if "host" in names and not _is_loopback_host(names["host"]):
        return False
    return ip is None or _is_loopback_address(ip)


def _is_loopback_address(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _is_loopback_host(host: str) -> bool:
    """Whether a ``Host`` header (``name``, ``name:port``, ``[v6]:port``) names this machine."""
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1 : name.find("]")]
    elif name.count(":") == 1:
        name = name.split(":")[0]
    return name == "localhost" or name.endswith(".localhost") or _is_loopback_address(name)


def oidc_identity(claims: Mapping[str, object]) -> str:
    """The name recorded for a signed-in user: email, else name, else subject."""
    for claim in ("email", "name", "sub"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return SHARED_IDENTITY


def is_allowed_analyst(identity: str, allowed: Iterable[str]) -> bool:
    """Whether a signed-in identity may change data.

    ``allowed`` lists emails (``ana@example.org``) and domains (``@example.org``), compared
    without case; an empty list admits every user the identity provider signs in.
    """
    rules = [rule.strip().lower() for rule in allowed if rule.strip()]
    if not rules:
        return True
    who = identity.lower()
    return any(who == rule or (rule.startswith("@") and who.endswith(rule)) for rule in rules)


@dataclass
class _Failures:
    count: int
    last: float


class Throttle:
    """Failed sign-in attempts per client, with exponential back-off after ``free_attempts``.

    After the n-th consecutive failure (n >= ``free_attempts``) the client waits
    ``base_delay * 2 ** (n - free_attempts)`` seconds, at most ``max_delay``, before it may try
    again. A success clears the client's record; records idle for ``forget_after`` are dropped.
    Thread-safe: one instance serves every session of a process.
    """

    def __init__(
        self,
        *,
        free_attempts: int = 5,
        base_delay: float = 2.0,
        max_delay: float = 900.0,
        forget_after: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_attempts = free_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.forget_after = forget_after
        self._clock = clock
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds before ``client`` may try again (0 when it may try now)."""
        with self._lock:
            record = self._failures.get(client)
            if record is None or record.count < self.free_attempts:
                return 0.0
            delay = min(self.max_delay, self.base_delay * 2 ** (record.count - self.free_attempts))
            return max(0.0, record.last + delay - self._clock())

    def failed(self, client: str) -> None:
        """Count a failed attempt."""
        now = self._clock()
        with self._lock:
            self._forget_idle(now)
            record = self._failures.setdefault(client, _Failures(0, now))
            record.count += 1
            record.last = now

    def succeeded(self, client: str) -> None:
        """Clear the client's failures."""
        with self._lock:
            self._failures.pop(client, None)

    def _forget_idle(self, now: float) -> None:
        idle = [c for c, r in self._failures.items() if now - r.last > self.forget_after]
        for client in idle:
            del self._failures[client]


def check_password(
    throttle: Throttle, client: str, given: str, expected: str
) -> tuple[bool, float]:
    """Check ``given`` unless ``client`` must wait: ``(admitted, seconds to wait)``.

    A throttled attempt is refused without comparing, and does not count as a failure.
    """
    waiting = throttle.wait(client)
    if waiting > 0:
        return False, waiting
    if password_matches(given, expected):
        throttle.succeeded(client)
        return True, 0.0
    throttle.failed(client)
    return False, throttle.wait(client)
