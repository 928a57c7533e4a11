"""Review of changes, decided without a database: who may approve, is a proposal still sound, what
a change does field by field, and may a change be stored at all (the one decision every path
takes: Upload page, command line, in-app form and approval).

The store keeps the proposals (:mod:`dashboard.store.proposals`); :mod:`dashboard.review` runs
these rules over it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

import pandas as pd

from dashboard.core.dates import iso_text
from dashboard.core.errors import ReviewRefusedError
from dashboard.core.i18n import N_, _, ngettext, number
from dashboard.core.records import Record
from dashboard.core.report import Report
from dashboard.core.schema import TEMPLATE_COLUMNS


class Mode(StrEnum):
    """``DASHBOARD_REVIEW``: changes apply at once (off), or wait for a second analyst."""

    OFF = "off"
    REQUIRED = "required"


#: What a proposal changes: one incident's fields, a new incident, incidents taken out of the
#: live data, a source or examination added, or a whole file of incidents or evidence.
ProposalKind = Literal[
    "edit", "new", "retract", "add-source", "add-examination", "file-import", "evidence-import"
]
KINDS: Final[tuple[ProposalKind, ...]] = (
    "edit",
    "new",
    "retract",
    "add-source",
    "add-examination",
    "file-import",
    "evidence-import",
)
#: The kinds that write incidents (the others write evidence): they have a base to go stale.
INCIDENT_KINDS: Final = frozenset({"edit", "new", "retract", "file-import"})
Status = Literal["pending", "approved", "rejected", "withdrawn"]
#: Longest reason a change may give, in characters: a line, not a report.
REASON_LIMIT: Final = 300


@dataclass(frozen=True)
class Reviewers:
    """Who may approve: names or emails (compared case-insensitively), or members of ``group``
    as the sign-in's ``claim`` lists them. Neither set: every analyst may (never their own)."""

    names: frozenset[str] = frozenset()
    group: str | None = None
    claim: str = "groups"

    @property
    def configured(self) -> bool:
        """Does anything limit who may review?"""
        return bool(self.names) or self.group is not None


def may_review(
    identity: str, reviewers: Reviewers, claims: Mapping[str, object] | None = None
) -> bool:
    """May ``identity`` (with the sign-in's ``claims``, if any) approve or reject others'
    changes?"""
    if not reviewers.configured:
        return bool(identity.strip())
    if identity.strip().casefold() in {n.casefold() for n in reviewers.names}:
        return True
    if reviewers.group is None or claims is None:
        return False
    groups = claims.get(reviewers.claim)
    if isinstance(groups, str):
        groups = [groups]
    return isinstance(groups, list | tuple) and reviewers.group in groups


def check_reason(text: str | None, *, required: bool = True) -> str | None:
    """The reason as stored (stripped; None when none is given and none is required).

    Raises :class:`ReviewRefusedError` for a missing reason where one is required, or one over
    :data:`REASON_LIMIT` characters."""
    reason = (text or "").strip()
    if not reason:
        if required:
            raise ReviewRefusedError(_("give a short reason for the change"))
        return None
    if len(reason) > REASON_LIMIT:
        raise ReviewRefusedError(
            _("a reason is at most {limit} characters, not {length}").format(
                limit=number(REASON_LIMIT), length=number(len(reason))
            )
        )
    return reason


def stale(base: Mapping[str, int], latest: Mapping[str, int]) -> list[str]:
    """The incidents whose last history row moved since the proposal was made (its base), in
    the base's order: another change landed on them."""
    return [i for i, seen in base.items() if latest.get(i, 0) != seen]


#: How many incidents a conflict names before it stops listing.
_NAMED = 5


def conflict_message(proposal_id: int, moved: Sequence[str]) -> str:
    """Why a proposal whose incidents changed since it was made cannot be approved."""
    return ngettext(
        "proposal {id} is conflicting: incident {ids} changed since it was proposed; refresh it"
        " from the current data",
        "proposal {id} is conflicting: incidents {ids} changed since it was proposed; refresh it"
        " from the current data",
        len(moved),
    ).format(id=proposal_id, ids=", ".join(moved[:_NAMED]))


