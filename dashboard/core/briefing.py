"""The briefing: one self-contained HTML file of a view, for readers without access to the app.

It holds the headline figures, an interactive map (Leaflet and its plugins inlined, so it opens
from disk with no server and no internet), the incident table with sources, the mandate status and
timeline, the filters used, the link to the view and when it was made. Every data string is
HTML-escaped; the map is its own document in an ``<iframe srcdoc>``, its payload embedded (the
binary part in base64, the details as JSON by :func:`dashboard.core.maps.script_json`, inert as
HTML and as a Jinja template) and drawn with ``textContent``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from dashboard.core.aggregates import AGGREGATE_COLUMNS, as_of_text, label
from dashboard.core.dates import date_text
from dashboard.core.evidence import PROVISIONS, Evidence, incident_sources, parts_summary
from dashboard.core.figures import Headline
from dashboard.core.links import format_asof
from dashboard.core.mandate import MandateStatus
from dashboard.core.mapassets import INLINE_PREFIX, AssetUrls, inline
from dashboard.core.maps import standalone_map
from dashboard.core.records import is_missing
from dashboard.core.schema import PRECISIONS, shown_in
from dashboard.core.shown import COUNT_COLUMNS
from dashboard.core.text import count_text, safe_url
from dashboard.core.view import View

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;
color:#1b1b1b}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .4em}
.meta{color:#555;font-size:.9em}.figures{display:flex;gap:12px;flex-wrap:wrap}
.figure{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:150px}
.figure b{display:block;font-size:1.5em}
table{border-collapse:collapse;width:100%;font-size:.88em}
th,td{border-bottom:1px solid #e3e3e3;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}iframe.map{width:100%;height:560px;border:1px solid #ccc}
.expired{color:#b2182b;font-weight:bold}code{word-break:break-all}
"""


@dataclass(frozen=True)
class Briefing:
    """Everything a briefing shows, as the app computed it for the view."""

    incidents: pd.DataFrame
    figures: Headline
    mandate: MandateStatus
    events: pd.DataFrame
    state: View
    link: str
    generated_at: datetime
    map_view: tuple[float, float, int]
    tiles: str | None = None
    tiles_attribution: str = ""
    #: The evidence of the incidents in view (their sources, examinations, component origins).
    evidence: Evidence = field(default_factory=Evidence.empty)
    #: What officials have counted (:func:`dashboard.core.aggregates.load_aggregates`).
    counts: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=[c.name for c in AGGREGATE_COLUMNS])
    )


def _text(value: object) -> str:
    """A cell as escaped text; missing values are empty."""
    if is_missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return html.escape(str(value))


def _link(url: object, title: object = None) -> str:
    """An escaped link when ``url`` is http(s), else the escaped title or URL as text."""
    label = _text(title) or _text(url)
    href = safe_url(url)
    if href is None:
        return label
    return f'<a href="{html.escape(href, quote=True)}" rel="noopener noreferrer">{label}</a>'


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def filter_lines(state: View) -> list[tuple[str, str]]:
    """The view's filters as (label, value) text, "any" where unrestricted."""
    return [
        ("From", state.filters.date_from.isoformat() if state.filters.date_from else "any"),
        ("To", state.filters.date_to.isoformat() if state.filters.date_to else "any"),
        ("Attribution status", ", ".join(state.filters.statuses) or "any"),
        ("Weapon", ", ".join(state.filters.weapons) or "any"),
        ("District", ", ".join(state.filters.districts) or "any"),
        ("Search", state.filters.q or "none"),
        ("Examined only", "yes" if state.filters.examined else "no"),
        ("Selected incident", state.incident or "none"),
        ("Map layer", state.layer),
        ("Data", f"as the store held it at {format_asof(state.asof)}" if state.asof else "live"),
    ]


#: Reads a map asset by its path under the vendor folder (:func:`dashboard.assets.read_asset`).
AssetReader = Callable[[str], str]


