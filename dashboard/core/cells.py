"""Cell parsers and checks: the pieces a column declaration (:mod:`dashboard.core.schema`) uses.

A parser turns a cell's stripped text into a typed value or raises :class:`CellError`; a check
looks at the typed value and returns a :class:`~dashboard.core.errors.Fault` (a code and the
values its message names) or None, never raising. Both are plain functions or small frozen
objects holding their parameters, so a declaration stays a value the column-wise reading
(:func:`parse_column`, :func:`check_column`) derives its fast paths from.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any, Protocol
from urllib.parse import urlparse

import numpy as np
import pandas as pd

from dashboard.core.errors import Code, Fault

#: Text (stripped, not empty) to a typed value; raises :class:`CellError` when it cannot.
Parser = Callable[[str], object]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
#: A month without a day: ISO ``2024-09``, dotted ``09.2024``, or named ``September 2024``.
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DOTTED_MONTH = re.compile(r"^(\d{1,2})\.(\d{4})$")
_NAMED_MONTH = re.compile(r"^[A-Za-z]+\s+\d{4}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
#: Whitespace or control characters, which urlparse drops or keeps silently inside an address.
_URL_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")


class CellError(ValueError):
    """A cell that cannot be converted: its :class:`Fault` becomes an issue."""

    def __init__(self, fault: Fault) -> None:
        super().__init__(fault.code.message(fault.variant))
        self.fault = fault

    @property
    def code(self) -> Code:
        """The fault's code."""
        return self.fault.code


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
                raise CellError(Fault(Code.AMBIGUOUS_DATE))
            day, month = (first, second) if first > 12 or first == second else (second, first)
            return date(year, month, day)
        return datetime.strptime(" ".join(text.split()), "%d %B %Y").date()
    except CellError:
        raise
    except ValueError:
        raise CellError(Fault(Code.INVALID_DATE)) from None


def parse_month(text: str) -> date | None:
    """The first day of the month ``text`` names (``2024-09``, ``09.2024``, ``September 2024``
    or ``Sep 2024``), or None when ``text`` is not written as a month; an impossible month
    (``2024-13``) is a :class:`CellError`."""
    text = " ".join(text.split())
    try:
        if m := _ISO_MONTH.match(text) or _DOTTED_MONTH.match(text):
            year, month = (m[1], m[2]) if len(m[1]) == 4 else (m[2], m[1])
            return date(int(year), int(month), 1)
        if _NAMED_MONTH.match(text):
            for layout in ("%B %Y", "%b %Y"):
                with contextlib.suppress(ValueError):
                    return datetime.strptime(text, layout).date()
            raise ValueError(text)
    except ValueError:
        raise CellError(Fault(Code.INVALID_DATE, "month")) from None
    return None


def date_precision(text: str) -> str:
    """How much of a date ``text`` gives: ``month`` when it is written as a month (see
    :func:`parse_month`), else ``day``. Read from the cell as written, never from its value."""
    text = " ".join(text.split())
    month = _ISO_MONTH.match(text) or _DOTTED_MONTH.match(text) or _NAMED_MONTH.match(text)
    return "month" if month else "day"


def parse_incident_date(text: str) -> date:
    """An incident's date: a day (as :func:`parse_date` reads it) or only a month (as
    :func:`parse_month` reads it), which is its first day; :func:`date_precision` says which."""
    month = parse_month(text)
    if month is not None:
        return month
    try:
        return parse_date(text)
    except CellError as bad:
        if bad.code != Code.INVALID_DATE:
            raise
        raise CellError(Fault(Code.INVALID_DATE, "day-or-month")) from None


def parse_float(text: str) -> float:
    """A decimal number; a decimal comma (``49,99``) is accepted."""
    text = text.strip()
    if not _NUMBER.match(text):
        raise CellError(Fault(Code.INVALID_NUMBER))
    return float(text.replace(",", "."))


def parse_count(text: str, highest: int) -> int:
    """A whole number from 0 to ``highest`` (the column's SQL maximum).

    Digits are counted before converting, so a 5,000-digit cell is out of range rather than an
    error from ``int()`` (which refuses over 4,300 digits) or from the store.
    """
    text = text.strip()
    if not _INTEGER.match(text):
        raise CellError(Fault(Code.INVALID_INTEGER))
    digits = text.lstrip("+-").lstrip("0") or "0"
    value = int(digits) if len(digits) <= len(str(highest)) else highest + 1
    if (text.startswith("-") and value) or value > highest:
        raise CellError(Fault(Code.OUT_OF_RANGE, "count", high=highest))
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
        return Fault(Code.OUT_OF_RANGE, low=str(self.low), high=str(self.high))

    def suspects(self, values: pd.Series, today: date, /) -> np.ndarray:
        """The numbers outside the range, NaN included."""
        return ~values.between(self.low, self.high).to_numpy(bool)


