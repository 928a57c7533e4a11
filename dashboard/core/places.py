"""A small gazetteer: the names of the shipped data's places in each interface language.

Data stays as its source wrote it: the stored value never changes. A view shows a place's
name in the interface language only where the value is exactly a name this gazetteer knows
("Kharkiv" reads "Харків" in Ukrainian; "Kharkiv, industrial zone" stays as written).
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from dashboard.core import i18n

#: Place names as the shipped data writes them (English) and their standard Ukrainian names:
#: the cities, Kharkiv's nine districts (raions, /work/shared/FACTS.md), Kyiv's and Kyiv
#: oblast's districts the shipped incidents name.
UKRAINIAN: Final[dict[str, str]] = {
    "Kharkiv": "Харків",
    "Kyiv": "Київ",
    "Poltava": "Полтава",
    "Zaporizhzhia": "Запоріжжя",
    "Shevchenkivskyi": "Шевченківський",
    "Kholodnohirskyi": "Холодногірський",
    "Industrialnyi": "Індустріальний",
    "Osnovianskyi": "Основ'янський",
    "Novobavarskyi": "Новобаварський",
    "Saltivskyi": "Салтівський",
    "Kyivskyi": "Київський",
    "Nemyshlianskyi": "Немишлянський",
    "Slobidskyi": "Слобідський",
    "Solomianskyi": "Солом'янський",
    "Sviatoshynskyi": "Святошинський",
    "Brovary district": "Броварський район",
}

#: Each interface language's names, by the data's (English needs none).
_NAMES: Final[dict[str, dict[str, str]]] = {"uk": UKRAINIAN}


def name(value: object) -> str:
    """``value`` as the interface language names it, where the gazetteer gives that exact
    name; else as written."""
    text = str(value)
    return _NAMES.get(i18n.language(), {}).get(text, text)


def names(values: pd.Series) -> pd.Series:
    """:func:`name` of each value (one lookup table for the column; missing and unknown values
    stay as they are)."""
    table = _NAMES.get(i18n.language())
    if not table:
        return values
    shown = values.astype(object)
    known = shown.isin(list(table)).to_numpy(dtype=bool)
    if not known.any():
        return shown
    return shown.where(~known, shown.map(table))
