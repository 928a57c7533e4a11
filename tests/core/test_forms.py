"""The record forms' fields, what an analyst changed, and where a report's issues are shown."""

from __future__ import annotations

from dashboard.core.errors import Code, Issue
from dashboard.core.forms import FORM_COLUMNS, changed, issues_by_field
from dashboard.core.schema import TEMPLATE_COLUMNS


def test_the_incident_form_holds_every_template_field_in_order() -> None:
    assert tuple(c.name for c in FORM_COLUMNS["incidents"]) == TEMPLATE_COLUMNS


def test_changed_fields_ignore_outer_spaces_and_keep_the_form_s_order() -> None:
    before = {"location": "Kharkiv", "killed": "", "notes": "a"}
    typed = {"location": " Kharkiv ", "killed": "4", "notes": "b"}
    assert changed(before, typed) == ["killed", "notes"]
    assert changed(before, dict(before)) == []


def test_issues_go_to_the_field_they_name_and_the_rest_to_the_whole() -> None:
    bad = Issue(2, "killed", "-3", Code.INVALID_INTEGER)
    whole = Issue(2, "", "", Code.SOURCE_REQUIRED)
    assert issues_by_field((bad, whole)) == {"killed": [bad], "": [whole]}
