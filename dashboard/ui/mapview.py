"""Draw the incident map with st_folium: a static base map plus data layers added to it."""

from __future__ import annotations

import folium
import pandas as pd
from streamlit_folium import st_folium

from dashboard import settings
from dashboard.core.maps import DEFAULT_ZOOM, base_map, data_layers
from dashboard.core.schema import KHARKIV_CENTRE
from dashboard.ui.data import map_assets

SELECTED_ZOOM = 13


def incident_map(
    frame: pd.DataFrame,
    *,
    layer: str,
    focus: tuple[float, float] | None,
    key: str = "incident_map",
    height: int = 560,
) -> None:
    """The map; panning and zooming rerun nothing (no objects are returned to Python).

    ``key`` tells maps apart when a page draws more than one (the Upload page's preview).
    """
    assets = map_assets()
    tiles, attribution = settings.tiles()
    st_folium(
        base_map(assets, tiles, attribution),
        key=key,
        feature_group_to_add=data_layers(frame, assets, layer),
        layer_control=folium.LayerControl(collapsed=False),
        center=focus or KHARKIV_CENTRE,
        zoom=SELECTED_ZOOM if focus else DEFAULT_ZOOM,
        returned_objects=[],
        height=height,
        use_container_width=True,
    )
