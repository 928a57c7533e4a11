"""How map building scales with the number of incidents: ``make bench``.

Prints, for each size, the time to build and serialise the data layers and the payload size, and
the ratio to the smallest size. Targets are ratios (linear growth), not absolute seconds.
"""

from __future__ import annotations

import random
import time

import pandas as pd
from streamlit_folium import _get_feature_group_string

from dashboard.assets import served_urls
from dashboard.core.maps import base_map, data_layers
from dashboard.core.records import incidents_frame
from dashboard.core.schema import STATUSES

SIZES = (1_000, 10_000, 50_000)


def synthetic(n: int, seed: int = 1718) -> pd.DataFrame:
    rng = random.Random(seed)
    statuses = list(STATUSES)
    return incidents_frame(
        {
            "incident_id": f"B-{i}",
            "date": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "location": f"Place {i}",
            "latitude": 49.9 + rng.random() * 0.2,
            "longitude": 36.1 + rng.random() * 0.3,
            "geo_precision": rng.randint(1, 3),
            "weapon": "KN-23",
            "attribution_status": rng.choice(statuses),
            "killed": rng.randint(0, 5),
            "source_title": "synthetic",
        }
        for i in range(n)
    )


def measure(frame: pd.DataFrame) -> tuple[float, int]:
    assets = served_urls()
    start = time.perf_counter()
    fmap = base_map(assets, None)
    script = "".join(
        _get_feature_group_string(group, fmap, i)
        for i, group in enumerate(data_layers(frame, assets))
    )
    return time.perf_counter() - start, len(script.encode())


def main() -> None:
    baseline = None
    print(f"{'incidents':>10} {'seconds':>8} {'KB':>8} {'µs/incident':>12} {'time ratio':>10}")
    for n in SIZES:
        seconds, size = measure(synthetic(n))
        baseline = baseline or (seconds, n)
        ratio = (seconds / baseline[0]) / (n / baseline[1])
        per = seconds / n * 1e6
        print(f"{n:>10,} {seconds:>8.3f} {size / 1024:>8.0f} {per:>12.1f} {ratio:>10.2f}")
    print("time ratio: growth relative to linear from the smallest size (1.00 = linear)")


if __name__ == "__main__":
    main()
