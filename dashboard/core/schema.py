"""The canonical incident format: columns, allowed values and their meaning.

This is the upload template too: a CSV with these headers (any order, case and spacing) imports
without a mapping step.
"""

from __future__ import annotations

from typing import Final

COLUMNS: Final[tuple[str, ...]] = (
    "incident_id",
    "date",
    "time",
    "location",
    "district",
    "latitude",
    "longitude",
    "geo_precision",
    "weapon",
    "weapon_origin",
    "attribution_status",
    "attributed_by",
    "launch_origin",
    "killed",
    "injured",
    "source_title",
    "source_url",
    "source_date",
    "sanctions_provisions",
    "notes",
)

REQUIRED: Final[tuple[str, ...]] = (
    "date",
    "location",
    "latitude",
    "longitude",
    "weapon",
    "attribution_status",
)
FLOAT_COLUMNS: Final[tuple[str, ...]] = ("latitude", "longitude")
INT_COLUMNS: Final[tuple[str, ...]] = ("geo_precision", "killed", "injured")
DATE_COLUMNS: Final[tuple[str, ...]] = ("date", "source_date")
TEXT_COLUMNS: Final[tuple[str, ...]] = tuple(
    c for c in COLUMNS if c not in FLOAT_COLUMNS + INT_COLUMNS + DATE_COLUMNS
)

#: How firmly an incident is attributed, strongest first.
STATUSES: Final[dict[str, str]] = {
    "confirmed": "Confirmed by an independent monitor (e.g. the UN Panel of Experts)",
    "claimed": "Claimed by a government",
    "preliminary": "Preliminary finding (investigators, forensic institute, military)",
    "disputed": "Disputed",
    "unverified": "Unverified",
}
STATUS_COLOURS: Final[dict[str, str]] = {
    "confirmed": "#b2182b",
    "claimed": "#ef8a62",
    "preliminary": "#7b3294",
    "disputed": "#2166ac",
    "unverified": "#878787",
}

#: ACLED's geo_precision codes, and the indicative uncertainty radius the map draws for each.
PRECISIONS: Final[dict[int, str]] = {
    1: "the exact place",
    2: "near the place, or somewhere in a named district or city",
    3: "only the wider region",
}
PRECISION_RADIUS_M: Final[dict[int, int]] = {1: 1_000, 2: 5_000, 3: 25_000}
#: A row that leaves geo_precision empty is taken at the least precise level.
DEFAULT_PRECISION: Final[int] = 3

#: Kharkiv city centre, and the rough box of Kharkiv oblast (outside it: a warning, not an error).
KHARKIV_CENTRE: Final[tuple[float, float]] = (49.9925, 36.2311)
KHARKIV_OBLAST_BOX: Final[tuple[tuple[float, float], tuple[float, float]]] = (
    (48.57, 34.89),
    (50.44, 38.03),
)

MAX_TEXT_LENGTH: Final[int] = 5_000


def normalise_header(name: str) -> str:
    """Match header names case- and space-insensitively: ``" Source URL "`` -> ``source_url``."""
    return "_".join(name.replace("\ufeff", "").strip().lower().replace("-", " ").split())
