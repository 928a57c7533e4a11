"""The one path from a file to the store, shared by the shipped data, the Upload page and the CLI.

``prepare`` reads and validates without touching the store and gives the file's
:class:`~dashboard.core.report.Report`; ``classify`` says which valid rows are new, update a
stored incident or change nothing; ``commit`` stores a report's valid rows as one batch when the
report says the file may be imported (:meth:`~dashboard.core.report.Report.importable`).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, cast

import pandas as pd

from dashboard import DATA_DIR, settings
from dashboard.core.batches import change_kinds
from dashboard.core.csvio import Limits, to_table
from dashboard.core.errors import ImportRejectedError, MappingRefusedError
from dashboard.core.evidence import Kind, evidence_table, read_evidence, validate_evidence
from dashboard.core.export import to_csv
from dashboard.core.i18n import _, number
from dashboard.core.launches import LaunchReport, read_launches, read_monthly_csv
from dashboard.core.mapping import FORMATS, ColumnMapping, choose
from dashboard.core.report import Report
from dashboard.core.schema import KEY
from dashboard.core.sheets import parse_upload
from dashboard.core.validate import validate
from dashboard.store import EVIDENCE_FORMAT, BatchMeta, BatchSummary, LaunchesImport, Store
from dashboard.store.log import Guard

SHIPPED_INCIDENTS = DATA_DIR / "incidents.csv"
MANDATE_EVENTS = DATA_DIR / "mandate_events.csv"
#: Officials' dated counts (read-only, loaded at start like the mandate timeline).
AGGREGATES = DATA_DIR / "aggregates.csv"
#: The Air Force's monthly launches derived from the dataset's February 2026 copy.
SHIPPED_LAUNCHES = DATA_DIR / "launches_monthly.csv"
#: The shipped evidence, one file per kind, in the order they refer to each other.
SHIPPED_EVIDENCE: dict[Kind, Path] = {
    "sources": DATA_DIR / "sources.csv",
    "examinations": DATA_DIR / "examinations.csv",
    "component_origins": DATA_DIR / "component_origins.csv",
}
#: Who uploads are recorded as, until sign-in names the analyst.
UPLOADER = "analyst"
#: Longest name a column mapping may be saved under (the store's column).
MAPPING_NAME_LIMIT = 100


@dataclass(frozen=True)
class Review:
    """Why a batch is stored and, for an approved proposal, who approved it, which proposal it
    is, and the guard its write transaction checks (:class:`dashboard.store.proposals.Approval`)."""

    reason: str | None = None
    reviewed_by: str | None = None
    proposal_id: int | None = None
    guard: Guard | None = None


#: Bytes read at a time by :func:`read_limited`.
READ_CHUNK = 1 << 20


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    """An upload's bytes from its start, read in chunks and no further than one byte past
    ``max_bytes``: a file over the limit is refused by its size (``file-too-large``) without
    being held whole. (The page's upload object is the same on every rerun: hence the seek.)"""
    stream.seek(0)
    parts: list[bytes] = []
    left = max_bytes + 1
    while left > 0 and (part := stream.read(min(READ_CHUNK, left))):
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a file is read, checked or stored.

    Those steps allocate millions of small objects (cells, rows, tuples) and free them
    without cycles; the collector would walk all of them again and again (about a fifth of a
    100,000-row import). Reference counting still frees everything; the collector is back as
    soon as the step ends (unless it was off already, e.g. paused by a concurrent import).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def prepare(
    data: bytes,
    filename: str,
    today: date,
    *,
    fmt: str = "auto",
    mapping: ColumnMapping | None = None,
    limits: Limits | None = None,
    sheet: str | None = None,
) -> Report:
    """Read and validate ``data`` (a CSV, or an .xlsx workbook's ``sheet``, else its first) into
    its report; nothing is stored.

    ``mapping`` names the columns; without it ``fmt`` chooses ("auto" recognises ACLED exports).
    ``limits`` default to the configured ones (see :func:`dashboard.settings.upload_limits`).
    """
    limits = limits or settings.upload_limits()
    with _without_cycle_collection():
        parsed = parse_upload(data, limits, sheet)
        chosen = mapping or choose(parsed.header, fmt)
        table = to_table(parsed, chosen)
        result = validate(table, today, max_cell=limits.max_cell)
    return Report(
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        mapping=chosen,
        header=tuple(parsed.header),
        header_line=parsed.header_line,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        issues=(*table.issues, *result.issues),
        valid=result.valid,
        rejected=result.rejected,
        rows_read=result.rows_read,
    )


def classify(store: Store, report: Report) -> pd.DataFrame:
    """The valid rows with a ``change`` column: new, update (of a stored incident) or unchanged."""
    valid = report.valid
    out = valid.copy()
    out.insert(1, "change", change_kinds(valid, store.stored_incidents(valid[KEY].tolist())))
    return out


def commit(
    store: Store,
    report: Report,
    *,
    uploaded_by: str,
    valid_only: bool = False,
    kind: str = "import",
    review: Review | None = None,
) -> BatchSummary:
    """Store the file's valid rows as one batch, when ``report.importable(valid_only)``.

    Otherwise raises :class:`ImportRejectedError` with the report's reason, storing nothing.
    With ``valid_only`` the valid rows of a file with row errors land and the rejected ones are
    counted. ``review`` records why and who approved it (see :mod:`dashboard.review`).
    """
    review = review or Review()
    if (reason := report.refusal(valid_only)) is not None:
        raise ImportRejectedError(reason, report.issues)
    meta = BatchMeta(
        filename=report.filename,
        sha256=report.sha256,
        uploaded_by=uploaded_by,
        source_format=report.source_format,
        kind=kind,
        rows_read=report.rows_read,
        rejected=len(report.rejected),
        reason=review.reason,
        reviewed_by=review.reviewed_by,
        proposal_id=review.proposal_id,
    )
    with _without_cycle_collection():
        return store.apply_frame(report.valid, meta, guard=review.guard)


def revertible(batches: pd.DataFrame) -> list[int]:
    """Ids of the batches (a :meth:`Store.batches` frame) that changed something and still
    stand: incident batches and evidence uploads alike (see :func:`revert`)."""
    reverted = set(batches["reverts_batch"].dropna().astype(int))
    changed = (batches["added"] + batches["updated"] + batches["removed"]) > 0
    changed &= batches["kind"] != "revert"
    return [int(i) for i in batches.loc[changed, "id"] if int(i) not in reverted]


def revert(
    store: Store, batch_id: int, *, uploaded_by: str, reason: str | None = None
) -> BatchSummary:
    """Revert one batch, for the page and the CLI alike (:meth:`Store.revert_batch`): its
    incident changes undone, its evidence rows removed and those it replaced put back, as a new
    batch of kind "revert" recording ``reason``; refused (naming them) while later batches'
    evidence names what it added."""
    return store.revert_batch(batch_id, uploaded_by=uploaded_by, reason=reason)


def evidence_template(kind: Kind) -> str:
    """An evidence upload's template: its header and the first shipped row of its kind."""
    lines = SHIPPED_EVIDENCE[kind].read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(lines[:2])


def prepare_evidence(
    store: Store,
    data: bytes,
    filename: str,
    kind: Kind,
    today: date,
    *,
    limits: Limits | None = None,
) -> Report:
    """Read and validate an evidence file of ``kind`` against the store's incidents and live
    evidence (an id live there is an update, shares add up over both); nothing is stored. The
    report is the incident import's, naming the kind."""
    limits = limits or settings.upload_limits()
    incident_ids, examination_ids = store.known_ids()
    parsed = parse_upload(data, limits)
    table = evidence_table(parsed, kind)
    result = validate_evidence(
        table,
        kind,
        today,
        incident_ids=incident_ids,
        examination_ids=examination_ids,
        stored=store.evidence(),
        max_cell=limits.max_cell,
    )
    return Report(
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        mapping=ColumnMapping(kind),
        header=tuple(parsed.header),
        header_line=parsed.header_line,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        issues=tuple(result.issues),
        valid=result.valid,
        rejected=result.rejected,
        rows_read=result.rows_read,
    )


def commit_evidence(
    store: Store,
    report: Report,
    *,
    uploaded_by: str,
    batch_kind: str = "import",
    review: Review | None = None,
) -> BatchSummary:
    """Store an evidence file's rows as one batch, all or nothing: a file with any error raises
    :class:`ImportRejectedError` and stores nothing. ``review`` as for :func:`commit`."""
    if (reason := report.refusal()) is not None:
        raise ImportRejectedError(reason, report.issues)
    review = review or Review()
    kind = cast("Kind", report.source_format)
    meta = BatchMeta(
        filename=report.filename,
        sha256=report.sha256,
        uploaded_by=uploaded_by,
        source_format=EVIDENCE_FORMAT,
        kind=batch_kind,
        rows_read=report.rows_read,
        reason=review.reason,
        reviewed_by=review.reviewed_by,
        proposal_id=review.proposal_id,
    )
    return store.add_evidence({kind: report.valid}, meta, guard=review.guard)


def saved_mappings(store: Store) -> dict[str, ColumnMapping]:
    """The column mappings analysts saved, by name."""
    return {name: ColumnMapping.from_json(name, data) for name, data in store.mappings().items()}


def save_mapping(store: Store, mapping: ColumnMapping, *, saved_by: str) -> None:
    """Keep ``mapping`` in the store for the page and the CLI (``--mapping NAME``).

    Raises :class:`MappingRefusedError` for a name the user must change: empty, longer than the
    store holds, or a built-in format's name (``acled``, ``incidents``, ``auto``).
    """
    name = mapping.name
    if not name.strip():
        raise MappingRefusedError(_("give the column mapping a name to save it"))
    if len(name) > MAPPING_NAME_LIMIT:
        raise MappingRefusedError(
            _("a column mapping's name is at most {limit} characters, not {length}").format(
                limit=MAPPING_NAME_LIMIT, length=number(len(name))
            )
        )
    if name.strip().lower() in FORMATS:
        raise MappingRefusedError(
            _(
                "{name} names a built-in format ({formats}): choose another name for the column"
                " mapping"
            ).format(name=repr(name), formats=", ".join(FORMATS))
        )
    store.save_mapping(mapping.name, mapping.to_json(), saved_by=saved_by)


def template_csv(today: date) -> str:
    """The upload template: the canonical header and one example row (the first shipped one).

    Uploading it unchanged changes nothing, since the example is a stored incident.
    """
    shipped = prepare(SHIPPED_INCIDENTS.read_bytes(), SHIPPED_INCIDENTS.name, today)
    return to_csv(shipped.valid.head(1))


def import_file(
    store: Store, path: Path, *, uploaded_by: str, today: date, kind: str = "import"
) -> BatchSummary:
    """Read, validate and store a file from disk (all or nothing)."""
    with path.open("rb") as stream:
        data = read_limited(stream, settings.upload_limits().max_bytes)
    return commit(store, prepare(data, path.name, today), uploaded_by=uploaded_by, kind=kind)


def seed_evidence(store: Store, batch_id: int, today: date) -> int:
    """Store the shipped sources, examinations and component origins with the shipped data's
    seed batch ``batch_id`` (all or nothing), validated against the stored incidents as an upload
    of them would be; how many rows."""
    incident_ids, examination_ids = store.known_ids()
    frames = {}
    for kind, path in SHIPPED_EVIDENCE.items():
        result = read_evidence(
            path.read_bytes(),
            kind,
            today,
            incident_ids=incident_ids,
            examination_ids=examination_ids,
        )
        if not result.ok:
            raise ImportRejectedError(_("{file} has errors").format(file=path.name), result.errors)
        frames[kind] = result.valid
        if kind == "examinations":
            examination_ids |= set(result.valid["examination_id"].astype(str))
    return store.attach_evidence(frames, batch_id)


def prepare_launches(data: bytes, filename: str, *, limits: Limits | None = None) -> LaunchReport:
    """Read and check the Air Force dataset's CSV into its monthly series; nothing is stored."""
    with _without_cycle_collection():
        return read_launches(data, filename, limits or settings.upload_limits())


def commit_launches(store: Store, report: LaunchReport, *, uploaded_by: str) -> LaunchesImport:
    """Store the report's monthly series in place of the stored one, when the report allows it;
    otherwise raise :class:`ImportRejectedError` with the report's reason, storing nothing."""
    if (reason := report.refusal()) is not None:
        raise ImportRejectedError(reason, report.issues)
    return store.replace_launches(
        report.monthly, filename=report.filename, sha256=report.sha256, imported_by=uploaded_by
    )


def seed_launches(store: Store) -> LaunchesImport:
    """Store the shipped monthly series (``data/launches_monthly.csv``)."""
    data = SHIPPED_LAUNCHES.read_bytes()
    return store.replace_launches(
        read_monthly_csv(data.decode("utf-8")),
        filename=f"{SHIPPED_LAUNCHES.name} (shipped)",
        sha256=hashlib.sha256(data).hexdigest(),
        imported_by="shipped data",
    )


def open_store(url: str | None = None, *, today: date | None = None) -> Store:
    """Open the store: migrate it to the current schema and, when it has never held data, load the
    shipped incidents through the same path uploads take (and the shipped monthly launches when
    it holds none). Safe to call from several processes."""
    store = Store(url)
    with store.db.exclusive():
        store.db.migrate()
        if store.batch_count() == 0:
            seeded = import_file(
                store,
                SHIPPED_INCIDENTS,
                uploaded_by="shipped data",
                today=today or date.today(),
                kind="seed",
            )
            seed_evidence(store, seeded.batch_id, today or date.today())
        if store.launches_import() is None:
            seed_launches(store)
    return store
