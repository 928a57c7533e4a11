"""Showing data as text: strings safely as Markdown (a record's text must read as text, never as
markup), and counts that may be unknown."""

from __future__ import annotations

import re
from urllib.parse import quote, urlparse

from dashboard.core.i18n import N_
from dashboard.core.records import is_missing

#: What a view shows for a count the source does not give (it is never shown, or summed, as 0).
NOT_REPORTED = N_("not reported")

# Markdown, Streamlit's extensions ($ for LaTeX, :name[...] directives, ~ strikethrough) and HTML.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=])")


def md_escape(value: object) -> str:
    """Backslash-escape every character Streamlit's Markdown could read as syntax."""
    text = " ".join(str(value).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def safe_url(value: object) -> str | None:
    """The URL if it is http(s), percent-encoding what would end a Markdown link; else None."""
    text = "" if is_missing(value) else str(value).strip()
    parsed = urlparse(text)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        return None
    return quote(text, safe=":/?#@!$&'*+,;=%~-._")


def count_text(value: object) -> str:
    """A casualty count as every view shows it: the number, or "not reported" when unknown."""
    return NOT_REPORTED if is_missing(value) else f"{int(value):,}"  # type: ignore[call-overload]
