"""Every claim shipped in ``data/`` carries a full https address, a date and a grade its kind
allows (the rules of ``FACTS.md`` that a program can check).

The rules, in this test's terms:

- **Address**: an ``https://`` URL with a dotted host and a path (a page, not a site's root), no
  spaces. An incident's own source address is also one of its rows in ``sources.csv``, so a
  truncated copy in one file shows as a mismatch.
- **Date**: ISO, not after today, and a source not dated before the event it reports. A row may
  leave its date empty only where the source gives a month, not a day, and the row says that
  month in words ("late January 2024"), or where it is listed in :data:`UNDATED` with the reason.
- **Grade**: H, M or L, never U. H is "an official UN record or several consistent sources":
  a row graded H is a UN record (an address on a UN host; in the mandate timeline, an event of
  the UN's own kinds) or names its corroboration (two or more sources in its title, another
  source row for the same incident and claim on another host, or ``corroborated_by``). So a
  single relay of one official's words is at most M. L is weak: never the only source of an
  incident, and never an examination, a count or a mandate event (those are shown as fact).
- **Unknown is not zero**: a casualty count of 0 on a row whose notes say none were reported.
- **Precision**: Kharkiv's city centre lies in Shevchenkivskyi district, so a row naming another
  Kharkiv district cannot sit at the centre at precision 1 or 2.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

from dashboard import DATA_DIR
from dashboard.core.schema import KHARKIV_CENTRE

TODAY = date.today()
#: Addresses whose date no source in FACTS.md gives (and none was found), with the reason.
UNDATED: dict[str, str] = {
    "https://unn.ua/en/amp/regional-prosecutors-office-one-case-of-dprk-missile-use-by-enemy-"
    "officially-confirmed-in-kharkiv-region": "FACTS.md gives no date; the article quotes Ruvin "
    "on 2024-02-14, so it is later",
}
UN_HOSTS = ("un.org", "unmultimedia.org")
#: Mandate events that are the UN's own records (a resolution, a report, a vote, the expiry).
UN_KINDS = ("resolution", "established", "renewal", "report", "veto", "expiry")
GRADES = ("H", "M", "L")
_MONTH = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December) \d{4}\b"
)
_NONE_REPORTED = re.compile(r"\b(none|no casualties|not) reported\b", re.IGNORECASE)


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.").removeprefix("m.")


def _is_un(url: str) -> bool:
    host = _host(url)
    return any(host == h or host.endswith("." + h) for h in UN_HOSTS)


def _address_fault(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "not an https address"
    if not parts.hostname or "." not in parts.hostname or re.search(r"\s", url):
        return "no full host"
    if parts.path in ("", "/") and not parts.query:
        return "a site's root, not the page"
    return None


def _date_fault(text: str, row_text: str, url: str, today: date) -> str | None:
    if not text:
        if _MONTH.search(row_text) or url in UNDATED:
            return None
        return "no date (and no month stated in words)"
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return f"not an ISO date: {text!r}"
    return f"in the future: {text}" if day > today else None


def _several(names: str) -> bool:
    return len([n for n in names.split(";") if n.strip()]) >= 2


def problems(folder: Path, today: date = TODAY) -> list[str]:
    """Every shipped row that breaks a rule above, as ``file line: reason``."""
    out: list[str] = []

    def check(where: str, url: str, day: str, row_text: str) -> None:
        fault = _address_fault(url)
        if fault:
            out.append(f"{where}: address {url!r}: {fault}")
        fault = _date_fault(day, row_text, url, today)
        if fault:
            out.append(f"{where}: date: {fault}")

    def grade(where: str, value: str, *, high_ok: bool, low_ok: bool) -> None:
        if value not in GRADES:
            out.append(f"{where}: grade {value!r} is not H, M or L (U is never shipped)")
        elif value == "H" and not high_ok:
            out.append(f"{where}: grade H needs a UN record or named corroboration")
        elif value == "L" and not low_ok:
            out.append(f"{where}: grade L is not shipped as fact")

    incidents = _read(folder, "incidents.csv")
    sources = _read(folder, "sources.csv")
    when = dict(zip(incidents["incident_id"], incidents["date"], strict=True))
    for line, row in _rows(sources):
        where = f"sources.csv line {line}"
        check(where, row["url"], row["published"], row["title"])
        others = sources[
            (sources["incident_id"] == row["incident_id"])
            & (sources["says"] == row["says"])
            & (sources["url"].map(_host) != _host(row["url"]))
        ]
        grade(where, row["grade"], high_ok=_is_un(row["url"]) or not others.empty, low_ok=True)
        event = when.get(row["incident_id"], "")
        if row["published"] and event and row["published"] < event:
            out.append(f"{where}: published {row['published']} before the event ({event})")
    for line, row in _rows(incidents):
        where = f"incidents.csv line {line}"
        check(where, row["source_url"], row["source_date"], row["source_title"] + row["notes"])
        _not_future(out, where, row["date"], today)
        own = sources[sources["incident_id"] == row["incident_id"]]
        if row["source_url"] not in set(own["url"]):
            out.append(f"{where}: source_url is none of the incident's rows in sources.csv")
        if not own["grade"].isin(["H", "M"]).any():
            out.append(f"{where}: no source graded H or M (L is not shipped as fact)")
        if row["source_date"] and row["source_date"] < row["date"]:
            out.append(f"{where}: source_date {row['source_date']} before the event")
        for column in ("killed", "injured"):
            if row[column] == "0" and _NONE_REPORTED.search(row["notes"]):
                out.append(f"{where}: {column} is 0 where the notes say none were reported")
        at_centre = (float(row["latitude"]), float(row["longitude"])) == KHARKIV_CENTRE
        other_district = row["district"] not in ("", "Shevchenkivskyi")
        if at_centre and other_district and row["geo_precision"] in ("1", "2"):
            out.append(
                f"{where}: at Kharkiv's centre (Shevchenkivskyi) yet placed in "
                f"{row['district']} at precision {row['geo_precision']}"
            )
    for line, row in _rows(_read(folder, "examinations.csv")):
        where = f"examinations.csv line {line}"
        check(where, row["source_url"], row["published"], row["findings"] + row["source_title"])
        several = _several(row["source_title"]) or _is_un(row["source_url"])
        grade(where, row["grade"], high_ok=several, low_ok=False)
    for line, row in _rows(_read(folder, "aggregates.csv")):
        where = f"aggregates.csv line {line}"
        check(where, row["source_url"], row["published"], row["what"])
        several = _several(row["source_title"]) or _is_un(row["source_url"])
        grade(where, row["grade"], high_ok=several, low_ok=False)
        _not_future(out, where, row["as_of"], today)
    for line, row in _rows(_read(folder, "mandate_events.csv")):
        where = f"mandate_events.csv line {line}"
        check(where, row["source"], row["date"], "")
        corroborated = bool(row.get("corroborated_by", "").strip())
        un_record = row["kind"] in UN_KINDS or _is_un(row["source"])
        grade(where, row["grade"], high_ok=un_record or corroborated, low_ok=False)
    return out


def _rows(frame: pd.DataFrame) -> Iterable[tuple[int, dict[str, str]]]:
    """Rows with their line in the file (the header is line 1; no shipped cell spans lines)."""
    records = frame.to_dict("records")
    return ((i + 2, {str(k): str(v) for k, v in row.items()}) for i, row in enumerate(records))


def _not_future(out: list[str], where: str, text: str, today: date) -> None:
    """An event's date: a day, a month (``YYYY-MM``) or a range of them (``A/B``), none of it
    beginning after today."""
    try:
        days = [
            date.fromisoformat(end if len(end) == 10 else f"{end}-01") for end in text.split("/")
        ]
    except ValueError:
        out.append(f"{where}: not an ISO day or month: {text!r}")
        return
    if max(days) > today:
        out.append(f"{where}: dated in the future ({text})")


def test_every_shipped_claim_has_an_address_a_date_and_a_grade_its_kind_allows() -> None:
    assert problems(DATA_DIR) == []


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the shipped data to break one row of."""
    for name in (
        "incidents.csv",
        "sources.csv",
        "examinations.csv",
        "aggregates.csv",
        "mandate_events.csv",
    ):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


