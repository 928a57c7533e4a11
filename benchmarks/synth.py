"""Synthetic canonical incident files: every one of the 21 columns filled, valid, around Kharkiv
oblast, the same for the same size and seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.core.schema import KHARKIV_OBLAST_BOX, STATUSES, TEMPLATE_COLUMNS

SEED = 1718
DISTRICTS = (
    "Shevchenkivskyi",
    "Kyivskyi",
    "Saltivskyi",
    "Kholodnohirskyi",
    "Industrialnyi",
    "Slobidskyi",
    "Osnovianskyi",
    "Nemyshlianskyi",
    "Novobavarskyi",
    "Chuhuivskyi",
    "Izium",
    "Kupiansk",
)
WEAPONS = (
    "Hwasong-11 series (KN-23/KN-24)",
    "KN-23",
    "KN-24",
    "DPRK short-range ballistic missile",
)
ATTRIBUTORS = (
    "UN Panel of Experts",
    "Kharkiv regional prosecutor",
    "US NSC",
    "Conflict Armament Research",
)
FIRST_DAY = np.datetime64("2022-03-01")
DAYS = int((np.datetime64("2025-12-31") - FIRST_DAY).astype(int))


def incidents(n: int, seed: int = SEED) -> pd.DataFrame:
    """``n`` valid incidents in the canonical columns (ids ``BENCH-0000001`` ...)."""
    rng = np.random.default_rng(seed)
    (lat0, lon0), (lat1, lon1) = KHARKIV_OBLAST_BOX
    ids = np.arange(1, n + 1)
    day = FIRST_DAY + rng.integers(0, DAYS, n).astype("timedelta64[D]")
    source_day = day + rng.integers(0, 30, n).astype("timedelta64[D]")
    minutes = rng.integers(0, 24 * 60, n)
    frame = pd.DataFrame(
        {
            "incident_id": [f"BENCH-{i:07d}" for i in ids],
            "date": pd.to_datetime(day).strftime("%Y-%m-%d"),
            "time": [f"{m // 60:02d}:{m % 60:02d}" for m in minutes],
            "location": [f"Village {i % 997}" for i in ids],
            "district": np.asarray(DISTRICTS)[rng.integers(0, len(DISTRICTS), n)],
            "latitude": np.round(rng.uniform(lat0 + 0.05, lat1 - 0.05, n), 5),
            "longitude": np.round(rng.uniform(lon0 + 0.05, lon1 - 0.05, n), 5),
            "geo_precision": rng.integers(1, 4, n),
            "weapon": np.asarray(WEAPONS)[rng.integers(0, len(WEAPONS), n)],
            "weapon_origin": "DPRK",
            "attribution_status": np.asarray(list(STATUSES))[rng.integers(0, len(STATUSES), n)],
            "attributed_by": np.asarray(ATTRIBUTORS)[rng.integers(0, len(ATTRIBUTORS), n)],
            "launch_origin": "Russian Federation",
            "outcome": "impact",
            "killed": rng.integers(0, 6, n),
            "injured": rng.integers(0, 40, n),
            "source_title": [f"Synthetic report {i}" for i in ids],
            "source_url": [f"https://example.org/reports/{i}" for i in ids],
            "source_date": pd.to_datetime(source_day).strftime("%Y-%m-%d"),
            "sanctions_provisions": "UNSCR 1718 (2006) para 8",
            "notes": "Synthetic incident for the benchmark.",
        }
    )
    return frame[list(TEMPLATE_COLUMNS)]


def write_csv(n: int, folder: Path, seed: int = SEED) -> Path:
    """Write :func:`incidents` as ``incidents-N.csv`` in ``folder`` (reused when already there)."""
    path = folder / f"incidents-{n}.csv"
    if not path.exists():
        incidents(n, seed).to_csv(path, index=False)
    return path
