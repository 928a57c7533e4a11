"""The served app's gzip of Streamlit's frontend (:class:`dashboard.server.CompressedStatic`),
driven in-process over a tiny ASGI app that answers as Streamlit does: any ``/static/<path>`` it
has no file for gets ``index.html``."""

from __future__ import annotations

import uuid

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from dashboard.server import CACHE_BYTES, CompressedStatic

INDEX = b"<!doctype html><html>" + b"<script src='/static/js/main.js'></script>" * 50 + b"</html>"
FILES = {"js/main.js": b"console.log('frontend');" * 400, "js/chunk.js": b"let chunk = 1;" * 300}


def _static(request: Request) -> Response:
    path = request.path_params["path"]
    if path in FILES:
        return Response(FILES[path], media_type="application/javascript")
    return Response(INDEX, media_type="text/html")


def _client() -> tuple[TestClient, CompressedStatic]:
    middleware = CompressedStatic(Starlette(routes=[Route("/static/{path:path}", _static)]))
    return TestClient(middleware), middleware


def test_random_paths_answered_with_the_index_share_one_cache_entry() -> None:
    client, middleware = _client()
    for _ in range(500):
        reply = client.get(f"/static/{uuid.uuid4().hex}", headers={"Accept-Encoding": "gzip"})
        assert reply.status_code == 200
        assert reply.headers["content-encoding"] == "gzip"
        assert reply.content == INDEX  # httpx decodes the gzip
    assert len(middleware.cache) == 1


def test_each_frontend_file_is_compressed_once_and_served_whole() -> None:
    client, middleware = _client()
    for _ in range(3):
        for path, body in FILES.items():
            reply = client.get(f"/static/{path}", headers={"Accept-Encoding": "gzip"})
            assert reply.headers["content-encoding"] == "gzip"
            assert int(reply.headers["content-length"]) < len(body)
            assert reply.content == body
    assert len(middleware.cache) == len(FILES)


def test_the_cache_keeps_within_its_byte_bound() -> None:
    """Distinct contents (a frontend larger than the bound) evict the least recently used."""
    middleware = CompressedStatic(Starlette(), limit=2_000)
    for number in range(200):
        middleware.packed(bytes(range(256)) * 4 + str(number).encode())
    assert 0 < middleware.cached_bytes <= 2_000
    assert sum(len(packed) for packed in middleware.cache.values()) == middleware.cached_bytes
    assert CACHE_BYTES >= 8 * 1024 * 1024  # Streamlit's whole frontend, gzipped, fits


def test_a_request_without_gzip_passes_untouched() -> None:
    client, middleware = _client()
    reply = client.get("/static/js/main.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in reply.headers
    assert reply.content == FILES["js/main.js"]
    assert not middleware.cache
