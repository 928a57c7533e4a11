"""Property tests: no generated file makes the import path raise; it always gives a report."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from dashboard.core.csvio import Limits
from dashboard.core.report import Report
from dashboard.core.schema import TEMPLATE_COLUMNS
from dashboard.imports import prepare
from tests.conftest import TODAY
from tests.helpers import GOOD, csv_text

LIMITS = Limits(max_bytes=20_000, max_rows=50, max_cell=300)
cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
tricky = st.sampled_from(
    ["", " ", '"', '""', ",", ";", "\t", "\n", "\r\n", "=1+1", "-1", "1e400", "nan", "inf",
     "2024-02-30", "31/12/2024", "2 Janvier 2024", "0x10", "٣", "49,99", "http://", "\x00"]
)  # fmt: skip


def assert_is_a_report(prepared: Report, data: bytes) -> None:
    result = prepared
    assert result.rows_read == len(result.valid) + len(result.rejected)
    lines = len(re.split(rb"\r\n|\r|\n", data))  # a bare CR ends a line too, as in the csv module
    for issue in prepared.issues:
        assert 0 <= issue.line <= lines
        assert issue.code
        assert issue.message
        assert issue.severity in ("error", "warning")
    assert result.valid["incident_id"].notna().all()
    assert result.valid["incident_id"].is_unique


@given(st.binary(max_size=2_000))
def test_any_bytes_give_a_report(data: bytes) -> None:
    assert_is_a_report(prepare(data, "random.bin", TODAY, limits=LIMITS), data)


@given(
    st.lists(
        st.dictionaries(st.sampled_from(TEMPLATE_COLUMNS), st.one_of(cells, tricky), max_size=8),
        max_size=6,
    ),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16"]),
)
def test_any_csv_gives_a_report(rows: list[dict[str, str]], delimiter: str, encoding: str) -> None:
    text = csv_text([{**GOOD, **r} for r in rows], delimiter=delimiter)
    data = text.encode(encoding, errors="replace")
    assert_is_a_report(prepare(data, "generated.csv", TODAY, limits=LIMITS), data)
