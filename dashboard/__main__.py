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
from typing import TYPE_CHECKING, TextIO
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from dashboard.core import i18n
from dashboard.core.duplicates import CHOICES as DUPLICATE_CHOICES
from dashboard.core.errors import DashboardError, Issue
from dashboard.core.evidence import Kind
from dashboard.core.i18n import N_, _, ngettext, number
from dashboard.core.mapping import FORMATS
from dashboard.core.report import Report
from dashboard.core.review import conflict_message
from dashboard.core.text import terminal_text
from dashboard.store import Store, default_url

#: What ``--help`` says first (the module's docstring, as the command line's user reads it).
DESCRIPTION = N_(
    "The dashboard's command line: one command per run (COMMAND --help describes it). "
    "Exit codes: 0 done (or a dry run of a file that would be stored), 1 the operation was "
    "refused or failed (a message says why; a rejected import prints its report on standard "
    "output), 2 usage error."
)

if TYPE_CHECKING:
    from dashboard.review import Checked


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


def _read_file(name: str) -> tuple[Path, bytes]:
    """A file named on the command line, read up to the upload limit (a larger one is refused
    by its report, as on the page)."""
    from dashboard import settings
    from dashboard.imports import read_limited

    path = Path(name)
    if not path.is_file():
        raise UsageError(_("no such file: {path}").format(path=name))
    with path.open("rb") as stream:
        return path, read_limited(stream, settings.upload_limits().max_bytes)


def _analyst(args: argparse.Namespace, default: str = "") -> str:
    """Who runs a command that changes data: ``--analyst``, else ``DASHBOARD_ANALYST``, else
    ``default``. Whoever has the shell is trusted to name themselves; the name is recorded."""
    return (args.analyst or os.environ.get(ANALYST_ENV, "") or default).strip()


#: The environment variable naming the analyst at the command line.
ANALYST_ENV = "DASHBOARD_ANALYST"


