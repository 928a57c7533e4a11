"""Sign-in rules: mode selection, constant-time password check, throttle, loopback, analysts."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from dashboard.core import auth
from dashboard.core.auth import (
    Attempt,
    AuthMode,
    Network,
    ThrottlePolicy,
    auth_mode,
    check_password,
    is_allowed_analyst,
    is_local_client,
    oidc_analyst,
    oidc_display_name,
    parse_trusted_proxies,
    password_matches,
    throttle_client,
    verified_email,
)
from dashboard.store import Store


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("oidc", "password", "mode"),
    [
        (True, "pw", AuthMode.OIDC),
        (True, None, AuthMode.OIDC),
        (False, "pw", AuthMode.PASSWORD),
        (False, "", AuthMode.LOOPBACK),
        (False, None, AuthMode.LOOPBACK),
    ],
)
def test_mode_follows_configuration(oidc: bool, password: str | None, mode: AuthMode) -> None:
    assert auth_mode(oidc_configured=oidc, password=password) is mode


@pytest.mark.parametrize(
    ("given", "ok"),
    [("s3cret", True), ("s3cre", False), ("s3cret ", False), ("S3CRET", False), ("", False)],
)
def test_password_must_match_exactly(given: str, ok: bool) -> None:
    assert password_matches(given, "s3cret") is ok


def test_non_ascii_passwords_compare() -> None:
    assert password_matches("пароль-ü", "пароль-ü")
    assert not password_matches("пароль-u", "пароль-ü")


def test_five_failures_are_free_then_back_off_doubles() -> None:
    policy = ThrottlePolicy(free_attempts=5, base_delay=2, max_delay=10)
    failures, waits = 0, []
    for step in range(8):
        attempt = policy.attempt(
            failures, None if step == 0 else 1000.0 + 100 * (step - 1), 1000.0 + 100 * step
        )
        assert attempt.granted
        failures = attempt.failures
        waits.append(attempt.wait)
    assert waits == [0, 0, 0, 0, 2, 4, 8, 10]


def test_within_the_wait_an_attempt_is_refused_and_not_counted() -> None:
    policy = ThrottlePolicy(free_attempts=1, base_delay=4)
    assert policy.attempt(1, 1000.0, 1003.0) == Attempt(granted=False, wait=1.0, failures=1)
    assert policy.attempt(1, 1000.0, 1004.0) == Attempt(granted=True, wait=8.0, failures=2)


def test_idle_records_count_as_none() -> None:
    policy = ThrottlePolicy(free_attempts=1, base_delay=4, forget_after=60)
    assert policy.attempt(9, 1000.0, 1061.0) == Attempt(granted=True, wait=4.0, failures=1)


@pytest.fixture
def ledger(db_url: str) -> Iterator[Store]:
    """A migrated, empty store: the throttle's state lives there."""
    opened = Store(db_url)
    opened.db.migrate()
    yield opened
    opened.dispose()


def test_store_runs_the_policy_and_other_clients_are_not_slowed(ledger: Store) -> None:
    clock = Clock()
    policy = ThrottlePolicy(free_attempts=2, base_delay=30)
    results = [
        check_password(ledger, "ip", guess, "right", policy=policy, clock=clock)
        for guess in ("x", "y", "right")
    ]
    # Within the back-off even the right password is refused, unchecked.
    assert results == [(False, 0), (False, 30), (False, 30)]
    assert check_password(ledger, "other", "right", "right", policy=policy, clock=clock) == (
        True,
        0,
    )
    clock.now += 29
    assert check_password(ledger, "ip", "right", "right", policy=policy, clock=clock) == (False, 1)
    clock.now += 1
    assert check_password(ledger, "ip", "right", "right", policy=policy, clock=clock) == (True, 0)
    # Success cleared the record: two free attempts again.
    assert check_password(ledger, "ip", "x", "right", policy=policy, clock=clock) == (False, 0)


