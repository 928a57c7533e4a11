"""Every error and issue type of the dashboard, in one place.

Validation never raises: checks return :class:`Issue` records (errors are data). Exceptions are
for what stops an operation as a whole: a rejected file, an unreachable store, bad usage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
#: Longest offending value quoted in a report.
QUOTE_LIMIT = 200


def clip(value: str) -> str:
    """A value short enough to quote in a report (a 5 MB cell is cut, and says so)."""
    return value if len(value) <= QUOTE_LIMIT else value[:QUOTE_LIMIT] + "…"


@dataclass(frozen=True, slots=True)
class Issue:
    """One fault found in an input file.

    ``line`` is the 1-based physical line where the record starts in the file (the header is
    line 1), or 0 for faults of the file as a whole; ``column`` is the canonical column name, or
    "" when the fault is not about one column.
    """

    line: int
    column: str
    value: str
    code: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message} (value {self.value!r}) [{self.code}]"


class DashboardError(Exception):
    """Base class of the dashboard's own exceptions."""


class ImportRejectedError(DashboardError):
    """A file was rejected: nothing was stored. ``issues`` says why."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        errors = sum(1 for i in issues if i.severity == "error")
        super().__init__(f"file rejected with {errors} error(s); nothing was stored")


class StoreUnavailableError(DashboardError):
    """The database could not be reached or opened."""


class RevertRefusedError(DashboardError):
    """A batch cannot be reverted (unknown, already reverted, changed nothing, or overtaken)."""


class ConfigError(DashboardError):
    """A setting from the environment has a value the dashboard cannot use."""
