"""Evidence beyond the incident row: its sources, debris examinations and component origins.

Three record kinds, each declared once as :class:`~dashboard.core.schema.Column` values (the
incident format's style), so validation, the store's tables and the views derive from them:

- a **source**: one of any number per incident, with what it says and a grade;
- an **examination** of recovered debris: who examined what (an incident, or a recovered missile
  with its own place and date), how many components, when they were made, findings, source;
- a **component origin**: for one examination, a country of company headquarters with the share
  and/or count the source gives (empty where it gives none) and a manufacturer only where named.

Validation reads a file of each kind with the incident import's reader (:mod:`.csvio`) and the
same cell parsers and checks (:mod:`.cells`), and returns the same
:class:`~dashboard.core.validate.ValidationResult`: every fault with line, column, value and reason.
Pure: the ids a file may refer to are passed in.
"""

from __future__ import annotations

import hashlib
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Final, Literal

import pandas as pd

from dashboard.core.cells import CellError, NotFuture, OneOf, WebAddress, Within, parse_lower
from dashboard.core.csvio import CsvFile, Limits, header_targets, parse_csv
from dashboard.core.errors import Code, Issue, clip
from dashboard.core.records import is_missing
from dashboard.core.schema import DECLARED as SCHEMA_COLUMNS
from dashboard.core.schema import INTEGER, MAX_TEXT_LENGTH, SMALLINT, Column, normalise_header
from dashboard.core.validate import RawTable, ValidationResult

Kind = Literal["sources", "examinations", "component_origins"]

#: What a source says about an incident.
SAYS: Final[dict[str, str]] = {
    "attribution": "who made or fired the missile",
    "casualties": "killed and injured",
    "forensic": "what the debris shows",
    "other": "anything else (context, reactions)",
}
#: Confidence grades, as in the project's fact sheet.
GRADES: Final[dict[str, str]] = {
    "H": "an official UN record or several consistent sources",
    "M": "one credible source or a news relay",
    "L": "weak",
}
#: The provisions that bear on where a DPRK missile's parts came from (from the fact sheet).
PROVISIONS: Final[tuple[tuple[str, str], ...]] = (
    (
        "UNSCR 1718 (2006) para 8",
        "states must prevent supply of major arms (incl. missiles and missile systems) to the "
        "DPRK, and prohibit procurement of such items from the DPRK by their nationals",
    ),
    (
        "UNSCR 1874 (2009) paras 9-10",
        "the ban covers all arms and related materiel exported by the DPRK",
    ),
    (
        "Export controls",
        "components made by companies headquartered in sanctioning states reached a DPRK "
        "missile: the export-control side of the same regime (diverted through distributors, "
        "the examiners say; no evidence the companies shipped to the DPRK)",
    ),
)
YEARS: Final[tuple[int, int]] = (1900, 2100)
#: Characters no store can keep: NUL and lone UTF-16 surrogates (as for incidents).
_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _grade(text: str) -> str:
    return text.upper()


def _one_of(values: Collection[str], column: str) -> OneOf:
    return OneOf(tuple(values), "invalid-choice", f"{column} must be one of: " + ", ".join(values))


GRADE = Column(
    "grade",
    "text",
    "Grade",
    "`H` an official UN record or several consistent sources, `M` one credible source or a "
    "news relay, `L` weak",
    required=True,
    length=1,
    parser=_grade,
    checks=(_one_of(GRADES, "grade"),),
)
_INCIDENT = Column(
    "incident_id",
    "text",
    "Incident",
    "the `incident_id` of a stored incident",
    required=True,
    length=200,
)
_EXAMINATION = Column(
    "examination_id",
    "text",
    "Examination",
    "stable and unique, e.g. `CAR-KHA-20240220`",
    required=True,
    length=100,
)