def test_default_policy_waits_up_to_fifteen_minutes(ledger: Store) -> None:
    clock = Clock()
    waits = []
    for _ in range(16):
        waits.append(check_password(ledger, "ip", "guess", "right", clock=clock)[1])
        clock.now += 900  # past every wait, within the hour after which failures are forgotten
    assert waits == [0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]


def test_throttle_survives_a_new_store_object(ledger: Store) -> None:
    """Another replica, or a process whose cache a client cleared, sees the same failures."""
    clock = Clock()
    for _ in range(5):
        check_password(ledger, "ip", "guess", "right", clock=clock)
    replica = Store(ledger.url)
    try:
        assert check_password(replica, "ip", "right", "right", clock=clock) == (False, 2)
    finally:
        replica.dispose()


def test_concurrent_attempts_get_at_most_the_free_comparisons(
    ledger: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 attempts at once (threads, each with its own store object): 5 passwords compared."""
    compared: list[str] = []
    lock = threading.Lock()

    def counting(given: str, expected: str) -> bool:
        with lock:
            compared.append(given)
        return password_matches(given, expected)

    monkeypatch.setattr(auth, "password_matches", counting)
    replicas = [Store(ledger.url) for _ in range(30)]
    start = threading.Barrier(len(replicas))

    def attempt(replica: Store) -> tuple[bool, float]:
        start.wait()
        # A long back-off, so a slow machine cannot earn a sixth comparison legitimately.
        return check_password(
            replica, "203.0.113.9", "guess", "right", policy=ThrottlePolicy(base_delay=600)
        )

    try:
        with ThreadPoolExecutor(len(replicas)) as pool:
            results = list(pool.map(attempt, replicas))
    finally:
        for replica in replicas:
            replica.dispose()
    assert len(compared) == 5
    assert sum(wait == 0 for _, wait in results) == 4
    assert not any(admitted for admitted, _ in results)


@pytest.mark.parametrize(
    ("ip", "headers", "local"),
    [
        (None, {}, True),  # Streamlit reports 127.0.0.1 and ::1 as None
        ("127.0.0.5", {}, True),
        ("::1", {"Host": "[::1]:8501", "Cookie": "x"}, True),
        ("::ffff:127.0.0.1", {"host": "localhost:8501"}, True),
        (None, {"Host": "127.0.0.1"}, True),
        ("192.168.1.20", {}, False),
        ("203.0.113.9", {}, False),
        ("fe80::1", {}, False),
        ("not-an-ip", {}, False),
        (None, {"X-Forwarded-For": "203.0.113.9"}, False),  # a proxy on this machine relays
        (None, {"forwarded": "for=203.0.113.9"}, False),
        ("127.0.0.1", {"X-Real-IP": "127.0.0.1"}, False),
        (None, {"Host": "attacker.example:8501"}, False),  # DNS rebinding to 127.0.0.1
        (None, {"Host": "localhost.attacker.example"}, False),
        (None, {"Host": "10.0.0.5:8501"}, False),
        (None, {"Host": "evil.localhost:8501"}, False),  # resolves wherever DNS says
        (None, {"Host": "evil.localhost"}, False),
        (None, {"Host": "LOCALHOST"}, True),
    ],
)
def test_only_direct_loopback_clients_are_local(
    ip: str | None, headers: dict[str, str], local: bool
) -> None:
    assert is_local_client(ip, headers) is local


@pytest.mark.parametrize(
    ("claims", "trust", "email"),
    [
        ({"email": "ana@example.org", "email_verified": True}, False, "ana@example.org"),
        ({"email": " ana@example.org ", "email_verified": "true"}, False, "ana@example.org"),
        ({"email": "ana@example.org", "email_verified": False}, False, None),
        ({"email": "ana@example.org", "email_verified": False}, True, None),
        ({"email": "ana@example.org", "email_verified": "false"}, True, None),
        ({"email": "ana@example.org", "email_verified": 1}, False, None),
        ({"email": "ana@example.org"}, False, None),  # the provider does not vouch
        ({"email": "ana@example.org"}, True, "ana@example.org"),  # the operator trusts it
        ({"name": "ana@example.org", "email_verified": True}, True, None),
        ({"sub": "ana@example.org", "email_verified": True}, True, None),
        ({"email": "", "email_verified": True}, True, None),
    ],
)
def test_only_a_verified_email_counts(
    claims: dict[str, object], trust: bool, email: str | None
) -> None:
    assert verified_email(claims, trust_provider_emails=trust) == email


@pytest.mark.parametrize(
    "claims",
    [
        {"name": "ana@example.org", "sub": "x1"},  # no email: the name is the user's own choice
        {"sub": "ana@example.org"},
        {"email": "ana@example.org", "email_verified": False},
        {"email": "ana@example.org"},
        {"email": "eve@other.net", "email_verified": True, "name": "ana@example.org"},
    ],
)
def test_allow_list_bypasses_are_refused(claims: dict[str, object]) -> None:
    assert oidc_analyst(claims, ["ana@example.org"]) is None


def test_allowed_verified_email_is_the_identity() -> None:
    claims = {"email": "Ana@Example.org", "email_verified": True, "name": "Ana", "sub": "1"}
    assert oidc_analyst(claims, ["ana@example.org"]) == "Ana@Example.org"
    assert oidc_analyst(claims, []) == "Ana@Example.org"
    assert oidc_analyst({"email": "ana@example.org"}, [], trust_provider_emails=True) == (
        "ana@example.org"
    )


@pytest.mark.parametrize(
    ("claims", "shown"),
    [
        ({"email": "ana@example.org", "name": "Ana"}, "ana@example.org"),
        ({"email": "", "name": " Ana K "}, "Ana K"),
        ({"sub": "1234"}, "1234"),
        ({"is_logged_in": True}, "someone"),
    ],
)
def test_display_name_from_claims(claims: dict[str, object], shown: str) -> None:
    assert oidc_display_name(claims) == shown


LOCAL_PROXY = parse_trusted_proxies("127.0.0.1")


@pytest.mark.parametrize(
    ("ip", "headers", "trusted", "client"),
    [
        ("203.0.113.9", {}, (), "203.0.113.9"),
        ("203.0.113.9", {"X-Forwarded-For": "198.51.100.1"}, (), "203.0.113.9"),
        ("203.0.113.9", {"X-Forwarded-For": "198.51.100.1"}, LOCAL_PROXY, "203.0.113.9"),
        ("::ffff:203.0.113.9", {}, (), "203.0.113.9"),
        (None, {}, (), "loopback"),
        ("::ffff:127.0.0.1", {}, (), "loopback"),
        # No proxy trusted: a forwarded header from this machine changes nothing, whether
        # Streamlit's server substituted its hop for the peer (127.0.0.1, ::1) or not.
        ("198.51.100.1", {"X-Forwarded-For": "198.51.100.1"}, (), "loopback"),
        ("198.51.100.1", {"X-Forwarded-For": "6.6.6.6, 198.51.100.1:4711"}, (), "loopback"),
        ("::ffff:127.0.0.1", {"X-Forwarded-For": "198.51.100.1"}, (), "loopback"),
        (None, {"X-Forwarded-For": "127.0.0.1"}, (), "loopback"),
        # A proxy on 127.0.0.1, trusted; seen through a server bound to "::" too.
        ("198.51.100.1", {"X-Forwarded-For": "198.51.100.1"}, LOCAL_PROXY, "198.51.100.1"),
        ("::ffff:127.0.0.1", {"X-Forwarded-For": "198.51.100.1"}, LOCAL_PROXY, "198.51.100.1"),
        (
            "::ffff:127.0.0.1",
            {"x-forwarded-for": "6.6.6.6, 198.51.100.1"},
            LOCAL_PROXY,
            "198.51.100.1",
        ),
        (
            "::ffff:127.0.0.1",
            {"X-Forwarded-For": "198.51.100.1, 127.0.0.1"},
            LOCAL_PROXY,
            "198.51.100.1",
        ),
        (
            "127.0.0.2",
            {"X-Forwarded-For": "2001:db8::1"},
            parse_trusted_proxies("127.0.0.0/8"),
            "2001:db8::1",
        ),
        ("127.0.0.2", {"X-Forwarded-For": "2001:db8::1"}, LOCAL_PROXY, "loopback"),
        ("::ffff:127.0.0.1", {"X-Forwarded-For": "127.0.0.1"}, LOCAL_PROXY, "127.0.0.1"),
        # Two proxies in a row, both trusted: the address the outer one saw.
        (
            "10.0.0.7",
            {"X-Forwarded-For": "6.6.6.6, 198.51.100.1, 10.0.0.5"},
            parse_trusted_proxies("10.0.0.0/24"),
            "198.51.100.1",
        ),
        (
            "10.0.0.7",
            {"X-Forwarded-For": "198.51.100.1"},
            parse_trusted_proxies("10.0.0.5"),
            "10.0.0.7",
        ),
    ],
)
def test_throttle_client(
    ip: str | None, headers: dict[str, str], trusted: tuple[Network, ...], client: str
) -> None:
    assert throttle_client(ip, headers, trusted) == client


def test_a_new_forwarded_header_every_five_guesses_compares_no_more_than_five(
    ledger: Store,
) -> None:
    """From 127.0.0.1 with no proxy trusted, a new ``X-Forwarded-For`` every 5 guesses (which
    Streamlit's server reports as the client) used to open a fresh record each time: 16 of 20
    guesses were compared. Now they all count against this machine."""
    compared = 0
    for guess in range(20):
        forged = f"198.51.100.{guess // 5 + 1}"
        client = throttle_client(forged, {"X-Forwarded-For": forged})
        compared += ledger.reserve_sign_in(client, ThrottlePolicy(), 1000.0).granted
    assert compared == 5


@pytest.mark.parametrize(
    ("text", "networks"),
    [
        ("", ()),
        (" 127.0.0.1 ", (ipaddress.ip_network("127.0.0.1/32"),)),
        ("10.0.0.0/8, ::1", (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128"))),
        ("10.1.2.3/16,", (ipaddress.ip_network("10.1.0.0/16"),)),
    ],
)
def test_trusted_proxies_parse(text: str, networks: tuple[Network, ...]) -> None:
    assert parse_trusted_proxies(text) == networks


def test_a_trusted_proxy_that_is_not_an_address_is_named() -> None:
    with pytest.raises(ValueError, match=r"'proxy\.internal' is not an IP address or network"):
        parse_trusted_proxies("127.0.0.1, proxy.internal")


@pytest.mark.parametrize(
    ("identity", "allowed", "ok"),
    [
        ("ana@example.org", [], True),
        ("Ana@Example.org", ["ana@example.org"], True),
        ("bo@example.org", ["@example.org"], True),
        ("bo@evil-example.org", ["@example.org"], False),
        ("bo@example.org.evil", ["@example.org"], False),
        ("eve@other.net", ["ana@example.org", "@example.org"], False),
    ],
)
def test_analyst_list(identity: str, allowed: list[str], ok: bool) -> None:
    assert is_allowed_analyst(identity, allowed) is ok


def test_an_attempt_within_the_free_ones_never_waits_on_an_earlier_clock_reading() -> None:
    """Concurrent attempts read the clock before the row lock: one may see a `last` later than
    its own `now`. Within the free attempts that must not refuse it."""
    policy = ThrottlePolicy()
    attempt = policy.attempt(failures=3, last=1000.5, now=1000.0)
    assert (attempt.granted, attempt.wait, attempt.failures) == (True, 0.0, 4)
    refused = policy.attempt(failures=5, last=1000.5, now=1000.0)
    assert not refused.granted
    assert refused.wait == pytest.approx(2.5)
