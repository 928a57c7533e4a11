"""The read API's routes (``/api/v1/``): a view's incidents as CSV, GeoJSON or JSON, one
incident with its evidence and history, the panel's status, the OpenAPI document and its page.

Every route reads, through :mod:`dashboard.api.views`, what the Monitor page shows for the same
link; none writes (Starlette answers any method but GET and HEAD with ``405``). Each answer
carries an ``ETag`` built from the stored state before any incident is read, so a repeated
request costs two small queries and a ``304``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

import numpy as np
import pandas as pd
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from dashboard.api import docs, views
from dashboard.api.limits import TokenBucket, client_key
from dashboard.core import export, i18n, links
from dashboard.core.errors import StoreUnavailableError
from dashboard.core.evidence import incident_sources
from dashboard.core.figures import Tally
from dashboard.core.i18n import _
from dashboard.core.records import is_missing
from dashboard.core.schema import TEMPLATE_COLUMNS
from dashboard.core.text import neutralise
from dashboard.core.view import View

LOG = logging.getLogger("dashboard.api")

#: ASGI's shapes, as the server's middlewares use them.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]
ASGIApp = Callable[[Scope, Receive, Send], Any]
#: What a buffering middleware does with a whole response: its start message and its body.
Finish = Callable[[Message, bytes], Awaitable[None]]


async def buffered(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, finish: Finish
) -> None:
    """Run ``app`` and hand its whole response (the start message and the joined body) to
    ``finish``, which sends it on; any other message goes straight to ``send``."""
    start: Message = {}
    body: list[bytes] = []

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))
            if not message.get("more_body", False):
                await finish(start, b"".join(body))
        else:
            await send(message)

    await app(scope, receive, capture)


#: Where the API lives, under the app's base path.
PREFIX: Final = "/api/v1"
#: What a single incident and the status accept besides the common parameters.
ASOF_ONLY: Final = views.COMMON | {"asof"}

CSV: Final = "text/csv; charset=utf-8"
GEOJSON: Final = "application/geo+json"
JSON: Final = "application/json"


@dataclass(frozen=True)
class Asked:
    """A request read: its view, language, validator and cache policy."""

    view: View
    lang: str
    version: views.Version
    tag: str

    def headers(self) -> dict[str, str]:
        return {
            "ETag": self.tag,
            "Cache-Control": views.cache_control(self.version),
            "Vary": "Accept-Language",
        }


class NotFoundError(Exception):
    """The route names something the store does not hold (at the view's moment)."""


#: Builds an answer's body (text pieces, or one JSON document) for a read request.
Body = Callable[[Asked, Request], Iterable[str] | Mapping[str, Any] | bytes]


class Api:
    """The routes, sharing one rate limit (injected, so tests can give their own clock)."""

    def __init__(self, limit: TokenBucket | None = None) -> None:
        self.limit = limit or TokenBucket()

    def routes(self, base: str = "") -> list[BaseRoute]:
        prefix = base + PREFIX
        read = self.read
        return [
            Route(f"{prefix}/incidents.csv", read("incidents.csv", CSV, csv_body)),
            Route(f"{prefix}/incidents.geojson", read("incidents.geojson", GEOJSON, geo_body)),
            Route(f"{prefix}/incidents.json", read("incidents.json", JSON, json_body)),
            Route(
                f"{prefix}/incidents/{{incident_id}}.json",
                read("incident.json", JSON, incident_body, ASOF_ONLY),
            ),
            Route(f"{prefix}/status.json", read("status.json", JSON, status_body)),
            Route(f"{prefix}/openapi.json", self.fixed(lambda _r: docs.openapi(prefix))),
            Route(
                f"{prefix}/",
                self.fixed(
                    lambda r: docs.page(prefix, views.request_language(views.query_lists(r), r)),
                    html=True,
                ),
            ),
        ]

    def limited(self, request: Request) -> Response | None:
        """``429`` when the client has used its share, else None."""
        wait = self.limit.take(client_key(request))
        if wait <= 0:
            return None
        return JSONResponse(
            {"error": "rate-limited", "message": _("Too many requests: try again shortly.")},
            status_code=429,
            headers={"Retry-After": str(max(1, round(wait))), "Cache-Control": "no-store"},
        )

    def read(
        self,
        route: str,
        media_type: str,
        body: Body,
        allowed: frozenset[str] = views.VIEW_PARAMS,
    ) -> Callable[[Request], Response]:
        """The endpoint answering ``route`` for a view: 400, 304, 404, 429, 503 or the body."""

        def endpoint(request: Request) -> Response:
            params = views.query_lists(request)
            lang = views.request_language(params, request)
            now = datetime.now(UTC)
            with i18n.use(lang):
                refused = self.limited(request)
                if refused is not None:
                    return refused
                try:
                    view = views.parse_view(params, now=now, allowed=allowed)
                    version = views.data_version(view.asof, now=now)
                    path = request.path_params.get("incident_id", "")
                    asked = Asked(
                        view, lang, version, views.etag(route + path, view, version, lang)
                    )
                    if views.not_modified(request, asked.tag):
                        return Response(status_code=304, headers=asked.headers())
                    content = body(asked, request)
                except views.BadRequestError as exc:
                    return views.bad_request(exc.problems)
                except NotFoundError as exc:
                    return JSONResponse(
                        {"error": "not-found", "message": str(exc)},
                        status_code=404,
                        headers={"Cache-Control": "no-store"},
                    )
                except StoreUnavailableError as exc:
                    LOG.warning("%s", exc)  # names the database host: the log, not the client
                    return unavailable()
            if request.method == "HEAD":
                return Response(media_type=media_type, headers=asked.headers())
            if isinstance(content, bytes):
                return Response(content, media_type=media_type, headers=asked.headers())
            if isinstance(content, Mapping):
                return Response(
                    json.dumps(content, ensure_ascii=False),
                    media_type=media_type,
                    headers=asked.headers(),
                )
            return StreamingResponse(
                (piece.encode("utf-8") for piece in content),
                media_type=media_type,
                headers=asked.headers(),
            )

        return endpoint

    def fixed(
        self, build: Callable[[Request], Mapping[str, Any] | str], html: bool = False
    ) -> Callable[[Request], Response]:
        """An endpoint answering a document that depends on no data (the spec, its page)."""

        def endpoint(request: Request) -> Response:
            lang = views.request_language(views.query_lists(request), request)
            with i18n.use(lang):
                refused = self.limited(request)
                if refused is not None:
                    return refused
                content = build(request)
            headers = {"Cache-Control": "public, max-age=3600", "Vary": "Accept-Language"}
            if html:
                return Response(str(content), media_type="text/html", headers=headers)
            return JSONResponse(content, headers=headers)

        return endpoint


def unavailable() -> Response:
    return JSONResponse(
        {"error": "store-unavailable", "message": _("The incident store cannot be reached.")},
        status_code=503,
        headers={"Retry-After": "5", "Cache-Control": "no-store"},
    )


# -- bodies ---------------------------------------------------------------------------------------
def csv_body(asked: Asked, _request: Request) -> Iterator[str]:
    """The view's incidents as the page's CSV export writes them, streamed in pieces."""
    return export.csv_chunks(views.rows(asked.view))


def geo_body(asked: Asked, _request: Request) -> Iterator[str]:
    """The view's incidents as the page's GeoJSON export writes them, streamed in pieces."""
    return export.geojson_chunks(views.rows(asked.view))


def _record(feature: Mapping[str, Any]) -> dict[str, object]:
    """A GeoJSON feature as a flat record: the template's fields in order, then the evidence."""
    properties = feature["properties"]
    longitude, latitude = feature["geometry"]["coordinates"]
    place = {"latitude": latitude, "longitude": longitude}
    record = {c: place[c] if c in place else properties[c] for c in TEMPLATE_COLUMNS}
    return {**record, **{c: v for c, v in properties.items() if c not in record}}


def json_body(asked: Asked, _request: Request) -> Iterator[str]:
    """``{"query", "data_version", "count", "incidents": [...]}``: the view's incidents as flat
    records (the GeoJSON export's values), streamed in pieces. The rows are read before the
    answer starts, so a bad weapon or district is still a 400."""
    frame = views.rows(asked.view)
    head = {
        "query": links.to_params(asked.view),
        "data_version": asked.version.key,
        "count": len(frame),
    }
    return _json_pieces(head, frame)


def _json_pieces(head: Mapping[str, object], frame: pd.DataFrame) -> Iterator[str]:
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "incidents": ['
    for start in range(0, len(frame), export.CHUNK_ROWS):
        chunk = frame.iloc[start : start + export.CHUNK_ROWS]
        lines = (json.dumps(_record(f), ensure_ascii=False) for f in export.features(chunk))
        yield ("\n" if start == 0 else ",\n") + ",\n".join(lines)
    yield "\n]}\n"


def _plain(value: object) -> object:
    """A stored value as JSON: missing as null, dates as ISO text, text neutralised."""
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp | date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    return neutralise(value) if isinstance(value, str) else value


def _rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Evidence rows as JSON objects; its date columns as days (``2024-05-01``)."""
    days = {
        c: frame[c].dt.strftime("%Y-%m-%d")
        for c in frame.columns
        if pd.api.types.is_datetime64_any_dtype(frame[c])
    }
    frame = frame.assign(**days)
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _history_value(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _history_value(v) for k, v in value.items()}
    return _plain(value)


def incident_body(asked: Asked, request: Request) -> Mapping[str, Any]:
    """One incident (live or at ``asof``) with its sources, examinations, the component origins
    those found, and every stored change of it up to the view's moment."""
    wanted = str(request.path_params["incident_id"])
    everything = views.incidents(asked.view.asof)
    found = everything[(everything["incident_id"] == wanted).to_numpy(dtype=bool)]
    if found.empty:
        raise NotFoundError(_("No incident {id} is stored.").format(id=links.show(wanted)))
    row = found.iloc[0]
    evidence = views.evidence(asked.view.asof).for_incidents([wanted])
    batch = None if asked.view.asof is None else views.store().last_batch_at(asked.view.asof)
    history = [
        {
            "batch_id": change["batch_id"],
            "recorded_at": _plain(change["recorded_at"]),
            "before": _history_value(change["before"]),
            "after": _history_value(change["after"]),
        }
        for change in views.store().incident_log(wanted)
        if batch is None or change["batch_id"] <= batch
    ]
    return {
        "data_version": asked.version.key,
        "incident": _record(next(export.features(found.iloc[:1]))),
        "sources": _rows(incident_sources(row.to_dict(), evidence)),
        "examinations": _rows(evidence.examinations),
        "component_origins": _rows(evidence.origins),
        "history": history,
    }


def _tally(tally: Tally) -> dict[str, object]:
    """A casualty sum as the source gives it: null when no incident reports a figure."""
    return {
        "reported_sum": None if tally.unknown else tally.reported,
        "incidents_not_reporting": tally.unreported,
    }


def status_body(asked: Asked, _request: Request) -> Mapping[str, Any]:
    """The panel's mandate status on the view's day and the view's headline figures, as the
    page computes them (its own assembly)."""
    screen = views.screen(asked.view)
    mandate, figures = screen.mandate, screen.figures
    day = asked.view.asof.date() if asked.view.asof else datetime.now(UTC).date()
    return {
        "query": links.to_params(asked.view),
        "data_version": asked.version.key,
        "day": day.isoformat(),
        "mandate": {
            "active": mandate.active,
            "mandate_end": mandate.mandate_end.isoformat(),
            "veto": _plain(mandate.veto),
            "successor": mandate.successor,
            "successor_since": _plain(mandate.successor_since),
            "latest_successor_report": mandate.latest_successor_report,
            "latest_successor_report_date": _plain(mandate.latest_successor_report_date),
            "headline": mandate.headline,
            "facts": mandate.facts(),
        },
        "monitoring_gap": {
            "days_without_un_panel": mandate.days_since_expiry,
            "incidents_since_expiry": figures.since_expiry,
        },
        "figures": {
            "incidents": figures.incidents,
            "confirmed": figures.confirmed,
            "killed": _tally(figures.killed),
            "injured": _tally(figures.injured),
        },
        "empty": None if screen.empty is None else str(screen.empty),
    }


def routes(base: str = "", limit: TokenBucket | None = None) -> list[BaseRoute]:
    """The read API's routes under ``<base>/api/v1/``."""
    return Api(limit).routes(base)
