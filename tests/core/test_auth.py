"""Sign-in rules: mode selection, constant-time password check, throttle, loopback, analysts."""

from __future__ import annotations

import pytest

from dashboard.core.auth import (
    SHARED_IDENTITY,
    AuthMode,
    Throttle,
    auth_mode,
    check_password,
    is_allowed_analyst,
    is_local_client,
    oidc_identity,
    password_matches,
)


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
    clock = Clock()
    throttle = Throttle(free_attempts=5, base_delay=2, max_delay=10, clock=clock)
    waits = []
    for _ in range(8):
        throttle.failed("1.2.3.4")
        waits.append(throttle.wait("1.2.3.4"))
        clock.now += 100
    assert waits == [0, 0, 0, 0, 2, 4, 8, 10]


def test_wait_counts_down_and_other_clients_are_not_slowed() -> None:
    clock = Clock()
    throttle = Throttle(free_attempts=1, base_delay=4, clock=clock)
    throttle.failed("a")
    clock.now += 3
    assert throttle.wait("a") == 1
    assert throttle.wait("b") == 0
    clock.now += 1
    assert throttle.wait("a") == 0


def test_success_clears_and_idle_records_are_forgotten() -> None:
    clock = Clock()
    throttle = Throttle(free_attempts=1, base_delay=4, forget_after=60, clock=clock)
    throttle.failed("a")
    throttle.succeeded("a")
    assert throttle.wait("a") == 0
    throttle.failed("b")
    clock.now += 61
    throttle.failed("c")  # any failure prunes idle records
    throttle.failed("b")
    assert throttle.wait("b") == 4  # a first failure again, not a second


def test_throttled_attempt_is_refused_unchecked_even_with_the_right_password() -> None:
    clock = Clock()
    throttle = Throttle(free_attempts=2, base_delay=30, clock=clock)
    results = [check_password(throttle, "ip", guess, "right") for guess in ("x", "y", "right")]
    assert results == [(False, 0), (False, 30), (False, 30)]
    clock.now += 30
    assert check_password(throttle, "ip", "right", "right") == (True, 0)
    assert throttle.wait("ip") == 0


@pytest.mark.parametrize(
    ("ip", "headers", "local"),
    [
        (None, {}, True),  # Streamlit reports 127.0.0.1 and ::1 as None
        ("127.0.0.5", {}, True),
        ("::1", {"Host": "[::1]:8501", "Cookie": "x"}, True),
        ("::ffff:127.0.0.1", {"host": "localhost:8501"}, True),
        (None, {"Host": "127.0.0.1"}, True),
        (None, {"Host": "app.localhost:8501"}, True),
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
    ],
)
def test_only_direct_loopback_clients_are_local(
    ip: str | None, headers: dict[str, str], local: bool
) -> None:
    assert is_local_client(ip, headers) is local


@pytest.mark.parametrize(
    ("claims", "identity"),
    [
        ({"email": "ana@example.org", "name": "Ana"}, "ana@example.org"),
        ({"email": "", "name": " Ana K "}, "Ana K"),
        ({"sub": "1234"}, "1234"),
        ({"is_logged_in": True}, SHARED_IDENTITY),
    ],
)
def test_identity_from_claims(claims: dict[str, object], identity: str) -> None:
    assert oidc_identity(claims) == identity


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
