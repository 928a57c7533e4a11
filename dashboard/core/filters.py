"""Which incidents are in view: one filter state, applied the same way to every element."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import pandas as pd
from translitua import UkrainianKMU, translit

from dashboard.core.dates import span_ends
from dashboard.core.i18n import N_

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
#: The district choice of incidents with none (a code in links; shown as ``_(NO_DISTRICT)``).
NO_DISTRICT = N_("(no district)")
#: Prefix of the columns holding each searched field folded (see :func:`with_search_columns`).
SEARCH_PREFIX: Final = "search:"
#: Separates texts transliterated together (one call for all is much faster than one each).
_TEXT_SEP: Final = "\x1e"
_CYRILLIC: Final = "[\u0400-\u04ff]"
#: What folding drops: anything not a letter or digit (spaces, punctuation, "_", combining marks,
#: control characters) and modifier letters (apostrophes such as U+02BC). RE2's syntax (Arrow's
#: regular expressions): the same as Python's ``[\\W_\u02b0-\u02ff]+``.
_DROPPED: Final = "(?:[^\\p{L}\\p{N}]|[\\x{02b0}-\\x{02ff}])+"
#: Rows of a free-text field looked at to judge whether it repeats (see :func:`folded`).
_SAMPLE: Final = 10_000


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
    #: Also show the incidents that are not DPRK-origin (context: ACLED rows, say), on the map
    #: only; the figures, chart and table never count them.
    context: bool = False

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
    """:func:`fold` each of ``texts`` (missing ones to ""), vectorised.

    Plain ASCII (most data) only needs lower case, done by Arrow; each distinct other text takes
    the full way (transliteration, NFKD, casefold) in Python. Arrow drops :data:`_DROPPED`
    from all.
    """
    values = texts.astype("string[pyarrow]").fillna("")
    plain = values.str.isascii().to_numpy(dtype=bool)
    lowered = values.str.lower()
    if not plain.all():  # each distinct text once: a column may repeat a few a million times
        codes, uniques = pd.factorize(values[~plain])
        latin = _latin(pd.Series(uniques, dtype="string[pyarrow]")).str.normalize("NFKD")
        lowered[~plain] = latin.str.casefold().to_numpy()[codes]
    return lowered.str.replace(_DROPPED, "", regex=True)


def fold(text: str) -> str:
    """``text`` in the one form search compares: Latin, lower case, letters and digits only.

    Ukrainian Cyrillic is transliterated by the national system (KMU 2010: Харків → kharkiv,
    Київ → kyiv), diacritics are dropped (Zaporižžja → zaporizzja) and case, spaces and
    punctuation are folded away (KN-23, kn 23 → kn23), so a query and the data meet however
    either was typed.
    """
    return str(_fold_all(pd.Series([text])).iloc[0])


def folded(values: pd.Series) -> pd.Series:
    """``values`` folded (:func:`fold`; missing to "").

    A field of few distinct values (a categorical from the store, such as places and weapons,
    or free text that repeats, judged by its first rows) becomes a categorical of the folded
    texts, each distinct value folded once (transliteration is the costly part). Free text of
    mostly distinct values (identifiers, source titles) is folded as it is: grouping a million
    distinct texts only to fold each once costs more than folding them.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        missing = codes < 0
        uniques = pd.Series([*values.cat.categories, *([""] if missing.any() else [])])
        codes = np.where(missing, len(uniques) - 1, codes)
    elif values.iloc[:_SAMPLE].nunique(dropna=False) * 10 < min(len(values), _SAMPLE):
        codes, distinct = pd.factorize(values, use_na_sentinel=False)
        uniques = pd.Series(distinct, dtype=object)
    else:
        return _fold_all(values)
    texts, positions = pd.factorize(_fold_all(uniques))
    return pd.Series(
        pd.Categorical.from_codes(texts[codes], categories=pd.Index(positions), validate=False),
        index=values.index,
    )


def search_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Each searched field of ``frame`` folded, one categorical column per field: built once."""
    return pd.DataFrame({SEARCH_PREFIX + c: folded(frame[c]) for c in SEARCH_COLUMNS})


def with_search_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its folded search columns, for a frame loaded once and searched often."""
    return pd.concat([frame, search_columns(frame)], axis=1)


