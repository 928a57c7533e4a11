"""Free-text search: case, punctuation, diacritics and script fold away, both ways."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pytest

from dashboard.core.csvio import read_incident_csv
from dashboard.core.filters import (
    SEARCH_COLUMNS,
    SEARCH_PREFIX,
    Filters,
    apply,
    fold,
    matched_fields,
    search_columns,
    with_search_columns,
)
from dashboard.core.records import typed_frame
from dashboard.core.validate import validate
from dashboard.imports import SHIPPED_INCIDENTS
from tests.conftest import TODAY
from tests.helpers import KHARKIV, SHEVCHENKIVSKYI

#: «Київ», «Запоріжжя» and «Соломʼянський» (its apostrophe U+02BC) (escaped, as in
#: tests/helpers.py).
KYIV = "\u041a\u0438\u0457\u0432"
ZAPORIZHZHIA = "\u0417\u0430\u043f\u043e\u0440\u0456\u0436\u0436\u044f"
SOLOMIANSKYI = "\u0421\u043e\u043b\u043e\u043c\u02bc\u044f\u043d\u0441\u044c\u043a\u0438\u0439"
KN23_ROWS = {
    "UA-KHA-20240102",
    "UA-KHA-20240207",
    "UA-KYI-20240102",
    "UA-KYI-20250424",
    "UA-KYO-20240811",
    "UA-POL-202409",
}
KHARKIV_ROWS = {"UA-KHA-20240102", "UA-KHA-20240106", "UA-KHA-20240207"}


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    result = validate(read_incident_csv(SHIPPED_INCIDENTS.read_bytes()), TODAY)
    assert result.ok
    return result.valid


def found(frame: pd.DataFrame, q: str) -> set[str]:
    """What a search finds, asserting the precomputed search text finds the same."""
    direct = set(apply(frame, Filters(q=q))["incident_id"])
    assert set(apply(with_search_columns(frame), Filters(q=q))["incident_id"]) == direct
    stored = with_search_columns(typed_frame(frame, categories=True))  # as the store reads it
    assert set(apply(stored, Filters(q=q))["incident_id"]) == direct
    return direct


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        (KHARKIV, "kharkiv"),
        (KYIV, "kyiv"),
        (SHEVCHENKIVSKYI, "shevchenkivskyi"),
        (ZAPORIZHZHIA, "zaporizhzhia"),
        (SOLOMIANSKYI, "solomianskyi"),
        ("KN-23", "kn23"),
        ("kn 23", "kn23"),
        ("K.N._23", "kn23"),
        ("Zapori\u017e\u017eja", "zaporizzja"),
        ("\u00c9tude", "etude"),
        ("( - .", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize("q", ["kn23", "KN 23", "kn-23", "Kn.23", " KN-23 "])
def test_any_spelling_of_a_weapon_finds_it(shipped: pd.DataFrame, q: str) -> None:
    assert found(shipped, q) == KN23_ROWS


def test_cyrillic_finds_the_latin_place(shipped: pd.DataFrame) -> None:
    assert found(shipped, KHARKIV) == found(shipped, "Kharkiv") == KHARKIV_ROWS
    assert found(shipped, KHARKIV.upper()) == KHARKIV_ROWS
    assert found(shipped, SHEVCHENKIVSKYI) == {"UA-KHA-20240102"}


def test_latin_finds_the_cyrillic_place(shipped: pd.DataFrame) -> None:
    blank = dict.fromkeys(SEARCH_COLUMNS, "x")
    frame = pd.concat(
        [
            shipped.iloc[[0]].assign(**{**blank, "incident_id": "A", "location": KYIV}),
            shipped.iloc[[1]].assign(**{**blank, "incident_id": "B", "location": KHARKIV}),
            shipped.iloc[[2]].assign(**{**blank, "incident_id": "C", "district": SOLOMIANSKYI}),
        ],
        ignore_index=True,
    )
    assert found(frame, "Kyiv") == {"A"}
    assert found(frame, "kharkiv") == {"B"}
    assert found(frame, "Solomianskyi") == {"C"}
    assert found(frame, "Solom'ianskyi") == {"C"}


def test_a_query_that_matches_nothing_still_matches_nothing(shipped: pd.DataFrame) -> None:
    assert found(shipped, "no such place") == set()
    assert found(shipped, ZAPORIZHZHIA + "x") == set()
    # "Kharkiv" is the location and "Shevchenkivskyi" the district: a match stays in one field.
    assert found(shipped, "kivshev") == set()


def test_search_columns_fold_each_field_apart(shipped: pd.DataFrame) -> None:
    loaded = with_search_columns(shipped)
    assert not [c for c in shipped.columns if c.startswith(SEARCH_PREFIX)]
    row = loaded.set_index("incident_id").loc["UA-KHA-20240102"]
    assert [row[SEARCH_PREFIX + c] for c in SEARCH_COLUMNS[:4]] == [
        "uakha20240102",
        "kharkiv",
        "shevchenkivskyi",
        "hwasong11serieskn23kn24",
    ]
    assert list(apply(loaded, Filters(q="kn23")).columns) == list(loaded.columns)


def test_each_distinct_value_is_folded_once(shipped: pd.DataFrame) -> None:
    """A field's folded column holds one category per distinct folded text, not one per row."""
    stored = typed_frame(shipped, categories=True)
    many = pd.concat([stored] * 50, ignore_index=True)
    places = search_columns(many)[SEARCH_PREFIX + "location"]
    assert len(places) == 50 * len(shipped)
    assert sorted(places.cat.categories) == sorted(set(places))
    assert set(places) == {fold(p) for p in shipped["location"]}


