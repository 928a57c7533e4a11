"""Validation of an evidence file: the incident import's reader (:mod:`dashboard.core.csvio`)
and its one validator (:func:`dashboard.core.validate.check_columns`) over the kind's
declarations, then the rules across a row's columns and against what the file may refer to.

Returns the same :class:`~dashboard.core.validate.ValidationResult` as an incident file: every
fault with line, column, value and reason. Pure: the ids a file may refer to are passed in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np

from dashboard.core.csvio import CsvFile, Limits, header_targets, parse_csv
from dashboard.core.errors import Code, Fault, clip
from dashboard.core.evidence.container import Evidence
from dashboard.core.evidence.rows import db_rows, evidence_frame, identity
from dashboard.core.evidence.schema import DECLARED, Kind, columns
from dashboard.core.i18n import N_, _
from dashboard.core.schema import MAX_TEXT_LENGTH, normalise_header
from dashboard.core.validate import Checked, RawTable, ValidationResult, check_columns


def evidence_table(parsed: CsvFile, kind: Kind) -> RawTable:
    """A parsed file's columns as the kind's; unknown columns are warned about, missing required
    ones are errors of the header (the incident import's rules, for this kind's columns)."""
    known = set(columns(kind))
    targets, _, header_issues = header_targets(
        parsed,
        lambda raw: name if (name := normalise_header(raw)) in known else None,
        [c.name for c in DECLARED[kind] if c.required],
    )
    issues = [*parsed.issues, *header_issues]
    keep = [i for i, t in enumerate(targets) if t]
    rows = [[row[i] for i in keep] for row in parsed.rows]
    return RawTable([targets[i] for i in keep], rows, parsed.lines, parsed.faults, issues)


class _Rules:
    """The rules across one evidence file's rows, row by row in file order (an evidence file
    is small: a few hundred rows), each fault placed after the row's column faults."""

    def __init__(
        self,
        kind: Kind,
        found: Checked,
        incident_ids: Collection[str],
        examination_ids: Collection[str],
        stored: Evidence | None,
    ) -> None:
        self.kind = kind
        self.found = found
        self.incident_ids = incident_ids
        self.examination_ids = examination_ids
        stored = stored or Evidence.empty()
        self.live = {identity(kind, r): r for r in db_rows(kind, stored.of(kind))}
        self.shares = _stored_shares(stored) if kind == "component_origins" else {}
        self.replaced: set[object] = set()
        self.first_line: dict[object, int] = {}
        self.order = len(DECLARED[kind])
        #: The column that names a row in a report.
        self.names = "examination_id" if kind != "sources" else "title"

    def add(self, position: int, column: str, fault: Fault, value: str | None = None) -> None:
        self.found.faults.add(position, self.order, column, fault, value)

    def check(self, position: int) -> None:
        """Every rule across the columns of the row at ``position``."""
        row = self.found.row(position)
        self._references(position, row)
        key = identity(self.kind, row)
        if key is None:
            return
        line = int(self.found.faults.lines[position])
        if key in self.first_line:
            fault = Fault(Code.DUPLICATE_ID, column=self.names, first=str(self.first_line[key]))
            self.add(position, self.names, fault)
        else:
            self.first_line[key] = line
            if (old := self.live.get(key)) is not None and (change := _changes(old, row)):
                variant = "" if self.kind == "sources" else self.kind
                self.add(position, self.names, Fault(Code.UPDATES_STORED, variant, changes=change))
        if self.kind == "component_origins":
            self._share(position, row, key)

    def _references(self, position: int, row: Mapping[str, object]) -> None:
        incident = row.get("incident_id")
        if self.kind != "component_origins" and incident and incident not in self.incident_ids:
            self.add(position, "incident_id", Fault(Code.UNKNOWN_REFERENCE))
        if self.kind == "component_origins":
            examination = row.get("examination_id")
            if examination and examination not in self.examination_ids:
                self.add(position, "examination_id", Fault(Code.UNKNOWN_REFERENCE, "examination"))
        if self.kind == "examinations":
            cells = self.found.cells
            if not incident and not row.get("place") and not cells["incident_id"][position].strip():
                self.add(position, "place", Fault(Code.PLACE_REQUIRED), value="")
            low, high = row.get("made_from"), row.get("made_to")
            if isinstance(low, int) and isinstance(high, int) and low > high:
                self.add(
                    position, "made_to", Fault(Code.YEARS_REVERSED, low=str(low), high=str(high))
                )

    def _share(self, position: int, row: Mapping[str, object], key: object) -> None:
        """One examination's shares, stored and in the file, add up to at most 100% (a row
        replacing a stored one counted once)."""
        exam = row["examination_id"]
        total = self.shares.get(exam, 0.0)
        if key in self.live and key not in self.replaced:  # this row takes the stored one's place
            self.replaced.add(key)
            total -= _share(self.live[key])
        share = row.get("share")
        if isinstance(share, float) and round(total + share, 6) > 100:
            fault = Fault(
                Code.SHARE_OVER_100, examination=repr(exam), total=float(f"{total + share:g}")
            )
            self.add(position, "share", fault)
        elif isinstance(share, float):
            total += share
        self.shares[exam] = total


