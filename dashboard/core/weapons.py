"""A controlled weapon vocabulary: the spellings sources use, mapped onto a few classes.

Sources name the same missile many ways ("KN-23", "Hwasong-11 (KN-23), 2 of 5 missiles",
"KN-23 (part recovered)", "DPRK short-range ballistic missile"). The record keeps the source's
own wording in ``weapon``; the filter, the legend and the figures use the class. A spelling no
rule knows is "Other", and only the DPRK classes (or a ``weapon_origin`` naming the DPRK) count
as DPRK-origin.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import pandas as pd

from dashboard.core.i18n import N_

# The classes' codes are their English names (links and filters carry them); a page shows
# ``_(code)``, the name in its language.
HWASONG_11A: Final = N_("Hwasong-11A (KN-23)")
HWASONG_11B: Final = N_("Hwasong-11B (KN-24)")
HWASONG_11: Final = N_("Hwasong-11 series (KN-23/KN-24)")
DPRK_SRBM: Final = N_("DPRK SRBM, type not given")
ISKANDER_OR_KN23: Final = N_("Iskander-M or KN-23 (not told apart)")
OTHER: Final = N_("Other")

#: The classes, in the order filters and legends list them.
CLASSES: Final[tuple[str, ...]] = (
    HWASONG_11A,
    HWASONG_11B,
    HWASONG_11,
    DPRK_SRBM,
    ISKANDER_OR_KN23,
    OTHER,
)
#: The classes that are DPRK-made by their name alone.
DPRK_CLASSES: Final = frozenset({HWASONG_11A, HWASONG_11B, HWASONG_11, DPRK_SRBM})

#: Between the parts of a name: nothing, a space, or any hyphen or dash.
_SEP = "[\\s\\-_\u2010\u2013\u2014]?"
_KN23 = re.compile(rf"\b(?:kn|кн){_SEP}23\b|\bhwasong{_SEP}11{_SEP}(?:a|ga|가)\b|화성{_SEP}11가")
_KN24 = re.compile(
    rf"\b(?:kn|кн){_SEP}(?:23\s*/\s*)?24\b|\bhwasong{_SEP}11{_SEP}(?:b|na|나)\b|화성{_SEP}11나"
)
_HWASONG_11 = re.compile(rf"\b(?:hwasong|хвасон){_SEP}11\b|화성{_SEP}11")
_ISKANDER = re.compile(r"\b(?:iskander|іскандер|искандер)")
_DPRK = re.compile(r"\b(?:dprk|north[\s\-]?korea\w*|кндр|північнокорейськ\w*|северокорейск\w*)")
_MISSILE = re.compile(r"ballistic|srbm|missile|ракет|балістичн")

#: weapon_origin values that name the DPRK.
_DPRK_ORIGIN = re.compile(r"^\s*(?:dprk|north\s*korea|кндр|північна\s*корея|korea,?\s*north)\s*$")


def weapon_class(text: object) -> str:
    """The class of a weapon as a source names it (case, spacing and hyphens ignored)."""
    if not isinstance(text, str) or not text.strip():
        return OTHER
    name = text.casefold()
    kn23, kn24 = bool(_KN23.search(name)), bool(_KN24.search(name))
    if _ISKANDER.search(name) and kn23 and not kn24:
        return ISKANDER_OR_KN23
    if kn23 and kn24:
        return HWASONG_11
    if kn23:
        return HWASONG_11A
    if kn24:
        return HWASONG_11B
    if _HWASONG_11.search(name):
        return HWASONG_11
    if _DPRK.search(name) and _MISSILE.search(name):
        return DPRK_SRBM
    return OTHER


def weapon_classes(weapons: pd.Series) -> pd.Series:
    """:func:`weapon_class` of each value, computed once per distinct spelling (categorical);
    the rows take their class by code, with no Python per row (a million rows in milliseconds)."""
    codes, uniques = pd.factorize(weapons, use_na_sentinel=False)
    mapped = [CLASSES.index(weapon_class(u)) for u in pd.Series(uniques, dtype=object)]
    return pd.Series(
        pd.Categorical.from_codes(
            np.asarray(mapped, dtype=np.int8)[codes], categories=pd.Index(CLASSES)
        ),
        index=weapons.index,
        name="weapon_class",
    )


def dprk_origin(frame: pd.DataFrame, classes: pd.Series | None = None) -> pd.Series:
    """True for incidents the DPRK made the weapon of: ``weapon_origin`` names the DPRK, or the
    weapon's class (``classes``, else computed) is a DPRK one."""
    codes, uniques = pd.factorize(frame["weapon_origin"], use_na_sentinel=False)
    origin = pd.Series(uniques, dtype=object).astype("string").fillna("").str.casefold()
    matched = origin.str.match(_DPRK_ORIGIN).fillna(False).to_numpy(dtype=bool)
    named = pd.Series(matched[codes], index=frame.index)  # matched once per distinct origin
    if classes is None:
        classes = weapon_classes(frame["weapon"])
    return (named | classes.isin(DPRK_CLASSES).to_numpy()).rename(DPRK)


#: The columns :func:`classify` adds.
WEAPON_CLASS: Final = "weapon_class"
DPRK: Final = "dprk"


def classify(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its weapons' classes (:data:`WEAPON_CLASS`) and whether each incident is
    DPRK-origin (:data:`DPRK`); a frame that has them already is returned as it is."""
    if WEAPON_CLASS in frame and DPRK in frame:
        return frame
    classes = weapon_classes(frame["weapon"])
    return frame.assign(**{WEAPON_CLASS: classes, DPRK: dprk_origin(frame, classes)})
