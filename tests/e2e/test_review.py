"""The review story in a real browser: two analysts in two browser contexts share a password and
type their names; A corrects a casualty figure with a reason, B approves it, a viewer sees the new
figure and the history names A, B and the reason; A could not approve A's own change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    RunningApp,
    run_of,
    select_first_row,
    start_app,
    stop_app,
    wait_idle,
    watch_runs,
)

PASSWORD = "review story password"
INCIDENT = "UA-KHA-20240106"  # shipped with its casualties not reported
REASON = "Kirby's briefing of 2024-01-09 gives the figure"


@pytest.fixture(scope="module")
def review_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(
        tmp_path_factory.mktemp("review"),
        {"DASHBOARD_UPLOAD_PASSWORD": PASSWORD, "DASHBOARD_REVIEW": "required"},
    )
    yield running
    stop_app(running)


def analyst(browser: Browser, app: RunningApp, name: str) -> Page:
    """A browser context of its own, signed in as ``name`` (on the Upload page)."""
    context = browser.new_context(viewport={"width": 1500, "height": 1200})
    page = watch_runs(context.new_page())
    page.goto(f"{app.url}/upload")
    page.get_by_label("Your name", exact=True).fill(name)
    page.get_by_label("Analyst password").fill(PASSWORD)
    run_of(page, page.get_by_role("button", name="Sign in").click)
    expect(page.get_by_text(f"Signed in as {name}.")).to_be_visible(timeout=30_000)
    return page


def open_record(page: Page) -> None:
    """Go to the Monitor (in the app: the sign-in lives in this session) and open the record."""
    run_of(page, page.get_by_role("link", name="Monitor").click)
    search = page.locator(".st-key-q input")
    search.fill(INCIDENT)
    run_of(page, lambda: search.press("Enter"))
    select_first_row(page)
    expect(page.locator(".st-key-incident_record")).to_contain_text(INCIDENT)


def test_a_correction_is_proposed_approved_by_another_and_shown_with_both_names(
    browser: Browser, review_app: RunningApp
) -> None:
    ana = analyst(browser, review_app, "Ana")
    open_record(ana)
    run_of(ana, ana.get_by_role("radio", name="Edit").click)
    form = ana.locator(".st-key-record_form")
    form.get_by_label("Killed", exact=True).fill("4")
    form.get_by_label("Reason *", exact=True).fill(REASON)
    form.get_by_label("Reason *", exact=True).press("Enter")
    wait_idle(ana)
    expect(form.get_by_text("was: empty")).to_be_visible()
    run_of(ana, form.get_by_role("button", name="Submit the edit").click)
    expect(ana.get_by_text("Proposal 1 recorded")).to_be_visible(timeout=30_000)
    expect(ana.locator(".st-key-incident_record")).to_contain_text("Killed: not reported")

    # A cannot approve A's own: the button is there, disabled, with the reason beside it.
    run_of(ana, ana.get_by_role("link", name="Review (1)").click)
    own = ana.locator(".st-key-proposal_1")
    expect(own).to_contain_text(REASON)
    expect(own.get_by_role("button", name="Approve")).to_be_disabled()
    expect(own.get_by_text("nobody approves or rejects their own change")).to_be_visible()

    bo = analyst(browser, review_app, "Bo")
    run_of(bo, bo.get_by_role("link", name="Review (1)").click)
    pending = bo.locator(".st-key-proposal_1")
    expect(pending).to_contain_text("Ana")
    expect(pending).to_contain_text(REASON)
    run_of(bo, pending.get_by_role("button", name="Approve").click)
    expect(bo.get_by_text("Proposal 1 approved")).to_be_visible(timeout=30_000)

    viewer = watch_runs(browser.new_context().new_page())
    viewer.goto(f"{review_app.url}/?incident={INCIDENT}")
    record = viewer.locator(".st-key-incident_record")
    expect(record).to_contain_text("Killed: 4", timeout=60_000)
    viewer.get_by_text("Change history (2 recorded)").click()  # opens in the browser: no run
    last = viewer.locator(".st-key-incident_history li").last
    expect(last).to_contain_text("by Ana, approved by Bo")
    expect(last).to_contain_text(REASON)
    expect(last).to_contain_text("Killed: not reported → 4")
    assert viewer.get_by_role("link", name="Review").count() == 0  # viewers: live data only
    for page in (ana, bo, viewer):
        page.context.close()
