"""Shareable links: the view's state as URL query parameters, and back.

:func:`parse` never raises: a value it cannot use falls back to its default and yields an
:class:`Ignored` saying which parameter and why. :func:`to_params` writes only what differs from
the defaults (plus ``v``), so ``parse(to_params(state))`` gives ``state`` back. The README's
"Links" section documents the format.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Final
from urllib.parse import urlencode, urlsplit, urlunsplit

from dashboard.core.dates import month_end
from dashboard.core.filters import Filters
from dashboard.core.i18n import LANGUAGES, _, ngettext
from dashboard.core.schema import STATUSES
from dashboard.core.view import COORD_PLACES, LAYERS, MAX_ZOOM, View

#: The link format's version, written as ``v``; a later format can read older links by it.
VERSION: Final[int] = 1
#: Dates a link may name (the widgets use the same bounds).
DATE_MIN: Final[date] = date(2006, 1, 1)
DATE_MAX: Final[date] = date(2100, 12, 31)
MAX_TEXT: Final[int] = 200
#: Parameters Streamlit itself uses; never reported as unknown.
STREAMLIT_PARAMS: Final[frozenset[str]] = frozenset({"embed", "embed_options"})
#: At most this many ignored parameters are listed; the rest are counted.
MAX_NOTES: Final[int] = 12
#: Unknown parameters are reported in one note naming at most this many of them.
MAX_NAMES: Final[int] = 5

PARAMS: Final[tuple[str, ...]] = (
    "from",
    "to",
    "status",
    "weapon",
    "district",
    "q",
    "examined",
    "context",
    "incident",
    "lat",
    "lon",
    "zoom",
    "layer",
    "asof",
    "lang",
    "v",
)


@dataclass(frozen=True)
class Ignored:
    """A parameter (or one of its values) the link could not use."""

    param: str
    reason: str

    def __str__(self) -> str:
        return _("ignored parameter {param}: {reason}").format(param=self.param, reason=self.reason)


@dataclass
class _Reader:
    params: Mapping[str, Sequence[str]]
    notes: list[Ignored] = field(default_factory=list)

    def ignore(self, param: str, reason: str) -> None:
        self.notes.append(Ignored(param, reason))

    def one(self, name: str) -> str | None:
        """The parameter's single value; a repeated one counts by its first value."""
        values = list(self.params.get(name, ()))
        if not values:
            return None
        if len(values) > 1:
            self.ignore(
                name,
                ngettext(
                    "given {n} time; only the first value is used",
                    "given {n} times; only the first value is used",
                    len(values),
                ).format(n=len(values)),
            )
        return values[0]


def show(value: object, limit: int = 40) -> str:
    """A value quoted for a message, cut to ``limit`` characters."""
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _date(reader: _Reader, name: str) -> date | None:
    raw = reader.one(name)
    if raw is None or raw == "":
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        value = date.fromisoformat(raw)
    except ValueError:
        reader.ignore(name, _("{value} is not a date (YYYY-MM-DD)").format(value=show(raw)))
        return None
    if not DATE_MIN <= value <= DATE_MAX:
        reader.ignore(
            name,
            _("{value} is outside {low} to {high}").format(
                value=show(raw), low=DATE_MIN, high=DATE_MAX
            ),
        )
        return None
    return value


def typed_day(text: str, *, end: bool = False) -> date | None:
    """A date typed into the sidebar's "From" or "To": ``YYYY-MM-DD``, or ``YYYY-MM`` for a
    whole month (its first day, or with ``end`` its last); empty is no date. A bad one raises
    :class:`ValueError` whose message says why, in the page's language."""
    raw = text.strip()
    if not raw:
        return None
    try:
        if len(raw) == 7:
            first = date.fromisoformat(raw + "-01")
            value = first if not end else month_end(first)
        elif len(raw) == 10:
            value = date.fromisoformat(raw)
        else:
            raise ValueError
    except ValueError:
        raise ValueError(
            _("{value} is not a date (YYYY-MM-DD, or YYYY-MM for a month)").format(value=show(raw))
        ) from None
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError(
            _("{value} is outside {low} to {high}").format(
                value=show(raw), low=DATE_MIN, high=DATE_MAX
            )
        )
    return value


def _text(reader: _Reader, name: str) -> str | None:
    raw = reader.one(name)
    if raw is None:
        return None
    if len(raw) > MAX_TEXT:
        reader.ignore(name, _("longer than {n} characters").format(n=MAX_TEXT))
        return None
    if any(ord(c) < 32 for c in raw):
        reader.ignore(name, _("{value} holds control characters").format(value=show(raw)))
        return None
    return raw


