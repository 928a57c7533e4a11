"""The monitor page opened from a link, in Streamlit's AppTest (the map itself is not drawn)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core.records import frame_records
from dashboard.store import BatchMeta, Store
from dashboard.ui import urlstate
from tests.helpers import view_key
from tests.ui.conftest import opened


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_link_applies_filters_and_selection(app_store: Store) -> None:
    at = opened(
        {
            "from": "2024-01-01",
            "to": "2024-12-31",
            "status": ["preliminary", "confirmed"],
            "q": "KN-23",
            "incident": "UA-KYI-20240102",
            "layer": "heat",
            "v": "1",
        }
    )
    assert at.text_input(key=view_key(at, "from")).value == "2024-01-01"
    assert at.text_input(key=view_key(at, "to")).value == "2024-12-31"
    assert at.multiselect(key=view_key(at, "status")).value == ["preliminary", "confirmed"]
    assert at.text_input(key=view_key(at, "q")).value == "KN-23"
    # 2024: UA-KHA-20240102 (confirmed), UA-KYI-20240102, UA-KHA-20240207, UA-KYO-20240811,
    # UA-POL-202409.
    assert metric(at, "Incidents in view") == "5"
    assert not at.warning
    record = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert record == ["#### 2024\\-01\\-02 · Kyiv"]
    assert "UA\\-KYI\\-20240102" in "".join(m.value for m in at.markdown)
    link = at.text_input(key="share_link").value
    assert link.startswith("/?")
    assert "incident=UA-KYI-20240102" in link
    assert "status=preliminary&status=confirmed" in link
    assert "layer=heat" in link
    assert at.query_params["incident"] == "UA-KYI-20240102"
    assert any("live" in c.value for c in at.caption)


def test_junk_is_ignored_and_named(app_store: Store) -> None:
    at = opened(
        {
            "from": "2024-02-30",
            "status": ["confirmed", "<b>bold</b>"],
            "weapon": "Tomahawk",
            "zoom": "1e9",
            "lat": "50",
            "lon": "36",
            "incident": "NO-SUCH-INCIDENT",
            "asof": "yesterday",
            "<script>alert(1)</script>": "x",
            "v": "7",
        }
    )
    assert len(at.warning) == 1
    text = at.warning[0].value
    for param in ("from", "status", "weapon", "zoom", "lat", "lon", "incident", "asof", "v"):
        assert f"ignored parameter {param}\\:" in text
    assert "<script>" not in text
    assert "\\<script\\>alert\\(1\\)\\</script\\>" in text
    assert at.text_input(key=view_key(at, "from")).value == ""
    assert at.multiselect(key=view_key(at, "status")).value == ["confirmed"]
    assert at.multiselect(key=view_key(at, "weapon")).value == []
    assert metric(at, "Incidents in view") == "1"
    assert not [m for m in at.markdown if m.value.startswith("####")]
    assert at.text_input(key="share_link").value == "/?status=confirmed&v=1"
    assert "<script>alert(1)</script>" not in at.query_params
    assert "incident" not in at.query_params


def test_asof_shows_the_store_as_it_was(app_store: Store) -> None:
    time.sleep(1.1)  # asof has whole seconds: let it fall after the seed batch
    before = datetime.now(UTC).replace(microsecond=0)
    frame = app_store.incidents()
    changed = frame_records(frame[frame["incident_id"] == "UA-KHA-20240102"])
    changed[0]["killed"] = 99
    app_store.apply_batch(
        changed,
        BatchMeta(filename="fix.csv", sha256="0" * 64, uploaded_by="test"),
        now=datetime.now(UTC) + timedelta(seconds=5),
    )
    live = opened({"status": "confirmed"})
    assert metric(live, "Killed · injured") == "99 · 64"
    then = opened({"status": "confirmed", "asof": before.isoformat()})
    assert metric(then, "Killed · injured") == "3 · 64"
    assert any("(asof)" in i.value for i in then.info)
    assert f"asof={before.strftime('%Y-%m-%dT%H')}%3A" in then.text_input(key="share_link").value


def test_freeze_pins_the_link_and_live_unpins_it(app_store: Store) -> None:
    at = opened({})
    assert "asof" not in at.text_input(key="share_link").value
    next(b for b in at.button if b.label == "Freeze at this moment").click().run()
    assert not at.exception
    assert any("(asof)" in i.value for i in at.info)
    assert "asof=" in at.text_input(key="share_link").value
    assert "asof" in at.query_params
    next(b for b in at.button if b.label == "Show live data").click().run()
    assert "asof" not in at.text_input(key="share_link").value
    assert "asof" not in at.query_params
    assert any("live" in c.value for c in at.caption)


def test_back_or_forward_reads_the_url_again(
    app_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the browser's back button does: the page reruns with an earlier entry's URL, and
    Streamlit marks the run as a history navigation (AppTest cannot: the flag is set here; the
    browser test in tests/e2e/test_links.py presses the real button)."""
    at = opened({"status": "confirmed", "v": "1"})
    earlier = dict(at.query_params)
    at.text_input(key=view_key(at, "q")).input("Kharkiv").run()
    at.text_input(key=view_key(at, "from")).input("2024-01-03").run()
    assert metric(at, "Incidents in view") == "0"
    assert at.query_params["from"] == "2024-01-03"
    at.query_params.clear()
    at.query_params.update(earlier)
    monkeypatch.setattr(urlstate, "_history_navigation", lambda: True)
    at.run()
    assert not at.exception
    assert metric(at, "Incidents in view") == "1"
    assert at.text_input(key=view_key(at, "q")).value == ""
    assert at.text_input(key=view_key(at, "from")).value == ""
    assert at.multiselect(key=view_key(at, "status")).value == ["confirmed"]
    assert at.text_input(key="share_link").value == "/?status=confirmed&v=1"
    assert not at.warning


