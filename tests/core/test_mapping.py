"""Column suggestions for a file whose header is not the template's."""

from __future__ import annotations

from dashboard.core.mapping import ACLED, IDENTITY, SYNONYMS, ColumnMapping, suggest
from dashboard.core.schema import COLUMNS, REQUIRED, normalise_header

UKRAINIAN_HEADER = (
    "Дата",
    " Місто ",
    "ШИРОТА",
    "Довгота",
    "Зброя",
    "Статус атрибуції",
    "Загиблі",
    "Поранені",
    "Джерело",
    "Примітка від редактора",
)


def test_a_ukrainian_header_gets_every_required_column() -> None:
    suggested = suggest(UKRAINIAN_HEADER, IDENTITY)
    assert suggested == {
        "Дата": "date",
        " Місто ": "location",
        "ШИРОТА": "latitude",
        "Довгота": "longitude",
        "Зброя": "weapon",
        "Статус атрибуції": "attribution_status",
        "Загиблі": "killed",
        "Поранені": "injured",
        "Джерело": "source_title",
        "Примітка від редактора": "",  # no synonym: left for the analyst
    }
    assert set(REQUIRED) <= set(suggested.values())


def test_english_synonyms_ignore_case_and_spacing() -> None:
    assert suggest(["Lat", "LNG", "  Event Date ", "Fatalities", "Wounded"], IDENTITY) == {
        "Lat": "latitude",
        "LNG": "longitude",
        "  Event Date ": "date",
        "Fatalities": "killed",
        "Wounded": "injured",
    }


def test_a_column_is_suggested_once_and_the_template_name_wins() -> None:
    # "Дата" would be the date, but the file's own "date" column already is.
    assert suggest(["Дата", "date", "lat", "широта"], IDENTITY) == {
        "Дата": "",
        "date": "date",
        "lat": "latitude",
        "широта": "",
    }


def test_the_base_mappings_choices_stand() -> None:
    # ACLED ignores its "source_scale" on purpose and maps "source": no synonym overrides that.
    assert suggest(["source_scale", "source", "location"], ACLED) == {
        "source_scale": "",
        "source": "source_title",
        "location": "location",
    }
    own = ColumnMapping("mine", {"місто": "notes"})
    assert suggest(["Місто"], own) == {"Місто": "notes"}


def test_synonyms_name_real_columns_and_are_unambiguous() -> None:
    assert set(SYNONYMS) == set(COLUMNS)
    names = [name for column in SYNONYMS.values() for name in column]
    assert len(names) == len(set(names))
    assert all(normalise_header(name) == name for name in names)
    assert not set(names) & set(COLUMNS)
