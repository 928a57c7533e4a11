"""The password throttle in a real app: a client clearing Streamlit's caches, and browsers behind a
reverse proxy on this machine with Streamlit bound to ``::``.

The proxy reaches Streamlit from 127.0.0.1, which a dual-stack ``::`` socket reports as
``::ffff:127.0.0.1``; Streamlit's server trusts ``X-Forwarded-For`` only from 127.0.0.1 and ::1,
so the dashboard must read the forwarded client itself (from the proxy named in
``DASHBOARD_TRUSTED_PROXIES``), or every browser behind the proxy shares one throttle record and
one guesser locks every analyst out. The browser plays the proxy here by sending the header a
proxy adds.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute
from streamlit.proto.BackMsg_pb2 import BackMsg

from tests.e2e.conftest import RunningApp, run_of, start_app, stop_app, wait_idle, watch_runs

PASSWORD = "correct horse battery staple"
THROTTLED = "Too many failed attempts"
UPLOADER = "[data-testid='stFileUploader']"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def dual_stack_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    tmp = tmp_path_factory.mktemp("dual-stack")
    running = start_app(
        tmp,
        {"DASHBOARD_UPLOAD_PASSWORD": PASSWORD, "DASHBOARD_TRUSTED_PROXIES": "127.0.0.1"},
        address="::",
    )
    yield running
    stop_app(running)


def attempt(page: Page, password: str) -> str:
    """Submit ``password`` and return the error shown, or "admitted"."""
    page.get_by_label("Your name", exact=True).fill("Ana")
    page.get_by_label("Analyst password").fill(password)
    run_of(page, page.get_by_role("button", name="Sign in").click)
    error = page.locator("[data-testid='stAlertContentError']")
    error.or_(page.locator(UPLOADER)).first.wait_for(timeout=10_000)
    return error.inner_text() if error.count() else "admitted"


def open_sign_in(
    browser: Browser, app: RunningApp, client: str, sockets: list[WebSocketRoute] | None = None
) -> Page:
    """The Upload page's sign-in, for a browser the proxy reports as ``client``; its websocket
    to the server is appended to ``sockets`` when given, to send messages of the test's own."""
    context = browser.new_context(extra_http_headers={"X-Forwarded-For": client})
    page = watch_runs(context.new_page())
    if sockets is not None:
        page.route_web_socket(
            "**/_stcore/stream", lambda ws: sockets.append(ws.connect_to_server())
        )
    page.goto(f"{app.url}/upload")
    page.get_by_label("Analyst password").wait_for(timeout=30_000)
    wait_idle(page)
    return page


def back_off_to_eight_seconds(page: Page) -> list[str]:
    """Fail 5 times, then once after each back-off is served (2 s, 4 s): the errors shown."""
    errors = [attempt(page, f"guess {n}") for n in range(5)]
    for wait in (2, 4):
        page.wait_for_timeout(wait * 1000 + 200)
        errors.append(attempt(page, "another guess"))
    return errors


def test_a_client_clearing_the_caches_does_not_reset_the_throttle(
    browser: Browser, dual_stack_app: RunningApp
) -> None:
    """Any browser may send Streamlit's clear_cache message; it used to empty the throttle."""
    sockets: list[WebSocketRoute] = []
    page = open_sign_in(browser, dual_stack_app, "192.0.2.50", sockets)
    assert THROTTLED in back_off_to_eight_seconds(page)[-1]
    clear = BackMsg()
    clear.clear_cache = True
    sockets[-1].send(clear.SerializeToString())
    page.wait_for_timeout(500)
    # Throttled however long the machine takes: refused unchecked within the 8 s back-off, else
    # checked and failed with a longer one. A reset count would answer "Wrong password."
    assert THROTTLED in attempt(page, "one more guess")
    assert page.locator(UPLOADER).count() == 0


def test_clients_behind_a_local_proxy_are_throttled_one_by_one(
    browser: Browser, dual_stack_app: RunningApp
) -> None:
    analyst = open_sign_in(browser, dual_stack_app, "198.51.100.9")
    guesser = open_sign_in(browser, dual_stack_app, "203.0.113.7")
    errors = back_off_to_eight_seconds(guesser)
    assert errors[:4] == ["Wrong password."] * 4
    assert [e.rsplit(" in ", 1)[-1] for e in errors[4:]] == ["2 s.", "4 s.", "8 s."]

    # Another browser behind the same proxy, at once: its own record, so it is not throttled.
    analyst.get_by_label("Your name", exact=True).fill("Ana")
    analyst.get_by_label("Analyst password").fill(PASSWORD)
    analyst.get_by_role("button", name="Sign in").click()
    analyst.locator(UPLOADER).wait_for(timeout=30_000)