def approval_refusal(
    proposal_id: int,
    *,
    status: str,
    author: str,
    reviewer: str,
    may_review: bool,
    stale_ids: Sequence[str] = (),
) -> str | None:
    """Why ``reviewer`` may not approve (or reject) the proposal, or None when they may."""
    if status != "pending":
        return _("proposal {id} is not pending (it is {status})").format(
            id=proposal_id, status=_(STATUSES.get(status, status))
        )
    if not reviewer.strip():
        return _("name who reviews the change")
    if reviewer.strip().casefold() == author.strip().casefold():
        return _("nobody approves or rejects their own change: another analyst must")
    if not may_review:
        return _("{who} is not a reviewer: only reviewers approve or reject changes").format(
            who=reviewer
        )
    if stale_ids:
        return conflict_message(proposal_id, stale_ids)
    return None


#: A proposal's status in words (marked for translation where shown).
STATUSES: Final[dict[str, str]] = {
    "pending": N_("pending"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "withdrawn": N_("withdrawn"),
}


def record_fields(record: Record) -> dict[str, str]:
    """An incident as the template's fields, each as a file writes it (the date to its
    precision, "" where nothing is reported): a form's starting values, and what a change
    compares."""
    out: dict[str, str] = {}
    for column in TEMPLATE_COLUMNS:
        value = record.get(column)
        if column == "date":
            out[column] = iso_text(value, record.get("date_precision"))
        elif value is None:
            out[column] = ""
        else:
            out[column] = str(value)
    return out


@dataclass(frozen=True)
class FieldChange:
    """One field a change sets: its text before and after ("" where nothing is reported)."""

    field: str
    old: str
    new: str


def field_changes(before: Record | None, after: Record | None) -> list[FieldChange]:
    """The template fields that differ between two records (absent: every field empty), in
    template order."""
    old = record_fields(before) if before is not None else dict.fromkeys(TEMPLATE_COLUMNS, "")
    new = record_fields(after) if after is not None else dict.fromkeys(TEMPLATE_COLUMNS, "")
    return [FieldChange(c, old[c], new[c]) for c in TEMPLATE_COLUMNS if old[c] != new[c]]


def store_refusal(
    report: Report,
    *,
    valid_only: bool,
    preview: pd.DataFrame | None,
    near: pd.DataFrame,
    on_duplicate: str | None,
) -> str | None:
    """Why a checked change may not be stored (or proposed), or None: the file's own refusal,
    possible duplicates nobody decided about, or nothing that would change.

    ``preview`` holds the classified valid rows after the duplicates' resolution (a "change"
    column; None for evidence, whose report alone decides)."""
    if (reason := report.refusal(valid_only)) is not None:
        return reason
    if not near.empty and on_duplicate is None:
        return ngettext(
            "{n} row may duplicate a stored incident: choose to update it, add the row anyway or"
            " skip it",
            "{n} rows may duplicate stored incidents: choose to update them, add the rows anyway"
            " or skip them",
            len(near),
        ).format(n=number(len(near)))
    if preview is not None and not (preview["change"] != "unchanged").any():
        return _("nothing to store: every row equals the stored incident")
    return None


def same_file_note(earlier: pd.DataFrame) -> str | None:
    """The warning for a file imported before (same SHA-256): the batches that stored it (a
    :meth:`~dashboard.store.Store.batches` frame of them, newest first), or None."""
    if earlier.empty:
        return None
    ids = ", ".join(str(int(i)) for i in reversed(earlier["id"].tolist()))
    return ngettext(
        "this file was imported before (same SHA-256) as batch {ids}; only what differs from the"
        " store now is stored",
        "this file was imported before (same SHA-256) as batches {ids}; only what differs from"
        " the store now is stored",
        len(earlier),
    ).format(ids=ids)


def summarise(
    report: Report | None,
    preview: pd.DataFrame | None,
    warnings: Sequence[str],
    refusal: str | None,
) -> list[str]:
    """A change's diff in lines: the report's summary, the rows' counts (new, update,
    unchanged: ``preview``'s "change" column, None for a change of evidence or a retract), the
    warnings, and why it cannot be stored now."""
    lines = list(report.summary()) if report is not None else []
    if preview is not None and "change" in preview:
        counts = preview["change"].value_counts()
        lines.append(
            _("{new} new · {update} update an existing incident · {unchanged} unchanged").format(
                new=number(int(counts.get("new", 0))),
                update=number(int(counts.get("update", 0))),
                unchanged=number(int(counts.get("unchanged", 0))),
            )
        )
    lines += warnings
    if refusal is not None:
        lines.append(_("cannot be stored now: {reason}").format(reason=refusal))
    return lines
