"""Evidence declarations and validation: every bad row named by line, column, value and reason."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from dashboard.core import links
from dashboard.core.evidence import (
    DECLARED,
    Evidence,
    annotate,
    evidence_frame,
    incident_sources,
    incidents_sources,
    parts_summary,
    read_evidence,
    validate_evidence,
)
from dashboard.core.export import to_csv, to_geojson
from dashboard.core.filters import Filters, apply
from dashboard.core.i18n import use
from dashboard.core.validate import RawTable
from dashboard.core.view import View
from dashboard.imports import SHIPPED_EVIDENCE, SHIPPED_INCIDENTS, open_store
from dashboard.store import Store
from tests.conftest import TODAY

ORIGINS = "examination_id,country,share,count,manufacturer\n"
EXAMS = (
    "examination_id,examiner,published,incident_id,place,event_date,components,companies,"
    "made_from,made_to,assembled_after,findings,source_title,source_url,grade\n"
)


def faults(result: object) -> list[tuple[int, str, str, str]]:
    return [(i.line, i.column, i.value, i.code) for i in result.issues]  # type: ignore[attr-defined]


def test_every_kind_declares_labelled_columns_with_help() -> None:
    for declared in DECLARED.values():
        assert all(c.label.strip() and c.help.strip() for c in declared)
        assert len({c.name for c in declared}) == len(declared)


def test_the_shipped_evidence_is_valid_against_the_shipped_incidents() -> None:
    incidents = set(pd.read_csv(SHIPPED_INCIDENTS, dtype=str)["incident_id"])
    exams = read_evidence(
        SHIPPED_EVIDENCE["examinations"].read_bytes(), "examinations", TODAY, incident_ids=incidents
    )
    origins = read_evidence(
        SHIPPED_EVIDENCE["component_origins"].read_bytes(),
        "component_origins",
        TODAY,
        examination_ids=set(exams.valid["examination_id"]),
    )
    sources = read_evidence(
        SHIPPED_EVIDENCE["sources"].read_bytes(), "sources", TODAY, incident_ids=incidents
    )
    assert (exams.issues, origins.issues, sources.issues) == ([], [], [])
    assert (len(exams.valid), len(origins.valid), len(sources.valid)) == (4, 13, 16)


def test_shares_over_100_negative_counts_and_unknown_examinations_are_rejected() -> None:
    data = (
        ORIGINS
        + "E1,United States,75.5,,\n"
        + "E1,Germany,30,,\n"
        + "E1,Japan,,-3,\n"
        + "E9,China,,,\n"
        + "E1,United States,,,\n"
    ).encode()
    result = read_evidence(data, "component_origins", TODAY, examination_ids={"E1"})
    assert faults(result) == [
        (3, "share", "30", "share-over-100"),
        (4, "count", "-3", "out-of-range"),
        (5, "examination_id", "E9", "unknown-reference"),
        (6, "examination_id", "E1", "duplicate-id"),
    ]
    assert "add up to 105.5%" in result.issues[0].message
    assert list(result.valid["country"]) == ["United States"]
    assert list(result.rejected["line"]) == [3, 4, 5, 6]


def test_an_examination_needs_a_known_incident_or_a_place_and_ordered_years() -> None:
    data = (
        EXAMS
        + "X1,CAR,2024-02-20,UA-NOPE,,,290,26,2021,2023,2023-03-01,found,CNN,,H\n"
        + "X2,NAKO,2024-10-17,,,2024-09-01,,,2023,2021,,found,KI,,Q\n"
        + 'X3,NAKO,2024-10-17,,"Myrne, Poltava oblast",2024-09-01,,,,,,found,KI,ftp://x,M\n'
        + "X3,NAKO,2099-01-01,UA-KHA-20240102,,,-1,,,,,found,KI,,M\n"
    ).encode()
    result = read_evidence(data, "examinations", TODAY, incident_ids={"UA-KHA-20240102"})
    assert faults(result) == [
        (2, "incident_id", "UA-NOPE", "unknown-reference"),
        (3, "grade", "Q", "invalid-choice"),
        (3, "place", "", "place-required"),
        (3, "made_to", "2021", "years-reversed"),
        (4, "source_url", "ftp://x", "invalid-url"),
        (5, "published", "2099-01-01", "future-date"),
        (5, "components", "-1", "out-of-range"),
        (5, "examination_id", "X3", "duplicate-id"),
    ]
    assert result.valid.empty


def test_a_source_needs_a_title_a_known_incident_and_a_kind_of_claim() -> None:
    data = (
        b"incident_id,title,url,says,grade,colour\n"
        b"UA-1,,https://example.org,attribution,h,red\n"
        b"UA-2,A title,,rumour,M,\n"
        b"UA-1,A title,javascript:alert(1),Forensic,L,\n"
    )
    result = read_evidence(data, "sources", TODAY, incident_ids={"UA-1"})
    assert faults(result) == [
        (1, "colour", "colour", "unknown-column"),
        (2, "title", "", "required"),
        (3, "says", "rumour", "invalid-choice"),
        (3, "incident_id", "UA-2", "unknown-reference"),
        (4, "url", "javascript:alert(1)", "invalid-url"),
    ]


def test_a_file_missing_a_required_column_says_which() -> None:
    result = read_evidence(b"examination_id,share\nE1,5\n", "component_origins", TODAY)
    assert (0, "missing-column") not in [(i.line, i.code) for i in result.issues]
    assert [(i.line, i.column, i.code) for i in result.issues if i.line == 1] == [
        (1, "country", "missing-column")
    ]


def _evidence() -> Evidence:
    return Evidence(
        evidence_frame(
            "sources",
            [
                {
                    "incident_id": "A",
                    "title": "Own",
                    "url": None,
                    "says": "attribution",
                    "grade": "H",
                },
                {"incident_id": "A", "title": "Second", "says": "forensic", "grade": "M"},
            ],
        ),
        evidence_frame(
            "examinations",
            [
                {
                    "examination_id": "E1",
                    "examiner": "CAR",
                    "incident_id": "A",
                    "components": 290,
                    "companies": 26,
                    "made_from": 2021,
                    "made_to": 2023,
                    "findings": "f",
                    "source_title": "CNN",
                    "grade": "H",
                }
            ],
        ),
        evidence_frame(
            "component_origins",
            [
                {"examination_id": "E1", "country": "United States", "share": 75.5},
                {"examination_id": "E1", "country": "Germany", "share": 11.9},
                {"examination_id": "E1", "country": "Taiwan"},
                {"examination_id": "E1", "country": "Netherlands", "manufacturer": "NXP"},
            ],
        ),
    )


def test_sources_merge_the_incident_s_own_and_count_it_once() -> None:
    incidents = pd.DataFrame(
        {
            "incident_id": ["A", "B", "C"],
            "source_title": ["Own", "B's own", None],
            "source_url": [None, None, None],
        }
    )
    annotated = annotate(incidents, _evidence())
    assert list(annotated["source_count"]) == [2, 1, 0]
    assert list(annotated["examined"]) == [True, False, False]
    listed = incident_sources({"incident_id": "B", "source_title": "B's own"}, _evidence())
    assert list(listed["title"]) == ["B's own"]


def test_the_parts_summary_gives_each_figure_its_source_and_says_what_has_no_share() -> None:
    summary = parts_summary(_evidence())
    assert [(f.value, f.source, f.grade) for f in summary.components] == [
        ("290 components from 26 companies", "CAR, CNN", "H")
    ]
    assert list(summary.shares["country"]) == ["United States", "Germany"]
    assert [f.value for f in summary.unshared] == [
        "the other 12.6% among Taiwan: the source gives no share for them"
    ]
    assert list(summary.manufacturers["manufacturer"]) == ["NXP"]
    assert [f.value for f in summary.years] == ["made 2021-2023"]
    with use("uk"):
        summary = parts_summary(_evidence())
    assert [f.value for f in summary.components] == ["290 компонентів з 26 компаній"]
    assert [f.value for f in summary.unshared] == [
        "решта 12,6% припадає на Taiwan: джерело не наводить їхніх часток"
    ]
    assert [f.value for f in summary.years] == ["виготовлено 2021–2023"]  # noqa: RUF001 - an en dash


def test_examined_only_is_a_filter_and_a_link_parameter() -> None:
    frame = annotate(
        pd.DataFrame(
            {
                "incident_id": ["A", "B"],
                "date": pd.to_datetime(["2024-01-02", "2024-01-03"]),
                "source_title": ["Own", None],
                "source_url": None,
            }
        ),
        _evidence(),
    )
    assert list(apply(frame, Filters(examined=True))["incident_id"]) == ["A"]
    assert list(apply(frame, Filters())["incident_id"]) == ["A", "B"]
    assert apply(frame.drop(columns="examined"), Filters(examined=True)).empty
    now = datetime(2026, 11, 26, tzinfo=UTC)
    view = View(Filters(examined=True))
    assert links.to_params(view)["examined"] == ["1"]
    assert links.parse(links.to_params(view), now=now) == (view, [])
    assert "examined" not in links.to_params(View())
    parsed, notes = links.parse({"examined": ["yes"]}, now=now)
    assert parsed == View()
    assert [str(n) for n in notes] == ["ignored parameter examined: 'yes' is not 1 or 0"]


def test_exports_carry_the_source_count_and_examined_flag(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}", today=TODAY)
    frame = annotate(store.incidents(), store.evidence())
    store.dispose()
    rows = {r["incident_id"]: r for r in csv.DictReader(io.StringIO(to_csv(frame)))}
    assert (rows["UA-KHA-20240102"]["source_count"], rows["UA-KHA-20240102"]["examined"]) == (
        "6",
        "True",
    )
    assert rows["UA-POL-202409"]["outcome"] == "shot down"
    features = {f["id"]: f["properties"] for f in json.loads(to_geojson(frame))["features"]}
    assert (features["UA-POL-202409"]["source_count"], features["UA-POL-202409"]["examined"]) == (
        1,
        True,
    )
    assert features["UA-ZAP-20231230"]["examined"] is False
    assert "source_count" not in to_csv(frame.drop(columns=["source_count", "examined"]))


def test_the_readme_lists_each_kind_s_declared_columns() -> None:
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Evidence\n") :]
    section = section[: section.index("\n## ", 1)]
    for declared in DECLARED.values():
        table = "\n".join(
            ["| column | required | rule |", "|---|---|---|"]
            + [f"| `{c.name}` | {'yes' if c.required else ''} | {c.help} |" for c in declared]
        )
        assert table in section


def test_characters_no_store_can_keep_are_reported() -> None:
    """A NUL (possible in a UTF-16 file) or a lone surrogate rejects its row, as for incidents."""
    table = RawTable(
        ["examination_id", "country"],
        [["E1", "Ger\x00many"], ["E1", "Ja\ud800pan"], ["E1", "Japan"]],
        [2, 3, 4],
    )
    result = validate_evidence(table, "component_origins", TODAY, examination_ids={"E1"})
    assert [(i.line, i.column, i.code) for i in result.issues] == [
        (2, "country", "unstorable-character"),
        (3, "country", "unstorable-character"),
    ]
    assert list(result.valid["country"]) == ["Japan"]


def test_annotate_returns_its_result_again_for_the_same_frame_and_equal_evidence() -> None:
    incidents = pd.DataFrame(
        {"incident_id": ["A", "B"], "source_title": ["Own", None], "source_url": [None, None]}
    )
    first = annotate(incidents, _evidence())
    # The page's evidence is a fresh copy on every run (st.cache_data): equal is enough.
    assert annotate(incidents, _evidence()) is first
    unexamined = Evidence(
        _evidence().sources, _evidence().examinations.iloc[0:0], _evidence().origins
    )
    other = annotate(incidents, unexamined)
    assert list(other["examined"]) == [False, False]
    assert list(first["examined"]) == [True, False]
    # Another frame object is annotated anew, even with the same content (it may change later).
    again = annotate(incidents.copy(), _evidence())
    assert again is not first
    assert again.equals(first)


def _sources_one_by_one(incident: dict[str, object], evidence: Evidence) -> pd.DataFrame:
    """The rule for one incident's sources as it was written before sources were listed for many
    incidents at once: the reference :func:`incidents_sources` is checked against."""
    stored = evidence.sources[evidence.sources["incident_id"] == incident["incident_id"]]
    stored = stored.sort_values("published", na_position="last")
    title, url = incident.get("source_title"), incident.get("source_url")
    title = None if pd.isna(title) else str(title)
    url = None if pd.isna(url) else str(url)
    repeated = (stored["title"] == title).any() or (
        url is not None and (stored["url"] == url).any()
    )
    if (title is None and url is None) or repeated:
        return stored.reset_index(drop=True)
    own = evidence_frame(
        "sources",
        [
            {
                "incident_id": incident["incident_id"],
                "title": title or url,
                "url": url,
                "publisher": None,
                "published": incident.get("source_date"),
                "says": None,
                "grade": None,
            }
        ],
    )
    return pd.concat([own, stored], ignore_index=True)


def test_the_sources_of_many_incidents_are_each_ones_in_turn(store: Store) -> None:
    """The shipped incidents with the shipped evidence, and incidents whose own source is
    missing, repeated by a stored title or a stored link, given by its link alone, or unknown to
    the store: listed together, each lists exactly its own sources, in the same order."""
    evidence = store.evidence()
    shipped = store.incidents().to_dict("records")
    kharkiv = next(i for i in shipped if i["incident_id"] == "UA-KHA-20240102")
    stored = evidence.sources[evidence.sources["incident_id"] == "UA-KHA-20240102"]
    title, url = stored["title"].iloc[0], stored["url"].dropna().iloc[-1]
    cases = [
        *shipped,
        {**kharkiv, "source_title": None, "source_url": None},
        {**kharkiv, "source_title": title, "source_url": None},
        {**kharkiv, "source_title": "Another title", "source_url": url},
        {"incident_id": "X-1", "source_title": None, "source_url": "https://example.org/x"},
        {"incident_id": "X-2", "source_title": None, "source_url": None},
        kharkiv,
    ]
    expected = [_sources_one_by_one(incident, evidence) for incident in cases]
    for incident, alone in zip(cases, expected, strict=True):
        pd.testing.assert_frame_equal(incident_sources(incident, evidence), alone)
    listed = incidents_sources(cases, evidence)
    assert len(listed) == sum(len(alone) for alone in expected)
    pd.testing.assert_frame_equal(
        listed, pd.concat([alone for alone in expected if len(alone)], ignore_index=True)
    )
