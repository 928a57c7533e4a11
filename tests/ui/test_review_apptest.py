"""Corrections and review in the app (AppTest, real store): the record's forms with the upload's
messages, review off and required, the Review page's rules, and the record's history."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import PACKAGE_DIR, review
from dashboard.core.links import format_asof
from dashboard.core.text import md_escape
from dashboard.imports import open_store, prepare
from dashboard.store import Store
from dashboard.ui import auth
from tests.conftest import TODAY
from tests.helpers import csv_bytes, row, whole_page

APP = str(PACKAGE_DIR / "app.py")
MONITOR = str(PACKAGE_DIR / "app_pages" / "monitor.py")
PASSWORD = "shared secret"
INCIDENT = "UA-KHA-20240106"  # the shipped record whose casualties are not reported


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Store]:
    """A seeded store of the test's own; analysts share a password and type their names."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv("DASHBOARD_REVIEW", "required")
    opened = open_store(url, today=TODAY)
    yield opened
    opened.dispose()
    st.cache_resource.clear()


def signed_in(at: AppTest, name: str | None) -> AppTest:
    """``at`` signed in as ``name`` (None: a viewer), as the sign-in form leaves the session."""
    at.secrets = {"_tests": True}
    if name is not None:
        at.session_state["_analyst_password_digest"] = hashlib.sha256(PASSWORD.encode()).hexdigest()
        at.session_state["_analyst_name"] = name
    return at


def monitor(name: str | None, incident: str | None = INCIDENT) -> AppTest:
    at = signed_in(AppTest.from_file(MONITOR, default_timeout=60), name)
    if incident:
        at.query_params["incident"] = incident
    whole_page(at)
    assert not at.exception
    return at


def app(name: str | None) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60), name)
    whole_page(at)
    assert not at.exception
    return at


def open_form(at: AppTest, action: str) -> AppTest:
    at.segmented_control(key="record_action").set_value(action).run()
    assert not at.exception
    return at


def fill(at: AppTest, form_id: str, **values: str) -> AppTest:
    for name, value in values.items():
        key = f"{form_id}:{name}"
        boxes = [t for t in at.text_area if t.key == key]
        (boxes[0] if boxes else at.text_input(key=key)).input(value)
    return at


def submit(at: AppTest, form_id: str) -> AppTest:
    at.button(key=f"{form_id}:submit").click().run()
    assert not at.exception
    return at


def edit(at: AppTest, reason: str = "Kirby's briefing gives the figure", **values: str) -> AppTest:
    form = f"edit:{INCIDENT}"
    open_form(at, "edit")
    fill(at, form, **values, reason=reason)
    return submit(at, form)


def killed(store: Store) -> object:
    return store.records([INCIDENT])[INCIDENT]["killed"]


def history(at: AppTest) -> list[str]:
    """The record's history, one change a line, Markdown escapes undone."""
    (shown,) = [m.value for m in at.markdown if m.value.startswith("- **") and " UTC" in m.value]
    shown = shown.replace("  \n  ", " ").replace("\\", "").replace("**", "")
    return shown.split("\n")


def killed_in_view(at: AppTest) -> int:
    """The headline's killed figure (the metric reads "killed · injured")."""
    (value,) = [m.value for m in at.metric if m.label == "Killed · injured"]
    return int(value.split(" · ")[0])


def errors(at: AppTest) -> list[str]:
    """The errors shown, but the mandate panel's (the Panel's mandate has expired)."""
    return [e.value for e in at.error if not e.value.startswith("**Expired")]


def test_a_viewer_sees_the_record_but_no_control_that_changes_it(store: Store) -> None:
    at = monitor(None)
    assert "Change history (1 recorded)" in [e.label for e in at.expander]
    assert "record_action" not in [w.key for w in at.segmented_control]
    assert not [b for b in at.button if "submit" in str(b.key)]


