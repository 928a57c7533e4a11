"""Webhooks against a real HTTP receiver (a server thread in the test) and a real store: each
batch is posted once, signed; a failure is retried with backoff and logged; two instances
deliver each batch once between them."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
import pytest

from dashboard.core.errors import ConfigError
from dashboard.feeds import webhooks
from dashboard.feeds.webhooks import ATTEMPTS, Config, Deliverer, Target, backoff, config
from dashboard.imports import commit, prepare
from dashboard.store import Store
from tests.conftest import TODAY
from tests.helpers import csv_bytes, row

SECRET = b"s3cret"


@dataclass
class Receiver:
    """What the test's receiver got, and the statuses it answers with (then 200)."""

    url: str
    statuses: list[int] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[str] = field(default_factory=list)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            expected = "sha256=" + hmac.new(SECRET, raw, hashlib.sha256).hexdigest()
            signed = hmac.compare_digest(expected, self.headers[webhooks.SIGNATURE_HEADER] or "")
            with got.lock:
                status = got.statuses.pop(0) if got.statuses else 200
                if not signed:
                    got.bad_signatures += 1
                elif status == 200:
                    got.bodies.append(json.loads(raw))
                    got.deliveries.append(self.headers[webhooks.DELIVERY_HEADER])
            self.send_response(status if signed else 401)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    got.url = f"http://127.0.0.1:{server.server_address[1]}/hook?token=abc"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield got
    server.shutdown()
    server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _import(store: Store, *rows: dict[str, str]) -> int:
    report = prepare(csv_bytes(list(rows)), "upload.csv", TODAY)
    return commit(store, report, uploaded_by="test").batch_id


def _deliverer(store: Store, url: str, clock: Clock | None = None) -> Deliverer:
    settings = Config((Target(url),), SECRET, "https://dash.example/")
    return Deliverer(lambda: store, settings, clock=clock or Clock())


def test_a_new_batch_is_posted_once_signed(store: Store, receiver: Receiver) -> None:
    deliverer = _deliverer(store, receiver.url)
    assert deliverer.run_once() == 0  # the seed came before the target: not delivered
    batch = _import(store, row(incident_id="T-1"), row(incident_id="T-2", killed="5"))
    assert deliverer.run_once() == 1
    assert deliverer.run_once() == 0
    assert receiver.bad_signatures == 0
    [sent] = receiver.bodies
    assert sent["batch"]["id"] == batch
    assert sent["batch"]["kind"] == "import"
    assert sent["changes_total"] == 2
    assert [(c["incident_id"], c["kind"]) for c in sent["changes"]] == [
        ("T-1", "new"),
        ("T-2", "new"),
    ]
    assert sent["changes"][1]["after"]["killed"] == 5
    assert sent["changes"][0]["link"] == "https://dash.example/?incident=T-1&v=1"
    assert receiver.deliveries == [sent["delivery"]]

    store.revert_batch(batch, uploaded_by="test")
    assert deliverer.run_once() == 1
    reverted = receiver.bodies[-1]
    assert reverted["batch"]["kind"] == "revert"
    assert reverted["batch"]["reverts_batch"] == batch
    assert {c["kind"] for c in reverted["changes"]} == {"revert"}
    assert reverted["changes"][0]["after"] is None


