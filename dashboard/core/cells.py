"""Cell parsers and checks: the pieces a column declaration (:mod:`dashboard.core.schema`) uses.

A parser turns a cell's stripped text into a typed value or raises :class:`CellError`; a check
looks at the typed value and returns a :data:`Fault` (code, reason) or None, never raising. Both
are plain functions or small frozen objects holding their parameters, so a declaration stays a
value that a vectorised (pandas Series) path can read later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from urllib.parse import urlparse

#: A fault in a cell: its issue code and the reason, in words.
Fault = tuple[str, str]
#: Text (stripped, not empty) to a typed value; raises :class:`CellError` when it cannot.
Parser = Callable[[str], object]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
#: Whitespace or control characters, which urlparse drops or keeps silently inside an address.
_URL_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")


class CellError(ValueError):
    """A cell that cannot be converted: ``code`` and ``reason`` become an issue."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def parse_text(text: str) -> str:
    """Free text, kept as written (already stripped)."""
    return text


def parse_lower(text: str) -> str:
    """A code word, compared case-insensitively: ``Confirmed`` is ``confirmed``."""
    return text.lower()


def parse_date(text: str) -> date:
    """Read ISO ``2024-01-02``, ``02.01.2024`` (day first) or ACLED's ``2 January 2024``.

    A slash date such as ``01/02/2024`` is refused unless one part exceeds 12: the two common
    conventions disagree on it, and guessing would file the incident under the wrong month.
    """
    text = text.strip()
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
        if m := _DOTTED_DATE.match(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _SLASH_DATE.match(text):
            first, second, year = int(m[1]), int(m[2]), int(m[3])
            if first <= 12 and second <= 12 and first != second:
                raise CellError(
                    "ambiguous-date",
                    "slash date is ambiguous (day/month or month/day?): write it as YYYY-MM-DD",
                )
            day, month = (first, second) if first > 12 or first == second else (second, first)
            return date(year, month, day)
        return datetime.strptime(" ".join(text.split()), "%d %B %Y").date()
    except CellError:
        raise
    except ValueError:
        raise CellError(
            "invalid-date", "not a date: use YYYY-MM-DD, DD.MM.YYYY or '2 January 2024'"
        ) from None


def parse_float(text: str) -> float:
    """A decimal number; a decimal comma (``49,99``) is accepted."""
    text = text.strip()
    if not _NUMBER.match(text):
        raise CellError("invalid-number", "not a decimal number")
    return float(text.replace(",", "."))


def parse_count(text: str, highest: int) -> int:
    """A whole number from 0 to ``highest`` (the column's SQL maximum).

    Digits are counted before converting, so a 5,000-digit cell is out of range rather than an
    error from ``int()`` (which refuses over 4,300 digits) or from the store.
    """
    text = text.strip()
    if not _INTEGER.match(text):
        raise CellError("invalid-integer", "not a whole number")
    digits = text.lstrip("+-").lstrip("0") or "0"
    value = int(digits) if len(digits) <= len(str(highest)) else highest + 1
    if (text.startswith("-") and value) or value > highest:
        raise CellError("out-of-range", f"must be a whole number from 0 to {highest:,}")
    return value


class Check(Protocol):
    """A rule on a parsed value; ``today`` is injected so "not in the future" stays testable."""

    def __call__(self, value: Any, today: date, /) -> Fault | None:
        """The fault in ``value``, or None when it passes."""
        ...


@dataclass(frozen=True, slots=True)
class Within:
    """A number from ``low`` to ``high`` inclusive (NaN and infinities are outside)."""

    low: float
    high: float

    def __call__(self, value: float, today: date, /) -> Fault | None:
        """Out of range when not ``low <= value <= high``."""
        if self.low <= value <= self.high:  # False for NaN; infinities are beyond any bound
            return None
        return "out-of-range", f"must be between {self.low} and {self.high}"


@dataclass(frozen=True, slots=True)
class OneOf:
    """One of a fixed set of values, with the column's own code and reason."""

    values: Collection[object]
    code: str
    reason: str

    def __call__(self, value: object, today: date, /) -> Fault | None:
        """The column's fault when ``value`` is not in the set."""
        return None if value in self.values else (self.code, self.reason)


@dataclass(frozen=True, slots=True)
class Matches:
    """Text matching a regular expression, with the column's own code and reason."""

    pattern: re.Pattern[str]
    code: str
    reason: str

    def __call__(self, value: str, today: date, /) -> Fault | None:
        """The column's fault when ``value`` does not match."""
        return None if self.pattern.match(value) else (self.code, self.reason)


@dataclass(frozen=True, slots=True)
class NotFuture:
    """A date no later than today: an incident or a source cannot be dated tomorrow."""

    def __call__(self, value: date, today: date, /) -> Fault | None:
        """``future-date`` when ``value`` is after ``today``."""
        if value > today:
            return "future-date", f"date is after today ({today.isoformat()})"
        return None


@dataclass(frozen=True, slots=True)
class WebAddress:
    """An http(s) address with a host; anything urlparse refuses is a fault, never raised."""

    column: str

    def __call__(self, value: str, today: date, /) -> Fault | None:
        """``invalid-url`` with the reason the address is refused."""
        if _URL_SPACE.search(value):
            return "invalid-url", f"{self.column} must not hold spaces or control characters"
        try:
            parsed = urlparse(value)
            host, _ = parsed.hostname, parsed.port  # both raise ValueError on a malformed netloc
        except ValueError as exc:
            return "invalid-url", f"{self.column} is not a valid address ({exc})"
        if parsed.scheme.lower() not in ("http", "https") or not host:
            return "invalid-url", f"{self.column} must be an http(s) address with a host"
        return None
