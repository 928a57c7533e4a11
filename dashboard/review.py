"""Corrections and review: every change to the data, from the Upload page, the command line or
the app's forms, checked by one decision and then applied at once or kept as a proposal.

A change is the input an upload gives: an edited or new incident is a one-row file in the
template's columns, an added source or examination a one-row evidence file, a file a file. So
:func:`check` runs it through the importer's own reading and checks
(:func:`dashboard.imports.prepare`, :func:`~dashboard.imports.prepare_evidence`), with the
near-duplicate check and the refusal rules of :mod:`dashboard.core.review`; :func:`submit`
stores it as one batch (review off) or as a proposal (``DASHBOARD_REVIEW=required``), which
:func:`approve` checks again against the data of that moment and applies as the same batch.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Literal, cast

import pandas as pd

from dashboard import settings
from dashboard.core.batchlog import earlier_imports
from dashboard.core.duplicates import DERIVED_PREFIX, Choice, near_duplicates, resolve
from dashboard.core.errors import ImportRejectedError, ReviewRefusedError
from dashboard.core.evidence import Kind
from dashboard.core.evidence import columns as evidence_columns
from dashboard.core.export import fields_csv
from dashboard.core.i18n import _
from dashboard.core.mapping import ColumnMapping
from dashboard.core.records import Record, frame_records
from dashboard.core.report import Report
from dashboard.core.review import (
    INCIDENT_KINDS,
    FieldChange,
    Mode,
    ProposalKind,
    Reviewers,
    Status,
    approval_refusal,
    check_reason,
    field_changes,
    may_review,
    record_fields,
    same_file_note,
    stale,
    store_refusal,
    summarise,
)
from dashboard.core.schema import KEY, TEMPLATE_COLUMNS
from dashboard.imports import Review, classify, commit, commit_evidence, prepare, prepare_evidence
from dashboard.imports import revert as revert_batch
from dashboard.store import BatchMeta, BatchSummary, Store
from dashboard.store.incidents import advanced
from dashboard.store.proposals import Approval

#: The evidence kind each in-app evidence change adds.
EVIDENCE_KINDS: dict[str, Kind] = {"add-source": "sources", "add-examination": "examinations"}
#: The batch kind a change is stored as (a file keeps the importer's "import").
BATCH_KINDS: dict[str, str] = {"file-import": "import", "evidence-import": "import"}


@dataclass(frozen=True)
class Change:
    """What an analyst asks for, as the input an upload gives: the bytes of a file (one row for
    an in-app change) and how to read them."""

    kind: ProposalKind
    filename: str
    data: bytes
    #: Incidents: auto, incidents or acled (``mapping`` overrides); evidence: the kind.
    fmt: str = "auto"
    mapping: ColumnMapping | None = None
    sheet: str | None = None
    valid_only: bool = False
    on_duplicate: Choice | None = None

    @property
    def sha256(self) -> str:
        """The digest of the bytes (an upload's identity: the same-file warning)."""
        return hashlib.sha256(self.data).hexdigest()

    def options(self) -> dict[str, Any]:
        """How to read the bytes, as JSON (a proposal keeps it)."""
        return {
            "fmt": self.fmt,
            "mapping": None
            if self.mapping is None
            else {"name": self.mapping.name, "data": self.mapping.to_json()},
            "sheet": self.sheet,
            "valid_only": self.valid_only,
            "on_duplicate": self.on_duplicate,
        }

    @classmethod
    def stored(cls, kind: str, filename: str, data: bytes, options: Mapping[str, Any]) -> Change:
        """The change a proposal keeps (see :meth:`options`)."""
        mapping = options.get("mapping")
        return cls(
            kind=cast("ProposalKind", kind),
            filename=filename,
            data=data,
            fmt=str(options.get("fmt", "auto")),
            mapping=None
            if mapping is None
            else ColumnMapping.from_json(mapping["name"], mapping["data"]),
            sheet=options.get("sheet"),
            valid_only=bool(options.get("valid_only", False)),
            on_duplicate=options.get("on_duplicate"),
        )


def edit_change(incident_id: str, fields: Mapping[str, str]) -> Change:
    """An edit of a stored incident: its template fields as typed (the id is the incident's)."""
    row = {**fields, KEY: incident_id}
    return Change(
        "edit", f"edit of {incident_id}.csv", fields_csv(TEMPLATE_COLUMNS, [row]), "incidents"
    )


def new_incident_change(fields: Mapping[str, str]) -> Change:
    """A new incident from its template fields as typed (an empty id is derived, as in a file)."""
    return Change("new", "new incident.csv", fields_csv(TEMPLATE_COLUMNS, [fields]), "incidents")


def retract_change(incident_ids: Sequence[str]) -> Change:
    """Take stored incidents out of the live data (their history stays)."""
    rows = [{KEY: i} for i in incident_ids]
    return Change(
        "retract",
        f"retract of {', '.join(incident_ids)}.csv",
        fields_csv([KEY], rows),
        "retract",
    )


def evidence_change(kind: Literal["sources", "examinations"], fields: Mapping[str, str]) -> Change:
    """A source or a debris examination added to a stored incident, from its fields as typed
    (the columns of that evidence file)."""
    change: ProposalKind = "add-source" if kind == "sources" else "add-examination"
    name = f"{kind} of {fields.get('incident_id', '')}.csv"
    return Change(change, name, fields_csv(evidence_columns(kind), [fields]), kind)


def file_change(
    data: bytes,
    filename: str,
    *,
    fmt: str = "auto",
    mapping: ColumnMapping | None = None,
    sheet: str | None = None,
    valid_only: bool = False,
    on_duplicate: Choice | None = None,
) -> Change:
    """An uploaded incident file, read as the Upload page and the CLI read it."""
    return Change("file-import", filename, data, fmt, mapping, sheet, valid_only, on_duplicate)


def evidence_file_change(data: bytes, filename: str, kind: Kind) -> Change:
    """An uploaded evidence file of ``kind``."""
    return Change("evidence-import", filename, data, kind)


@dataclass(frozen=True, eq=False)
class Checked:
    """A change read and checked against the store as it is now: the one decision.

    ``report`` is the importer's (None for a retract, which names stored ids only); ``preview``
    its valid rows with their ``change`` (new, update, unchanged; "retract" for a retract) after
    the duplicates' resolution; ``near`` the possible duplicates found; ``earlier`` the batches
    that stored the same file before; ``touched`` the incidents it would write; ``refusal`` why
    it may not be stored, or None; ``warnings`` what to tell the analyst anyway."""

    change: Change
    report: Report | None
    preview: pd.DataFrame
    near: pd.DataFrame
    earlier: pd.DataFrame
    touched: tuple[str, ...]
    refusal: str | None
    warnings: tuple[str, ...]

    @property
    def issues(self) -> list[Any]:
        """The report's issues (none for a retract)."""
        return list(self.report.issues) if self.report is not None else []

    @property
    def nothing_to_store(self) -> bool:
        """Is it refused only because every row equals the stored incident (a file imported
        again: no batch is stored, and nothing is wrong)?"""
        return (
            self.refusal is not None
            and self.report is not None
            and self.report.importable(self.change.valid_only)
            and not self.preview.empty
            and "change" in self.preview
            and bool((self.preview["change"] == "unchanged").all())
        )


def check(
    store: Store,
    change: Change,
    today: date,
    *,
    report: Report | None = None,
    classified: pd.DataFrame | None = None,
) -> Checked:
    """Read and check ``change`` against the store now; nothing is stored.

    A page that keeps the file's ``report`` (and its ``classified`` rows, see
    :func:`dashboard.imports.classify`) across reruns passes them: the file is not read again."""
    batches = store.batches()
    if change.kind == "retract":
        return _check_retract(store, change, batches)
    if change.kind in EVIDENCE_KINDS or change.kind == "evidence-import":
        report = report or prepare_evidence(
            store, change.data, change.filename, cast("Kind", change.fmt), today
        )
        cited = report.valid["incident_id"] if "incident_id" in report.valid else pd.Series()
        earlier = (
            earlier_imports(batches, change.sha256)
            if change.kind == "evidence-import"
            else batches.iloc[0:0]
        )
        note = same_file_note(earlier)
        return Checked(
            change,
            report,
            report.valid,
            pd.DataFrame(),
            earlier,
            tuple(sorted({str(i) for i in cited.dropna()})),
            store_refusal(
                report, valid_only=False, preview=None, near=pd.DataFrame(), on_duplicate=None
            ),
            (note,) if note else (),
        )
    report = report or prepare(
        change.data,
        change.filename,
        today,
        fmt=change.fmt,
        mapping=change.mapping,
        sheet=change.sheet,
    )
    if classified is None:
        classified = (
            classify(store, report) if not report.valid.empty else report.valid.assign(change=[])
        )
    preview = classified
    derived = (preview["change"] == "new") & preview[KEY].astype(str).str.startswith(DERIVED_PREFIX)
    # Only a new row with a derived id can be a near-duplicate: the stored incidents are read
    # for those alone.
    near = near_duplicates(preview, store.incidents()) if derived.any() else pd.DataFrame()
    if change.on_duplicate is not None and not near.empty:
        report = replace(report, valid=resolve(report.valid, near, change.on_duplicate))
        preview = resolve(preview, near, change.on_duplicate)
    earlier = (
        earlier_imports(batches, change.sha256)
        if change.kind == "file-import"
        else batches.iloc[0:0]
    )
    refusal = _form_refusal(change, preview) or store_refusal(
        report,
        valid_only=change.valid_only,
        preview=preview,
        near=near,
        on_duplicate=change.on_duplicate,
    )
    note = same_file_note(earlier)
    touched = preview.loc[preview["change"] != "unchanged", KEY].astype(str).tolist()
    return Checked(
        change, report, preview, near, earlier, tuple(touched), refusal, (note,) if note else ()
    )


def _form_refusal(change: Change, preview: pd.DataFrame) -> str | None:
    """What an in-app edit or new incident may not do that a file may: an edit changes the
    stored incident it names, a new incident adds one."""
    if preview.empty or change.kind not in ("edit", "new"):
        return None
    row = preview.iloc[0]
    if change.kind == "edit" and row["change"] == "new":
        return _("no stored incident {id}: it was retracted or never stored").format(id=row[KEY])
    if change.kind == "new" and row["change"] != "new":
        return _("incident {id} is stored already: edit it instead").format(id=row[KEY])
    return None


def _check_retract(store: Store, change: Change, batches: pd.DataFrame) -> Checked:
    """A retract: the ids it names, each of which must be stored."""
    reader = csv.DictReader(io.StringIO(change.data.decode("utf-8")))
    ids = [str(row.get(KEY) or "").strip() for row in reader]
    stored = store.stored_incidents(ids)
    missing = [i for i in ids if i not in set(stored[KEY].astype(str))]
    refusal = None
    if not ids:
        refusal = _("name the incidents to retract")
    elif missing:
        refusal = _("no stored incident {ids}: nothing to retract").format(ids=", ".join(missing))
    return Checked(
        change,
        None,
        stored.assign(change="retract"),
        pd.DataFrame(),
        batches.iloc[0:0],
        tuple(ids),
        refusal,
        (),
    )


@dataclass(frozen=True)
class Outcome:
    """What :func:`submit` did: stored a batch (review off) or a proposal (review required)."""

    checked: Checked
    proposal_id: int | None
    batch: BatchSummary | None


def submit(
    store: Store,
    change: Change,
    *,
    author: str,
    reason: str | None,
    today: date,
    mode: Mode | None = None,
    now: datetime | None = None,
    checked: Checked | None = None,
) -> Outcome:
    """Check ``change`` and store it as one batch (review off) or as a pending proposal (review
    required, ``mode`` None: the configured one), recording who and why.

    A reason is required for a proposal and for every in-app change (a file's name says where
    it came from). Raises :class:`ReviewRefusedError` (no author, bad reason) or
    :class:`ImportRejectedError` (the check refuses it, with the report's issues); nothing is
    stored then. ``checked``: ``change`` as :func:`check` just gave it (not read twice)."""
    mode = mode or settings.review_mode()
    if not author.strip():
        raise ReviewRefusedError(_("name who makes the change"))
    files = change.kind in ("file-import", "evidence-import")
    why = check_reason(reason, required=mode is Mode.REQUIRED or not files)
    if checked is None or checked.change is not change:
        checked = check(store, change, today)
    if checked.refusal is not None:
        raise ImportRejectedError(checked.refusal, checked.issues)
    if mode is Mode.OFF:
        batch = _apply(store, checked, author, Review(reason=why))
        return Outcome(checked, None, batch)
    base = store.latest_history(list(checked.touched)) if change.kind in INCIDENT_KINDS else {}
    proposal_id = store.add_proposal(
        {
            "kind": change.kind,
            "filename": change.filename,
            "data": change.data,
            "sha256": change.sha256,
            "options": change.options(),
            "incident_ids": list(checked.touched),
            "base": base,
            "author": author.strip(),
            "reason": why,
        },
        now=now,
    )
    return Outcome(checked, proposal_id, None)


def _apply(store: Store, checked: Checked, author: str, review: Review) -> BatchSummary:
    """Store a checked change as one batch, as an import does."""
    change = checked.change
    kind = BATCH_KINDS.get(change.kind, change.kind)
    if change.kind == "retract":
        meta = BatchMeta(
            filename=change.filename,
            sha256=change.sha256,
            uploaded_by=author,
            kind=kind,
            rows_read=len(checked.touched),
            reason=review.reason,
            reviewed_by=review.reviewed_by,
            proposal_id=review.proposal_id,
        )
        return store.retract(list(checked.touched), meta, guard=review.guard)
    assert checked.report is not None  # only a retract has none
    if change.kind in EVIDENCE_KINDS or change.kind == "evidence-import":
        return commit_evidence(
            store, checked.report, uploaded_by=author, batch_kind=kind, review=review
        )
    return commit(
        store,
        checked.report,
        uploaded_by=author,
        valid_only=change.valid_only,
        kind=kind,
        review=review,
    )


@dataclass(frozen=True)
class Proposal:
    """A change waiting for (or given) a second analyst's decision."""

    id: int
    kind: ProposalKind
    status: Status
    change: Change
    incident_ids: tuple[str, ...]
    #: Each touched incident's last history row id when proposed (0: none).
    base: dict[str, int]
    author: str
    reason: str
    created_at: datetime
    reviewer: str | None
    review_reason: str | None
    decided_at: datetime | None
    batch_id: int | None


def _proposal(row: Mapping[str, Any]) -> Proposal:
    return Proposal(
        id=int(row["id"]),
        kind=row["kind"],
        status=row["status"],
        change=Change.stored(row["kind"], row["filename"], bytes(row["data"]), row["options"]),
        incident_ids=tuple(row["incident_ids"]),
        base={str(k): int(v) for k, v in row["base"].items()},
        author=row["author"],
        reason=row["reason"],
        created_at=row["created_at"],
        reviewer=row["reviewer"],
        review_reason=row["review_reason"],
        decided_at=row["decided_at"],
        batch_id=row["batch_id"],
    )


def proposals(store: Store, status: Status | None = "pending") -> list[Proposal]:
    """Proposals of ``status`` (None: all), oldest first."""
    return [_proposal(row) for row in store.proposal_rows(status)]


def proposal(store: Store, proposal_id: int) -> Proposal:
    """One proposal; :class:`ReviewRefusedError` when there is none of that id."""
    rows = store.proposal_rows(None, ids=[proposal_id])
    if not rows:
        raise ReviewRefusedError(_("there is no proposal {id}").format(id=proposal_id))
    return _proposal(rows[0])


def pending_count(store: Store) -> int:
    """How many proposals wait for a decision (the sidebar's count)."""
    return store.pending_count()


def conflicts(store: Store, p: Proposal) -> list[str]:
    """The incidents ``p`` touches that changed since it was made: it is conflicting (and
    cannot be approved) while this is not empty."""
    return stale(p.base, store.latest_history(list(p.base))) if p.base else []


#: Incidents whose fields a diff lists one by one (a file's others are counted).
DIFF_LIMIT = 100


@dataclass(frozen=True, eq=False)
class Diff:
    """What a proposal does to the data now: its check, each incident's fields old → new, and
    the report's summary lines (with the counts of new, updated and unchanged rows)."""

    checked: Checked
    fields: dict[str, list[FieldChange]]
    summary: list[str]


def diff(store: Store, p: Proposal, today: date, *, limit: int = DIFF_LIMIT) -> Diff:
    """``p`` checked against the data now, field by field for each incident it writes (the
    first ``limit`` of a file's: the rest are in ``checked.preview`` and the counts)."""
    checked = check(store, p.change, today)
    fields: dict[str, list[FieldChange]] = {}
    if p.kind in INCIDENT_KINDS:
        shown = list(checked.touched[:limit])
        current = store.records(shown)
        if p.kind == "retract":
            proposed: dict[str, Record | None] = dict.fromkeys(shown)
        else:
            rows = checked.preview[checked.preview[KEY].isin(shown)]
            proposed = {r["incident_id"]: r for r in frame_records(rows)}
        fields = {i: field_changes(current.get(i), proposed.get(i)) for i in shown}
    summary = summarise(
        checked.report,
        checked.preview if p.kind in INCIDENT_KINDS - {"retract"} else None,
        checked.warnings,
        checked.refusal,
    )
    return Diff(checked, fields, summary)


def preview(store: Store, p: Proposal, today: date) -> pd.DataFrame:
    """The live incidents as they would be with ``p`` applied (nothing is written): what the
    views show in its preview. Evidence proposals leave the incidents as they are."""
    live = store.incidents()
    if p.kind not in INCIDENT_KINDS:
        return live
    checked = check(store, p.change, today)
    if p.kind == "retract":
        return advanced(live, list(checked.touched), checked.preview.iloc[0:0])
    assert checked.report is not None
    valid = checked.report.valid
    return advanced(live, list(checked.touched), valid[valid[KEY].isin(checked.touched)])


def _decision_refusal(
    store: Store,
    p: Proposal,
    reviewer: str,
    claims: Mapping[str, object] | None,
    reviewers: Reviewers | None,
    *,
    approving: bool,
) -> None:
    reviewers = reviewers or settings.reviewers()
    refusal = approval_refusal(
        p.id,
        status=p.status,
        author=p.author,
        reviewer=reviewer,
        may_review=may_review(reviewer, reviewers, claims),
        stale_ids=conflicts(store, p) if approving else (),
    )
    if refusal is not None:
        raise ReviewRefusedError(refusal)


def approve(
    store: Store,
    proposal_id: int,
    *,
    reviewer: str,
    today: date,
    claims: Mapping[str, object] | None = None,
    reviewers: Reviewers | None = None,
    now: datetime | None = None,
) -> BatchSummary:
    """Apply a pending proposal as one batch (by its author, for its reason, reviewed by
    ``reviewer``), checked again against the data now exactly as its import would be.

    Refused (:class:`ReviewRefusedError`, nothing stored) for one's own proposal, a reviewer not
    allowed to (``reviewers``/``claims``; default: the configured ones), a proposal no longer
    pending or conflicting; :class:`ImportRejectedError` when its check fails now. The status
    and the incidents' state are checked again in the batch's own write transaction: of two
    approvers at once, one applies it and the other is refused."""
    p = proposal(store, proposal_id)
    _decision_refusal(store, p, reviewer, claims, reviewers, approving=True)
    checked = check(store, p.change, today)
    if checked.refusal is not None:
        # Another approver may have applied it (or a rival) since it was read: then the change
        # is already stored and the check finds nothing to store. Say so, as the guard would.
        fresh = proposal(store, proposal_id)
        _decision_refusal(store, fresh, reviewer, claims, reviewers, approving=True)
        raise ImportRejectedError(checked.refusal, checked.issues)
    now = now or datetime.now(UTC)
    guard = Approval(p.id, reviewer.strip(), p.base, now)
    review = Review(reason=p.reason, reviewed_by=reviewer.strip(), proposal_id=p.id, guard=guard)
    return _apply(store, checked, p.author, review)


def reject(
    store: Store,
    proposal_id: int,
    *,
    reviewer: str,
    reason: str,
    claims: Mapping[str, object] | None = None,
    reviewers: Reviewers | None = None,
) -> None:
    """Reject a pending proposal with a reason; nothing else changes. Refused as
    :func:`approve` is (a conflicting one may be rejected)."""
    p = proposal(store, proposal_id)
    why = check_reason(reason)
    _decision_refusal(store, p, reviewer, claims, reviewers, approving=False)
    if not store.close_proposal(p.id, "rejected", by=reviewer.strip(), reason=why):
        raise ReviewRefusedError(
            _("proposal {id} is no longer pending: someone decided it meanwhile").format(id=p.id)
        )


def withdraw(store: Store, proposal_id: int, *, author: str, reason: str | None = None) -> None:
    """The author takes back a pending proposal."""
    p = proposal(store, proposal_id)
    if p.status != "pending":
        raise ReviewRefusedError(
            _("proposal {id} is not pending (it is {status})").format(id=p.id, status=p.status)
        )
    if author.strip().casefold() != p.author.casefold():
        raise ReviewRefusedError(_("only the author withdraws a proposal"))
    if not store.close_proposal(p.id, "withdrawn", by=author.strip(), reason=reason):
        raise ReviewRefusedError(
            _("proposal {id} is no longer pending: someone decided it meanwhile").format(id=p.id)
        )


def refresh(store: Store, proposal_id: int, *, author: str, today: date) -> int:
    """Make a conflicting proposal again on the data now (its author only): an edit sets the
    fields it changed from its base on the current record, any other change is proposed again
    as it is. The old one is withdrawn; the new one's id."""
    p = proposal(store, proposal_id)
    change = p.change
    if p.kind == "edit":
        (incident_id,) = p.incident_ids
        base = store.history_record(p.base[incident_id])
        current = store.records([incident_id]).get(incident_id)
        if base is None or current is None:
            raise ReviewRefusedError(
                _("no stored incident {id}: it was retracted or never stored").format(
                    id=incident_id
                )
            )
        checked = check(store, change, today)
        assert checked.report is not None
        (mine,) = frame_records(checked.report.valid)
        fields = record_fields(current)
        fields.update({f.field: f.new for f in field_changes(base, mine)})
        change = edit_change(incident_id, fields)
    outcome = submit(store, change, author=author, reason=p.reason, today=today, mode=Mode.REQUIRED)
    assert outcome.proposal_id is not None
    withdraw(
        store,
        p.id,
        author=author,
        reason=_("refreshed as proposal {id}").format(id=outcome.proposal_id),
    )
    return outcome.proposal_id


def revert(store: Store, batch_id: int, *, by: str, reason: str | None) -> BatchSummary:
    """Revert a batch (see :func:`dashboard.imports.revert`), recording who and why."""
    return revert_batch(
        store, batch_id, uploaded_by=by, reason=check_reason(reason, required=False)
    )


@dataclass(frozen=True)
class EvidenceChange:
    """A source or examination of the incident a batch added or removed: its kind (sources,
    examinations), its title (a source) or id (an examination)."""

    evidence: str
    label: str
    change: Literal["added", "removed"]


@dataclass(frozen=True)
class HistoryEntry:
    """One change of an incident: the batch, its kind and file, when, who made it and why, who
    approved it (and which proposal), the fields it changed, and the evidence of the incident it
    added or removed. A batch that changed only evidence has no record before or after
    (``changed_record`` False)."""

    batch_id: int
    kind: str
    filename: str
    recorded_at: datetime
    by: str
    reason: str | None
    reviewed_by: str | None
    proposal_id: int | None
    reverts_batch: int | None
    before: Record | None
    after: Record | None
    fields: list[FieldChange]
    evidence: tuple[EvidenceChange, ...] = ()
    changed_record: bool = True


def history(store: Store, incident_id: str) -> list[HistoryEntry]:
    """Every change of one incident, oldest first, with who, when, why and the reviewer: its
    record's changes and the batches that added or removed its sources and examinations."""
    evidence: dict[int, list[dict[str, Any]]] = {}
    for row in store.evidence_log(incident_id):
        evidence.setdefault(int(row["batch_id"]), []).append(row)

    def changes(batch_id: int) -> tuple[EvidenceChange, ...]:
        return tuple(
            EvidenceChange(r["evidence"], str(r["label"] or ""), r["change"])
            for r in evidence.pop(batch_id, [])
        )

    entries = [
        HistoryEntry(
            batch_id=int(row["batch_id"]),
            kind=row["kind"],
            filename=row["filename"],
            recorded_at=row["recorded_at"],
            by=row["uploaded_by"],
            reason=row["reason"],
            reviewed_by=row["reviewed_by"],
            proposal_id=row["proposal_id"],
            reverts_batch=row["reverts_batch"],
            before=row["before"],
            after=row["after"],
            fields=field_changes(row["before"], row["after"]),
            evidence=changes(int(row["batch_id"])),
        )
        for row in store.incident_log(incident_id)
    ]
    for batch_id, rows in list(evidence.items()):
        first = rows[0]
        entries.append(
            HistoryEntry(
                batch_id=batch_id,
                kind=first["kind"],
                filename=first["filename"],
                recorded_at=first["created_at"],
                by=first["uploaded_by"],
                reason=first["reason"],
                reviewed_by=first["reviewed_by"],
                proposal_id=first["proposal_id"],
                reverts_batch=first["reverts_batch"],
                before=None,
                after=None,
                fields=[],
                evidence=changes(batch_id),
                changed_record=False,
            )
        )
    return sorted(entries, key=lambda e: e.batch_id)
