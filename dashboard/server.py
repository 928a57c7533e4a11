"""The served app: ``streamlit run dashboard/server.py`` (``make run``, and a deployment).

The page is ``dashboard/app.py`` as ever (``streamlit run dashboard/app.py`` still works); this
wraps it in Streamlit's ``st.App`` for two things a plain ``streamlit run`` leaves to each
visitor:

- **Warm start.** Before the server takes its first request it imports what every page run
  needs (pandas, folium, Altair, SQLAlchemy, the dashboard itself) and has folium compile its
  templates, so the first visitor after a start does not wait about 1.5 s for them; then it
  reads the incidents (0.2 s at 100,000 from the store's snapshot, 1 s at 1,000,000).
- **Streamlit's frontend compressed.** Streamlit 1.67 sends its own frontend files (``/static/``,
  about 7.4 MB) uncompressed, leaving compression to a reverse proxy; :class:`CompressedStatic`
  gzips each once and keeps it, so a browser that accepts gzip gets about a quarter of the
  bytes (1.9 MB for the Monitor page) without a proxy, and no visitor waits for compression.
  Streamlit answers any ``/static/<path>`` it has no file for with ``index.html``, so the cache
  is keyed by the answer's content, not its path, and bounded in bytes.

Beside the page it serves the Atom feed of changes (``feed.atom``, :mod:`dashboard.feeds`), the
link previews' image (``preview.png``) and puts each link's preview tags into the page's HTML
(:mod:`dashboard.previews`); while it runs it posts changes to the configured webhooks
(:mod:`dashboard.feeds.webhooks`).

It also answers the map's payload URLs (:class:`PayloadFiles`): from this instance's payload
folder (``DASHBOARD_PAYLOAD_DIR``), else from the store, where every instance of a deployment
shares the payloads it publishes; so a browser whose request reaches another instance than the
one that drew its page still gets its map.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib
import logging
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

import anyio
import streamlit as st
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.responses import Response

from dashboard import api, settings
from dashboard.api import views
from dashboard.api.endpoints import ASGIApp, Message, Receive, Scope, Send, buffered
from dashboard.assets import PAYLOAD_NAME, keep_payload_file
from dashboard.core.errors import StoreUnavailableError
from dashboard.core.mapassets import PAYLOAD_FOLDER
from dashboard.feeds import routes as feeds
from dashboard.feeds import webhooks
from dashboard.previews import routes as previews
from dashboard.store import Store, default_url

#: Modules every page run imports: the libraries and the dashboard's own, but not
#: streamlit-folium (nor the map module that imports it), which registers its component with
#: the runtime only when imported inside a script run.
WARM_MODULES: Final = (
    "pandas",
    "pyarrow",
    "sqlalchemy",
    "folium",
    "branca",
    "altair",
    "dashboard.imports",
    "dashboard.core.monitor",
    "dashboard.core.evidence",
    "dashboard.core.figures",
    "dashboard.core.maps",
    "dashboard.ui.data",
    "dashboard.ui.evidence",
    "dashboard.ui.timeline",
    "dashboard.ui.upload",
    "streamlit.emojis",  # the page icon is an emoji: 0.1 s on the first page config
)
#: Content types worth compressing (Streamlit's scripts, styles, fonts' metadata, the page).
COMPRESSIBLE: Final = ("text/", "application/javascript", "application/json", "image/svg+xml")
#: Gzip level: 9 is 3% smaller than 6 for Streamlit's bundles, paid once per file and process.
LEVEL: Final = 9
#: Bytes of gzipped answers kept: Streamlit 1.67's whole frontend is about 2 MB gzipped, so
#: every real file fits; past it the least recently served answer goes first.
CACHE_BYTES: Final = 16 * 1024 * 1024


def warm() -> None:
    """Import what every run needs and compile folium's templates (one tiny map drawn)."""
    for module in WARM_MODULES:
        importlib.import_module(module)
    import folium

    folium.Map(location=(50.0, 36.2), zoom_start=10, tiles=None).get_root().render()


#: The thread reading the incidents at start: Streamlit's caches warn, for any thread outside a
#: script run, of a "missing ScriptRunContext" that only matters to a script run bare.
_LOADER: Final = "load-incidents"


def _not_the_loader(record: logging.LogRecord) -> bool:
    return record.threadName != _LOADER


def load_incidents() -> None:
    """Read the store's incidents into the frame every session shares (migrating and seeding a
    new store first), as the first page view would. A store that cannot be reached is left to
    the page, which says so and retries."""
    from dashboard.ui import data

    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        _not_the_loader
    )
    try:
        data.incidents()
    except Exception:  # the page reports it; the server must start regardless
        logging.getLogger("dashboard").warning("incidents not loaded at start", exc_info=True)


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """Warm the process before the server answers its first request, then read the incidents
    beside it (a first visitor meanwhile waits for that one read instead of starting another)."""
    warm()
    threading.Thread(target=load_incidents, name=_LOADER, daemon=True).start()
    async with webhooks.delivering(views.store, webhooks.config()):
        yield