def test_a_failure_is_retried_with_backoff_and_logged(
    store: Store, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    deliverer = _deliverer(store, receiver.url, clock)
    deliverer.run_once()
    _import(store, row(incident_id="T-1"))
    receiver.statuses = [500, 503]
    with caplog.at_level(logging.WARNING, logger="dashboard.webhooks"):
        assert deliverer.run_once() == 1
    assert "attempt 1 of 8" in caplog.text
    assert "answered 500" in caplog.text
    assert "token=abc" not in caplog.text  # the URL's query may hold a secret
    assert deliverer.run_once() == 0  # not due before its backoff
    clock.now += backoff(1)
    assert deliverer.run_once() == 1  # 503
    clock.now += backoff(2) - 1
    assert deliverer.run_once() == 0
    clock.now += 1
    assert deliverer.run_once() == 1
    assert len(receiver.bodies) == 1
    [done] = [d for d in store.deliveries(Target(receiver.url).key) if d["state"] == "delivered"]
    assert done["attempts"] == 3


def test_a_receiver_that_never_answers_is_given_up_as_an_error(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    deliverer = _deliverer(store, "http://127.0.0.1:9/closed", clock)
    deliverer.run_once()
    _import(store, row(incident_id="T-1"))
    with caplog.at_level(logging.WARNING, logger="dashboard.webhooks"):
        for attempt in range(1, ATTEMPTS + 1):
            assert deliverer.run_once() == 1
            clock.now += backoff(attempt)
        assert deliverer.run_once() == 0
    [given_up] = store.deliveries(Target("http://127.0.0.1:9/closed").key)
    assert (given_up["state"], given_up["attempts"]) == ("failed", ATTEMPTS)
    assert "given up after 8 attempts" in caplog.text
    assert backoff(1) == 2
    assert backoff(2) == 8
    assert backoff(ATTEMPTS) == 3600


def test_two_instances_deliver_each_batch_once(
    store: Store, db_url: str, receiver: Receiver
) -> None:
    other = Store(db_url)  # another server process's store: its own engine
    first, second = _deliverer(store, receiver.url), _deliverer(other, receiver.url)
    first.run_once()
    second.run_once()
    batches = [_import(store, row(incident_id=f"T-{n}")) for n in range(6)]
    threads = [threading.Thread(target=d.run_once) for d in (first, second, first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.dispose()
    assert sorted(b["batch"]["id"] for b in receiver.bodies) == batches


def test_the_configuration_is_checked() -> None:
    assert config({}) is None
    with pytest.raises(ConfigError, match="DASHBOARD_WEBHOOK_SECRET"):
        config({"DASHBOARD_WEBHOOKS": "https://a.example/hook"})
    with pytest.raises(ConfigError, match=r"'ftp://a\.example'"):
        config({"DASHBOARD_WEBHOOKS": "ftp://a.example", "DASHBOARD_WEBHOOK_SECRET": "x"})
    with pytest.raises(ConfigError, match="must list http"):
        config({"DASHBOARD_WEBHOOKS": "http://[::1", "DASHBOARD_WEBHOOK_SECRET": "x"})
    both = config(
        {
            "DASHBOARD_WEBHOOKS": "https://a.example/1, https://b.example/2",
            "DASHBOARD_WEBHOOK_SECRET": "x",
        }
    )
    assert both is not None
    assert [t.url for t in both.targets] == ["https://a.example/1", "https://b.example/2"]


def run_apart(serve: Callable[[], Awaitable[None]]) -> None:
    """``anyio.run(serve)`` in a thread of its own: a browser test earlier in this worker leaves
    Playwright's event loop running in the main thread, where anyio will not start another."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(anyio.run, serve).result()


def test_the_server_delivers_in_the_background(store: Store, receiver: Receiver) -> None:
    """What the server's lifespan runs: a poll that posts a batch made meanwhile, the import
    itself never waiting for the receiver."""
    settings = Config((Target(receiver.url),), SECRET, None)

    store.register_target(Target(receiver.url).key)  # as a first poll would: after the seed

    async def serve() -> None:
        async with webhooks.delivering(lambda: store, settings, interval=0.05) as deliverer:
            assert deliverer is not None
            await anyio.to_thread.run_sync(_import, store, row(incident_id="T-1"))
            with anyio.fail_after(30):
                while not receiver.bodies:
                    await anyio.sleep(0.05)

    run_apart(serve)
    assert [c["incident_id"] for c in receiver.bodies[0]["changes"]] == ["T-1"]


def test_no_webhooks_configured_runs_nothing() -> None:
    async def serve() -> None:
        async with webhooks.delivering(lambda: pytest.fail("no store needed"), None) as found:
            assert found is None

    run_apart(serve)