@dataclass(frozen=True, slots=True)
class OneOf:
    """One of a fixed set of values, with the column's own code (its message may name
    ``choices``, the values allowed)."""

    values: Collection[object]
    code: Code = Code.INVALID_CHOICE

    def __call__(self, value: object, today: date, /) -> Fault | None:
        """The column's fault when ``value`` is not in the set."""
        if value in self.values:
            return None
        return Fault(self.code, choices=", ".join(map(str, self.values)))

    def suspects(self, values: pd.Series, today: date, /) -> np.ndarray:
        """The values not in the set."""
        return ~values.isin(list(self.values)).to_numpy(bool)


@dataclass(frozen=True, slots=True)
class Matches:
    """Text matching a regular expression, with the column's own code."""

    pattern: re.Pattern[str]
    code: Code

    def __call__(self, value: str, today: date, /) -> Fault | None:
        """The column's fault when ``value`` does not match."""
        return None if self.pattern.match(value) else Fault(self.code)

    def suspects(self, values: pd.Series, today: date, /) -> np.ndarray:
        """The texts the pattern does not match."""
        return ~_matching(self.pattern, values)


@dataclass(frozen=True, slots=True)
class NotFuture:
    """A date no later than today: an incident or a source cannot be dated tomorrow."""

    def __call__(self, value: date, today: date, /) -> Fault | None:
        """``future-date`` when ``value`` is after ``today``."""
        if value > today:
            return Fault(Code.FUTURE_DATE, today=today.isoformat())
        return None

    def suspects(self, values: pd.Series, today: date, /) -> np.ndarray:
        """The dates after ``today``."""
        return (values > pd.Timestamp(today)).to_numpy(bool)


@dataclass(frozen=True, slots=True)
class WebAddress:
    """An http(s) address with a host; anything urlparse refuses is a fault, never raised.

    Also refused: a format character anywhere (Unicode category Cf: the bidirectional controls
    that show ``http://\u202eevil`` as another address, zero-width marks), and a host that is
    neither a name (labels of letters, digits, ``-`` and ``_``) nor an IP address, such as
    ``[::1]x``, which urlparse reads as ``::1``."""

    column: str

    def __call__(self, value: str, today: date, /) -> Fault | None:
        """``invalid-url`` with the reason the address is refused."""
        if _URL_SPACE.search(value):
            return Fault(Code.INVALID_URL, "space", column=self.column)
        if hidden := next((c for c in value if unicodedata.category(c) == "Cf"), None):
            return Fault(
                Code.INVALID_URL, "format", column=self.column, character=f"U+{ord(hidden):04X}"
            )
        try:
            parsed = urlparse(value)
            host, _ = parsed.hostname, parsed.port  # both raise ValueError on a malformed netloc
        except ValueError as exc:
            return Fault(Code.INVALID_URL, "malformed", column=self.column, error=str(exc))
        if parsed.scheme.lower() not in ("http", "https") or not host:
            return Fault(Code.INVALID_URL, column=self.column)
        if not _host_parses(parsed.netloc.rpartition("@")[2]):
            return Fault(Code.INVALID_URL, "host", column=self.column)
        return None

    def suspects(self, values: pd.Series, today: date, /) -> np.ndarray:
        """Every address but the plainest (letters, digits, dots and hyphens for a host, no
        port, user or space): those are valid, the rest is for the check itself to decide."""
        return ~_matching(_PLAIN_URL, values)


def _host_parses(hostport: str) -> bool:
    """Is ``hostport`` (an address's netloc without its user) a bracketed IPv6 address or a
    name of labels (letters, digits, ``-``, ``_``; an IPv4 address is one), with maybe a port?"""
    if hostport.startswith("["):
        literal, _, rest = hostport[1:].partition("]")
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return False
        return rest == "" or bool(_PORT.match(rest))
    host, _, port = hostport.partition(":")
    labels = host.removesuffix(".").split(".")
    return all(_LABEL.match(label) for label in labels) and (not port or port.isdigit())


#: One label of a host name (any script's letters: an internationalised name), and a port.
_LABEL = re.compile(r"^[\w-]{1,63}$")
_PORT = re.compile(r"^:[0-9]*$")


# -- column-wise reading ------------------------------------------------------------------------
# Validation reads a whole column at once: a fast path decides the cells it can column-wise, and
# only the cells it leaves undecided (the bad ones, and unusual spellings such as ``02.01.2024``)
# go through the parser above, one by one, which decides them: a value or a fault. The parsers and
# checks stay the one definition of what is valid and of every fault's words.

