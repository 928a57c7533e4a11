"""Evidence in a real store (SQLite and PostgreSQL): seeded, read as it stood, reverted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from dashboard.core.errors import RevertRefusedError
from dashboard.core.evidence import read_evidence
from dashboard.imports import revert, revertible
from dashboard.store import BatchMeta, Store
from tests.conftest import TODAY

META = BatchMeta(filename="origins.csv", sha256="0" * 64, uploaded_by="t")


def test_the_shipped_evidence_is_seeded_as_one_batch(store: Store) -> None:
    evidence = store.evidence()
    assert (len(evidence.sources), len(evidence.examinations), len(evidence.origins)) == (16, 4, 13)
    kharkiv = store.evidence_for(["UA-KHA-20240102"])
    assert set(kharkiv.examinations["examination_id"]) == {
        "CAR-KHA-20240220",
        "CAR-KHA-202401-MARKINGS",
    }
    shares = kharkiv.origins.dropna(subset=["share"]).set_index("country")["share"]
    assert shares.to_dict() == {"United States": 75.5, "Germany": 11.9, "Japan": 3.1}
    poltava = store.evidence_for(["UA-POL-202409"])
    assert sorted(poltava.origins["manufacturer"].dropna()) == [
        "Analog Devices",
        "Broadcom",
        "NXP",
        "Traco Power",
        "XP Power",
    ]
    assert list(store.batches()["kind"]) == ["seed"]  # the shipped data's one batch
    assert store.evidence(1).origins.equals(evidence.origins)
    assert store.evidence(0).origins.empty
    assert store.evidence_version() == 1


def test_an_evidence_batch_reverts_and_asof_shows_it_as_it_stood(store: Store) -> None:
    incident_ids, examination_ids = store.known_ids()
    assert "UA-POL-202409" in incident_ids
    result = read_evidence(
        b"examination_id,country,count\nNAKO-POL-20241017,Canada,2\n",
        "component_origins",
        TODAY,
        examination_ids=examination_ids,
    )
    assert result.ok
    added = store.add_evidence(
        {"component_origins": result.valid}, META, now=datetime(2026, 11, 26, 9, tzinfo=UTC)
    )
    assert added.added == 1
    assert "Canada" in set(store.evidence().origins["country"])
    assert store.evidence_version() == added.batch_id
    assert added.batch_id in revertible(store.batches())
    reverted = revert(store, added.batch_id, uploaded_by="t")
    assert reverted.removed == 1
    assert added.batch_id not in revertible(store.batches())
    assert store.evidence_version() == reverted.batch_id
    assert "Canada" not in set(store.evidence().origins["country"])
    assert "Canada" in set(store.evidence(added.batch_id).origins["country"])
    assert "Canada" not in set(store.evidence(added.batch_id - 1).origins["country"])
    assert store.evidence(0).origins.empty
    with pytest.raises(RevertRefusedError, match="already reverted"):
        revert(store, added.batch_id, uploaded_by="t")


def test_a_failed_evidence_write_stores_nothing(store: Store) -> None:
    before = (len(store.batches()), len(store.evidence().origins))
    good = read_evidence(
        b"examination_id,country\nNAKO-POL-20241017,Japan\n",
        "component_origins",
        TODAY,
        examination_ids={"NAKO-POL-20241017"},
    ).valid
    broken = good.assign(country=None)  # NOT NULL in the store: the insert fails
    with pytest.raises(sa.exc.IntegrityError, match=r"(?i)null"):
        store.add_evidence({"component_origins": broken}, META)
    assert (len(store.batches()), len(store.evidence().origins)) == before
