"""The briefing: one self-contained HTML file of a view, for readers without access to the app.

It holds the headline figures, an interactive map (Leaflet and its plugins inlined, so it opens
from disk with no server and no internet), the incident table with sources, the mandate status and
timeline, the filters used, the link to the view and when it was made, in the language in force
(labels translated; data as its source wrote it).

The page is one template of the code (:data:`_PAGE`), compiled once by
:func:`dashboard.core.text.html_page`, which escapes every value passed to it: data reaches it
only as variables, never as template source. The map is its own document in an
``<iframe srcdoc>`` (escaped as an attribute like any value), its payload embedded (the binary
part in base64, the details as JSON by :func:`dashboard.core.maps.script_json`, inert as HTML and
as a Jinja template) and drawn with ``textContent``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

import numpy as np
import pandas as pd

from dashboard.core import places
from dashboard.core.aggregates import AGGREGATE_COLUMNS, as_of_text, label
from dashboard.core.dates import DAY, date_text
from dashboard.core.evidence import PROVISIONS, Evidence, incidents_sources, parts_summary
from dashboard.core.figures import Headline
from dashboard.core.filters import NO_DISTRICT
from dashboard.core.geometry import AGGREGATE_ABOVE
from dashboard.core.i18n import _, language, number, use
from dashboard.core.links import format_asof
from dashboard.core.mandate import MandateStatus
from dashboard.core.mapassets import INLINE_PREFIX, AssetUrls, inline
from dashboard.core.maps import layer_name, standalone_map
from dashboard.core.records import is_missing
from dashboard.core.schema import PRECISIONS, shown_in
from dashboard.core.shown import COUNT_COLUMNS, status_name
from dashboard.core.text import count_text, html_page, safe_url
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


class Cell(NamedTuple):
    """One table cell: its text, and the address it links to (http(s) only), if any."""

    text: str
    href: str | None = None


class Table(NamedTuple):
    """A table's column labels and its rows of cells."""

    headers: list[str]
    rows: list[list[Cell]]


def _text(value: object) -> str:
    """A cell's text; missing values are empty, a timestamp is its day."""
    if is_missing(value):
        return ""
    if isinstance(value, date):  # a pandas Timestamp too
        return date_text(value, DAY)
    return str(value)


def _link(url: object, title: object = None) -> Cell:
    """A link when ``url`` is http(s), else the title (or the URL) as text."""
    return Cell(_text(title) or _text(url), safe_url(url))


def _plain(*values: object) -> list[Cell]:
    return [Cell(_text(v)) for v in values]


def _day_text(value: date | None, empty: str) -> str:
    return date_text(value, DAY) if value else empty


def _district(district: str) -> str:
    """A district filter's value as the page names it: in its language, "(no district)" too."""
    return _(NO_DISTRICT) if district == NO_DISTRICT else places.name(district)


def filter_lines(state: View) -> list[tuple[str, str]]:
    """The view's filters as (label, value) text, "any" where unrestricted."""
    anything, nothing = _("any"), _("none")
    filters = state.filters
    return [
        (_("From"), _day_text(filters.date_from, anything)),
        (_("To"), _day_text(filters.date_to, anything)),
        (_("Attribution status"), ", ".join(map(status_name, filters.statuses)) or anything),
        (_("Weapon"), ", ".join(_(weapon) for weapon in filters.weapons) or anything),
        (_("District"), ", ".join(map(_district, filters.districts)) or anything),
        (_("Search"), filters.q or nothing),
        (_("Examined only"), _("yes") if filters.examined else _("no")),
        (_("Selected incident"), state.incident or nothing),
        (_("Map layer"), layer_name(state.layer)),
        (
            _("Data"),
            _("as the store held it at {when}").format(when=format_asof(state.asof))
            if state.asof
            else _("live"),
        ),
    ]


