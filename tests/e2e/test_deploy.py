"""Deployed shapes in Chromium: the store going down and coming back, who may change data with no
sign-in configured, and a secrets file naming the store. (Two app processes on one PostgreSQL
database, behind a proxy, are tests/e2e/test_two_instances.py's story; their starting on one
database together, migrating and seeding it once, tests/test_concurrency.py's. Signing in with
the shared password in a browser is tests/e2e/test_sign_in_throttle.py's story; the rest of
sign-in is tests/ui/test_auth.py's.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from dashboard.imports import open_store
from tests.conftest import TODAY, pg_database
from tests.e2e.conftest import RunningApp, start_app, stop_app, wait_idle
from tests.tcp_proxy import TcpProxy

UPLOADER = "[data-testid='stFileUploader']"
UNREACHABLE = "cannot be reached right now"


def expect_incidents_in_view(page: Page, count: int) -> None:
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Incidents in view")
    expect(metric.locator("[data-testid='stMetricValue']")).to_have_text(str(count), timeout=30_000)


@pytest.fixture(scope="module")
def proxied_app(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TcpProxy, RunningApp]]:
    """The dashboard on PostgreSQL through a proxy the tests can take down (open to this
    machine): one app for the outage tests, each of which opens its own session and leaves the
    proxy up."""
    with pg_database() as pg_url:
        target = sa.make_url(pg_url)
        proxy = TcpProxy((target.host or "127.0.0.1", target.port or 5432))
        proxy.start()
        via_proxy = target.set(port=proxy.port).render_as_string(hide_password=False)
        tmp = tmp_path_factory.mktemp("outage")
        running = start_app(tmp, {"DASHBOARD_DB_URL": via_proxy, "DASHBOARD_UPLOAD_PASSWORD": ""})
        try:
            yield proxy, running
        finally:
            stop_app(running)
            proxy.stop()
    assert UNREACHABLE not in running.log.read_text()  # the log has the reason, not the notice
    assert "cannot open the store" in running.log.read_text()


@pytest.fixture
def outage(proxied_app: tuple[TcpProxy, RunningApp]) -> Iterator[tuple[TcpProxy, RunningApp]]:
    """The proxied app, its proxy up again after the test whatever happened."""
    proxy, _ = proxied_app
    yield proxied_app
    if not proxy.up:
        proxy.start()


def expect_unreachable_notice(page: Page) -> None:
    """The notice, with neither a traceback nor the database's address."""
    page.get_by_text(UNREACHABLE).wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    assert "127.0.0.1" not in page.locator("[data-testid='stMain']").inner_text()


def test_store_down_shows_a_message_and_recovers_by_itself(
    page: Page, outage: tuple[TcpProxy, RunningApp]
) -> None:
    proxy, running = outage
    page.goto(running.url)
    search = page.get_by_placeholder("place, weapon, source, note…")
    search.wait_for()  # the whole page, after the first look's map has reported
    wait_idle(page)
    expect_incidents_in_view(page, 8)

    proxy.stop()
    search.fill("Kharkiv")
    search.press("Enter")
    wait_idle(page)
    expect_unreachable_notice(page)

    proxy.start()  # nobody touches the page: it must come back on its own
    page.get_by_text(UNREACHABLE).wait_for(state="detached", timeout=30_000)
    # The search typed during the outage is kept in the view: the three Kharkiv incidents.
    expect_incidents_in_view(page, 3)
    expect(page).to_have_url(re.compile(r"[?&]q=Kharkiv(&|$)"), timeout=30_000)


def test_upload_page_shows_the_outage_notice_and_recovers_by_itself(
    page: Page, outage: tuple[TcpProxy, RunningApp]
) -> None:
    proxy, running = outage
    page.goto(f"{running.url}/upload")
    page.locator(UPLOADER).wait_for(timeout=30_000)
    wait_idle(page)

    proxy.stop()
    page.get_by_text("ACLED export", exact=True).click()  # any rerun reads the saved mappings
    wait_idle(page)
    expect_unreachable_notice(page)
    assert page.locator(UPLOADER).count() == 0

    proxy.start()
    page.get_by_text(UNREACHABLE).wait_for(state="detached", timeout=30_000)
    page.locator(UPLOADER).wait_for(timeout=30_000)


def test_a_new_asof_link_while_the_store_is_down_shows_the_notice(
    page: Page, outage: tuple[TcpProxy, RunningApp]
) -> None:
    proxy, running = outage
    page.goto(running.url)  # the app opens (and seeds) its store
    wait_idle(page)
    expect_incidents_in_view(page, 8)
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    proxy.stop()
    page.goto(f"{running.url}/?asof={moment}")  # a moment no session has asked for yet
    wait_idle(page)
    expect_unreachable_notice(page)

    proxy.start()
    page.get_by_text(UNREACHABLE).wait_for(state="detached", timeout=30_000)
    expect_incidents_in_view(page, 8)


@pytest.fixture(scope="module")
def open_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    tmp = tmp_path_factory.mktemp("loopback")
    running = start_app(tmp, {"DASHBOARD_UPLOAD_PASSWORD": ""})
    yield running
    stop_app(running)


def test_without_sign_in_only_this_machine_may_upload(
    browser: Browser, open_app: RunningApp
) -> None:
    local = browser.new_context()
    page = local.new_page()
    page.goto(f"{open_app.url}/upload")
    page.locator(UPLOADER).wait_for(timeout=30_000)
    assert page.get_by_text("this machine only").count() == 1
    local.close()

    # The same browser through a reverse proxy on this machine: the proxy's header gives it away.
    relayed = browser.new_context(extra_http_headers={"X-Forwarded-For": "203.0.113.7"})
    page = relayed.new_page()
    page.goto(f"{open_app.url}/upload")
    page.get_by_text("ask the person who runs it").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.locator(UPLOADER).count() == 0
    relayed.close()


def test_secrets_file_points_the_app_at_postgresql(page: Page, pg_url: str, tmp_path: Path) -> None:
    """As on Streamlit Community Cloud: the store's URL comes from the app's secrets."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f"DASHBOARD_DB_URL = {pg_url!r}\n", encoding="utf-8")
    running = start_app(tmp_path, {"STREAMLIT_SECRETS_FILES": str(secrets)})
    try:
        page.goto(running.url)
        expect_incidents_in_view(page, 8)
    finally:
        stop_app(running)
    store = open_store(pg_url, today=TODAY)
    assert store.batches()["kind"].tolist() == ["seed"]  # seeded by the app, in PostgreSQL
    store.dispose()
