"""Addresses: a bidirectional or invisible format character, or a host that does not parse, is
refused in every table that holds a URL (incidents, sources, examinations)."""

from __future__ import annotations

import pytest

from dashboard.core.cells import WebAddress
from dashboard.core.evidence import read_evidence
from dashboard.imports import prepare
from tests.conftest import TODAY
from tests.helpers import GOOD, csv_bytes, row


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("http://\u202eevil", "U+202E"),
        ("https://example.org/\u2066x", "U+2066"),
        ("http://ex\u200bample.org/", "U+200B"),
        ("http://[::1]x/", "host"),
        ("http://a..b/", "host"),
        ("http://[zz]/", "not a valid address"),
    ],
)
def test_a_format_character_or_an_unparsable_host_is_refused(value: str, reason: str) -> None:
    fault = WebAddress("source_url")(value, TODAY)
    assert fault is not None
    assert fault.code == "invalid-url"
    assert reason in fault.message


@pytest.mark.parametrize(
    "value",
    [
        "http://[::1]/",
        "http://[2001:db8::1]:8080/a",
        "https://sub_domain.example.org/x?q=1#f",
        "http://\u0445\u0430\u0440\u043a\u0456\u0432.ua/",
        "http://1.2.3.4/",
        "https://example.org./",
    ],
)
def test_addresses_people_cite_pass(value: str) -> None:
    assert WebAddress("source_url")(value, TODAY) is None


def test_every_table_with_an_address_refuses_them_with_line_column_and_value() -> None:
    bad = "http://\u202eevil"
    incidents = prepare(csv_bytes([GOOD, row(incident_id="T-2", source_url=bad)]), "x.csv", TODAY)
    assert [(i.line, i.column, i.value, i.code) for i in incidents.errors] == [
        (3, "source_url", bad, "invalid-url")
    ]
    sources = read_evidence(
        f"incident_id,title,says,grade,url\nI,T,other,L,{bad}\n".encode(),
        "sources",
        TODAY,
        incident_ids={"I"},
    )
    assert [(i.line, i.column, i.value, i.code) for i in sources.errors] == [
        (2, "url", bad, "invalid-url")
    ]
    exams = read_evidence(
        b"examination_id,examiner,place,findings,source_title,grade,source_url\n"
        b"E,CAR,Kyiv,F,S,H,http://[::1]x/\n",
        "examinations",
        TODAY,
    )
    assert [(i.line, i.column, i.value, i.code) for i in exams.errors] == [
        (2, "source_url", "http://[::1]x/", "invalid-url")
    ]
