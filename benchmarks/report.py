"""The benchmark's one table: size, metric, project value, baseline value, ratio, target, result;
printed as text and written as markdown for the README."""

from __future__ import annotations

from dataclasses import dataclass

COLUMNS = ("size", "metric", "project", "baseline", "ratio", "target", "result")


@dataclass(frozen=True)
class Row:
    """One measured metric. ``limit`` is the most the ratio (or, without a baseline, the value)
    may be; None for a row that only informs."""

    size: int
    metric: str
    value: float
    unit: str
    baseline: float | None = None
    limit: float | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    @property
    def passed(self) -> bool | None:
        if self.limit is None:
            return None
        measured = self.ratio if self.baseline is not None else self.value
        return measured is not None and measured <= self.limit

    def cells(self) -> tuple[str, ...]:
        """The row as text, in :data:`COLUMNS` order."""
        ratio = self.ratio
        if self.limit is None:
            target = ""
        elif self.baseline is not None:
            target = f"≤ {self.limit:g}x"
        else:
            target = f"≤ {_amount(self.limit, self.unit)}"
        verdict = {True: "pass", False: "FAIL", None: "info"}[self.passed]
        return (
            f"{self.size:,}",
            self.metric,
            _amount(self.value, self.unit),
            "" if self.baseline is None else _amount(self.baseline, self.unit),
            "" if ratio is None else f"{ratio:.2f}x",
            target,
            verdict,
        )


def _amount(value: float, unit: str) -> str:
    if unit in ("s", "ms"):
        return f"{value:,.3f} s" if unit == "s" else f"{value:,.0f} ms"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "B":
        return f"{value:,.1f} B"
    return f"{value:,.2f} {unit}".strip()


def text_table(rows: list[Row]) -> str:
    """The rows aligned in columns, for the terminal."""
    lines = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def markdown_table(rows: list[Row]) -> str:
    """The rows as a GitHub markdown table."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines) + "\n"