def validate_evidence(
    table: RawTable,
    kind: Kind,
    today: date,
    *,
    incident_ids: Collection[str] = (),
    examination_ids: Collection[str] = (),
    stored: Evidence | None = None,
    max_cell: int = MAX_TEXT_LENGTH,
) -> ValidationResult:
    """Check every row of an evidence file, collecting all faults (never raising).

    ``incident_ids`` are the stored incidents a source or examination may refer to;
    ``examination_ids`` the stored examinations (plus any stored with this file) a component
    origin may refer to. Within a file an examination_id is unique, a country and manufacturer
    appear once per examination. ``stored`` is the live evidence: a row whose :func:`identity`
    is live there updates that row (an ``updates-stored`` warning naming what changes), and one
    examination's shares, stored and in the file (a row replacing a stored one counted once),
    add up to at most 100%.
    """
    found = check_columns(table, DECLARED[kind], today, max_cell=max_cell)
    rules = _Rules(kind, found, incident_ids, examination_ids, stored)
    for position in np.flatnonzero(found.checked).tolist():
        rules.check(position)
    bad = set(found.faults.rows())
    valid = [found.row(p) for p in range(len(table.rows)) if p not in bad]
    result = found.result(table, evidence_frame(kind, valid))
    result.issues[:0] = table.issues
    return result


def read_evidence(
    data: bytes,
    kind: Kind,
    today: date,
    *,
    incident_ids: Collection[str] = (),
    examination_ids: Collection[str] = (),
    limits: Limits | None = None,
) -> ValidationResult:
    """Read (any encoding and delimiter the incident import reads) and validate an evidence file;
    the result holds the file's and its header's issues too."""
    limits = limits or Limits()
    return validate_evidence(
        evidence_table(parse_csv(data, limits), kind),
        kind,
        today,
        incident_ids=incident_ids,
        examination_ids=examination_ids,
        max_cell=limits.max_cell,
    )


def _share(row: Mapping[str, object]) -> float:
    share = row.get("share")
    return float(share) if isinstance(share, int | float) else 0.0


def _stored_shares(stored: Evidence) -> dict[object, float]:
    """Each examination's total of stored shares."""
    totals: dict[object, float] = {}
    for row in db_rows("component_origins", stored.origins):
        totals[row["examination_id"]] = totals.get(row["examination_id"], 0.0) + _share(row)
    return totals


#: How a missing value reads in a list of changes.
_EMPTY: Final = N_("empty")


@dataclass(frozen=True)
class Changes:
    """What a row changes in the stored row it updates: (column, old, new) for each column that
    differs. Written out when the message is shown, in the language in force ("empty")."""

    changed: tuple[tuple[str, object, object], ...]

    def __bool__(self) -> bool:
        return bool(self.changed)

    def __str__(self) -> str:
        def shown(value: object) -> str:
            if value is None:
                return _(_EMPTY)
            return repr(clip(value)) if isinstance(value, str) else str(value)

        return ", ".join(f"{c} {shown(old)} → {shown(new)}" for c, old, new in self.changed)


def _changes(old: Mapping[str, object], new: Mapping[str, object]) -> Changes:
    """What a row changes in the stored row it updates, column by column (none: falsy)."""
    return Changes(
        tuple(
            (column, old.get(column), new.get(column))
            for column in new
            if old.get(column) != new.get(column)
        )
    )