def test_an_edit_shows_the_old_value_beside_the_changed_one(store: Store) -> None:
    at = open_form(monitor("Ana"), "edit")
    form = f"edit:{INCIDENT}"
    assert at.text_input(key=f"{form}:location").value == "Kharkiv"
    assert at.text_input(key=f"{form}:killed").value == ""
    fill(at, form, killed="4", location="Kharkiv, Saltivka").run()
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Review is required") for c in captions)
    assert "was: not reported" not in captions  # an empty count is shown as empty, not 0
    assert "was: empty" in captions
    assert "was: Kharkiv" in captions


def test_with_review_required_an_edit_is_a_proposal_and_changes_nothing_live(
    store: Store,
) -> None:
    at = edit(monitor("Ana"), killed="4")
    assert [s.value for s in at.success] == [
        "Proposal 1 recorded: it goes live once another analyst approves it."
    ]
    assert killed(store) is None
    (pending,) = review.proposals(store)
    assert (pending.author, pending.reason) == ("Ana", "Kirby's briefing gives the figure")


def test_a_bad_value_is_refused_with_the_upload_s_own_message(store: Store) -> None:
    """The form's value goes through the upload's engine: the same message, nothing stored."""
    at = edit(monitor("Ana"), killed="-3")
    upload = prepare(csv_bytes([row(killed="-3")]), "file.csv", TODAY)
    (expected,) = [i for i in upload.issues if i.column == "killed"]
    assert errors(at) == [
        md_escape(f"{expected.message} (value '-3')"),
        md_escape("Not submitted, nothing stored: no row is valid"),
    ]
    assert review.proposals(store) == []
    assert killed(store) is None
    # The form keeps what was typed, to be corrected.
    assert at.text_input(key=f"edit:{INCIDENT}:killed").value == "-3"


def test_an_edit_needs_a_reason(store: Store) -> None:
    at = edit(monitor("Ana"), reason="  ", killed="4")
    assert errors(at) == [
        md_escape("Not submitted, nothing stored: give a short reason for the change")
    ]
    assert review.proposals(store) == []


