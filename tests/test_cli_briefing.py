"""``python -m dashboard briefing``: the page's briefing of a linked view, written by the CLI.

The CLI runs on a real store of each kind, in this process (its ``main``, with the environment a
shell would give it) and once as ``python -m dashboard``; a hostile stored row shows as its literal
text in the page and in the map document, never as markup or an evaluated template.
"""

from __future__ import annotations

import html
import io
import os
import re
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest

from dashboard.__main__ import main
from dashboard.core.links import format_asof
from dashboard.core.schema import PRECISION_RADIUS_M
from dashboard.core.view import circle_zoom, fitted_view
from dashboard.store import Store
from tests.helpers import GOOD, csv_bytes, row

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = "Kharkiv {{ 7*7 }}"
SCRIPT = "<script>alert(1)</script>"
HOSTILE = row(location=TEMPLATE, notes=SCRIPT, source_title=SCRIPT, weapon="KN-23 {{ 7*7 }}")


def cli(*args: str, db_url: str, process: bool = False) -> subprocess.CompletedProcess[str]:
    """``python -m dashboard *args`` on the store at ``db_url``, with no tiles and English: its
    ``main`` in this process, or with ``process`` a process of its own."""
    env = {"DASHBOARD_DB_URL": db_url, "DASHBOARD_TILES": "none"}
    if process:
        return subprocess.run(
            [sys.executable, "-m", "dashboard", *args],
            cwd=REPO,
            env={**env, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    # Nothing of this process's own configuration: only what the command is given above.
    own = {k: v for k, v in os.environ.items() if not k.startswith(("DASHBOARD_", "LANG", "LC_"))}
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, {**own, **env}, clear=True),
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        try:
            code = main(list(args))
        except SystemExit as exit_info:  # argparse's usage errors
            code = int(exit_info.code or 0)
    return subprocess.CompletedProcess(["dashboard", *args], code, out.getvalue(), err.getvalue())


def briefing(tmp_path: Path, db_url: str, *link: str) -> tuple[str, str, str]:
    """Run the command; the page outside the map, the map document, and the command's stderr."""
    out = tmp_path / "briefing.html"
    done = cli("briefing", "--out", str(out), *link, db_url=db_url)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    page = out.read_text(encoding="utf-8")
    before, _, srcdoc = page.partition('srcdoc="')
    srcdoc, _, after = srcdoc.partition('"')
    return before + after, html.unescape(srcdoc), done.stderr


def figure(page: str, label: str) -> str:
    found = re.search(rf'<div class="figure">{re.escape(label)}<b>([^<]*)</b>', page)
    assert found, label
    return found.group(1)


@pytest.fixture
def hostile_store(db_url: str, tmp_path: Path) -> str:
    """The shipped incidents plus one hostile row, stored through the CLI."""
    path = tmp_path / "hostile.csv"
    path.write_bytes(csv_bytes([HOSTILE]))
    done = cli("import", str(path), db_url=db_url)
    assert done.returncode == 0, done.stdout + done.stderr
    return db_url


def test_hostile_row_is_text_in_the_briefing(hostile_store: str, tmp_path: Path) -> None:
    link = f"https://dash.example.org/app/?incident={GOOD['incident_id']}&v=1"
    page, inner, _ = briefing(tmp_path, hostile_store, "--link", link)
    assert figure(page, "Incidents in view") == "9"
    assert html.escape(TEMPLATE) in page
    assert html.escape(SCRIPT) in page
    assert SCRIPT not in page
    assert "Kharkiv 49" not in page + inner
    assert "KN-23 49" not in page + inner
    assert SCRIPT not in inner
    assert "Kharkiv \\u007b\\u007b 7*7 \\u007d\\u007d" in inner
    # The view link is the app's, and the map is centred on the selected incident, at the zoom
    # that shows its uncertainty circle whole.
    assert f'href="{html.escape(link)}"' in page
    assert "center: [50.017, 36.217]" in inner
    zoom = circle_zoom(50.017, PRECISION_RADIUS_M[int(GOOD["geo_precision"])])
    assert f'"zoom": {zoom}' in inner


def test_filters_from_a_query_string(hostile_store: str, tmp_path: Path) -> None:
    page, inner, warnings = briefing(
        tmp_path,
        hostile_store,
        "--link",
        "?status=confirmed&q=7*7&lat=48.5&lon=35.25&zoom=9&layer=heat&junk=1",
    )
    assert figure(page, "Incidents in view") == "1"
    assert "<li>Attribution status: confirmed</li>" in page
    assert "<li>Search: 7*7</li>" in page
    assert "<li>Map layer: heat</li>" in page
    assert "center: [48.5, 35.25]" in inner
    assert '"zoom": 9' in inner
    assert "warning: ignored parameter 'junk': unknown parameter" in warnings


def test_no_link_is_the_live_default_view(hostile_store: str, tmp_path: Path) -> None:
    page, inner, warnings = briefing(tmp_path, hostile_store)
    assert figure(page, "Incidents in view") == "9"
    assert "<li>Data: live</li>" in page
    # The map fits the incidents in view (the shipped ones run from Zaporizhzhia to Kyiv).
    frame = Store(hostile_store).incidents()
    lat, lon = frame["latitude"], frame["longitude"]
    fitted = fitted_view(lat.min(), lon.min(), lat.max(), lon.max())
    assert f"center: [{fitted[0]}, {fitted[1]}]" in inner
    assert f'"zoom": {fitted[2]},' in inner
    assert warnings == ""


def test_asof_shows_the_store_as_it_was(db_url: str, tmp_path: Path) -> None:
    assert cli("batches", db_url=db_url).returncode == 0  # the store, seeded
    time.sleep(1.1)
    moment = format_asof(datetime.now(UTC))
    time.sleep(1.1)
    path = tmp_path / "later.csv"
    path.write_bytes(csv_bytes([HOSTILE]))
    assert cli("import", str(path), db_url=db_url).returncode == 0
    page, _, _ = briefing(tmp_path, db_url, "--link", f"asof={moment}")
    assert figure(page, "Incidents in view") == "8"
    assert f"data as of {moment}" in page
    assert html.escape(TEMPLATE) not in page


def test_bad_link_exits_2_and_unreachable_store_exits_1(tmp_path: Path) -> None:
    out = str(tmp_path / "b.html")
    db = f"sqlite:///{tmp_path / 's.sqlite3'}"
    for bad in ("javascript:alert(1)", "ftp://example.org/?v=1"):
        done = cli("briefing", "--out", out, "--link", bad, db_url=db)
        assert done.returncode == 2, done.stderr
        assert "--link must be an http(s) address or a query string" in done.stderr
    assert cli("briefing", db_url=db).returncode == 2  # --out is required
    # As a process of its own: the entry point's exit code and message, with no traceback.
    nowhere = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    down = cli("briefing", "--out", out, db_url=nowhere, process=True)
    assert down.returncode == 1
    assert "cannot open the store" in down.stderr
    unwritable = cli("briefing", "--out", str(tmp_path / "no" / "b.html"), db_url=db)
    assert unwritable.returncode == 1
    assert "cannot write" in unwritable.stderr
    assert "Traceback" not in down.stderr + unwritable.stderr
    assert not Path(out).exists()
