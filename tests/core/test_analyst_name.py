"""The name a shared-password analyst types: tidied, and refused with a reason."""

from __future__ import annotations

import pytest

from dashboard.core.analyst_name import NAME_LIMIT, clean_name, name_fault


def test_white_space_is_tidied() -> None:
    assert clean_name("  Ana \t  Analyst \n") == "Ana Analyst"


@pytest.mark.parametrize(
    ("typed", "fault"),
    [
        ("", "type your name: your changes are recorded under it"),
        (" \n ", "type your name: your changes are recorded under it"),
        ("a" * (NAME_LIMIT + 1), "a name is at most 80 characters, not 81"),
        ("Ana\x07", "a name cannot hold control or invisible format characters"),
        ("Ana\u202eevil", "a name cannot hold control or invisible format characters"),
    ],
)
def test_names_refused_with_the_reason(typed: str, fault: str) -> None:
    assert name_fault(typed) == fault


@pytest.mark.parametrize("typed", ["Ana", "Олена Коваль", "a" * NAME_LIMIT, "  Bo  Li "])
def test_names_taken(typed: str) -> None:
    assert name_fault(typed) is None
