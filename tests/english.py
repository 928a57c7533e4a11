"""What English a text shows, the data's own values set aside: the check of the Ukrainian
interface, shared by the AppTest walk of the pages and the browser's reading of the map and the
chart."""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from dashboard.core.i18n import LOCALE_DIR

REPO = Path(__file__).resolve().parents[1]
#: Words that say a sentence is English (names, codes and abbreviations are not among them).
_WORDS = (
    "the and of in on to with by from for not no all any show shown view incident incidents "
    "month months source sources batch file rows row that this is are was were as at or it its "
    "none select click open download upload store stored date dates district weapon killed "
    "injured other unknown filter filters page table map chart legend layer markers heat"
)
ENGLISH = frozenset(_WORDS.split(" "))
#: Words of an element the data or the world names in English: file formats, programs,
#: column names the analyst types into a CSV, the README's section names.
NAMES = frozenset({"Evidence", "README"})
#: Titles the world gives in English (a dataset's): set aside like the data's values.
TITLES = ("Massive Missile Attacks on Ukraine",)


@cache
def data_values() -> tuple[str, ...]:
    """Every cell of the shipped data files, longest first (their words are data, not labels)."""
    cells = {
        cell.strip()
        for path in (REPO / "data").glob("*.csv")
        for line in csv.reader(path.read_text(encoding="utf-8-sig").splitlines())
        for cell in line
    }
    return tuple(sorted((c for c in cells if len(c) > 1), key=len, reverse=True))


@cache
def english_sentences() -> tuple[str, ...]:
    """The catalogue's English words whose Ukrainian differs (the ones a page must not show)."""
    with (LOCALE_DIR / "uk" / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalogue = read_po(file)
    found: set[str] = set()
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ukrainian = " ".join(s for s in strings if s)
        for english in ids:
            # The words between the placeholders: "{n} incidents in view" shows "incidents in view".
            for part in re.split(r"\{[^}]*\}", str(english or "")):
                words = part.strip(" .,:;()[]*`'\"")
                if len(re.findall(r"[A-Za-z]{2,}", words)) >= 2 and words not in ukrainian:
                    found.add(words)
    return tuple(sorted(found))


def english_in(text: str, uploaded: tuple[str, ...] = ()) -> list[str]:
    """The English a text shows, once the data's values (the shipped files', and those of a file
    being uploaded) are taken out of it."""
    plain = text.replace("\\", "")
    for value in (*uploaded, *TITLES, *data_values()):
        plain = plain.replace(value, " ")
    found = [s for s in english_sentences() if s in plain]
    words = {w for w in re.findall(r"[A-Za-z]+", plain) if w not in NAMES}
    return found + sorted(w for w in words if w.lower() in ENGLISH)
