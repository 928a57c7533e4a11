"""Building test files: canonical rows as CSV text in any encoding or delimiter, made in tests."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from dashboard.core.schema import TEMPLATE_COLUMNS

if TYPE_CHECKING:  # Streamlit only where a test runs the app
    from streamlit.testing.v1 import AppTest

#: «Харків» and «Шевченківський» (escaped: ruff flags Cyrillic letters that look Latin).
KHARKIV = "\u0425\u0430\u0440\u043a\u0456\u0432"
SHEVCHENKIVSKYI = (
    "\u0428\u0435\u0432\u0447\u0435\u043d\u043a\u0456\u0432\u0441\u044c\u043a\u0438\u0439"
)

#: A valid row (Kharkiv, in the past); tests change one cell at a time.
GOOD: dict[str, str] = {
    "incident_id": "T-0001",
    "date": "2024-01-02",
    "time": "07:30",
    "location": "Kharkiv",
    "district": "Shevchenkivskyi",
    "latitude": "50.017",
    "longitude": "36.217",
    "geo_precision": "2",
    "weapon": "KN-23",
    "weapon_origin": "DPRK",
    "attribution_status": "confirmed",
    "attributed_by": "UN Panel of Experts",
    "launch_origin": "",
    "outcome": "impact",
    "killed": "3",
    "injured": "64",
    "source_title": "A report",
    "source_url": "https://example.org/report",
    "source_date": "2024-04-29",
    "sanctions_provisions": "UNSCR 1718 para 8",
    "notes": "test row",
}


def row(**changes: str) -> dict[str, str]:
    """The good row with some cells changed."""
    return {**GOOD, **changes}


def csv_text(
    rows: list[dict[str, str]],
    columns: tuple[str, ...] | list[str] = TEMPLATE_COLUMNS,
    delimiter: str = ",",
) -> str:
    """Rows as CSV text with the given header."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for item in rows:
        writer.writerow([item.get(c, "") for c in columns])
    return out.getvalue()


def csv_bytes(rows: list[dict[str, str]], **kwargs: object) -> bytes:
    """Rows as UTF-8 CSV bytes (see :func:`csv_text`)."""
    return csv_text(rows, **kwargs).encode("utf-8")  # type: ignore[arg-type]


def view_key(at: AppTest, name: str) -> str:
    """The key the monitor's view widget ``name`` (``from``, ``status``, ``months``…) is drawn
    with now: the page sets a widget under a new key (see ``ViewSession.widget``)."""
    from dashboard.ui import urlstate

    return str(at.session_state[urlstate.KEY].widget_key(name))


def whole_page(at: AppTest) -> AppTest:
    """``at`` run as a visitor's browser runs it: the Monitor page's first run draws its first
    look (the title, the figures and the map), and the run the map's first report causes draws
    the whole page. AppTest has no map to report: a second run stands in for its report."""
    at.run()
    return at.run()
