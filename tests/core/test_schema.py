"""The column declarations are the one source: records, the README, the store and views follow."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import get_type_hints

import pytest
import sqlalchemy as sa

from dashboard.core.cells import Check, NotFuture, OneOf, WebAddress, Within
from dashboard.core.errors import Code
from dashboard.core.records import IncidentRecord
from dashboard.core.schema import (
    COLUMNS,
    DECLARATIONS,
    INTEGER,
    MAP_FIELDS,
    PREVIEW_FIELDS,
    TEMPLATE,
    TEMPLATE_COLUMNS,
    Column,
    markdown_table,
    shown_in,
)
from dashboard.store.tables import incidents
from tests.conftest import TODAY

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_record_type_matches_the_declarations() -> None:
    """IncidentRecord is written out by hand: its keys, order and types must follow DECLARATIONS."""
    hints = get_type_hints(IncidentRecord)
    assert list(hints) == list(COLUMNS)
    assert {name: hints[name] for name in COLUMNS} == {c.name: c.record_type for c in DECLARATIONS}


def test_readme_lists_exactly_the_declared_columns() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### The canonical incident format") :]
    section = section[: section.index("\n## ")]
    listed = re.findall(r"^\| `(\w+)` \| (yes|) \|", section, flags=re.MULTILINE)
    assert listed == [(c.name, "yes" if c.required else "") for c in TEMPLATE]
    assert markdown_table() in section, "regenerate the table with schema.markdown_table()"
    assert f"```\n{','.join(TEMPLATE_COLUMNS)}\n```" in section


def test_the_store_table_has_each_declared_column() -> None:
    """Name, order, SQL type, length, nullability and key, as declared."""
    stored = [c for c in incidents.columns if c.name in COLUMNS]
    assert [c.name for c in stored] == list(COLUMNS)
    for declared, column in zip(DECLARATIONS, stored, strict=True):
        compiled = column.type.compile(dialect=sa.dialects.postgresql.dialect())
        assert compiled == declared.sql_type, declared.name
        assert column.nullable is declared.nullable, declared.name
        assert column.primary_key is declared.key, declared.name


def test_views_show_their_declared_columns_in_their_order() -> None:
    assert [c.name for c in shown_in("table")] == [
        "date",
        "location",
        "district",
        "weapon",
        "attribution_status",
        "attributed_by",
        "killed",
        "injured",
        "geo_precision",
        "source_title",
        "source_url",
        "incident_id",
    ]
    assert [c.label for c in shown_in("briefing")] == [
        "Date",
        "Incident",
        "Location",
        "Weapon",
        "Attribution",
        "Attributed by",
        "Killed",
        "Injured",
        "Location precision",
        "Source",
    ]
    assert {"latitude", "longitude", "incident_id", "attribution_status"} <= set(MAP_FIELDS)
    assert "notes" not in MAP_FIELDS
    assert "notes" in PREVIEW_FIELDS


def test_every_column_has_a_label_and_help() -> None:
    for declared in DECLARATIONS:
        assert declared.label.strip(), declared.name
        assert declared.help.strip(), declared.name


def test_a_declaration_picks_its_kinds_parser() -> None:
    count = Column("n", "integer", "N", "a count", int_range=INTEGER)
    assert count.parse("+007") == 7
    assert Column("d", "date", "D", "a day").parse("02.01.2024") == date(2024, 1, 2)
    assert Column("x", "float", "X", "a number").parse("49,5") == 49.5
    assert Column("t", "text", "T", "words").parse("As Written") == "As Written"
    with pytest.raises(ValueError, match="'n' needs an int_range"):
        Column("n", "integer", "N", "a count")


@pytest.mark.parametrize(
    ("check", "value", "fault"),
    [
        (Within(-90, 90), 90.0, None),
        (Within(-90, 90), -90.5, ("out-of-range", "must be between -90 and 90")),
        (Within(-90, 90), float("nan"), ("out-of-range", "must be between -90 and 90")),
        (Within(-180, 180), float("inf"), ("out-of-range", "must be between -180 and 180")),
        (OneOf((1, 2)), 2, None),
        (OneOf((1, 2)), 3, ("invalid-choice", "must be one of: 1, 2")),
        (
            OneOf((1, 2), Code.INVALID_PRECISION),
            3,
            ("invalid-precision", "must be 1, 2 or 3 (ACLED geo_precision)"),
        ),
        (NotFuture(), TODAY, None),
        (NotFuture(), date(2026, 11, 27), ("future-date", "date is after today (2026-11-26)")),
        (WebAddress("link"), "https://example.org/a", None),
        (
            WebAddress("link"),
            "ftp://example.org",
            ("invalid-url", "link must be an http(s) address with a host"),
        ),
        (
            WebAddress("link"),
            "http://a b",
            ("invalid-url", "link must not hold spaces or control characters"),
        ),
    ],
)
def test_checks_give_a_fault_and_never_raise(check: Check, value: object, fault: object) -> None:
    found = check(value, TODAY)
    assert (found if found is None else (found.code, found.message)) == fault
