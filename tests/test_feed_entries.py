"""A change in words (pure): its kind from the batch's kind and the states, any batch kind;
and the latest changes read back from a real store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd
import pytest

from dashboard.core.filters import Filters
from dashboard.core.i18n import use
from dashboard.core.records import Record
from dashboard.core.view import View
from dashboard.feeds.atom import xml_text
from dashboard.feeds.entries import CORRECTION, NEW, REMOVAL, REVERT, change_kind, entry
from dashboard.feeds.routes import latest_entries
from dashboard.imports import commit, prepare
from dashboard.store import Store
from dashboard.store.changes import LoggedBatch, StoredChange
from tests.conftest import TODAY
from tests.helpers import csv_bytes, row

WHEN = datetime(2026, 12, 1, 12, 0, 30, tzinfo=UTC)
RECORD: Record = {  # type: ignore[typeddict-item]
    "incident_id": "UA-1",
    "date": "2024-01-02",
    "location": "Kharkiv",
    "district": "Shevchenkivskyi",
    "weapon": "KN-23",
    "attribution_status": "confirmed",
    "killed": 3,
    "injured": None,
    "source_title": "A report",
    "source_url": "https://example.org/r",
}


def _change(kind: str, before: Record | None, after: Record | None) -> StoredChange:
    batch = LoggedBatch(7, kind, WHEN, "f.csv", "incidents", None)
    return StoredChange(42, batch, "UA-1", WHEN, before, after)


@pytest.mark.parametrize(
    ("batch", "before", "after", "kind"),
    [
        ("import", None, RECORD, NEW),
        ("seed", None, RECORD, NEW),
        ("import", RECORD, {**RECORD, "killed": 4}, CORRECTION),
        ("retract", RECORD, None, REMOVAL),
        ("revert", RECORD, None, REVERT),
        ("revert", None, RECORD, REVERT),
    ],
)
def test_the_kind_follows_the_batch_and_the_states(
    batch: str, before: Record | None, after: Record | None, kind: str
) -> None:
    assert change_kind(batch, before, after) == kind


def test_a_batch_kind_without_words_is_named_as_stored() -> None:
    item = entry(_change("retract", RECORD, None), None)
    assert item.title == "Incident UA-1 removed (retract)"
    assert item.lines == ("No longer in the live data.",)
    # Seen as it was just before the batch that removed it.
    assert item.view.asof == datetime(2026, 12, 1, 12, 0, 29, tzinfo=UTC)
    assert item.view.incident == "UA-1"


def test_a_correction_lists_what_changed_and_unknown_stays_not_reported() -> None:
    item = entry(_change("import", RECORD, {**RECORD, "killed": None, "injured": 5}), "uk")
    assert item.lines == ("Killed: 3 → not reported", "Injured: not reported → 5")
    assert item.view.lang == "uk"
    with use("uk"):
        assert entry(_change("import", None, RECORD), "uk").title == "Новий інцидент UA-1"


def test_text_xml_cannot_hold_is_replaced() -> None:
    assert xml_text("a\x00b\x1bc\td\ne") == "a\ufffdb\ufffdc\td\ne"


def test_the_latest_entries_page_back_through_the_store(store: Store) -> None:
    """On each back end: newest first, paged, filtered by the view, ``asof`` counting only the
    batches up to it."""
    report = prepare(csv_bytes([row(incident_id="T-1", district="Kyivskyi")]), "u.csv", TODAY)
    batch = commit(store, report, uploaded_by="t").batch_id
    store.revert_batch(batch, uploaded_by="t")
    titles = [e.title for e in latest_entries(store, View(), limit=3, scanned=10)]
    assert titles[:2] == ["Revert: incident T-1 removed", "New incident T-1"]
    assert len(titles) == 3
    kyivskyi = View(filters=Filters(districts=("Kyivskyi",)))
    assert [e.title for e in latest_entries(store, kyivskyi)] == titles[:2]
    assert len(latest_entries(store, View(), limit=100, scanned=3)) == 3  # scans no further
    before_import = store.batches()["created_at"].min() + pd.Timedelta(milliseconds=1)
    seeded = latest_entries(store, replace(View(), asof=before_import.to_pydatetime()))
    assert {e.batch_kind for e in seeded} == {"seed"}
