"""Who may change data: the sign-in mode, the password check, its throttle, loopback clients.

Pure: the Streamlit glue in :mod:`dashboard.ui.auth` feeds it the configuration and the client.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Protocol

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


#: A network of proxies whose forwarding headers are believed (``DASHBOARD_TRUSTED_PROXIES``).
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
#: The peers Streamlit's server (uvicorn, ``FORWARDED_ALLOW_IPS`` unset) takes ``X-Forwarded-For``
#: from: it then reports the header's rightmost hop not among them as the client instead.
SERVER_TRUSTED: Final = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))


def parse_trusted_proxies(text: str) -> tuple[Network, ...]:
    """``DASHBOARD_TRUSTED_PROXIES``: comma-separated addresses or networks (CIDR), each a
    network; empty, none. Raises ``ValueError`` naming the first entry that is neither."""
    networks: list[Network] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
        networks.append(network)
    return tuple(networks)


def throttle_client(
    ip: str | None, headers: Mapping[str, str], trusted: Iterable[Network] = ()
) -> str:
    """The address failed password attempts count against.

    ``ip`` is ``st.context.ip_address``; ``trusted`` are the reverse proxies whose
    ``X-Forwarded-For`` is believed (``DASHBOARD_TRUSTED_PROXIES``, none by default). The TCP
    peer counts, unless it is a trusted proxy: then the header's rightmost hop that is not one
    (the address the outermost trusted proxy saw), or its leftmost when every hop is one. With
    no proxy trusted, no header changes the key: a guesser on any address, this machine
    included, cannot start a fresh record by sending a new ``X-Forwarded-For``.

    Streamlit's server itself substitutes the header's rightmost non-loopback hop for a peer
    that is exactly 127.0.0.1 or ::1 (and reports those as ``None``); an ``ip`` equal to that hop
    is taken as that substitution, so the peer was this machine.
    """
    networks = tuple(trusted)
    names = {name.lower(): value for name, value in headers.items()}
    hops = [hop.strip() for hop in names.get("x-forwarded-for", "").split(",") if hop.strip()]
    substituted = bool(hops) and ip == _rightmost_untrusted(hops, SERVER_TRUSTED)
    peer = None if substituted else ip
    if not hops or not _is_trusted(peer, networks):
        return _peer_key(peer)
    return _canonical_address(_rightmost_untrusted(hops, networks))


def _is_trusted(peer: str | None, networks: tuple[Network, ...]) -> bool:
    """Whether ``peer`` is a trusted proxy; ``None`` (127.0.0.1 or ::1: Streamlit does not tell
    them apart) is when either of those is."""
    candidates = ("127.0.0.1", "::1") if peer is None else (peer,)
    return any(_in_networks(candidate, networks) for candidate in candidates)


def _peer_key(peer: str | None) -> str:
    """A peer's key: its address in one spelling, and one key for this machine."""
    return "loopback" if peer is None or _is_loopback_address(peer) else _canonical_address(peer)


def _rightmost_untrusted(hops: list[str], networks: Iterable[Network]) -> str:
    """The rightmost hop (``host`` or ``host:port``) outside ``networks``, else the leftmost."""
    trusted = tuple(networks)
    hosts = [_hop_host(hop) for hop in hops]
    for host in reversed(hosts):
        if not _in_networks(host, trusted):
            return host
    return hosts[0]


def _hop_host(hop: str) -> str:
    """The host of an ``X-Forwarded-For`` hop: ``host``, ``host:port`` or ``[v6]:port``."""
    if hop.startswith("[") and "]" in hop:
        return hop[1 : hop.index("]")]
    if hop.count(":") == 1:
        return hop.split(":")[0]
    return hop


