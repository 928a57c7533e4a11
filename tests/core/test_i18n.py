"""The language in force, the browser's and the shell's choice, and the locale's forms."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dashboard.core import i18n, links
from dashboard.core.i18n import _, use
from dashboard.core.view import View, set_language

NOW = datetime(2026, 12, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "en"),
        ("", "en"),
        ("uk-UA,uk;q=0.9,en-US;q=0.8", "uk"),
        ("en-GB,en;q=0.9,uk;q=0.8", "en"),
        ("de-DE,de;q=0.9,uk;q=0.5", "uk"),
        ("en;q=0.2, uk;q=0.7", "uk"),
        ("uk;q=0, en", "en"),
        ("fr", "en"),
        ("*", "en"),
    ],
)
def test_the_browser_chooses_by_its_preference(header: str | None, lang: str) -> None:
    assert i18n.negotiate(header) == lang


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({}, "en"),
        ({"LANG": "uk_UA.UTF-8"}, "uk"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "uk_UA.UTF-8"}, "uk"),
        ({"LANGUAGE": "de:uk", "LANG": "en_US.UTF-8"}, "uk"),
        ({"LANGUAGE": "fr", "LANG": "uk_UA.UTF-8"}, "en"),
    ],
)
def test_the_shell_chooses_as_gettext_reads_it(environ: dict[str, str], lang: str) -> None:
    assert i18n.from_env(environ) == lang


def test_words_dates_and_numbers_follow_the_language() -> None:
    with use("uk"):
        assert (_("Monitor"), i18n.day(date(2024, 1, 2)), i18n.month(date(2024, 9, 1))) == (
            "Моніторинг",
            "2 січня 2024",
            "вересень 2024",
        )
        assert i18n.number(1234) == "1\xa0234"
    assert (_("Monitor"), i18n.day(date(2024, 1, 2)), i18n.number(1234)) == (
        "Monitor",
        "2 January 2024",
        "1,234",
    )


def test_an_unknown_language_speaks_the_default() -> None:
    with use("xx"):
        assert i18n.language() == "en"


def test_a_link_keeps_its_language() -> None:
    view = set_language(View(), "uk")
    params = links.to_params(view)
    assert params["lang"] == ["uk"]
    assert links.parse(params, now=NOW) == (view, [])
    assert "lang" not in links.to_params(View())


def test_a_link_in_an_unknown_language_says_so_and_speaks_the_browsers() -> None:
    view, notes = links.parse({"lang": ["xx"]}, now=NOW)
    assert view.lang is None
    assert [(n.param, n.reason) for n in notes] == [("lang", "'xx' is not one of en, uk")]