#: The briefing lists at most this many incidents (the newest in view), and their sources: a
#: document to read and send, not the data (the CSV export has every row). At 100,000 in view
#: the whole list made a 94 MB file in almost five minutes.
LISTED_MAX = 1_000

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
        view=brief.map_view,
    )
    lat, lon, zoom = brief.map_view
    fmap.location = [lat, lon]
    fmap.options["zoom"] = zoom
    return inline(fmap.get_root().render(), asset_text)


def _cell(column: str, row: Mapping[Hashable, object], precisions: Mapping[int, str]) -> Cell:
    """One incident cell: the date as far as known, an unknown count as "not reported", the
    place with its district, the precision in words, the source as a link; any other column as
    its text."""
    if column == "date":
        return Cell(date_text(row["date"], row["date_precision"]))
    if column in COUNT_COLUMNS:
        return Cell(count_text(row[column]))
    if column == "location":
        district = row["district"]
        return Cell(_text(row["location"]) + (f" ({_text(district)})" if district else ""))
    if column == "geo_precision":
        value = row["geo_precision"]
        return Cell("" if is_missing(value) else precisions.get(int(value), ""))  # type: ignore[call-overload]
    if column == "source_title":
        return _link(row["source_url"], row["source_title"])
    return Cell(_text(row[column]))


def _incidents_table(frame: pd.DataFrame) -> Table:
    """The briefing's incident table, in the columns declared for the briefing."""
    columns = shown_in("briefing")
    precisions = {level: _(words) for level, words in PRECISIONS.items()}
    return Table(
        [_(c.label) for c in columns],
        [[_cell(c.name, row, precisions) for c in columns] for row in frame.to_dict("records")],
    )


def _events_table(events: pd.DataFrame) -> Table:
    """The mandate's timeline: each event with its source and grade."""
    return Table(
        [_("Date"), _("Kind"), _("Event"), _("Mandate until"), _("Source"), _("Also"), _("Grade")],
        [
            [
                *_plain(e["date"], e["kind"], e["event"], e["mandate_until"]),
                _link(e["source"]),
                *_plain(e.get("corroborated_by"), e["grade"]),
            ]
            for e in events.to_dict("records")
        ],
    )


def _sources_table(incidents: pd.DataFrame, evidence: Evidence) -> Table:
    """Every source of the incidents in view."""
    return Table(
        [_("Incident"), _("Source"), _("Publisher"), _("Published"), _("What it says"), _("Grade")],
        [
            [
                Cell(_text(source["incident_id"])),
                _link(source["url"], source["title"]),
                *_plain(source["publisher"], source["published"], source["says"], source["grade"]),
            ]
            for source in incidents_sources(incidents.to_dict("records"), evidence).to_dict(
                "records"
            )
        ],
    )


def _parts(incidents: pd.DataFrame, evidence: Evidence) -> dict[str, object] | None:
    """Where the examined missiles' parts came from, each figure with its source; None when no
    incident in view has a debris examination."""
    summary = parts_summary(evidence.for_incidents(set(incidents["incident_id"])))
    if summary.empty:
        return None
    facts = [*summary.components, *summary.years, *summary.unshared]
    return {
        "facts": [
            _("{value} ({source}, grade {grade})").format(
                value=f.value, source=f.source, grade=f.grade
            )
            for f in facts
        ],
        "shares": Table(
            [
                _("Examination"),
                _("Examined by"),
                _("Country"),
                _("Share (%)"),
                _("Source"),
                _("Grade"),
            ],
            [_plain(*share) for share in summary.shares.values.tolist()],
        ),
        "makers": Table(
            [_("Manufacturer"), _("Country"), _("Examination"), _("Source"), _("Grade")],
            [_plain(*maker) for maker in summary.manufacturers.values.tolist()],
        ),
        "provisions": [(name, _(text)) for name, text in PROVISIONS],
    }


def _counts_table(counts: pd.DataFrame) -> Table:
    """Officials' dated counts, each with its source and grade: a table of its own, never added
    to the incident figures."""
    return Table(
        [_("As of"), _("Count"), _("Statement"), _("Source"), _("Grade")],
        [
            [
                Cell(as_of_text(str(c["as_of"]))),
                Cell(_text(label(c))),
                Cell(_text(c["what"])),
                _link(c["source_url"], c["source_title"]),
                Cell(_text(c["grade"])),
            ]
            for c in counts.to_dict("records")
        ],
    )


