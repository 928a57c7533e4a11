"""Sanctions-monitoring dashboard: DPRK-origin missile incidents and the UN 1718 panel's mandate."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: Shipped, sourced data (`incidents.csv`, `mandate_events.csv`) and the default SQLite file.
DATA_DIR = PACKAGE_DIR.parent / "data"
