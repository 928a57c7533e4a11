"""Command line: ``python -m dashboard COMMAND`` (see ``--help``).

Exit codes: 0 done (or a dry run of a file that would be stored), 1 the operation was refused or
failed (a message says why; a rejected import prints its report on standard output), 2 usage
error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from dashboard.core import i18n
from dashboard.core.errors import DashboardError, Issue
from dashboard.core.evidence import Kind
from dashboard.core.i18n import N_, _, ngettext, number
from dashboard.core.mapping import FORMATS
from dashboard.core.report import Report
from dashboard.core.text import terminal_text
from dashboard.store import Store, default_url


class UsageError(DashboardError):
    """The command line asks for something that cannot be done as asked (exit code 2)."""


def say(text: object = "", *, file: TextIO | None = None, lines: bool = False) -> None:
    """Print a human-readable message, every control character in it escaped.

    A message is one line (a file name holding a line break cannot forge another line of the
    report) unless ``lines`` says it is a multi-line block such as a table.
    """
    print(terminal_text(text, lines=lines), file=file or sys.stdout)


def _write(text: str, out: str) -> None:
    """Write data to a file, or to standard output when ``out`` is ``-``.

    Piped, the data goes out as it is (a data stream); to a terminal, its control characters are
    shown escaped, so a cell cannot drive the terminal (move the cursor, retitle, hide text).
    """
    if out != "-":
        try:
            Path(out).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise DashboardError(
                _("cannot write {path}: {reason}").format(
                    path=repr(out), reason=exc.strerror or exc
                )
            ) from exc
    elif sys.stdout.isatty():
        sys.stdout.write(terminal_text(text, lines=True))
    else:
        sys.stdout.write(text)


def _export(args: argparse.Namespace) -> int:
    from dashboard.core.export import to_csv, to_excel_csv, to_geojson
    from dashboard.imports import open_store

    frame = open_store().incidents()
    if args.format == "geojson":
        text = to_geojson(frame)
    elif args.format == "excel-csv":  # starts with the byte-order mark Excel looks for
        text = to_excel_csv(frame).decode("utf-8")
    else:
        text = to_csv(frame)
    _write(text, args.out)
    return 0


def _link_params(link: str | None) -> tuple[dict[str, list[str]], str | None]:
    """A link's query parameters (``parse_qs`` shape) and its http(s) address, if it has one."""
    if not link:
        return {}, None
    parts = urlsplit(link)
    if parts.scheme in ("http", "https") and parts.netloc:
        return parse_qs(parts.query, keep_blank_values=True), link
    if parts.scheme or parts.netloc:
        raise UsageError(
            _("--link must be an http(s) address or a query string, not {link}").format(
                link=repr(link)
            )
        )
    return parse_qs(link.lstrip("?"), keep_blank_values=True), None


def _briefing(args: argparse.Namespace) -> int:
    from dashboard import settings
    from dashboard.assets import read_asset
    from dashboard.core import briefing, links
    from dashboard.core.aggregates import load_aggregates
    from dashboard.core.evidence import annotate
    from dashboard.core.mandate import load_events
    from dashboard.core.monitor import assemble
    from dashboard.imports import AGGREGATES, MANDATE_EVENTS, open_store

    params, address = _link_params(args.link)
    now = datetime.now(UTC).replace(microsecond=0)
    view, notes = links.parse(params, now=now)
    tiles, attribution = settings.tiles()
    store = open_store()
    events = load_events(MANDATE_EVENTS)
    evidence = store.evidence(store.last_batch_at(view.asof) if view.asof else None)
    screen = assemble(
        view,
        load=lambda asof: annotate(
            store.incidents_asof(asof) if asof else store.incidents(), evidence
        ),
        events=events,
        today=date.today(),
    )
    view, in_view = screen.view, screen.in_view
    brief = briefing.Briefing(
        incidents=in_view,
        figures=screen.figures,
        mandate=screen.mandate,
        events=events,
        state=view,
        link=links.share_url(address, view) if address else "?" + links.query_string(view),
        generated_at=now,
        map_view=screen.map_view,
        tiles=tiles,
        tiles_attribution=attribution,
        evidence=evidence,
        counts=load_aggregates(AGGREGATES, date.today()),
    )
    _write(briefing.render(brief, asset_text=read_asset), args.out)
    for note in links.capped([*notes, *screen.notes]):
        say(_("warning: {note}").format(note=note), file=sys.stderr)
    # Written to standard output, the briefing is the output: the summary goes with the warnings.
    summary = sys.stderr if args.out == "-" else sys.stdout
    say(
        _("briefing written to {path} (incidents in view: {n})").format(
            path=args.out, n=number(len(in_view))
        ),
        file=summary,
    )
    return 0