#: A source of an incident (any number per incident).
SOURCE_COLUMNS: Final[tuple[Column, ...]] = (
    _INCIDENT,
    Column("title", "text", "Title", "the source's title, or who said it and where", True),
    Column("url", "text", "Link", "the source's http(s) address", checks=(WebAddress("url"),)),
    Column("publisher", "text", "Publisher", "who published it"),
    Column("published", "date", "Published", "the source's date", checks=(NotFuture(),)),
    Column(
        "says",
        "text",
        "What it says",
        "`attribution`, `casualties`, `forensic` or `other`",
        required=True,
        length=20,
        parser=parse_lower,
        checks=(_one_of(SAYS, "says"),),
    ),
    GRADE,
)
#: An examination of recovered debris.
EXAMINATION_COLUMNS: Final[tuple[Column, ...]] = (
    _EXAMINATION,
    Column("examiner", "text", "Examiner", "who examined (CAR, NAKO, the UN Panel…)", True),
    Column(
        "published", "date", "Published", "when the findings were published", checks=(NotFuture(),)
    ),
    Column(
        "incident_id",
        "text",
        "Incident",
        "the stored incident the debris comes from; empty for a recovered missile with a place",
        length=200,
    ),
    Column("place", "text", "Place", "where a recovered missile was found (without an incident)"),
    Column(
        "event_date",
        "date",
        "Recovered",
        "when it was shot down or recovered",
        checks=(NotFuture(),),
    ),
    Column(
        "components",
        "integer",
        "Components",
        "components examined, a whole number ≥ 0",
        int_range=INTEGER,
    ),
    Column(
        "companies", "integer", "Companies", "companies whose brands they bear", int_range=INTEGER
    ),
    Column(
        "made_from",
        "integer",
        "Made from",
        "earliest year of manufacture",
        int_range=SMALLINT,
        checks=(Within(*YEARS),),
    ),
    Column(
        "made_to",
        "integer",
        "Made to",
        "latest year of manufacture",
        int_range=SMALLINT,
        checks=(Within(*YEARS),),
    ),
    Column(
        "assembled_after",
        "date",
        "Assembled no earlier than",
        "the earliest possible assembly date",
    ),
    Column("findings", "text", "Findings", "what the examiner found, in words", True),
    Column("source_title", "text", "Source", "the source's title", True),
    replace(SCHEMA_COLUMNS["source_url"], table=None, on_map=False, preview=False),
    GRADE,
)
#: One country (and maybe one named maker) among an examination's components.
ORIGIN_COLUMNS: Final[tuple[Column, ...]] = (
    _EXAMINATION,
    Column("country", "text", "Country", "country of the company's headquarters", True),
    Column(
        "share",
        "float",
        "Share (%)",
        "percent of the components examined; empty when the source gives none",
        checks=(Within(0, 100),),
    ),
    Column(
        "count",
        "integer",
        "Components",
        "how many components; empty when the source gives none",
        int_range=INTEGER,
    ),
    Column("manufacturer", "text", "Manufacturer", "the company, only where the source names it"),
)
DECLARED: Final[dict[Kind, tuple[Column, ...]]] = {
    "sources": SOURCE_COLUMNS,
    "examinations": EXAMINATION_COLUMNS,
    "component_origins": ORIGIN_COLUMNS,
}


def columns(kind: Kind) -> list[str]:
    """The kind's column names, in template order."""
    return [c.name for c in DECLARED[kind]]


def evidence_table(parsed: CsvFile, kind: Kind) -> RawTable:
    """A parsed file's columns as the kind's; unknown columns are warned about, missing required
    ones are errors of the header (the incident import's rules, for this kind's columns)."""
    known = set(columns(kind))
    targets, _, header_issues = header_targets(
        parsed,
        lambda raw: name if (name := normalise_header(raw)) in known else None,
        [c.name for c in DECLARED[kind] if c.required],
    )
    issues = [*parsed.issues, *header_issues]
    keep = [i for i, t in enumerate(targets) if t]
    rows = [[row[i] for i in keep] for row in parsed.rows]
    return RawTable([targets[i] for i in keep], rows, parsed.lines, parsed.faults, issues)


def check_cells(
    declared: Iterable[Column], cells: Mapping[str, str], line: int, today: date, max_cell: int
) -> tuple[dict[str, object], list[Issue]]:
    """One row's typed values and issues, column by column, with the declared parsers and checks."""
    out: dict[str, object] = {}
    issues: list[Issue] = []
    for column in declared:
        value = cells.get(column.name, "")
        text = value.strip()
        fault: tuple[str, str] | None = None
        parsed: object = None
        if len(value) > max_cell or (column.length is not None and len(text) > column.length):
            limit = max_cell if len(value) > max_cell else column.length
            fault = "too-long", f"value is {len(text):,} characters; at most {limit:,}"
        elif unstorable := _UNSTORABLE.search(value):
            fault = (
                "unstorable-character",
                f"cell holds U+{ord(unstorable[0]):04X}, which the store cannot keep: remove it",
            )
        elif not text:
            if column.required:
                fault = "required", "required value is missing"
        else:
            try:
                parsed = column.parse(text)
            except CellError as bad:
                fault = bad.code, bad.reason
            else:
                for check in column.checks:
                    if fault := check(parsed, today):
                        break
        if fault is not None:
            issues.append(Issue(line, column.name, clip(value), *fault))
            parsed = None
        out[column.name] = parsed
    return out, issues


