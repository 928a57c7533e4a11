"""The Atom document (RFC 4287) of a view's changes, built with ElementTree: every value from
the store or the link is an element's text or an attribute's value, which the serialiser
escapes; characters XML 1.0 cannot carry at all (most controls) are replaced first."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from dashboard.core import i18n
from dashboard.core.i18n import _
from dashboard.core.links import share_url
from dashboard.core.text import safe_url
from dashboard.feeds.entries import KIND_NAMES, Entry

ATOM: Final = "http://www.w3.org/2005/Atom"
_XML: Final = "http://www.w3.org/XML/1998/namespace"
MEDIA_TYPE: Final = "application/atom+xml; charset=utf-8"
#: What XML 1.0 cannot hold in a document, escaped or not.
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

ET.register_namespace("", ATOM)


def xml_text(value: object) -> str:
    """``value`` as text XML can carry: characters it cannot are shown as U+FFFD."""
    return _NOT_XML.sub("\ufffd", str(value))


def _stamp(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _add(parent: ET.Element, tag: str, text: object = None, **attributes: str) -> ET.Element:
    child = ET.SubElement(
        parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attributes.items()}
    )
    if text is not None:
        child.text = xml_text(text)
    return child


@dataclass(frozen=True)
class Feed:
    """Where the feed is and what it is about."""

    #: The feed's own URL (its id too: the query makes each view's feed its own).
    self_url: str
    #: The page's URL (``…/``), entries' links are built on it.
    page_url: str
    #: The page's link to the view the feed follows.
    view_url: str
    #: The host name, for the entries' ``tag:`` ids.
    host: str


def document(feed: Feed, entries: Sequence[Entry], *, now: datetime) -> bytes:
    """The feed as UTF-8 XML: newest entry first; ``updated`` is the newest entry's time (or
    ``now`` with none)."""
    root = ET.Element(f"{{{ATOM}}}feed", {f"{{{_XML}}}lang": i18n.language()})
    _add(root, "id", feed.self_url)
    _add(root, "title", _("DPRK-origin missile incidents: changes to the data"))
    _add(
        root,
        "subtitle",
        _(
            "New incidents, corrections, removals and reverts that reached the monitor's live "
            "data, for the view of the link."
        ),
    )
    _add(root, "updated", _stamp(entries[0].recorded_at if entries else now))
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.self_url)
    _add(root, "link", rel="alternate", type="text/html", href=feed.view_url)
    author = _add(root, "author")
    _add(author, "name", _("Sanctions monitoring dashboard"))
    for item in entries:
        node = _add(root, "entry")
        _add(node, "id", f"tag:{feed.host},2024:change/{item.change_id}")
        _add(node, "title", item.title)
        _add(node, "updated", _stamp(item.recorded_at))
        _add(node, "published", _stamp(item.recorded_at))
        _add(
            node,
            "link",
            rel="alternate",
            type="text/html",
            href=share_url(feed.page_url, item.view),
        )
        source = safe_url(item.source_url) if item.source_url else None
        if source is not None:
            _add(node, "link", rel="related", href=source, title=item.source_title or source)
        _add(node, "category", term=item.kind, label=_(KIND_NAMES[item.kind]))
        _add(node, "category", term=f"batch:{item.batch_kind}", label=item.batch_kind)
        lines = list(item.lines)
        lines.append(
            _("Source: {source}").format(
                source=" — ".join(s for s in (item.source_title, item.source_url) if s)
                or _("not given")
            )
        )
        lines.append(_("Batch {batch} ({kind}).").format(batch=item.batch_id, kind=item.batch_kind))
        _add(node, "content", "\n".join(lines), type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