def _assets(_args: argparse.Namespace) -> int:
    from dashboard.assets import VENDOR_DIR, ensure_static_assets

    ensure_static_assets()
    say(_("map assets ready in {path}").format(path=VENDOR_DIR))
    return 0


#: An issue's severity in words (the report's lines start with it).
SEVERITIES: dict[str, str] = {"error": N_("error"), "warning": N_("warning")}

#: What ``import --kind`` takes, and the evidence kind each names (None: incidents).
KINDS: dict[str, Kind | None] = {
    "incidents": None,
    "sources": "sources",
    "examinations": "examinations",
    "origins": "component_origins",
}


def _import(args: argparse.Namespace) -> int:
    from dashboard import settings
    from dashboard.imports import (
        UPLOADER,
        classify,
        commit,
        open_store,
        prepare,
        read_limited,
        saved_mappings,
    )

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(_("no such file: {path}").format(path=args.file))
    if args.kind != "incidents":
        unused = [
            option
            for option, given in (
                ("--valid-only", args.valid_only),
                ("--mapping", args.mapping),
                ("--sheet", args.sheet),
                ("--format", args.format != "auto"),
            )
            if given
        ]
        if unused:
            raise UsageError(
                _(
                    "{options} apply to incident files only: an evidence file is read in its "
                    "template's columns and imported whole"
                ).format(options=", ".join(unused))
            )
    limits = settings.upload_limits()
    with path.open("rb") as stream:
        data = read_limited(stream, limits.max_bytes)
    store = open_store()
    if (kind := KINDS[args.kind]) is not None:
        return _import_evidence(store, data, path.name, kind, dry_run=args.dry_run)
    mapping = None
    if args.mapping:
        mappings = saved_mappings(store)
        if args.mapping not in mappings:
            known = ", ".join(mappings) or _("none saved yet")
            raise UsageError(
                _("no saved mapping {name} (saved: {known})").format(
                    name=repr(args.mapping), known=known
                )
            )
        mapping = mappings[args.mapping]
    report = prepare(
        data,
        path.name,
        date.today(),
        fmt=args.format,
        mapping=mapping,
        limits=limits,
        sheet=args.sheet,
    )
    _print_report(report)
    if args.dry_run:
        changes = classify(store, report)["change"].value_counts()
        say(
            _(
                "dry run, nothing stored: would add {new}, update {update}, leave {unchanged} "
                "unchanged"
            ).format(**{k: int(changes.get(k, 0)) for k in ("new", "update", "unchanged")})
        )
        return 0 if report.importable(args.valid_only) else 1
    if (reason := report.refusal(args.valid_only)) is not None:
        say(_("rejected: {reason}; nothing was stored").format(reason=reason))
        if report.importable(valid_only=True):
            say(_("use --valid-only to store the valid rows and leave the rejected ones out"))
        return 1
    summary = commit(store, report, uploaded_by=UPLOADER, valid_only=args.valid_only)
    say(
        _(
            "stored as batch {batch}: {added} added, {updated} updated, {unchanged} unchanged, "
            "{rejected} rejected"
        ).format(
            batch=summary.batch_id,
            added=summary.added,
            updated=summary.updated,
            unchanged=summary.unchanged,
            rejected=report.counts.invalid,
        )
    )
    if (note := report.context_note()) is not None:
        say(note)
    return 0


def _print_report(report: Report) -> None:
    """A file's report: its summary, then every issue with its severity."""
    for line in report.summary():
        say(line)
    for issue in report.issues:
        say(_issue_line(issue))