def _cross_row(
    kind: Kind,
    row: dict[str, object],
    cells: Mapping[str, str],
    line: int,
    *,
    incident_ids: Collection[str],
    examination_ids: Collection[str],
) -> list[Issue]:
    """The rules across a row's columns and against the ids it may refer to."""
    issues: list[Issue] = []

    def unknown(column: str, what: str) -> None:
        issues.append(
            Issue(
                line,
                column,
                clip(cells.get(column, "")),
                Code.UNKNOWN_REFERENCE,
                f"no {what} has this {column}",
            )
        )

    incident = row.get("incident_id")
    if kind in ("sources", "examinations") and incident and incident not in incident_ids:
        unknown("incident_id", "stored incident")
    if kind == "component_origins":
        examination = row.get("examination_id")
        if examination and examination not in examination_ids:
            unknown("examination_id", "stored examination, nor any in this file,")
    if kind == "examinations":
        if not incident and not row.get("place") and not cells.get("incident_id", "").strip():
            issues.append(
                Issue(
                    line,
                    "place",
                    "",
                    Code.PLACE_REQUIRED,
                    "give the incident_id the debris comes from, or the place of the recovered"
                    " missile",
                )
            )
        low, high = row.get("made_from"), row.get("made_to")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            issues.append(
                Issue(
                    line,
                    "made_to",
                    clip(cells.get("made_to", "")),
                    Code.YEARS_REVERSED,
                    f"made_to ({high}) is before made_from ({low})",
                )
            )
    return issues


def validate_evidence(
    table: RawTable,
    kind: Kind,
    today: date,
    *,
    incident_ids: Collection[str] = (),
    examination_ids: Collection[str] = (),
    stored: Evidence | None = None,
    max_cell: int = MAX_TEXT_LENGTH,
) -> ValidationResult:
    """Check every row of an evidence file, collecting all faults (never raising).

    ``incident_ids`` are the stored incidents a source or examination may refer to;
    ``examination_ids`` the stored examinations (plus any stored with this file) a component
    origin may refer to. Within a file an examination_id is unique, a country and manufacturer
    appear once per examination. ``stored`` is the live evidence: a row whose :func:`identity`
    is live there updates that row (an ``updates-stored`` warning naming what changes), and one
    examination's shares, stored and in the file (a row replacing a stored one counted once),
    add up to at most 100%.
    """
    declared = DECLARED[kind]
    index = {c: i for i, c in enumerate(table.columns)}
    issues: list[Issue] = list(table.issues)
    valid: list[dict[str, object]] = []
    lines: list[int] = []
    rejected: list[dict[str, object]] = []
    first_line: dict[object, int] = {}
    live = {identity(kind, r): r for r in db_rows(kind, (stored or Evidence.empty()).of(kind))}
    shares = _stored_shares(stored) if kind == "component_origins" else {}
    replaced: set[object] = set()
    for values, line in zip(table.rows, table.lines, strict=True):
        cells = {c: values[i] if i < len(values) else "" for c, i in index.items()}
        if line in table.faults:
            row_issues = list(table.faults[line])
        else:
            row, row_issues = check_cells(declared, cells, line, today, max_cell)
            row_issues += _cross_row(
                kind,
                row,
                cells,
                line,
                incident_ids=incident_ids,
                examination_ids=examination_ids,
            )
            key = identity(kind, row)
            column = "examination_id" if kind != "sources" else "title"
            if key is not None and key in first_line:
                row_issues.append(
                    Issue(
                        line,
                        column,
                        clip(cells.get(column, "")),
                        Code.DUPLICATE_ID,
                        f"already given on line {first_line[key]}",
                    )
                )
            elif key is not None:
                first_line[key] = line
                if (old := live.get(key)) is not None and (change := _changes(old, row)):
                    row_issues.append(
                        Issue(
                            line,
                            column,
                            clip(cells.get(column, "")),
                            Code.UPDATES_STORED,
                            f"updates the stored {_NOUN[kind]}: {change}",
                        )
                    )
            if kind == "component_origins" and key is not None:
                exam = row["examination_id"]
                total = shares.get(exam, 0.0)
                if key in live and key not in replaced:  # this row takes the stored one's place
                    replaced.add(key)
                    total -= _share(live[key])
                share = row.get("share")
                if isinstance(share, float) and round(total + share, 6) > 100:
                    row_issues.append(
                        Issue(
                            line,
                            "share",
                            clip(cells.get("share", "")),
                            Code.SHARE_OVER_100,
                            f"shares of examination {exam!r} add up to {total + share:g}% with "
                            "this row (the stored ones included): at most 100%",
                        )
                    )
                elif isinstance(share, float):
                    total += share
                shares[exam] = total
        issues.extend(row_issues)
        if any(i.severity == "error" for i in row_issues):
            reasons = "; ".join(str(i) for i in row_issues if i.severity == "error")
            # A lone surrogate has no UTF-8 form: U+FFFD in the table (its issue quotes it).
            printable = {c: _SURROGATE.sub("\ufffd", v) for c, v in cells.items()}
            rejected.append({"line": line, **printable, "error": reasons})
        else:
            valid.append(row)
            lines.append(line)
    frame = evidence_frame(kind, valid)
    frame.insert(0, "line", pd.Series(lines, dtype="Int64", index=frame.index))
    return ValidationResult(
        valid=frame,
        issues=issues,
        rows_read=len(table.rows),
        rejected=pd.DataFrame(rejected, columns=["line", *index, "error"]),
    )