def _edit(folder: Path, name: str, line: int, **cells: str) -> None:
    frame = _read(folder, name)
    for column, value in cells.items():
        frame.loc[line - 2, column] = value
    frame.to_csv(folder / name, index=False)


@pytest.mark.parametrize(
    ("name", "cells", "expected"),
    [
        (
            "incidents.csv",
            {"source_url": "https://kyivindependent.com/kyiv-strike-that-killed-12"},
            "incidents.csv line 2: source_url is none of the incident's rows in sources.csv",
        ),
        (
            "sources.csv",
            {"url": "http://babel.ua/en/news/102681"},
            "sources.csv line 2: address 'http://babel.ua/en/news/102681': not an https address",
        ),
        (
            "sources.csv",
            {"url": "https://msmt.info/"},
            "sources.csv line 2: address 'https://msmt.info/': a site's root, not the page",
        ),
        ("sources.csv", {"published": ""}, "sources.csv line 2: date: no date"),
        ("sources.csv", {"published": "2999-01-01"}, "sources.csv line 2: date: in the future"),
        ("sources.csv", {"grade": "U"}, "sources.csv line 2: grade 'U' is not H, M or L"),
        ("incidents.csv", {"date": "2999-01"}, "incidents.csv line 2: dated in the future"),
        ("incidents.csv", {"date": "Sept 2024"}, "incidents.csv line 2: not an ISO day or month"),
        ("mandate_events.csv", {"grade": "U"}, "mandate_events.csv line 2: grade 'U'"),
        ("examinations.csv", {"grade": "L"}, "examinations.csv line 2: grade L is not shipped"),
        (
            "aggregates.csv",
            {"grade": "H"},
            "aggregates.csv line 2: grade H needs a UN record or named corroboration",
        ),
    ],
)
def test_each_rule_can_fail(copy: Path, name: str, cells: dict[str, str], expected: str) -> None:
    # Line 2 of each file: the first shipped row (a Kyiv incident, a Kharkiv source...).
    _edit(copy, name, 2, **cells)
    assert any(p.startswith(expected) for p in problems(copy)), problems(copy)


def test_a_single_relay_of_one_official_is_at_most_m(copy: Path) -> None:
    sources = _read(copy, "sources.csv")
    line = int(sources.index[sources["publisher"] == "Al Arabiya"][0]) + 2  # Kostin, relayed
    _edit(copy, "sources.csv", line, grade="H")
    assert problems(copy) == [
        f"sources.csv line {line}: grade H needs a UN record or named corroboration"
    ]


def test_none_reported_is_not_zero_and_the_centre_is_not_another_district(copy: Path) -> None:
    incidents = _read(copy, "incidents.csv")
    zap = int(incidents.index[incidents["incident_id"] == "UA-ZAP-20231230"][0]) + 2
    kha = int(incidents.index[incidents["incident_id"] == "UA-KHA-20240207"][0]) + 2
    _edit(copy, "incidents.csv", zap, killed="0", notes="No casualties reported.")
    _edit(copy, "incidents.csv", kha, geo_precision="2")
    assert problems(copy) == [
        f"incidents.csv line {zap}: killed is 0 where the notes say none were reported",
        f"incidents.csv line {kha}: at Kharkiv's centre (Shevchenkivskyi) yet placed in "
        "Slobidskyi at precision 2",
    ]
