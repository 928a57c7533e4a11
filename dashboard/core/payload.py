"""The incidents as the map's script reads them: the binary payload codec, the contract between
the server and ``static/map/incidents.js``.

One :class:`Payload` per frame: a JSON header (the dictionaries, the dates as every interface
language writes them, the style) and typed arrays (coordinates, dictionary codes), then detail
blocks fetched when a popup opens; and what a click on a marker reports back (:func:`parse_pick`).
It holds no word of the interface: those come from the page
(:func:`dashboard.core.maps.map_labels`), so one payload serves every language.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.core import i18n
from dashboard.core.dates import DAY, MONTH, date_text, is_month
from dashboard.core.i18n import LANGUAGES
from dashboard.core.schema import MAP_FIELDS, PRECISION_RADIUS_M, STATUS_COLOURS

#: Columns the payload carries as arrays (coordinates, dictionary codes: the date as shown, to
#: its precision); the other columns declared ``on_map`` travel as detail blocks, fetched when a
#: popup opens.
ENCODED_FIELDS = (
    "date",
    "latitude",
    "longitude",
    "geo_precision",
    "weapon",
    "attribution_status",
    "outcome",
)
DETAIL_FIELDS = tuple(name for name in MAP_FIELDS if name not in ENCODED_FIELDS)
#: Coordinates travel as int32 multiples of 1e-5 degree (about a metre).
COORD_SCALE = 100_000
#: Incidents per detail block (one fetch when a popup opens).
DETAIL_BLOCK = 1000
#: Source counts travel as uint8: 255 stands for "255 or more".
MAX_SOURCE_COUNT = 255
#: How the layers draw; it travels in the payload's header, fetched once, so a map move does not
#: send it again. Its words are the page's (:func:`dashboard.core.maps.map_labels`): a payload is
#: the same in every language.
STYLE: dict[str, dict[str, object]] = {
    "colours": dict(STATUS_COLOURS),
    "radii": {str(k): v for k, v in PRECISION_RADIUS_M.items()},
}


@dataclass(frozen=True)
class Payload:
    """The incidents as the map's script reads them: one binary file (a JSON header, then typed
    arrays) and JSON detail blocks, each named by a hash of its bytes."""

    data: bytes
    details: tuple[bytes, ...]

    @property
    def name(self) -> str:
        return _content_name(self.data, "bin")

    def files(self) -> dict[str, bytes]:
        """File name -> bytes, the main file first."""
        return {self.name: self.data} | {_content_name(b, "json"): b for b in self.details}

    def inline_source(self) -> dict[str, object]:
        """The layer's source for a page with no server: the bytes in base64, the blocks inline."""
        return {
            "inline": base64.b64encode(self.data).decode("ascii"),
            "details": [json.loads(block) for block in self.details],
        }


