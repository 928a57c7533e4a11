"""ACLED exports are recognised and mapped without hand editing."""

from __future__ import annotations

import pytest

from dashboard.core.csvio import Limits
from dashboard.core.errors import MappingRefusedError
from dashboard.core.mapping import ACLED_COLUMNS, ColumnMapping, choose, is_acled
from dashboard.imports import prepare
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
