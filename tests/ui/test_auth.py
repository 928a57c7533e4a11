"""The sign-in glue under AppTest: a viewer never sees an upload control; analysts get in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.ui import auth

PASSWORD = "correct horse battery staple"


def upload_page() -> None:
    """What a page that changes data does with the auth API."""
    import streamlit as st

    from dashboard.ui.auth import require_analyst

    who = require_analyst()
    if who is None:
        st.stop()
    st.file_uploader("Incidents CSV", key="upload")
    st.markdown(f"uploading as {who}")


@pytest.fixture(autouse=True)
def fresh_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A store of the test's own: failed sign-in attempts are counted there."""
    monkeypatch.delenv(auth.PASSWORD_ENV, raising=False)
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    yield url
    st.cache_resource.clear()


def page(
    secrets: dict[str, object] | None = None, user: dict[str, object] | None = None
) -> AppTest:
    at = AppTest.from_function(upload_page, default_timeout=30)
    # Always seed secrets, so a developer's own ~/.streamlit/secrets.toml cannot leak in.
    at.secrets = {"_tests": True, **(secrets or {})}
    if user is not None:
        at.user = user
    at.run()
    assert not at.exception
    return at


def sign_in(at: AppTest, password: str, name: str = "Ana Analyst") -> AppTest:
    at.text_input(key="analyst_name").input(name)
    at.text_input(key="analyst_password").input(password)
    at.button[0].click().run()
    assert not at.exception
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_without_configuration_a_local_browser_may_upload() -> None:
    at = page()
    assert len(at.file_uploader) == 1
    assert "this machine only" in at.caption[0].value
    assert at.markdown[-1].value == "uploading as analyst"


def test_with_a_password_a_viewer_sees_only_the_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    at = page()
    assert len(at.file_uploader) == 0
    assert [t.label for t in at.text_input] == ["Your name", "Analyst password"]


def test_the_right_password_admits_and_sign_out_ends_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    at = sign_in(page(), PASSWORD)
    assert len(at.file_uploader) == 1
    assert len(at.text_input) == 0
    assert at.markdown[-1].value == "uploading as Ana Analyst"
    assert at.caption[0].value == "Signed in as Ana Analyst."
    at.button(key="analyst_sign_out").click().run()
    assert len(at.file_uploader) == 0
    assert len(at.text_input) == 2


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("   ", "type your name: your changes are recorded under it"),
        ("Ana\u200bAnalyst", "a name cannot hold control or invisible format characters"),
    ],
)
def test_a_shared_password_needs_a_name(
    monkeypatch: pytest.MonkeyPatch, typed: str, reason: str
) -> None:
    """The name is what changes are recorded under: refused before the password is tried."""
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    at = page()
    assert at.text_input(key="analyst_name").max_chars == 80
    at = sign_in(at, PASSWORD, name=typed)
    assert errors(at) == [reason]
    assert len(at.file_uploader) == 0


def test_the_typed_name_is_tidied_and_shown_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    at = sign_in(page(), PASSWORD, name="  **Bo**   <b>x</b> ")
    assert at.markdown[-1].value == "uploading as **Bo** <b>x</b>"
    assert at.caption[0].value == "Signed in as \\*\\*Bo\\*\\* \\<b\\>x\\</b\\>."


def test_password_from_secrets_file() -> None:
    at = sign_in(page({"upload_password": PASSWORD}), "wrong")
    assert errors(at) == ["Wrong password."]
    assert len(at.file_uploader) == 0
    at = sign_in(at, PASSWORD)
    assert len(at.file_uploader) == 1


def test_changing_the_password_signs_analysts_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    at = sign_in(page(), PASSWORD)
    monkeypatch.setenv(auth.PASSWORD_ENV, "rotated")
    at.run()
    assert len(at.file_uploader) == 0


def test_wrong_passwords_are_throttled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    at = page()
    for _ in range(4):
        assert errors(sign_in(at, "guess")) == ["Wrong password."]
    assert errors(sign_in(at, "guess")) == ["Too many failed attempts: try again in 2 s."]
    # Within the back-off even the right password is refused, unchecked.
    assert errors(sign_in(at, PASSWORD)) == ["Too many failed attempts: try again in 2 s."]
    assert len(at.file_uploader) == 0


