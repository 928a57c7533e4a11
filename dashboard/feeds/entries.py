"""A change that reached live data, in words: what happened to which incident, what changed,
its source and where to see it. Pure: the feed and the webhooks' bodies are built from these.

A change's kind follows from the batch's kind and the incident's states: a batch of kind
"revert" undoes; otherwise no state before is a new incident, no state after a removal, and
both a correction. A batch kind this module does not know (a later "retract", say) keeps these
rules and is named as stored beside them, so a new kind reads sensibly before it has words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Final

import numpy as np

from dashboard.core import filters, places
from dashboard.core.evidence import Evidence, annotate
from dashboard.core.i18n import N_, _
from dashboard.core.records import Record, incidents_frame, is_missing
from dashboard.core.schema import COLUMNS, DECLARED
from dashboard.core.shown import count_text, status_name
from dashboard.core.view import View
from dashboard.core.weapons import DPRK, classify
from dashboard.store.changes import StoredChange

#: What a change did to its incident.
NEW: Final = "new"
CORRECTION: Final = "correction"
REMOVAL: Final = "removal"
REVERT: Final = "revert"
KIND_NAMES: Final[dict[str, str]] = {
    NEW: N_("new incident"),
    CORRECTION: N_("correction"),
    REMOVAL: N_("removal"),
    REVERT: N_("revert"),
}
#: The batch kinds the titles say in their own words; any other is named as stored.
KNOWN_BATCHES: Final = frozenset({"import", "seed", "revert"})
#: The fields a new incident's summary gives, in this order.
SUMMARY_FIELDS: Final = (
    "date",
    "location",
    "district",
    "weapon",
    "attribution_status",
    "killed",
    "injured",
)


@dataclass(frozen=True)
class Entry:
    """One change, ready for a feed or a webhook body (plain text: escape it for the medium)."""

    change_id: int
    batch_id: int
    batch_kind: str
    kind: str
    incident_id: str
    recorded_at: datetime
    title: str
    #: What changed, a line each ("Killed: 3 → 4"); a new incident's main fields.
    lines: tuple[str, ...]
    source_title: str | None
    source_url: str | None
    #: The view showing the incident: as it is now, or just before a removal.
    view: View


def change_kind(batch_kind: str, before: Record | None, after: Record | None) -> str:
    """What a change did: :data:`REVERT` for a revert's batch, else by the states."""
    if batch_kind == "revert":
        return REVERT
    if before is None:
        return NEW
    if after is None:
        return REMOVAL
    return CORRECTION


def _value(column: str, value: object) -> str:
    if column in ("killed", "injured"):
        return count_text(value)
    if is_missing(value):
        return "—"
    if column == "attribution_status":
        return status_name(value)
    if column in ("location", "district"):
        return places.name(value)
    return str(value)


def _title(change: StoredChange, kind: str) -> str:
    incident = change.incident_id
    if kind == REVERT:
        if change.before is None:
            title = _("Revert: incident {id} restored")
        elif change.after is None:
            title = _("Revert: incident {id} removed")
        else:
            title = _("Revert: incident {id} changed back")
    elif kind == NEW:
        title = _("New incident {id}")
    elif kind == REMOVAL:
        title = _("Incident {id} removed")
    else:
        title = _("Correction to incident {id}")
    title = title.format(id=incident)
    if change.batch.kind not in KNOWN_BATCHES:
        title = _("{title} ({kind})").format(title=title, kind=change.batch.kind)
    return title


def _lines(change: StoredChange) -> tuple[str, ...]:
    before, after = change.before, change.after
    if before is None and after is not None:
        return tuple(
            _("{field}: {value}").format(field=_(DECLARED[c].label), value=_value(c, after.get(c)))
            for c in SUMMARY_FIELDS
        )
    if after is None or before is None:
        return (_("No longer in the live data."),)
    return tuple(
        _("{field}: {before} → {after}").format(
            field=_(DECLARED[c].label),
            before=_value(c, before.get(c)),
            after=_value(c, after.get(c)),
        )
        for c in COLUMNS
        if before.get(c) != after.get(c)
    )


def entry(change: StoredChange, lang: str | None) -> Entry:
    """The change in words, in the language in force; its view carries ``lang``."""
    kind = change_kind(change.batch.kind, change.before, change.after)
    record = change.after if change.after is not None else change.before
    assert record is not None  # a history row has a state before or after
    view = View(incident=change.incident_id, lang=lang)
    if change.after is None:
        # Seen as the store held it just before the batch that removed it.
        created = change.batch.created_at
        created = created if created.tzinfo else created.replace(tzinfo=UTC)
        moment = created.astimezone(UTC).replace(microsecond=0) - timedelta(seconds=1)
        view = replace(view, asof=moment)
    source = record.get("source_url")
    title = record.get("source_title")
    return Entry(
        change_id=change.change_id,
        batch_id=change.batch.batch_id,
        batch_kind=change.batch.kind,
        kind=kind,
        incident_id=change.incident_id,
        recorded_at=change.recorded_at,
        title=_title(change, kind),
        lines=_lines(change),
        source_title=None if is_missing(title) else str(title),
        source_url=None if is_missing(source) else str(source),
        view=view,
    )


def _passing(records: list[Record | None], view: View, evidence: Evidence | None) -> np.ndarray:
    """Which records pass the view's filters and are counted by it (DPRK-origin, or any with
    the context layer); a missing record passes nothing. ``evidence`` tells which incidents
    were examined (needed by the view's "examined" filter only)."""
    present = [i for i, r in enumerate(records) if r is not None]
    keep = np.zeros(len(records), dtype=bool)
    if not present:
        return keep
    frame = classify(incidents_frame([dict(records[i]) for i in present]))  # type: ignore[arg-type]
    frame = frame.assign(_row=present)
    if evidence is not None:
        frame = annotate(frame, evidence)
    passing = filters.apply(frame, view.filters)
    if not view.filters.context:
        passing = passing[passing[DPRK].to_numpy(dtype=bool)]
    keep[passing["_row"].to_numpy(dtype=int)] = True
    return keep


def in_view(
    changes: Sequence[StoredChange], view: View, evidence: Evidence | None = None
) -> list[StoredChange]:
    """The changes of incidents the view shows before or after the change (one that moves an
    incident out of the view's filters is still news to its readers); with the "examined"
    filter, of the incidents ``evidence`` names an examination of."""
    if not changes:
        return []
    before = _passing([c.before for c in changes], view, evidence)
    after = _passing([c.after for c in changes], view, evidence)
    return [c for c, b, a in zip(changes, before, after, strict=True) if b or a]
