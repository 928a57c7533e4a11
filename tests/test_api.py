"""The read API (``/api/v1/``) in process, over a real SQLite store: the page's own rows and
figures for the same links, validators and 304, asof stable after an import, 400 naming each
bad parameter, the rate limit, nothing that writes."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import streamlit as st
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from dashboard.api.endpoints import routes
from dashboard.api.limits import TokenBucket
from dashboard.core import export, links
from dashboard.core.evidence import annotate
from dashboard.core.mandate import load_events
from dashboard.core.monitor import Screen, assemble
from dashboard.core.records import frame_records
from dashboard.imports import MANDATE_EVENTS
from dashboard.store import BatchMeta, Store
from tests.helpers import whole_page
from tests.ui.conftest import page_store

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
API = "/api/v1"
#: Links of several kinds: everything, dates, statuses, a weapon class, a district, search,
#: examined only, and a combination.
LINKS = (
    "",
    "from=2024-01-01&to=2024-12-31",
    "status=confirmed&status=preliminary",
    "weapon=Hwasong-11A+%28KN-23%29",
    "district=Slobidskyi&district=%28no+district%29",
    "q=kharkiv",
    "examined=1",
    "from=2024-05-01&status=preliminary&q=kyiv&lang=uk&v=1",
)


@pytest.fixture
def store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A fresh store (SQLite, PostgreSQL), seeded with the shipped incidents, that the page and
    the API read."""
    with page_store(db_url, monkeypatch) as opened:
        yield opened


@pytest.fixture
def client(store: Store) -> TestClient:
    return TestClient(Starlette(routes=routes(limit=TokenBucket(burst=10_000))))


def page_screen(store: Store, query: str) -> Screen:
    """What the Monitor page assembles for a link, straight from the store (no API code)."""
    view, notes = links.parse(_params(query), now=datetime.now(UTC))
    assert notes == []
    screen = assemble(
        view,
        load=lambda asof: annotate(
            store.incidents_asof(asof) if asof else store.incidents(),
            store.evidence(store.last_batch_at(asof) if asof else None),
        ),
        events=load_events(MANDATE_EVENTS),
        today=datetime.now(UTC).date(),
    )
    assert screen.notes == []
    return screen