def _in_networks(text: str, networks: Iterable[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``text`` as an IP address, an IPv4-mapped IPv6 address as the IPv4 one; None if not one."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _canonical_address(text: str) -> str:
    """An IP address in one spelling (an IPv4-mapped IPv6 address as IPv4); else the text."""
    address = _address(text)
    return text if address is None else str(address)


def _is_loopback_address(text: str) -> bool:
    address = _address(text)
    return address is not None and address.is_loopback


def _is_loopback_host(host: str) -> bool:
    """Whether a ``Host`` header (``name``, ``name:port``, ``[v6]:port``) names this machine.

    Only ``localhost`` itself and loopback addresses: ``*.localhost`` names resolve wherever a
    resolver or hosts file says, so they prove nothing.
    """
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1 : name.find("]")]
    elif name.count(":") == 1:
        name = name.split(":")[0]
    return name == "localhost" or _is_loopback_address(name)


def oidc_display_name(claims: Mapping[str, object]) -> str:
    """Who a signed-in user says they are, for messages only: email, else name, else subject."""
    for claim in ("email", "name", "sub"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "someone"


def verified_email(
    claims: Mapping[str, object], *, trust_provider_emails: bool = False
) -> str | None:
    """The user's email if the identity provider vouches for it, else ``None``.

    ``email_verified`` must be true (``true`` or the string ``"true"``, which some providers
    send). A provider that omits the claim is taken as not vouching, unless the operator trusts
    its emails (``trust_provider_emails``); an explicit false is never trusted. ``name`` and
    ``sub`` are chosen by the user or the provider and never stand in for an email.
    """
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        return None
    verified = claims.get("email_verified")
    if verified is None:
        vouched = trust_provider_emails
    else:
        vouched = verified is True or (isinstance(verified, str) and verified.lower() == "true")
    return email.strip() if vouched else None


def oidc_analyst(
    claims: Mapping[str, object], allowed: Iterable[str], *, trust_provider_emails: bool = False
) -> str | None:
    """The verified email a signed-in user changes data as, or ``None`` if they may only view."""
    email = verified_email(claims, trust_provider_emails=trust_provider_emails)
    return email if email is not None and is_allowed_analyst(email, allowed) else None


def is_allowed_analyst(identity: str, allowed: Iterable[str]) -> bool:
    """Whether a signed-in identity may change data.

    ``allowed`` lists emails (``ana@example.org``) and domains (``@example.org``), compared
    without case; an empty list admits every (verified) identity.
    """
    rules = [rule.strip().lower() for rule in allowed if rule.strip()]
    if not rules:
        return True
    who = identity.lower()
    return any(who == rule or (rule.startswith("@") and who.endswith(rule)) for rule in rules)


@dataclass(frozen=True)
class Attempt:
    """The throttle's answer to one sign-in attempt.

    ``granted``: the password may be compared now, and the attempt is already counted as a
    failure (a success clears it). ``wait``: seconds before the next attempt may be compared, if
    this one fails (when granted) or now (when refused). ``failures``: the count to store.
    """

    granted: bool
    wait: float
    failures: int


@dataclass(frozen=True)
class ThrottlePolicy:
    """Failed sign-in attempts per client, with exponential back-off after ``free_attempts``.

    After the n-th consecutive failure (n >= ``free_attempts``) the client waits
    ``base_delay * 2 ** (n - free_attempts)`` seconds, at most ``max_delay``, before it may try
    again. A success clears the client's record; a record idle for ``forget_after`` counts as none.
    Times are seconds of a wall clock shared by every replica (``time.time``).
    """

    free_attempts: int = 5
    base_delay: float = 2.0
    max_delay: float = 900.0
    forget_after: float = 3600.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` consecutive failures."""
        if failures < self.free_attempts:
            return 0.0
        return min(self.max_delay, self.base_delay * 2 ** (failures - self.free_attempts))

    def attempt(self, failures: int, last: float | None, now: float) -> Attempt:
        """Decide an attempt at ``now`` by a client with ``failures`` counted, the last at ``last``.

        Granted attempts count at once, before the password is compared, so that concurrent
        attempts cannot all pass the check before any of them is recorded.
        """
        if last is None or now - last > self.forget_after:
            failures = 0
        delay = self.delay(failures)
        # No back-off owed means no wait, even when another attempt's clock read a little later
        # than this one's (clocks are read before the row lock is taken).
        waiting = 0.0 if last is None or delay == 0 else max(0.0, last + delay - now)
        if waiting > 0:
            return Attempt(granted=False, wait=waiting, failures=failures)
        return Attempt(granted=True, wait=self.delay(failures + 1), failures=failures + 1)


class AttemptLedger(Protocol):
    """Where failed attempts are counted: shared by every session and replica (the store)."""

    def reserve_sign_in(self, client: str, policy: ThrottlePolicy, now: float) -> Attempt:
        """Apply ``policy.attempt`` to ``client``'s record atomically and store the outcome."""
        ...

    def clear_sign_in(self, client: str) -> None:
        """Forget ``client``'s failures (after a success)."""
        ...


def check_password(
    ledger: AttemptLedger,
    client: str,
    given: str,
    expected: str,
    *,
    policy: ThrottlePolicy = ThrottlePolicy(),
    clock: Callable[[], float] = time.time,
) -> tuple[bool, float]:
    """Check ``given`` unless ``client`` must wait: ``(admitted, seconds to wait)``.

    The attempt is reserved in the ledger before comparing; a throttled attempt is refused
    without comparing, and does not count as a failure.
    """
    attempt = ledger.reserve_sign_in(client, policy, clock())
    if not attempt.granted:
        return False, attempt.wait
    if password_matches(given, expected):
        ledger.clear_sign_in(client)
        return True, 0.0
    return False, attempt.wait
