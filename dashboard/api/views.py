"""What an HTTP route shows for a link, shared by every route beside the page (the read API, the
feeds, the link previews): the view read from the query as :func:`dashboard.core.links.parse`
reads a link, the rows the Monitor page shows for it (its own
:func:`~dashboard.core.monitor.assemble` over its own cached frames), the data version a cache
validator is built from, and the ``400`` answer naming each bad parameter.

Unlike the page, which shows what it can and notes the rest, a route refuses a query with any
parameter it cannot use: unknown names, values :func:`~dashboard.core.links.parse` ignores, and
weapons or districts the data lacks (:func:`~dashboard.core.links.restrict`). A client is told
what was wrong instead of receiving rows it did not ask for."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

import pandas as pd
from starlette.requests import Request
from starlette.responses import JSONResponse

from dashboard.core import i18n, links
from dashboard.core.evidence import Evidence, annotate
from dashboard.core.i18n import _
from dashboard.core.monitor import Screen, assemble
from dashboard.core.view import View
from dashboard.store import Store

#: Link parameters that only place or dress the page (selection, map, layer, context layer):
#: accepted so that any link's query works, but they change no route's rows.
PRESENTATION: Final = frozenset({"incident", "lat", "lon", "zoom", "layer", "context"})
#: What every route accepts whatever it shows: the language of its words and the link version.
COMMON: Final = frozenset({"lang", "v", *links.STREAMLIT_PARAMS})
#: The parameters of a route showing a view's incidents: every link parameter.
VIEW_PARAMS: Final = frozenset(links.PARAMS) | links.STREAMLIT_PARAMS
#: An ``asof`` moment at least this old shows a state no later batch can change (a batch's time
#: is taken before it waits for the write lock: see ``Store.last_batch_at``), so its answers
#: may be kept for good. A more recent moment is revalidated like live data.
SETTLED: Final = timedelta(hours=1)
#: The answers' format: part of every validator, so a new format never matches an old copy.
FORMAT: Final = "api-1"


@dataclass(frozen=True)
class Problem:
    """One parameter a route cannot use, and why (in the request's language)."""

    name: str
    reason: str


class BadRequestError(Exception):
    """The query names parameters a route cannot use: answered by :func:`bad_request`."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.name}: {p.reason}" for p in problems))
        self.problems = list(problems)


def query_lists(request: Request) -> dict[str, list[str]]:
    """The request's query parameters, every value of each in URL order (``parse_qs`` shape)."""
    params: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        params.setdefault(name, []).append(value)
    return params


def request_language(params: Mapping[str, Sequence[str]], request: Request) -> str:
    """The language of a route's words: the query's ``lang``, else ``Accept-Language``."""
    chosen = list(params.get("lang", ()))
    if chosen and chosen[0] in i18n.LANGUAGES:
        return chosen[0]
    return i18n.negotiate(request.headers.get("accept-language"))


def parse_view(
    params: Mapping[str, Sequence[str]],
    *,
    now: datetime,
    allowed: Collection[str] = VIEW_PARAMS,
) -> View:
    """The view the query describes, read exactly as a link is; :class:`BadRequestError` naming
    every parameter outside ``allowed`` and every one the link parser ignores (call inside
    ``i18n.use(lang)`` for the reasons' language)."""
    unknown = [Problem(n, _("unknown parameter")) for n in params if n not in VIEW_PARAMS]
    unused = [
        Problem(n, _("not used by this address"))
        for n in params
        if n in VIEW_PARAMS and n not in allowed
    ]
    known = {n: v for n, v in params.items() if n in allowed}
    view, notes = links.parse(known, now=now)
    problems = [*unknown, *unused, *(Problem(n.param, n.reason) for n in notes)]
    if problems:
        raise BadRequestError(problems)
    return view


def bad_request(problems: Sequence[Problem]) -> JSONResponse:
    """``400`` with a JSON body naming each bad parameter and why::

    {"error": "bad-parameters", "message": "...", "parameters": [{"name": "from", "reason": "..."}]}
    """
    return JSONResponse(
        {
            "error": "bad-parameters",
            "message": _("The query has parameters this address cannot use."),
            "parameters": [{"name": p.name, "reason": p.reason} for p in problems],
        },
        status_code=400,
        headers={"Cache-Control": "no-store"},
    )


# -- the page's data ------------------------------------------------------------------------------
#: Streamlit's caches warn of a "missing ScriptRunContext" in any thread outside a page run;
#: a route reads the page's cached frames in the server's worker threads, where it is expected.
_CONTEXT_LOGGER: Final = "streamlit.runtime.scriptrunner_utils.script_run_context"


class _RouteThreads(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "missing ScriptRunContext" not in record.getMessage()


logging.getLogger(_CONTEXT_LOGGER).addFilter(_RouteThreads())


def store() -> Store:
    """The configured store, the page's own (one per URL and process)."""
    from dashboard.ui import data

    return data.store()


def _frames(asof: datetime | None) -> tuple[pd.DataFrame, Evidence]:
    from dashboard.ui import data, evidence

    frame = data.incidents_asof(asof) if asof else data.incidents()
    return frame, evidence.load(asof)


def incidents(asof: datetime | None) -> pd.DataFrame:
    """Every stored incident (live, or at ``asof``), annotated with its evidence as the page's
    are: the page's own cached frame (shared: do not modify it in place)."""
    frame, shown = _frames(asof)
    return annotate(frame, shown)


def evidence(asof: datetime | None) -> Evidence:
    """The stored evidence (live, or at ``asof``): the page's own cached copy."""
    return _frames(asof)[1]


def mandate_events() -> pd.DataFrame:
    from dashboard.ui import data

    return data.mandate_events()


def screen(view: View, *, today: date | None = None) -> Screen:
    """What the Monitor page shows for ``view`` (the page's own assembly over its own frames);
    :class:`BadRequestError` for weapons or districts the data lacks, which the page would drop."""
    shown = assemble(
        view,
        load=incidents,
        events=mandate_events(),
        today=today or datetime.now(UTC).date(),
    )
    missing = [Problem(n.param, n.reason) for n in shown.notes if n.param != "incident"]
    if missing:
        raise BadRequestError(missing)
    return shown


def rows(view: View) -> pd.DataFrame:
    """The incidents the page's figures, chart and table count for ``view``."""
    return screen(view).in_view


# -- validators -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Version:
    """Which stored state an answer shows: a validator's input, read before any data is."""

    #: ``live:<history>:<evidence>:<day>`` or ``batch:<id>``.
    key: str
    #: Whether the state can never change (a settled ``asof``): kept for good.
    immutable: bool


def data_version(asof: datetime | None, *, now: datetime) -> Version:
    """The stored state a view shows: live data by the store's data version, its evidence
    version and the day (the mandate's count of days moves with it), or the batch an ``asof``
    resolves to. Two cheap queries; no incident is read."""
    current = store()
    if asof is None:
        return Version(
            f"live:{current.data_version()}:{current.evidence_version()}:{now.date()}", False
        )
    return Version(f"batch:{current.last_batch_at(asof)}", now - asof >= SETTLED)


def etag(route: str, view: View, version: Version, lang: str) -> str:
    """A strong validator for one route's answer to one view of one stored state: the canonical
    query (equivalent queries share it), the language, the state and :data:`FORMAT`."""
    text = "\n".join((FORMAT, route, links.query_string(view), lang, version.key))
    return '"' + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + '"'


#: Live answers are revalidated on every use (cheap: a 304 reads no incident).
REVALIDATE: Final = "public, no-cache"
#: A settled ``asof`` answer never changes.
IMMUTABLE: Final = "public, max-age=31536000, immutable"


def cache_control(version: Version) -> str:
    return IMMUTABLE if version.immutable else REVALIDATE


def not_modified(request: Request, tag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``tag`` (or ``*``)."""
    given = request.headers.get("if-none-match")
    if given is None:
        return False
    tags = {t.strip().removeprefix("W/") for t in given.split(",")}
    return "*" in tags or tag in tags