@pytest.mark.parametrize(
    "text",
    ["KN-23", "Straße", "İzmir", "ΣΟΦΟΣ", "café\u0301", "x_y", "①²Ⅻ٣", "ﬁle", "a\u00a0b\u2003c"],
)
def test_folding_in_arrow_equals_python_rules(text: str) -> None:
    """Arrow folds plain ASCII and drops non-word characters; the result is Python's rules:
    NFKD, casefold, then drop ``[\\W_]`` and modifier letters."""
    expected = re.sub(r"[\W_\u02b0-\u02ff]+", "", unicodedata.normalize("NFKD", text).casefold())
    assert fold(text) == expected
    assert fold(text.encode("ascii", "ignore").decode()) == re.sub(
        r"[\W_]+", "", text.encode("ascii", "ignore").decode().lower()
    )


def python_fold(text: str) -> str:
    """Python's rules for folding: NFKD, casefold, then drop ``[\\W_]`` and modifier letters."""
    return re.sub(r"[\W_\u02b0-\u02ff]+", "", unicodedata.normalize("NFKD", text).casefold())


def test_a_column_folds_as_each_text_alone() -> None:
    """The column-wise fold (plain ASCII byte by byte, the rest each distinct text once) gives
    each text Python's rules (Cyrillic transliterated first), missing and empty texts included."""
    texts = ["", "KN-23 (4 missiles)", None, "a_b~C!", "   ", "x", KYIV, "café\u0301", KYIV, "Z9"]
    column = search_columns(pd.DataFrame(dict.fromkeys(SEARCH_COLUMNS, texts)))
    expected = ["", "kn234missiles", "", "abc", "", "x", "kyiv", "cafe", "kyiv", "z9"]
    assert [str(v) for v in column[SEARCH_PREFIX + "notes"]] == expected
    assert [python_fold(t) for t in texts[:6] if t is not None] == [
        "",
        "kn234missiles",
        "abc",
        "",
        "x",
    ]


def test_free_text_that_repeats_is_folded_once_per_value(shipped: pd.DataFrame) -> None:
    """Identifiers stay one folded text per row; notes repeated over many rows become a
    categorical of their distinct folded texts. Search finds the same rows either way."""
    many = pd.concat([typed_frame(shipped, categories=True)] * 50, ignore_index=True)
    many["incident_id"] = many["incident_id"] + "-" + many.index.astype("string")
    fields = search_columns(many)
    assert not isinstance(fields[SEARCH_PREFIX + "incident_id"].dtype, pd.CategoricalDtype)
    notes = fields[SEARCH_PREFIX + "notes"]
    assert isinstance(notes.dtype, pd.CategoricalDtype)
    assert len(notes.cat.categories) <= shipped["notes"].nunique() + 1
    loaded = with_search_columns(many)
    each = {t: fold(t) for c in SEARCH_COLUMNS for t in many[c].dropna().astype(str).unique()}
    for q in ("placed at the city centre", "UA-KHA-20240102-7", "Kharkiv"):
        needle = fold(q)
        direct = {
            i
            for i, row in many.iterrows()
            if any(needle in each[str(row[c])] for c in SEARCH_COLUMNS if pd.notna(row[c]))
        }
        assert direct
        assert set(apply(loaded, Filters(q=q)).index) == direct


def test_a_search_says_in_which_fields_it_matched(shipped: pd.DataFrame) -> None:
    # "Kyiv" finds Kharkiv incidents too: their source is The Kyiv Independent.
    kyiv = apply(shipped, Filters(q="Kyiv"))
    assert KHARKIV_ROWS & set(kyiv["incident_id"])
    why = matched_fields(kyiv, "Kyiv")
    assert why == {"source_title": 5, "location": 3, "notes": 2, "attributed_by": 1}
    stored = with_search_columns(typed_frame(kyiv, categories=True))  # as the store reads it
    assert matched_fields(stored, "kyiv") == why
    assert matched_fields(kyiv, " - ") == {}  # a search of nothing restricts nothing
    assert matched_fields(apply(shipped, Filters(q="zzz")), "zzz") == {}
