"""The frame-identity cache shared by the annotated frame and the map payloads."""

from __future__ import annotations

import gc

import pandas as pd

from dashboard.core.framecache import FrameCache


def test_a_value_is_kept_per_frame_object_and_key_and_goes_with_its_frame() -> None:
    cache: FrameCache[list[int]] = FrameCache(entries=2)
    frame = pd.DataFrame({"a": [1]})
    made = cache.get_or_make(frame, lambda: [1], key="k")
    assert cache.get_or_make(frame, lambda: [2], key="k") is made
    assert cache.get_or_make(frame, lambda: [3], key="other") == [3]
    assert cache.get_or_make(frame, lambda: [4], key="k", usable=lambda _: False) == [4]
    equal = pd.DataFrame({"a": [1]})  # equal, but another object: computed again
    assert cache.get_or_make(equal, lambda: [5], key="k") == [5]
    assert len(cache) == 2  # bounded: the oldest went
    del frame, equal
    gc.collect()
    assert len(cache) == 0
