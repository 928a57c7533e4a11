"""PostgreSQL going down and coming back, through a proxy the test stops and restarts."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from dashboard.core.auth import ThrottlePolicy
from dashboard.core.errors import StoreUnavailableError
from dashboard.core.launches import empty_monthly
from dashboard.core.records import incidents_frame
from dashboard.imports import open_store
from dashboard.store import BatchMeta, Database, Store
from dashboard.store.database import insert_rows
from dashboard.store.tables import history
from tests.conftest import TODAY
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxied(pg_seeded_url: str) -> Iterator[tuple[TcpProxy, str]]:
    """A running proxy in front of the test's database (migrated and seeded), and the URL that
    goes through it."""
    target = sa.make_url(pg_seeded_url)
    proxy = TcpProxy((target.host or "127.0.0.1", target.port or 5432))
    proxy.start()
    yield proxy, target.set(port=proxy.port).render_as_string(hide_password=False)
    proxy.stop()


def export(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "export", "--out", "-"],
        capture_output=True,
        text=True,
        env={**os.environ, "DASHBOARD_DB_URL": url},
        timeout=60,
        check=False,
    )


def test_open_store_recovers_when_the_database_returns(proxied: tuple[TcpProxy, str]) -> None:
    proxy, url = proxied
    store = open_store(url, today=TODAY)
    version = store.data_version()
    proxy.stop()
    with pytest.raises(StoreUnavailableError, match="cannot open the store at postgresql"):
        store.data_version()
    proxy.start()  # the same engine: dead connections are replaced, no reopening
    assert store.data_version() == version
    store.dispose()


def _enter(manager: contextlib.AbstractContextManager[object]) -> None:
    with manager:
        pass


#: A proposal's columns (but id, status and its decision), as the review service stores them.
PROPOSAL = {
    "kind": "edit",
    "filename": "edit.csv",
    "data": b"incident_id\r\n",
    "sha256": "0" * 64,
    "options": {},
    "incident_ids": [],
    "base": {},
    "author": "t",
    "reason": "r",
}

#: A call of every public method of the store and of its database that touches the database.
CALLS: dict[str, Callable[[Store], object]] = {
    "batch_count": Store.batch_count,
    "data_version": Store.data_version,
    "incidents": Store.incidents,
    "last_batch_at": lambda store: store.last_batch_at(datetime.now(UTC)),
    "incidents_at_batch": lambda store: store.incidents_at_batch(1),
    "incidents_asof": lambda store: store.incidents_asof(datetime.now(UTC)),
    "records": lambda store: store.records(["UA-KHA-20240106"]),
    "batches": Store.batches,
    "mappings": Store.mappings,
    "save_mapping": lambda store: store.save_mapping("m", {"x": 1}, saved_by="t"),
    "apply_batch": lambda store: store.apply_batch([], BatchMeta("x.csv", "0" * 64, "t")),
    "apply_frame": lambda store: store.apply_frame(
        incidents_frame([]), BatchMeta("x.csv", "0" * 64, "t")
    ),
    "stored_incidents": lambda store: store.stored_incidents(["UA-KHA-20240106"]),
    "revert_batch": lambda store: store.revert_batch(1, uploaded_by="t"),
    "evidence": lambda store: store.evidence(),
    "evidence_for": lambda store: store.evidence_for(["UA-KHA-20240102"]),
    "evidence_version": Store.evidence_version,
    "known_ids": Store.known_ids,
    "add_evidence": lambda store: store.add_evidence({}, BatchMeta("e.csv", "0" * 64, "t")),
    "attach_evidence": lambda store: store.attach_evidence({}, 1),
    "launches": Store.launches,
    "launches_import": Store.launches_import,
    "replace_launches": lambda store: store.replace_launches(
        empty_monthly(), filename="l.csv", sha256="0" * 64, imported_by="t"
    ),
    "share_payload": lambda store: store.share_payload({"p.json": b"{}"}),
    "shared_payload": lambda store: store.shared_payload("p.json"),
    "reserve_sign_in": lambda store: store.reserve_sign_in("192.0.2.1", ThrottlePolicy(), 0.0),
    "clear_sign_in": lambda store: store.clear_sign_in("192.0.2.1"),
    "latest_history": lambda store: store.latest_history(["UA-KHA-20240106"]),
    "history_record": lambda store: store.history_record(1),
    "incident_log": lambda store: store.incident_log("UA-KHA-20240106"),
    "evidence_log": lambda store: store.evidence_log("UA-KHA-20240102"),
    "retract": lambda store: store.retract([], BatchMeta("r", "0" * 64, "t", kind="retract")),
    "add_proposal": lambda store: store.add_proposal(PROPOSAL),
    "proposal_rows": Store.proposal_rows,
    "pending_count": Store.pending_count,
    "close_proposal": lambda store: store.close_proposal(1, "withdrawn", by="t", reason=None),
    "recent_changes": lambda store: store.recent_changes(10),
    "change_count": lambda store: store.change_count(1),
    "batch_changes": lambda store: store.batch_changes(1, 10),
    "register_target": lambda store: store.register_target("https://hook.example/"),
    "claim_delivery": lambda store: store.claim_delivery("https://hook.example/", 0, "t", 0.0, 1.0),
    "finish_delivery": lambda store: store.finish_delivery(
        1, "https://hook.example/", delivered=True, now=0.0, retry_at=None
    ),
    "deliveries": lambda store: store.deliveries("https://hook.example/"),
    "Database.migrate": lambda store: store.db.migrate(),
    "Database.revision": lambda store: store.db.revision(),
    "Database.exclusive": lambda store: _enter(store.db.exclusive()),
    "Database.read": lambda store: _enter(store.db.read()),
    "Database.write": lambda store: _enter(store.db.write()),
    "Database.write_own_rows": lambda store: _enter(store.db.write_own_rows()),
}


def _public_methods(cls: type, prefix: str = "") -> set[str]:
    """Names of the public methods of ``cls``, its bases' included, but ``dispose``."""
    return {
        prefix + name
        for name in dir(cls)
        if not name.startswith("_") and name != "dispose" and callable(getattr(cls, name))
    }


