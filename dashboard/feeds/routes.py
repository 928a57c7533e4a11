"""``feed.atom``: the changes of a link's view as an Atom feed, beside the page.

The query is read exactly as a link's (:func:`dashboard.api.views.parse_view`: a bad parameter
is a ``400`` naming it); the answer is validated by the data version (``ETag``, ``304``). The
entries are the latest :data:`ENTRIES` changes in the view among the latest :data:`SCANNED`
changes to the store (a view matching rarely may list fewer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

import streamlit as st
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dashboard.api import endpoints, views
from dashboard.core import i18n, links
from dashboard.core.errors import StoreUnavailableError
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
LOG: Final = logging.getLogger("dashboard")


def guarded(request: Request, answer: Callable[[], Response]) -> Response:
    """``answer()``, unless the client is over the rate limit (``429``); a ``400`` naming each
    bad parameter, a ``503`` while the store cannot be reached (as the read API answers)."""
    refused = GUARD.limited(request)
    if refused is not None:
        return refused
    try:
        return answer()
    except views.BadRequestError as exc:
        return views.bad_request(exc.problems)
    except StoreUnavailableError as exc:
        LOG.warning("%s", exc)  # names the database host: the log, not the client
        return endpoints.unavailable()


def feed(request: Request) -> Response:
    """``GET feed.atom?<a link's query>``."""
    params = views.query_lists(request)
    lang = views.request_language(params, request)
    with i18n.use(lang):
        return guarded(request, lambda: _feed(request, params, lang))


def _feed(request: Request, params: dict[str, list[str]], lang: str) -> Response:
    now = datetime.now(UTC)
    view = views.parse_view(params, now=now)
    version = views.data_version(view.asof, now=now)
    tag = views.etag("feed.atom", view, version, lang)
    headers = {"ETag": tag, "Cache-Control": views.cache_control(version)}
    if views.not_modified(request, tag):
        return Response(status_code=304, headers=headers)
    page = page_url(request, "/feed.atom")
    info = Feed(
        self_url=str(request.url),
        page_url=page,
        view_url=links.share_url(page, view),
        host=request.url.hostname or "localhost",
    )
    body = document(info, latest_entries(views.store(), view), now=now)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


def routes() -> list[BaseRoute]:
    """The feed's route, under Streamlit's base URL path."""
    return [Route(f"{base_path()}/feed.atom", feed, methods=["GET"])]