def read_evidence(
    data: bytes,
    kind: Kind,
    today: date,
    *,
    incident_ids: Collection[str] = (),
    examination_ids: Collection[str] = (),
    limits: Limits | None = None,
) -> ValidationResult:
    """Read (any encoding and delimiter the incident import reads) and validate an evidence file;
    the result holds the file's and its header's issues too."""
    limits = limits or Limits()
    return validate_evidence(
        evidence_table(parse_csv(data, limits), kind),
        kind,
        today,
        incident_ids=incident_ids,
        examination_ids=examination_ids,
        max_cell=limits.max_cell,
    )


#: What one row of a kind is called in a report.
_NOUN: Final[dict[Kind, str]] = {
    "sources": "source",
    "examinations": "examination",
    "component_origins": "component origin",
}


def _share(row: Mapping[str, object]) -> float:
    share = row.get("share")
    return float(share) if isinstance(share, int | float) else 0.0


def _stored_shares(stored: Evidence | None) -> dict[object, float]:
    """Each examination's total of stored shares."""
    totals: dict[object, float] = {}
    for row in db_rows("component_origins", (stored or Evidence.empty()).origins):
        totals[row["examination_id"]] = totals.get(row["examination_id"], 0.0) + _share(row)
    return totals


def _changes(old: Mapping[str, object], new: Mapping[str, object]) -> str:
    """What a row changes in the stored row it updates, column by column ("" for nothing)."""

    def shown(value: object) -> str:
        return (
            "empty"
            if value is None
            else repr(clip(value))
            if isinstance(value, str)
            else str(value)
        )

    return ", ".join(
        f"{column} {shown(old.get(column))} → {shown(new.get(column))}"
        for column in new
        if old.get(column) != new.get(column)
    )


def identity(kind: Kind, row: Mapping[str, object]) -> object:
    """What names one row of a kind, in a file and in the store: an examination's id; an
    origin's examination, country and maker; a source's incident, title and link. None when a
    part of it is missing. A row whose identity is live in the store updates that row."""
    if kind == "examinations":
        return row.get("examination_id")
    if kind == "component_origins":
        if row.get("examination_id") is None or row.get("country") is None:
            return None
        return (row["examination_id"], row["country"], row.get("manufacturer"))
    if row.get("incident_id") is None or row.get("title") is None:
        return None
    return (row["incident_id"], row["title"], row.get("url"))


