"""The one path from a file to the store, shared by the shipped data, the Upload page and the CLI.

``prepare`` reads and validates without touching the store; ``commit`` stores a prepared file as
one batch. A file with errors is stored only when the caller explicitly asks for the valid rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dashboard import DATA_DIR
from dashboard.core.csvio import ReadResult, read_incident_csv
from dashboard.core.errors import ImportRejectedError, Issue
from dashboard.core.records import frame_records
from dashboard.core.validate import ValidationResult, validate
from dashboard.store import BatchMeta, BatchSummary, Store

SHIPPED_INCIDENTS = DATA_DIR / "incidents.csv"
MANDATE_EVENTS = DATA_DIR / "mandate_events.csv"


@dataclass(frozen=True)
class Prepared:
    """A file read and validated, not yet stored."""

    filename: str
    sha256: str
    read: ReadResult
    result: ValidationResult

    @property
    def issues(self) -> list[Issue]:
        return self.read.issues + self.result.issues

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


def prepare(data: bytes, filename: str, today: date) -> Prepared:
    """Read and validate ``data``; nothing is stored."""
    read = read_incident_csv(data)
    result = validate(read.table, today)
    return Prepared(filename, hashlib.sha256(data).hexdigest(), read, result)


def commit(
    store: Store,
    prepared: Prepared,
    *,
    uploaded_by: str,
    valid_only: bool = False,
    kind: str = "import",
) -> BatchSummary:
    """Store the file's valid rows as one batch.

    Raises :class:`ImportRejectedError` (storing nothing) when the file has errors, unless
    ``valid_only`` is set: then the valid rows land and the rejected ones are counted.
    """
    if not prepared.ok and (
        not valid_only or any(i.line == 0 for i in prepared.issues if i.severity == "error")
    ):
        raise ImportRejectedError(prepared.issues)
    meta = BatchMeta(
        filename=prepared.filename,
        sha256=prepared.sha256,
        uploaded_by=uploaded_by,
        kind=kind,
        rows_read=prepared.result.rows_read,
        rejected=len(prepared.result.rejected),
    )
    return store.apply_batch(frame_records(prepared.result.valid), meta)


def import_file(
    store: Store, path: Path, *, uploaded_by: str, today: date, kind: str = "import"
) -> BatchSummary:
    """Read, validate and store a file from disk (all or nothing)."""
    return commit(
        store, prepare(path.read_bytes(), path.name, today), uploaded_by=uploaded_by, kind=kind
    )


def open_store(url: str | None = None, *, today: date | None = None) -> Store:
    """Open the store: migrate it to the current schema and, when it has never held data, load the
    shipped incidents through the same path uploads take. Safe to call from several processes."""
    store = Store(url)
    with store.reachable(), store.exclusive():
        store.migrate()
        if store.batch_count() == 0:
            import_file(
                store,
                SHIPPED_INCIDENTS,
                uploaded_by="shipped data",
                today=today or date.today(),
                kind="seed",
            )
    return store
