"""Data never becomes a template: Jinja syntax in any field renders as the literal text.

branca compiles each macro's output as a Jinja template again when the map is rendered, so a
payload in a marker's data ran on the server (issue 8, findings 1 and 2).
"""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest

from dashboard import settings
from dashboard.assets import served_urls
from dashboard.core.errors import ConfigError
from dashboard.core.evidence import Evidence, evidence_frame
from dashboard.core.maps import (
    base_map,
    data_layers,
    script_json,
    standalone_map,
    template_inert_html,
)
from dashboard.core.payload import encode_payload
from dashboard.core.records import incidents_frame
from dashboard.core.schema import TEXT_COLUMNS
from tests.core.test_briefing import make, shipped

ASSETS = served_urls("")
#: Each is plain text to a reader, and would do something (or fail to compile) as a template.
PAYLOADS = (
    "Kharkiv {{ 7*7 }}",
    "Report {# draft",
    "{% if true %}yes{% endif %}",
    "{{ self.__init__.__globals__ }}",
    "{{citation needed}}",
    "}} {{",
)


def hostile(payload: str) -> pd.DataFrame:
    """The shipped incidents with ``payload`` in every text column of the first row."""
    rows = shipped().to_dict("records")
    rows[0] = {**rows[0], **dict.fromkeys(TEXT_COLUMNS, payload)}
    return incidents_frame(rows)


def js_strings(page: str) -> set[str]:
    """Every JSON-compatible string literal in ``page``, as the browser's JS reads it."""
    found = set()
    for literal in re.findall(r'"(?:[^"\\\n]|\\.)*"', page):
        try:
            found.add(json.loads(literal))
        except json.JSONDecodeError:
            continue
    return found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_map_carries_template_syntax_as_text(payload: str) -> None:
    page = standalone_map(hostile(payload), ASSETS, tiles=None).get_root().render()
    assert payload in js_strings(page)
    assert "Kharkiv 49" not in page
    assert "yes" not in js_strings(page)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_briefing_carries_template_syntax_as_text(payload: str) -> None:
    page = make(hostile(payload))
    table = html.unescape(page[page.index('<div id="incidents">') :])
    assert payload in table
    # The map is an escaped document inside the page (iframe srcdoc).
    assert payload in js_strings(html.unescape(page))
    assert "Kharkiv 49" not in html.unescape(page)


def test_heat_layer_renders_beside_hostile_rows() -> None:
    page = standalone_map(hostile("{# x"), ASSETS, tiles=None, layer="heat").get_root().render()
    assert '"kind":"heat"' in page
    assert "{# x" in js_strings(page)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_served_payload_carries_template_syntax_as_text(payload: str) -> None:
    """The payload's files are never compiled: their strings are JSON that reads back exact."""
    files = encode_payload(hostile(payload)).files()
    main, *blocks = files.values()
    header = json.loads(main[4 : 4 + int.from_bytes(main[:4], "little")])
    assert payload in header["weapons"]
    assert payload in json.loads(blocks[0])[0]
    url = ASSETS.payload(next(iter(files)))
    fmap = base_map(ASSETS, tiles=None)
    for group in data_layers({"url": url}):
        group.add_to(fmap)
    assert url in js_strings(fmap.get_root().render())


def test_script_json_escapes_braces_only_inside_strings() -> None:
    value = {"a": ["{{x}}", {"b": "{#"}], "c": 1.5, "d": None, "e": "<&>\u2028"}
    text = script_json(value)
    for sequence in ("{{", "{%", "{#", "<", ">", "&", "\u2028"):
        assert sequence not in text
    assert json.loads(text) == value


def test_tile_credit_is_inert_html() -> None:
    assert template_inert_html("{{ 7*7 }} <b>x</b>") == "&#123;&#123; 7*7 &#125;&#125; <b>x</b>"
    fmap = base_map(ASSETS, tiles="https://t.example/{z}/{x}/{y}.png", attribution="{{ 7*7 }}")
    page = fmap.get_root().render()
    assert "&#123;&#123; 7*7 &#125;&#125;" in js_strings(page)
    assert "https://t.example/{z}/{x}/{y}.png" in js_strings(page)


def test_a_tile_url_with_template_syntax_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DASHBOARD_TILES", "https://t.example/{{ 7*7 }}/{z}/{x}/{y}.png")
    with pytest.raises(ConfigError, match="DASHBOARD_TILES"):
        settings.tiles()
    monkeypatch.setenv("DASHBOARD_TILES", "https://t.example/{z}/{x}/{y}.png")
    assert settings.tiles()[0] == "https://t.example/{z}/{x}/{y}.png"


def hostile_evidence(payload: str) -> Evidence:
    """Evidence of the first shipped incident with ``payload`` in every text it shows."""
    incident = str(shipped()["incident_id"].iloc[0])
    return Evidence(
        evidence_frame(
            "sources",
            [
                {
                    "incident_id": incident,
                    "title": payload,
                    "publisher": payload,
                    "says": "other",
                    "grade": "L",
                }
            ],
        ),
        evidence_frame(
            "examinations",
            [
                {
                    "examination_id": payload,
                    "examiner": payload,
                    "incident_id": incident,
                    "components": 3,
                    "findings": payload,
                    "source_title": payload,
                    "grade": "L",
                }
            ],
        ),
        evidence_frame(
            "component_origins",
            [
                {
                    "examination_id": payload,
                    "country": payload,
                    "share": 50.0,
                    "manufacturer": payload,
                }
            ],
        ),
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_briefing_evidence_carries_template_syntax_as_text(payload: str) -> None:
    page = make(shipped(), evidence=hostile_evidence(payload))
    section = html.unescape(page[page.index('<div id="evidence">') : page.index("<h2>UN Panel")])
    assert section.count(payload) >= 6  # source, publisher, examiner, country, maker, source
    assert "Kharkiv 49" not in section