def _number(reader: _Reader, name: str, low: float, high: float) -> float | None:
    raw = reader.one(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw) if len(raw) <= 32 else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        reader.ignore(name, _("{value} is not a number").format(value=show(raw)))
        return None
    if not low <= value <= high:
        reader.ignore(
            name,
            _("{value} is outside {low} to {high}").format(
                value=show(raw), low=f"{low:g}", high=f"{high:g}"
            ),
        )
        return None
    return value


def _many(reader: _Reader, name: str, allowed: Collection[str] | None) -> tuple[str, ...]:
    kept: list[str] = []
    for raw in reader.params.get(name, ()):
        if raw == "" or raw in kept:
            continue
        if len(raw) > MAX_TEXT or (allowed is not None and raw not in allowed):
            reader.ignore(name, _("{value} is not one of the choices").format(value=show(raw)))
            continue
        kept.append(raw)
    return tuple(kept)


def _asof(reader: _Reader, now: datetime) -> datetime | None:
    raw = reader.one("asof")
    if raw is None or raw == "":
        return None
    try:
        moment = datetime.fromisoformat(raw) if len(raw) <= 40 else None
    except ValueError:
        moment = None
    if moment is None:
        reader.ignore("asof", _("{value} is not an ISO date or timestamp").format(value=show(raw)))
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC).replace(microsecond=0)
    if moment > now:
        reader.ignore(
            "asof", _("{value} is in the future; showing live data").format(value=show(raw))
        )
        return None
    if moment.date() < DATE_MIN:
        reader.ignore("asof", _("{value} is before {day}").format(value=show(raw), day=DATE_MIN))
        return None
    return moment


def parse(params: Mapping[str, Sequence[str]], *, now: datetime) -> tuple[View, list[Ignored]]:
    """The view a link's query parameters describe, and what was ignored (never raises).

    ``params`` maps each name to its values in URL order (``parse_qs`` shape). Weapons,
    districts and the incident are checked against the data later, by :func:`restrict`.
    """
    reader = _Reader(params)
    unknown = [show(n) for n in params if n not in PARAMS and n not in STREAMLIT_PARAMS]
    if len(unknown) == 1:
        reader.ignore(unknown[0], _("unknown parameter"))
    elif unknown:
        names = ", ".join(unknown[:MAX_NAMES]) + (" …" if len(unknown) > MAX_NAMES else "")
        reader.ignore(
            names,
            ngettext("{n} unknown parameter", "{n} unknown parameters", len(unknown)).format(
                n=len(unknown)
            ),
        )
    version = reader.one("v")
    if version not in (None, "", str(VERSION)):
        reader.ignore(
            "v",
            _("unknown link version {value}; read as version {version}").format(
                value=show(version), version=VERSION
            ),
        )
    date_from, date_to = _date(reader, "from"), _date(reader, "to")
    layer = reader.one("layer")
    if layer is not None and layer not in LAYERS:
        reader.ignore(
            "layer",
            _("{value} is not one of {choices}").format(
                value=show(layer), choices=", ".join(LAYERS)
            ),
        )
        layer = None
    lat = _number(reader, "lat", -90, 90)
    lon = _number(reader, "lon", -180, 180)
    zoom = _number(reader, "zoom", 1, MAX_ZOOM)
    if zoom is not None and not zoom.is_integer():
        reader.ignore("zoom", _("{value} is not a whole number").format(value=show(zoom)))
        zoom = None
    given = {"lat": lat, "lon": lon, "zoom": zoom}
    if any(v is not None for v in given.values()) and any(v is None for v in given.values()):
        for name, value in given.items():
            if value is not None:
                reader.ignore(name, _("lat, lon and zoom only count together"))
        lat = lon = zoom = None
    examined = reader.one("examined")
    if examined not in (None, "", "0", "1"):
        reader.ignore("examined", _("{value} is not 1 or 0").format(value=show(examined)))
    context = reader.one("context")
    if context not in (None, "", "0", "1"):
        reader.ignore("context", _("{value} is not 1 or 0").format(value=show(context)))
    lang = reader.one("lang") or None
    if lang is not None and lang not in LANGUAGES:
        reader.ignore(
            "lang",
            _("{value} is not one of {choices}").format(
                value=show(lang), choices=", ".join(LANGUAGES)
            ),
        )
        lang = None
    filters = Filters(
        date_from=date_from,
        date_to=date_to,
        statuses=_many(reader, "status", STATUSES),
        weapons=_many(reader, "weapon", None),
        districts=_many(reader, "district", None),
        q=_text(reader, "q") or "",
        examined=examined == "1",
        context=context == "1",
    )
    map_view = (
        None
        if lat is None or lon is None or zoom is None
        else (round(lat, COORD_PLACES), round(lon, COORD_PLACES), int(zoom))
    )
    state = View(
        filters=filters,
        incident=_text(reader, "incident") or None,
        map_view=map_view,
        layer=layer or LAYERS[0],
        asof=_asof(reader, now),
        lang=lang,
    )
    return state, capped(reader.notes)


