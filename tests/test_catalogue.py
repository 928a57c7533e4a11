"""The message catalogue is whole: every marked string is in ``messages.pot`` and translated in
every language's ``.po`` (none missing, none fuzzy), and no page, CLI or refusal passes words to
the reader without marking them."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import dashboard
from dashboard.core import errors
from dashboard.core.i18n import DEFAULT, LANGUAGES, LOCALE_DIR

PACKAGE = Path(dashboard.__file__).parent


def _catalogue(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def _ids(catalogue: Catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}


def test_the_template_holds_every_marked_string() -> None:
    with (LOCALE_DIR / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {
        message if isinstance(message, str) else message[0]
        for _name, _line, message, _comments, _context in extract_from_dir(
            str(PACKAGE), method_map, options_map
        )
    }
    template = _ids(_catalogue(LOCALE_DIR / "messages.pot"))
    assert sorted(found - template) == [], "run `make messages`"
    assert sorted(template - found) == [], "run `make messages`"


def test_every_marked_literal_is_extracted() -> None:
    """Babel does not look inside f-strings: a ``_("…")`` there would never be translated."""
    template = _ids(_catalogue(LOCALE_DIR / "messages.pot"))
    marked = {
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.args[0].value!r}"
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"_", "N_", "ngettext"}
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value not in template
    }
    assert sorted(marked) == []


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != DEFAULT])
def test_every_language_translates_every_string(lang: str) -> None:
    template = _ids(_catalogue(LOCALE_DIR / "messages.pot"))
    catalogue = _catalogue(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po")
    missing = sorted(template - _ids(catalogue))
    untranslated = sorted(
        str(m.id)
        for m in catalogue
        if m.id
        and (
            m.fuzzy
            or not all(m.string if isinstance(m.string, tuple) else (m.string,))
            or (isinstance(m.id, tuple) and len(m.string) != catalogue.num_plurals)
        )
    )
    assert (missing, untranslated) == ([], [])


# -- words passed unmarked ------------------------------------------------------------------------
#: Calls that show their text arguments to a reader: Streamlit's elements and widgets (on ``st``,
#: a container or a column), the CLI's ``say``.
SHOWN = frozenset(
    {
        "Page",
        "button",
        "caption",
        "checkbox",
        "date_input",
        "dialog",
        "download_button",
        "error",
        "expander",
        "file_uploader",
        "form_submit_button",
        "header",
        "info",
        "link_button",
        "markdown",
        "metric",
        "multiselect",
        "number_input",
        "page_link",
        "pills",
        "popover",
        "radio",
        "say",
        "segmented_control",
        "select_slider",
        "selectbox",
        "slider",
        "spinner",
        "status",
        "subheader",
        "success",
        "tabs",
        "text_area",
        "text_input",
        "title",
        "toast",
        "toggle",
        "warning",
        "write",
    }
)
#: Keyword arguments that are words for the reader.
WORDS = frozenset({"label", "help", "placeholder", "body", "title", "caption"})
#: Receivers whose text is for the operator (the log), not the reader.
LOGS = frozenset({"log", "logger", "logging", "LOG", "LOGGER"})
#: The refusals a reader sees: every error class of :mod:`dashboard.core.errors`.
REFUSALS = frozenset(
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.DashboardError)
) | {"UsageError"}


def _has_words(node: ast.AST) -> bool:
    """Is ``node`` a literal (or an f-string's literal part) with a word in it, unmarked?"""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value.strip()
        return not text.startswith("<") and any(
            a.isalpha() and b.isalpha() for a, b in itertools.pairwise(text)
        )
    if isinstance(node, ast.JoinedStr):
        return any(_has_words(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.List | ast.Tuple):
        return any(_has_words(item) for item in node.elts)
    if isinstance(node, ast.BinOp):
        return _has_words(node.left) or _has_words(node.right)
    return False


def _name(func: ast.expr) -> tuple[str, str | None]:
    if isinstance(func, ast.Attribute):
        receiver = func.value.id if isinstance(func.value, ast.Name) else None
        return func.attr, receiver
    if isinstance(func, ast.Name):
        return func.id, None
    return "", None


def _unmarked(path: Path, root: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name, receiver = _name(node.func)
        if receiver in LOGS or (name not in SHOWN and name not in REFUSALS and name != "Issue"):
            continue
        first = node.args[:1] if name != "Page" else []  # a page's first argument is its file
        shown = [*first, *(k.value for k in node.keywords if k.arg in WORDS)]
        if name in REFUSALS:
            shown = list(node.args)
        if name == "Issue":  # Issue(line, column, value, code, message): its message
            shown = [*node.args[4:5], *(k.value for k in node.keywords if k.arg == "message")]
        for argument in shown:
            if _has_words(argument):
                yield f"{path.relative_to(root)}:{argument.lineno} {name}"


def _reader_facing() -> list[Path]:
    return sorted(
        [
            PACKAGE / "app.py",
            PACKAGE / "__main__.py",
            *(PACKAGE / "app_pages").glob("*.py"),
            *(PACKAGE / "ui").glob("*.py"),
            *(PACKAGE / "core").rglob("*.py"),
            PACKAGE / "imports.py",
        ]
    )


def test_no_words_reach_the_reader_unmarked() -> None:
    found = [place for path in _reader_facing() for place in _unmarked(path, PACKAGE.parent)]
    assert found == []


def test_the_check_finds_unmarked_words(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "st.title('Incidents')\n"
        "left.button(_('Revert'), help='Undo it')\n"
        "st.markdown(f'**{_(\"Killed\")}**: {n}')\n"
        "st.markdown('<style>.x {}</style>')\n"
        "logger.warning('store down')\n"
        "raise RevertRefusedError(f'batch {n} is gone')\n",
        encoding="utf-8",
    )
    assert list(_unmarked(sample, tmp_path)) == [
        "sample.py:1 title",
        "sample.py:2 button",
        "sample.py:6 RevertRefusedError",
    ]
