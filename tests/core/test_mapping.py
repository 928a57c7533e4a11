"""Column suggestions for a file whose header is not the template's."""

from __future__ import annotations

from dashboard.core.mapping import (
    ACLED,
    IDENTITY,
    SYNONYMS,
    VALUE_SYNONYMS,
    ColumnMapping,
    distinct,
    from_choices,
    samples,
    suggest,
    vocabulary,
)
from dashboard.core.schema import REQUIRED, STATUSES, TEMPLATE_COLUMNS, normalise_header
from dashboard.imports import prepare
from tests.conftest import TODAY
from tests.helpers import csv_text

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
    assert set(SYNONYMS) == set(TEMPLATE_COLUMNS)
    names = [name for column in SYNONYMS.values() for name in column]
    assert len(names) == len(set(names))
    assert all(normalise_header(name) == name for name in names)
    assert not set(names) & set(TEMPLATE_COLUMNS)


def test_a_value_map_turns_the_files_words_into_the_vocabulary() -> None:
    mapping = from_choices(
        "uk",
        {"Статус": "attribution_status"},
        constants={"weapon": "KN-23", "notes": "  "},
        values={"attribution_status": {" Попередньо ": "preliminary", "інше": ""}},
    )
    assert mapping.constants == {"weapon": "KN-23"}  # a blank fixed value is no fixed value
    assert mapping.values == {"attribution_status": {"попередньо": "preliminary"}}
    assert mapping.recode("attribution_status", "ПОПЕРЕДНЬО") == "preliminary"
    assert mapping.recode("attribution_status", "інше") == "інше"  # left to validation
    assert mapping.recode("location", "попередньо") == "попередньо"
    assert ColumnMapping.from_json("uk", mapping.to_json()) == mapping


def test_a_ukrainian_file_imports_through_suggested_columns_and_a_value_map() -> None:
    header = ["Дата", "Місто", "Широта", "Довгота", "Зброя", "Статус", "Джерело", "Посилання"]
    data = csv_text(
        [
            dict(
                zip(
                    header,
                    [
                        "2024-01-02",
                        "Харків",
                        "49.99",
                        "36.23",
                        "KN-23",
                        "Попередньо",
                        "Звіт",
                        "https://example.org/r",
                    ],
                    strict=True,
                )
            )
        ],
        columns=header,
    ).encode("utf-8")
    plain = prepare(data, "uk.csv", TODAY)
    assert "missing-column" in {i.code for i in plain.errors}
    choices = suggest(header, IDENTITY)
    mapped = prepare(
        data,
        "uk.csv",
        TODAY,
        mapping=from_choices(
            "", choices, values={"attribution_status": VALUE_SYNONYMS["attribution_status"]}
        ),
    )
    assert not mapped.errors, mapped.issues
    assert mapped.valid.iloc[0]["attribution_status"] == "preliminary"
    assert mapped.valid.iloc[0]["location"] == "Харків"


def test_vocabularies_come_from_the_declared_checks() -> None:
    assert vocabulary("attribution_status") == tuple(STATUSES)
    assert vocabulary("geo_precision") == ("1", "2", "3")
    assert vocabulary("location") is None
    assert set(VALUE_SYNONYMS["attribution_status"].values()) == set(STATUSES)


def test_samples_and_distinct_values() -> None:
    cells = ["", "b", "a", "b", " ", "c", "d"]
    assert samples(cells) == ["b", "a", "c"]
    assert distinct(["Так", " так ", "Добре", "", "x"], 2) == ["так", "добре"]
