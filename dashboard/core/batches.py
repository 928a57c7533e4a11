"""What a batch does to the incidents, decided without a database: the store executes the plans.

A batch is a list of :class:`Change` steps (an incident's record before and after, ``None`` for
absent). :func:`change_kinds` says, column-wise, which uploaded rows are new, update a stored
incident or leave it unchanged; :func:`plan_revert` turns a batch's own steps back, or refuses
with the reason the user sees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from dashboard.core.errors import RevertRefusedError
from dashboard.core.i18n import _, ngettext, number
from dashboard.core.records import Record
from dashboard.core.schema import COLUMNS, KEY

#: How many overtaken incidents a refusal names before it stops listing.
_NAMED = 5


@dataclass(frozen=True)
class Change:
    """One incident's step in a batch: its record before and after (``None`` when absent)."""

    incident_id: str
    before: Record | None
    after: Record | None


@dataclass(frozen=True)
class LoggedChange:
    """A :class:`Change` as the history holds it: with the batch that made it."""

    batch_id: int
    change: Change


@dataclass(frozen=True)
class Plan:
    """The steps a batch writes and the counts its batch row records."""

    changes: tuple[Change, ...]
    added: int
    updated: int
    unchanged: int = 0
    removed: int = 0


def counted(changes: Sequence[Change], unchanged: int = 0) -> Plan:
    """A plan of ``changes``, each counted as added, updated or removed by its before and after."""
    added = sum(1 for c in changes if c.before is None)
    removed = sum(1 for c in changes if c.after is None)
    return Plan(tuple(changes), added, len(changes) - added - removed, unchanged, removed)


def change_kinds(new: pd.DataFrame, stored: pd.DataFrame) -> np.ndarray:
    """What storing each row of ``new`` does: "new", "update" or "unchanged", compared column by
    column with ``stored`` (the stored incidents with those ids; both typed incidents frames).

    Equal rows are "unchanged", so importing the same file twice changes nothing.
    """
    if stored.empty:  # none stored yet (a file of new incidents): nothing to compare
        return np.full(len(new), "new", dtype="<U9")
    before = stored.set_index(KEY).reindex(new[KEY].to_numpy())
    exists = new[KEY].isin(stored[KEY]).to_numpy(bool)
    same = exists.copy()
    for column in COLUMNS:
        if column == KEY:
            continue
        ours, theirs = new[column].reset_index(drop=True), before[column].reset_index(drop=True)
        equal = ours.eq(theirs).fillna(False) | (ours.isna() & theirs.isna())
        same &= equal.to_numpy(bool)
    return np.where(~exists, "new", np.where(same, "unchanged", "update"))


def plan_revert(
    batch_id: int,
    *,
    known: bool,
    reverted_by: int | None,
    own: Sequence[Change],
    latest: Mapping[str, LoggedChange],
    evidence: int = 0,
) -> Plan:
    """The steps that put every incident batch ``batch_id`` touched back as it was before it.

    ``known`` says the batch exists, ``reverted_by`` names the batch that already reverted it,
    ``own`` are its steps in order, ``latest`` the most recent logged step of each incident it
    touched, and ``evidence`` how many evidence rows it added or replaced. Raises
    :class:`RevertRefusedError` (the message the user sees) when the batch is unknown, already
    reverted, changed nothing, or a later batch left an incident it touched in another state
    (reverting it would silently undo that batch too).
    """
    if not known:
        raise RevertRefusedError(_("there is no batch {batch}").format(batch=batch_id))
    if reverted_by is not None:
        raise RevertRefusedError(
            _("batch {batch} was already reverted by batch {by}").format(
                batch=batch_id, by=reverted_by
            )
        )
    if not own and not evidence:
        raise RevertRefusedError(
            _("batch {batch} changed nothing: nothing to revert").format(batch=batch_id)
        )
    overtaken = [c for c in own if latest[c.incident_id].change.after != c.after]
    if overtaken:
        later = sorted({latest[c.incident_id].batch_id for c in overtaken})
        names = ", ".join(c.incident_id for c in overtaken[:_NAMED])
        by = ngettext("batch {batches}", "batches {batches}", len(later)).format(
            batches=", ".join(map(str, later))
        )
        raise RevertRefusedError(
            ngettext(
                "batch {batch} cannot be reverted: {n} incident it changed was changed again"
                " since ({names}) by {by}; revert the later batches first",
                "batch {batch} cannot be reverted: {n} incidents it changed were changed again"
                " since ({names}) by {by}; revert the later batches first",
                len(overtaken),
            ).format(
                batch=batch_id,
                n=number(len(overtaken)),
                names=names,
                by=by,
            )
        )
    return counted([Change(c.incident_id, c.after, c.before) for c in own])


@dataclass(frozen=True)
class Dependant:
    """A later batch whose rows name what a revert would remove: who stored what, when."""

    batch_id: int
    filename: str
    uploaded_by: str
    created_at: datetime
    what: str


def refuse_dependants(batch_id: int, dependants: Sequence[Dependant]) -> RevertRefusedError:
    """The refusal of a revert that would leave evidence pointing at nothing: it names the later
    batches that point at what ``batch_id`` added, newest first (the order to revert them in)."""
    named = "; ".join(
        _("batch {batch} ({file}, stored {when} UTC by {who}: {what})").format(
            batch=d.batch_id,
            file=d.filename,
            when=f"{d.created_at:%Y-%m-%d %H:%M}",
            who=d.uploaded_by,
            what=d.what,
        )
        for d in sorted(dependants, key=lambda d: d.batch_id, reverse=True)
    )
    return RevertRefusedError(
        _(
            "batch {batch} cannot be reverted: later batches name what it added, and would point"
            " at nothing: {named}. Revert those first, newest first"
        ).format(batch=batch_id, named=named)
    )
