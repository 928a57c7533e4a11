"""What the Upload page says about past batches: a file imported before, what a revert undoes.

Pure functions over a batches frame (:meth:`~dashboard.store.Store.batches`, newest first).
"""

from __future__ import annotations

import pandas as pd

from dashboard.core.i18n import _, number

#: The batch kind of the shipped data, stored when the store is first opened.
SEED = "seed"


def earlier_imports(batches: pd.DataFrame, sha256: str) -> pd.DataFrame:
    """The batches that stored a file with this SHA-256 before, newest first."""
    same = batches[(batches["sha256"] == sha256) & (batches["kind"] != "revert")]
    return same.reset_index(drop=True)


def reverted_by(batches: pd.DataFrame, batch_id: int) -> int | None:
    """The batch that reverted ``batch_id``, if one did."""
    undo = batches.loc[batches["reverts_batch"] == batch_id, "id"]
    return int(undo.iloc[0]) if len(undo) else None


def offered_for_revert(
    batches: pd.DataFrame, candidates: list[int], *, with_seed: bool = False
) -> list[int]:
    """``candidates`` (the batches that still stand) without the shipped data unless asked."""
    seeds = set(batches.loc[batches["kind"] == SEED, "id"].astype(int))
    return [c for c in candidates if with_seed or c not in seeds]


def describe(batches: pd.DataFrame, batch_id: int) -> str:
    """One line naming a batch: its file, when and by whom it was stored, what it changed."""
    row = batches.loc[batches["id"] == batch_id].iloc[0]
    when = pd.Timestamp(row["created_at"]).strftime("%Y-%m-%d %H:%M UTC")
    return _(
        "batch {batch}: {file} ({kind}), stored {when} by {who}; {added} added, {updated}"
        " updated, {removed} removed"
    ).format(
        batch=batch_id,
        file=row["filename"],
        kind=row["kind"],
        when=when,
        who=row["uploaded_by"],
        added=number(int(row["added"])),
        updated=number(int(row["updated"])),
        removed=number(int(row["removed"])),
    )
