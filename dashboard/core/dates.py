"""An incident's date as far as its source gives it: a day, or only a month.

A month-precision incident is stored as its month's first day with ``date_precision`` "month".
Every output writes a date through this module (the one place a translation replaces): views
show :func:`date_text` ("2024-01-02", "September 2024"), files write :func:`iso_text`
("2024-01-02", "2024-09"), and the date filters reach a month's last day through
:func:`span_ends`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

import numpy as np
import pandas as pd

from dashboard.core import i18n
from dashboard.core.records import is_missing

DAY: Final = "day"
MONTH: Final = "month"
#: The months' names as shown ("September 2024"), independent of the machine's locale.
MONTH_NAMES: Final[tuple[str, ...]] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _day(value: object) -> date | None:
    """A date, a pandas or numpy timestamp, or ISO text as a ``date``; None when missing."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"not a date: {value!r}")


def date_text(start: object, precision: object) -> str:
    """The date as every view shows it, in the language in force: in English ``2024-01-02``
    for a day and ``September 2024`` for a month; in another language in its words ("2 січня
    2024", "вересень 2024"); "" when there is none."""
    day = _day(start)
    if day is None:
        return ""
    if i18n.language() != i18n.DEFAULT:
        return i18n.month(day) if precision == MONTH else i18n.day(day)
    if precision == MONTH:
        return f"{MONTH_NAMES[day.month - 1]} {day.year}"
    return day.isoformat()


def iso_text(start: object, precision: object) -> str:
    """The date as a file writes it, and an upload reads it back: ``2024-01-02`` or
    ``2024-09``; "" when there is none."""
    day = _day(start)
    if day is None:
        return ""
    return day.isoformat()[:7] if precision == MONTH else day.isoformat()


def iso_texts(starts: pd.Series, precisions: pd.Series) -> pd.Series:
    """:func:`iso_text` column-wise (no Python per row): ISO text, a month's cut to
    ``YYYY-MM``, missing dates as None."""
    days = starts.to_numpy("datetime64[s]").astype("datetime64[D]")
    text = np.datetime_as_string(days).astype(object)
    months = is_month(precisions)
    if months.any():
        text[months] = np.datetime_as_string(days[months].astype("datetime64[M]")).astype(object)
    text[np.isnat(days)] = None
    return pd.Series(text, index=starts.index, dtype=object)


def date_texts(starts: pd.Series, precisions: pd.Series) -> pd.Series:
    """:func:`date_text` of each row (for the few rows a view shows at once: a table page, the
    distinct dates of a map payload)."""
    return pd.Series(
        [
            date_text(start, precision)
            for start, precision in zip(
                starts.tolist(), precisions.astype(object).tolist(), strict=True
            )
        ],
        index=starts.index,
        dtype=object,
    )


def month_end(month: date) -> date:
    """The last day of ``month``'s calendar month."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def is_month(precisions: pd.Series) -> np.ndarray:
    """Which rows' dates give only the month (compared on the categories of a categorical)."""
    return (precisions == MONTH).to_numpy(dtype=bool, na_value=False)


def span_ends(starts: np.ndarray, precisions: pd.Series) -> np.ndarray:
    """The last day each date reaches (``datetime64[s]``): the day itself, or a month's last
    day. What a date filter compares "from" with, so that a month overlapping the range is in."""
    ends = np.asarray(starts, dtype="datetime64[s]")
    months = is_month(precisions)
    if not months.any():
        return ends
    ends = ends.copy()
    following = ends[months].astype("datetime64[M]") + np.timedelta64(1, "M")
    ends[months] = following.astype("datetime64[D]").astype("datetime64[s]") - np.timedelta64(
        1, "D"
    )
    return ends
