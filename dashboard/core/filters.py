"""Which incidents are in view: one filter state, applied the same way to every element."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import pandas as pd
from translitua import UkrainianKMU, translit

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
#: The column holding each incident's folded search text (see :func:`with_search_text`).
SEARCH_TEXT: Final = "search_text"
#: Separates the folded fields in the search text: folding drops it from every field and from a
#: query, so a match never runs from one field into the next.
_FIELD_SEP: Final = "\x1f"
#: Separates texts transliterated together (one call for all is much faster than one each).
_TEXT_SEP: Final = "\x1e"
_CYRILLIC: Final = "[\u0400-\u04ff]"
#: What folding drops: anything not a letter or digit (spaces, punctuation, "_", combining marks,
#: control characters) and modifier letters (apostrophes such as U+02BC).
_DROPPED: Final = "[\\W_\u02b0-\u02ff]+"


@dataclass(frozen=True)
class Filters:
    """Empty tuples and None mean "no restriction"; ``q`` is the free-text search."""

    date_from: date | None = None
    date_to: date | None = None
    statuses: tuple[str, ...] = ()
    weapons: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    q: str = ""
    #: Only incidents whose debris was examined (the frame's ``examined`` column, see
    #: :func:`dashboard.core.evidence.annotate`).
    examined: bool = False

    @property
    def impossible_range(self) -> bool:
        """Whether "from" is after "to", so that no day, and no incident, can be in range."""
        return (
            self.date_from is not None
            and self.date_to is not None
            and self.date_from > self.date_to
        )


def _latin(texts: pd.Series) -> pd.Series:
    """``texts`` with those in Cyrillic transliterated by Ukraine's national system (KMU 2010)."""
    cyrillic = texts.str.contains(_CYRILLIC, regex=True)
    if not cyrillic.any():
        return texts
    together = _TEXT_SEP.join(texts[cyrillic].str.replace(_TEXT_SEP, " ", regex=False))
    latin = translit(together, UkrainianKMU).split(_TEXT_SEP)
    return texts.mask(cyrillic, pd.Series(latin, index=texts.index[cyrillic], dtype="string"))


def _fold_all(texts: pd.Series) -> pd.Series:
    """:func:`fold` each of ``texts`` (missing ones to ""), vectorised."""
    return (
        _latin(texts.astype("string").fillna(""))
        .str.normalize("NFKD")
        .str.casefold()
        .str.replace(_DROPPED, "", regex=True)
    )


def fold(text: str) -> str:
    """``text`` in the one form search compares: Latin, lower case, letters and digits only.

    Ukrainian Cyrillic is transliterated by the national system (KMU 2010: Харків → kharkiv,
    Київ → kyiv), diacritics are dropped (Zaporižžja → zaporizzja) and case, spaces and
    punctuation are folded away (KN-23, kn 23 → kn23), so a query and the data meet however
    either was typed.
    """
    return str(_fold_all(pd.Series([text])).iloc[0])


def search_text(frame: pd.DataFrame) -> pd.Series:
    """Each incident's searched fields, folded (:func:`fold`) and joined: built once per frame."""
    first, *rest = (_fold_all(frame[c]) for c in SEARCH_COLUMNS)
    for folded in rest:
        first = first + _FIELD_SEP + folded
    return first


def with_search_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its :data:`SEARCH_TEXT` column, for a frame loaded once and searched often."""
    return frame.assign(**{SEARCH_TEXT: search_text(frame)})


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
    if filters.examined:
        keep &= frame.get("examined", False)
    # Punctuation and spacing are ignored, so a query of nothing else restricts nothing.
    needle = fold(filters.q)
    if needle:
        text = frame[SEARCH_TEXT] if SEARCH_TEXT in frame else search_text(frame)
        keep &= text.str.contains(needle, regex=False)
    return frame[keep]


def choices(frame: pd.DataFrame, column: str) -> list[str]:
    """Sorted distinct values of a column, for a filter widget."""
    values = frame[column].fillna(NO_DISTRICT) if column == "district" else frame[column].dropna()
    return sorted(set(values.astype(str)))
