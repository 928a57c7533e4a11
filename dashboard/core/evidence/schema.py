"""The three evidence record kinds, each declared once as :class:`~dashboard.core.schema.Column`
values (the incident format's style): validation, the store's tables and the views derive from them.

- a **source**: one of any number per incident, with what it says and a grade;
- an **examination** of recovered debris: who examined what (an incident, or a recovered missile
  with its own place and date), how many components, when they were made, findings, source;
- a **component origin**: for one examination, a country of company headquarters with the share
  and/or count the source gives (empty where it gives none) and a manufacturer only where named.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final, Literal

from dashboard.core.cells import NotFuture, OneOf, WebAddress, Within, parse_lower
from dashboard.core.i18n import N_
from dashboard.core.schema import DECLARED as SCHEMA_COLUMNS
from dashboard.core.schema import INTEGER, SMALLINT, Column

Kind = Literal["sources", "examinations", "component_origins"]

#: What a source says about an incident.
SAYS: Final[dict[str, str]] = {
    "attribution": N_("who made or fired the missile"),
    "casualties": N_("killed and injured"),
    "forensic": N_("what the debris shows"),
    "other": N_("anything else (context, reactions)"),
}
#: Confidence grades, as in the project's fact sheet.
GRADES: Final[dict[str, str]] = {
    "H": N_("an official UN record or several consistent sources"),
    "M": N_("one credible source or a news relay"),
    "L": N_("weak"),
}
#: The provisions that bear on where a DPRK missile's parts came from (from the fact sheet).
PROVISIONS: Final[tuple[tuple[str, str], ...]] = (
    (
        N_("UNSCR 1718 (2006) para 8"),
        N_(
            "states must prevent supply of major arms (incl. missiles and missile systems) to the "
            "DPRK, and prohibit procurement of such items from the DPRK by their nationals"
        ),
    ),
    (
        N_("UNSCR 1874 (2009) paras 9-10"),
        N_("the ban covers all arms and related materiel exported by the DPRK"),
    ),
    (
        N_("Export controls"),
        N_(
            "components made by companies headquartered in sanctioning states reached a DPRK "
            "missile: the export-control side of the same regime (diverted through distributors, "
            "the examiners say; no evidence the companies shipped to the DPRK)"
        ),
    ),
)
YEARS: Final[tuple[int, int]] = (1900, 2100)


def _grade(text: str) -> str:
    return text.upper()


GRADE = Column(
    "grade",
    "text",
    N_("Grade"),
    N_(
        "`H` an official UN record or several consistent sources, `M` one credible source or a "
        "news relay, `L` weak"
    ),
    required=True,
    length=1,
    parser=_grade,
    checks=(OneOf(tuple(GRADES)),),
)
_INCIDENT = Column(
    "incident_id",
    "text",
    N_("Incident"),
    N_("the `incident_id` of a stored incident"),
    required=True,
    length=200,
)
_EXAMINATION = Column(
    "examination_id",
    "text",
    N_("Examination"),
    N_("stable and unique, e.g. `CAR-KHA-20240220`"),
    required=True,
    length=100,
)

#: A source of an incident (any number per incident).
SOURCE_COLUMNS: Final[tuple[Column, ...]] = (
    _INCIDENT,
    Column("title", "text", N_("Title"), N_("the source's title, or who said it and where"), True),
    Column(
        "url", "text", N_("Link"), N_("the source's http(s) address"), checks=(WebAddress("url"),)
    ),
    Column("publisher", "text", N_("Publisher"), N_("who published it")),
    Column("published", "date", N_("Published"), N_("the source's date"), checks=(NotFuture(),)),
    Column(
        "says",
        "text",
        N_("What it says"),
        N_("`attribution`, `casualties`, `forensic` or `other`"),
        required=True,
        length=20,
        parser=parse_lower,
        checks=(OneOf(tuple(SAYS)),),
    ),
    GRADE,
)
#: An examination of recovered debris.
EXAMINATION_COLUMNS: Final[tuple[Column, ...]] = (
    _EXAMINATION,
    Column("examiner", "text", N_("Examiner"), N_("who examined (CAR, NAKO, the UN Panel…)"), True),
    Column(
        "published",
        "date",
        N_("Published"),
        N_("when the findings were published"),
        checks=(NotFuture(),),
    ),
    Column(
        "incident_id",
        "text",
        N_("Incident"),
        N_("the stored incident the debris comes from; empty for a recovered missile with a place"),
        length=200,
    ),
    Column(
        "place",
        "text",
        N_("Place"),
        N_("where a recovered missile was found (without an incident)"),
    ),
    Column(
        "event_date",
        "date",
        N_("Recovered"),
        N_("when it was shot down or recovered"),
        checks=(NotFuture(),),
    ),
    Column(
        "components",
        "integer",
        N_("Components"),
        N_("components examined, a whole number ≥ 0"),
        int_range=INTEGER,
    ),
    Column(
        "companies",
        "integer",
        N_("Companies"),
        N_("companies whose brands they bear"),
        int_range=INTEGER,
    ),
    Column(
        "made_from",
        "integer",
        N_("Made from"),
        N_("earliest year of manufacture"),
        int_range=SMALLINT,
        checks=(Within(*YEARS),),
    ),
    Column(
        "made_to",
        "integer",
        N_("Made to"),
        N_("latest year of manufacture"),
        int_range=SMALLINT,
        checks=(Within(*YEARS),),
    ),
    Column(
        "assembled_after",
        "date",
        N_("Assembled no earlier than"),
        N_("the earliest possible assembly date"),
    ),
    Column("findings", "text", N_("Findings"), N_("what the examiner found, in words"), True),
    Column("source_title", "text", N_("Source"), N_("the source's title"), True),
    replace(SCHEMA_COLUMNS["source_url"], table=None, on_map=False, preview=False),
    GRADE,
)
#: One country (and maybe one named maker) among an examination's components.
ORIGIN_COLUMNS: Final[tuple[Column, ...]] = (
    _EXAMINATION,
    Column("country", "text", N_("Country"), N_("country of the company's headquarters"), True),
    Column(
        "share",
        "float",
        N_("Share (%)"),
        N_("percent of the components examined; empty when the source gives none"),
        checks=(Within(0, 100),),
    ),
    Column(
        "count",
        "integer",
        N_("Components"),
        N_("how many components; empty when the source gives none"),
        int_range=INTEGER,
    ),
    Column(
        "manufacturer",
        "text",
        N_("Manufacturer"),
        N_("the company, only where the source names it"),
    ),
)
DECLARED: Final[dict[Kind, tuple[Column, ...]]] = {
    "sources": SOURCE_COLUMNS,
    "examinations": EXAMINATION_COLUMNS,
    "component_origins": ORIGIN_COLUMNS,
}


def columns(kind: Kind) -> list[str]:
    """The kind's column names, in template order."""
    return [c.name for c in DECLARED[kind]]
