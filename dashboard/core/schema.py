"""The canonical incident format: columns, allowed values and their meaning.

This is the upload template too: a CSV with these headers (any order, case and spacing) imports
without a mapping step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["text", "integer", "float", "date"]

#: The SQL integer types' ranges (PostgreSQL enforces them; SQLite would store anything).
SMALLINT: Final[tuple[int, int]] = (-(2**15), 2**15 - 1)
INTEGER: Final[tuple[int, int]] = (-(2**31), 2**31 - 1)


@dataclass(frozen=True, slots=True)
class Column:
    """One canonical column: its kind, whether required, and the SQL type the store gives it.

    Validation enforces ``length`` and ``int_range`` so a value the store would refuse on one back
    end (PostgreSQL) is reported the same way on every back end, never stored on another.
    """

    name: str
    kind: Kind
    required: bool = False
    #: ``varchar(length)`` in the store; None is unbounded ``text`` (or not a text column).
    length: int | None = None
    #: The SQL integer type's (lowest, highest) value, for integer columns.
    int_range: tuple[int, int] | None = None

    @property
    def sql_type(self) -> str:
        """The SQL type the store's ``incidents`` table must declare for this column."""
        if self.kind == "text":
            return f"VARCHAR({self.length})" if self.length else "TEXT"
        if self.kind == "integer":
            return "SMALLINT" if self.int_range == SMALLINT else "INTEGER"
        return {"float": "FLOAT", "date": "DATE"}[self.kind]


#: Every canonical column, in template order (dashboard/store.py's ``incidents`` table matches).
DECLARATIONS: Final[tuple[Column, ...]] = (
    Column("incident_id", "text", length=200),
    Column("date", "date", required=True),
    Column("time", "text"),
    Column("location", "text", required=True),
    Column("district", "text"),
    Column("latitude", "float", required=True),
    Column("longitude", "float", required=True),
    Column("geo_precision", "integer", int_range=SMALLINT),
    Column("weapon", "text", required=True),
    Column("weapon_origin", "text"),
    Column("attribution_status", "text", required=True, length=20),
    Column("attributed_by", "text"),
    Column("launch_origin", "text"),
    Column("killed", "integer", int_range=INTEGER),
    Column("injured", "integer", int_range=INTEGER),
    Column("source_title", "text"),
    Column("source_url", "text"),
    Column("source_date", "date"),
    Column("sanctions_provisions", "text"),
    Column("notes", "text"),
)
DECLARED: Final[dict[str, Column]] = {c.name: c for c in DECLARATIONS}

COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS)
REQUIRED: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS if c.required)
FLOAT_COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS if c.kind == "float")
INT_COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS if c.kind == "integer")
DATE_COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS if c.kind == "date")
TEXT_COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS if c.kind == "text")

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