def map_document(brief: Briefing, asset_text: AssetReader) -> str:
    """The map as a complete HTML document with every script and style inlined."""
    fmap = standalone_map(
        brief.incidents,
        AssetUrls(INLINE_PREFIX),
        brief.tiles,
        layer=brief.state.layer,
        attribution=brief.tiles_attribution,
        selected=brief.state.incident,
    )
    lat, lon, zoom = brief.map_view
    fmap.location = [lat, lon]
    fmap.options["zoom"] = zoom
    return inline(fmap.get_root().render(), asset_text)


def _cell(column: str, row: Mapping[Hashable, object]) -> str:
    """One incident cell as HTML: the date as far as known, an unknown count as "not reported",
    the place with its district, the precision in words, the source as a link; any other column
    as escaped text."""
    if column == "date":
        return html.escape(date_text(row["date"], row["date_precision"]))
    if column in COUNT_COLUMNS:
        return html.escape(count_text(row[column]))
    if column == "location":
        district = row["district"]
        return _text(row["location"]) + (f" ({_text(district)})" if district else "")
    if column == "geo_precision":
        value = row["geo_precision"]
        return "" if is_missing(value) else html.escape(PRECISIONS.get(int(value), ""))  # type: ignore[call-overload]
    if column == "source_title":
        return _link(row["source_url"], row["source_title"])
    return _text(row[column])


def _incident_rows(frame: pd.DataFrame) -> Iterable[list[str]]:
    """The briefing's incident table rows, in the columns declared for the briefing."""
    columns = [c.name for c in shown_in("briefing")]
    for row in frame.to_dict("records"):
        yield [_cell(column, row) for column in columns]


def _mandate_section(mandate: MandateStatus, events: pd.DataFrame) -> str:
    lines = [
        f'<p class="{"" if mandate.active else "expired"}">{html.escape(mandate.headline)}</p>'
    ]
    facts = [html.escape(fact) for fact in mandate.facts()]
    if facts:
        lines.append("<ul>" + "".join(f"<li>{f}</li>" for f in facts) + "</ul>")
    rows = (
        [
            _text(e["date"]),
            _text(e["kind"]),
            _text(e["event"]),
            _text(e["mandate_until"]),
            _link(e["source"]),
            _text(e.get("corroborated_by")),
            _text(e["grade"]),
        ]
        for e in events.to_dict("records")
    )
    lines.append(
        _table(["Date", "Kind", "Event", "Mandate until", "Source", "Also", "Grade"], rows)
    )
    return "\n".join(lines)


def _evidence_section(incidents: pd.DataFrame, evidence: Evidence) -> str:
    """Every source of the incidents in view, and where the examined missiles' parts came from,
    each figure with its source: escaped text and tables, no script."""
    rows = [
        [
            _text(incident["incident_id"]),
            _link(source["url"], source["title"]),
            _text(source["publisher"]),
            _text(source["published"]),
            _text(source["says"]),
            _text(source["grade"]),
        ]
        for incident in incidents.to_dict("records")
        for source in incident_sources(incident, evidence).to_dict("records")
    ]
    lines = [
        "<h3>Sources</h3>",
        _table(["Incident", "Source", "Publisher", "Published", "What it says", "Grade"], rows),
        "<h3>Where the parts came from</h3>",
    ]
    summary = parts_summary(evidence.for_incidents(set(incidents["incident_id"])))
    if summary.empty:
        lines.append("<p>No incident in view has a debris examination.</p>")
        return "\n".join(lines)
    facts = [*summary.components, *summary.years, *summary.unshared]
    lines.append(
        "<ul>"
        + "".join(
            f"<li>{html.escape(f.value)} ({html.escape(f.source)}, grade {html.escape(f.grade)})"
            "</li>"
            for f in facts
        )
        + "</ul>"
    )
    lines.append(
        _table(
            ["Examination", "Examined by", "Country", "Share (%)", "Source", "Grade"],
            ([_text(v) for v in share] for share in summary.shares.values.tolist()),
        )
    )
    lines.append(
        _table(
            ["Manufacturer", "Country", "Examination", "Source", "Grade"],
            ([_text(v) for v in maker] for maker in summary.manufacturers.values.tolist()),
        )
    )
    lines.append(
        "<p>Provisions that bear on it:</p><ul>"
        + "".join(
            f"<li><b>{html.escape(name)}</b>: {html.escape(text)}</li>" for name, text in PROVISIONS
        )
        + "</ul>"
    )
    return "\n".join(lines)


