"""Data as text, one escaping function per output kind, so that a string from a file, a link or a
form is read as text and never as code wherever it goes:

- Markdown (Streamlit's elements): :func:`md_escape`, and :func:`safe_url` for a link's target;
- HTML (the briefing): :func:`html_page` compiles the code's own templates in the one Jinja
  environment, which escapes every value passed to it (text and attribute alike);
  :func:`html_text` escapes a string that goes into HTML by other means (a map's legend);
- CSV cells (exports, rejected rows): :func:`neutralise` neutralises a formula;
- the terminal (the CLI): :func:`terminal_text` shows control characters as escapes.

And counts that may be unknown (:func:`count_text`).
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import TYPE_CHECKING, Final
from urllib.parse import quote, urlparse

from babel.numbers import get_group_symbol
from markupsafe import Markup

from dashboard.core.i18n import N_, _, language
from dashboard.core.records import is_missing

if TYPE_CHECKING:
    import jinja2

#: What a view shows for a count the source does not give (it is never shown, or summed, as 0).
NOT_REPORTED = N_("not reported")

# -- Markdown -------------------------------------------------------------------------------------
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


# -- HTML -----------------------------------------------------------------------------------------
#: The one way HTML is built: templates written in the code, every value autoescaped. Data is
#: passed to a template as a variable, never made part of its source (it would run as Jinja).
def _escaped(value: object) -> object:
    """Every value a template writes, escaped as :func:`html_text` does (the same entities as
    the pages written before the templates: ``&#x27;`` for an apostrophe)."""
    return value if isinstance(value, Markup) else Markup(html_text(value))


@cache
def _html() -> jinja2.Environment:
    """The one Jinja environment, made (and Jinja imported) when a page is first built: the
    command line's imports never build one."""
    import jinja2

    return jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=_escaped,
    )


def html_page(source: str) -> jinja2.Template:
    """The code's own template ``source`` (a constant, never data), compiled to autoescape."""
    return _html().from_string(source)


def html_text(value: object) -> str:
    """``value`` as HTML text, safe in an element and in a quoted attribute (``& < > " '``)."""
    return html.escape(str(value), quote=True)


# -- CSV ------------------------------------------------------------------------------------------
#: A text cell starting with one of these is read as a formula by spreadsheets (CWE-1236).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix ``'`` to a text cell a spreadsheet would run as a formula; leave others alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# -- the terminal ---------------------------------------------------------------------------------
# C0 and C1 controls, DEL, and the invisible marks that reorder or hide text (bidi overrides and
# isolates, line/paragraph separators): a terminal would act on them instead of showing them.
_CONTROLS = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)
_BREAKS = re.compile("\r(?!\n)|\n")


def _control(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: object, *, lines: bool = False) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\u202e``).

    With ``lines``, line ends (LF, CRLF) are kept, so a multi-line report still reads as lines.
    """
    shown = _CONTROLS.sub(_control, str(text))
    return shown if lines else _BREAKS.sub(_control, shown)


# -- counts ---------------------------------------------------------------------------------------
@cache
def _group_symbol(lang: str) -> str:
    return get_group_symbol(lang)


def count_text(value: object) -> str:
    """A casualty count as every view shows it: the number in the locale's form (``1,234``,
    ``1 234``), or "not reported" when unknown. Cheap per cell: a table formats one per row."""
    if is_missing(value):
        return _(NOT_REPORTED)
    return f"{int(value):,}".replace(",", _group_symbol(language()))  # type: ignore[call-overload]