#: The briefing page. Its words come in as ``words`` (translated by the code, where ``make
#: messages`` finds them), its data as variables: every ``{{ }}`` is escaped on the way out.
_PAGE = """\
{%- macro cell(c) -%}
{%- if c.href -%}<a href="{{ c.href }}" rel="noopener noreferrer">{{ c.text }}</a>
{%- else -%}{{ c.text }}{%- endif -%}
{%- endmacro -%}
{%- macro table(t) -%}
<table><thead><tr>{% for h in t.headers %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{%- for row in t.rows %}<tr>{% for c in row %}<td>{{ cell(c) }}</td>{% endfor %}</tr>{% endfor -%}
</tbody></table>
{%- endmacro -%}
<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ words.title }}</title>
<style>{{ style }}</style>
</head>
<body>
<h1>{{ words.heading }}</h1>
<p class="meta">{{ words.generated }} · {{ words.data }}
· <span id="view-link">{{ words.view }} {{ cell(link) }}</span></p>
<div class="figures">
{%- for name, value in figures %}<div class="figure">{{ name }}<b>{{ value }}</b></div>{% endfor -%}
</div>
<p>{{ mandate.headline }}</p>
<h2>{{ words.filters }}</h2>
<ul id="filters">{% for name, value in filters %}<li>{{ name }}: {{ value }}</li>{% endfor %}</ul>
<h2>{{ words.map }}</h2>
{% if words.binned %}<p id="binned">{{ words.binned }}</p>{% endif %}
<iframe class="map" title="{{ words.map_title }}" srcdoc="{{ map_html }}">
</iframe>
<h2>{{ words.incidents }}</h2>
{% if words.listed %}<p id="listed">{{ words.listed }}</p>{% endif %}
<div id="incidents">{{ table(incidents) }}</div>
<h2>{{ words.counts }}</h2>
<div id="official-counts">
{%- if counts.rows -%}
<p>{{ words.counts_note }}</p>{{ table(counts) }}
{%- else -%}
<p>{{ words.no_counts }}</p>
{%- endif -%}
</div>
<h2>{{ words.evidence }}</h2>
<div id="evidence"><h3>{{ words.sources }}</h3>
{{ table(sources) }}
<h3>{{ words.parts }}</h3>
{% if parts is none -%}
<p>{{ words.no_parts }}</p>
{%- else -%}
<ul>{% for fact in parts.facts %}<li>{{ fact }}</li>{% endfor %}</ul>
{{ table(parts.shares) }}
{{ table(parts.makers) }}
<p>{{ words.provisions }}</p><ul>
{%- for name, text in parts.provisions %}<li><b>{{ name }}</b>: {{ text }}</li>{% endfor -%}
</ul>
{%- endif %}</div>
<h2>{{ words.mandate }}</h2>
<div id="mandate"><p class="{{ '' if mandate.active else 'expired' }}">{{ mandate.headline }}</p>
{% if mandate_facts -%}
<ul>{% for fact in mandate_facts %}<li>{{ fact }}</li>{% endfor %}</ul>
{% endif -%}
{{ table(events) }}</div>
<p class="meta">{{ words.credits }}</p>
</body>
</html>
"""
_TEMPLATE = html_page(_PAGE)


