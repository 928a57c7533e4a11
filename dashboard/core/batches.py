"""What a batch does to the incidents, decided without a database: the store executes the plans.

A batch is a list of :class:`Change` steps (an incident's record before and after, ``None`` for
absent). :func:`plan_apply` turns uploaded records into steps against the stored ones;
:func:`plan_revert` turns a batch's own steps back, or refuses with the reason the user sees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dashboard.core.errors import RevertRefusedError
from dashboard.core.records import Record, change_kind

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


def plan_apply(records: Sequence[Record], stored: Mapping[str, Record]) -> Plan:
    """The steps storing ``records`` takes against the ``stored`` ones; equal records are skipped,
    so importing the same file twice changes nothing."""
    changes: list[Change] = []
    for record in records:
        key = str(record["incident_id"])
        before = stored.get(key)
        if change_kind(before, record) != "unchanged":
            changes.append(Change(key, before, record))
    return counted(changes, unchanged=len(records) - len(changes))


def plan_revert(
    batch_id: int,
    *,
    known: bool,
    reverted_by: int | None,
    own: Sequence[Change],
    latest: Mapping[str, LoggedChange],
) -> Plan:
    """The steps that put every incident batch ``batch_id`` touched back as it was before it.

    ``known`` says the batch exists, ``reverted_by`` names the batch that already reverted it,
    ``own`` are its steps in order, and ``latest`` the most recent logged step of each incident
    it touched. Raises :class:`RevertRefusedError` (the message the user sees) when the batch is
    unknown, already reverted, changed nothing, or a later batch left an incident it touched in
    another state (reverting it would silently undo that batch too).
    """
    if not known:
        raise RevertRefusedError(f"there is no batch {batch_id}")
    if reverted_by is not None:
        raise RevertRefusedError(f"batch {batch_id} was already reverted by batch {reverted_by}")
    if not own:
        raise RevertRefusedError(f"batch {batch_id} changed no incident: nothing to revert")
    overtaken = [c for c in own if latest[c.incident_id].change.after != c.after]
    if overtaken:
        later = sorted({latest[c.incident_id].batch_id for c in overtaken})
        by = f"batch {later[0]}" if len(later) == 1 else f"batches {', '.join(map(str, later))}"
        names = ", ".join(c.incident_id for c in overtaken[:_NAMED])
        raise RevertRefusedError(
            f"batch {batch_id} cannot be reverted: {len(overtaken)} incident(s) it changed "
            f"were changed again since ({names}) by {by}; revert the later batches first"
        )
    return counted([Change(c.incident_id, c.after, c.before) for c in own])