def evidence_frame(kind: Kind, rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Typed frame of one evidence kind (nullable ints and floats, dates as ``datetime64``)."""
    declared = DECLARED[kind]
    frame = pd.DataFrame(list(rows), columns=[c.name for c in declared])
    for column in declared:
        series = frame[column.name]
        if column.kind == "date":
            frame[column.name] = pd.to_datetime(series, errors="raise").astype("datetime64[s]")
        elif column.kind == "integer":
            frame[column.name] = series.astype("Int64")
        elif column.kind == "float":
            frame[column.name] = series.astype("Float64")
        else:
            frame[column.name] = series.astype("string")
    return frame


def db_rows(kind: Kind, frame: pd.DataFrame) -> list[dict[str, object]]:
    """A typed frame's rows as plain values for the store (dates as :class:`date`, NA as None)."""
    out: list[dict[str, object]] = []
    for record in frame[columns(kind)].to_dict("records"):
        row: dict[str, object] = {}
        for column in DECLARED[kind]:
            value = record[column.name]
            if is_missing(value):
                row[column.name] = None
            elif column.kind == "date":
                row[column.name] = pd.Timestamp(value).date()
            elif column.kind == "integer":
                row[column.name] = int(value)
            elif column.kind == "float":
                row[column.name] = float(value)
            else:
                row[column.name] = str(value)
        out.append(row)
    return out


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
    stored = evidence.sources[evidence.sources["incident_id"] == incident["incident_id"]]
    stored = stored.sort_values("published", na_position="last")
    title, url = incident.get("source_title"), incident.get("source_url")
    title = None if is_missing(title) else str(title)
    url = None if is_missing(url) else str(url)
    repeated = (stored["title"] == title).any() or (
        url is not None and (stored["url"] == url).any()
    )
    if (title is None and url is None) or repeated:
        return stored.reset_index(drop=True)
    own = evidence_frame(
        "sources",
        [
            {
                "incident_id": incident["incident_id"],
                "title": title or url,
                "url": url,
                "publisher": None,
                "published": incident.get("source_date"),
                "says": None,
                "grade": None,
            }
        ],
    )
    return pd.concat([own, stored], ignore_index=True)


#: Annotated frames kept (see :func:`annotate`): the page's live frame, and a few past states.
ANNOTATED_ENTRIES: Final = 4
_annotated: OrderedDict[tuple[int, bytes], tuple[weakref.ref[pd.DataFrame], pd.DataFrame]] = (
    OrderedDict()
)
_annotated_lock = threading.Lock()


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
    key = (id(frame), _fingerprint(evidence))
    with _annotated_lock:
        hit = _annotated.get(key)
        if hit is not None and hit[0]() is frame:
            _annotated.move_to_end(key)
            return hit[1]
    result = _annotate(frame, evidence)

    def forget(_gone: object) -> None:  # the frame is gone: no one can ask for it again
        with _annotated_lock:
            _annotated.pop(key, None)

    with _annotated_lock:
        _annotated[key] = (weakref.ref(frame, forget), result)
        while len(_annotated) > ANNOTATED_ENTRIES:
            _annotated.popitem(last=False)
    return result


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


def parts_summary(evidence: Evidence) -> PartsSummary:
    """Summarise ``evidence`` (already restricted to the incidents in view)."""
    exams = evidence.examinations.sort_values(["published", "examination_id"], na_position="last")
    by_id = {str(e["examination_id"]): e for e in exams.to_dict("records")}
    origins = evidence.origins[evidence.origins["examination_id"].isin(list(by_id))]

    def figure(value: str, exam_id: str) -> Figure:
        exam = by_id[exam_id]
        return Figure(value, exam_id, _source(exam), str(exam["grade"]))

    components = [
        figure(
            (
                f"{int(e['components']):,} components"
                if not is_missing(e["components"])
                else "components"
            )
            + (
                f" from {int(e['companies']):,} companies" if not is_missing(e["companies"]) else ""
            ),
            exam_id,
        )
        for exam_id, e in by_id.items()
        if not (is_missing(e["components"]) and is_missing(e["companies"]))
    ]
    years = [
        figure(
            f"made {int(e['made_from'])}-{int(e['made_to'])}"
            + (
                ", assembled no earlier than "
                + pd.Timestamp(e["assembled_after"]).strftime("%B %Y")
                if not is_missing(e["assembled_after"])
                else ""
            ),
            exam_id,
        )
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
                    f"the other {left:.1f}% among {names}: the source gives no share for them",
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
