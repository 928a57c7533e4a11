"""Snapshots of the incidents per store state (dashboard/store/snapshots.py), on SQLite and
PostgreSQL: a read from a snapshot equals the read from SQL, after imports, updates and reverts,
now and as of each batch; a stale, foreign or damaged file is never served."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboard.__main__ import main
from dashboard.core.records import frame_records
from dashboard.imports import open_store
from dashboard.store import BatchMeta, Store
from dashboard.store.snapshots import SNAPSHOT_DIR_ENV, Snapshots, token
from tests.conftest import TODAY

META = BatchMeta(filename="fix.csv", sha256="0" * 64, uploaded_by="t")


@pytest.fixture
def snapshot_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of its own for the test's snapshots."""
    folder = tmp_path / "snapshots"
    monkeypatch.setenv(SNAPSHOT_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def store(db_url: str, snapshot_dir: Path) -> Iterator[Store]:
    """The test database's store (SQLite, or PostgreSQL), its snapshots in ``snapshot_dir``."""
    opened = open_store(db_url, today=TODAY)
    yield opened
    opened.dispose()


def from_sql(
    store: Store, monkeypatch: pytest.MonkeyPatch, batch_id: int | None = None
) -> pd.DataFrame:
    """The incidents (now, or after ``batch_id``) read from SQL, no snapshot used or written."""
    with monkeypatch.context() as patch:
        patch.setenv(SNAPSHOT_DIR_ENV, "off")
        return store.incidents() if batch_id is None else store.incidents_at_batch(batch_id)


def state_file(store: Store) -> Path:
    snapshots = Snapshots.of(store.url)
    assert snapshots is not None
    with store.db.read() as conn:
        return snapshots.path(token(conn))


def _change(store: Store, incident: str, **changes: object) -> int:
    record = {**store.records([incident])[incident], **changes}
    return store.apply_batch([record], META, now=datetime.now(UTC)).batch_id


def test_each_batch_writes_the_snapshot_a_read_then_equals_sql(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches = [int(store.batches()["id"].iloc[0])]
    assert state_file(store).exists()  # the seed's batch wrote it, nothing read the store
    batches.append(_change(store, "UA-KHA-20240106", killed=5, notes="Ёлка {{ 7*7 }}"))
    batches.append(_change(store, "UA-KHA-20240106", incident_id="LATER-1", district=None))
    assert state_file(store).exists()
    batches.append(store.revert_batch(batches[1], uploaded_by="t").batch_id)
    assert state_file(store).exists()

    now = store.incidents()
    pd.testing.assert_frame_equal(now, from_sql(store, monkeypatch))
    killed = dict(zip(now["incident_id"], now["killed"], strict=True))
    assert killed["UA-KHA-20240106"] is pd.NA  # the revert put the seed's value back
    assert "LATER-1" in killed
    for batch_id in batches:
        pd.testing.assert_frame_equal(
            store.incidents_at_batch(batch_id), from_sql(store, monkeypatch, batch_id)
        )


def test_without_the_previous_snapshot_a_batch_writes_none_and_the_next_read_does(
    store: Store, snapshot_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for old in snapshot_dir.glob("*.arrow"):
        old.unlink()
    _change(store, "UA-KHA-20240106", killed=2)
    assert not state_file(store).exists()
    read = store.incidents()
    assert state_file(store).exists()
    pd.testing.assert_frame_equal(read, from_sql(store, monkeypatch))
    pd.testing.assert_frame_equal(store.incidents(), read)


def test_a_new_database_at_the_same_url_never_gets_the_old_ones_snapshot(
    tmp_path: Path, snapshot_dir: Path
) -> None:
    """Two databases at one URL reach the same history id: the state's time tells them apart."""
    url = f"sqlite:///{tmp_path / 'again.sqlite3'}"
    first = open_store(url, today=TODAY)
    _change(first, "UA-KHA-20240106", killed=5)
    assert len(first.incidents()) == 8
    first.dispose()
    for leftover in tmp_path.glob("again.sqlite3*"):
        leftover.unlink()
    second = open_store(url, today=TODAY)
    try:
        _change(second, "UA-KHA-20240106", killed=7)
        killed = second.incidents().set_index("incident_id")["killed"]
        assert killed["UA-KHA-20240106"] == 7
    finally:
        second.dispose()


def test_a_damaged_snapshot_is_read_from_sql_instead(
    tmp_path: Path, snapshot_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'damaged.sqlite3'}", today=TODAY)
    try:
        state_file(store).write_bytes(b"ARROW1 not really")
        pd.testing.assert_frame_equal(store.incidents(), from_sql(store, monkeypatch))
    finally:
        store.dispose()


def test_snapshots_are_off_for_an_in_memory_store_and_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SNAPSHOT_DIR_ENV, raising=False)
    assert Snapshots.of("sqlite://") is None
    on_disk = Snapshots.of(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert on_disk is not None
    assert on_disk.folder == tmp_path / "x.sqlite3.snapshots"
    monkeypatch.setenv(SNAPSHOT_DIR_ENV, "off")
    assert Snapshots.of(f"sqlite:///{tmp_path / 'x.sqlite3'}") is None


def test_only_the_newest_snapshots_of_a_store_are_kept(tmp_path: Path, snapshot_dir: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'many.sqlite3'}", today=TODAY)
    try:
        for killed in range(10):
            _change(store, "UA-KHA-20240106", killed=killed)
        kept = list(snapshot_dir.glob("*.arrow"))
        assert len(kept) == 6
        assert state_file(store) in kept
        with store.db.read() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM incident_history")).scalar() == 18
    finally:
        store.dispose()


def test_a_snapshot_keeps_the_records_exactly(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text with markup and template braces, missing values, dates: the same records back."""
    _change(store, "UA-KHA-20240102", location="<b>{{ x }}</b>", time=None, injured=None)
    assert frame_records(store.incidents()) == frame_records(from_sql(store, monkeypatch))


def test_a_folder_others_may_write_in_is_never_read(
    tmp_path: Path, snapshot_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another account could leave a file under a state's name there: SQL is read instead."""
    store = open_store(f"sqlite:///{tmp_path / 'shared.sqlite3'}", today=TODAY)
    try:
        planted = (
            from_sql(store, monkeypatch).assign(location="planted").astype({"location": "category"})
        )
        planted.to_feather(state_file(store))
        snapshot_dir.chmod(0o777)
        assert set(store.incidents()["location"]) != {"planted"}
        snapshot_dir.chmod(0o700)
        assert set(store.incidents()["location"]) == {"planted"}  # the same file, trusted
    finally:
        store.dispose()


def _dropped(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["killed"])


def _plain_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(weapon=frame["weapon"].astype(str))


@pytest.mark.parametrize("reshape", [_dropped, _plain_text])
def test_a_snapshot_of_another_shape_is_read_from_sql_instead(
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    reshape: Callable[[pd.DataFrame], pd.DataFrame],
) -> None:
    """A file of this state's name whose columns or types are not the current ones (written by
    another version, or tampered with) never reaches a reader: export and briefing read SQL."""
    path = state_file(store)
    reshape(pd.read_feather(path)).to_feather(path)
    pd.testing.assert_frame_equal(store.incidents(), from_sql(store, monkeypatch))
    monkeypatch.setenv("DASHBOARD_DB_URL", store.url)
    assert main(["export", "--out", str(tmp_path / "out.csv")]) == 0
    assert main(["briefing", "--out", str(tmp_path / "brief.html")]) == 0
    assert "UA-KHA-20240102" in (tmp_path / "out.csv").read_text(encoding="utf-8")
    capsys.readouterr()