def _issue_line(issue: Issue) -> str:
    """One issue as the CLI prints it: its severity (in words), then the issue."""
    return _("{severity}: {issue}").format(severity=_(SEVERITIES[issue.severity]), issue=issue)


def _import_evidence(store: Store, data: bytes, name: str, kind: Kind, *, dry_run: bool) -> int:
    """An evidence file through the page's functions: the same report, refusals and batch."""
    from dashboard.core.errors import Code
    from dashboard.imports import UPLOADER, commit_evidence, prepare_evidence

    report = prepare_evidence(store, data, name, kind, date.today())
    _print_report(report)
    if dry_run:
        updates = sum(1 for i in report.issues if i.code == Code.UPDATES_STORED)
        say(
            ngettext(
                "dry run, nothing stored: {n} valid row(s), {updates} of them updating a stored "
                "row",
                "dry run, nothing stored: {n} valid row(s), {updates} of them updating a stored "
                "row",
                report.counts.valid,
            ).format(n=report.counts.valid, updates=updates)
        )
        return 0 if report.importable() else 1
    if (reason := report.refusal()) is not None:
        say(
            _("rejected: {reason}; nothing was stored (an evidence file is imported whole)").format(
                reason=reason
            )
        )
        return 1
    summary = commit_evidence(store, report, uploaded_by=UPLOADER)
    say(
        _(
            "stored as batch {batch}: {added} added, {updated} updated, {unchanged} unchanged"
        ).format(
            batch=summary.batch_id,
            added=summary.added,
            updated=summary.updated,
            unchanged=summary.unchanged,
        )
    )
    return 0


def _batches(_args: argparse.Namespace) -> int:
    from dashboard.imports import open_store

    frame = open_store().batches()
    columns = ["id", "kind", "created_at", "uploaded_by", "filename", "sha256", "source_format"]
    counts = ["rows_read", "added", "updated", "unchanged", "removed", "rejected"]
    out = frame[columns + counts + ["reverts_batch"]].copy()
    out["created_at"] = out["created_at"].astype(str).str[:19]
    out["sha256"] = out["sha256"].str[:12]
    reverts = out["reverts_batch"]
    out["reverts_batch"] = reverts.astype("Int64").astype(object).where(reverts.notna(), "")
    for column in ("kind", "uploaded_by", "filename", "source_format"):
        out[column] = out[column].map(terminal_text)
    say(out.to_string(index=False), lines=True)
    return 0


def _revert(args: argparse.Namespace) -> int:
    from dashboard.imports import UPLOADER, open_store, revert

    summary = revert(open_store(), args.batch, uploaded_by=UPLOADER)
    say(
        _(
            "batch {batch} reverted by batch {by}: {removed} removed, {restored} restored, "
            "{set_back} set back"
        ).format(
            batch=args.batch,
            by=summary.batch_id,
            removed=summary.removed,
            restored=summary.added,
            set_back=summary.updated,
        )
    )
    return 0


def _import_launches(args: argparse.Namespace) -> int:
    """Read the Air Force dataset's CSV, sum its Iskander-M/KN-23 rows by month and store the
    series in place of the stored one (all or nothing), printing the same report as the page."""
    from dashboard import settings
    from dashboard.core.launches import CAVEAT
    from dashboard.imports import (
        UPLOADER,
        commit_launches,
        open_store,
        prepare_launches,
        read_limited,
    )

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(_("no such file: {path}").format(path=args.file))
    limits = settings.upload_limits()
    with path.open("rb") as stream:
        data = read_limited(stream, limits.max_bytes)
    report = prepare_launches(data, path.name, limits=limits)
    say(report.summary())
    for issue in report.issues:
        say(_issue_line(issue))
    if (reason := report.refusal()) is not None:
        say(_("rejected: {reason}; nothing was stored").format(reason=reason))
        return 1
    if args.dry_run:
        say(
            ngettext(
                "dry run, nothing stored: would store {n} month",
                "dry run, nothing stored: would store {n} months",
                len(report.monthly),
            ).format(n=number(len(report.monthly)))
        )
        return 0
    stored = commit_launches(open_store(), report, uploaded_by=UPLOADER)
    say(
        ngettext(
            "stored {n} month of launches (they replace the stored series)",
            "stored {n} months of launches (they replace the stored series)",
            stored.months,
        ).format(n=number(stored.months))
    )
    say(_("note: {caveat}").format(caveat=_(CAVEAT)))
    return 0


