"""The command line: exit 0 stored, 1 rejected, 2 usage; reports on stdout, no tracebacks."""

from __future__ import annotations

import csv
import json
import os
import pty
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from dashboard.__main__ import main
from dashboard.core.schema import TEMPLATE_COLUMNS
from dashboard.imports import open_store
from dashboard.store import Store
from tests.helpers import GOOD, csv_bytes, row

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cli_store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI pointed at a fresh store of each kind."""
    monkeypatch.setenv("DASHBOARD_DB_URL", db_url)
    return db_url


def write(tmp_path: Path, rows: list[dict[str, str]], name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows))
    return path


def test_import_dry_run_then_store_then_revert(
    cli_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, [GOOD])
    assert main(["import", str(path), "--dry-run"]) == 0
    assert "would add 1, update 0, leave 0 unchanged" in capsys.readouterr().out
    assert "T-0001" not in set(Store(cli_store).incidents()["incident_id"])

    assert main(["import", str(path)]) == 0
    assert "stored as batch 2: 1 added" in capsys.readouterr().out
    assert main(["batches"]) == 0
    listing = capsys.readouterr().out
    assert "in.csv" in listing
    assert "analyst" in listing

    assert main(["revert", "2"]) == 0
    assert "batch 2 reverted by batch 3: 1 removed" in capsys.readouterr().out
    assert main(["revert", "2"]) == 1
    assert "already reverted by batch 3" in capsys.readouterr().err


def test_rejected_file_exits_1_with_the_report(
    cli_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, [GOOD, row(incident_id="T-2", latitude="north")])
    assert main(["import", str(path)]) == 1
    out = capsys.readouterr().out
    assert "rows read 2, valid 1, invalid 1" in out
    assert "error: line 3, column latitude: not a decimal number (value 'north')" in out
    assert "nothing was stored" in out
    assert main(["import", str(path), "--dry-run"]) == 1
    capsys.readouterr()
    assert main(["import", str(path), "--valid-only"]) == 0
    assert "1 added, 0 updated, 0 unchanged, 1 rejected" in capsys.readouterr().out


def test_export_formats(cli_store: str, tmp_path: Path) -> None:
    assert main(["import", str(write(tmp_path, [row(notes="=HYPERLINK(1)")]))]) == 0
    out = tmp_path / "out.geojson"
    assert main(["export", "--format", "geojson", "--out", str(out)]) == 0
    features = json.loads(out.read_text())["features"]
    mine = next(f for f in features if f["id"] == "T-0001")
    assert mine["properties"]["notes"] == "'=HYPERLINK(1)"
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "out.csv")]) == 0
    assert ",'=HYPERLINK(1)" in (tmp_path / "out.csv").read_text()


def test_usage_errors_exit_2(cli_store: str, tmp_path: Path) -> None:
    assert main(["import", str(tmp_path / "missing.csv")]) == 2
    assert main(["import", str(write(tmp_path, [GOOD])), "--mapping", "nope"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "x.csv", "--format", "xlsx"])
    assert exit_info.value.code == 2


def test_binary_file_in_a_subprocess_has_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    env = {"DASHBOARD_DB_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "import", str(path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "not a CSV file: it looks like a ZIP archive" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {"DASHBOARD_DB_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_export_csv_round_trips_the_shipped_data(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    done = run("export", "--format", "csv", "--out", str(out), db=tmp_path / "s.sqlite3")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == list(TEMPLATE_COLUMNS)
    by_id = {r["incident_id"]: r for r in rows}
    assert len(by_id) == 8
    kharkiv = by_id["UA-KHA-20240102"]
    assert (kharkiv["date"], kharkiv["killed"], kharkiv["injured"], kharkiv["geo_precision"]) == (
        "2024-01-02",
        "3",
        "64",
        "2",
    )


def test_unreachable_store_exits_1_without_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "export", "--out", "-"],
        capture_output=True,
        text=True,
        env={
            "DASHBOARD_DB_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "PATH": "/usr/bin:/bin",
        },
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "cannot open the store" in done.stderr


#: A file name and cells that would drive a terminal: retitle it, clear it, reverse the text.
EVIL_NAME = "evil\x1b]0;pwned\x07\u202etxt\nstored as batch 99.csv"
EVIL_NOTES = "a\x1b[31mred\u202e\x9b2J"


def run_on_a_terminal(*args: str, db: Path) -> str:
    """Run the CLI with its standard output on a pseudo-terminal; what the terminal received."""
    env = {"DASHBOARD_DB_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"}
    master, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", *args],
        stdin=subprocess.DEVNULL,
        stdout=child,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=REPO,
    )
    os.close(child)
    received = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the program closed its end
            break
        if not chunk:
            break
        received.append(chunk)
    os.close(master)
    assert process.wait(timeout=120) == 0
    return b"".join(received).decode("utf-8")


def test_reports_show_control_characters_escaped(tmp_path: Path) -> None:
    path = tmp_path / EVIL_NAME
    path.write_bytes(csv_bytes([row(notes=EVIL_NOTES)]))
    db = tmp_path / "s.sqlite3"
    done = run("import", str(path), db=db)
    assert done.returncode == 0, done.stderr
    listing = run("batches", db=db)
    assert listing.returncode == 0, listing.stderr
    for shown in (done.stdout, listing.stdout):
        assert "evil\\x1b]0;pwned\\x07\\u202etxt\\x0astored as batch 99.csv" in shown
        assert "\nstored as batch 99" not in shown
        assert not [c for c in shown if c not in "\n" and (ord(c) < 32 or 0x7F <= ord(c) < 0xA0)]
        assert "\u202e" not in shown
    missing = run("import", str(tmp_path / "gone\x1b[2J.csv"), db=db)
    assert missing.returncode == 2
    assert missing.stderr == "error: no such file: " + str(tmp_path) + "/gone\\x1b[2J.csv\n"


def test_export_is_raw_data_in_a_pipe_and_escaped_on_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(csv_bytes([row(notes=EVIL_NOTES)]))
    db = tmp_path / "s.sqlite3"
    assert run("import", str(path), db=db).returncode == 0
    piped = run("export", "--out", "-", db=db)
    assert piped.returncode == 0, piped.stderr
    assert EVIL_NOTES in piped.stdout
    shown = run_on_a_terminal("export", "--out", "-", db=db)
    assert "a\\x1b[31mred\\u202e\\x9b2J" in shown
    assert "\x1b" not in shown
    assert "\u202e" not in shown
    assert "T-0001" in shown


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("nonsense", "Could not parse SQLAlchemy URL"),
        ("://", "Could not parse SQLAlchemy URL"),
        ("foo://x", "Can't load plugin: sqlalchemy.dialects:foo"),
        ("postgresql+nodriver://u:s3cret@h/db", "Can't load plugin"),
        ("postgresql://u:s3cret@h:notaport/db", "bad port or address"),
        ("postgresql://u:s3cret@[::1/db", "bad port or address"),
        ("mysql://u:s3cret@h/db", "its database driver is not installed"),
    ],
)
def test_malformed_store_url_is_one_line_and_exit_1(url: str, reason: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "batches"],
        capture_output=True,
        text=True,
        env={"DASHBOARD_DB_URL": url, "PATH": "/usr/bin:/bin"},
        cwd=REPO,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: DASHBOARD_DB_URL is not a usable database URL: ")
    assert reason in line
    assert "s3cret" not in line


def test_the_cli_prints_the_report_summary_and_asks_it_the_same_question(
    cli_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, [GOOD, row(incident_id="T-2", latitude="north")])
    assert main(["import", str(path), "--dry-run"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[2:4] == [
        "rows read 2, valid 1, invalid 1, warnings 0",
        "1 row has errors: only the valid rows (1) can be imported, when asked for alone",
    ]
    # A dry run answers what the same command without --dry-run would do.
    assert main(["import", str(path), "--dry-run", "--valid-only"]) == 0
    assert "would add 1, update 0, leave 0 unchanged" in capsys.readouterr().out
    assert main(["import", str(path)]) == 1
    assert (
        "rejected: 1 row has errors, and a file is imported whole unless only its valid rows"
        " are asked for; nothing was stored"
    ) in capsys.readouterr().out
    missing = tmp_path / "narrow.csv"
    missing.write_bytes(csv_bytes([GOOD], columns=[c for c in GOOD if c != "weapon"]))
    assert main(["import", str(missing), "--valid-only"]) == 1
    out = capsys.readouterr().out
    assert "required column 'weapon' is missing from the header" in out
    assert "rejected: the file or its header has 1 error" in out
    assert "--valid-only" not in out


def test_a_stale_saved_mapping_is_refused_in_one_line(
    cli_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    open_store(cli_store).save_mapping("old", {"columns": {"ref": "colour"}}, saved_by="t")
    assert main(["import", str(write(tmp_path, [GOOD])), "--mapping", "old"]) == 1
    assert capsys.readouterr().err == ("error: mapping 'old': 'colour' is not a canonical column\n")


def test_export_for_excel(cli_store: str, tmp_path: Path) -> None:
    out = tmp_path / "excel.csv"
    assert main(["export", "--format", "excel-csv", "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfincident_id;date;")
    assert main(["import", str(out), "--dry-run"]) == 0


def test_the_import_command_loads_no_map_or_web_library() -> None:
    """The CLI's import path (and the settings it reads) imports neither folium nor Streamlit,
    nor openpyxl until a workbook comes: each costs a command 0.1-0.5 s of start, which a
    10,000-row import is measured against."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, dashboard.__main__, dashboard.imports, dashboard.settings;"
            "print(sorted({'folium', 'streamlit', 'openpyxl'} & set(sys.modules)))",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"


