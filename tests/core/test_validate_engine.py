"""One validator, many declarations: the incident table and the evidence tables are checked by
the same engine (:func:`~dashboard.core.validate.check_columns`), with the same faults worded
once (in :class:`~dashboard.core.errors.Code`), in the reader's language."""

from __future__ import annotations

from dashboard.core.errors import Code
from dashboard.core.evidence import SOURCE_COLUMNS, validate_evidence
from dashboard.core.i18n import use
from dashboard.core.validate import RawTable, check_columns, validate
from tests.conftest import TODAY
from tests.helpers import GOOD

LONG = "x" * 41


def _table(rows: list[dict[str, str]]) -> RawTable:
    columns = list(rows[0])
    return RawTable(
        columns, [[r[c] for c in columns] for r in rows], [2 + i for i in range(len(rows))]
    )


def test_the_incident_table_and_an_evidence_table_run_through_one_validator() -> None:
    incidents = _table(
        [
            {**GOOD, "latitude": "north", "killed": "-1", "notes": LONG},
            {**GOOD, "incident_id": "T-2", "date": "2099-01-01", "source_url": "ftp://x"},
        ]
    )
    sources = _table(
        [
            {"incident_id": "T-0001", "title": LONG, "url": "ftp://x", "published": "2099-01-01",
             "says": "rumour", "grade": "H"},
            {"incident_id": "T-0001", "title": "", "url": "", "published": "x", "says": "other",
             "grade": "Q"},
        ]
    )  # fmt: skip
    found = validate(incidents, TODAY, max_cell=40)
    assert [(i.line, i.column, i.code) for i in found.issues] == [
        (2, "latitude", "invalid-number"),
        (2, "killed", "out-of-range"),
        (2, "notes", "too-long"),
        (3, "date", "future-date"),
        (3, "source_url", "invalid-url"),
    ]
    evidence = validate_evidence(sources, "sources", TODAY, incident_ids={"T-0001"}, max_cell=40)
    assert [(i.line, i.column, i.code) for i in evidence.issues] == [
        (2, "title", "too-long"),
        (2, "url", "invalid-url"),
        (2, "published", "future-date"),
        (2, "says", "invalid-choice"),
        (3, "title", "required"),
        (3, "published", "invalid-date"),
        (3, "grade", "invalid-choice"),
    ]
    # The same fault reads the same in both tables: the words come from the code alone.
    by_code = {(i.code, i.column): i.message for i in evidence.issues}
    too_long = by_code[(Code.TOO_LONG, "title")]
    assert too_long == "cell is 41 characters; the limit is 40"
    assert {i.code: i.message for i in found.issues}[Code.TOO_LONG] == too_long
    assert (
        by_code[(Code.INVALID_CHOICE, "says")]
        == "must be one of: attribution, casualties, forensic, other"
    )
    # check_columns is the one engine under both: an evidence declaration runs through it too.
    engine = check_columns(sources, SOURCE_COLUMNS, TODAY, max_cell=40)
    assert engine.faults.rows() == [0, 1]


def test_an_issue_built_once_reads_in_the_language_it_is_shown_in() -> None:
    found = validate(_table([{**GOOD, "date": "2099-01-01", "latitude": "north"}]), TODAY)
    assert [i.message for i in found.issues] == [
        f"date is after today ({TODAY.isoformat()})",
        "not a decimal number",
    ]
    with use("uk"):
        assert [i.message for i in found.issues] == [
            f"дата пізніша за сьогоднішню ({TODAY.isoformat()})",
            "це не десяткове число",
        ]
        assert str(found.issues[1]) == (
            "рядок 2, стовпець latitude: це не десяткове число (значення 'north') [invalid-number]"
        )
