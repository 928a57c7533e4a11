"""The weapon vocabulary: a source's spelling maps onto one class; only DPRK classes count."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.weapons import (
    CLASSES,
    DPRK_SRBM,
    HWASONG_11,
    HWASONG_11A,
    HWASONG_11B,
    ISKANDER_OR_KN23,
    OTHER,
    dprk_origin,
    weapon_class,
    weapon_classes,
)


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        # The shipped incidents' own wording.
        ("Hwasong-11 series (KN-23/KN-24)", HWASONG_11),
        ("KN-23 (part recovered)", HWASONG_11A),
        ("Hwasong-11 (KN-23), 2 of 5 missiles", HWASONG_11A),
        ("KN-23 (4 missiles)", HWASONG_11A),
        ("DPRK short-range ballistic missile", DPRK_SRBM),
        # What analysts and other datasets type.
        ("kn23", HWASONG_11A),
        ("KN 23", HWASONG_11A),
        ("KN‐23", HWASONG_11A),  # noqa: RUF001 - a Unicode hyphen, as pasted from a PDF
        ("Hwasong-11Ga", HWASONG_11A),
        ("Hwasong 11B", HWASONG_11B),
        ("KN-24", HWASONG_11B),
        ("KN-23/24", HWASONG_11),
        ("Хвасон-11", HWASONG_11),
        ("північнокорейська балістична ракета", DPRK_SRBM),
        ("North Korean missile", DPRK_SRBM),
        ("Iskander-M/KN-23", ISKANDER_OR_KN23),
        ("Iskander-M", OTHER),
        ("Shelling/artillery/missile attack", OTHER),
        ("KN-230 drone", OTHER),
        ("", OTHER),
        (None, OTHER),
    ],
)
def test_spellings_map_onto_classes(spelling: str | None, expected: str) -> None:
    assert weapon_class(spelling) == expected


def test_classes_of_a_column_are_categorical_in_vocabulary_order() -> None:
    weapons = pd.Series(["KN-23", None, "kn23", "Kh-101"], index=[5, 6, 7, 8])
    classes = weapon_classes(weapons)
    assert classes.tolist() == [HWASONG_11A, OTHER, HWASONG_11A, OTHER]
    assert list(classes.cat.categories) == list(CLASSES)
    assert classes.index.tolist() == [5, 6, 7, 8]


def test_dprk_origin_by_origin_or_by_class() -> None:
    frame = pd.DataFrame(
        {
            "weapon": ["KN-23", "Shelling/artillery/missile attack", "Kh-101", "Iskander-M/KN-23"],
            "weapon_origin": [None, None, "DPRK", "Russia"],
        }
    )
    assert dprk_origin(frame).tolist() == [True, False, True, False]
    frame["weapon_origin"] = ["", " north korea ", "КНДР", None]
    assert dprk_origin(frame).tolist() == [True, True, True, False]
