"""The incident map with st_folium, and the share controls that follow its view.

The map reports its centre, zoom and area, and the incident marker last clicked; it sits in a
fragment with the share controls: a pan or zoom reruns that fragment (map, link, URL), never the
rest of the page. A marker click selects its incident, as a table row does, and reruns the page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import folium
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import settings
from dashboard.assets import publish_payload, read_asset
from dashboard.core import briefing, export, i18n, links
from dashboard.core.errors import StoreUnavailableError
from dashboard.core.evidence import Evidence
from dashboard.core.figures import Headline
from dashboard.core.framecache import FrameCache
from dashboard.core.geometry import (
    AGGREGATE_ABOVE,
    VIEW_PIXELS,
    Bounds,
    contains,
    view_bins,
    view_bounds,
    within,
)
from dashboard.core.i18n import _, ngettext
from dashboard.core.mandate import MandateStatus
from dashboard.core.mapassets import AssetUrls
from dashboard.core.maps import base_map, context_layer, data_layers, layer_name
from dashboard.core.payload import encode_payload, parse_pick
from dashboard.core.view import (
    BASE_VIEW,
    COORD_PLACES,
    FIT_PIXELS,
    LAYERS,
    SELECTED_ZOOM,
    Box,
    MapView,
    View,
    fitted_view,
    move_map,
    same_view,
    select,
    set_layer,
)
from dashboard.ui import urlstate
from dashboard.ui.data import aggregates, map_assets, store
from dashboard.ui.urlstate import ViewSession


def _reported(result: object) -> MapView | None:
    """The view st_folium reported, rounded like a link; None before the map has reported."""
    if not isinstance(result, dict):
        return None
    centre, zoom = result.get("center"), result.get("zoom")
    if not isinstance(centre, dict) or not isinstance(zoom, int | float):
        return None
    try:
        lat, lon = float(centre["lat"]), float(centre["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    return (round(lat, COORD_PLACES), round(lon, COORD_PLACES), int(zoom))


@dataclass
class Published:
    """A payload published for this session's map: its URL and its incidents' ids, in its row
    order (a click reports a row, and the selection is passed to the map as one)."""

    url: str
    ids: np.ndarray
    #: The last incident looked up and its row: a pan reruns the map with the same selection.
    _last: tuple[str, int | None] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    def row(self, incident: str | None) -> int | None:
        """``incident``'s row in the payload, or None (not in it, or nothing selected). One scan
        per new selection (14 ms at 100,000 incidents; an index would take 80 ms to build)."""
        if incident is None:
            return None
        if self._last is None or self._last[0] != incident:
            found = np.flatnonzero(self.ids == incident)
            self._last = (incident, int(found[0]) if len(found) else None)
        return self._last[1]


#: Payloads kept in this process, by the frame object they encode (see :func:`published`).
PUBLISHED_ENTRIES = 8
_published: FrameCache[Published] = FrameCache(PUBLISHED_ENTRIES)


#: The operators' log (plain English, never translated).
LOG = logging.getLogger(__name__)


def _publish(frame: pd.DataFrame, assets: AssetUrls, shared: bool) -> Published:
    """Write ``frame``'s payload in this instance's folder and, when ``shared`` (a frame of the
    store, which every instance may be asked for) and the store is PostgreSQL (what instances
    on several machines share), in the store too: the browser's next request may reach another
    instance, which then serves it from there. An SQLite store is one machine's, whose
    processes share its payload folder: it is spared the files (up to 256 MB). A store that
    cannot be reached leaves the files to this instance."""
    payload = encode_payload(frame)
    url = assets.payload(publish_payload(payload))
    if shared:
        try:
            opened = store()
            if opened.db.dialect == "postgresql":
                opened.share_payload(payload.files())
        except StoreUnavailableError as exc:
            LOG.warning("map payload %s kept on this instance only: %s", payload.name, exc)
    return Published(url, frame["incident_id"].to_numpy(dtype=object))


def _publish_once(frame: pd.DataFrame, assets: AssetUrls, shared: bool) -> Published:
    """``frame``'s payload, encoded once per frame object in this process: the page's frames
    are shared (the store state's annotated frame, unfiltered, is the same object on every run
    of every session), so clearing a filter finds the whole payload here instead of encoding
    100,000 incidents again (0.3-0.5 s). An entry goes with its frame."""
    # Still served: the folder keeps a budget, so another frame's payloads may prune it.
    return _published.get_or_make(
        frame,
        lambda: _publish(frame, assets, shared),
        usable=lambda made: (settings.payload_dir() / made.name).exists(),
    )


def published(
    frame: pd.DataFrame, assets: AssetUrls, role: str = "incidents", *, shared: bool = True
) -> Published:
    """``frame``'s map payload, published once per frame: a pan or zoom reruns the map's
    fragment with the same frame object, and finds its payload here. One frame per ``role``
    (the incidents, the context) and session: the previous one is not drawn again."""
    cache: dict[str, tuple[pd.DataFrame, Published]] = st.session_state.setdefault(
        "_map_payloads", {}
    )
    hit = cache.get(role)
    if hit is None or hit[0] is not frame:
        hit = cache[role] = (frame, _publish_once(frame, assets, shared))
    return hit[1]


def layer_source(
    frame: pd.DataFrame, assets: AssetUrls, view: MapView, *, shared: bool = True
) -> tuple[dict[str, object], Published | None]:
    """What the incident layers draw from, and the payload it is (None for bins): the payload
    of ``frame`` when it holds at most :data:`AGGREGATE_ABOVE` incidents; else bins of the view
    while more than that are in view, and past that the payload of the incidents around the
    view, kept while the view stays there."""
    if len(frame) <= AGGREGATE_ABOVE:
        whole = published(frame, assets, shared=shared)
        return {"url": whole.url}, whole
    lat = frame["latitude"].to_numpy(dtype="float64")
    lon = frame["longitude"].to_numpy(dtype="float64")
    bounds = view_bounds(view)
    area: tuple[pd.DataFrame, Bounds, Published] | None = st.session_state.get("_map_area")
    if area is not None and area[0] is frame and contains(area[1], bounds):
        return {"url": area[2].url}, area[2]
    if int(within(lat, lon, bounds).sum()) > AGGREGATE_ABOVE:
        return {"bins": view_bins(lat, lon, bounds, view[2])}, None
    # The widest area round the view (up to 3 times its size) that holds few enough: the larger
    # it is, the longer the analyst pans inside it before the server publishes another.
    for scale in (3, 2, 1.5, 1):
        around = view_bounds(view, (int(VIEW_PIXELS[0] * scale), int(VIEW_PIXELS[1] * scale)))
        inside = within(lat, lon, around)
        if int(inside.sum()) <= AGGREGATE_ABOVE:
            break
    nearby = _publish(frame[inside], assets, shared)
    st.session_state["_map_area"] = (frame, around, nearby)
    return {"url": nearby.url}, nearby


def clicked_incident(report: object, seen_key: str) -> str | None:
    """The incident of a marker click the map reported that is new (st_folium repeats its last
    report on every rerun: a click counts once, by its count), if the row and payload it names
    are among those this session published; else None."""
    if not isinstance(report, dict):
        return None
    count = report.get("last_object_clicked_count")
    if not isinstance(count, int) or count == st.session_state.get(seen_key, 0):
        return None
    st.session_state[seen_key] = count
    pick = parse_pick(report.get("last_object_clicked_tooltip"))
    if pick is None:
        return None
    row, name = pick
    # The counted incidents' payloads and the context layer's (a context incident opens too).
    payloads: list[Published] = []
    for role in ("incidents", "context"):
        whole = st.session_state.get("_map_payloads", {}).get(role)
        if whole is not None:
            payloads.append(whole[1])
    area = st.session_state.get("_map_area")
    if area is not None:
        payloads.append(area[2])
    for payload in payloads:
        if payload.name == name and row < len(payload.ids):
            return str(payload.ids[row])
    return None


def _reported_bounds(result: object) -> Bounds | None:
    """The area st_folium reported the map shows (south, west, north, east), if it did."""
    if not isinstance(result, dict):
        return None
    area = result.get("bounds")
    try:
        south_west, north_east = area["_southWest"], area["_northEast"]  # type: ignore[index]
        return (
            float(south_west["lat"]),
            float(south_west["lng"]),
            float(north_east["lat"]),
            float(north_east["lng"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def draw_map(
    frame: pd.DataFrame,
    *,
    key: str,
    layer: str = "markers",
    view: MapView = BASE_VIEW,
    height: int = 560,
    returned: tuple[str, ...] = (),
    shown: MapView | None = None,
    context: pd.DataFrame | None = None,
    selected: str | None = None,
    shared: bool = True,
) -> object:
    """st_folium with the static base map and ``frame``'s layers; returns what it reports.

    ``shown`` is the view the map shows now, if known (else ``view``): past
    :data:`AGGREGATE_ABOVE` incidents, what the layers hold depends on it. ``context`` (the
    incidents that are not DPRK-origin, when shown) gets a faint layer of its own. The
    ``selected`` incident is ringed, passed to the layers as its payload row. ``shared``: the
    payloads go to the store too, for every instance to serve (see :func:`_publish`)."""
    assets = map_assets()
    tiles, attribution = settings.tiles()
    source, payload = layer_source(frame, assets, shown or view, shared=shared)
    row = payload.row(selected) if payload is not None else None
    layers = data_layers(source, layer, row)
    if context is not None and not context.empty and len(context) <= AGGREGATE_ABOVE:
        muted = published(context, assets, "context")
        layers.append(context_layer({"url": muted.url}, muted.row(selected)))
    return st_folium(
        base_map(assets, tiles, attribution),
        key=key,
        feature_group_to_add=layers,
        layer_control=folium.LayerControl(collapsed=False),
        center=view[:2],
        zoom=view[2],
        returned_objects=list(returned),
        height=height,
        use_container_width=True,
    )


def preview_map(frame: pd.DataFrame, *, key: str, height: int = 420) -> None:
    """A map that reports nothing back (panning it never reruns the page), fitted to ``frame``.

    ``frame`` is a file not yet imported: its payload stays on this instance, out of the store
    (the session holding the file lives there too)."""
    lat, lon = frame["latitude"], frame["longitude"]
    box = (float(lat.min()), float(lon.min()), float(lat.max()), float(lon.max()))
    draw_map(frame, key=key, height=height, view=fitted_view(*box), shared=False)


def incident_map(
    frame: pd.DataFrame,
    session: ViewSession,
    *,
    implied: MapView,
    context: pd.DataFrame | None = None,
) -> MapView:
    """Draw the monitor's map at the view's map view; a move the map reports moves the view.

    Returns the map's current view (as last reported, else as set).
    """
    want = session.view.map_view or implied
    if session.map_target is None or session.map_shows is None:
        session.map_target = session.map_shows = want
    elif not same_view(want, session.map_shows):
        # The view moved elsewhere (a selection, a link, back/forward): send the map there. The
        # component moves only when its centre or zoom changes, else it is built again.
        if same_view(want, session.map_target):
            session.map_key += 1
            session.map_seen, session.map_reported = None, False
        session.map_left = session.map_target
        session.map_target = session.map_shows = want
    target = session.map_target
    key = f"incident_map_{session.map_key}"
    # st_folium's change callback has stored the map's newest report under its key already (the
    # first report of a new map may be its default view: see below).
    report = st.session_state.get(key)
    picked = clicked_incident(report, f"{key}_clicks")
    if picked is not None and picked != session.view.incident:
        # A marker click selects its incident as a table row does: the whole page follows.
        # Closing the record brings the map back to this view.
        if session.map_shows is not None:
            session.map_before_pick = (picked, session.map_shows)
        session.apply(lambda view: select(view, picked))
        st.rerun(scope="app")
    latest = _reported(report)
    if latest is None or (not session.map_reported and same_view(latest, BASE_VIEW)):
        latest = session.map_shows
    result = draw_map(
        frame,
        key=key,
        layer=session.view.layer,
        view=target,
        returned=(
            "center",
            "zoom",
            "bounds",
            "last_object_clicked_count",
            "last_object_clicked_tooltip",
        ),
        shown=latest,
        context=context,
        selected=session.view.incident,
    )
    # The component keeps its last value across reruns: only a new report is a new view.
    if result != session.map_seen:
        session.map_seen = result
        reported = _reported(result)
        # A new map reports the view it is built with at once, and st_folium's leading-edge
        # debounce swallows the report of its move to ``center``/``zoom``: skip that first one.
        first = not session.map_reported
        arrived = reported is not None and same_view(reported, target)
        # The map's report of arriving where it was sent before, read after the view was sent
        # elsewhere (back pressed as the map reached a selection): it is on its way, not moved.
        left = session.map_left
        late = (
            reported is not None and left is not None and not arrived and same_view(reported, left)
        )
        if arrived:
            session.map_left = None
        if reported is not None and not late and not (first and same_view(reported, BASE_VIEW)):
            session.map_reported = True
            session.map_shows = target if arrived else reported
            shown = session.map_shows
            session.apply(lambda view: move_map(view, shown, implied))
    return session.map_shows


@st.fragment
def map_panel(
    session: ViewSession,
    frame: pd.DataFrame,
    *,
    implied: MapView,
    box: Box | None,
    context: pd.DataFrame,
    figures: Headline,
    mandate: MandateStatus,
    events: pd.DataFrame,
    evidence: Evidence,
) -> None:
    """Layer switch, map, and the link and downloads of the view as it is now.

    A pan, a zoom or a layer switch reruns only this fragment, which writes the URL. The map
    takes the ``implied`` view unless it was moved (or a link gave one). After the page's first
    look (its session's first run: see ``app_pages/monitor.py``) the map's first report reruns
    the whole page instead, which draws the rest of it.
    """
    st.container(key="layer").segmented_control(
        _("Map layer"),
        LAYERS,
        format_func={layer: layer_name(layer) for layer in LAYERS}.__getitem__,
        **session.widget(
            "layer",
            session.view.layer,
            lambda chosen: session.apply(lambda view: set_layer(view, chosen or LAYERS[0])),
        ),
    )
    view = incident_map(frame, session, implied=implied, context=context)
    area_controls(frame, session, view, implied=implied, box=box)
    if not context.empty:
        n = len(context)
        st.caption(
            ngettext(
                "Faint grey: {n} context incident (not DPRK-origin), not counted.",
                "Faint grey: {n} context incidents (not DPRK-origin), not counted.",
                n,
            ).format(n=i18n.number(n))
            if n <= AGGREGATE_ABOVE
            else _("{n} context incidents are too many to draw beside the others.").format(
                n=i18n.number(n)
            )
        )
    urlstate.write_url(session)
    share_panel(
        frame,
        session.view,
        view,
        figures=figures,
        mandate=mandate,
        events=events,
        evidence=evidence,
    )
    if session.rest_waits:  # the page's first look: the map's first report draws the rest
        session.rest_waits = False
        st.rerun(scope="app")


def current_bounds(report: object, view: MapView) -> Bounds:
    """The area the map shows: as it reported it, if the report is of ``view`` (the view the map
    shows or is sent to now); else the area ``view`` covers on a map of :data:`FIT_PIXELS`.
    After a search or a selection the map moves, and its last report is of the area it left:
    counting that would say something stale until it reports again."""
    reported = _reported(report)
    area = _reported_bounds(report) if reported is not None and same_view(reported, view) else None
    return area or view_bounds(view, FIT_PIXELS)


def area_controls(
    frame: pd.DataFrame, session: ViewSession, view: MapView, *, implied: MapView, box: Box | None
) -> None:
    """How many incidents in view the map's area leaves out, "Zoom to all" and "Kharkiv"."""
    area = current_bounds(st.session_state.get(f"incident_map_{session.map_key}"), view)
    lat = frame["latitude"].to_numpy(dtype="float64")
    lon = frame["longitude"].to_numpy(dtype="float64")
    outside = int(len(frame) - within(lat, lon, area).sum())
    note, everything, kharkiv = st.columns([3, 1, 1], vertical_alignment="center")
    total = len(frame)
    if outside:
        note.caption(
            ngettext(
                "{n} of the {total} incidents in view lies outside the map.",
                "{n} of the {total} incidents in view lie outside the map.",
                outside,
            ).format(n=i18n.number(outside), total=i18n.number(total))
        )
    elif total:
        note.caption(
            ngettext(
                "The {n} incident in view is on the map.",
                "All {n} incidents in view are on the map.",
                total,
            ).format(n=i18n.number(total))
        )
    everything.button(
        _("Zoom to all"),
        key="zoom_all",
        disabled=box is None,
        help=_("Fit the map to every incident in view."),
        on_click=lambda: session.apply(
            lambda v: move_map(v, fitted_view(*box) if box else implied, implied)
        ),
    )
    kharkiv.button(
        _("Kharkiv"),
        key="zoom_kharkiv",
        help=_("Centre the map on Kharkiv."),
        on_click=lambda: session.apply(lambda v: move_map(v, BASE_VIEW, implied)),
    )


#: The share link's text field (its widget key).
LINK_KEY = "share_link"


def share_panel(
    frame: pd.DataFrame,
    state: View,
    view: MapView,
    *,
    figures: Headline,
    mandate: MandateStatus,
    events: pd.DataFrame,
    evidence: Evidence,
) -> None:
    """ "Copy link to this view", and the briefing, CSV (canonical, and for Excel) and GeoJSON
    of the incidents in view."""
    # A text field, not st.code: the code block's highlighter is a 0.5 MB script (gzipped) that
    # every visitor would load for this one line.
    link = links.share_url(urlstate.base_url(), state)
    urlstate.seed(LINK_KEY, link)
    st.text_input(
        _("Copy link to this view"),
        key=LINK_KEY,
        help=_("Select the link and copy it: it opens this view, filters, map and selection."),
    )
    if frame.empty:  # the link still shares the (empty) view; a briefing of nothing would not
        st.caption(_("Nothing to download: no incident is in this view."))
        return
    tiles, attribution = settings.tiles()
    spoken = i18n.language()  # the download is made after this run, outside its language

    def make_briefing() -> bytes:
        brief = briefing.Briefing(
            incidents=frame,
            figures=figures,
            mandate=mandate,
            events=events,
            state=state,
            link=link,
            generated_at=datetime.now(UTC),
            map_view=view,
            tiles=tiles,
            tiles_attribution=attribution,
            evidence=evidence,
            counts=aggregates(),
        )
        with i18n.use(spoken):
            return briefing.render(brief, asset_text=read_asset).encode("utf-8")

    stamp = links.format_asof(state.asof or datetime.now(UTC)).replace(":", "")
    # One wrapping row of buttons each as wide as its label (columns cut "Download briefing").
    downloads = st.container(horizontal=True, wrap=True, key="downloads")
    downloads.download_button(
        _("Download briefing"),
        make_briefing,
        file_name=f"briefing-{stamp}.html",
        mime="text/html",
        icon=":material/description:",
        on_click="ignore",
        key="download_briefing",
    )
    downloads.download_button(
        _("CSV"),
        lambda: export.to_csv(frame).encode("utf-8"),
        file_name=f"incidents-{stamp}.csv",
        mime="text/csv",
        icon=":material/table:",
        on_click="ignore",
        key="download_csv",
    )
    downloads.download_button(
        _("CSV for Excel"),
        lambda: export.to_excel_csv(frame),
        file_name=f"incidents-{stamp}-excel.csv",
        mime="text/csv",
        icon=":material/table_view:",
        on_click="ignore",
        key="download_excel_csv",
        help=_(
            "UTF-8 with BOM, semicolons and decimal commas: opens in columns in Excel on a "
            "Ukrainian or European locale, and uploads back unchanged."
        ),
    )
    downloads.download_button(
        _("GeoJSON"),
        lambda: export.to_geojson(frame).encode("utf-8"),
        file_name=f"incidents-{stamp}.geojson",
        mime="application/geo+json",
        icon=":material/map:",
        on_click="ignore",
        key="download_geojson",
    )


def place_picker(
    key: str, place: tuple[float, float] | None, *, height: int = 300
) -> tuple[float, float] | None:
    """A small map to click a place on, marking ``place`` (the form's coordinates, when they
    read as numbers); the place of a new click, else None (st_folium repeats its last click on
    every rerun: a click counts once)."""
    assets = map_assets()
    tiles, attribution = settings.tiles()
    marker = folium.FeatureGroup(name=_("The incident's place"), control=False)
    if place is not None:
        folium.CircleMarker(place, radius=8, color="#b2182b", fill=True).add_to(marker)
    centre = place or BASE_VIEW[:2]
    report = st_folium(
        base_map(assets, tiles, attribution),
        key=key,
        feature_group_to_add=marker,
        center=centre,
        zoom=SELECTED_ZOOM if place else BASE_VIEW[2],
        returned_objects=["last_clicked"],
        height=height,
        use_container_width=True,
    )
    clicked = report.get("last_clicked") if isinstance(report, dict) else None
    if not isinstance(clicked, dict) or clicked == st.session_state.get(f"{key}_seen"):
        return None
    st.session_state[f"{key}_seen"] = clicked
    try:
        return round(float(clicked["lat"]), 6), round(float(clicked["lng"]), 6)
    except (KeyError, TypeError, ValueError):
        return None
