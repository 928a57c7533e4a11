"""The monitoring page under Streamlit's AppTest, on a real seeded store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from babel import Locale
from babel.numbers import format_decimal
from streamlit.testing.v1 import AppTest

from dashboard import PACKAGE_DIR
from dashboard.core.mapping import ACLED_COLUMNS
from dashboard.imports import commit, open_store, prepare
from dashboard.store import BatchMeta
from tests.helpers import KHARKIV, csv_bytes, view_key, whole_page
from tests.test_acled import ACLED_ROW

APP = str(PACKAGE_DIR / "app.py")


@pytest.fixture
def store_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The app's store: a fresh SQLite file (seeded when the app first opens it)."""
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    return url


def link(**params: str) -> AppTest:
    """The app opened at a link with these parameters: a new session, as a pasted link opens.
    (A running session reads its URL again only on the browser's back or forward.)"""
    app = AppTest.from_file(APP, default_timeout=60)
    for name, value in params.items():
        app.query_params[name] = value
    whole_page(app)
    assert not app.exception
    return app


@pytest.fixture
def at(store_url: str) -> AppTest:
    return link()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def notice(at: AppTest) -> list[str]:
    """The empty-view notices, as plain text (markdown escapes undone)."""
    shown = [*at.warning, *at.info]
    return [
        n.value.replace("\\", "")
        for n in shown
        if "is after" in n.value or "No incident" in n.value
    ]


def incident_table(at: AppTest) -> pd.DataFrame:
    (table,) = [d.value for d in at.dataframe if "incident_id" in d.value.columns]
    return table


def test_page_shows_figures_and_mandate_status(at: AppTest) -> None:
    days = (date.today() - date(2024, 4, 30)).days
    assert metrics(at) == {
        "Incidents in view": "8",
        "Confirmed": "1",
        "Killed · injured": "21 · 160",
        "UN Panel of Experts": "Expired",
        "Since expiry": "3",
    }
    assert f"Expired 2024-04-30 · {days:,} days without a UN panel" in [c.value for c in at.caption]
    assert any(c.value.endswith("Killed · injured: at least.") for c in at.caption)
    panel = " ".join(m.value for m in at.markdown)
    assert "Multilateral Sanctions Monitoring Team \\(MSMT\\)" in panel
    assert "2024\\-10\\-16" in panel