def test_with_review_off_an_edit_goes_live_with_who_and_why_in_the_history(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_REVIEW", "off")
    at = monitor("Ana")
    open_form(at, "edit")
    assert "Review is off" in " ".join(c.value for c in at.caption)
    at = edit(at, killed="4")
    assert at.success[0].value.startswith("Stored as batch ")
    assert killed(store) == 4
    last = history(at)[-1]
    assert "by Ana · why: Kirby's briefing gives the figure" in last
    assert "approved by" not in last  # applied without review
    assert last.endswith("Killed: not reported → 4")


def test_a_retraction_is_confirmed_and_leaves_the_live_data(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_REVIEW", "off")
    at = open_form(monitor("Ana"), "retract")
    form = f"retract:{INCIDENT}"
    at.text_input(key=f"{form}:reason").input("duplicate of UA-KHA-20240102")
    at.button(key=f"{form}:ask").click().run()
    assert INCIDENT in store.records([INCIDENT])  # asked, not yet done
    at.button(key=f"{form}:yes").click().run()
    assert not at.exception
    assert store.records([INCIDENT]) == {}


def test_a_source_added_in_the_form_shows_in_the_record(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_REVIEW", "off")
    at = open_form(monitor("Ana"), "source")
    form = f"sources:{INCIDENT}"
    fill(at, form, title="White House briefing", url="https://example.org/kirby")
    at.selectbox(key=f"{form}:says").set_value("attribution")
    at.selectbox(key=f"{form}:grade").set_value("M")
    at.text_input(key=f"{form}:reason").input("the briefing itself")
    at = submit(at, form)
    assert "White House briefing" in " ".join(m.value for m in at.markdown)


def test_a_new_incident_is_checked_like_an_upload_row(store: Store) -> None:
    at = open_form(monitor("Ana", incident=None), "new")
    values = {**row(incident_id="NEW-1", latitude="95")}
    del values["geo_precision"], values["attribution_status"], values["outcome"]
    fill(at, "new", **values, reason="new report")
    at.selectbox(key="new:attribution_status").set_value("claimed")
    at = submit(at, "new")
    upload = prepare(csv_bytes([row(latitude="95")]), "file.csv", TODAY)
    (expected,) = [i for i in upload.issues if i.column == "latitude"]
    assert errors(at) == [
        md_escape(f"{expected.message} (value '95')"),
        md_escape("Not submitted, nothing stored: no row is valid"),
    ]
    assert review.proposals(store) == []


def test_nobody_approves_their_own_and_another_analyst_does(store: Store) -> None:
    edit(monitor("Ana"), killed="4")
    own = app("Ana").switch_page("app_pages/review.py").run()
    approve = own.button(key="proposal_1_approve")
    assert approve.disabled
    assert "nobody approves or rejects their own change" in approve.help
    other = app("Bo").switch_page("app_pages/review.py").run()
    assert not other.exception
    (fields,) = [d.value for d in other.dataframe if "field" in d.value.columns]
    assert fields.to_dict("records") == [
        {"incident": INCIDENT, "field": "Killed", "old": "not reported", "new": "4"}
    ]
    other.button(key="proposal_1_approve").click().run()
    assert not other.exception
    assert killed(store) == 4
    assert review.proposals(store) == []
    last = history(monitor(None))[-1]
    assert "by Ana, approved by Bo · why: Kirby's briefing gives the figure" in last


def test_a_rejection_needs_a_reason_and_changes_nothing(store: Store) -> None:
    edit(monitor("Ana"), killed="4")
    at = app("Bo").switch_page("app_pages/review.py").run()
    at.button(key="proposal_1_reject").click().run()
    assert errors(at) == ["give a short reason for the change"]
    at.text_input(key="proposal_1_reject_reason").input("the briefing gives no figure")
    at.button(key="proposal_1_reject").click().run()
    assert not at.exception
    assert killed(store) is None
    assert review.proposals(store) == []


def test_a_second_proposal_on_the_same_incident_is_flagged_once_the_first_lands(
    store: Store,
) -> None:
    edit(monitor("Ana"), killed="4")
    edit(monitor("Cy"), killed="5", reason="another count")
    at = app("Bo").switch_page("app_pages/review.py").run()
    at.button(key="proposal_1_approve").click().run()
    assert not at.exception
    (warning,) = [w.value for w in at.warning if "Conflicting" in w.value]
    assert INCIDENT.replace("-", "\\-") in warning
    assert at.button(key="proposal_2_approve").disabled
    assert killed(store) == 4


def test_analysts_see_the_pending_count_viewers_no_review_page(store: Store) -> None:
    edit(monitor("Ana"), killed="4")
    analyst = app("Bo")
    assert "**1** proposal waits for review." in [m.value for m in analyst.sidebar.markdown]
    viewer = app(None)
    assert not viewer.sidebar.markdown or all(
        "review" not in m.value for m in viewer.sidebar.markdown
    )


def test_an_asof_link_from_before_the_approval_still_shows_the_old_figure(store: Store) -> None:
    edit(monitor("Ana"), killed="4")
    # A link's moment is a whole second: the first one after the shipped data was stored (the
    # store may be younger than a second), reached before the approval.
    stored = store.batches()["created_at"].max().to_pydatetime().replace(tzinfo=UTC)
    before = stored.replace(microsecond=0) + timedelta(seconds=1)
    while datetime.now(UTC) < before:
        time.sleep(0.01)
    at = app("Bo").switch_page("app_pages/review.py").run()
    at.button(key="proposal_1_approve").click().run()
    assert killed(store) == 4
    at = signed_in(AppTest.from_file(MONITOR, default_timeout=60), None)
    at.query_params.update(incident=INCIDENT, asof=format_asof(before))
    whole_page(at)
    assert not at.exception
    record = " ".join(m.value for m in at.markdown)
    assert "**Killed:** not reported" in record
    assert "**Killed:** 4" in " ".join(m.value for m in monitor(None).markdown)
    # A past moment is read, never changed: no form there, even for an analyst.
    at = signed_in(AppTest.from_file(MONITOR, default_timeout=60), "Bo")
    at.query_params.update(incident=INCIDENT, asof=format_asof(before))
    whole_page(at)
    assert "record_action" not in [w.key for w in at.segmented_control]


def test_an_analyst_previews_a_proposal_a_viewer_never_sees_it(store: Store) -> None:
    edit(monitor("Ana"), killed="4")
    at = app("Bo").switch_page("app_pages/review.py").run()
    at.button(key="proposal_1_preview").click().run()
    assert not at.exception
    # The button switched to the Monitor; AppTest's own page must follow for the next runs.
    at.switch_page("app_pages/monitor.py").run()
    assert any(w.value.startswith("Preview of proposal 1 by Ana") for w in at.warning)
    live = killed_in_view(app(None))  # a viewer: live data
    assert killed_in_view(at) == live + 4
    at.button(key="preview_end").click().run()
    assert not any(w.value.startswith("Preview of proposal") for w in at.warning)
    assert killed_in_view(at) == live
    assert killed(store) is None


def test_names_and_reasons_are_shown_as_text(store: Store) -> None:
    hostile = "<img src=x onerror=alert(1)> **bold** [x](javascript:alert(1))"
    edit(monitor(hostile), killed="4", reason=hostile)
    at = app("Bo").switch_page("app_pages/review.py").run()
    shown = "\n".join(m.value for m in at.markdown)
    assert "- **By:** " + md_escape(hostile) in shown
    assert "- **Why:** " + md_escape(hostile) in shown
    assert "<img" not in shown.replace("\\<img", "")
    assert "](javascript" not in shown


def test_an_analyst_not_on_the_reviewers_list_may_propose_not_approve(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_REVIEWERS", "Cy")
    edit(monitor("Ana"), killed="4")
    at = app("Bo").switch_page("app_pages/review.py").run()
    assert any("not on the reviewers' list" in i.value for i in at.info)
    approve = at.button(key="proposal_1_approve")
    assert approve.disabled
    assert approve.help == "Bo is not a reviewer: only reviewers approve or reject changes"
    assert at.button(key="proposal_1_reject").disabled
    reviewer = app("cy").switch_page("app_pages/review.py").run()  # names: any case
    reviewer.button(key="proposal_1_approve").click().run()
    assert killed(store) == 4


def test_the_author_refreshes_a_conflicting_proposal_onto_the_current_record(
    store: Store,
) -> None:
    edit(monitor("Ana"), killed="4")
    edit(monitor("Cy"), injured="7", reason="the hospital's count")
    bo = app("Bo").switch_page("app_pages/review.py").run()
    bo.button(key="proposal_1_approve").click().run()
    refresh = bo.button(key="proposal_2_refresh")
    assert refresh.disabled  # only its author
    author = app("Cy").switch_page("app_pages/review.py").run()
    author.button(key="proposal_2_refresh").click().run()
    assert not author.exception
    (pending,) = review.proposals(store)
    assert (pending.id, pending.author, pending.reason) == (3, "Cy", "the hospital's count")
    bo = app("Bo").switch_page("app_pages/review.py").run()
    (fields,) = [d.value for d in bo.dataframe if "field" in d.value.columns]
    assert fields.to_dict("records") == [
        {"incident": INCIDENT, "field": "Injured", "old": "not reported", "new": "7"}
    ]
    bo.button(key="proposal_3_approve").click().run()
    record = store.records([INCIDENT])[INCIDENT]
    assert (record["killed"], record["injured"]) == (4, 7)  # neither change overwrote the other


def test_an_examination_added_in_the_form_is_checked_like_an_evidence_upload(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_REVIEW", "off")
    at = open_form(monitor("Ana"), "examination")
    form = f"examinations:{INCIDENT}"
    values = {
        "examination_id": "EX-KHA-1",
        "examiner": "Kharkiv forensic institute",
        "components": "many",
        "findings": "parts of a KN-23 guidance section",
        "source_title": "Institute statement",
    }
    fill(at, form, **values, reason="the institute's statement")
    at.selectbox(key=f"{form}:grade").set_value("M")
    at = submit(at, form)
    assert review.proposals(store) == []
    (bad,) = [e for e in errors(at) if "many" in e]
    fill(at, form, components="12")
    at = submit(at, form)
    assert at.success[0].value.startswith("Stored as batch ")
    assert "Debris examinations (1)" in " ".join(m.value for m in at.markdown)
    assert bad.endswith(md_escape("(value 'many')"))