def test_clearing_the_cache_does_not_reset_the_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any browser can make Streamlit clear its caches; the count lives in the store instead."""
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    at = page()
    for _ in range(5):
        sign_in(at, "guess")
    st.cache_resource.clear()
    st.cache_data.clear()
    fresh = page()  # a new session, as after a reload
    # A sixth guess is throttled whenever it comes: refused unchecked within the 2 s back-off,
    # else checked and failed with a longer one. Only a reset count would say "Wrong password."
    [refusal] = errors(sign_in(fresh, "guess"))
    assert refusal.startswith("Too many failed attempts: try again in ")
    assert len(fresh.file_uploader) == 0


def test_without_the_store_sign_in_is_refused_with_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The throttle lives in the store: without it, no password is compared (fail closed)."""
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv("DASHBOARD_DB_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    at = sign_in(page(), PASSWORD)
    assert errors(at) == [
        "Sign-in is unavailable while the store cannot be reached: try again shortly."
    ]
    assert len(at.file_uploader) == 0


OIDC = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"}}


def test_oidc_signed_out_user_sees_the_sign_in_button() -> None:
    at = page(OIDC, {"is_logged_in": False})
    assert len(at.file_uploader) == 0
    assert [b.label for b in at.button] == ["Sign in"]


def test_oidc_client_kwargs_is_not_a_provider() -> None:
    secrets = {"auth": {**OIDC["auth"], "client_kwargs": {"prompt": "login"}}}
    at = page(secrets, {"is_logged_in": False})
    assert [b.label for b in at.button] == ["Sign in"]


def test_oidc_named_providers_get_one_button_each() -> None:
    providers = {"auth": {**OIDC["auth"], "google": {"client_id": "g"}, "okta": {}}}
    at = page(providers, {"is_logged_in": False})
    assert [b.label for b in at.button] == ["Sign in with google", "Sign in with okta"]


VERIFIED = {"is_logged_in": True, "email_verified": True}


def test_oidc_signed_in_user_uploads_under_their_email() -> None:
    at = page(OIDC, {**VERIFIED, "email": "ana@example.org", "name": "Ana"})
    assert len(at.file_uploader) == 1
    assert at.markdown[-1].value == "uploading as ana@example.org"
    assert at.caption[0].value == "Signed in as ana@example\\.org."  # Markdown-escaped


def test_oidc_user_not_on_the_analyst_list_only_views() -> None:
    secrets = {**OIDC, "analyst_emails": ["@example.org"]}
    at = page(secrets, {**VERIFIED, "email": "eve@other.net"})
    assert len(at.file_uploader) == 0
    assert "eve@other\\.net is signed in but is not an analyst" in at.warning[0].value
    at = page(secrets, {**VERIFIED, "email": "bo@example.org"})
    assert len(at.file_uploader) == 1


@pytest.mark.parametrize(
    "user",
    [
        {"is_logged_in": True, "name": "ana@example.org", "sub": "x1"},  # no email at all
        {"is_logged_in": True, "sub": "ana@example.org"},
        {"is_logged_in": True, "email": "ana@example.org", "email_verified": False},
        {"is_logged_in": True, "email": "ana@example.org"},  # the provider does not say
    ],
)
def test_oidc_allow_list_needs_a_verified_email(user: dict[str, object]) -> None:
    at = page({**OIDC, "analyst_emails": ["ana@example.org"]}, user)
    assert len(at.file_uploader) == 0
    assert "is signed in but is not an analyst" in at.warning[0].value


def test_operator_may_trust_a_provider_that_does_not_say_whether_emails_are_verified() -> None:
    secrets = {**OIDC, "analyst_emails": ["ana@example.org"], "trust_provider_emails": True}
    at = page(secrets, {"is_logged_in": True, "email": "ana@example.org"})
    assert at.markdown[-1].value == "uploading as ana@example.org"
    at = page(secrets, {"is_logged_in": True, "email": "ana@example.org", "email_verified": False})
    assert len(at.file_uploader) == 0


def test_a_remote_viewer_is_told_to_ask_and_the_operator_how_to_configure(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # AppTest's browser is on this machine: here it stands for one behind a proxy.
    monkeypatch.setattr(auth, "is_local_client", lambda *_: False)
    with caplog.at_level("WARNING", logger="dashboard.auth"):
        at = page()
    assert len(at.file_uploader) == 0
    [told] = [i.value for i in at.info]
    assert "ask the person who runs it for analyst access" in told
    assert "DASHBOARD_UPLOAD_PASSWORD" not in told  # configuration is for the operator
    assert any("DASHBOARD_UPLOAD_PASSWORD" in r.getMessage() for r in caplog.records)
