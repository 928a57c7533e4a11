"""Snapshots of the incidents per data version: Arrow files a later read takes instead of SQL.

Reading every incident out of SQL costs seconds at 100,000 and half a minute at 1,000,000; the
same frame read back from an Arrow IPC file costs a fraction of a second. A snapshot holds the
typed canonical frame (:func:`dashboard.store.incidents.ordered`) of one state of the store,
named by a :class:`Token`: the id and time of the last history row, which grow with every batch
and differ between two databases that reuse a URL. A batch writes the next snapshot from the
previous one and its own rows (no read of the store); a read writes the one it had to build.
Arrow files hold data only: nothing in them is ever run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd
import sqlalchemy as sa

from dashboard.core.records import CATEGORY_COLUMNS, one_chunk, typed_frame
from dashboard.core.schema import COLUMNS, DATE_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS
from dashboard.store.tables import history

#: Where snapshots go: a folder, or "off"; unset, beside an SQLite file (``<file>.snapshots``)
#: or in the system's temporary folder for PostgreSQL (one folder per user). A folder that
#: another account owns or may write in is not used (see :func:`trusted`).
SNAPSHOT_DIR_ENV: Final = "DASHBOARD_SNAPSHOT_DIR"
#: Snapshots kept per store (the newest, by time written): each is the whole frame, about 20 MB
#: at 100,000 incidents, so older states (``asof`` links) fall back to the history.
KEEP: Final = 6
#: What a snapshot's frame looks like: a change here (or to the columns) names new files.
FORMAT: Final = 1
_FINGERPRINT: Final = hashlib.sha256(
    repr((FORMAT, COLUMNS, CATEGORY_COLUMNS, DATE_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS)).encode()
).hexdigest()[:12]


@dataclass(frozen=True)
class Token:
    """One state of a store: its last history row's id (0 before any) and time."""

    last_id: int
    recorded_at: str


EMPTY: Final = Token(0, "")


def token(conn: sa.Connection, *, batch_id: int | None = None) -> Token:
    """The state of the store now (or as batch ``batch_id`` left it), read on ``conn``."""
    query = sa.select(history.c.id, history.c.recorded_at).order_by(history.c.id.desc()).limit(1)
    if batch_id is not None:
        query = query.where(history.c.batch_id <= batch_id)
    row = conn.execute(query).first()
    return EMPTY if row is None else Token(int(row.id), str(row.recorded_at))


def folder_for(url: str) -> Path | None:
    """Where the snapshots of the store at ``url`` go (see :data:`SNAPSHOT_DIR_ENV`), or None."""
    configured = os.environ.get(SNAPSHOT_DIR_ENV, "").strip()
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured)
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return None
        return Path(f"{parsed.database}.snapshots")
    return Path(tempfile.gettempdir()) / f"dashboard-snapshots-{os.getuid()}"


def trusted(folder: Path) -> bool:
    """Whether ``folder`` is this user's and no one else may write in it: else another account
    could leave a file under a state's name and have its rows shown as the store's."""
    try:
        info = folder.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


@dataclass(frozen=True)
class Snapshots:
    """The snapshot files of one store (named by a hash of its URL) in ``folder``."""

    folder: Path
    store: str

    @classmethod
    def of(cls, url: str) -> Snapshots | None:
        """The snapshots of the store at ``url``, or None when they are off."""
        folder = folder_for(url)
        if folder is None:
            return None
        return cls(folder, hashlib.sha256(url.encode()).hexdigest()[:16])

    def path(self, state: Token) -> Path:
        """The file of one state."""
        name = hashlib.sha256(f"{state.last_id}|{state.recorded_at}".encode()).hexdigest()[:16]
        return self.folder / f"{self.store}-{_FINGERPRINT}-{state.last_id}-{name}.arrow"

    def load(self, state: Token) -> pd.DataFrame | None:
        """The frame of ``state``, or None when no readable snapshot of it exists."""
        if state == EMPTY or not trusted(self.folder):
            return None
        try:
            frame = pd.read_feather(self.path(state))
        except (OSError, ValueError):  # absent, or damaged (Arrow's errors are ValueErrors)
            return None
        return _current_shape(frame)

    def save(self, state: Token, frame: pd.DataFrame) -> None:
        """Write the frame of ``state`` (whole, then renamed into place), keeping the newest
        :data:`KEEP`. A folder that cannot be written only means no snapshot."""
        if state == EMPTY:
            return
        target = self.path(state)
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not trusted(self.folder):
                return
            handle, partial = tempfile.mkstemp(dir=self.folder, suffix=".partial")
            os.close(handle)
            try:
                frame.to_feather(partial, compression="uncompressed")
                os.replace(partial, target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(partial)
            self._prune()
        except OSError:
            return

    def _prune(self) -> None:
        """Remove this store's snapshots beyond the newest :data:`KEEP`."""
        mine = sorted(
            self.folder.glob(f"{self.store}-*.arrow"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for old in mine[KEEP:]:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()


def _current_shape(frame: pd.DataFrame) -> pd.DataFrame | None:
    """A snapshot's frame as a read gives it, or None when its columns or types are not the
    current schema's (a file of another version, or tampered with): the read then takes SQL."""
    expected = typed_frame(dict.fromkeys(COLUMNS, ()), categories=True)
    if list(frame.columns) != list(expected.columns) or not all(
        isinstance(frame[c].dtype, pd.CategoricalDtype) for c in CATEGORY_COLUMNS
    ):
        return None
    # Arrow gives categories back as plain ``str``; a read frame's are ``string``.
    frame = frame.assign(
        **{
            c: pd.Categorical.from_codes(
                frame[c].cat.codes, categories=frame[c].cat.categories.astype("string")
            )
            for c in CATEGORY_COLUMNS
        }
    )
    same = all(frame[c].dtype == expected[c].dtype for c in COLUMNS if c not in CATEGORY_COLUMNS)
    return one_chunk(frame) if same else None