def test_every_public_method_that_touches_the_database_is_checked_below() -> None:
    public = _public_methods(Store) | _public_methods(Database, "Database.")
    assert public == set(CALLS)


@pytest.mark.parametrize("method", sorted(CALLS))
def test_every_store_method_reports_an_outage_as_unavailable(
    proxied: tuple[TcpProxy, str], method: str
) -> None:
    proxy, url = proxied
    store = open_store(url, today=TODAY)
    proxy.stop()  # cuts the pooled connection too: the pool's reconnect is refused
    with pytest.raises(StoreUnavailableError, match="cannot open the store at postgresql"):
        CALLS[method](store)
    proxy.start()
    CALLS[method](store)
    store.dispose()


def test_a_bulk_copy_cut_off_midway_reports_an_outage(proxied: tuple[TcpProxy, str]) -> None:
    """COPY runs on the driver's own cursor, outside SQLAlchemy's error hook: a connection lost
    during it is reported as any other outage, and the batch leaves nothing behind."""
    proxy, url = proxied
    store = open_store(url, today=TODAY)
    version = store.data_version()
    rows = [[1] * 1000, [f"CUT-{n}" for n in range(1000)], [datetime.now(UTC)] * 1000]
    rows += [["null"] * 1000] * 2
    columns = ["batch_id", "incident_id", "recorded_at", "before", "after"]
    raised: list[Exception] = []
    # Leaving the transaction on the lost connection is an outage too (its rollback fails), and
    # would hide what the copy raised: that is kept aside.
    with contextlib.suppress(StoreUnavailableError), store.db.write() as conn:
        proxy.stop()
        try:
            insert_rows(conn, history, columns, rows)
        except Exception as exc:
            raised.append(exc)
            raise
    assert [type(e) for e in raised] == [StoreUnavailableError]
    assert str(raised[0]).startswith("cannot open the store at postgresql")
    proxy.start()
    assert store.data_version() == version
    store.dispose()


def test_cli_fails_cleanly_while_the_database_is_down(proxied: tuple[TcpProxy, str]) -> None:
    proxy, url = proxied
    assert export(url).returncode == 0
    proxy.stop()
    down = export(url)
    assert down.returncode == 1
    assert "Traceback" not in down.stderr
    assert down.stderr.startswith("error: cannot open the store at postgresql")
    assert down.stdout == ""
    proxy.start()
    back = export(url)
    assert back.returncode == 0, back.stderr
    assert back.stdout.count("\n") == 1 + 8
