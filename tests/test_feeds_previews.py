"""The feed, the preview image and the preview tags, served in-process by the app itself
(``dashboard.server.app``, Starlette's TestClient) over a real store."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
import streamlit as st
from PIL import Image
from starlette.testclient import TestClient

from dashboard.api import views
from dashboard.api.limits import TokenBucket
from dashboard.core.filters import Filters
from dashboard.core.view import View
from dashboard.feeds import routes as feed_routes
from dashboard.imports import commit, open_store, prepare
from dashboard.server import app
from dashboard.store import Store
from tests.conftest import TODAY
from tests.helpers import csv_bytes, row

CRAWLER = {"User-Agent": "facebookexternalhit/1.1", "Accept-Encoding": "gzip"}


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("DASHBOARD_DB_URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")
    st.cache_resource.clear()
    yield TestClient(app)
    st.cache_resource.clear()


@pytest.fixture
def writer(client: TestClient, tmp_path: Path) -> Iterator[Store]:
    """The same store opened as another process (the CLI) would open it."""
    client.get("/feed.atom")  # the app opens and seeds the store first
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}", today=TODAY)
    yield store
    store.dispose()


def _import(store: Store, *rows: dict[str, str]) -> int:
    return commit(store, prepare(csv_bytes(list(rows)), "u.csv", TODAY), uploaded_by="t").batch_id


def _feed(client: TestClient, query: str = "") -> feedparser.FeedParserDict:
    answer = client.get(f"/feed.atom{query}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_the_feed_gains_an_entry_after_an_import_and_after_a_revert(
    client: TestClient, writer: Store
) -> None:
    before = _feed(client)
    assert len(before.entries) == 8  # the shipped incidents, each new once
    assert before.feed.title == "DPRK-origin missile incidents: changes to the data"
    batch = _import(writer, row(incident_id="T-1", killed="7"))
    after = _feed(client)
    assert len(after.entries) == 9
    new = after.entries[0]
    assert new.title == "New incident T-1"
    assert new.link == "http://testserver/?incident=T-1&v=1"
    assert "Killed: 7" in new.content[0].value
    assert "Source: A report — https://example.org/report" in new.content[0].value
    assert [t.term for t in new.tags] == ["new", "batch:import"]
    assert any(link.href == "https://example.org/report" for link in new.links)

    _import(writer, row(incident_id="T-1", killed="8"))
    assert _feed(client).entries[0].title == "Correction to incident T-1"
    assert "Killed: 7 → 8" in _feed(client).entries[0].content[0].value

    writer.revert_batch(batch + 1, uploaded_by="t")
    reverted = _feed(client).entries[0]
    assert reverted.title == "Revert: incident T-1 changed back"
    assert "Killed: 8 → 7" in reverted.content[0].value
    assert [t.term for t in reverted.tags] == ["revert", "batch:revert"]


def test_the_feed_takes_the_links_filters_and_language(client: TestClient, writer: Store) -> None:
    _import(writer, row(incident_id="T-1", district="Kyivskyi"))
    kyivskyi = _feed(client, "?district=Kyivskyi")
    assert [e.title for e in kyivskyi.entries] == ["New incident T-1"]
    uk = _feed(client, "?district=Kyivskyi&lang=uk")
    assert uk.feed.language == "uk"
    assert "T-1" in uk.entries[0].title
    assert uk.entries[0].title != "New incident T-1"
    assert uk.entries[0].link.endswith("incident=T-1&lang=uk&v=1")


def test_the_feed_is_validated_by_the_data_version(client: TestClient, writer: Store) -> None:
    first = client.get("/feed.atom")
    tag = first.headers["etag"]
    assert client.get("/feed.atom", headers={"If-None-Match": tag}).status_code == 304
    _import(writer, row(incident_id="T-1"))
    assert client.get("/feed.atom", headers={"If-None-Match": tag}).status_code == 200


def test_a_bad_parameter_is_a_400_naming_it(client: TestClient) -> None:
    answer = client.get("/feed.atom?from=2024-13-01&colour=red")
    assert answer.status_code == 400
    assert [p["name"] for p in answer.json()["parameters"]] == ["colour", "from"]
    assert client.get("/preview.png?to=yesterday").status_code == 400


def test_values_from_the_data_stay_text_in_the_feed(client: TestClient, writer: Store) -> None:
    hostile = '<script>alert(1)</script> & "q" \x01 {{ 7*7 }}'
    _import(writer, row(incident_id="T-<b>", weapon=hostile))
    answer = client.get("/feed.atom")
    assert b"<script>" not in answer.content
    assert b"<b>" not in answer.content
    entry = _feed(client).entries[0]
    assert entry.title == "New incident T-<b>"
    assert 'Weapon: <script>alert(1)</script> & "q" \ufffd {{ 7*7 }}' in entry.content[0].value


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        key = named.get("property") or named.get("name")
        if tag == "meta" and key and named.get("content") is not None:
            self.found.setdefault(key, named["content"] or "")


def _meta(client: TestClient, path: str, **headers: str) -> dict[str, str]:
    answer = client.get(path, headers={**CRAWLER, **headers})
    assert answer.status_code == 200
    parser = _Meta()
    parser.feed(answer.text)
    return parser.found


def test_a_crawler_gets_the_views_preview_tags_and_its_image(client: TestClient) -> None:
    link = "/?district=Shevchenkivskyi&from=2024-01-01&to=2024-03-31"
    tags = _meta(client, link)
    # Babel's interval: thin spaces around an en dash.
    months = "Jan\u2009\u2013\u2009Mar 2024"
    assert tags["og:title"] == f"1 DPRK-origin missile incident · Shevchenkivskyi · {months}"
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["og:description"].startswith(
        "Confirmed by an independent monitor: 1 · Killed · injured: 3 · 64 · "
    )
    assert "UN Panel of Experts: Expired 2024-04-30" in tags["og:description"]
    assert tags["og:image"] == (
        "http://testserver/preview.png?from=2024-01-01&to=2024-03-31"
        "&district=Shevchenkivskyi&lang=en&v=1"
    )
    assert tags["og:url"] == (
        "http://testserver/?from=2024-01-01&to=2024-03-31&district=Shevchenkivskyi&v=1"
    )
    # Another page path with the same query: its own address (not the cached tags of "/").
    assert _meta(client, link.replace("/?", "/upload?"))["og:url"].startswith(
        "http://testserver/upload?from=2024-01-01"
    )
    everything = _meta(client, "/")
    assert everything["og:title"].startswith("8 DPRK-origin missile incidents · Ukraine · ")

    started = time.perf_counter()
    image = client.get(tags["og:image"].removeprefix("http://testserver"))
    first = time.perf_counter() - started
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    opened = Image.open(io.BytesIO(image.content))
    assert (opened.format, opened.size) == ("PNG", (1200, 630))
    started = time.perf_counter()
    again = client.get(tags["og:image"].removeprefix("http://testserver"))
    assert again.content == image.content
    assert time.perf_counter() - started < first  # kept: not drawn twice
    revalidated = client.get(
        tags["og:image"].removeprefix("http://testserver"),
        headers={"If-None-Match": image.headers["etag"]},
    )
    assert revalidated.status_code == 304


def test_the_preview_speaks_the_links_language(client: TestClient) -> None:
    tags = _meta(client, "/?district=Shevchenkivskyi&lang=uk")
    assert tags["og:locale"] == "uk_UA"
    assert tags["og:title"].startswith("1 ")
    assert "Шевченківський" in tags["og:title"]
    browser = _meta(client, "/?district=Shevchenkivskyi", **{"Accept-Language": "uk,en;q=0.5"})
    assert browser["og:title"] == tags["og:title"]


def test_every_value_from_the_link_is_escaped(client: TestClient) -> None:
    hostile = '"><script>alert(1)</script>'
    answer = client.get("/", params={"q": hostile}, headers=CRAWLER)
    head = answer.text.split("</head>", 1)[0]
    assert "<script>alert(1)" not in head
    parser = _Meta()
    parser.feed(answer.text)
    assert parser.found["og:title"].startswith("0 DPRK-origin missile incidents")
    assert "q=%22%3E%3Cscript%3E" in parser.found["og:url"]


def test_an_unreachable_store_is_a_503_and_the_page_goes_without_tags(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DASHBOARD_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    st.cache_resource.clear()
    client = TestClient(app)
    for path in ("/feed.atom", "/preview.png"):
        answer = client.get(path)
        assert answer.status_code == 503
        assert "127.0.0.1" not in answer.text
    page = client.get("/", headers=CRAWLER)
    assert page.status_code == 200
    assert "og:title" not in page.text
    st.cache_resource.clear()


def test_the_feed_and_the_image_share_a_rate_limit(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed_routes.GUARD, "limit", TokenBucket(burst=2, rate=0.001))
    assert client.get("/feed.atom").status_code == 200
    assert client.get("/preview.png").status_code == 200
    refused = client.get("/feed.atom")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1


def test_the_examined_filter_keeps_the_examined_incidents_changes(client: TestClient) -> None:
    examined = {
        e.link.split("incident=")[1].split("&")[0] for e in _feed(client, "?examined=1").entries
    }
    assert examined == set(views.rows(View(filters=Filters(examined=True)))["incident_id"])
    assert 0 < len(examined) < 8
