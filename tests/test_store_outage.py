"""PostgreSQL going down and coming back, through a proxy the test stops and restarts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from dashboard.core.errors import StoreUnavailableError
from dashboard.imports import open_store
from tests.conftest import TODAY
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxied(pg_url: str) -> Iterator[tuple[TcpProxy, str]]:
    """A running proxy in front of the test database, and the URL that goes through it."""
    target = sa.make_url(pg_url)
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
    with (
        pytest.raises(StoreUnavailableError, match="cannot open the store at postgresql"),
        store.reachable(),
    ):
        store.data_version()
    proxy.start()
    with store.reachable():  # the same engine: dead connections are replaced, no reopening
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
    assert back.stdout.count("\n") == 1 + 7