def test_a_first_look_draws_the_figures_and_the_map_then_the_whole_page(store_url: str) -> None:
    """A session's first run draws the title, the figures and the map, no more (the map starts
    loading while the browser has little else to draw); the run the map's first report causes
    (here a second run: AppTest has no map to report) draws the rest."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert metrics(at)["Incidents in view"] == "8"
    assert at.get("component_instance")  # the map
    assert not at.dataframe  # no table
    assert not at.get("vega_lite_chart")  # no timeline
    assert not at.sidebar.text_input  # no filters
    mandate = "Multilateral Sanctions Monitoring Team \\(MSMT\\)"
    assert mandate not in " ".join(m.value for m in at.markdown)
    at.run()
    assert len(incident_table(at)) == 8
    assert at.get("vega_lite_chart")
    assert at.sidebar.text_input(key=view_key(at, "q"))
    assert mandate in " ".join(m.value for m in at.markdown)


def test_filters_drive_every_figure(at: AppTest) -> None:
    at.multiselect(key=view_key(at, "status")).select("confirmed").run()
    assert not at.exception
    assert metrics(at)["Incidents in view"] == "1"
    assert metrics(at)["Killed · injured"] == "3 · 64"
    assert metrics(at)["Since expiry"] == "0"
    assert list(incident_table(at)["incident_id"]) == ["UA-KHA-20240102"]


def test_text_search_and_no_match(at: AppTest) -> None:
    assert at.get("vega_lite_chart")  # the timeline, while incidents are in view
    assert at.get("download_button")  # briefing, CSV, GeoJSON of what is in view
    assert not notice(at)
    at.text_input(key=view_key(at, "q")).input("Brovary").run()
    assert metrics(at)["Incidents in view"] == "1"
    at.text_input(key=view_key(at, "q")).input("no such place").run()
    assert not at.exception
    assert metrics(at)["Incidents in view"] == "0"
    assert notice(at) == [
        "No incident matches these filters. Loosen or clear a filter to see incidents."
    ]
    assert not [d for d in at.dataframe if "incident_id" in d.value.columns]  # no empty table
    assert not at.get("vega_lite_chart")  # no chart of nothing
    assert "Select an incident" not in " ".join(i.value for i in at.info)
    assert not at.get("download_button")  # no briefing of nothing


def test_search_box_folds_case_punctuation_and_script(at: AppTest) -> None:
    at.text_input(key=view_key(at, "q")).input("kn23").run()
    assert not at.exception
    assert metrics(at)["Incidents in view"] == "6"
    assert "UA-KYI-20250424" in set(incident_table(at)["incident_id"])
    at.text_input(key=view_key(at, "q")).input(KHARKIV).run()
    assert not at.exception
    assert set(incident_table(at)["incident_id"]) == {
        "UA-KHA-20240102",
        "UA-KHA-20240106",
        "UA-KHA-20240207",
    }
    assert at.query_params["q"] == KHARKIV  # the link keeps what was typed


def test_from_after_to_says_so(store_url: str) -> None:
    at = link(**{"from": "2024-05-01", "to": "2024-01-01"})
    assert metrics(at)["Incidents in view"] == "0"
    (warning,) = notice(at)
    assert warning.startswith("'From' (2024-05-01) is after 'To' (2024-01-01)")
    assert not [d for d in at.dataframe if "incident_id" in d.value.columns]
    assert not at.get("download_button")
    assert "Nothing to download: no incident is in this view." in [c.value for c in at.caption]
    # The timeline stays (every bar faint, no brush) with its way back: "All dates".
    assert at.get("vega_lite_chart")
    at.button(key="all_dates").click().run()
    assert not at.exception
    assert metrics(at)["Incidents in view"] == "8"
    assert not notice(at)
    assert "from" not in at.query_params


def test_the_month_slider_sets_the_dates_and_the_link(at: AppTest) -> None:
    (slider,) = [s for s in at.select_slider if s.key == view_key(at, "months")]
    assert slider.value == (date(2023, 12, 1), date(2025, 4, 1))
    slider.set_range(date(2024, 1, 1), date(2024, 2, 1)).run()
    assert not at.exception
    assert (at.query_params["from"], at.query_params["to"]) == ("2024-01-01", "2024-02-29")
    assert metrics(at)["Incidents in view"] == "4"
    assert at.text_input(key=view_key(at, "from")).value == "2024-01-01"  # the sidebar follows
    at.button(key="all_dates").click().run()
    assert "from" not in at.query_params
    assert metrics(at)["Incidents in view"] == "8"


def test_dates_from_a_link_show_on_the_slider(store_url: str) -> None:
    at = link(**{"from": "2024-08-01"})
    (slider,) = [s for s in at.select_slider if s.key == view_key(at, "months")]
    assert slider.value == (date(2024, 8, 1), date(2025, 4, 1))
    assert metrics(at)["Incidents in view"] == "3"


def test_selected_incident_shows_its_record(store_url: str) -> None:
    at = link(incident="UA-KHA-20240102")
    record = " ".join(m.value for m in at.markdown)
    assert "Hwasong\\-11 series \\(KN\\-23/KN\\-24\\)" in record
    assert "UN Panel of Experts" in record
    assert (
        "https://kyivindependent.com/un-says-north-korean-missiles-struck-kharkiv-in-january"
        in record
    )


def test_unreachable_store_shows_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DASHBOARD_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    (error,) = at.error
    assert "cannot be reached right now" in error.value
    assert "127.0.0.1" not in error.value  # the database's address stays in the server log
    assert not at.metric


def test_record_shows_the_incident_history(store_url: str) -> None:
    store = open_store()
    record = store.records(["UA-KHA-20240106"])["UA-KHA-20240106"]
    store.apply_batch([{**record, "killed": 2}], BatchMeta("fix.csv", "f" * 64, "analyst"))
    store.dispose()
    at = link(incident="UA-KHA-20240106")
    (history,) = [m.value for m in at.markdown if m.value.startswith("- **") and "UTC" in m.value]
    added, fixed = history.replace("\\", "").split("\n- ")
    assert added.endswith("batch 1 · by shipped data** · no reason given  \n  added")
    assert fixed.endswith("batch 2 · by analyst** · no reason given  \n  Killed: not reported → 2")


def test_an_acled_import_is_context_never_counted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'acled.sqlite3'}"
    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    rows = [{**ACLED_ROW, "event_id_cnty": f"UKR{n}"} for n in range(50)]
    store = open_store(url)
    commit(
        store,
        prepare(csv_bytes(rows, columns=ACLED_COLUMNS), "acled.csv", date.today()),
        uploaded_by="t",
    )
    app = whole_page(AppTest.from_file(APP, default_timeout=60))
    assert not app.exception
    assert metrics(app)["Incidents in view"] == "8"
    assert "UKR0" not in set(incident_table(app)["incident_id"])
    captions = [c.value for c in app.caption]
    assert any(
        c.startswith("Counts DPRK-origin incidents only")
        and "50 other stored incidents are context" in c
        for c in captions
    )
    app.checkbox(key=view_key(app, "context")).check().run()
    assert not app.exception
    assert metrics(app)["Incidents in view"] == "8"
    assert "Faint grey: 50 context incidents (not DPRK-origin), not counted." in [
        c.value for c in app.caption
    ]
    assert app.query_params.get("context") == "1"


def test_the_map_says_what_it_leaves_out_and_zooms_to_all_or_kharkiv(at: AppTest) -> None:
    def note() -> str:
        [line] = [c.value for c in at.caption if "incidents in view" in c.value]
        return line

    assert note() == "All 8 incidents in view are on the map."  # it opens fitted to them
    assert "lat" not in at.query_params
    at.button(key="zoom_kharkiv").click().run()
    assert not at.exception
    assert (at.query_params["lat"], at.query_params["lon"], at.query_params["zoom"]) == (
        "49.9925",
        "36.2311",
        "11",
    )
    # Zaporizhzhia, Kyiv and Poltava are off a map of Kharkiv at zoom 11.
    assert note().endswith("of the 8 incidents in view lie outside the map.")
    at.button(key="zoom_all").click().run()
    assert "lat" not in at.query_params  # the fitted view is the view the map takes by itself
    assert note() == "All 8 incidents in view are on the map."


def test_a_run_with_an_older_query_string_keeps_the_view(at: AppTest) -> None:
    """A request the browser sent before the latest URL reached it (a widget, the map, Play's
    timer) carries the older URL: only back or forward reads the URL again, so the view stays."""
    (slider,) = [s for s in at.select_slider if s.key == view_key(at, "months")]
    slider.set_range(date(2024, 1, 1), date(2024, 2, 1)).run()
    assert metrics(at)["Incidents in view"] == "4"
    at.query_params.clear()  # the address as it was before the slider's run
    at.run()
    assert not at.exception
    assert metrics(at)["Incidents in view"] == "4"
    (slider,) = [s for s in at.select_slider if s.key == view_key(at, "months")]
    assert slider.value == (date(2024, 1, 1), date(2024, 2, 1))


def test_officials_counts_show_and_the_launches_wait_behind_their_toggle(at: AppTest) -> None:
    assert "What officials have counted" in [h.value for h in at.subheader]
    charts = len(at.get("vega_lite_chart"))
    toggle = at.toggle(key="show_launches")
    assert toggle.value is False
    assert not [w for w in at.warning if "Iskander-M" in w.value]
    toggle.set_value(True).run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == charts + 1
    (caveat,) = [w.value for w in at.warning if "Iskander-M" in w.value]
    assert "does not tell the Russian Iskander-M from the North Korean KN-23" in caveat
    assert metrics(at)["Incidents in view"] == "8"  # context, never counted as incidents


def test_the_page_speaks_ukrainian_from_its_link(store_url: str) -> None:
    """``lang=uk``: the headline's labels, the mandate's status (its day count in the right
    plural form), the tables' headers and the map's count in Ukrainian; data as written."""
    at = link(lang="uk")
    days = (date.today() - date(2024, 4, 30)).days
    form = {"one": "день", "few": "дні", "many": "днів"}[Locale("uk").plural_form(days)]
    assert metrics(at) == {
        "Інциденти у вибірці": "8",  # noqa: RUF001
        "Підтверджено": "1",
        "Загиблі · поранені": "21 · 160",
        "Група експертів ООН": "Мандат сплив",  # noqa: RUF001
        "Після завершення мандата": "3",
    }
    status = f"Мандат сплив 30 квітня 2024 · {format_decimal(days, locale='uk')} {form} без групи"
    assert any(c.value.startswith(status) for c in at.caption)
    assert "Усі 8 інцидентів у вибірці — на карті." in [c.value for c in at.caption]  # noqa: RUF001
    assert at.selectbox(key="table_sort").label == "Сортувати за"
    assert at.selectbox(key="table_sort").options[0] == "Спершу найновіші"
    (events,) = [d for d in at.dataframe if "mandate_until" in d.value.columns]
    headers = json.loads(events.proto.columns)
    assert headers["mandate_until"]["label"] == "Мандат до"
    assert "Комітет 1718" in " ".join(events.value["event"])
    table = incident_table(at).set_index("incident_id")
    assert table.loc["UA-KHA-20240102", "date"] == "2 січня 2024"
    assert table.loc["UA-KHA-20240102", "district"] == "Шевченківський"
    assert table.loc["UA-KHA-20240207", "location"] == "Kharkiv, industrial zone"  # as written
    at.button(key="zoom_kharkiv").click().run()
    [outside] = [c.value for c in at.caption if "поза картою" in c.value]
    assert outside.endswith(" з 8.")


def test_one_incident_is_counted_as_one(store_url: str) -> None:
    """A view of one incident says so in the singular, in both languages."""
    english = link(q="Rozhivka")
    assert "The 1 incident in view is on the map." in [c.value for c in english.caption]
    ukrainian = link(q="Rozhivka", lang="uk")
    assert "1 інцидент у вибірці — на карті." in [c.value for c in ukrainian.caption]  # noqa: RUF001
