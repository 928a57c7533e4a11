"""Showing data strings safely as Markdown: a record's text must read as text, never as markup."""

from __future__ import annotations

import re
from urllib.parse import quote, urlparse

from dashboard.core.records import is_missing

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
