"""The record forms (edit, new incident, add a source or an examination): which fields they hold,
what an analyst changed, and where a report's issues go.

A form holds text, as a file's cells do: what it submits is read and checked by the upload's one
engine (see the README's "Corrections and review"), never by a second validator here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from dashboard.core.errors import Issue
from dashboard.core.evidence.schema import EXAMINATION_COLUMNS, SOURCE_COLUMNS
from dashboard.core.schema import TEMPLATE, Column

FormKind = Literal["incidents", "sources", "examinations"]

#: Each form's fields, in the template's order (the file's column names are the fields' names).
FORM_COLUMNS: Final[dict[FormKind, tuple[Column, ...]]] = {
    "incidents": TEMPLATE,
    "sources": SOURCE_COLUMNS,
    "examinations": EXAMINATION_COLUMNS,
}
#: Fields shown as a multi-line box: free text that runs long.
LONG_TEXT: Final[frozenset[str]] = frozenset({"notes", "findings", "sanctions_provisions"})


def changed(before: Mapping[str, str], typed: Mapping[str, str]) -> list[str]:
    """The fields whose typed text differs from ``before``'s (outer spaces aside), in order."""
    return [name for name, text in typed.items() if text.strip() != before.get(name, "").strip()]


def issues_by_field(issues: tuple[Issue, ...] | list[Issue]) -> dict[str, list[Issue]]:
    """A report's issues under the field each names ("" for the file's or the row's as a whole)."""
    placed: dict[str, list[Issue]] = {}
    for issue in issues:
        placed.setdefault(issue.column, []).append(issue)
    return placed
