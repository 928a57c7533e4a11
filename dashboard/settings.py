"""Configuration read from the environment (see README, "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from dashboard import PACKAGE_DIR
from dashboard.core.auth import Network, parse_trusted_proxies
from dashboard.core.csvio import Limits
from dashboard.core.errors import ConfigError
from dashboard.core.mapassets import OSM_ATTRIBUTION, OSM_TILES
from dashboard.core.review import Mode, Reviewers


def tiles() -> tuple[str | None, str]:
    """Tile URL template and its attribution (HTML, set by the operator).

    ``DASHBOARD_TILES`` unset: OpenStreetMap; ``none``: no tiles (the incidents draw on a plain
    background); else a ``{z}/{x}/{y}`` template, credited by ``DASHBOARD_TILES_ATTRIBUTION``.
    """
    url = os.environ.get("DASHBOARD_TILES", "").strip()
    if url.lower() == "none":
        return None, ""
    if not url:
        return OSM_TILES, OSM_ATTRIBUTION
    if any(mark in url for mark in ("{{", "{%", "{#")):
        raise ConfigError(
            f"DASHBOARD_TILES must be a URL template like .../{{z}}/{{x}}/{{y}}.png, not {url!r}"
        )
    credit = os.environ.get("DASHBOARD_TILES_ATTRIBUTION", "").strip()
    return url, credit or f"Tiles: {urlparse(url).netloc or url}"


#: Environment variables for the upload limits, and the :class:`Limits` field each sets.
LIMIT_VARIABLES = {
    "DASHBOARD_UPLOAD_MAX_BYTES": "max_bytes",
    "DASHBOARD_UPLOAD_MAX_ROWS": "max_rows",
    "DASHBOARD_UPLOAD_MAX_CELL": "max_cell",
    "DASHBOARD_UPLOAD_MAX_COLUMNS": "max_columns",
}


def upload_limits() -> Limits:
    """Upload limits from ``DASHBOARD_UPLOAD_MAX_*`` (whole numbers > 0), else the defaults."""
    values: dict[str, int] = {}
    for variable, field in LIMIT_VARIABLES.items():
        text = os.environ.get(variable, "").strip()
        if not text:
            continue
        if not text.isdigit() or int(text) <= 0:
            raise ConfigError(f"{variable} must be a whole number above 0, not {text!r}")
        values[field] = int(text)
    return Limits(**values)


#: Reverse proxies whose ``X-Forwarded-For`` is believed (comma-separated addresses or CIDRs).
TRUSTED_PROXIES_ENV = "DASHBOARD_TRUSTED_PROXIES"


def trusted_proxies() -> tuple[Network, ...]:
    """The proxies in ``DASHBOARD_TRUSTED_PROXIES`` (none when unset: no forwarded header is
    believed, and failed sign-ins count against the connecting address)."""
    text = os.environ.get(TRUSTED_PROXIES_ENV, "")
    try:
        return parse_trusted_proxies(text)
    except ValueError as exc:
        raise ConfigError(
            f"{TRUSTED_PROXIES_ENV} must list IP addresses or networks separated by commas "
            f"(like 10.0.0.5, 10.1.0.0/16): {exc}"
        ) from None


#: The folder this instance keeps map payload files in (see :func:`payload_dir`).
PAYLOAD_DIR_ENV = "DASHBOARD_PAYLOAD_DIR"


def payload_dir() -> Path:
    """Where this instance writes and serves map payload files: ``DASHBOARD_PAYLOAD_DIR``, else
    ``dashboard/static/payload``. Each instance of a deployment may have its own; a file one
    lacks is read from the store, where every instance shares what it publishes."""
    configured = os.environ.get(PAYLOAD_DIR_ENV, "").strip()
    return Path(configured) if configured else PACKAGE_DIR / "static" / "payload"


#: Whether changes wait for a second analyst: ``off`` (default) or ``required``.
REVIEW_ENV = "DASHBOARD_REVIEW"
#: Who may approve: names or emails, comma-separated.
REVIEWERS_ENV = "DASHBOARD_REVIEWERS"
#: A sign-in group whose members may approve, and the claim listing a user's groups.
REVIEWER_GROUP_ENV = "DASHBOARD_REVIEWER_GROUP"
REVIEWER_GROUP_CLAIM_ENV = "DASHBOARD_REVIEWER_GROUP_CLAIM"


def review_mode() -> Mode:
    """``DASHBOARD_REVIEW``: ``off`` (changes apply at once; the default) or ``required``
    (every change is a proposal until another analyst approves it)."""
    text = os.environ.get(REVIEW_ENV, "").strip().lower() or Mode.OFF.value
    try:
        return Mode(text)
    except ValueError:
        raise ConfigError(f"{REVIEW_ENV} must be off or required, not {text!r}") from None


def reviewers() -> Reviewers:
    """Who may approve changes: ``DASHBOARD_REVIEWERS`` (names or emails, comma-separated)
    and members of ``DASHBOARD_REVIEWER_GROUP`` as the sign-in's
    ``DASHBOARD_REVIEWER_GROUP_CLAIM`` (default ``groups``) lists them. Neither set: any
    analyst may approve another's change."""
    names = frozenset(n.strip() for n in os.environ.get(REVIEWERS_ENV, "").split(",") if n.strip())
    group = os.environ.get(REVIEWER_GROUP_ENV, "").strip() or None
    claim = os.environ.get(REVIEWER_GROUP_CLAIM_ENV, "").strip() or "groups"
    return Reviewers(names=names, group=group, claim=claim)
