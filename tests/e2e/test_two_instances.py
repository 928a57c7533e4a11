"""Two instances, one team: two app processes that share nothing but a PostgreSQL database, behind
nginx configured by ``deploy/nginx.conf`` (cookie affinity, see there).

Each instance has its own payload folder and snapshot folder, as two machines would. The test
pins a browser (or a plain request) to an instance by the proxy's affinity cookie, and learns
which instance answered from the proxy's access log. It shows, in turn:

- a map payload drawn on B and requested from A is served by A (from the store), never a 404;
- the sign-in throttle counts guesses made through both instances under one client, and a
  browser's own ``X-Forwarded-For`` changes nothing;
- an import through A's Upload page is seen by a viewer on B within 5 s of its commit (on the
  page the viewer has open there: its next run shows it);
- a revert on B (``python -m dashboard revert`` with B's configuration) made while A is in the
  middle of an import waits for it, and history stays one unbroken chain;
- killing A in the middle of an import loses nothing, and B keeps serving (A's browsers too).

"In the middle of an import" is made certain, not hoped for: the test holds a table lock that
the import's last statement (its history rows) needs, and waits until A's transaction is
blocked there, its batch and incident rows written but not committed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from dashboard.imports import open_store
from dashboard.store import Store
from dashboard.store.part import BY_REFERENCE, LOGGED_AFTER, logged_afters
from dashboard.store.tables import history, sign_in_failures
from tests.conftest import TODAY, unavailable
from tests.e2e.conftest import (
    REPO,
    RunningApp,
    free_port,
    map_frame,
    run_of,
    start_app,
    stop_app,
    wait_idle,
    watch_runs,
)
from tests.helpers import csv_text, row

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

PASSWORD = "two instances, one team"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
COOKIE = "dashboard_instance"
UPLOADER = "[data-testid='stFileUploaderDropzoneInput']"
#: The import's last statement, its history rows (a ``COPY`` on PostgreSQL).
HISTORY_ROWS = "COPY incident_history%"


@dataclass
class Deployment:
    proxy: str
    db_url: str
    state: Path
    apps: dict[str, RunningApp]
    envs: dict[str, dict[str, str]]
    #: The affinity cookie's value that names each instance.
    keys: dict[str, str]
    store: Store

    def probe(self, cookie: str | None) -> tuple[str, str | None]:
        """Which instance answers a request with the affinity cookie ``cookie`` (or none), from
        the proxy's access log, and the affinity cookie the proxy sets, if it sets one."""
        path = f"/_stcore/health?probe={uuid.uuid4().hex}"
        headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
        request = urllib.request.Request(self.proxy + path, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.status == 200
            ours = [c for c in reply.headers.get_all("Set-Cookie") or [] if c.startswith(COOKIE)]
            set_cookie = ours[0] if ours else None
        answered = wait_for(lambda: self.requests(path), "the request's access-log line")
        return answered[0][2], set_cookie

    def requests(self, prefix: str) -> list[tuple[str, str, str]]:
        """The proxy's log of requests for paths under ``prefix``: (path, status, instance)."""
        ports = {app.url.rsplit(":", 1)[1]: name for name, app in self.apps.items()}
        pattern = rf'"GET ({re.escape(prefix)}\S*) HTTP/[\d.]+" (\d+) instance=(?:\S+, )*\S+:(\d+) '
        return [
            (path, status, ports[port])
            for path, status, port in re.findall(pattern, (self.state / "access.log").read_text())
        ]

    def browser_on(
        self, browser: Browser, name: str, headers: dict[str, str] | None = None
    ) -> Page:
        """A fresh browser whose affinity cookie sends it to instance ``name``, sending
        ``headers`` with every request."""
        context = browser.new_context(
            viewport={"width": 1500, "height": 1200}, extra_http_headers=headers
        )
        context.add_cookies([{"name": COOKIE, "value": self.keys[name], "url": self.proxy}])
        return watch_runs(context.new_page())

    def fetch(self, path: str, name: str) -> tuple[int, bytes]:
        """GET ``path`` through the proxy as a browser pinned to ``name``."""
        request = urllib.request.Request(
            self.proxy + path, headers={"Cookie": f"{COOKIE}={self.keys[name]}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, reply.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


T = TypeVar("T")


def wait_for(
    probe: Callable[[], T],
    what: str,
    explain: Callable[[], str] = lambda: "",
    timeout: float = 30,
) -> T:
    """Poll ``probe`` until it returns something true, and return that; on timeout, fail with
    what ``explain`` says."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{explain()}")
        time.sleep(0.05)


def start_proxy(state: Path, listen: int, upstreams: list[str]) -> subprocess.Popen[bytes]:
    """nginx as a child process with ``deploy/nginx.conf`` filled in, everything under ``state``."""
    text = (REPO / "deploy" / "nginx.conf").read_text()
    for name, value in {
        "@STATE@": str(state),
        "@LISTEN@": f"127.0.0.1:{listen}",
        "@INSTANCE_A@": upstreams[0],
        "@INSTANCE_B@": upstreams[1],
    }.items():
        text = text.replace(name, value)
    assert "@" not in re.sub(r"#.*", "", text)  # every placeholder filled
    (state / "nginx.conf").write_text(text)
    # As root, nginx's workers would switch to "nobody", who may not write in the test's folder.
    extra = " user root;" if os.geteuid() == 0 else ""
    command = [NGINX, "-p", str(state), "-c", str(state / "nginx.conf"), "-e"]
    process = subprocess.Popen(
        [*command, str(state / "error.log"), "-g", f"daemon off;{extra}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {(state / 'error.log').read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{listen}/_stcore/health", timeout=2):
                return True
        except OSError:
            return False

    wait_for(healthy, "nginx")
    return process


@pytest.fixture
def deployment(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployment]:
    if not Path(NGINX).exists():
        unavailable("nginx not found (apt-get install nginx)")
    monkeypatch.setenv("DASHBOARD_SNAPSHOT_DIR", str(tmp_path / "test-snapshots"))
    open_store(pg_url, today=TODAY).dispose()  # migrated and seeded once, before either starts
    chosen: set[int] = set()
    while len(chosen) < 3:  # two instances and the proxy, on three different ports
        chosen.add(free_port())
    listen, *instances = sorted(chosen)
    ports = dict(zip("AB", instances, strict=True))
    secret = os.urandom(16).hex()
    envs = {
        name: {
            "DASHBOARD_DB_URL": pg_url,
            "DASHBOARD_PAYLOAD_DIR": str(tmp_path / name / "payload"),
            "DASHBOARD_SNAPSHOT_DIR": str(tmp_path / name / "snapshots"),
            "DASHBOARD_UPLOAD_PASSWORD": PASSWORD,
            "DASHBOARD_TRUSTED_PROXIES": "127.0.0.1",  # the proxy, as the instances see it
            "STREAMLIT_SERVER_COOKIE_SECRET": secret,
        }
        for name in ports
    }
    for name in ports:
        (tmp_path / name).mkdir()
    with contextlib.ExitStack() as running:
        with ThreadPoolExecutor(2) as pool:
            started = {
                name: pool.submit(start_app, tmp_path / name, envs[name], port=ports[name])
                for name in ports
            }
        for future in started.values():  # each that started is stopped, even if one did not
            if future.exception() is None:
                running.callback(stop_app, future.result())
        apps = {name: future.result() for name, future in started.items()}
        state = tmp_path / "nginx"
        state.mkdir()
        proxy = start_proxy(state, listen, [f"127.0.0.1:{ports['A']}", f"127.0.0.1:{ports['B']}"])
        running.callback(proxy.wait, timeout=10)
        running.callback(proxy.terminate)
        store = Store(pg_url)
        running.callback(store.dispose)
        deployed = Deployment(
            f"http://127.0.0.1:{listen}", pg_url, state, apps, envs, {"A": "a", "B": "b"}, store
        )
        # First visits go round-robin, and each is pinned where it landed.
        first, second = deployed.probe(None), deployed.probe(None)
        assert {first[0], second[0]} == {"A", "B"}
        for instance, set_cookie in (first, second):
            assert set_cookie is not None
            assert set_cookie.startswith(f"{COOKIE}={deployed.keys[instance]};")
        assert deployed.probe("a") == ("A", None)  # pinned: nothing to set
        yield deployed


def incidents_csv(prefix: str, count: int) -> bytes:
    """``count`` new incidents in Lviv in 2023, nowhere near the shipped ones (no duplicates)."""
    rows = [
        row(
            incident_id=f"{prefix}-{n}",
            date=f"2023-05-{n + 1:02d}",
            location="Lviv",
            district="",
            latitude=f"{49.80 + n / 100:.3f}",
            longitude=f"{24.00 + n / 100:.3f}",
        )
        for n in range(count)
    ]
    return csv_text(rows).encode("utf-8")


def sign_in(page: Page, password: str) -> str:
    """Submit ``password`` on the Upload page: the error shown, or "admitted"."""
    page.get_by_label("Your name", exact=True).fill("Ana")
    page.get_by_label("Analyst password").fill(password)
    run_of(page, page.get_by_role("button", name="Sign in").click)
    error = page.locator("[data-testid='stAlertContentError']")
    error.or_(page.locator(UPLOADER)).first.wait_for(state="attached", timeout=10_000)
    return error.inner_text() if error.count() else "admitted"


def open_upload(deployed: Deployment, *pages: Page) -> None:
    """Open the Upload page in each of ``pages`` (loading side by side)."""
    for page in pages:
        page.goto(f"{deployed.proxy}/upload", wait_until="commit")
    for page in pages:
        page.get_by_label("Analyst password").wait_for(timeout=30_000)
        wait_idle(page)


def choose_file(page: Page, name: str, data: bytes) -> None:
    page.locator(UPLOADER).set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Import", exact=True).wait_for(timeout=30_000)
    wait_idle(page)


def backend_waiting_on(store: Store, statement: str) -> int | None:
    """The PostgreSQL backend of this database waiting for a lock in a statement like
    ``statement`` (an SQL ``LIKE`` pattern), if one is."""
    with store.db.read() as conn:
        return conn.execute(
            sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query ILIKE :statement"
            ),
            {"statement": statement},
        ).scalar()


def activity(store: Store) -> str:
    """What this database's backends are doing (for a failure's message)."""
    with store.db.read() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT pid, state, wait_event_type, wait_event, left(query, 80) FROM "
                "pg_stat_activity WHERE datname = current_database()"
            )
        ).all()
    return "\n".join(map(str, rows))


def backend_alive(store: Store, pid: int) -> bool:
    with store.db.read() as conn:
        return bool(
            conn.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar()
        )


def history_is_one_chain(store: Store) -> None:
    """Every incident's history starts from nothing and each change from the state the one
    before left; history ids grow with batch ids; the incidents are the last state of each."""
    with store.db.read() as conn:
        trail = conn.execute(
            sa.select(
                history.c.batch_id,
                history.c.incident_id,
                history.c.before,
                LOGGED_AFTER,
                BY_REFERENCE,
            ).order_by(history.c.id)
        ).all()
        afters = logged_afters(conn, trail)  # a new incident's record is by reference
    assert [step.batch_id for step in trail] == sorted(step.batch_id for step in trail)
    last: dict[str, object] = {}
    for step, after in zip(trail, afters, strict=True):
        assert step.before == last.get(step.incident_id), step
        last[step.incident_id] = after
    live = {incident for incident, after in last.items() if after is not None}
    assert set(store.incidents()["incident_id"]) == live


def test_two_instances_behind_nginx(deployment: Deployment, browser: Browser) -> None:
    started = time.monotonic()
    store = deployment.store

    # --- b) A map payload drawn on B, asked of A: served, never a 404 ------------------------
    viewer = deployment.browser_on(browser, "B")
    viewer.goto(deployment.proxy)
    wait_idle(viewer)
    map_frame(viewer)
    # The proxy's log says what the map asked for, and who answered (B, by the viewer's cookie).
    payloads = wait_for(lambda: deployment.requests("/app/static/payload/"), "the map's payload")
    assert {(status, instance) for _, status, instance in payloads} == {("200", "B")}
    folder_a = Path(deployment.envs["A"]["DASHBOARD_PAYLOAD_DIR"])
    folder_b = Path(deployment.envs["B"]["DASHBOARD_PAYLOAD_DIR"])
    for path, _, _ in payloads:
        name = path.rsplit("/", 1)[-1]
        assert (folder_b / name).exists()
        assert not (folder_a / name).exists()  # A never drew this page
        status, data = deployment.fetch(f"/app/static/payload/{name}", "A")
        assert status == 200
        assert data == (folder_b / name).read_bytes()
        assert (folder_a / name).exists()  # A keeps what it served
    assert deployment.fetch("/app/static/payload/" + "0" * 32 + ".bin", "A")[0] == 404

    # --- c) The throttle counts guesses made through both instances as one client -----------
    analyst = deployment.browser_on(browser, "A")  # guesses first, then signs in
    guesser_b = deployment.browser_on(browser, "B", {"X-Forwarded-For": "203.0.113.77"})
    open_upload(deployment, analyst, guesser_b)
    errors = [sign_in(analyst, f"guess {n}") for n in range(3)]
    errors += [sign_in(guesser_b, f"guess {n}") for n in range(3, 5)]
    assert errors[:4] == ["Wrong password."] * 4
    # The fifth failure, the second made on B, backs off: the three made on A counted there too.
    # (Whether the right password is then refused depends on typing it within the 2 s back-off,
    # a race under load: tests/e2e/test_sign_in_throttle.py shows an attempt in a back-off refused.)
    assert errors[4].startswith("Too many failed attempts")
    with store.db.read() as conn:
        records = conn.execute(sa.select(sign_in_failures.c.client, sign_in_failures.c.failures))
        assert [tuple(r) for r in records] == [("127.0.0.1", 5)]  # B's forged header ignored
    store.clear_sign_in("127.0.0.1")  # as if the back-off had been waited out
    guesser_b.context.close()

    # --- a) An import through A's Upload page is seen by a viewer on B within 5 s ------------
    # The 5 s are the data's arrival: from the import's commit (seen in the store) to the page a
    # viewer already has open on B, B holding the incidents as they were, showing the new one on
    # its next run. A browser's page load is not in them (under load it alone can take 5 s).
    viewer.goto(f"{deployment.proxy}/?q=TWO-A")
    wait_idle(viewer)
    # B's page is drawn, none of TWO-A stored yet. Its headline count comes first in a run.
    in_view = viewer.locator("[data-testid='stMetric']", has_text="Incidents in view")
    expect(in_view.locator("[data-testid='stMetricValue']")).to_have_text("0")
    expect(viewer.get_by_text("No incident matches these filters.")).to_be_visible()
    # The viewer types the id now and presses Enter after the commit (a search runs on Enter):
    # the timed part is then B's run, not the browser's typing under load.
    search = viewer.locator(".st-key-q input")
    search.fill("TWO-A-1")
    assert sign_in(analyst, PASSWORD) == "admitted"
    choose_file(analyst, "first.csv", incidents_csv("TWO-A", 3))
    version = store.data_version()
    analyst.get_by_role("button", name="Import", exact=True).click()
    wait_for(lambda: store.data_version() != version, "A's import to commit", timeout=60)
    committed = time.monotonic()
    search.press("Enter")
    expect(in_view.locator("[data-testid='stMetricValue']")).to_have_text("1", timeout=30_000)
    seen_after = time.monotonic() - committed
    expect(viewer.locator(".st-key-incident_table")).to_contain_text("Incidents 1 to 1 of 1")
    assert seen_after < 5, f"the import showed on B {seen_after:.1f} s after its commit"
    stored = analyst.locator("[data-testid='stAlert']", has_text="Stored as batch")
    first_batch = int(re.findall(r"Stored as batch (\d+)", stored.first.inner_text())[0])
    viewer.goto(f"{deployment.proxy}/?q=TWO-A-1&incident=TWO-A-1")
    viewer.locator(".st-key-incident_record", has_text="TWO-A-1").wait_for(timeout=30_000)

    # --- d) A revert on B while A imports: it waits, and history stays one chain -------------
    choose_file(analyst, "second.csv", incidents_csv("TWO-B", 3))
    with store.db.write_own_rows() as held:
        held.execute(sa.text("LOCK TABLE incident_history IN SHARE ROW EXCLUSIVE MODE"))
        analyst.get_by_role("button", name="Import", exact=True).click()
        wait_for(
            lambda: backend_waiting_on(store, HISTORY_ROWS),
            "A's import to reach its history rows",
            lambda: activity(store),
        )
        revert = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "revert", str(first_batch)],
            cwd=REPO,
            env={**os.environ, **deployment.envs["B"]},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_for(
            lambda: backend_waiting_on(store, "SELECT pg_advisory_xact_lock%"),
            "the revert to wait for A's import",
            lambda: activity(store),
        )
    output, _ = revert.communicate(timeout=60)
    assert revert.returncode == 0, output
    analyst.locator("[data-testid='stAlert']", has_text="Stored as batch").wait_for()
    batches = store.batches().set_index("id")
    second_batch = int(batches.index[batches["filename"] == "second.csv"][0])
    revert_batch = int(batches.index[batches["reverts_batch"] == first_batch][0])
    assert first_batch < second_batch < revert_batch  # the revert waited for the import
    ids = set(store.incidents()["incident_id"])
    assert {"TWO-B-0", "TWO-B-1", "TWO-B-2"} <= ids
    assert not {"TWO-A-0", "TWO-A-1", "TWO-A-2"} & ids
    history_is_one_chain(store)

    # --- e) Killing A mid-import loses nothing, and B keeps serving --------------------------
    before = (store.incidents(), store.batches())
    choose_file(analyst, "third.csv", incidents_csv("TWO-C", 3))
    with store.db.write_own_rows() as held:
        held.execute(sa.text("LOCK TABLE incident_history IN SHARE ROW EXCLUSIVE MODE"))
        analyst.get_by_role("button", name="Import", exact=True).click()
        pid = wait_for(
            lambda: backend_waiting_on(store, HISTORY_ROWS),
            "A's import to reach its history rows",
            lambda: activity(store),
        )
        deployment.apps["A"].process.send_signal(signal.SIGKILL)
        deployment.apps["A"].process.wait(timeout=10)
    assert pid is not None
    wait_for(lambda: not backend_alive(store, pid), "A's transaction to end")
    after = (store.incidents(), store.batches())
    assert after[0].equals(before[0])  # not one of the batch's rows, nor the others lost
    assert after[1].equals(before[1])
    history_is_one_chain(store)
    # B serves its viewer, and A's browsers now reach B.
    viewer.goto(f"{deployment.proxy}/?q=TWO-B-1&incident=TWO-B-1")
    viewer.locator(".st-key-incident_record", has_text="TWO-B-1").wait_for(timeout=10_000)
    # A browser pinned to A is answered by B, and pinned to B from now on.
    assert deployment.probe("a") == ("B", f"{COOKIE}=b; Path=/; HttpOnly; SameSite=Lax")
    analyst.goto(deployment.proxy)
    analyst.get_by_text("DPRK-origin missile strikes on Ukraine").wait_for(timeout=30_000)
    assert deployment.fetch("/", "A")[0] == 200

    elapsed = time.monotonic() - started
    print(f"two instances: seen on B {seen_after:.1f} s after the commit; steps {elapsed:.0f} s")