def test_clear_all_resets_the_view_but_not_asof(app_store: Store) -> None:
    time.sleep(1.1)  # asof has whole seconds: let it fall after the seed batch
    moment = datetime.now(UTC).replace(microsecond=0).isoformat()
    at = opened({"status": "claimed", "q": "Kharkiv", "layer": "heat", "asof": moment})
    assert metric(at, "Incidents in view") == "1"
    at.button(key="clear_all").click().run()
    assert not at.exception
    assert metric(at, "Incidents in view") == "8"
    assert at.multiselect(key=view_key(at, "status")).value == []
    assert at.text_input(key=view_key(at, "q")).value == ""
    assert set(at.query_params) == {"asof", "v"}


def test_every_run_sends_the_link_with_its_field(app_store: Store) -> None:
    """The browser sometimes draws the "Copy link" field anew during a run (seen as play stepped
    into March 2024), and a field drawn anew shows only a value sent in that run: a run that
    changed nothing sends it too (else the field showed empty, in tests/e2e/test_story.py)."""
    at = opened({"status": "confirmed", "v": "1"})
    at.run()
    field = at.text_input(key="share_link")
    assert field.value == "/?status=confirmed&v=1"
    assert field.proto.set_value


@pytest.mark.parametrize(
    "link",
    [
        {},
        {"q": "KN-23"},  # the search's "Found in" under the figures
        {"from": "2024-03-01", "to": "2024-03-31"},  # an empty view's notice
        {"zoom": "1e9"},  # what the link asked for that cannot be shown
        {"asof": "2024-06-01T00:00:00Z"},  # the past moment's source above the figures
    ],
)
def test_the_columns_keep_their_place_whatever_the_notes_above(
    app_store: Store, link: dict[str, str]
) -> None:
    """The browser draws anew an element whose place in the page changed: a note appearing
    above the map (a search that finds, an empty month while playing) reloaded the map in its
    frame and redrew the link field. All that varies above the columns is inside one block."""
    at = opened({**link, "v": "1"})
    assert not at.exception
    head, columns = at.main.children.values()
    assert head.key == "page_head"
    assert [type(c).__name__ for c in columns.children.values()] == ["Column", "Column"]
