"""Possible duplicates: a new row with no id of its own that looks like a stored incident.

A file row whose ``incident_id`` was left empty gets one derived from its date, place,
coordinates and weapon (``INC-…``), so the same incident typed a little differently (another
spelling of the place, coordinates a few hundred metres off) would be stored twice. Such a row
is flagged when a stored incident has the same date and weapon (case and spacing ignored) and
lies within :data:`NEAR_KM`; the analyst then updates that incident, adds the row anyway, or
skips it.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import pandas as pd

from dashboard.core.i18n import N_
from dashboard.core.schema import KEY

#: How close a stored incident must be to count as the same place.
NEAR_KM: Final = 2.0
#: The prefix of an ``incident_id`` derived for a row that gave none.
DERIVED_PREFIX: Final = "INC-"
EARTH_RADIUS_KM: Final = 6371.0088

Choice = Literal["update", "add", "skip"]
#: What the analyst may do with the flagged rows, in words (marked: translate where shown).
CHOICES: Final[dict[Choice, str]] = {
    "update": N_("Update the stored incident with the file's row"),
    "add": N_("Add them as new incidents anyway"),
    "skip": N_("Skip them (store the other rows)"),
}

#: Columns of :func:`near_duplicates`' answer.
COLUMNS: Final = ("line", KEY, "location", "duplicate_of", "stored_location", "distance_km")


def _day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d")


def _weapon(values: pd.Series) -> pd.Series:
    return values.astype("string").str.casefold().str.split().str.join(" ")


def distance_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distances (haversine), element by element."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def near_duplicates(
    preview: pd.DataFrame, stored: pd.DataFrame, km: float = NEAR_KM
) -> pd.DataFrame:
    """The ``new`` rows of an upload preview (with a derived id) that match a stored incident:
    one row each, with the nearest match, in file order (see :data:`COLUMNS`)."""
    rows = preview[
        (preview["change"] == "new") & preview[KEY].astype(str).str.startswith(DERIVED_PREFIX)
    ]
    if rows.empty or stored.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    dates = pd.to_datetime(rows["date"])
    stored = stored[stored["date"].between(dates.min(), dates.max())]
    left = rows[["line", KEY, "weapon", "location", "latitude", "longitude"]].assign(
        day=_day(rows["date"]), weapon_key=_weapon(rows["weapon"])
    )
    right = stored[[KEY, "location", "latitude", "longitude"]].rename(
        columns={KEY: "duplicate_of", "location": "stored_location"}
    )
    right = right.assign(day=_day(stored["date"]), weapon_key=_weapon(stored["weapon"]))
    pairs = left.merge(right, on=["day", "weapon_key"], suffixes=("", "_stored"))
    pairs = pairs[pairs[KEY] != pairs["duplicate_of"]]
    if pairs.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    pairs["distance_km"] = distance_km(
        pairs["latitude"].to_numpy(float),
        pairs["longitude"].to_numpy(float),
        pairs["latitude_stored"].to_numpy(float),
        pairs["longitude_stored"].to_numpy(float),
    )
    near = pairs[pairs["distance_km"] <= km].sort_values(["line", "distance_km"])
    # One match per row, and one row per stored incident (the nearest): an update never gives
    # two rows the same id.
    near = near.drop_duplicates("line").sort_values("distance_km", kind="stable")
    near = near.drop_duplicates("duplicate_of").sort_values("line").reset_index(drop=True)
    near["distance_km"] = near["distance_km"].round(2)
    return near[list(COLUMNS)]


def resolve(valid: pd.DataFrame, near: pd.DataFrame, choice: Choice) -> pd.DataFrame:
    """The valid rows (or the upload preview) as the analyst chose for the flagged ones: each
    takes the id of the incident it duplicates (``update``; in a preview its change becomes
    "update"), stays as it is (``add``), or is left out (``skip``)."""
    if near.empty or choice == "add":
        return valid
    flagged = valid["line"].isin(near["line"])
    if choice == "skip":
        return valid[~flagged].reset_index(drop=True)
    out = valid.copy()
    ids = dict(zip(near["line"], near["duplicate_of"], strict=True))
    out.loc[flagged, KEY] = out.loc[flagged, "line"].map(ids)
    if "change" in out:
        out.loc[flagged, "change"] = "update"
    return out
