"""The name an analyst types at a shared-password sign-in: recorded with every change they make.

A shared password proves no identity, so the name is taken on trust: it only tells colleagues who
made a change (and keeps one analyst from approving their own change by mistake).
"""

from __future__ import annotations

import unicodedata
from typing import Final

from dashboard.core.i18n import _, number

#: Longest name taken (it is shown in the sidebar, the history and every proposal).
NAME_LIMIT: Final[int] = 80


def clean_name(typed: str) -> str:
    """``typed`` with its runs of white space made one space and its ends trimmed."""
    return " ".join(typed.split())


def name_fault(typed: str) -> str | None:
    """Why ``typed`` cannot be an analyst's name (empty, too long, a control character), or
    ``None`` when :func:`clean_name` of it may be recorded."""
    name = clean_name(typed)
    if not name:
        return _("type your name: your changes are recorded under it")
    if len(name) > NAME_LIMIT:
        return _("a name is at most {limit} characters, not {length}").format(
            limit=number(NAME_LIMIT), length=number(len(name))
        )
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return _("a name cannot hold control or invisible format characters")
    return None
