"""Which file column feeds which canonical column: the identity, ACLED's export, or a user's own.

A mapping is data (header -> canonical name), so a mapping made once in the Upload page can be
saved in the store and reused by the page and the CLI alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from dashboard.core.cells import OneOf
from dashboard.core.errors import MappingRefusedError
from dashboard.core.i18n import _
from dashboard.core.schema import DECLARED, TEMPLATE_COLUMNS, normalise_header

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
    #: Canonical column -> the file's value (as :func:`normalise_value` writes it) -> the value
    #: stored instead; other values pass unchanged (and are checked as usual).
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for target in [*self.columns.values(), *self.constants, *self.values]:
            if target != IGNORE and target not in TEMPLATE_COLUMNS:
                raise MappingRefusedError(
                    _("mapping {name}: {column} is not a canonical column").format(
                        name=repr(self.name), column=repr(target)
                    )
                )

    def recode(self, column: str, value: str) -> str:
        """The value stored for the file's ``value`` in canonical ``column``."""
        table = self.values.get(column)
        return table.get(normalise_value(value), value) if table else value

    def target(self, header: str) -> str | None:
        """Canonical column for a file header; "" when ignored on purpose, None when unknown."""
        name = normalise_header(header)
        if name in self.columns:
            return self.columns[name]
        return name if name in TEMPLATE_COLUMNS else None

    def to_json(self) -> dict[str, Any]:
        """The mapping as JSON-ready data, for the store."""
        return {
            "columns": dict(self.columns),
            "constants": dict(self.constants),
            "values": {c: dict(v) for c, v in self.values.items()},
        }

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> ColumnMapping:
        """The mapping saved by :meth:`to_json` (mappings saved before value maps have none)."""
        return cls(
            name,
            dict(data.get("columns", {})),
            dict(data.get("constants", {})),
            {c: dict(v) for c, v in data.get("values", {}).items()},
        )


#: Values files give for a column with a fixed vocabulary, as :func:`normalise_value` writes
#: them: the value map the page suggests.
VALUE_SYNONYMS: Final[dict[str, dict[str, str]]] = {
    "attribution_status": {
        "підтверджено": "confirmed",
        "підтверджений": "confirmed",
        "заявлено": "claimed",
        "заявлений": "claimed",
        "попередньо": "preliminary",
        "попередній": "preliminary",
        "оскаржено": "disputed",
        "оскаржений": "disputed",
        "не перевірено": "unverified",
        "неперевірено": "unverified",
        "неперевірений": "unverified",
    },
    "outcome": {
        "влучання": "impact",
        "влучила": "impact",
        "hit": "impact",
        "уламки": "debris",
        "падіння уламків": "debris",
        "fragments": "debris",
        "збито": "shot down",
        "збита": "shot down",
        "intercepted": "shot down",
        "перехоплено": "shot down",
    },
}


def normalise_value(value: str) -> str:
    """Match a file's values case- and space-insensitively: ``" Попередньо "`` -> ``попередньо``."""
    return " ".join(value.casefold().split())


def vocabulary(column: str) -> tuple[str, ...] | None:
    """The values a canonical column accepts, when its declaration fixes them (as text)."""
    for check in DECLARED[column].checks:
        if isinstance(check, OneOf):
            return tuple(str(v) for v in check.values)
    return None


def distinct(values: Iterable[str], limit: int) -> list[str]:
    """The first ``limit`` distinct non-empty ``values``, as :func:`normalise_value` writes them
    (the keys of a value map), in file order."""
    seen: dict[str, None] = {}
    for value in values:
        key = normalise_value(value)
        if key and key not in seen:
            seen[key] = None
            if len(seen) == limit:
                break
    return list(seen)


def samples(values: Iterable[str], count: int = 3) -> list[str]:
    """The first ``count`` distinct non-empty values of a file column, as written."""
    found: dict[str, None] = {}
    for value in values:
        if value.strip() and value not in found:
            found[value] = None
            if len(found) == count:
                break
    return list(found)


def from_choices(
    name: str,
    choices: dict[str, str],
    constants: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
) -> ColumnMapping:
    """A mapping from a form's choices: file header as written -> canonical column or "", fixed
    values by canonical column, and value maps (file value -> canonical value; a value mapped to
    "" is left as it is)."""
    return ColumnMapping(
        name,
        {normalise_header(h): t for h, t in choices.items()},
        {c: v for c, v in (constants or {}).items() if v.strip()},
        {
            c: {normalise_value(k): v for k, v in table.items() if v}
            for c, table in (values or {}).items()
            if any(table.values())
        },
    )


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
    "outcome": ("result", "intercepted", "наслідок", "результат"),
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
