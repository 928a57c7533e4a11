"""``feed.atom``: the changes of a link's view as an Atom feed, beside the page.

The query is read exactly as a link's (:func:`dashboard.api.views.parse_view`: a bad parameter
is a ``400`` naming it); the answer is validated by the data version (``ETag``, ``304``). The
entries are the latest :data:`ENTRIES` changes in the view among the latest :data:`SCANNED`
changes to the store (a view matching rarely may list fewer).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

import streamlit as st
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from dashboard.api import endpoints, views
from dashboard.core import links
from dashboard.core.view import View
from dashboard.feeds.atom import MEDIA_TYPE, Feed, document
from dashboard.feeds.entries import Entry, entry, in_view
from dashboard.store import Store

#: Entries a feed lists, newest first.
ENTRIES: Final = 50
#: Changes read back (newest first) to find them, in pages of :data:`PAGE`.
SCANNED: Final = 20_000
PAGE: Final = 2_000


def latest_entries(
    store: Store, view: View, *, limit: int = ENTRIES, scanned: int = SCANNED
) -> list[Entry]:
    """The latest ``limit`` changes the view shows (before or after them), as entries in the
    language in force; only changes of batches up to the view's ``asof`` count."""
    upto = store.last_batch_at(view.asof) if view.asof is not None else None
    evidence = views.evidence(view.asof) if view.filters.examined else None
    found: list[Entry] = []
    below: int | None = None
    read = 0
    while len(found) < limit and read < scanned:
        page = store.recent_changes(min(PAGE, scanned - read), below=below, upto_batch=upto)
        if not page:
            break
        read += len(page)
        below = page[-1].change_id
        found += [entry(c, view.lang) for c in in_view(page, view, evidence)]
    return found[:limit]


def base_path() -> str:
    """Streamlit's ``server.baseUrlPath`` as a path prefix (``""`` or ``/name``)."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def page_url(request: Request, own_path: str) -> str:
    """The page's URL (``…/``), from a request to one of the routes at ``own_path``."""
    url = str(request.url.replace(query=""))
    return url[: len(url) - len(own_path)] + "/"


#: One rate limit for the feed and the preview image: the read API's rule, a budget of their own.
GUARD: Final = endpoints.Api()


def feed_body(asked: endpoints.Asked, request: Request) -> bytes:
    """``GET feed.atom?<a link's query>``: the view's latest changes as an Atom document."""
    page = page_url(request, "/feed.atom")
    info = Feed(
        self_url=str(request.url),
        page_url=page,
        view_url=links.share_url(page, asked.view),
        host=request.url.hostname or "localhost",
    )
    return document(info, latest_entries(views.store(), asked.view), now=datetime.now(UTC))


def routes() -> list[BaseRoute]:
    """The feed's route, under Streamlit's base URL path."""
    return [Route(f"{base_path()}/feed.atom", GUARD.read("feed.atom", MEDIA_TYPE, feed_body))]
