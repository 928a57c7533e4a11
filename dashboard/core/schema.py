"""The canonical incident format: each column declared once, and everything derived from it.

A :class:`Column` holds a column's type, whether it is required, its parser and checks, its label
and help text, its SQL type, and where it is shown (table, briefing, map, upload preview).
Validation, the record type, the store's table, exports, the README's table and every view derive
from :data:`DECLARATIONS`, in the spirit of pandera's ``DataFrameModel`` and frictionless' field
descriptors.

This is the upload template too: a CSV with these headers (any order, case and spacing) imports
without a mapping step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial
from typing import Final, Literal

from dashboard.core.cells import (
    Check,
    Matches,
    NotFuture,
    OneOf,
    Parser,
    WebAddress,
    Within,
    parse_count,
    parse_date,
    parse_float,
    parse_incident_date,
    parse_lower,
    parse_text,
)
from dashboard.core.errors import Code
from dashboard.core.i18n import N_

Kind = Literal["text", "integer", "float", "date"]
#: The base SQL type of a column (its length, if any, is :attr:`Column.length`).
SqlName = Literal["TEXT", "VARCHAR", "SMALLINT", "INTEGER", "FLOAT", "DATE"]
#: The views that show a chosen subset of columns in their own order.
View = Literal["table", "briefing"]

#: The SQL integer types' ranges (PostgreSQL enforces them; SQLite would store anything).
SMALLINT: Final[tuple[int, int]] = (-(2**15), 2**15 - 1)
INTEGER: Final[tuple[int, int]] = (-(2**31), 2**31 - 1)

#: A record's Python type for each kind (dates travel as ISO text).
_RECORD_TYPES: Final[dict[Kind, type]] = {"text": str, "integer": int, "float": float, "date": str}


@dataclass(frozen=True, slots=True)
class Column:
    """One canonical column: what it holds, how a cell is read and checked, how it is shown.

    Validation enforces ``length`` and ``int_range`` so a value the store would refuse on one back
    end (PostgreSQL) is reported the same way on every back end, never stored on another.
    """

    name: str
    kind: Kind
    #: Header shown in tables, forms and the incident record.
    label: str
    #: What the column holds and the rules for it (Markdown; the README's table and tooltips).
    help: str
    required: bool = False
    #: The incident's identity: unique in a file, derived when left empty, the store's key.
    key: bool = False
    #: ``varchar(length)`` in the store; None is unbounded ``text`` (or not a text column).
    length: int | None = None
    #: The SQL integer type's (lowest, highest) value, for integer columns.
    int_range: tuple[int, int] | None = None
    #: Stripped, non-empty text to a value; None takes the kind's parser.
    parser: Parser | None = None
    #: Rules on the parsed value, in order; each gives a fault or None.
    checks: tuple[Check, ...] = ()
    #: The value an empty cell takes (None: it stays empty).
    default: int | str | None = None
    #: Position in the monitor's incident table, and in the briefing's (None: not shown).
    table: int | None = None
    briefing: int | None = None
    #: Sent to the map's markers (tooltip, popup, colour, uncertainty circle).
    on_map: bool = False
    #: Shown in the upload page's preview of the valid rows.
    preview: bool = False
    #: A column of the upload template (and of CSV exports); False for one derived from another
    #: column's cell and stored beside it (``date_precision``, from how ``date`` is written).
    template: bool = True
    #: The parser in use: ``parser`` or the kind's.
    parse: Parser = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Pick the kind's parser unless the declaration names one."""
        if self.parser is not None:
            parse = self.parser
        elif self.kind == "integer":
            if self.int_range is None:
                raise ValueError(f"integer column {self.name!r} needs an int_range")
            parse = partial(parse_count, highest=self.int_range[1])
        else:
            parse = {"text": parse_text, "float": parse_float, "date": parse_date}[self.kind]
        object.__setattr__(self, "parse", parse)

    @property
    def is_link(self) -> bool:
        """Whether the column holds a web address (shown as a link)."""
        return any(isinstance(check, WebAddress) for check in self.checks)

    @property
    def nullable(self) -> bool:
        """Whether a stored incident may leave it empty (NULL in the store)."""
        return not (self.required or self.key or self.default is not None)

    @property
    def sql_name(self) -> SqlName:
        """The base SQL type: ``VARCHAR`` (with :attr:`length`), ``TEXT``, ``SMALLINT``, …"""
        if self.kind == "text":
            return "VARCHAR" if self.length else "TEXT"
        if self.kind == "integer":
            return "SMALLINT" if self.int_range == SMALLINT else "INTEGER"
        return "FLOAT" if self.kind == "float" else "DATE"

    @property
    def sql_type(self) -> str:
        """The SQL type the store's ``incidents`` table must declare for this column."""
        return f"VARCHAR({self.length})" if self.sql_name == "VARCHAR" else self.sql_name

    @property
    def record_type(self) -> object:
        """The value's type in an :class:`~dashboard.core.records.IncidentRecord`."""
        base = _RECORD_TYPES[self.kind]
        return base | None if self.nullable else base


