"""Which file column feeds which canonical column: the identity, ACLED's export, or a user's own.

A mapping is data (header -> canonical name), so a mapping made once in the Upload page can be
saved in the store and reused by the page and the CLI alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from dashboard.core.errors import MappingRefusedError
from dashboard.core.schema import COLUMNS, normalise_header

#: Ignore this file column.
IGNORE: Final = ""

#: ACLED's export layout (31 columns), in their order.
ACLED_COLUMNS: Final[tuple[str, ...]] = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
#: Columns whose presence identifies an ACLED export.
_ACLED_SIGNATURE: Final = frozenset(
    {"event_id_cnty", "event_date", "sub_event_type", "geo_precision", "fatalities"}
)
FORMATS: Final[tuple[str, ...]] = ("auto", "incidents", "acled")


@dataclass(frozen=True)
class ColumnMapping:
    """File header (normalised) -> canonical column, or :data:`IGNORE`; plus fixed values.

    A header the mapping does not name maps to itself when it is a canonical column, else it is
    reported as unknown. ``constants`` fill canonical columns no file column maps to. A target
    that is not a canonical column (a stale saved mapping, say) raises :class:`MappingRefusedError`.
    """

    name: str
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for target in [*self.columns.values(), *self.constants]:
            if target != IGNORE and target not in COLUMNS:
                raise MappingRefusedError(
                    f"mapping {self.name!r}: {target!r} is not a canonical column"
                )

    def target(self, header: str) -> str | None:
        """Canonical column for a file header; "" when ignored on purpose, None when unknown."""
        name = normalise_header(header)
        if name in self.columns:
            return self.columns[name]
        return name if name in COLUMNS else None

    def to_json(self) -> dict[str, dict[str, str]]:
        """The mapping as JSON-ready data, for the store."""
        return {"columns": dict(self.columns), "constants": dict(self.constants)}

    @classmethod
    def from_json(cls, name: str, data: dict[str, dict[str, str]]) -> ColumnMapping:
        """The mapping saved by :meth:`to_json`."""
        return cls(name, dict(data.get("columns", {})), dict(data.get("constants", {})))


def from_choices(name: str, choices: dict[str, str]) -> ColumnMapping:
    """A mapping from a form's choices: file header as written -> canonical column or ""."""
    return ColumnMapping(name, {normalise_header(h): t for h, t in choices.items()})


IDENTITY: Final = ColumnMapping("incidents")

#: ACLED -> canonical. ACLED gives no weapon or attribution: the sub-event type stands for the
#: weapon, and every row comes in as "unverified" until an analyst grades it. Its ``admin2`` is
#: the raion, the district level it names.
ACLED: Final = ColumnMapping(
    "acled",
    {
        **dict.fromkeys(ACLED_COLUMNS, IGNORE),
        "event_id_cnty": "incident_id",
        "event_date": "date",
        "sub_event_type": "weapon",
        "admin2": "district",
        "location": "location",
        "latitude": "latitude",
        "longitude": "longitude",
        "geo_precision": "geo_precision",
        "source": "source_title",
        "notes": "notes",
        "fatalities": "killed",
    },
    {"attribution_status": "unverified"},
)


def is_acled(header: Iterable[str]) -> bool:
    """True when the header carries ACLED's identifying columns."""
    return {normalise_header(h) for h in header} >= _ACLED_SIGNATURE


def choose(header: Iterable[str], fmt: str = "auto") -> ColumnMapping:
    """The mapping for a file: ``fmt`` "incidents" or "acled" forces one, "auto" recognises."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS!r}, not {fmt!r}")
    if fmt == "acled" or (fmt == "auto" and is_acled(header)):
        return ACLED
    return IDENTITY


#: Other names files give the canonical columns, in English and Ukrainian, as
#: :func:`~dashboard.core.schema.normalise_header` writes them (case and spacing ignored).
SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "incident_id": ("id", "event_id", "ідентифікатор", "номер"),
    "date": ("event_date", "day", "дата", "дата_події"),
    "time": ("час", "час_події"),
    "location": (
        "place",
        "city",
        "town",
        "settlement",
        "місто",
        "населений_пункт",
        "місце",
        "локація",
    ),
    "district": ("raion", "admin2", "район", "округ"),
    "latitude": ("lat", "широта"),
    "longitude": ("lon", "lng", "long", "довгота"),
    "geo_precision": ("precision", "точність", "точність_координат"),
    "weapon": ("weapon_type", "missile", "зброя", "ракета", "тип_зброї", "засіб_ураження"),
    "weapon_origin": ("origin", "походження", "країна_походження"),
    "attribution_status": ("status", "attribution", "статус", "атрибуція", "статус_атрибуції"),
    "attributed_by": ("attributed", "ким_атрибутовано", "хто_атрибутував"),
    "launch_origin": ("launch_site", "місце_запуску", "місце_пуску"),
    "killed": ("fatalities", "deaths", "dead", "загиблі", "загинули", "кількість_загиблих"),
    "injured": ("wounded", "injuries", "поранені", "кількість_поранених"),
    "source_title": ("source", "джерело", "назва_джерела"),
    "source_url": ("url", "link", "посилання"),
    "source_date": ("published", "дата_джерела", "дата_публікації"),
    "sanctions_provisions": ("provisions", "санкції", "положення"),
    "notes": ("note", "comment", "comments", "примітки", "коментар", "опис"),
}
_BY_SYNONYM: Final[dict[str, str]] = {
    name: column for column, names in SYNONYMS.items() for name in names
}


def suggest(header: Iterable[str], base: ColumnMapping) -> dict[str, str]:
    """Each file header with the canonical column it most likely fills ("" for none).

    What ``base`` gives a header comes first (a canonical name, or the mapping's own choice);
    a header ``base`` does not know is matched by :data:`SYNONYMS`, unless an earlier header
    already fills that column. The starting values of the page's mapping form.
    """
    headers = list(header)
    chosen = {h: base.target(h) for h in headers}
    taken = {t for t in chosen.values() if t}
    for h in headers:
        if chosen[h] is None:
            guess = _BY_SYNONYM.get(normalise_header(h))
            if guess is not None and guess not in taken:
                chosen[h] = guess
                taken.add(guess)
    return {h: t or IGNORE for h, t in chosen.items()}