def _content_name(data: bytes, suffix: str) -> str:
    return f"{hashlib.sha256(data).hexdigest()[:32]}.{suffix}"


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Dictionary codes (0 = missing, k = the k-th value) and the values, sorted."""
    codes, values = pd.factorize(column, sort=True, use_na_sentinel=True)
    return codes.astype(np.int64) + 1, [str(v) for v in values]


def _date_codes(frame: pd.DataFrame) -> tuple[np.ndarray, dict[str, list[str]]]:
    """Dictionary codes of the dates as every view shows them ("2024-01-02", "September 2024";
    0 = missing) and those texts in each interface language ("2 січня 2024"), in date order:
    the one date formatter (:func:`dashboard.core.dates.date_text`) runs once per distinct date
    and language, never in the browser, and a payload serves every language."""
    days = frame["date"].to_numpy(dtype="datetime64[D]")
    months = is_month(frame["date_precision"])
    known = ~np.isnat(days)
    codes = np.zeros(len(frame), np.int64)
    if not known.any():
        return codes, {lang: [] for lang in LANGUAGES}
    # Each (day, precision) a key; the keys span a few thousand values, so a table of those
    # present ranks them in one pass (a sorting factorize took ten times as long).
    keys = days[known].astype("int64") * 2 + months[known]
    low = int(keys.min())
    present = np.zeros(int(keys.max()) - low + 1, bool)
    present[keys - low] = True
    codes[known] = np.cumsum(present)[keys - low]
    keys = (np.flatnonzero(present) + low).tolist()
    texts = {}
    for lang in LANGUAGES:
        with i18n.use(lang):
            texts[lang] = [
                date_text(np.datetime64(key // 2, "D"), MONTH if key % 2 else DAY) for key in keys
            ]
    return codes, texts


def _smallest(codes: np.ndarray, top: int) -> tuple[np.ndarray, str]:
    if top < 0xFF:
        return codes.astype("<u1"), "uint8"
    if top < 0xFFFF:
        return codes.astype("<u2"), "uint16"
    return codes.astype("<i4"), "int32"


def _detail_blocks(frame: pd.DataFrame) -> tuple[bytes, ...]:
    columns = []
    for name in DETAIL_FIELDS:
        column = frame[name].astype(object)
        columns.append(column.where(frame[name].notna(), None).tolist())
    rows = list(zip(*columns, strict=True))
    return tuple(
        json.dumps(rows[k : k + DETAIL_BLOCK], ensure_ascii=False, separators=(",", ":")).encode()
        for k in range(0, len(rows), DETAIL_BLOCK)
    )


def encode_payload(frame: pd.DataFrame) -> Payload:
    """``frame``'s incidents as a :class:`Payload`, in the frame's order (about 13 bytes each in
    the main file while fewer than 255 distinct dates are in it, 15 with the evidence columns).

    A frame annotated with the evidence (:func:`dashboard.core.evidence.annotate`) also carries
    ``examined`` (0/1) and ``sources`` (the source count, at most :data:`MAX_SOURCE_COUNT`)."""
    n = len(frame)
    lat = np.rint(frame["latitude"].to_numpy(dtype="float64") * COORD_SCALE).astype("<i4")
    lon = np.rint(frame["longitude"].to_numpy(dtype="float64") * COORD_SCALE).astype("<i4")
    day, dates = _date_codes(frame)
    status, statuses = _codes(frame["attribution_status"])
    weapon, weapons = _codes(frame["weapon"])
    outcome, outcomes = _codes(frame["outcome"])
    precision = frame["geo_precision"].fillna(0).to_numpy(dtype="int64")
    columns: list[tuple[str, np.ndarray, str]] = [
        ("lat", lat, "int32"),
        ("lon", lon, "int32"),
        ("date", *_smallest(day, len(dates[i18n.DEFAULT]))),
        ("status", *_smallest(status, len(statuses))),
        ("weapon", *_smallest(weapon, len(weapons))),
        ("outcome", *_smallest(outcome, len(outcomes))),
        ("precision", precision.astype("<u1"), "uint8"),
    ]
    if "examined" in frame and "source_count" in frame:
        examined = frame["examined"].fillna(False).to_numpy(dtype=bool)
        sources = frame["source_count"].fillna(0).to_numpy(dtype="int64")
        columns += [
            ("examined", examined.astype("<u1"), "uint8"),
            ("sources", np.clip(sources, 0, MAX_SOURCE_COUNT).astype("<u1"), "uint8"),
        ]
    details = _detail_blocks(frame)
    header = {
        "n": n,
        "scale": COORD_SCALE,
        "dates": dates,
        "statuses": statuses,
        "weapons": weapons,
        "outcomes": outcomes,
        "arrays": [[name, kind] for name, _values, kind in columns],
        "block": DETAIL_BLOCK,
        "details": [_content_name(block, "json") for block in details],
        "detail_fields": list(DETAIL_FIELDS),
        "style": STYLE,
    }
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    text += b" " * (-(4 + len(text)) % 4)  # the arrays start 4-byte aligned
    parts = [len(text).to_bytes(4, "little"), text]
    for _name, values, _kind in columns:
        raw = values.tobytes()
        parts += [raw, b"\0" * (-len(raw) % 4)]
    return Payload(b"".join(parts), details)


#: What a click on an incident marker reports: "<row>@<payload file name>" (incidents.js).
_PICK = re.compile(r"(\d{1,9})@([0-9a-f]{32}\.bin)")


def parse_pick(text: object) -> tuple[int, str] | None:
    """The payload row and payload file a marker click reported, or None for anything else
    (a cluster, another layer, a stale or forged report)."""
    match = _PICK.fullmatch(text) if isinstance(text, str) else None
    return (int(match[1]), match[2]) if match else None
