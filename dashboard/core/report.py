"""The report of one file read and checked: what it holds, what is wrong, and may it be imported.

One :class:`Report` serves every front end: the Upload page and the command line print its
:meth:`~Report.summary`, show its :attr:`~Report.counts` and :meth:`~Report.issues_frame`, and
ask :meth:`~Report.importable`, the same question the import itself asks before storing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

import pandas as pd

from dashboard.core.errors import Issue
from dashboard.core.evidence import Kind
from dashboard.core.i18n import N_, _, ngettext, number
from dashboard.core.mapping import ACLED, IDENTITY, ColumnMapping
from dashboard.core.sheets import WORKBOOK
from dashboard.core.weapons import dprk_origin

#: How the summary names each :attr:`Report.source_format` ("read as incidents, …").
FORMAT_NAMES: dict[str, str] = {
    "incidents": N_("incidents"),
    "acled": N_("ACLED export"),
    "mapped": N_("mapped columns"),
    "sources": N_("sources"),
    "examinations": N_("examinations"),
    "component_origins": N_("component origins"),
}

#: Columns of :meth:`Report.issues_frame`, in order.
ISSUE_COLUMNS = ("line", "column", "value", "reason", "code", "severity", "meaning")


@dataclass(frozen=True)
class Counts:
    """How many rows were read, passed and failed, and how many issues of each severity."""

    rows_read: int
    valid: int
    invalid: int
    errors: int
    warnings: int


@dataclass(frozen=True, eq=False)
class Report:
    """A file read and validated, nothing stored: every issue, the valid and the rejected rows.

    ``header`` is the file's header as written (empty when the file was refused before it);
    ``header_line`` its line in the file. ``valid`` holds the typed rows that passed (with their
    ``line``), ``rejected`` the raw rows that failed, with their ``line`` and an ``error`` column.
    """

    filename: str
    sha256: str
    mapping: ColumnMapping
    header: tuple[str, ...]
    header_line: int
    encoding: str
    delimiter: str
    issues: tuple[Issue, ...]
    valid: pd.DataFrame
    rejected: pd.DataFrame
    rows_read: int

    @property
    def errors(self) -> list[Issue]:
        """The issues that reject a row or the file."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """The issues reported but not rejecting anything."""
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def file_errors(self) -> list[Issue]:
        """Errors of the file as a whole or of its header: no row of it can be stored."""
        return [i for i in self.errors if i.line <= self.header_line]

    @property
    def source_format(self) -> str:
        """ "incidents", "acled", "mapped" for a user's column mapping, or the evidence kind
        (sources, examinations, component_origins) an evidence file holds."""
        if self.mapping in (IDENTITY, ACLED) or self.mapping.name in get_args(Kind):
            return self.mapping.name
        return "mapped"

    @property
    def counts(self) -> Counts:
        """Rows read, valid and invalid; errors and warnings."""
        return Counts(
            rows_read=self.rows_read,
            valid=len(self.valid),
            invalid=len(self.rejected),
            errors=len(self.errors),
            warnings=len(self.warnings),
        )

    @property
    def context_rows(self) -> int:
        """How many valid incident rows are not DPRK-origin (an ACLED export's strikes, say):
        context, never counted in the DPRK figures (0 for an evidence file)."""
        if self.valid.empty or not {"weapon", "weapon_origin"} <= set(self.valid.columns):
            return 0
        return int((~dprk_origin(self.valid).to_numpy(dtype=bool)).sum())

    def context_note(self) -> str | None:
        """What importing the file's context rows does (None when it has none): they are
        stored, but the monitor counts them in no figure and draws them only with its context
        layer. Said before the import (in :meth:`summary`) and after it."""
        n = self.context_rows
        if not n:
            return None
        return ngettext(
            "{n} valid row is context (not DPRK-origin): stored, it is counted in no DPRK "
            "figure and shows on the map only with “Show context incidents”.",
            "{n} valid rows are context (not DPRK-origin): stored, they are counted in no "
            "DPRK figure and show on the map only with “Show context incidents”.",
            n,
        ).format(n=number(n))

    def refusal(self, valid_only: bool = False) -> str | None:
        """Why the file cannot be imported as asked, or None when it can.

        A fault of the file or its header refuses it whatever is asked, and so does a file with
        no valid row; row errors refuse it unless ``valid_only`` asks for the valid rows alone.
        """
        if self.file_errors:
            n = len(self.file_errors)
            return ngettext(
                "the file or its header has {n} error, so no row of it can be imported",
                "the file or its header has {n} errors, so no row of it can be imported",
                n,
            ).format(n=number(n))
        if self.valid.empty:
            return _("no row is valid")
        if self.errors and not valid_only:
            n = len(self.rejected)
            return ngettext(
                "{n} row has errors, and a file is imported whole unless only its valid rows are"
                " asked for",
                "{n} rows have errors, and a file is imported whole unless only its valid rows are"
                " asked for",
                n,
            ).format(n=number(n))
        return None

    def importable(self, valid_only: bool = False) -> bool:
        """May the file be imported (with ``valid_only``: its valid rows alone)? The one rule."""
        return self.refusal(valid_only) is None

    def file_problems(self) -> list[str]:
        """What stops the file as a whole, one message each (a missing column once per column)."""
        return list(dict.fromkeys(i.message for i in self.file_errors))

    def summary(self) -> list[str]:
        """The report's head, one line per entry, for every front end to show as text.

        Lines quote the file name and header as they are: a front end escapes what it must.
        """
        counts = self.counts
        if self.importable():
            verdict = ngettext(
                "can be imported: {n} valid row", "can be imported: {n} valid rows", counts.valid
            ).format(n=number(counts.valid))
        elif self.importable(valid_only=True):
            verdict = ngettext(
                "{invalid} row has errors: only the valid rows ({valid}) can be imported, when"
                " asked for alone",
                "{invalid} rows have errors: only the valid rows ({valid}) can be imported, when"
                " asked for alone",
                counts.invalid,
            ).format(invalid=number(counts.invalid), valid=number(counts.valid))
        else:
            verdict = _("cannot be imported: {reason}").format(reason=self.refusal())
        how = (
            _("from an .xlsx workbook")
            if self.encoding == WORKBOOK
            else _("encoding {encoding}, delimiter {delimiter}").format(
                encoding=self.encoding or "?", delimiter=repr(self.delimiter)
            )
        )
        return [
            _("file: {name} (sha256 {sha256})").format(name=self.filename, sha256=self.sha256),
            _("read as {format}, {how}").format(
                format=_(FORMAT_NAMES.get(self.source_format, self.source_format)), how=how
            ),
            _("rows read {read}, valid {valid}, invalid {invalid}, warnings {warnings}").format(
                read=number(counts.rows_read),
                valid=number(counts.valid),
                invalid=number(counts.invalid),
                warnings=number(counts.warnings),
            ),
            verdict,
            *filter(None, [self.context_note()]),
        ]

    def issues_frame(self) -> pd.DataFrame:
        """Every issue as a table an analyst can read and download; the value is quoted."""
        return pd.DataFrame(
            [
                (
                    i.line,
                    i.column,
                    repr(i.value),
                    i.message,
                    i.code.value,
                    i.severity,
                    _(i.code.description),
                )
                for i in self.issues
            ],
            columns=list(ISSUE_COLUMNS),
        )
