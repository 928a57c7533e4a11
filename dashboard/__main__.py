"""Command line: ``python -m dashboard COMMAND`` (see ``--help``).

Exit codes: 0 done (or a clean dry run), 1 the operation was refused or failed (a message says
why; a rejected import prints its report on standard output), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from dashboard.core.errors import DashboardError, ImportRejectedError
from dashboard.core.mapping import FORMATS


class UsageError(DashboardError):
    """The command line asks for something that cannot be done as asked (exit code 2)."""


def _export(args: argparse.Namespace) -> int:
    from dashboard.core.export import to_csv, to_geojson
    from dashboard.imports import open_store

    frame = open_store().incidents()
    text = to_geojson(frame) if args.format == "geojson" else to_csv(frame)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


def _assets(_args: argparse.Namespace) -> int:
    from dashboard.assets import VENDOR_DIR, ensure_static_assets

    ensure_static_assets()
    print(f"map assets ready in {VENDOR_DIR}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from dashboard.imports import (
        UPLOADER,
        classify,
        commit,
        open_store,
        prepare,
        saved_mappings,
    )

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"no such file: {args.file}")
    store = open_store()
    mapping = None
    if args.mapping:
        mappings = saved_mappings(store)
        if args.mapping not in mappings:
            known = ", ".join(mappings) or "none saved yet"
            raise UsageError(f"no saved mapping {args.mapping!r} (saved: {known})")
        mapping = mappings[args.mapping]
    prepared = prepare(path.read_bytes(), path.name, date.today(), fmt=args.format, mapping=mapping)
    result = prepared.result
    print(f"file: {path.name} (sha256 {prepared.sha256})")
    print(
        f"read as {prepared.source_format}, encoding {prepared.read.encoding or '?'}, "
        f"delimiter {prepared.read.delimiter!r}"
    )
    print(
        f"rows read {result.rows_read}, valid {len(result.valid)}, invalid {len(result.rejected)}"
    )
    for issue in prepared.issues:
        print(f"{issue.severity}: {issue}")
    if args.dry_run:
        changes = classify(store, prepared)["change"].value_counts()
        print(
            "dry run, nothing stored: would add {new}, update {update}, leave {unchanged} "
            "unchanged".format(
                **{k: int(changes.get(k, 0)) for k in ("new", "update", "unchanged")}
            )
        )
        return 0 if prepared.ok else 1
    try:
        summary = commit(store, prepared, uploaded_by=UPLOADER, valid_only=args.valid_only)
    except ImportRejectedError as exc:
        print(f"rejected: {exc}")
        if not prepared.file_errors and len(result.valid):
            print("use --valid-only to store the valid rows and leave the rejected ones out")
        return 1
    print(
        f"stored as batch {summary.batch_id}: {summary.added} added, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {len(result.rejected)} rejected"
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
    print(out.to_string(index=False))
    return 0


def _revert(args: argparse.Namespace) -> int:
    from dashboard.imports import UPLOADER, open_store

    summary = open_store().revert_batch(args.batch, uploaded_by=UPLOADER)
    print(
        f"batch {args.batch} reverted by batch {summary.batch_id}: {summary.removed} removed, "
        f"{summary.added} restored, {summary.updated} set back"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser(
        "import", help="validate a CSV file and store it as one batch (all or nothing)"
    )
    imp.add_argument("file", help="CSV file: the template's columns, or an ACLED export")
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
    export.add_argument("--format", choices=["csv", "geojson"], default="csv")
    export.add_argument("--out", required=True, help="file to write, or - for standard output")
    export.set_defaults(run=_export)
    listing = commands.add_parser("batches", help="list every batch (upload), newest first")
    listing.set_defaults(run=_batches)
    revert = commands.add_parser(
        "revert", help="put back what a batch changed, as a new batch of kind 'revert'"
    )
    revert.add_argument("batch", type=int, help="the batch id (see `batches`)")
    revert.set_defaults(run=_revert)
    assets = commands.add_parser(
        "assets", help="copy the map's JS/CSS into the served static folder"
    )
    assets.set_defaults(run=_assets)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (argparse exits with 2 on bad usage itself)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DashboardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