def _params(query: str) -> dict[str, list[str]]:
    return parse_qs(query, keep_blank_values=True)


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("query", LINKS)
def test_every_route_shows_the_pages_rows_and_figures(
    store: Store, client: TestClient, query: str
) -> None:
    screen = page_screen(store, query)
    ids = screen.in_view["incident_id"].astype(str).tolist()
    assert 0 < len(ids) < 8 or query == ""

    answer = client.get(f"{API}/incidents.csv?{query}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.text == export.to_csv(screen.in_view)  # the page's own export, byte for byte
    assert [r["incident_id"] for r in csv_rows(answer.text)] == ids

    records = client.get(f"{API}/incidents.json?{query}").json()
    assert records["count"] == len(ids)
    assert [r["incident_id"] for r in records["incidents"]] == ids

    geo = client.get(f"{API}/incidents.geojson?{query}").json()
    assert geo["type"] == "FeatureCollection"
    assert [f["id"] for f in geo["features"]] == ids

    status = client.get(f"{API}/status.json?{query}").json()
    figures = screen.figures
    assert status["figures"]["incidents"] == figures.incidents == len(ids)
    assert status["figures"]["confirmed"] == figures.confirmed
    for name, tally in (("killed", figures.killed), ("injured", figures.injured)):
        assert status["figures"][name] == {  # unknown is null, never 0
            "reported_sum": None if tally.unknown else tally.reported,
            "incidents_not_reporting": tally.unreported,
        }
    assert status["monitoring_gap"] == {
        "days_without_un_panel": screen.mandate.days_since_expiry,
        "incidents_since_expiry": figures.since_expiry,
    }
    assert status["mandate"]["active"] is screen.mandate.active


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("query", ["status=confirmed", "from=2024-01-01&to=2024-12-31"])
def test_the_api_counts_what_the_page_shows(store: Store, client: TestClient, query: str) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for name, values in _params(query).items():
        at.query_params[name] = values
    whole_page(at)
    assert not at.exception
    status = client.get(f"{API}/status.json?{query}").json()
    assert metric(at, "Incidents in view") == str(status["figures"]["incidents"])
    assert metric(at, "Confirmed") == str(status["figures"]["confirmed"])
    assert metric(at, "Since expiry") == str(status["monitoring_gap"]["incidents_since_expiry"])
    assert len(csv_rows(client.get(f"{API}/incidents.csv?{query}").text)) == int(
        metric(at, "Incidents in view")
    )


def add_incident(store: Store, incident_id: str, **changes: object) -> None:
    """One more DPRK-origin incident, as a batch (a copy of a stored one, other id)."""
    frame = store.incidents()
    record = frame_records(frame[frame["incident_id"] == "UA-KHA-20240102"])[0]
    record.update({"incident_id": incident_id, **changes})  # type: ignore[typeddict-item]
    store.apply_batch(
        [record],
        BatchMeta(filename="more.csv", sha256="0" * 64, uploaded_by="test"),
        now=datetime.now(UTC) + timedelta(seconds=5),
    )


@pytest.mark.parametrize(
    "route", ["incidents.csv", "incidents.json", "incidents.geojson", "status.json"]
)
def test_a_repeated_request_is_304_until_the_data_changes(
    store: Store, client: TestClient, route: str
) -> None:
    first = client.get(f"{API}/{route}?status=confirmed")
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    again = client.get(f"{API}/{route}?status=confirmed", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    # The same view spelt differently is the same answer.
    same = client.get(f"{API}/{route}?v=1&status=confirmed", headers={"If-None-Match": tag})
    assert same.status_code == 304
    add_incident(store, "T-NEW-1")
    changed = client.get(f"{API}/{route}?status=confirmed", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag


def test_asof_answers_stay_the_same_after_a_later_import(store: Store, client: TestClient) -> None:
    time.sleep(1.1)  # asof has whole seconds: let it fall after the seed batch
    moment = links.format_asof(datetime.now(UTC))
    before = {
        route: client.get(f"{API}/{route}?asof={moment}")
        for route in ("incidents.csv", "incidents.json", "status.json")
    }
    add_incident(store, "T-NEW-2")
    assert len(csv_rows(client.get(f"{API}/incidents.csv").text)) == 9
    for route, answer in before.items():
        later = client.get(f"{API}/{route}?asof={moment}")
        assert later.status_code == 200
        assert later.content == answer.content
        assert later.headers["etag"] == answer.headers["etag"]
        revalidated = client.get(
            f"{API}/{route}?asof={moment}", headers={"If-None-Match": answer.headers["etag"]}
        )
        assert revalidated.status_code == 304
    assert len(csv_rows(before["incidents.csv"].text)) == 8


def test_a_settled_asof_is_immutable(client: TestClient) -> None:
    answer = client.get(f"{API}/incidents.json?asof=2020-01-01")
    assert answer.status_code == 200
    assert answer.json()["count"] == 0  # nothing stored then
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_bad_parameters_are_400_naming_each(client: TestClient) -> None:
    answer = client.get(
        f"{API}/incidents.csv?from=2024-02-30&status=confirmed&status=nope&weapon=Tomahawk"
        "&examined=2&q=a&q=b&asof=tomorrow&lang=xx&colour=red&v=9"
    )
    assert answer.status_code == 400
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["error"] == "bad-parameters"
    named = [p["name"] for p in body["parameters"]]
    assert sorted(set(named)) == sorted(
        ["colour", "from", "status", "examined", "q", "asof", "lang", "v"]
    )
    reasons = {p["name"]: p["reason"] for p in body["parameters"]}
    assert reasons["colour"] == "unknown parameter"
    assert "'2024-02-30' is not a date" in reasons["from"]
    # A weapon the data lacks is named once the syntax is right (the page would drop it).
    for route in ("incidents.csv", "incidents.json", "incidents.geojson", "status.json"):
        missing = client.get(f"{API}/{route}?weapon=Tomahawk&district=Atlantis")
        assert missing.status_code == 400
        assert missing.json()["parameters"] == [
            {"name": "weapon", "reason": "'Tomahawk' is not in the data"},
            {"name": "district", "reason": "'Atlantis' is not in the data"},
        ]


def test_errors_speak_the_requests_language(client: TestClient) -> None:
    answer = client.get(f"{API}/incidents.json?colour=red", headers={"Accept-Language": "uk"})
    assert answer.status_code == 400
    assert answer.json()["parameters"][0]["reason"] != "unknown parameter"


def test_one_incident_with_its_evidence_and_history(store: Store, client: TestClient) -> None:
    answer = client.get(f"{API}/incidents/UA-KHA-20240102.json")
    assert answer.status_code == 200
    body = answer.json()
    assert body["incident"]["incident_id"] == "UA-KHA-20240102"
    assert body["incident"]["examined"] is True
    assert body["sources"]
    assert body["examinations"]
    assert [h["before"] for h in body["history"]] == [None]
    add_incident(store, "UA-KHA-20240102", killed=99)  # a correction of the same incident
    history = client.get(f"{API}/incidents/UA-KHA-20240102.json").json()["history"]
    assert [h["after"]["killed"] for h in history] == [3, 99]
    assert client.get(f"{API}/incidents/NO-SUCH.json").status_code == 404
    refused = client.get(f"{API}/incidents/UA-KHA-20240102.json?status=confirmed")
    assert refused.status_code == 400
    assert refused.json()["parameters"] == [
        {"name": "status", "reason": "not used by this address"}
    ]


def test_formula_cells_are_neutralised(store: Store, client: TestClient) -> None:
    add_incident(store, "T-FORMULA", notes='=HYPERLINK("http://evil.example","x")')
    rows = csv_rows(client.get(f"{API}/incidents.csv?q=t-formula").text)
    assert rows[0]["notes"] == '\'=HYPERLINK("http://evil.example","x")'
    record = client.get(f"{API}/incidents.json?q=t-formula").json()["incidents"][0]
    assert record["notes"].startswith("'=")


def test_nothing_under_the_api_writes(client: TestClient) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.request(method, f"{API}/incidents.csv").status_code == 405
    head = client.head(f"{API}/incidents.csv")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == client.get(f"{API}/incidents.csv").headers["etag"]


def test_the_rate_limit_is_per_client(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    app = Starlette(routes=routes(limit=TokenBucket(burst=2, rate=1.0, clock=lambda: now[0])))
    proxy = TestClient(app, client=("10.0.0.5", 40000))
    assert proxy.get(f"{API}/openapi.json").status_code == 200
    assert proxy.get(f"{API}/status.json").status_code == 200
    # A new X-Forwarded-For from a peer nobody trusts is the same client.
    refused = proxy.get(f"{API}/status.json", headers={"X-Forwarded-For": "203.0.113.9"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["error"] == "rate-limited"
    # Another address has its own bucket; and the first one's refills.
    assert TestClient(app, client=("10.0.0.6", 40000)).get(f"{API}/status.json").is_success
    now[0] += 1.0
    assert proxy.get(f"{API}/status.json").status_code == 200
    assert proxy.get(f"{API}/status.json").status_code == 429
    # Behind a trusted proxy, each forwarded client has its own bucket.
    monkeypatch.setenv("DASHBOARD_TRUSTED_PROXIES", "10.0.0.5")
    forwarded = proxy.get(f"{API}/status.json", headers={"X-Forwarded-For": "203.0.113.9"})
    assert forwarded.status_code == 200


def test_the_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(burst=3, rate=2.0, clock=lambda: now[0])
    assert [bucket.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("a") == pytest.approx(0.5)
    assert bucket.take("b") == 0.0
    now[0] += 0.5
    assert bucket.take("a") == 0.0
    now[0] += 100
    assert [bucket.take("a") for _ in range(4)][-1] > 0  # never more than the burst


def test_an_unreachable_store_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    st.cache_resource.clear()
    client = TestClient(Starlette(routes=routes()))
    answer = client.get(f"{API}/incidents.csv")
    assert answer.status_code == 503
    assert "127.0.0.1" not in answer.text


def test_the_spec_and_its_page_cover_every_route(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    served = {r.path.removeprefix(API) for r in routes()}  # type: ignore[attr-defined]
    assert set(spec["paths"]) == served - {"/", "/incidents/{incident_id}.json"} | {
        "/incidents/{id}.json"
    }
    page = client.get(f"{API}/", headers={"Accept-Language": "uk"})
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="uk">' in page.text
    for path in spec["paths"]:
        assert f"{API}{path}" in page.text