def test_evidence_imports_through_the_pages_functions_and_reverts_alike(
    cli_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exam = tmp_path / "examinations.csv"
    exam.write_text(
        "examination_id,examiner,incident_id,findings,source_title,grade\n"
        "CAR-KHA-20240220,CAR,UA-POL-202409,moved,A report,H\n",
        encoding="utf-8",
    )
    assert main(["import", "--kind", "examinations", str(exam), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "read as examinations" in out
    assert "warning: line 2, column examination_id: updates the stored examination" in out
    assert "incident_id 'UA-KHA-20240102' → 'UA-POL-202409'" in out
    assert "dry run, nothing stored: 1 valid row(s), 1 of them updating a stored row" in out
    assert main(["import", "--kind", "examinations", str(exam)]) == 0
    assert "stored as batch 2: 0 added, 1 updated, 0 unchanged" in capsys.readouterr().out

    origins = tmp_path / "origins.csv"
    origins.write_text(
        "examination_id,country,share\nCAR-KHA-20240220,France,71\nNOPE,Japan,\n", encoding="utf-8"
    )
    assert main(["import", "--kind", "origins", str(origins)]) == 1
    out = capsys.readouterr().out
    assert "error: line 2, column share: shares of examination 'CAR-KHA-20240220' add up to " in out
    assert "error: line 3, column examination_id: no stored examination" in out
    assert "rejected: " in out
    assert "nothing was stored" in out
    assert main(["import", "--kind", "origins", "--valid-only", str(origins)]) == 2
    assert "apply to incident files only" in capsys.readouterr().err

    # The CLI's revert of an evidence batch is the page's: the earlier examination is back.
    assert main(["revert", "2"]) == 0
    assert "batch 2 reverted by batch 3: 1 removed, 1 restored" in capsys.readouterr().out
    exams = Store(cli_store).evidence().examinations.set_index("examination_id")
    assert exams.loc["CAR-KHA-20240220", "incident_id"] == "UA-KHA-20240102"


def test_a_revert_that_would_orphan_evidence_is_refused_on_the_command_line(
    cli_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(write(tmp_path, [GOOD]))]) == 0
    source = tmp_path / "sources.csv"
    source.write_text("incident_id,title,says,grade\nT-0001,Note,other,L\n", encoding="utf-8")
    assert main(["import", "--kind", "sources", str(source)]) == 0
    capsys.readouterr()
    assert main(["revert", "2"]) == 1
    err = capsys.readouterr().err
    assert "error: batch 2 cannot be reverted" in err
    assert "batch 3 (sources.csv, stored " in err
    assert "by analyst: sources naming incident_id T-0001)" in err
    assert "T-0001" in set(Store(cli_store).incidents()["incident_id"])


def test_a_file_over_the_size_limit_is_refused_without_being_read_whole(
    cli_store: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as out:
        out.truncate(64 * 2**20)  # 64 MB of NUL bytes, written as a hole
    open_store(cli_store).dispose()  # migrated and seeded outside the measurement
    monkeypatch.setenv("DASHBOARD_UPLOAD_MAX_BYTES", "1000")
    tracemalloc.start()
    try:
        for kind in ("incidents", "sources"):
            assert main(["import", "--kind", kind, str(big)]) == 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    out = capsys.readouterr().out
    assert (
        out.count("the file is larger than the limit of 1,000 bytes (value 'over 1000 bytes')") == 2
    )
    assert peak < 16 * 2**20


def test_the_cli_speaks_the_language_lang_asks_for(
    cli_store: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "uk_UA.UTF-8")
    path = write(tmp_path, [GOOD, row(incident_id="T-2", latitude="north")])
    assert main(["import", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("помилка: ") for line in lines)  # the severity
    assert lines[-2].startswith("відхилено: ")
    assert lines[-2].endswith("; нічого не збережено")
    assert lines[-1] == (
        "використайте --valid-only, щоб зберегти коректні рядки й пропустити відхилені"
    )
    assert main(["import", str(tmp_path / "missing.csv")]) == 2
    assert capsys.readouterr().err.startswith("помилка: файл не знайдено: ")
    assert main(["import", str(path), "--valid-only"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "збережено як пакет 2: додано — 1, оновлено — 0, без змін — 0, відхилено — 1"
    )


def test_help_speaks_the_language_lang_asks_for(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "uk_UA.UTF-8")
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines at its width
    assert "Командний рядок панелі: одна команда за запуск" in text
    assert "зберегти його одним пакетом" in text
    assert "command line" not in text
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "лише звіт; нічого не зберігати" in text
    assert "report only" not in text


def test_a_file_imported_again_says_so_and_stores_no_batch(
    cli_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, [GOOD])
    assert main(["import", str(path), "--analyst", "olena", "--reason", "weekly file"]) == 0
    capsys.readouterr()
    store = open_store(cli_store)
    batch = store.batches().iloc[0]
    assert (batch["uploaded_by"], batch["reason"]) == ("olena", "weekly file")
    assert main(["import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "warning: this file was imported before (same SHA-256) as batch 2" in out
    assert "nothing stored: every row equals the stored incident" in out
    assert store.batch_count() == 2


def test_near_duplicates_are_reported_and_decided_with_on_duplicate(
    cli_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(write(tmp_path, [GOOD], "first.csv"))]) == 0
    twin = write(tmp_path, [row(incident_id="", latitude="50.018")], "twin.csv")
    capsys.readouterr()
    assert main(["import", str(twin)]) == 1
    out = capsys.readouterr().out
    assert "possible duplicate: line 2, INC-" in out
    assert "(Kharkiv) looks like stored T-0001 (Kharkiv, 0.11 km away)" in out
    assert "choose with --on-duplicate" in out
    assert "rejected: 1 row may duplicate a stored incident" in out
    assert main(["import", str(twin), "--on-duplicate", "update"]) == 0
    assert "1 updated" in capsys.readouterr().out
    assert open_store(cli_store).records(["T-0001"])["T-0001"]["latitude"] == 50.018


def test_with_review_required_import_proposes_and_another_analyst_approves(
    cli_store: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DASHBOARD_REVIEW", "required")
    monkeypatch.setenv("DASHBOARD_ANALYST", "olena")
    path = write(tmp_path, [GOOD])
    assert main(["import", str(path)]) == 1
    assert "error: give a short reason for the change" in capsys.readouterr().err
    assert main(["import", str(path), "--reason", "weekly file"]) == 0
    assert "proposed as proposal 1" in capsys.readouterr().out
    store = open_store(cli_store)
    assert store.batch_count() == 1
    assert main(["proposals"]) == 0
    listed = capsys.readouterr().out
    assert "proposal 1 (file-import): in.csv, by olena at" in listed
    assert "1 new · 0 update an existing incident · 0 unchanged" in listed
    assert main(["approve", "1"]) == 1
    assert "own change" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="2"):  # argparse: --reason is required
        main(["reject", "1", "--analyst", "maria"])
    capsys.readouterr()
    assert main(["approve", "1", "--analyst", "maria"]) == 0
    assert "proposal 1 approved and stored as batch 2: 1 added" in capsys.readouterr().out
    assert main(["batches"]) == 0
    header, newest = capsys.readouterr().out.splitlines()[:2]
    assert header.split()[-2:] == ["reviewed_by", "reason"]
    assert newest.endswith("maria weekly file")
    batch = store.batches().iloc[0]
    assert (batch["uploaded_by"], batch["reason"], batch["reviewed_by"]) == (
        "olena",
        "weekly file",
        "maria",
    )
    assert main(["proposals"]) == 0
    assert capsys.readouterr().out == "no proposal is pending\n"


def test_a_rejected_proposal_stores_nothing(
    cli_store: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DASHBOARD_REVIEW", "required")
    path = write(tmp_path, [GOOD])
    assert main(["import", str(path), "--analyst", "olena", "--reason", "weekly"]) == 0
    assert main(["reject", "1", "--analyst", "maria", "--reason", "wrong district"]) == 0
    assert "proposal 1 rejected; nothing was stored" in capsys.readouterr().out
    assert open_store(cli_store).batch_count() == 1
    assert main(["approve", "1", "--analyst", "maria"]) == 1
    assert "proposal 1 is not pending (it is rejected)" in capsys.readouterr().err
