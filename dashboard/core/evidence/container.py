"""The stored evidence (:class:`Evidence`), one incident's sources, and the incident frame
annotated with its source count and whether its debris was examined (cached per frame)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import pandas as pd

from dashboard.core.evidence.rows import evidence_frame
from dashboard.core.evidence.schema import Kind
from dashboard.core.framecache import FrameCache
from dashboard.core.records import is_missing


@dataclass(frozen=True)
class Evidence:
    """Every stored source, examination and component origin (typed frames)."""

    sources: pd.DataFrame
    examinations: pd.DataFrame
    origins: pd.DataFrame

    @classmethod
    def empty(cls) -> Evidence:
        return cls(
            evidence_frame("sources", []),
            evidence_frame("examinations", []),
            evidence_frame("component_origins", []),
        )

    def of(self, kind: Kind) -> pd.DataFrame:
        """The frame of one kind."""
        return {
            "sources": self.sources,
            "examinations": self.examinations,
            "component_origins": self.origins,
        }[kind]

    def for_incidents(self, ids: Collection[str]) -> Evidence:
        """The evidence of the given incidents: their sources, examinations and those origins.

        Matched as plain objects: pandas' ``isin`` on Arrow text turns each of the wanted values
        into an Arrow scalar (0.6 s for 100,000 ids), a hash lookup of objects takes 10 ms.
        """
        wanted = pd.Series(list(ids), dtype=object)

        def among(column: pd.Series, values: pd.Series) -> pd.Series:
            return column.astype(object).isin(values)

        examinations = self.examinations[among(self.examinations["incident_id"], wanted)]
        return Evidence(
            self.sources[among(self.sources["incident_id"], wanted)],
            examinations,
            self.origins[
                among(self.origins["examination_id"], examinations["examination_id"].astype(object))
            ],
        )


#: Columns added to an incidents frame by :func:`annotate`.
SOURCE_COUNT: Final = "source_count"
EXAMINED: Final = "examined"


def incident_sources(incident: Mapping[Hashable, object], evidence: Evidence) -> pd.DataFrame:
    """Every source of one incident: its own (the canonical row's source columns) first, unless
    a stored source repeats it, then the stored ones by date. Empty ``says``/``grade`` where the
    canonical row does not say."""
    return incidents_sources([incident], evidence)


def incidents_sources(
    incidents: Sequence[Mapping[Hashable, object]], evidence: Evidence
) -> pd.DataFrame:
    """Every source of each of ``incidents``, as :func:`incident_sources` lists one incident's,
    one incident after another. One frame for them all: the canonical rows' own sources are
    typed together and the stored ones sorted once (a briefing lists a thousand incidents')."""
    wanted = {incident["incident_id"] for incident in incidents}
    stored = evidence.sources[evidence.sources["incident_id"].astype(object).isin(wanted)]
    stored = stored.sort_values("published", na_position="last", kind="stable")

    def plain(column: str) -> list[object]:
        return [None if is_missing(value) else value for value in stored[column].astype(object)]

    titles, urls = plain("title"), plain("url")
    rows_of: dict[object, list[int]] = {}
    for row, incident_id in enumerate(plain("incident_id")):
        rows_of.setdefault(incident_id, []).append(row)
    own: list[dict[str, object]] = []
    # Where each listed row comes from: (True, n) the n-th own source, (False, n) stored row n.
    order: list[tuple[bool, int]] = []
    for incident in incidents:
        mine = rows_of.get(incident["incident_id"], [])
        title, url = incident.get("source_title"), incident.get("source_url")
        title = None if is_missing(title) else str(title)
        url = None if is_missing(url) else str(url)
        repeated = any(
            (title is not None and titles[row] == title) or (url is not None and urls[row] == url)
            for row in mine
        )
        if not ((title is None and url is None) or repeated):
            order.append((True, len(own)))
            own.append(
                {
                    "incident_id": incident["incident_id"],
                    "title": title or url,
                    "url": url,
                    "publisher": None,
                    "published": incident.get("source_date"),
                    "says": None,
                    "grade": None,
                }
            )
        order.extend((False, row) for row in mine)
    if not own:
        return stored.take([row for _, row in order]).reset_index(drop=True)
    both = pd.concat([evidence_frame("sources", own), stored], ignore_index=True)
    return both.take([n if is_own else len(own) + n for is_own, n in order]).reset_index(drop=True)


#: Annotated frames kept (see :func:`annotate`): the page's live frame, and a few past states.
ANNOTATED_ENTRIES: Final = 4
_annotated: FrameCache[pd.DataFrame] = FrameCache(ANNOTATED_ENTRIES)


def _fingerprint(evidence: Evidence) -> bytes:
    """A digest of what :func:`annotate` reads of ``evidence`` (equal evidence, equal digest)."""
    digest = hashlib.sha256()
    for part in (
        evidence.sources[["incident_id", "title", "url"]],
        evidence.examinations[["incident_id"]],
    ):
        rows = pd.util.hash_pandas_object(part.astype(object), index=False).to_numpy()
        digest.update(len(rows).to_bytes(8, "little") + rows.tobytes())
    return digest.digest()


def annotate(frame: pd.DataFrame, evidence: Evidence) -> pd.DataFrame:
    """``frame`` (incidents) with :data:`SOURCE_COUNT` (its own source, if any and not repeated by
    a stored one, plus the stored ones) and :data:`EXAMINED` (any examination of its debris).

    The page annotates the one shared frame of a store state on every run: the result for that
    frame object and equal evidence is kept and returned again (not recomputed: 20-100 ms at
    100,000 incidents), so it is the same object on every run, and a payload or filter kept by
    object identity holds. Like its input, the result is shared: never modify it in place."""
    return _annotated.get_or_make(
        frame, lambda: _annotate(frame, evidence), key=_fingerprint(evidence)
    )


def _annotate(frame: pd.DataFrame, evidence: Evidence) -> pd.DataFrame:
    """:func:`annotate`, computed (vectorised, over every incident)."""
    stored = evidence.sources
    counts = stored["incident_id"].value_counts()
    own = (frame["source_title"].notna() | frame["source_url"].notna()).astype(int)
    count = own.astype("Int64")
    has_stored = frame["incident_id"].isin(counts.index)
    if has_stored.any():  # few incidents have stored sources: only they are looked at again
        rows = frame.loc[has_stored, ["incident_id", "source_title", "source_url"]]
        titles = set(zip(stored["incident_id"], stored["title"], strict=True))
        urls = set(
            zip(stored["incident_id"][stored["url"].notna()], stored["url"].dropna(), strict=True)
        )
        repeated = [
            (i, t) in titles or (i, u) in urls
            for i, t, u in zip(
                rows["incident_id"], rows["source_title"], rows["source_url"], strict=True
            )
        ]
        count[has_stored] = (
            rows["incident_id"].map(counts).to_numpy()
            + (own[has_stored] & ~pd.Series(repeated, index=rows.index, dtype=bool)).to_numpy()
        )
    examined = frame["incident_id"].isin(set(evidence.examinations["incident_id"].dropna()))
    return frame.assign(source_count=count, examined=examined)