def _words(brief: Briefing, generated: str, in_view: int, older: bool) -> dict[str, str]:
    """The page's own words in the language in force (``older``: the selected incident is
    listed after the newest)."""
    asof = brief.state.asof
    return {
        "title": _("Briefing: DPRK-origin missile strikes on Ukraine ({when})").format(
            when=generated
        ),
        "heading": _("DPRK-origin missile strikes on Ukraine, and who still watches"),
        "generated": _("Briefing generated {when}").format(when=generated),
        "data": _("data as of {when}").format(when=format_asof(asof)) if asof else _("data live"),
        "view": _("view:"),
        "filters": _("Filters used"),
        "map": _("Map"),
        "map_title": _("Incident map"),
        "incidents": _("Incidents ({n})").format(n=number(in_view)),
        "listed": _(
            "The {listed} newest of the {n} incidents in view are listed here, with their "
            "sources; the figures and the map count every one, and the CSV export lists them all."
        ).format(listed=number(LISTED_MAX), n=number(in_view))
        + (" " + _("The selected incident follows them.") if older else "")
        if in_view > LISTED_MAX
        else "",
        "binned": _(
            "With more than {n} incidents in view, the map counts them by area; the dashboard "
            "draws each one as you zoom in."
        ).format(n=number(AGGREGATE_ABOVE))
        if in_view > AGGREGATE_ABOVE
        else "",
        "counts": _("What officials have counted"),
        "counts_note": _(
            "Dated statements of how many DPRK missiles were launched, as each source gave them "
            "(≥ at least, ≈ about): the scale officials quote, not incidents, and not added to "
            "the incident figures above."
        ),
        "no_counts": _("No official count is recorded."),
        "evidence": _("Evidence"),
        "sources": _("Sources"),
        "parts": _("Where the parts came from"),
        "no_parts": _("No incident in view has a debris examination."),
        "provisions": _("Provisions that bear on it:"),
        "mandate": _("UN Panel of Experts (1718 Committee)"),
        "credits": _(
            "Data © their sources as named in each row. Map data © OpenStreetMap contributors. "
            "Leaflet, supercluster, Leaflet.heat, leaflet.fullscreen and jQuery are included "
            "under their licences (MIT/BSD/ISC)."
        ),
    }


def render(brief: Briefing, *, asset_text: AssetReader) -> str:
    """The briefing as one HTML document (UTF-8 text) in its view's language (the link's
    ``lang``, as the reader of a shared link expects), else the language in force;
    ``asset_text`` reads the map's scripts and styles, which the page carries inline so it
    opens from disk."""
    with use(brief.state.lang or language()):
        return _render(brief, asset_text)


def _listed(incidents: pd.DataFrame, selected: str | None) -> pd.DataFrame:
    """The incidents the briefing lists: the :data:`LISTED_MAX` newest (the view's frames are
    newest first), and the selected one after them when it is older."""
    listed = incidents.head(LISTED_MAX)
    if selected is None or len(incidents) <= LISTED_MAX:
        return listed
    ids = incidents["incident_id"].to_numpy(dtype=object)
    chosen = np.flatnonzero(ids == selected)
    if not len(chosen) or chosen[0] < LISTED_MAX:
        return listed
    return incidents.take(np.concatenate([np.arange(LISTED_MAX), chosen[:1]]))


def _render(brief: Briefing, asset_text: AssetReader) -> str:
    figures = brief.figures
    listed = _listed(brief.incidents, brief.state.incident)
    generated = format_asof(brief.generated_at)
    return _TEMPLATE.render(
        lang=language(),
        style=_STYLE,
        words=_words(brief, generated, figures.incidents, len(listed) > LISTED_MAX),
        link=_link(brief.link),
        figures=[
            (_("Incidents in view"), number(figures.incidents)),
            (_("Confirmed by an independent monitor"), number(figures.confirmed)),
            (_("Killed · injured"), figures.casualties),
            (_("UN Panel of Experts"), _("Active") if brief.mandate.active else _("Expired")),
            (_("Incidents since expiry"), number(figures.since_expiry)),
        ],
        mandate=brief.mandate,
        mandate_facts=brief.mandate.facts(),
        filters=filter_lines(brief.state),
        map_html=map_document(brief, asset_text),
        incidents=_incidents_table(listed),
        counts=_counts_table(brief.counts),
        sources=_sources_table(listed, brief.evidence),
        parts=_parts(brief.incidents, brief.evidence),
        events=_events_table(brief.events),
    )
