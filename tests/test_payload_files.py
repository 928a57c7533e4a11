"""Map payload files across instances: what one publishes, another serves (the store's shared
payloads, and the served app's :class:`dashboard.server.PayloadFiles` driven in-process)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from streamlit import config

from dashboard.assets import publish_payload
from dashboard.core.payload import Payload, encode_payload
from dashboard.core.records import incidents_frame
from dashboard.server import PayloadFiles
from dashboard.store import Store


@pytest.fixture
def shared(db_url: str) -> Iterator[Store]:
    opened = Store(db_url)
    opened.db.migrate()
    yield opened
    opened.dispose()


def payload(count: int, place: str = "Village") -> Payload:
    return encode_payload(
        incidents_frame(
            {
                "incident_id": f"P{i}",
                "date": "2024-01-02",
                "location": place,
                "latitude": 49.9 + i / 1000,
                "longitude": 36.2,
                "geo_precision": 1,
                "weapon": "KN-23",
                "attribution_status": "confirmed",
            }
            for i in range(count)
        )
    )


def instance(folder: Path, store: Store) -> TestClient:
    """An instance's payload serving over a stand-in for Streamlit, which answers everything else
    (and, as Streamlit does for a path it has no file for, with index.html)."""
    fallback = Starlette(routes=[Route("/{path:path}", lambda _: PlainTextResponse("index"))])
    return TestClient(PayloadFiles(fallback, folder=lambda: folder, store=lambda: store))


def test_a_payload_one_instance_published_is_served_by_the_other(
    shared: Store, tmp_path: Path
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    made = payload(3)
    name = publish_payload(made, a)
    shared.share_payload(made.files())
    reply = instance(b, shared).get(f"/app/static/payload/{name}")
    assert reply.status_code == 200
    assert reply.content == made.data
    assert reply.headers["content-type"] == "application/octet-stream"
    assert "immutable" in reply.headers["cache-control"]
    assert (b / name).read_bytes() == made.data  # kept: the next request needs no store
    block = next(n for n in made.files() if n.endswith(".json"))
    reply = instance(b, shared).get(
        f"/app/static/payload/{block}", headers={"Accept-Encoding": "gzip"}
    )
    assert reply.headers["content-encoding"] == "gzip"
    assert reply.content == made.files()[block]


def test_names_no_instance_published_are_404_not_the_page(shared: Store, tmp_path: Path) -> None:
    client = instance(tmp_path, shared)
    for name in ("f" * 32 + ".bin", "a/" + "f" * 32 + ".bin", "index.html", "F" * 32 + ".bin"):
        assert client.get(f"/app/static/payload/{name}").status_code == 404
    assert client.get("/app/static/vendor/leaflet.js").text == "index"  # not a payload: passed


def test_bytes_that_do_not_match_their_name_are_not_served(shared: Store, tmp_path: Path) -> None:
    made = payload(2)
    forged = {made.name: payload(2, "Elsewhere").data}
    shared.share_payload(forged)
    assert instance(tmp_path, shared).get(f"/app/static/payload/{made.name}").status_code == 404


def test_the_shared_payloads_keep_a_budget_newest_first(shared: Store) -> None:
    files = [payload(n).files() for n in (1, 2, 3)]
    sizes = [sum(len(data) for data in f.values()) for f in files]
    for published in files:
        shared.share_payload(published, budget=sizes[1] + sizes[2])
    assert [all(shared.shared_payload(n) for n in f) for f in files] == [False, True, True]
    shared.share_payload(files[1], budget=sizes[1] + sizes[2])  # again: only its age changes
    shared.share_payload(files[0], budget=sizes[0] + sizes[1])
    assert [all(shared.shared_payload(n) for n in f) for f in files] == [True, True, False]


def test_a_payload_is_read_gzipped_only_when_asked(shared: Store, tmp_path: Path) -> None:
    made = payload(2)
    publish_payload(made, tmp_path)
    block = next(n for n in made.files() if n.endswith(".json"))
    raw = instance(tmp_path, shared).get(
        f"/app/static/payload/{block}", headers={"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in raw.headers
    assert raw.content == made.files()[block] != gzip.compress(raw.content)


def test_under_a_base_path_the_payloads_are_served_there(shared: Store, tmp_path: Path) -> None:
    made = payload(2)
    publish_payload(made, tmp_path)
    before = config.get_option("server.baseUrlPath")
    config.set_option("server.baseUrlPath", "monitor/")
    try:
        client = instance(tmp_path, shared)
        assert client.get(f"/monitor/app/static/payload/{made.name}").content == made.data
        assert client.get(f"/app/static/payload/{made.name}").text == "index"  # not its URL
    finally:
        config.set_option("server.baseUrlPath", before)
