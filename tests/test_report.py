"""The import report: one catalogue of issue codes, one decision, one summary for all."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dashboard import PACKAGE_DIR
from dashboard.core.csvio import Limits
from dashboard.core.errors import Code, Fault, ImportRejectedError, Issue
from dashboard.core.i18n import use
from dashboard.core.report import Report
from dashboard.imports import commit, prepare
from dashboard.store import Store
from tests.conftest import TODAY
from tests.helpers import GOOD, csv_bytes, row

README = Path(__file__).resolve().parents[1] / "README.md"
#: Calls that take an issue code, and the position of the code among their arguments.
CODE_ARGUMENT = {"Issue": 3, "Fault": 0, "OneOf": 1, "Matches": 1}


def _prepare(data: bytes) -> Report:
    return prepare(data, "upload.csv", TODAY, limits=Limits())


def test_the_readme_lists_the_catalogue() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n### Issue codes\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([^`]+)` \| (\w+) \| (.+) \|$", section, flags=re.MULTILINE)
    assert listed == [(code.value, code.severity, code.description) for code in Code]


def test_every_code_in_the_source_is_a_catalogue_member() -> None:
    """Codes are ``Code`` members where an issue is made, never bare strings (a typo in a string
    would pass until the line runs)."""
    members: set[str] = set()
    strings: list[str] = []
    for path in PACKAGE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            position = CODE_ARGUMENT.get(str(name))
            if position is None:
                continue
            for given in [
                *(k.value for k in node.keywords if k.arg == "code"),
                *node.args[position : position + 1],
            ]:
                if isinstance(given, ast.Constant):
                    strings.append(f"{path.name}:{given.lineno} {given.value!r}")
                elif isinstance(given, ast.Attribute) and getattr(given.value, "id", "") == "Code":
                    members.add(given.attr)
    assert strings == []
    assert members, "no Code member found: the scan finds nothing to check"
    assert members - set(Code.__members__) == set()


def test_an_issue_takes_its_code_severity_and_words_from_the_catalogue() -> None:
    issue = Issue(3, "latitude", "north", Code.INVALID_NUMBER)
    assert issue.code is Code.INVALID_NUMBER
    assert (issue.code, issue.severity, issue.message) == (
        "invalid-number",
        "error",
        "not a decimal number",
    )
    assert Issue(2, "latitude", "55.75", Code.OUTSIDE_UKRAINE).severity == "warning"
    assert Issue(3, "latitude", "north", "invalid-number") == issue  # a code's string is looked up
    with pytest.raises(ValueError, match="unknown issue code 'no-such-code'"):
        Issue(2, "", "", "no-such-code")
    with pytest.raises(ValueError, match="has severity 'error', not 'warning'"):
        Issue(2, "date", "", Code.REQUIRED, "warning")
    with pytest.raises(ValueError, match="invalid-url has no message 'nope'"):
        Fault(Code.INVALID_URL, "nope")


def test_every_message_of_the_catalogue_names_only_values_it_is_given() -> None:
    """Each template's placeholders are named, and formatting one with its names works."""
    for code in Code:
        for variant in ["", *code.variants]:
            template = code.message(variant)
            names = re.findall(r"\{(\w*)[^}]*\}", template)
            assert all(names), (code, variant, template)
            Fault(code, variant, **dict.fromkeys(names, 1)).message  # noqa: B018


def test_an_issue_reads_in_the_language_it_is_shown_in() -> None:
    issue = Issue(4, "killed", "-3", Fault(Code.OUT_OF_RANGE, "count", high=2_147_483_647))
    assert issue.message == "must be a whole number from 0 to 2,147,483,647"
    assert str(issue) == (
        "line 4, column killed: must be a whole number from 0 to 2,147,483,647 (value '-3')"
        " [out-of-range]"
    )
    with use("uk"):
        assert issue.message == "має бути ціле число від 0 до 2\xa0147\xa0483\xa0647"
        assert str(issue) == (
            "рядок 4, стовпець killed: має бути ціле число від 0 до 2\xa0147\xa0483\xa0647"
            " (значення '-3') [out-of-range]"
        )


#: File, and what the report decides: (importable whole, importable valid-only), the refusal.
DECISIONS = {
    "clean": (csv_bytes([GOOD]), (True, True), None),
    "a row error": (
        csv_bytes([GOOD, row(incident_id="T-2", latitude="north")]),
        (False, True),
        "1 row has errors, and a file is imported whole unless only its valid rows are asked for",
    ),
    "no valid row": (
        csv_bytes([row(latitude="north")]),
        (False, False),
        "no row is valid",
    ),
    "a missing column": (
        csv_bytes([GOOD], columns=[c for c in GOOD if c != "weapon"]),
        (False, False),
        "the file or its header has 1 error, so no row of it can be imported",
    ),
    "a header error beside a valid row": (
        csv_bytes([GOOD], columns=[*GOOD, "Date"]),
        (False, False),
        "the file or its header has 1 error, so no row of it can be imported",
    ),
    "not a CSV": (
        b"PK\x03\x04" + bytes(64),
        (False, False),
        "the file or its header has 1 error, so no row of it can be imported",
    ),
}


