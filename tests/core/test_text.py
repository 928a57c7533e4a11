"""One escaping function per output kind, and counts that may be unknown, in the language in
force."""

from __future__ import annotations

import pytest

from dashboard.core.i18n import use
from dashboard.core.text import count_text, html_page, html_text, neutralise, terminal_text


def test_data_passed_to_a_template_is_escaped_text_never_template_source() -> None:
    page = html_page('<p title="{{ value }}">{{ value }}</p>')
    value = '{{ 7*7 }} <b>"it\'s"</b> {% if true %}x{% endif %}'
    escaped = html_text(value)
    assert page.render(value=value) == f'<p title="{escaped}">{escaped}</p>'
    assert "49" not in page.render(value=value)
    assert escaped == (
        "{{ 7*7 }} &lt;b&gt;&quot;it&#x27;s&quot;&lt;/b&gt; {% if true %}x{% endif %}"
    )


def test_a_template_refuses_a_variable_it_was_not_given() -> None:
    with pytest.raises(Exception, match="value"):
        html_page("{{ value }}").render()


def test_each_output_kind_has_its_escape() -> None:
    assert neutralise("=SUM(A1)") == "'=SUM(A1)"
    assert neutralise(-1) == -1
    assert terminal_text("a\x1b[2Jb\nc") == "a\\x1b[2Jb\\x0ac"
    assert terminal_text("a\nb", lines=True) == "a\nb"


@pytest.mark.parametrize(
    ("lang", "known", "unknown"),
    [("en", "1,234", "not reported"), ("uk", "1\xa0234", "не повідомлено")],
)
def test_a_count_in_the_locales_form_and_unknown_in_words(
    lang: str, known: str, unknown: str
) -> None:
    with use(lang):
        assert count_text(1234) == known
        assert count_text(None) == unknown
        assert count_text(0) == "0"
