"""Values computed from a frame, kept by the frame object's identity while it lives.

The page's frames are shared (a store state's frame is the same object on every run of every
session), so a value derived from one (its annotated form, its map payload) can be kept for that
object and given back again, the same object, instead of computed again. An entry is keyed by the
frame's ``id`` and a weak reference to it (an ``id`` is reused once its frame is gone, so a hit
must still be that frame), goes with its frame, and the oldest go past ``entries``.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import pandas as pd

V = TypeVar("V")


class FrameCache(Generic[V]):
    """A bounded, thread-safe cache of one value per (frame object, key)."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._kept: OrderedDict[tuple[int, Hashable], tuple[weakref.ref[pd.DataFrame], V]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def get_or_make(
        self,
        frame: pd.DataFrame,
        make: Callable[[], V],
        key: Hashable = (),
        usable: Callable[[V], bool] | None = None,
    ) -> V:
        """The value kept for ``frame`` and ``key`` (when ``usable`` says it still is), else
        ``make()``'s, kept."""
        entry = (id(frame), key)
        with self._lock:
            hit = self._kept.get(entry)
            if hit is not None and hit[0]() is frame and (usable is None or usable(hit[1])):
                self._kept.move_to_end(entry)
                return hit[1]
        made = make()

        def forget(gone: weakref.ref[pd.DataFrame]) -> None:  # no one can ask for it again
            with self._lock:
                if (kept := self._kept.get(entry)) is not None and kept[0] is gone:
                    del self._kept[entry]

        with self._lock:
            self._kept[entry] = (weakref.ref(frame, forget), made)
            self._kept.move_to_end(entry)
            while len(self._kept) > self.entries:
                self._kept.popitem(last=False)
        return made

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._kept.clear()
