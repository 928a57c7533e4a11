"""ACLED exports are recognised and mapped without hand editing."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.__main__ import main
from dashboard.core.csvio import Limits
from dashboard.core.errors import MappingRefusedError
from dashboard.core.mapping import ACLED_COLUMNS, ColumnMapping, choose, is_acled
from dashboard.imports import SHIPPED_INCIDENTS, prepare
from tests.conftest import TODAY
from tests.helpers import KHARKIV, csv_text

ACLED_ROW = {
    "event_id_cnty": "UKR12345",
    "event_date": "2 January 2024",
    "year": "2024",
    "time_precision": "1",
    "disorder_type": "Political violence",
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Shelling/artillery/missile attack",
    "actor1": "Military Forces of Russia (2000-)",
    "country": "Ukraine",
    "admin1": "Kharkiv",
    "admin2": "Kharkivskyi",
    "location": KHARKIV,
    "latitude": "49.9925",
    "longitude": "36.2311",
    "geo_precision": "1",
    "source": "Ukrinform",
    "source_scale": "National",
    "notes": "On 2 January 2024, Russian forces struck Kharkiv with missiles.",
    "fatalities": "2",
    "tags": "",
    "timestamp": "1704844800",
}


def test_acled_layout_has_31_columns() -> None:
    assert len(ACLED_COLUMNS) == 31
    assert is_acled(ACLED_COLUMNS)
    assert not is_acled(["incident_id", "date", "fatalities"])


@pytest.mark.parametrize("fmt", ["auto", "acled"])
def test_acled_export_is_mapped(fmt: str) -> None:
    data = csv_text([ACLED_ROW], columns=ACLED_COLUMNS).encode("utf-8")
    prepared = prepare(data, "acled.csv", TODAY, fmt=fmt, limits=Limits())
    assert not prepared.errors, prepared.issues
    assert prepared.issues == ()
    assert prepared.source_format == "acled"
    valid = prepared.valid.iloc[0]
    assert valid["incident_id"] == "UKR12345"
    assert valid["date"].date().isoformat() == "2024-01-02"
    assert valid["killed"] == 2
    assert valid["source_title"] == "Ukrinform"
    assert valid["weapon"] == "Shelling/artillery/missile attack"
    assert valid["attribution_status"] == "unverified"
    assert valid["location"] == KHARKIV
    assert valid["district"] == "Kharkivskyi"  # ACLED's admin2, the raion


def test_forcing_the_template_format_on_acled_names_missing_columns() -> None:
    data = csv_text([ACLED_ROW], columns=ACLED_COLUMNS).encode("utf-8")
    prepared = prepare(data, "acled.csv", TODAY, fmt="incidents", limits=Limits())
    header_errors = [(i.line, i.column, i.code) for i in prepared.file_errors]
    assert header_errors == [
        (1, "date", "missing-column"),
        (1, "weapon", "missing-column"),
        (1, "attribution_status", "missing-column"),
    ]


def test_mapping_rejects_unknown_targets() -> None:
    with pytest.raises(MappingRefusedError, match="'colour' is not a canonical column"):
        ColumnMapping("bad", {"x": "colour"})
    with pytest.raises(ValueError, match="format must be one of"):
        choose(["a"], "xlsx")


def test_an_acled_export_says_its_rows_are_context_before_and_after_import(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = csv_text([ACLED_ROW], columns=ACLED_COLUMNS).encode("utf-8")
    prepared = prepare(data, "acled.csv", TODAY, fmt="auto", limits=Limits())
    assert prepared.context_rows == 1
    note = (
        "1 valid row is context (not DPRK-origin): stored, it is counted in no DPRK figure and "
        "shows on the map only with “Show context incidents”."
    )
    assert prepared.context_note() == note
    assert prepared.summary()[-1] == note  # before the import, on the page and the command line
    monkeypatch.setenv("DASHBOARD_DB_URL", db_url)
    path = tmp_path / "acled.csv"
    path.write_bytes(data)
    assert main(["import", str(path)]) == 0  # after it, on the command line
    assert capsys.readouterr().out.splitlines()[-1] == note
    shipped = prepare(SHIPPED_INCIDENTS.read_bytes(), "incidents.csv", TODAY, limits=Limits())
    assert shipped.context_rows == 0
    assert shipped.context_note() is None
