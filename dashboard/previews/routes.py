"""Link previews over HTTP: ``preview.png?<a link's query>``, and the Open Graph and
Twitter-card tags put into the page's HTML (:class:`OpenGraph`) for whoever asks for it, a
chat app's crawler (which runs no JavaScript) included.

The tags describe the view exactly as the page would show it (:func:`dashboard.core.monitor.
assemble` over the page's own frames: a value the data lacks is dropped, as the page drops it)
in the link's language, else the request's ``Accept-Language``. Every value is escaped by the
one HTML template environment (:func:`dashboard.core.text.html_page`). ``og:image`` names the
view's canonical query, so the image's answer and cache key are the same for equivalent links.
Both are cached by view, language and data version (bounded; least recently used out).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Final, Generic, TypeVar

import anyio
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from dashboard.api import endpoints, views
from dashboard.api.endpoints import ASGIApp, Message, Receive, Scope, Send
from dashboard.core import i18n, links
from dashboard.core.i18n import _
from dashboard.core.monitor import Screen, assemble
from dashboard.core.text import html_page
from dashboard.core.view import View
from dashboard.feeds.routes import GUARD, base_path
from dashboard.previews.card import card
from dashboard.previews.image import HEIGHT, WIDTH, render

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


class Bounded(Generic[_K, _V]):
    """A thread-safe cache of at most ``size`` entries, least recently used out."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[_K, _V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: _K, make: Callable[[], _V]) -> _V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


#: Images kept (about 80 KB each) and tag sets kept (about 2 KB each).
IMAGES: Final = Bounded[str, bytes](64)
TAGS: Final = Bounded[str, bytes](512)

#: Open Graph's locale of each interface language.
OG_LOCALES: Final = {"en": "en_GB", "uk": "uk_UA"}
_TAGS_TEMPLATE: Final = html_page(
    """<meta property="og:type" content="website">
<meta property="og:site_name" content="{{ site }}">
<meta property="og:title" content="{{ card.title }}">
<meta property="og:description" content="{{ card.description }}">
<meta property="og:url" content="{{ url }}">
<meta property="og:locale" content="{{ locale }}">
<meta property="og:image" content="{{ image }}">
<meta property="og:image:type" content="image/png">
<meta property="og:image:width" content="{{ width }}">
<meta property="og:image:height" content="{{ height }}">
<meta property="og:image:alt" content="{{ card.title }}">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="{{ card.title }}">
<meta name="twitter:description" content="{{ card.description }}">
<meta name="twitter:image" content="{{ image }}">
<meta name="description" content="{{ card.description }}">
"""
)


def lenient_screen(view: View, now: datetime) -> Screen:
    """The screen the page shows for a link's view: a weapon or district the data lacks dropped,
    as the page drops it (it notes it; a preview has nowhere to)."""
    return assemble(view, load=views.incidents, events=views.mandate_events(), today=now.date())


def app_root(request: Request) -> str:
    """The app's root URL (``…/``, with Streamlit's base URL path): where its routes are."""
    return str(request.base_url) + (base_path().lstrip("/") + "/" if base_path() else "")


def tags(request: Request) -> bytes:
    """The preview's ``<meta>`` tags for the page this request asks for (UTF-8 HTML): the link's
    view, what the link parser ignores left out as the page leaves it out."""
    params = views.query_lists(request)
    lang = views.request_language(params, request)
    now = datetime.now(UTC)
    page = str(request.url.replace(query=""))
    with i18n.use(lang):
        view, _notes = links.parse(params, now=now)
        spoken = replace(view, lang=lang)
        version = views.data_version(view.asof, now=now)

        def make() -> bytes:
            shown = lenient_screen(spoken, now)
            return _TAGS_TEMPLATE.render(
                site=_("Sanctions monitoring dashboard"),
                card=card(shown),
                url=links.share_url(page, replace(shown.view, lang=view.lang)),
                locale=OG_LOCALES.get(lang, lang),
                image=f"{app_root(request)}preview.png?{links.query_string(shown.view)}",
                width=WIDTH,
                height=HEIGHT,
            ).encode("utf-8")

        # The page's address is part of the key: the tags name it (and the image) in full.
        return TAGS.get(views.etag(f"og {page}", spoken, version, lang), make)


def preview_body(asked: endpoints.Asked, _request: Request) -> bytes:
    """``GET preview.png?<a link's query>``: the view's PNG, made once per view, language and
    data version."""

    def make() -> bytes:
        shown = views.screen(asked.view, today=datetime.now(UTC).date())
        return render(card(shown), shown.in_view)

    return IMAGES.get(asked.tag, make)


def routes() -> list[BaseRoute]:
    """The preview image's route, under Streamlit's base URL path."""
    return [
        Route(f"{base_path()}/preview.png", GUARD.read("preview.png", "image/png", preview_body))
    ]


#: Paths whose HTML is never a page's (Streamlit's own files and endpoints, the app's files).
_NOT_PAGES: Final = ("/static/", "/_stcore/", "/app/", "/component/", "/api/")


class OpenGraph:
    """Put the view's preview tags into the page's HTML (Streamlit's ``index.html``, which it
    serves for ``/`` and every page path) right after ``<head>``, for every ``GET``.

    The page is asked for without compression (it is a few KB) so the tags can be put in; a
    store that cannot be reached leaves the page as it is (it says so itself)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or self._not_page(scope["path"]):
            await self.app(scope, receive, send)
            return
        plain = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
        inner = {**scope, "headers": plain}
        await endpoints.buffered(
            self.app,
            inner,
            receive,
            send,
            lambda start, body: self._send(Request(scope), start, body, send),
        )

    @staticmethod
    def _not_page(path: str) -> bool:
        return any(part in path for part in _NOT_PAGES) or path.rsplit("/", 1)[-1].count(".") > 0

    async def _send(self, request: Request, start: Message, body: bytes, send: Send) -> None:
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        head = body.find(b"<head>")
        if (
            start.get("status") == 200
            and headers.get("content-type", "").startswith("text/html")
            and "content-encoding" not in headers
            and head >= 0
        ):
            try:
                meta = await anyio.to_thread.run_sync(tags, request)
            except Exception:  # the page shows an outage itself; the preview goes without
                logging.getLogger("dashboard").warning("no preview tags", exc_info=True)
                meta = b""
            at = head + len(b"<head>")
            body = body[:at] + b"\n" + meta + body[at:]
            headers["content-length"] = str(len(body))
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})