def _counts_section(counts: pd.DataFrame) -> str:
    """Officials' dated counts, each with its source and grade: a table of its own, never added
    to the incident figures."""
    if counts.empty:
        return "<p>No official count is recorded.</p>"
    rows = (
        [
            html.escape(as_of_text(str(c["as_of"]))),
            _text(label(c)),
            _text(c["what"]),
            _link(c["source_url"], c["source_title"]),
            _text(c["grade"]),
        ]
        for c in counts.to_dict("records")
    )
    return (
        "<p>Dated statements of how many DPRK missiles were launched, as each source gave them "
        "(≥ at least, ≈ about): the scale officials quote, not incidents, and not added to the "
        "incident figures above.</p>"
        + _table(["As of", "Count", "Statement", "Source", "Grade"], rows)
    )


def render(brief: Briefing, *, asset_text: AssetReader) -> str:
    """The briefing as one HTML document (UTF-8 text); ``asset_text`` reads the map's scripts and
    styles, which the page carries inline so it opens from disk."""
    figures = brief.figures
    boxes = [
        ("Incidents in view", f"{figures.incidents:,}"),
        ("Confirmed by an independent monitor", f"{figures.confirmed:,}"),
        ("Killed · injured", figures.casualties),
        ("UN Panel of Experts", "Active" if brief.mandate.active else "Expired"),
        ("Incidents since expiry", f"{figures.since_expiry:,}"),
    ]
    figure_html = "".join(
        f'<div class="figure">{html.escape(label)}<b>{html.escape(value)}</b></div>'
        for label, value in boxes
    )
    filters = "".join(
        f"<li>{html.escape(label)}: {html.escape(value)}</li>"
        for label, value in filter_lines(brief.state)
    )
    generated = format_asof(brief.generated_at)
    incidents = _table(
        [c.label for c in shown_in("briefing")],
        _incident_rows(brief.incidents),
    )
    link = _link(brief.link) or html.escape(brief.link)
    map_html = html.escape(map_document(brief, asset_text), quote=True)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Briefing: DPRK-origin missile strikes on Ukraine ({html.escape(generated)})</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>DPRK-origin missile strikes on Ukraine, and who still watches</h1>
<p class="meta">Briefing generated {html.escape(generated)} ·
data {"as of " + html.escape(format_asof(brief.state.asof)) if brief.state.asof else "live"}
· <span id="view-link">view: {link}</span></p>
<div class="figures">{figure_html}</div>
<p>{html.escape(brief.mandate.headline)}</p>
<h2>Filters used</h2>
<ul id="filters">{filters}</ul>
<h2>Map</h2>
<iframe class="map" title="Incident map" srcdoc="{map_html}">
</iframe>
<h2>Incidents ({figures.incidents:,})</h2>
<div id="incidents">{incidents}</div>
<h2>What officials have counted</h2>
<div id="official-counts">{_counts_section(brief.counts)}</div>
<h2>Evidence</h2>
<div id="evidence">{_evidence_section(brief.incidents, brief.evidence)}</div>
<h2>UN Panel of Experts (1718 Committee)</h2>
<div id="mandate">{_mandate_section(brief.mandate, brief.events)}</div>
<p class="meta">Data © their sources as named in each row. Map data © OpenStreetMap
contributors. Leaflet, supercluster, Leaflet.heat, leaflet.fullscreen and jQuery are
included under their licences (MIT/BSD/ISC).</p>
</body>
</html>
"""
