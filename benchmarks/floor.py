"""The store's bulk-load floor (issue 24): ``python -m benchmarks.floor sqlite|postgresql CSV
TARGET``, a fresh interpreter that loads a CSV into a bare table of text columns, one
transaction, no checks, and nothing else imported.

SQLite: ``csv`` reads the file and ``executemany`` inserts its rows into the database file
TARGET. PostgreSQL: ``COPY ... FROM STDIN`` into an UNLOGGED table of the database TARGET (a
libpq connection string). What an import could cost if it did nothing but put the rows there.
"""

from __future__ import annotations

import csv
import sqlite3
import sys
from pathlib import Path

TABLE = "floor"


def _create(header: list[str], unlogged: bool = False) -> str:
    columns = ", ".join(f'"{name}" TEXT' for name in header)
    return f"CREATE {'UNLOGGED ' if unlogged else ''}TABLE {TABLE} ({columns})"


def sqlite_floor(path: Path, database: Path) -> int:
    """Rows of ``path`` inserted into a bare table of a new SQLite file ``database``."""
    with path.open(newline="", encoding="utf-8") as stream:
        rows = csv.reader(stream)
        header = next(rows)
        connection = sqlite3.connect(database)
        try:
            connection.execute(_create(header))
            marks = ", ".join("?" * len(header))
            cursor = connection.executemany(f"INSERT INTO {TABLE} VALUES ({marks})", rows)
            connection.commit()
            return cursor.rowcount
        finally:
            connection.close()


def postgresql_floor(path: Path, conninfo: str) -> int:
    """Rows of ``path`` copied into a new UNLOGGED bare table of the database ``conninfo``."""
    import psycopg

    with path.open("rb") as stream, psycopg.connect(conninfo) as connection:
        header = next(csv.reader([stream.readline().decode("utf-8")]))
        connection.execute(_create(header, unlogged=True))
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY {TABLE} FROM STDIN (FORMAT csv)") as copy:
                while block := stream.read(1 << 20):
                    copy.write(block)
            rows = cursor.rowcount
        connection.commit()
        return rows


if __name__ == "__main__":
    backend, csv_path, target = sys.argv[1:4]
    load = sqlite_floor if backend == "sqlite" else postgresql_floor
    print(load(Path(csv_path), Path(target) if backend == "sqlite" else target))  # type: ignore[arg-type]