def _import(args: argparse.Namespace) -> int:
    from dashboard import review
    from dashboard.imports import UPLOADER, open_store, saved_mappings

    if args.kind != "incidents":
        unused = [
            option
            for option, given in (
                ("--valid-only", args.valid_only),
                ("--mapping", args.mapping),
                ("--sheet", args.sheet),
                ("--format", args.format != "auto"),
                ("--on-duplicate", args.on_duplicate is not None),
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
    path, data = _read_file(args.file)
    store = open_store()
    if (kind := KINDS[args.kind]) is not None:
        change = review.evidence_file_change(data, path.name, kind)
    else:
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
        change = review.file_change(
            data,
            path.name,
            fmt=args.format,
            mapping=mapping,
            sheet=args.sheet,
            valid_only=args.valid_only,
            on_duplicate=args.on_duplicate,
        )
    checked = review.check(store, change, date.today())
    assert checked.report is not None  # a file always has its report
    report = checked.report
    _print_report(report)
    for note in checked.warnings:
        say(_("warning: {note}").format(note=note))
    _print_near(checked)
    if args.dry_run:
        _print_dry_run(checked)
        return 0 if checked.refusal is None or checked.nothing_to_store else 1
    if checked.nothing_to_store:
        say(_("nothing stored: every row equals the stored incident"))
        return 0
    if checked.refusal is not None:
        if kind is not None:
            say(
                _(
                    "rejected: {reason}; nothing was stored (an evidence file is imported whole)"
                ).format(reason=checked.refusal)
            )
            return 1
        say(_("rejected: {reason}; nothing was stored").format(reason=checked.refusal))
        if not report.importable() and report.importable(valid_only=True) and not args.valid_only:
            say(_("use --valid-only to store the valid rows and leave the rejected ones out"))
        return 1
    outcome = review.submit(
        store,
        change,
        author=_analyst(args, UPLOADER),
        reason=args.reason,
        today=date.today(),
        checked=checked,
    )
    if outcome.proposal_id is not None:
        say(
            _(
                "proposed as proposal {id}: it is stored once another analyst approves it "
                "(python -m dashboard approve {id})"
            ).format(id=outcome.proposal_id)
        )
        return 0
    summary = outcome.batch
    assert summary is not None
    if kind is not None:
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
    if (context := report.context_note()) is not None:
        say(context)
    return 0


def _print_near(checked: Checked) -> None:
    """The possible duplicates, as the page lists them, and how to decide about them."""
    near = checked.near
    if near.empty:
        return
    for row in near.to_dict("records"):
        say(
            _(
                "possible duplicate: line {line}, {id} ({location}) looks like stored {stored} "
                "({stored_location}, {km} km away)"
            ).format(
                line=row["line"],
                id=row["incident_id"],
                location=row["location"],
                stored=row["duplicate_of"],
                stored_location=row["stored_location"],
                km=number(float(row["distance_km"])),
            )
        )
    if checked.change.on_duplicate is None:
        say(
            _(
                "choose with --on-duplicate: update (the stored incident), add (a new one "
                "anyway) or skip (leave those rows out)"
            )
        )


def _print_dry_run(checked: Checked) -> None:
    """What the same command without ``--dry-run`` would store."""
    from dashboard.core.errors import Code

    report = checked.report
    assert report is not None
    if checked.change.kind == "evidence-import":
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
        return
    changes = checked.preview["change"].value_counts()
    say(
        _(
            "dry run, nothing stored: would add {new}, update {update}, leave {unchanged} unchanged"
        ).format(**{k: int(changes.get(k, 0)) for k in ("new", "update", "unchanged")})
    )


def _print_report(report: Report) -> None:
    """A file's report: its summary, then every issue with its severity."""
    for line in report.summary():
        say(line)
    for issue in report.issues:
        say(_issue_line(issue))


def _issue_line(issue: Issue) -> str:
    """One issue as the CLI prints it: its severity (in words), then the issue."""
    return _("{severity}: {issue}").format(severity=_(SEVERITIES[issue.severity]), issue=issue)


def _batches(_args: argparse.Namespace) -> int:
    from dashboard.imports import open_store

    frame = open_store().batches()
    columns = ["id", "kind", "created_at", "uploaded_by", "filename", "sha256", "source_format"]
    counts = ["rows_read", "added", "updated", "unchanged", "removed", "rejected"]
    out = frame[columns + counts + ["reverts_batch", "reviewed_by", "reason"]].copy()
    out["created_at"] = out["created_at"].astype(str).str[:19]
    out["sha256"] = out["sha256"].str[:12]
    reverts = out["reverts_batch"]
    out["reverts_batch"] = reverts.astype("Int64").astype(object).where(reverts.notna(), "")
    for column in ("reviewed_by", "reason"):
        out[column] = out[column].fillna("")
    for column in ("kind", "uploaded_by", "filename", "source_format", "reviewed_by", "reason"):
        out[column] = out[column].map(terminal_text)
    say(out.to_string(index=False), lines=True)
    return 0


def _revert(args: argparse.Namespace) -> int:
    from dashboard import review
    from dashboard.imports import UPLOADER, open_store

    summary = review.revert(
        open_store(), args.batch, by=_analyst(args, UPLOADER), reason=args.reason
    )
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


def _proposals(_args: argparse.Namespace) -> int:
    """The pending proposals, oldest first: who, when, why, and what each changes."""
    from dashboard import review
    from dashboard.imports import open_store

    store = open_store()
    pending = review.proposals(store)
    if not pending:
        say(_("no proposal is pending"))
        return 0
    for p in pending:
        say(
            _("proposal {id} ({kind}): {file}, by {who} at {when} UTC: {reason}").format(
                id=p.id,
                kind=p.kind,
                file=p.change.filename,
                who=p.author,
                when=f"{p.created_at:%Y-%m-%d %H:%M}",
                reason=p.reason,
            )
        )
        if moved := review.conflicts(store, p):
            say("  " + conflict_message(p.id, moved))
        shown = review.diff(store, p, date.today())
        for incident_id, changes in shown.fields.items():
            say("  " + incident_id)
            for change in changes[:_FIELDS_SHOWN]:
                say(f"    {change.field}: {change.old!r} → {change.new!r}")
            if len(changes) > _FIELDS_SHOWN:
                say(
                    "    "
                    + ngettext(
                        "and {n} more field", "and {n} more fields", len(changes) - _FIELDS_SHOWN
                    ).format(n=number(len(changes) - _FIELDS_SHOWN))
                )
        if (more := len(shown.checked.touched) - len(shown.fields)) > 0 and shown.fields:
            say(
                "  "
                + ngettext("and {n} more incident", "and {n} more incidents", more).format(
                    n=number(more)
                )
            )
        for line in shown.summary:
            say("  " + line)
    return 0


#: Fields a proposal's diff lists per incident before it counts the rest.
_FIELDS_SHOWN = 25


def _approve(args: argparse.Namespace) -> int:
    from dashboard import review
    from dashboard.imports import open_store

    summary = review.approve(
        open_store(), args.proposal, reviewer=_analyst(args), today=date.today()
    )
    say(
        _(
            "proposal {id} approved and stored as batch {batch}: {added} added, {updated} "
            "updated, {removed} removed"
        ).format(
            id=args.proposal,
            batch=summary.batch_id,
            added=summary.added,
            updated=summary.updated,
            removed=summary.removed,
        )
    )
    return 0


def _reject(args: argparse.Namespace) -> int:
    from dashboard import review
    from dashboard.imports import open_store

    review.reject(open_store(), args.proposal, reviewer=_analyst(args), reason=args.reason)
    say(_("proposal {id} rejected; nothing was stored").format(id=args.proposal))
    return 0


def _import_launches(args: argparse.Namespace) -> int:
    """Read the Air Force dataset's CSV, sum its Iskander-M/KN-23 rows by month and store the
    series in place of the stored one (all or nothing), printing the same report as the page."""
    from dashboard.core.launches import CAVEAT
    from dashboard.imports import UPLOADER, commit_launches, open_store, prepare_launches

    path, data = _read_file(args.file)
    report = prepare_launches(data, path.name)
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
    stored = commit_launches(open_store(), report, uploaded_by=_analyst(args, UPLOADER))
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
        help=_("store the monthly Iskander-M/KN-23 launches from the Air Force reports' dataset"),
    )
    launches.add_argument(
        "file", help=_("missile_attacks_daily.csv of 'Massive Missile Attacks on Ukraine'")
    )
    launches.add_argument("--dry-run", action="store_true", help=_("report only; store nothing"))
    _add_analyst(launches)
    launches.set_defaults(run=_import_launches)


def _add_analyst(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--analyst",
        help=_("who makes the change, as recorded (default: the {variable} variable)").format(
            variable=ANALYST_ENV
        ),
    )


def _add_reason(command: argparse.ArgumentParser, *, required: bool = False) -> None:
    command.add_argument(
        "--reason",
        required=required,
        help=_("why, in a line (required when review is required)"),
    )


def _add_review_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``proposals``, ``approve ID`` and ``reject ID --reason TEXT`` (see README, "Corrections
    and review")."""
    listing = commands.add_parser(
        "proposals", help=_("list the pending proposals, oldest first, with what each changes")
    )
    listing.set_defaults(run=_proposals)
    approve = commands.add_parser(
        "approve", help=_("store another analyst's proposal as one batch")
    )
    approve.add_argument("proposal", type=int, help=_("the proposal id (see `proposals`)"))
    _add_analyst(approve)
    approve.set_defaults(run=_approve)
    reject = commands.add_parser(
        "reject", help=_("reject another analyst's proposal; nothing is stored")
    )
    reject.add_argument("proposal", type=int, help=_("the proposal id (see `proposals`)"))
    _add_analyst(reject)
    _add_reason(reject, required=True)
    reject.set_defaults(run=_reject)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=_(DESCRIPTION))
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser(
        "import", help=_("validate a CSV file and store it as one batch (all or nothing)")
    )
    imp.add_argument(
        "file",
        help=_("CSV file or .xlsx workbook: the template's columns, or an ACLED export"),
    )
    imp.add_argument(
        "--kind",
        choices=list(KINDS),
        default="incidents",
        help=_("what the file holds: incidents, or evidence of stored ones (as the Upload page)"),
    )
    imp.add_argument("--sheet", help=_("the workbook's sheet to read (default: the first)"))
    imp.add_argument("--dry-run", action="store_true", help=_("report only; store nothing"))
    imp.add_argument(
        "--valid-only", action="store_true", help=_("store the valid rows even if others fail")
    )
    imp.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help=_("column layout; auto recognises ACLED exports"),
    )
    imp.add_argument("--mapping", help=_("a column mapping saved in the Upload page, by name"))
    imp.add_argument(
        "--on-duplicate",
        choices=list(DUPLICATE_CHOICES),
        help=_(
            "rows without an id that look like a stored incident: update it, add them anyway, "
            "or skip them"
        ),
    )
    _add_analyst(imp)
    _add_reason(imp)
    imp.set_defaults(run=_import)
    export = commands.add_parser(
        "export", help=_("write the store's incidents in the canonical format")
    )
    export.add_argument(
        "--format",
        choices=["csv", "excel-csv", "geojson"],
        default="csv",
        help=_(
            "excel-csv: UTF-8 with BOM, semicolons, decimal commas (Excel on a European locale)"
        ),
    )
    export.add_argument("--out", required=True, help=_("file to write, or - for standard output"))
    export.set_defaults(run=_export)
    listing = commands.add_parser("batches", help=_("list every batch (upload), newest first"))
    listing.set_defaults(run=_batches)
    revert = commands.add_parser(
        "revert", help=_("put back what a batch changed, as a new batch of kind 'revert'")
    )
    revert.add_argument("batch", type=int, help=_("the batch id (see `batches`)"))
    _add_analyst(revert)
    _add_reason(revert)
    revert.set_defaults(run=_revert)
    brief = commands.add_parser(
        "briefing",
        help=_("write the briefing (one HTML file) of the view a link describes, as the page does"),
    )
    brief.add_argument(
        "--out", required=True, help=_("HTML file to write, or - for standard output")
    )
    brief.add_argument(
        "--link",
        help=_("the view: a link copied from the app, or its query string (default: all, live)"),
    )
    brief.set_defaults(run=_briefing)
    assets = commands.add_parser(
        "assets", help=_("copy the map's JS/CSS into the served static folder")
    )
    assets.set_defaults(run=_assets)
    _add_launches_command(commands)
    _add_review_commands(commands)
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