class CompressedStatic:
    """Gzip Streamlit's frontend files (``/static/``) for browsers that accept it, each answer
    compressed once per process and kept.

    Only a whole ``200`` response of a compressible type, to a request without ``Range``, is
    compressed; anything else passes as it is. The app's own ``/app/static/`` files are left
    to Streamlit, which compresses them already. The cache is keyed by a hash of the answer
    itself: every path Streamlit answers with ``index.html`` shares one entry, so requests for
    random paths cannot grow it; and it keeps at most ``limit`` bytes, least recently used out.
    """

    def __init__(self, app: ASGIApp, limit: int = CACHE_BYTES) -> None:
        self.app = app
        self.limit = limit
        self.cache: OrderedDict[bytes, bytes] = OrderedDict()
        self.cached_bytes = 0
        self._lock = threading.Lock()

    def packed(self, body: bytes) -> bytes:
        """``body`` gzipped, from the cache when the same bytes were compressed before."""
        key = hashlib.sha256(body).digest()
        with self._lock:
            hit = self.cache.get(key)
            if hit is not None:
                self.cache.move_to_end(key)
                return hit
        packed = gzip.compress(body, compresslevel=LEVEL, mtime=0)
        with self._lock:
            if key not in self.cache and len(packed) <= self.limit:
                self.cache[key] = packed
                self.cached_bytes += len(packed)
                while self.cached_bytes > self.limit:
                    self.cached_bytes -= len(self.cache.popitem(last=False)[1])
        return packed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        await buffered(
            self.app, scope, receive, send, lambda start, body: self._send(start, body, send)
        )

    @staticmethod
    def _applies(scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        root = scope.get("root_path", "").rstrip("/")
        path: str = scope["path"]
        if root and path.startswith(root):
            path = path[len(root) :]
        if "/static/" not in path or path.split("/static/", 1)[0].endswith("/app"):
            return False
        headers = Headers(scope=scope)
        return "gzip" in headers.get("accept-encoding", "") and "range" not in headers

    async def _send(self, start: Message, body: bytes, send: Send) -> None:
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        kind = headers.get("content-type", "")
        if (
            start.get("status") != 200
            or "content-encoding" in headers
            or not kind.startswith(COMPRESSIBLE)
        ):
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        packed = self.packed(body)
        headers["content-encoding"] = "gzip"
        headers["content-length"] = str(len(packed))
        headers.add_vary_header("Accept-Encoding")
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": packed})


@functools.cache
def _store(url: str) -> Store:
    """The store payloads are read from (the page opens, migrates and seeds it)."""
    return Store(url)


def shared_store() -> Store:
    """The configured store, one per URL and process."""
    return _store(default_url())


#: Payload files never change under their name: browsers may keep them as long as they like.
IMMUTABLE: Final = "public, max-age=31536000, immutable"
_PAYLOAD_TYPES: Final = {".bin": "application/octet-stream", ".json": "application/json"}


class PayloadFiles:
    """Answer ``<base>/app/static/payload/<name>`` from this instance's payload folder, else from
    the store (keeping the file here for next time); 404 for a name no instance published, 503
    while the store cannot be reached.

    Before this, Streamlit served the folder inside the package, so an instance answered only
    the payloads it had written itself, and a folder outside the package was not served at all.
    """

    def __init__(
        self,
        app: ASGIApp,
        folder: Callable[[], Path] = settings.payload_dir,
        store: Callable[[], Store] = shared_store,
    ) -> None:
        self.app = app
        self.folder = folder
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = self._name(scope)
        if name is None:
            await self.app(scope, receive, send)
            return
        try:
            data = await anyio.to_thread.run_sync(self.read, name)
        except StoreUnavailableError:
            response = Response("the store cannot be reached", status_code=503)
        else:
            if data is None:
                response = Response("no such map payload", status_code=404)
            else:
                response = self._response(name, data, Headers(scope=scope))
        await response(scope, receive, send)

    @staticmethod
    def _name(scope: Scope) -> str | None:
        """The file a payload URL names, or None for any other request."""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        base = str(st.get_option("server.baseUrlPath") or "").strip("/")
        prefix = f"{'/' + base if base else ''}/app/static/{PAYLOAD_FOLDER}/"
        root = scope.get("root_path", "").rstrip("/")
        path: str = scope["path"]
        if root and path.startswith(root):
            path = path[len(root) :]
        return path[len(prefix) :] if path.startswith(prefix) else None

    def read(self, name: str) -> bytes | None:
        """The file's bytes, from this instance's folder or else the store; None if unknown."""
        if not PAYLOAD_NAME.fullmatch(name):
            return None
        folder = self.folder()
        try:
            return (folder / name).read_bytes()
        except FileNotFoundError:
            pass
        data = self.store().shared_payload(name)
        # Named by its content: bytes that do not hash to the name are not that file.
        if data is None or hashlib.sha256(data).hexdigest()[:32] != name.split(".")[0]:
            return None
        keep_payload_file(name, data, folder)
        return data

    @staticmethod
    def _response(name: str, data: bytes, headers: Headers) -> Response:
        kind = _PAYLOAD_TYPES[name[name.rindex(".") :]]
        extra = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding"}
        if kind == "application/json" and "gzip" in headers.get("accept-encoding", ""):
            data = gzip.compress(data, compresslevel=6, mtime=0)
            extra["Content-Encoding"] = "gzip"
        return Response(data, media_type=kind, headers=extra)


app = st.App(
    Path(__file__).with_name("app.py"),
    lifespan=lifespan,
    routes=[*api.routes(), *feeds.routes(), *previews.routes()],
    middleware=[
        Middleware(CompressedStatic),
        Middleware(PayloadFiles),
        Middleware(previews.OpenGraph),
    ],
)
