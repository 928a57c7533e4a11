"""Command line: ``python -m dashboard COMMAND`` (see ``--help``).

Exit codes: 0 done, 1 the operation was refused or failed (a message says why), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from dashboard.core.errors import DashboardError


def _export(args: argparse.Namespace) -> int:
    from dashboard.core.export import to_csv
    from dashboard.imports import open_store

    text = to_csv(open_store().incidents())
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser(
        "export", help="write the store's incidents in the canonical format"
    )
    export.add_argument("--format", choices=["csv"], default="csv")
    export.add_argument("--out", required=True, help="file to write, or - for standard output")
    export.set_defaults(run=_export)
    assets = commands.add_parser(
        "assets", help="copy the map's JS/CSS into the served static folder"
    )
    assets.set_defaults(run=_assets)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except DashboardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
