"""The one package that talks SQL (SQLAlchemy 2), split by responsibility over one database.

:class:`Database` owns the engine, the outage translation, the locks and the migrations; the
parts read incidents (:mod:`.incidents`), keep the batch log (:mod:`.log`), the evidence
(:mod:`.evidence`), the monthly launches (:mod:`.launches`), the saved mappings
(:mod:`.mappings`), the proposals waiting for review (:mod:`.proposals`), the sign-in throttle
(:mod:`.throttle`), the changes for feeds and webhooks (:mod:`.changes`) and the map payload
files (:mod:`.payloads`). :class:`Store` is all of them over one database, which is what the
pages and the CLI hold.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.store.changes import ChangeLog
from dashboard.store.database import Database, default_url, display_url
from dashboard.store.evidence import EVIDENCE_FORMAT, EvidenceStore
from dashboard.store.incidents import IncidentReads
from dashboard.store.launches import LaunchesImport, LaunchesStore
from dashboard.store.log import BatchLog, BatchMeta, BatchSummary
from dashboard.store.mappings import Mappings
from dashboard.store.payloads import SharedPayloads
from dashboard.store.proposals import ProposalStore
from dashboard.store.tables import metadata
from dashboard.store.throttle import SignInThrottle

__all__ = [
    "EVIDENCE_FORMAT",
    "BatchMeta",
    "BatchSummary",
    "Database",
    "LaunchesImport",
    "Store",
    "default_url",
    "display_url",
    "metadata",
]


class Store(
    IncidentReads,
    BatchLog,
    ChangeLog,
    EvidenceStore,
    ProposalStore,
    LaunchesStore,
    Mappings,
    SignInThrottle,
    SharedPayloads,
):
    """Incidents, their batch log and its changes (with their webhook deliveries), their
    evidence, proposals waiting for review, the monthly launches, saved mappings, the sign-in
    throttle and the map payload files every instance serves, in one database."""

    def __init__(self, url: str | None = None) -> None:
        super().__init__(Database(url))

    @property
    def url(self) -> str:
        """The database URL (a cache key: one store per URL)."""
        return self.db.url

    def incidents_asof(self, moment: datetime) -> pd.DataFrame:
        """The incidents as the store held them at ``moment`` (see :meth:`last_batch_at`)."""
        return self.incidents_at_batch(self.last_batch_at(moment))

    def dispose(self) -> None:
        """Close the pooled connections (a process that is done with the store)."""
        self.db.dispose()