#: Cells a fast path reads without doubt (ASCII digits only: ``int``, ``float`` and pandas read
#: other scripts' digits too, which the parsers above decide): a whole number of at most 15
#: digits, a decimal number, an ISO date, and an http(s) address whose host is plain letters,
#: digits, dots and hyphens (anything else goes to :class:`WebAddress` itself).
_PLAIN_INTEGER = re.compile(r"^\+?[0-9]{1,15}$")
_PLAIN_NUMBER = re.compile(r"^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$")
_PLAIN_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_PLAIN_URL = re.compile(
    r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?([/?#][!-~]*)?$"
)


def _matching(pattern: re.Pattern[str], texts: pd.Series) -> np.ndarray:
    """Which texts ``pattern`` matches (from their start), as a boolean array (the pattern's
    ``match`` mapped over the column: no Python bytecode per cell)."""
    return np.fromiter(map(bool, map(pattern.match, texts.tolist())), bool, len(texts))


def _as_is(texts: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """:func:`parse_text` column-wise: every text as written."""
    return texts, np.zeros(len(texts), bool)


def _lowered(texts: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """:func:`parse_lower` column-wise: every text in lower case."""
    lowered = pd.Series([t.lower() for t in texts], index=texts.index, dtype=object)
    return lowered, np.zeros(len(texts), bool)


def _floats(texts: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """:func:`parse_float` column-wise for plain decimal numbers; the rest is undecided."""
    read = _matching(_PLAIN_NUMBER, texts)
    plain = texts[read].tolist()
    if "," in "".join(plain):  # a decimal comma: rare, and only then replaced
        plain = [t.replace(",", ".") for t in plain]
    values = pd.Series(np.nan, index=texts.index, dtype="float64")
    values[read] = np.fromiter(map(float, plain), np.float64, len(plain))
    return values, ~read


def _counts(texts: pd.Series, highest: int) -> tuple[pd.Series, np.ndarray]:
    """:func:`parse_count` column-wise for plain whole numbers up to ``highest``; the rest
    (signs, other digits, too many digits, out of range) is undecided."""
    plain = _matching(_PLAIN_INTEGER, texts)
    values = pd.Series(pd.NA, index=texts.index, dtype="Int64")
    numbers = pd.to_numeric(texts[plain].str.lstrip("+")).astype("int64")
    in_range = (numbers <= highest).to_numpy(bool)
    values.loc[numbers.index[in_range]] = numbers[in_range].astype("Int64")
    read = plain.copy()
    read[plain] = in_range
    return values, ~read


def _dates(texts: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """:func:`parse_date` column-wise for valid ISO dates; the rest is undecided."""
    iso = _matching(_PLAIN_DATE, texts)
    values = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[s]")
    parsed = pd.to_datetime(texts[iso], format="%Y-%m-%d", errors="coerce")
    values[iso] = parsed.astype("datetime64[s]")
    return values, ~values.notna().to_numpy()


#: Each parser's column-wise fast path and the dtype of the values it gives.
_COLUMN_WISE: dict[object, tuple[Callable[..., tuple[pd.Series, np.ndarray]], str]] = {
    parse_text: (_as_is, "object"),
    parse_lower: (_lowered, "object"),
    parse_float: (_floats, "float64"),
    parse_count: (_counts, "Int64"),
    parse_date: (_dates, "datetime64[s]"),
    parse_incident_date: (_dates, "datetime64[s]"),
}


def parse_column(parser: Parser, texts: pd.Series) -> tuple[pd.Series, dict[object, Fault]]:
    """``parser`` over a column's texts (stripped, not empty): the values, and the faults by
    index label (those cells' values are missing).

    A known parser's fast path reads what it can column-wise; every cell it leaves undecided, and
    every cell of a parser without one, is read by ``parser`` itself.
    """
    base, keywords = (parser.func, parser.keywords) if isinstance(parser, partial) else (parser, {})
    fast, dtype = _COLUMN_WISE.get(base, (None, "object"))
    typed: Any = dtype  # one of the dtype names above
    if fast is None:
        values = pd.Series(None, index=texts.index, dtype=object)
        undecided = np.ones(len(texts), bool)
    else:
        values, undecided = fast(texts, **keywords)
    faults: dict[object, Fault] = {}
    if undecided.any():
        read: dict[object, object] = {}
        for label, text in texts[undecided].items():
            try:
                read[label] = parser(text)
            except CellError as bad:
                faults[label] = bad.fault
        if read:
            values.loc[pd.Index(list(read.keys()))] = pd.Series(read, dtype=object).astype(typed)
    return values, faults


def scalar(value: object) -> object:
    """A column's value as its parser gives it, for a check: a date, an int, a float or text."""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def check_column(check: Check, values: pd.Series, today: date) -> dict[object, Fault]:
    """``check`` over a column's parsed values: the faults by index label.

    A check's ``suspects`` narrows the cells to look at column-wise (a superset of the failing
    ones); the check itself then decides each suspect and gives its fault.
    """
    suspects = getattr(check, "suspects", None)
    looked_at = values if suspects is None else values[suspects(values, today)]
    faults: dict[object, Fault] = {}
    for label, value in looked_at.items():
        if (fault := check(scalar(value), today)) is not None:
            faults[label] = fault
    return faults