#: How firmly an incident is attributed, strongest first.
STATUSES: Final[dict[str, str]] = {
    "confirmed": N_("Confirmed by an independent monitor (e.g. the UN Panel of Experts)"),
    "claimed": N_("Claimed by a government"),
    "preliminary": N_("Preliminary finding (investigators, forensic institute, military)"),
    "disputed": N_("Disputed"),
    "unverified": N_("Unverified"),
}
STATUS_COLOURS: Final[dict[str, str]] = {
    "confirmed": "#b2182b",
    "claimed": "#ef8a62",
    "preliminary": "#7b3294",
    "disputed": "#2166ac",
    "unverified": "#878787",
}

#: What became of the missile, and its words; the first is the default. ``debris`` is a missile
#: shot down whose debris fell and did harm (the Kyiv oblast administration's "no direct
#: strikes"); ``shot down`` is an interception with no damage reported.
OUTCOMES: Final[dict[str, str]] = {
    "impact": N_("Impact: the missile struck"),
    "debris": N_("Debris of a downed missile fell (no direct strike)"),
    "shot down": N_("Shot down: intercepted, no damage reported"),
}

#: How much of an incident's date its source gives: the day, or only the month (``2024-09``:
#: the incident lies somewhere in September 2024, stored as the month's first day).
DATE_PRECISIONS: Final[dict[str, str]] = {
    "day": N_("the day"),
    "month": N_("only the month"),
}

#: ACLED's geo_precision codes, and the indicative uncertainty radius the map draws for each.
PRECISIONS: Final[dict[int, str]] = {
    1: N_("the exact place"),
    2: N_("near the place, or somewhere in a named district or city"),
    3: N_("only the wider region"),
}
PRECISION_RADIUS_M: Final[dict[int, int]] = {1: 1_000, 2: 5_000, 3: 25_000}
#: A row that leaves geo_precision empty is taken at the least precise level.
DEFAULT_PRECISION: Final[int] = 3

#: The box round Ukraine (its land and territorial sea, Crimea included): a coordinate outside
#: it is a warning, not an error (and, turned round, it may be a latitude and longitude swapped).
UKRAINE_BOX: Final[tuple[tuple[float, float], tuple[float, float]]] = ((44.0, 22.0), (52.5, 40.5))
#: Kharkiv city centre, and the rough box of Kharkiv oblast (synthetic data is drawn inside it).
KHARKIV_CENTRE: Final[tuple[float, float]] = (49.9925, 36.2311)
KHARKIV_OBLAST_BOX: Final[tuple[tuple[float, float], tuple[float, float]]] = (
    (48.57, 34.89),
    (50.44, 38.03),
)

MAX_TEXT_LENGTH: Final[int] = 5_000


_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")