def capped(notes: Sequence[Ignored]) -> list[Ignored]:
    """``notes`` for a reader: each repeated note once with its count, at most ``MAX_NOTES``.

    A link repeating one bad value a thousand times gets one note saying so, not a thousand.
    """
    counts: dict[Ignored, int] = {}
    for note in notes:
        counts[note] = counts.get(note, 0) + 1
    merged = [
        note
        if n == 1
        else Ignored(
            note.param,
            ngettext("{reason} ({n} time)", "{reason} ({n} times)", n).format(
                reason=note.reason, n=n
            ),
        )
        for note, n in counts.items()
    ]
    if len(merged) <= MAX_NOTES:
        return merged
    rest = len(merged) - MAX_NOTES + 1
    return [*merged[: MAX_NOTES - 1], Ignored("…", _("and {n} more").format(n=rest))]


def restrict(
    state: View, *, weapons: Collection[str], districts: Collection[str]
) -> tuple[View, list[Ignored]]:
    """Drop weapons and districts the data does not have (the widgets offer only those)."""
    chosen = state.filters
    notes = [
        Ignored("weapon", _("{value} is not in the data").format(value=show(w)))
        for w in chosen.weapons
        if w not in weapons
    ]
    notes += [
        Ignored("district", _("{value} is not in the data").format(value=show(d)))
        for d in chosen.districts
        if d not in districts
    ]
    kept = replace(
        chosen,
        weapons=tuple(w for w in chosen.weapons if w in weapons),
        districts=tuple(d for d in chosen.districts if d in districts),
    )
    return replace(state, filters=kept), capped(notes)


def check_incident(state: View, ids_in_view: Collection[str]) -> tuple[View, list[Ignored]]:
    """Drop the selected incident when it is not among the incidents in view."""
    if state.incident is None or state.incident in ids_in_view:
        return state, []
    note = Ignored(
        "incident",
        _("{value} is not among the incidents in view").format(value=show(state.incident)),
    )
    return replace(state, incident=None), [note]


def format_asof(moment: datetime) -> str:
    """``2026-10-01T12:00:00Z``: UTC, whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def to_params(state: View) -> dict[str, list[str]]:
    """Query parameters for ``state``: only what differs from the defaults, and ``v``."""
    params: dict[str, list[str]] = {}
    chosen = state.filters
    if chosen.date_from is not None:
        params["from"] = [chosen.date_from.isoformat()]
    if chosen.date_to is not None:
        params["to"] = [chosen.date_to.isoformat()]
    for name, values in (
        ("status", chosen.statuses),
        ("weapon", chosen.weapons),
        ("district", chosen.districts),
    ):
        if values:
            params[name] = list(values)
    if chosen.q:
        params["q"] = [chosen.q]
    if chosen.examined:
        params["examined"] = ["1"]
    if chosen.context:
        params["context"] = ["1"]
    if state.incident:
        params["incident"] = [state.incident]
    if state.map_view is not None:
        lat, lon, zoom = state.map_view
        params["lat"] = [_coord(lat)]
        params["lon"] = [_coord(lon)]
        params["zoom"] = [str(zoom)]
    if state.layer != LAYERS[0]:
        params["layer"] = [state.layer]
    if state.asof is not None:
        params["asof"] = [format_asof(state.asof)]
    if state.lang is not None:
        params["lang"] = [state.lang]
    params["v"] = [str(VERSION)]
    return params


def _coord(value: float) -> str:
    text = f"{round(value, COORD_PLACES):.{COORD_PLACES}f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def query_string(state: View) -> str:
    """``state`` as a URL query string (without ``?``), percent-encoded."""
    return urlencode(to_params(state), doseq=True)


def share_url(base: str, state: View) -> str:
    """The link to ``state`` on the app at ``base`` (any query or fragment of ``base`` dropped)."""
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query_string(state), ""))
