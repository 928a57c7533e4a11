"""The one path from a file to the store, shared by the shipped data, the Upload page and the CLI.

``prepare`` reads and validates without touching the store; ``classify`` says which valid rows are
new, update a stored incident or change nothing; ``commit`` stores a prepared file as one batch.
A file with errors is stored only when the caller explicitly asks for the valid rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from dashboard import DATA_DIR, settings
from dashboard.core.csvio import Limits, ReadResult, parse_csv, to_table
from dashboard.core.errors import ImportRejectedError, Issue
from dashboard.core.export import to_csv
from dashboard.core.mapping import ACLED, IDENTITY, ColumnMapping, choose
from dashboard.core.records import change_kind, frame_records
from dashboard.core.validate import ValidationResult, validate
from dashboard.store import BatchMeta, BatchSummary, Store

SHIPPED_INCIDENTS = DATA_DIR / "incidents.csv"
MANDATE_EVENTS = DATA_DIR / "mandate_events.csv"
#: Who uploads are recorded as, until sign-in names the analyst.
UPLOADER = "analyst"


@dataclass(frozen=True)
class Prepared:
    """A file read and validated, not yet stored."""

    filename: str
    sha256: str
    read: ReadResult
    result: ValidationResult
    mapping: ColumnMapping = IDENTITY

    @property
    def issues(self) -> list[Issue]:
        return self.read.issues + self.result.issues

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def file_errors(self) -> list[Issue]:
        """Errors of the file as a whole or of its header: no row of it can be stored."""
        return [i for i in self.errors if i.line <= self.read.header_line]

    @property
    def source_format(self) -> str:
        """ "incidents", "acled", or "mapped" for a user's column mapping."""
        return self.mapping.name if self.mapping in (IDENTITY, ACLED) else "mapped"

    def issues_frame(self) -> pd.DataFrame:
        """Every issue as a table an analyst can read and download; the value is quoted."""
        return pd.DataFrame(
            [(i.line, i.column, repr(i.value), i.message, i.code, i.severity) for i in self.issues],
            columns=["line", "column", "value", "reason", "code", "severity"],
        )


def prepare(
    data: bytes,
    filename: str,
    today: date,
    *,
    fmt: str = "auto",
    mapping: ColumnMapping | None = None,
    limits: Limits | None = None,
) -> Prepared:
    """Read and validate ``data``; nothing is stored.

    ``mapping`` names the columns; without it ``fmt`` chooses ("auto" recognises ACLED exports).
    ``limits`` default to the configured ones (see :func:`dashboard.settings.upload_limits`).
    """
    limits = limits or settings.upload_limits()
    parsed = parse_csv(data, limits)
    chosen = mapping or choose(parsed.header, fmt)
    read = to_table(parsed, chosen)
    result = validate(read.table, today, max_cell=limits.max_cell)
    return Prepared(filename, hashlib.sha256(data).hexdigest(), read, result, chosen)


def classify(store: Store, prepared: Prepared) -> pd.DataFrame:
    """The valid rows with a ``change`` column: new, update (of a stored incident) or unchanged."""
    valid = prepared.result.valid
    records = frame_records(valid)
    existing = store.records([str(r["incident_id"]) for r in records])
    out = valid.copy()
    out.insert(1, "change", [change_kind(existing.get(str(r["incident_id"])), r) for r in records])
    return out


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
    ``valid_only`` is set: then the valid rows land and the rejected ones are counted. A file
    whose faults are of the file or its header, or with no valid row, is never stored.
    """
    if prepared.file_errors or prepared.result.valid.empty or (not prepared.ok and not valid_only):
        raise ImportRejectedError(prepared.issues)
    meta = BatchMeta(
        filename=prepared.filename,
        sha256=prepared.sha256,
        uploaded_by=uploaded_by,
        source_format=prepared.source_format,
        kind=kind,
        rows_read=prepared.result.rows_read,
        rejected=len(prepared.result.rejected),
    )
    return store.apply_batch(frame_records(prepared.result.valid), meta)


def revertible(batches: pd.DataFrame) -> list[int]:
    """Ids of the batches (a :meth:`Store.batches` frame) that changed something and still stand."""
    reverted = set(batches["reverts_batch"].dropna().astype(int))
    changed = (batches["added"] + batches["updated"] + batches["removed"]) > 0
    return [int(i) for i in batches.loc[changed, "id"] if int(i) not in reverted]


def saved_mappings(store: Store) -> dict[str, ColumnMapping]:
    """The column mappings analysts saved, by name."""
    return {
        name: ColumnMapping.from_json(name, data)  # type: ignore[arg-type]
        for name, data in store.mappings().items()
    }


def save_mapping(store: Store, mapping: ColumnMapping, *, saved_by: str) -> None:
    """Keep ``mapping`` in the store for the page and the CLI (``--mapping NAME``)."""
    if mapping.name in (IDENTITY.name, ACLED.name) or not mapping.name.strip():
        raise ValueError(f"choose another name than {mapping.name!r} for the mapping")
    store.save_mapping(mapping.name, mapping.to_json(), saved_by=saved_by)  # type: ignore[arg-type]


def template_csv(today: date) -> str:
    """The upload template: the canonical header and one example row (the first shipped one).

    Uploading it unchanged changes nothing, since the example is a stored incident.
    """
    shipped = prepare(SHIPPED_INCIDENTS.read_bytes(), SHIPPED_INCIDENTS.name, today)
    return to_csv(shipped.result.valid.head(1))


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
    with store.db.exclusive():
        store.db.migrate()
        if store.batch_count() == 0:
            import_file(
                store,
                SHIPPED_INCIDENTS,
                uploaded_by="shipped data",
                today=today or date.today(),
                kind="seed",
            )
    return store