@pytest.mark.parametrize("case", DECISIONS)
def test_importable_is_the_one_decision_and_commit_follows_it(store: Store, case: str) -> None:
    data, expected, reason = DECISIONS[case]
    report = _prepare(data)
    assert (report.importable(), report.importable(valid_only=True)) == expected
    assert report.refusal() == reason
    for valid_only, allowed in zip((False, True), expected, strict=True):
        batches = store.batch_count()
        if allowed:
            commit(store, report, uploaded_by="test", valid_only=valid_only)
            assert store.batch_count() == batches + 1
        else:
            with pytest.raises(ImportRejectedError) as caught:
                commit(store, report, uploaded_by="test", valid_only=valid_only)
            assert caught.value.reason == report.refusal(valid_only)
            assert str(caught.value).endswith("; nothing was stored")
            assert store.batch_count() == batches


def test_counts_and_summary() -> None:
    data = csv_bytes(
        [GOOD, row(incident_id="T-2", latitude="north"), row(incident_id="T-3", latitude="55.75")]
    )
    report = prepare(data, "in.csv", TODAY, limits=Limits())
    counts = report.counts
    assert (counts.rows_read, counts.valid, counts.invalid, counts.errors, counts.warnings) == (
        3,
        2,
        1,
        1,
        1,
    )
    assert [(i.line, i.column, i.code) for i in report.issues] == [
        (3, "latitude", "invalid-number"),
        (4, "latitude", "outside-ukraine"),
    ]
    assert report.summary() == [
        f"file: in.csv (sha256 {report.sha256})",
        "read as incidents, encoding utf-8, delimiter ','",
        "rows read 3, valid 2, invalid 1, warnings 1",
        "1 row has errors: only the valid rows (2) can be imported, when asked for alone",
    ]
    assert _prepare(csv_bytes([GOOD])).summary()[-1] == "can be imported: 1 valid row"
    assert _prepare(b"").summary()[-1] == (
        "cannot be imported: the file or its header has 1 error, so no row of it can be imported"
    )


def test_the_summary_and_issues_read_in_ukrainian() -> None:
    """A report built once reads in the language it is shown in: counts with the locale's plural
    forms and separators, every issue's reason in words from the catalogue."""
    rows = [GOOD, row(incident_id="T-2", latitude="north"), row(incident_id="T-3")]
    rows += [row(incident_id=f"T-{n}", latitude="north") for n in range(4, 8)]
    report = prepare(csv_bytes(rows), "in.csv", TODAY, limits=Limits())
    with use("uk"):
        assert report.summary() == [
            f"файл: in.csv (sha256 {report.sha256})",
            "прочитано як інциденти, кодування utf-8, роздільник ','",
            "прочитано рядків: 7, коректних: 2, некоректних: 5, попереджень: 0",
            "5 рядків мають помилки: імпортувати можна лише коректні рядки (2), якщо попросити"
            " тільки їх",
        ]
        assert report.refusal() == (
            "5 рядків мають помилки, а файл імпортується цілим, якщо не попросити імпортувати лише"  # noqa: RUF001 - Ukrainian
            " коректні рядки"
        )
        assert report.issues_frame()["reason"].tolist()[0] == "це не десяткове число"
        assert _prepare(csv_bytes([GOOD, row(incident_id="T-2")])).summary()[-1] == (
            "можна імпортувати: 2 коректні рядки"
        )
        assert _prepare(b"").summary()[-1] == (
            "не можна імпортувати: у файлі або його заголовку 1 помилка, тож жоден його рядок не"  # noqa: RUF001 - Ukrainian
            " можна імпортувати"
        )
    assert report.summary()[-1].startswith("5 rows have errors: only the valid rows (2)")


def test_each_missing_column_is_named_once() -> None:
    columns = [c for c in GOOD if c not in ("latitude", "longitude")]
    report = _prepare(csv_bytes([GOOD, row(incident_id="T-2")], columns=columns))
    assert [(i.line, i.column, i.code) for i in report.file_errors] == [
        (1, "latitude", "missing-column"),
        (1, "longitude", "missing-column"),
    ]
    assert report.file_problems() == [
        "required column 'latitude' is missing from the header: add it or map a column",
        "required column 'longitude' is missing from the header: add it or map a column",
    ]


def test_the_issues_frame_quotes_values_and_says_what_each_code_means() -> None:
    report = _prepare(csv_bytes([row(latitude="=1+1")]))
    frame = report.issues_frame()
    assert list(frame.columns) == [
        "line",
        "column",
        "value",
        "reason",
        "code",
        "severity",
        "meaning",
    ]
    assert frame.values.tolist() == [
        [
            2,
            "latitude",
            "'=1+1'",
            "not a decimal number",
            "invalid-number",
            "error",
            Code.INVALID_NUMBER.description,
        ]
    ]
    assert type(frame["code"].iloc[0]) is str
