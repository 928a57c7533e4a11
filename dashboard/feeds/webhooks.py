"""Webhooks: each change that reached live data (a batch) posted as JSON to every URL in
``DASHBOARD_WEBHOOKS``, signed with HMAC-SHA256 under ``DASHBOARD_WEBHOOK_SECRET``.

Delivery reads the batch log, never the import: the server polls for new batches in the
background (:func:`delivering`), so an import, from the page or the CLI in another process,
neither waits for a receiver nor fails with one. Each batch and target is claimed in the store
(:meth:`dashboard.store.Store.claim_delivery`), so several instances post it once between them;
a failed post is retried with exponential backoff (:data:`BACKOFF`), up to :data:`ATTEMPTS`
times, each failure logged. A target is delivered the batches after the one it was first
seen at, not the whole history.

The receiver checks ``X-Dashboard-Signature-256: sha256=<hex>``, the HMAC-SHA256 of the raw
body under the shared secret (compare in constant time); ``X-Dashboard-Delivery`` names the
delivery (``<batch>.<target>``), the same on every retry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import anyio
import httpx

from dashboard.core.errors import ConfigError
from dashboard.core.i18n import use
from dashboard.core.links import share_url
from dashboard.feeds.entries import entry
from dashboard.store import Store
from dashboard.store.changes import StoredChange

WEBHOOKS_ENV: Final = "DASHBOARD_WEBHOOKS"
SECRET_ENV: Final = "DASHBOARD_WEBHOOK_SECRET"
#: The page's public address, for the links in the bodies (none without it).
PUBLIC_URL_ENV: Final = "DASHBOARD_PUBLIC_URL"
SIGNATURE_HEADER: Final = "X-Dashboard-Signature-256"
DELIVERY_HEADER: Final = "X-Dashboard-Delivery"
#: Seconds between polls of the batch log.
POLL_SECONDS: Final = 5.0
#: Seconds a claim is held: past it another instance may take a delivery whose holder died.
LEASE_SECONDS: Final = 120.0
#: Seconds to wait for a receiver's answer.
TIMEOUT_SECONDS: Final = 10.0
#: Posts of one batch to one target before it is given up (logged as an error).
ATTEMPTS: Final = 8
#: Seconds before the retry after the n-th failed attempt: 2, 8, 32, … at most an hour.
BACKOFF: Final = (2.0, 4.0, 3600.0)
#: Changes a body lists; the rest are counted (``changes_total``) and read from the feed.
MAX_CHANGES: Final = 1_000

log = logging.getLogger("dashboard.webhooks")


def backoff(attempts: int) -> float:
    """Seconds to wait after ``attempts`` failed attempts."""
    first, factor, most = BACKOFF
    return float(min(most, first * factor ** (attempts - 1)))


@dataclass(frozen=True)
class Target:
    """A receiver's URL, and the key the store knows it by (a hash: the URL may hold a token)."""

    url: str

    @property
    def key(self) -> str:
        return hashlib.sha256(self.url.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Config:
    targets: tuple[Target, ...]
    secret: bytes
    public_url: str | None


def config(environ: Mapping[str, str] = os.environ) -> Config | None:
    """The webhooks the environment configures (URLs separated by commas or spaces), or None;
    :class:`ConfigError` for a URL that is not http(s) or URLs without a secret."""
    urls = environ.get(WEBHOOKS_ENV, "").replace(",", " ").split()
    if not urls:
        return None
    for url in urls:
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            parsed = None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
            raise ConfigError(f"{WEBHOOKS_ENV} must list http(s) URLs, not {url!r}")
    secret = environ.get(SECRET_ENV, "")
    if not secret:
        raise ConfigError(f"{WEBHOOKS_ENV} is set: {SECRET_ENV} must hold the signing secret")
    public = environ.get(PUBLIC_URL_ENV, "").strip() or None
    targets = tuple(Target(u) for u in dict.fromkeys(urls))
    return Config(targets, secret.encode("utf-8"), public)


def sign(secret: bytes, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _stamp(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _change(change: StoredChange, public_url: str | None) -> dict[str, Any]:
    item = entry(change, None)
    return {
        "id": change.change_id,
        "kind": item.kind,
        "incident_id": change.incident_id,
        "title": item.title,
        "changed": list(item.lines),
        "before": change.before,
        "after": change.after,
        "source": {"title": item.source_title, "url": item.source_url},
        "link": share_url(public_url, item.view) if public_url else None,
    }


def body(store: Store, batch_id: int, delivery: str, public_url: str | None) -> bytes:
    """The JSON body for a batch (UTF-8; words in English, values as stored)."""
    with use("en"):
        batch, changes = store.batch_changes(batch_id, MAX_CHANGES)
        total = store.change_count(batch_id) if len(changes) == MAX_CHANGES else len(changes)
        document = {
            "delivery": delivery,
            "batch": {
                "id": batch.batch_id,
                "kind": batch.kind,
                "created_at": _stamp(batch.created_at),
                "filename": batch.filename,
                "source_format": batch.source_format,
                "reverts_batch": batch.reverts_batch,
            },
            "changes_total": total,
            "truncated": total > len(changes),
            "changes": [_change(c, public_url) for c in changes],
        }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


class Deliverer:
    """Posts the store's new batches to the configured targets; one per server process.

    ``store`` gives the store when a poll needs it (opening it may migrate and seed it: never
    on the server's event loop)."""

    def __init__(
        self,
        store: Callable[[], Store],
        settings: Config,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.holder = uuid.uuid4().hex
        self._since: dict[str, int] = {}

    def run_once(self) -> int:
        """Post every delivery now due, each claimed first; how many were attempted."""
        attempted = 0
        store = self.store()
        for target in self.settings.targets:
            since = self._since.get(target.key)
            if since is None:
                since = self._since[target.key] = store.register_target(target.key)
            while (
                claimed := store.claim_delivery(
                    target.key, since, self.holder, self.clock(), LEASE_SECONDS
                )
            ) is not None:
                self._deliver(store, target, *claimed)
                attempted += 1
        return attempted

    def _deliver(self, store: Store, target: Target, batch_id: int, attempts: int) -> None:
        delivery = f"{batch_id}.{target.key[:16]}"
        content = body(store, batch_id, delivery, self.settings.public_url)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(self.settings.secret, content),
            DELIVERY_HEADER: delivery,
            "User-Agent": "dashboard-webhooks/1",
        }
        error: str | None = None
        try:
            status = httpx.post(
                target.url, content=content, headers=headers, timeout=TIMEOUT_SECONDS
            ).status_code
            if not 200 <= status < 300:
                error = f"the receiver answered {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        now = self.clock()
        made = attempts + 1
        if error is None:
            store.finish_delivery(batch_id, target.key, delivered=True, now=now, retry_at=None)
            return
        retry_at = now + backoff(made) if made < ATTEMPTS else None
        store.finish_delivery(
            batch_id, target.key, delivered=False, now=now, retry_at=retry_at, error=error
        )
        where = httpx.URL(target.url).copy_with(query=None, username=None, password=None)
        if retry_at is None:
            log.error(
                "webhook delivery %s to %s given up after %d attempts: %s",
                delivery,
                where,
                made,
                error,
            )
        else:
            log.warning(
                "webhook delivery %s to %s failed (attempt %d of %d, retry in %.0f s): %s",
                delivery,
                where,
                made,
                ATTEMPTS,
                retry_at - now,
                error,
            )


async def _poll(deliverer: Deliverer, interval: float) -> None:
    while True:
        try:
            await anyio.to_thread.run_sync(deliverer.run_once)
        except Exception:  # a store outage or a bug: logged, and the next poll tries again
            log.exception("webhook deliveries could not run")
        await anyio.sleep(interval)


@asynccontextmanager
async def delivering(
    store: Callable[[], Store], settings: Config | None, interval: float = POLL_SECONDS
) -> AsyncIterator[Deliverer | None]:
    """Deliver in the background while the block runs (a server's lifespan); nothing without
    webhooks configured."""
    if settings is None:
        yield None
        return
    deliverer = Deliverer(store, settings)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_poll, deliverer, interval)
        yield deliverer
        tasks.cancel_scope.cancel()
