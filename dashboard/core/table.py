"""The incident table one page at a time: sorted and cut on the server, so the browser receives
one page of rows however many incidents are in view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from dashboard.core.schema import KEY, shown_in
from dashboard.core.shown import shown_cells

#: Rows per page of the incident table.
PAGE_ROWS: Final[int] = 50
#: Table columns, in display order (the columns declared with a ``table`` position).
TABLE_COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in shown_in("table"))


@dataclass(frozen=True)
class Order:
    """How the table is sorted: by one of its columns (ascending), or (``column`` None) in the
    frame's own order, newest first; ``reverse`` turns either round. Ties keep the frame's order
    and missing values come last, either way round."""

    column: str | None = None
    reverse: bool = False

    def __post_init__(self) -> None:
        if self.column is not None and self.column not in TABLE_COLUMNS:
            raise ValueError(f"the table cannot sort by {self.column!r}: not one of its columns")


def ordered(frame: pd.DataFrame, order: Order) -> np.ndarray:
    """The row positions of ``frame`` in ``order`` (a stable sort of one column, no per-row
    Python; a categorical sorts by its categories, which are in text order)."""
    if order.column is None:
        positions = np.arange(len(frame))
        return positions[::-1] if order.reverse else positions
    values = frame[order.column].reset_index(drop=True)
    ranked = values.sort_values(ascending=not order.reverse, kind="stable", na_position="last")
    return ranked.index.to_numpy()


def page_count(rows: int, size: int = PAGE_ROWS) -> int:
    """Pages needed for ``rows`` rows (at least one)."""
    return max(1, -(-rows // size))


def page_of(
    frame: pd.DataFrame, positions: np.ndarray, incident: str, size: int = PAGE_ROWS
) -> int:
    """The page (from 1) showing ``incident`` with rows in ``positions`` order; 1 if absent."""
    at = np.flatnonzero((frame[KEY] == incident).to_numpy(dtype=bool, na_value=False))
    if at.size == 0:
        return 1
    rank = int(np.flatnonzero(positions == at[0])[0])
    return rank // size + 1


def table_page(
    frame: pd.DataFrame, positions: np.ndarray, page: int, size: int = PAGE_ROWS
) -> pd.DataFrame:
    """Page ``page`` (from 1, clamped to the pages there are) of the table's columns, rows in
    ``positions`` order, numbered from 0; dates and counts as text, as the table shows them
    ("September 2024", "not reported": see :func:`~dashboard.core.shown.shown_cells`)."""
    page = min(max(page, 1), page_count(len(frame), size))
    rows = frame.iloc[positions[(page - 1) * size : page * size]]
    shown = shown_cells(rows[[*TABLE_COLUMNS, "date_precision"]])
    return shown[list(TABLE_COLUMNS)].reset_index(drop=True)
