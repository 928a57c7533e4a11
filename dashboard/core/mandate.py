"""The UN 1718 Panel of Experts' mandate: its timeline as data, and its status on a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from dashboard.core import i18n
from dashboard.core.i18n import _, ngettext

#: Event kinds in ``mandate_events.csv``.
KINDS = (
    "resolution",
    "established",
    "renewal",
    "report",
    "veto",
    "expiry",
    "successor",
    "successor_report",
)


@dataclass(frozen=True)
class MandateStatus:
    """What the timeline says on ``today``."""

    active: bool
    mandate_end: date
    days_since_expiry: int
    veto: date | None
    successor: str | None
    successor_since: date | None
    latest_successor_report: str | None
    latest_successor_report_date: date | None

    def facts(self) -> list[str]:
        """What followed the mandate, as plain sentences in the language in force (escape them
        for the medium)."""
        sentences = []
        if self.veto:
            sentences.append(_("Renewal vetoed on {day}.").format(day=_day_text(self.veto)))
        if self.successor and self.successor_since:
            sentences.append(
                _("Monitoring since: {successor}, launched {day} (not a UN body).").format(
                    successor=self.successor, day=_day_text(self.successor_since)
                )
            )
        if self.latest_successor_report and self.latest_successor_report_date:
            sentences.append(
                _("Latest report ({day}): {report}").format(
                    day=_day_text(self.latest_successor_report_date),
                    report=self.latest_successor_report,
                )
            )
        return sentences

    @property
    def headline(self) -> str:
        """The status in a line: "Active until …", or "Expired … · N days without a UN panel"."""
        if self.active:
            return _("Active until {day}").format(day=_day_text(self.mandate_end))
        days = self.days_since_expiry
        return ngettext(
            "Expired {day} · {n} day without a UN panel",
            "Expired {day} · {n} days without a UN panel",
            days,
        ).format(day=_day_text(self.mandate_end), n=i18n.number(days))


def _day_text(value: date) -> str:
    """A day as the mandate's sentences write it: ISO in English (as the sources' dates are
    shown), in words in another language ("30 квітня 2024")."""
    return value.isoformat() if i18n.language() == i18n.DEFAULT else i18n.day(value)


def load_events(path: Path) -> pd.DataFrame:
    """Read the timeline; ``date`` may be partial (``2015``, ``2023-03``), ``sort_date`` is not.

    ``event`` is the project's summary in English, ``event_uk`` the same in Ukrainian (see
    :func:`event_texts`); a file without ``event_uk`` reads as English only."""
    events = pd.read_csv(path, dtype=str, keep_default_na=False)
    unknown = set(events["kind"]) - set(KINDS)
    if unknown:
        raise ValueError(f"{path}: unknown event kind(s) {sorted(unknown)!r}")
    if "event_uk" not in events:
        events["event_uk"] = ""
    events["sort_date"] = [_first_day(d) for d in events["date"]]
    return events.sort_values("sort_date", kind="stable").reset_index(drop=True)


#: The column holding the events' summaries in each language other than English.
_EVENT_COLUMNS: dict[str, str] = {"uk": "event_uk"}


def event_texts(events: pd.DataFrame) -> pd.Series:
    """Each event's summary in the language in force: the project's own words (the sources
    are linked beside them), English where a row has none in that language."""
    column = _EVENT_COLUMNS.get(i18n.language())
    if column is None or column not in events:
        return events["event"]
    own = events[column]
    return own.where(own != "", events["event"])


def _first_day(partial: str) -> date:
    parts = [int(p) for p in partial.split("-")]
    while len(parts) < 3:
        parts.append(1)
    return date(*parts)


def status(events: pd.DataFrame, today: date) -> MandateStatus:
    """The mandate's status on ``today``, computed from the timeline (never typed in code).

    Only events dated on or before ``today`` count, so a past day gives that day's status.
    """
    events = events[events["sort_date"] <= today]
    renewals = events[events["mandate_until"] != ""]
    if renewals.empty:
        raise ValueError("the timeline has no event with a mandate_until date")
    mandate_end = max(date.fromisoformat(d) for d in renewals["mandate_until"])
    latest_renewal = renewals["sort_date"].max()
    vetoes = events[(events["kind"] == "veto") & (events["sort_date"] > latest_renewal)]
    successors = events[events["kind"] == "successor"]
    reports = events[events["kind"] == "successor_report"]
    successor = successors.iloc[-1] if not successors.empty else None
    report = reports.iloc[-1] if not reports.empty else None
    active = today <= mandate_end
    return MandateStatus(
        active=active,
        mandate_end=mandate_end,
        days_since_expiry=0 if active else (today - mandate_end).days,
        veto=vetoes["sort_date"].iloc[-1] if not vetoes.empty else None,
        successor=_successor_name(successor["event"]) if successor is not None else None,
        successor_since=successor["sort_date"] if successor is not None else None,
        latest_successor_report=(event_texts(reports).iloc[-1] if report is not None else None),
        latest_successor_report_date=report["sort_date"] if report is not None else None,
    )


def _successor_name(event: str) -> str:
    """The successor's name: the event text before "launched"."""
    return event.split(" launched", 1)[0].strip()


def marker_dates(events: pd.DataFrame) -> pd.DataFrame:
    """The veto and the expiry, for marking on charts: columns ``date`` and ``label``."""
    marks = events[events["kind"].isin(["veto", "expiry"])]
    labels = marks["kind"].map({"veto": _("Renewal vetoed"), "expiry": _("Panel mandate expires")})
    return pd.DataFrame({"date": pd.to_datetime(marks["sort_date"]), "label": labels.to_numpy()})
