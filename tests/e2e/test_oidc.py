"""Single sign-on for real: the app's ``st.login`` against an OpenID Connect provider on loopback.

The provider is the npm package ``oidc-provider`` (``tests/e2e/oidc``, installed by
``make install``), run by Node; a browser signs in through its login form. Only a user whose
email the provider has verified, and which is on ``analyst_emails``, reaches the upload control.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import unavailable
from tests.e2e.conftest import REPO, RunningApp, free_port, start_app, stop_app, wait_idle

PROVIDER_DIR = REPO / "tests" / "e2e" / "oidc"
UPLOADER = "[data-testid='stFileUploader']"
REFUSED = "is signed in but is not an analyst"

pytestmark = pytest.mark.e2e


@dataclass
class Provider:
    issuer: str
    client_secret: str
    process: subprocess.Popen[str]


def start_provider(redirect_uri: str, log: Path) -> Provider:
    """Run ``provider.js`` for one client and wait for the issuer URL it prints."""
    node = shutil.which("node")
    if node is None:
        unavailable("node not found (the OIDC tests run an OpenID Connect provider in Node)")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        unavailable(f"oidc-provider is not installed: run `npm ci` in {PROVIDER_DIR}")
    client_secret = secrets.token_urlsafe(24)
    process = subprocess.Popen(
        [str(node), "provider.js", redirect_uri, client_secret],
        cwd=PROVIDER_DIR,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the provider listens, or exits
    if not line:
        process.wait(timeout=10)
        raise RuntimeError(f"the OIDC provider exited early:\n{log.read_text()}")
    return Provider(json.loads(line)["issuer"], client_secret, process)


@pytest.fixture(scope="module")
def sso_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningApp, Provider]]:
    """The dashboard configured for single sign-on with the provider, analysts by email."""
    tmp = tmp_path_factory.mktemp("oidc")
    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
    provider = start_provider(redirect_uri, tmp / "provider.log")
    # The app's own secrets file (Streamlit's secrets.files), never one in the repository.
    secrets_file = tmp / "secrets.toml"
    secrets_file.write_text(
        f"""analyst_emails = ["ana@example.org"]

[auth]
redirect_uri = {json.dumps(redirect_uri)}
cookie_secret = {json.dumps(secrets.token_hex(32))}
client_id = "dashboard"
client_secret = {json.dumps(provider.client_secret)}
server_metadata_url = {json.dumps(provider.issuer + "/.well-known/openid-configuration")}
# Streamlit asks for prompt=select_account unless told otherwise; oidc-provider rejects it.
client_kwargs = {{ prompt = "login" }}
""",
        encoding="utf-8",
    )
    try:
        running = start_app(
            tmp,
            {"STREAMLIT_SECRETS_FILES": str(secrets_file), "DASHBOARD_UPLOAD_PASSWORD": ""},
            port=port,
        )
    except BaseException:
        provider.process.terminate()
        raise
    yield running, provider
    stop_app(running)
    provider.process.terminate()
    provider.process.wait(timeout=10)


def sign_in(page: Page, app: RunningApp, provider: Provider, login: str) -> None:
    """Sign in as ``login`` through the provider's own form, then open the Upload page."""
    page.goto(f"{app.url}/upload")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{provider.issuer}/**", timeout=30_000)
    page.locator("input[name='login']").fill(login)
    page.locator("input[name='password']").fill("any password: the provider checks none")
    page.get_by_role("button", name="Sign-in").click()
    consent = page.get_by_role("button", name="Continue")
    deadline = time.monotonic() + 30
    while not page.url.startswith(app.url) and time.monotonic() < deadline:
        if consent.count():
            consent.click()
        page.wait_for_timeout(200)
    assert page.url.startswith(app.url), f"the sign-in did not return to the app: {page.url}"
    page.goto(f"{app.url}/upload")
    wait_idle(page)


def test_analyst_with_a_verified_allowed_email_may_upload(
    browser: Browser, sso_app: tuple[RunningApp, Provider]
) -> None:
    app, provider = sso_app
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{app.url}/upload")
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    assert page.locator(UPLOADER).count() == 0  # not yet signed in

    sign_in(page, app, provider, "ana")
    page.locator(UPLOADER).wait_for(timeout=30_000)
    assert page.get_by_text("Signed in as ana@example.org.").count() == 1
    context.close()


@pytest.mark.parametrize(
    "login",
    [
        "mallory",  # ana@example.org, but the provider has not verified it
        "noemail",  # no email; its name is "ana@example.org"
        "eve",  # verified, not on the analyst list
    ],
)
def test_other_users_only_view(
    browser: Browser, sso_app: tuple[RunningApp, Provider], login: str
) -> None:
    app, provider = sso_app
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, app, provider, login)
    page.get_by_text(REFUSED).wait_for(timeout=30_000)
    assert page.locator(UPLOADER).count() == 0
    assert page.get_by_role("button", name="Sign out").count() == 1  # signed in, yet a viewer
    context.close()
