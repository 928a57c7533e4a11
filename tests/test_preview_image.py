"""The preview image (pure): a PNG of the expected size, whatever the number of incidents."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from PIL import Image

from dashboard.core.schema import STATUS_COLOURS
from dashboard.previews.card import Card
from dashboard.previews.image import HEIGHT, WIDTH, _marks, render

CARD = Card(
    title="t",
    description="d",
    count="200,000 DPRK-origin missile incidents",
    place="Ukraine",
    period="Jan\u2009\u2013\u2009Mar 2024",
    figures=(("Killed · injured", "1 · 2"),),
    status="Expired",
)


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "latitude": 50.0 + rng.normal(0, 0.3, n),
            "longitude": 36.2 + rng.normal(0, 0.3, n),
            "attribution_status": rng.choice(["confirmed", "claimed", "odd"], n),
        }
    )


def test_the_image_is_a_png_of_the_open_graph_size() -> None:
    for frame in (_frame(0), _frame(3), _frame(200_000)):
        opened = Image.open(io.BytesIO(render(CARD, frame)))
        assert (opened.format, opened.size) == ("PNG", (WIDTH, HEIGHT))


def test_incidents_sharing_a_cell_and_status_share_a_marker() -> None:
    frame = _frame(200_000)
    lons, lats, colours = _marks(frame, (22.0, 40.5, 44.0, 52.5))
    assert 0 < len(lons) < 20_000
    assert len(lats) == len(colours) == len(lons)
    # Each status in its colour as on the page's map; one the schema does not know in grey.
    assert set(colours) == {STATUS_COLOURS["confirmed"], STATUS_COLOURS["claimed"], "#555555"}
    alone = _marks(frame.head(1), (22.0, 40.5, 44.0, 52.5))
    assert abs(alone[0][0] - frame["longitude"].iloc[0]) < 0.1  # at most half a cell off
    outside = _marks(frame.head(1), (22.0, 30.0, 44.0, 52.5))
    assert len(outside[0]) == 0