def _add_launches_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``import-launches FILE``: the monthly launches from the Air Force dataset's CSV."""
    launches = commands.add_parser(
        "import-launches",
        help="store the monthly Iskander-M/KN-23 launches from the Air Force reports' dataset",
    )
    launches.add_argument(
        "file", help="missile_attacks_daily.csv of 'Massive Missile Attacks on Ukraine'"
    )
    launches.add_argument("--dry-run", action="store_true", help="report only; store nothing")
    launches.set_defaults(run=_import_launches)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser(
        "import", help="validate a CSV file and store it as one batch (all or nothing)"
    )
    imp.add_argument(
        "file",
        help="CSV file or .xlsx workbook: the template's columns, or an ACLED export",
    )
    imp.add_argument(
        "--kind",
        choices=list(KINDS),
        default="incidents",
        help="what the file holds: incidents, or evidence of stored ones (as the Upload page)",
    )
    imp.add_argument("--sheet", help="the workbook's sheet to read (default: the first)")
    imp.add_argument("--dry-run", action="store_true", help="report only; store nothing")
    imp.add_argument(
        "--valid-only", action="store_true", help="store the valid rows even if others fail"
    )
    imp.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help="column layout; auto recognises ACLED exports",
    )
    imp.add_argument("--mapping", help="a column mapping saved in the Upload page, by name")
    imp.set_defaults(run=_import)
    export = commands.add_parser(
        "export", help="write the store's incidents in the canonical format"
    )
    export.add_argument(
        "--format",
        choices=["csv", "excel-csv", "geojson"],
        default="csv",
        help="excel-csv: UTF-8 with BOM, semicolons, decimal commas (Excel on a European locale)",
    )
    export.add_argument("--out", required=True, help="file to write, or - for standard output")
    export.set_defaults(run=_export)
    listing = commands.add_parser("batches", help="list every batch (upload), newest first")
    listing.set_defaults(run=_batches)
    revert = commands.add_parser(
        "revert", help="put back what a batch changed, as a new batch of kind 'revert'"
    )
    revert.add_argument("batch", type=int, help="the batch id (see `batches`)")
    revert.set_defaults(run=_revert)
    brief = commands.add_parser(
        "briefing",
        help="write the briefing (one HTML file) of the view a link describes, as the page does",
    )
    brief.add_argument("--out", required=True, help="HTML file to write, or - for standard output")
    brief.add_argument(
        "--link",
        help="the view: a link copied from the app, or its query string (default: all, live)",
    )
    brief.set_defaults(run=_briefing)
    assets = commands.add_parser(
        "assets", help="copy the map's JS/CSS into the served static folder"
    )
    assets.set_defaults(run=_assets)
    _add_launches_command(commands)
    return parser


def _store_url_problem(url: str) -> str | None:
    """Why ``url`` cannot name a store (bad syntax, unknown database, driver missing), or None.

    It builds the store's engine, which checks all that without connecting. The URL itself is
    never repeated: it may hold a password.
    """
    try:
        Store(url).dispose()
    except sa.exc.ArgumentError as exc:
        return str(exc)
    except ValueError as exc:
        return _("bad port or address ({reason})").format(reason=exc)
    except ImportError as exc:
        return _("its database driver is not installed ({reason})").format(reason=exc)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (argparse exits with 2 on bad usage itself).

    It speaks the language ``LANG`` (or ``LANGUAGE``, ``LC_ALL``) asks for."""
    with i18n.use(i18n.from_env(os.environ)):
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    url = default_url()
    problem = _store_url_problem(url)
    if problem is not None:
        say(
            _("error: DASHBOARD_DB_URL is not a usable database URL: {problem}").format(
                problem=problem
            ),
            file=sys.stderr,
        )
        return 1
    try:
        return int(args.run(args))
    except UsageError as exc:
        say(_("error: {message}").format(message=exc), file=sys.stderr)
        return 2
    except DashboardError as exc:
        say(_("error: {message}").format(message=exc), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
