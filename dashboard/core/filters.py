"""Which incidents are in view: one filter state, applied the same way to every element."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

#: Columns the free-text search looks in.
SEARCH_COLUMNS = (
    "incident_id",
    "location",
    "district",
    "weapon",
    "weapon_origin",
    "attributed_by",
    "launch_origin",
    "source_title",
    "notes",
)
NO_DISTRICT = "(no district)"


@dataclass(frozen=True)
class Filters:
    """Empty tuples and None mean "no restriction"; ``q`` is the free-text search."""

    date_from: date | None = None
    date_to: date | None = None
    statuses: tuple[str, ...] = ()
    weapons: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    q: str = ""

    @property
    def impossible_range(self) -> bool:
        """Whether "from" is after "to", so that no day, and no incident, can be in range."""
        return (
            self.date_from is not None
            and self.date_to is not None
            and self.date_from > self.date_to
        )


def apply(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows of ``frame`` that pass every filter (index preserved)."""
    keep = pd.Series(True, index=frame.index)
    if filters.date_from is not None:
        keep &= frame["date"] >= pd.Timestamp(filters.date_from)
    if filters.date_to is not None:
        keep &= frame["date"] <= pd.Timestamp(filters.date_to)
    if filters.statuses:
        keep &= frame["attribution_status"].isin(filters.statuses)
    if filters.weapons:
        keep &= frame["weapon"].isin(filters.weapons)
    if filters.districts:
        districts = frame["district"].fillna(NO_DISTRICT)
        keep &= districts.isin(filters.districts)
    needle = filters.q.strip().casefold()
    if needle:
        found = pd.Series(False, index=frame.index)
        for column in SEARCH_COLUMNS:
            found |= frame[column].fillna("").str.casefold().str.contains(needle, regex=False)
        keep &= found
    return frame[keep]


def choices(frame: pd.DataFrame, column: str) -> list[str]:
    """Sorted distinct values of a column, for a filter widget."""
    values = frame[column].fillna(NO_DISTRICT) if column == "district" else frame[column].dropna()
    return sorted(set(values.astype(str)))