#: Every canonical column, in template (and export) order.
DECLARATIONS: Final[tuple[Column, ...]] = (
    Column(
        "incident_id",
        "text",
        N_("Incident"),
        N_(
            "stable and unique; left empty, it is derived from date, place, coordinates and weapon "
            "(`INC-…`)"
        ),
        key=True,
        length=200,
        table=12,
        briefing=2,
        on_map=True,
        preview=True,
    ),
    Column(
        "date",
        "date",
        N_("Date"),
        N_(
            "`YYYY-MM-DD` (also `DD.MM.YYYY`, `2 January 2024`), or only the month when the "
            "source gives no day: `YYYY-MM` (also `MM.YYYY`, `September 2024`), shown as "
            '"September 2024" and never given a day; not in the future'
        ),
        required=True,
        parser=parse_incident_date,
        checks=(NotFuture(),),
        table=1,
        briefing=1,
        on_map=True,
        preview=True,
    ),
    Column(
        "date_precision",
        "text",
        N_("Date precision"),
        N_("`day` or `month`: not a column of the template, taken from how `date` is written"),
        length=10,
        checks=(OneOf(tuple(DATE_PRECISIONS)),),
        default="day",
        template=False,
    ),
    Column(
        "time",
        "text",
        N_("Time"),
        N_("`HH:MM` (24-hour)"),
        checks=(Matches(_TIME, Code.INVALID_TIME),),
    ),
    Column(
        "location",
        "text",
        N_("Location"),
        N_("the place struck (town, village or site)"),
        required=True,
        table=2,
        briefing=3,
        on_map=True,
        preview=True,
    ),
    Column(
        "district",
        "text",
        N_("District"),
        N_("the district or city district"),
        table=3,
        on_map=True,
        preview=True,
    ),
    Column(
        "latitude",
        "float",
        N_("Latitude"),
        N_("decimal degrees (a decimal comma is accepted); outside Ukraine is a warning"),
        required=True,
        checks=(Within(-90, 90),),
        on_map=True,
        preview=True,
    ),
    Column(
        "longitude",
        "float",
        N_("Longitude"),
        N_("decimal degrees (a decimal comma is accepted); outside Ukraine is a warning"),
        required=True,
        checks=(Within(-180, 180),),
        on_map=True,
        preview=True,
    ),
    Column(
        "geo_precision",
        "integer",
        N_("Location precision"),
        N_(
            "1 the exact place, 2 near it or in a named district or city, 3 only the wider region "
            "(ACLED's codes); empty means 3"
        ),
        int_range=SMALLINT,
        checks=(OneOf(tuple(PRECISIONS), Code.INVALID_PRECISION),),
        default=DEFAULT_PRECISION,
        table=9,
        briefing=9,
        on_map=True,
    ),
    Column(
        "weapon",
        "text",
        N_("Weapon"),
        N_("the weapon as the source names it"),
        required=True,
        table=4,
        briefing=4,
        on_map=True,
        preview=True,
    ),
    Column("weapon_origin", "text", N_("Weapon origin"), N_("where the weapon was made")),
    Column(
        "attribution_status",
        "text",
        N_("Attribution"),
        N_(
            "`confirmed` (by an independent monitor such as the UN panel), `claimed` (by a "
            "government), `preliminary`, `disputed`, `unverified`"
        ),
        required=True,
        length=20,
        parser=parse_lower,
        checks=(OneOf(tuple(STATUSES), Code.INVALID_STATUS),),
        table=5,
        briefing=5,
        on_map=True,
        preview=True,
    ),
    Column(
        "attributed_by",
        "text",
        N_("Attributed by"),
        N_("who attributed it"),
        table=6,
        briefing=6,
        on_map=True,
    ),
    Column("launch_origin", "text", N_("Launched from"), N_("where the missile was launched from")),
    Column(
        "outcome",
        "text",
        N_("Outcome"),
        N_(
            "`impact` (it struck), `debris` (debris of a missile shot down fell and did harm: no "
            "direct strike) or `shot down` (intercepted, no damage reported); empty means `impact`"
        ),
        length=20,
        parser=parse_lower,
        checks=(OneOf(tuple(OUTCOMES)),),
        default=next(iter(OUTCOMES)),
        on_map=True,
    ),
    Column(
        "killed",
        "integer",
        N_("Killed"),
        N_(
            'a whole number ≥ 0; empty when the source does not say (shown "not reported", never '
            "counted as 0: write 0 only when the source says none)"
        ),
        int_range=INTEGER,
        table=7,
        briefing=7,
        on_map=True,
        preview=True,
    ),
    Column(
        "injured",
        "integer",
        N_("Injured"),
        N_(
            'a whole number ≥ 0; empty when the source does not say (shown "not reported", never '
            "counted as 0: write 0 only when the source says none)"
        ),
        int_range=INTEGER,
        table=8,
        briefing=8,
        on_map=True,
        preview=True,
    ),
    Column(
        "source_title",
        "text",
        N_("Source"),
        N_("the source's title; a source is required: give `source_url`, `source_title` or both"),
        table=10,
        briefing=10,
        on_map=True,
        preview=True,
    ),
    Column(
        "source_url",
        "text",
        N_("Source link"),
        N_("the source's http(s) address"),
        checks=(WebAddress("source_url"),),
        table=11,
        on_map=True,
        preview=True,
    ),
    Column(
        "source_date", "date", N_("Source date"), N_("the source's date"), checks=(NotFuture(),)
    ),
    Column(
        "sanctions_provisions",
        "text",
        N_("Sanctions provisions"),
        N_("the UN Security Council provisions concerned"),
    ),
    Column("notes", "text", N_("Notes"), N_("free text"), preview=True),
)
DECLARED: Final[dict[str, Column]] = {c.name: c for c in DECLARATIONS}

COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS)
#: The upload template's columns (and a CSV export's), in order: every column but the derived.
TEMPLATE: Final[tuple[Column, ...]] = tuple(c for c in DECLARATIONS if c.template)
TEMPLATE_COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in TEMPLATE)
REQUIRED: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS if c.required)
FLOAT_COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS if c.kind == "float")
INT_COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS if c.kind == "integer")
DATE_COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS if c.kind == "date")
TEXT_COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS if c.kind == "text")
#: The incident's identity column.
KEY: Final[str] = next(c.name for c in DECLARATIONS if c.key)
#: The fields each map marker carries, in template order.
MAP_FIELDS: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS if c.on_map)
#: The columns the upload page previews, in template order.
PREVIEW_FIELDS: Final[tuple[str, ...]] = tuple(c.name for c in DECLARATIONS if c.preview)


def shown_in(view: View) -> tuple[Column, ...]:
    """The columns ``view`` shows, in its order."""
    placed = [(getattr(c, view), c) for c in DECLARATIONS if getattr(c, view) is not None]
    return tuple(c for _, c in sorted(placed, key=lambda pair: pair[0]))


def markdown_table() -> str:
    """The README's table of the template's columns: name, whether required, the rules."""
    lines = ["| column | required | rule |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {'yes' if c.required else ''} | {c.help} |" for c in TEMPLATE]
    return "\n".join(lines) + "\n"


def normalise_header(name: str) -> str:
    """Match header names case- and space-insensitively: ``" Source URL "`` -> ``source_url``."""
    return "_".join(name.replace("\ufeff", "").strip().lower().replace("-", " ").split())
