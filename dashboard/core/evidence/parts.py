"""Where the parts of the examined missiles in view came from: each figure with its source."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dashboard.core.evidence.container import Evidence
from dashboard.core.i18n import _, month, ngettext, number
from dashboard.core.records import is_missing


@dataclass(frozen=True)
class Figure:
    """One number and the examination (examiner, source, grade) it comes from."""

    value: str
    examination_id: str
    source: str
    grade: str


@dataclass(frozen=True)
class PartsSummary:
    """Where the parts of the examined missiles in view came from, each figure with its source."""

    examinations: pd.DataFrame
    #: Components examined, per examination that gives a count.
    components: list[Figure]
    #: Country shares: examination_id, examiner, country, share, count, source, grade.
    shares: pd.DataFrame
    #: What the sources leave without a share: one sentence per examination.
    unshared: list[Figure]
    #: Named makers: manufacturer, country, examination_id, source, grade.
    manufacturers: pd.DataFrame
    #: Manufacture years per examination that gives them.
    years: list[Figure]

    @property
    def empty(self) -> bool:
        return self.examinations.empty


def _source(exam: Mapping[Hashable, object]) -> str:
    return f"{exam['examiner']}, {exam['source_title']}"


def _components(exam: Mapping[Hashable, Any]) -> str:
    """How many components one examination looked at, and from how many companies."""
    components, companies = exam["components"], exam["companies"]
    if is_missing(companies):
        n = int(components)
        return ngettext("{n} component", "{n} components", n).format(n=number(n))
    m = int(companies)
    if is_missing(components):
        return ngettext("components from {m} company", "components from {m} companies", m).format(
            m=number(m)
        )
    n = int(components)
    return ngettext(
        "{n} component from {m} companies", "{n} components from {m} companies", n
    ).format(n=number(n), m=number(m))


def _years(exam: Mapping[Hashable, Any]) -> str:
    """When one examination's components were made, and the earliest the missile was assembled."""
    low, high = str(int(exam["made_from"])), str(int(exam["made_to"]))
    if is_missing(exam["assembled_after"]):
        return _("made {low}-{high}").format(low=low, high=high)
    assembled = pd.Timestamp(exam["assembled_after"]).date()
    return _("made {low}-{high}, assembled no earlier than {month}").format(
        low=low, high=high, month=month(assembled)
    )


def parts_summary(evidence: Evidence) -> PartsSummary:
    """Summarise ``evidence`` (already restricted to the incidents in view)."""
    exams = evidence.examinations.sort_values(["published", "examination_id"], na_position="last")
    by_id = {str(e["examination_id"]): e for e in exams.to_dict("records")}
    origins = evidence.origins[evidence.origins["examination_id"].isin(list(by_id))]

    def figure(value: str, exam_id: str) -> Figure:
        exam = by_id[exam_id]
        return Figure(value, exam_id, _source(exam), str(exam["grade"]))

    components = [
        figure(_components(e), exam_id)
        for exam_id, e in by_id.items()
        if not (is_missing(e["components"]) and is_missing(e["companies"]))
    ]
    years = [
        figure(_years(e), exam_id)
        for exam_id, e in by_id.items()
        if not is_missing(e["made_from"]) and not is_missing(e["made_to"])
    ]
    rows = []
    unshared = []
    for exam_id, group in origins.groupby("examination_id", sort=False):
        exam = by_id[str(exam_id)]
        with_share = group[group["share"].notna()]
        for origin in with_share.to_dict("records"):
            rows.append(
                {
                    "examination_id": exam_id,
                    "examiner": exam["examiner"],
                    "country": origin["country"],
                    "share": float(origin["share"]),
                    "source": _source(exam),
                    "grade": exam["grade"],
                }
            )
        rest = group[group["share"].isna() & group["manufacturer"].isna()]
        if not with_share.empty and not rest.empty:
            left = 100 - float(with_share["share"].sum())
            names = ", ".join(sorted(set(rest["country"].astype(str))))
            unshared.append(
                figure(
                    _(
                        "the other {share}% among {countries}: the source gives no share for them"
                    ).format(share=number(left, places=1), countries=names),
                    str(exam_id),
                )
            )
    makers = origins[origins["manufacturer"].notna()]
    manufacturers = pd.DataFrame(
        {
            "manufacturer": makers["manufacturer"].astype(str),
            "country": makers["country"].astype(str),
            "examination_id": makers["examination_id"].astype(str),
            "source": [_source(by_id[str(i)]) for i in makers["examination_id"]],
            "grade": [str(by_id[str(i)]["grade"]) for i in makers["examination_id"]],
        }
    )
    return PartsSummary(
        examinations=exams.reset_index(drop=True),
        components=components,
        shares=pd.DataFrame(
            rows, columns=["examination_id", "examiner", "country", "share", "source", "grade"]
        ),
        unshared=unshared,
        manufacturers=manufacturers.reset_index(drop=True),
        years=years,
    )
