"""A new row with no id of its own that looks like a stored incident is flagged, not doubled."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core.duplicates import distance_km, near_duplicates, resolve
from dashboard.core.schema import KEY


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    out = pd.DataFrame(rows)
    out["date"] = pd.to_datetime(out["date"])
    return out


STORED = frame(
    {
        KEY: "UA-1",
        "date": "2024-01-02",
        "weapon": "KN-23",
        "location": "Kharkiv",
        "latitude": 50.017,
        "longitude": 36.217,
    },
    {
        KEY: "UA-2",
        "date": "2024-01-02",
        "weapon": "KN-23",
        "location": "Kyiv",
        "latitude": 50.45,
        "longitude": 30.52,
    },
)


def preview(**changes: object) -> pd.DataFrame:
    row: dict[str, object] = {
        "line": 2,
        "change": "new",
        KEY: "INC-ABCDEF123456",
        "date": "2024-01-02",
        "weapon": " kn-23 ",
        "location": "Харків",
        "latitude": 50.01,
        "longitude": 36.22,
    }
    return frame({**row, **changes})


def test_same_day_and_weapon_within_two_km_is_flagged_with_the_stored_id() -> None:
    near = near_duplicates(preview(), STORED)
    assert near[["line", KEY, "duplicate_of", "stored_location"]].values.tolist() == [
        [2, "INC-ABCDEF123456", "UA-1", "Kharkiv"]
    ]
    assert 0.7 < near["distance_km"].iloc[0] < 0.9


def test_what_is_not_flagged() -> None:
    assert near_duplicates(preview(latitude=50.04), STORED).empty  # 2.6 km away
    assert near_duplicates(preview(date="2024-01-03"), STORED).empty
    assert near_duplicates(preview(weapon="Kh-101"), STORED).empty
    assert near_duplicates(preview(**{KEY: "MY-OWN-ID"}), STORED).empty  # the file's own id
    assert near_duplicates(preview(change="update"), STORED).empty
    assert near_duplicates(preview(), STORED.iloc[0:0]).empty


def test_the_analysts_choice() -> None:
    valid = pd.concat([preview(), preview(line=3, latitude=49.0, **{KEY: "INC-OTHER"})])
    valid = valid.drop(columns="change").reset_index(drop=True)
    near = near_duplicates(preview(), STORED)
    assert resolve(valid, near, "update")[KEY].tolist() == ["UA-1", "INC-OTHER"]
    shown = pd.concat([preview(), preview(line=3, latitude=49.0, **{KEY: "INC-OTHER"})])
    assert resolve(shown.reset_index(drop=True), near, "update")["change"].tolist() == [
        "update",
        "new",
    ]
    assert resolve(valid, near, "skip")[KEY].tolist() == ["INC-OTHER"]
    assert resolve(valid, near, "add")[KEY].tolist() == ["INC-ABCDEF123456", "INC-OTHER"]


def test_two_rows_never_update_one_incident() -> None:
    rows = pd.concat([preview(), preview(line=3, latitude=50.016, **{KEY: "INC-SECOND"})])
    near = near_duplicates(rows, STORED)
    assert near[["line", "duplicate_of"]].values.tolist() == [[3, "UA-1"]]  # the nearer one


def test_distance() -> None:
    kharkiv, kyiv = np.array([[49.9925, 36.2311]]), np.array([[50.45, 30.52]])
    assert 400 < distance_km(kharkiv[:, 0], kharkiv[:, 1], kyiv[:, 0], kyiv[:, 1])[0] < 420
