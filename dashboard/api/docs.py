"""The read API described: its OpenAPI document (English, for programs and their authors) and a
short page listing the addresses, built by the one autoescaping Jinja environment
(:func:`dashboard.core.text.html_page`)."""

from __future__ import annotations

from typing import Any, Final

from dashboard.api import views
from dashboard.core import i18n, links
from dashboard.core.i18n import N_, _
from dashboard.core.links import PARAMS
from dashboard.core.schema import STATUSES

#: Each link parameter a view route reads, and what it does (as the README's "Links" says).
PARAMETERS: Final[tuple[tuple[str, str, dict[str, Any], bool], ...]] = (
    (
        "from",
        "First day, YYYY-MM-DD (an incident counts when its day or month overlaps).",
        {"type": "string", "format": "date"},
        False,
    ),
    ("to", "Last day, YYYY-MM-DD.", {"type": "string", "format": "date"}, False),
    (
        "status",
        "Attribution status; repeat for several.",
        {"type": "array", "items": {"type": "string", "enum": list(STATUSES)}},
        True,
    ),
    (
        "weapon",
        "Weapon class as the page's filter offers it; repeat for several.",
        {"type": "array", "items": {"type": "string"}},
        True,
    ),
    (
        "district",
        "District, or '(no district)'; repeat for several.",
        {"type": "array", "items": {"type": "string"}},
        True,
    ),
    (
        "q",
        "Free-text search (folded: case, spacing, punctuation and Cyrillic/Latin ignored).",
        {"type": "string", "maxLength": 200},
        False,
    ),
    (
        "examined",
        "1: only incidents whose debris was examined.",
        {"type": "string", "enum": ["0", "1"]},
        False,
    ),
    (
        "asof",
        "The data as the store held it at this ISO moment (UTC if no offset).",
        {"type": "string", "format": "date-time"},
        False,
    ),
    (
        "lang",
        "Language of messages and the status's sentences.",
        {"type": "string", "enum": list(i18n.LANGUAGES)},
        False,
    ),
    ("v", "Link format version.", {"type": "string", "enum": ["1"]}, False),
)
#: Link parameters that only place or dress the page: accepted, changing nothing here.
PRESENTATION_NOTE: Final = (
    "The link's other parameters ("
    + ", ".join(sorted(views.PRESENTATION | links.STREAMLIT_PARAMS))
    + ") are accepted and change nothing; any other name is a 400."
)

#: The addresses, and what each answers (shown on the page in the reader's language).
ADDRESSES: Final = (
    ("incidents.csv", N_("The view's incidents as CSV, as the page's export writes them.")),
    ("incidents.geojson", N_("The view's incidents as GeoJSON points.")),
    ("incidents.json", N_("The view's incidents as JSON records, with their count.")),
    ("incidents/{id}.json", N_("One incident with its sources, examinations and history.")),
    (
        "status.json",
        N_("The UN panel's mandate status, the monitoring gap and the view's figures."),
    ),
    ("openapi.json", N_("This API described for programs (OpenAPI 3.1).")),
)


def _parameter(name: str, text: str, schema: dict[str, Any], repeated: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "in": "query", "description": text, "schema": schema}
    if repeated:
        spec |= {"style": "form", "explode": True}
    return spec


def _errors() -> dict[str, Any]:
    problem = {
        "type": "object",
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "parameters": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "reason": {"type": "string"}},
                },
            },
        },
    }
    content = {"application/json": {"schema": problem}}
    return {
        "304": {"description": "Not modified (If-None-Match named the current ETag)."},
        "400": {"description": "Bad parameters, each named with its reason.", "content": content},
        "429": {
            "description": "Too many requests from this client (see Retry-After).",
            "content": content,
        },
        "503": {
            "description": "The store cannot be reached (see Retry-After).",
            "content": content,
        },
    }


def openapi(prefix: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the read API served under ``prefix``."""
    view = [_parameter(*p) for p in PARAMETERS]
    asof_only = [_parameter(*p) for p in PARAMETERS if p[0] in ("asof", "lang", "v")]
    errors = _errors()

    def read(summary: str, media: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "get": {
                "summary": summary,
                "description": PRESENTATION_NOTE if parameters is view else summary,
                "parameters": parameters,
                "responses": {
                    "200": {
                        "description": "OK. ETag and Cache-Control set; a settled asof is "
                        "immutable.",
                        "content": {media: {}},
                    },
                    **errors,
                },
            }
        }

    incident = read("One incident with its evidence and history.", "application/json", asof_only)
    incident["get"]["parameters"] = [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
        *asof_only,
    ]
    incident["get"]["responses"]["404"] = {"description": "No such incident (at asof)."}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "DPRK-origin missile strikes on Ukraine: read API",
            "version": "1",
            "description": "The Monitor page's views, read-only. Every view parameter is a "
            "link parameter (" + ", ".join(PARAMS) + "), read exactly as a link.",
        },
        "servers": [{"url": prefix}],
        "paths": {
            "/incidents.csv": read(
                "The view's incidents as CSV (formula cells neutralised).", "text/csv", view
            ),
            "/incidents.geojson": read(
                "The view's incidents as a GeoJSON FeatureCollection.", "application/geo+json", view
            ),
            "/incidents.json": read(
                "The view's incidents as JSON records.", "application/json", view
            ),
            "/incidents/{id}.json": incident,
            "/status.json": read(
                "The panel's mandate status, the monitoring gap and the view's headline figures.",
                "application/json",
                view,
            ),
            "/openapi.json": {
                "get": {"summary": "This document.", "responses": {"200": {"description": "OK."}}}
            },
        },
    }


_PAGE: Final = """<!doctype html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 48em; margin: 2em auto; padding: 0 1em">
<h1>{{ title }}</h1>
<p>{{ intro }}</p>
<table>
{% for path, text in addresses %}<tr>
<td><a href="{{ prefix }}/{{ path }}"><code>{{ prefix }}/{{ path }}</code></a></td>
<td>{{ text }}</td></tr>
{% endfor %}</table>
<p>{{ rules }}</p>
<p>{{ example_label }} <a href="{{ example }}"><code>{{ example }}</code></a></p>
</body>
</html>
"""


def page(prefix: str, lang: str) -> str:
    """The short page documenting the API, in ``lang`` (every value escaped by the template)."""
    from dashboard.core.text import html_page

    example = f"{prefix}/incidents.csv?from=2024-01-01&to=2024-03-31&status=confirmed"
    return html_page(_PAGE).render(
        lang=lang,
        title=_("Read API"),
        intro=_(
            "Every address takes the parameters of a shared link (from, to, status, weapon, "
            "district, examined, q, asof) and answers the incidents the Monitor page shows "
            "for that link. Nothing here changes data."
        ),
        addresses=[(path, _(text)) for path, text in ADDRESSES],
        prefix=prefix,
        rules=_(
            "A parameter the address cannot use gives an error (400) naming it. Answers carry "
            "an ETag: ask again with If-None-Match to get 304 while the data is unchanged."
        ),
        example_label=_("Example:"),
        example=example,
    )
