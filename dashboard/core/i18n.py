"""One message catalogue (gettext, through Babel) and the locale's forms of dates and numbers.

Words are marked where they are used: ``_("…")`` and ``ngettext("…", "…", n)``. A constant
written before any language is known (a column's label, a status's name) is marked with
``N_("…")``, which only marks it for extraction, and goes through ``_()`` where it is shown.
``make messages`` extracts every marked string into ``dashboard/locale/messages.pot`` and updates
each language's ``.po``; ``make install`` compiles them. The README's "Translating" section says
how to add a language.

The language in force is a context variable: the CLI sets it from ``LANG`` (:func:`from_env`)
and tests with :func:`use`, and a page run reads the page's choice through the resolver that
:mod:`dashboard.ui.lang` registers (this module never imports streamlit).
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Final

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal
from babel.support import Translations

#: The interface's languages, each named in itself (the switch shows these).
LANGUAGES: Final[dict[str, str]] = {"en": "English", "uk": "Українська"}
DEFAULT: Final[str] = "en"
#: The catalogue's domain and folder (``<lang>/LC_MESSAGES/messages.po`` and its ``.mo``).
DOMAIN: Final[str] = "messages"
LOCALE_DIR: Final[Path] = Path(__file__).resolve().parent.parent / "locale"

_chosen: ContextVar[str | None] = ContextVar("language", default=None)
_resolver: Callable[[], str | None] | None = None


def set_resolver(resolver: Callable[[], str | None] | None) -> None:
    """How to find the language when no :func:`use` is in force (the page's choice)."""
    global _resolver  # one process-wide hook, set once by the UI
    _resolver = resolver


def language() -> str:
    """The language in force: :func:`use`'s, else the resolver's, else :data:`DEFAULT`."""
    chosen = _chosen.get()
    if chosen is None and _resolver is not None:
        chosen = _resolver()
    return chosen if chosen in LANGUAGES else DEFAULT


@contextmanager
def use(lang: str) -> Iterator[None]:
    """Speak ``lang`` (one of :data:`LANGUAGES`) inside the block."""
    token = _chosen.set(lang if lang in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _chosen.reset(token)


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang``; English is the source language (no catalogue)."""
    if lang == DEFAULT:
        return gettext.NullTranslations()
    return Translations.load(str(LOCALE_DIR), [lang], DOMAIN)


def _(message: str) -> str:
    """``message`` in the language in force."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message that counts ``n``, by the language's plural rules."""
    return translations(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name
    """Mark ``message`` for extraction only; translate it with :func:`_` where it is shown."""
    return message


def locale() -> Locale:
    """The Babel locale of the language in force."""
    return Locale.parse(language())


def number(value: float, *, places: int | None = None) -> str:
    """A number in the locale's form: ``1,234`` in English, ``1 234`` in Ukrainian."""
    pattern = None if places is None else "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(value, format=pattern, locale=locale())


def day(value: date) -> str:
    """A day in words: ``2 January 2024``, ``2 січня 2024``."""
    return _in_words(value, "d MMMM y", language())


def month(value: date) -> str:
    """A month in words: ``September 2024``, ``вересень 2024``."""
    return _in_words(value, "LLLL y", language())


@lru_cache(maxsize=16_384)
def _in_words(value: date, pattern: str, lang: str) -> str:
    """A date in ``lang``'s words, formatted once per date, pattern and language: a map payload
    names every distinct date in it (1,400 of them took Babel 40 ms, on every new payload). A
    few thousand dates a language; the bound keeps it so."""
    return _babel_date(value, format=pattern, locale=Locale.parse(lang))


_TAG = re.compile(r"^[A-Za-z]{1,8}")


def negotiate(accept_language: str | None) -> str:
    """The interface language a browser's ``Accept-Language`` asks for, by its order of
    preference (``q``), among :data:`LANGUAGES`; :data:`DEFAULT` when none is offered."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _sep, params = item.strip().partition(";")
        quality = 1.0
        if (found := re.search(r"q=([0-9.]+)", params)) is not None:
            try:
                quality = float(found.group(1))
            except ValueError:
                quality = 0.0
        if (match := _TAG.match(tag)) is not None and quality > 0:
            ranked.append((-quality, position, match.group(0).lower()))
    for _q, _p, lang in sorted(ranked):
        if lang in LANGUAGES:
            return lang
    return DEFAULT


def from_env(environ: Mapping[str, str]) -> str:
    """The language the environment asks for, as gettext reads it: the first of ``LANGUAGE``
    (a ``:`` list, in order), ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set decides
    (``uk_UA.UTF-8`` is Ukrainian); :data:`DEFAULT` when it offers none of :data:`LANGUAGES`."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        if value := environ.get(name, ""):
            for wanted in value.split(":"):
                if (lang := wanted.split(".")[0].split("_")[0].lower()) in LANGUAGES:
                    return lang
            return DEFAULT
    return DEFAULT