def _field_hits(fields: pd.DataFrame, needle: str, column: str) -> np.ndarray:
    """Which rows hold ``needle`` (folded) inside their searched field ``column`` (of
    ``fields``, a frame with the folded search columns: see :func:`search_columns`).

    In a categorical field the folded distinct values are searched, then mapped to the rows by
    their codes, so the cost follows the number of distinct values; a field of mostly distinct
    values is searched row by row in Arrow.
    """
    texts = fields[SEARCH_PREFIX + column]
    if isinstance(texts.dtype, pd.CategoricalDtype):
        found = np.asarray(texts.cat.categories.str.contains(needle, regex=False), dtype=bool)
        return found[texts.cat.codes.to_numpy()]
    return texts.str.contains(needle, regex=False).to_numpy(dtype=bool)


def _search(frame: pd.DataFrame, needle: str) -> np.ndarray:
    """Which rows hold ``needle`` (folded) inside one of their searched fields (a match never
    runs from one field into the next)."""
    fields = _fields(frame)
    hits = np.zeros(len(frame), dtype=bool)
    for column in SEARCH_COLUMNS:
        hits |= _field_hits(fields, needle, column)
    return hits


def _fields(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s folded search columns: its own when it carries them, else made now."""
    return frame if SEARCH_PREFIX + SEARCH_COLUMNS[0] in frame else search_columns(frame)


def matched_fields(frame: pd.DataFrame, q: str) -> dict[str, int]:
    """Why the search ``q`` found the rows of ``frame``: each searched field that holds it, and
    in how many rows, most first (the analyst who searched "Kyiv" learns that Kharkiv incidents
    match because their source is The Kyiv Independent). Empty when ``q`` restricts nothing."""
    needle = fold(q)
    if not needle or frame.empty:
        return {}
    fields = _fields(frame)
    counts = {c: int(_field_hits(fields, needle, c).sum()) for c in SEARCH_COLUMNS}
    ranked = sorted((c for c in counts.items() if c[1]), key=lambda c: -c[1])
    return dict(ranked)


def apply(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows of ``frame`` that pass every filter (index preserved; ``frame`` itself if all)."""
    keep = np.ones(len(frame), dtype=bool)
    dates = frame["date"].to_numpy()
    # A date is a span (a day, or a month: see core/dates.py); it is in range when it overlaps
    # the range: its last day on or after "from", its first on or before "to".
    if filters.date_from is not None:
        ends = span_ends(dates, frame["date_precision"])
        keep &= ends >= np.datetime64(filters.date_from, "s")
    if filters.date_to is not None:
        keep &= dates <= np.datetime64(filters.date_to, "s")
    if filters.statuses:
        keep &= frame["attribution_status"].isin(filters.statuses).to_numpy()
    if filters.weapons:
        # The weapon's class (core/weapons.py) when the frame has it, else the words as stored.
        weapon = frame["weapon_class"] if "weapon_class" in frame else frame["weapon"]
        keep &= weapon.isin(filters.weapons).to_numpy()
    if filters.districts:
        districts = frame["district"]
        chosen = districts.isin(filters.districts).to_numpy()
        if NO_DISTRICT in filters.districts:
            chosen = chosen | districts.isna().to_numpy()
        keep &= chosen
    if filters.examined:
        if "examined" in frame:
            keep &= frame["examined"].to_numpy(dtype=bool)
        else:
            keep[:] = False
    # Punctuation and spacing are ignored, so a query of nothing else restricts nothing.
    needle = fold(filters.q)
    if needle:
        keep &= _search(frame, needle)
    # Rows taken by position: a boolean mask over the whole frame costs about half as much again.
    return frame if keep.all() else frame.take(np.flatnonzero(keep))


def choices(frame: pd.DataFrame, column: str) -> list[str]:
    """Sorted distinct values of a column, for a filter widget (from its value counts)."""
    counts = frame[column].value_counts(dropna=column != "district", sort=False)
    present = counts.index[counts.to_numpy() > 0]
    return sorted(NO_DISTRICT if pd.isna(v) else str(v) for v in present)
