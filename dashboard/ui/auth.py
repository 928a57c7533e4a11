"""Streamlit glue for "who may change data" (the rules are in :mod:`dashboard.core.auth`).

Configuration, first match wins: ``[auth]`` in secrets.toml (OIDC through ``st.login``), else a
shared password (``DASHBOARD_UPLOAD_PASSWORD`` or ``upload_password`` in secrets.toml), else only
a browser on this machine may change data. Pages that change data start with::

    who = require_analyst()
    if who is None:
        st.stop()
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard import settings
from dashboard.core import i18n
from dashboard.core.analyst_name import NAME_LIMIT, clean_name, name_fault
from dashboard.core.auth import (
    SHARED_IDENTITY,
    AuthMode,
    auth_mode,
    check_password,
    is_local_client,
    oidc_analyst,
    oidc_display_name,
    throttle_client,
)
from dashboard.core.errors import StoreUnavailableError
from dashboard.core.i18n import N_, _, ngettext
from dashboard.core.text import md_escape
from dashboard.ui.data import store

PASSWORD_ENV = "DASHBOARD_UPLOAD_PASSWORD"
LOG = logging.getLogger("dashboard.auth")
_SIGNED_IN = "_analyst_password_digest"
#: The name a shared-password analyst typed at sign-in (what their changes are recorded under).
_NAME = "_analyst_name"
#: What a viewer from another machine is told when no sign-in is configured: how to get access.
ASK_FOR_ACCESS = N_(
    "Changing data needs an analyst, and this dashboard has no sign-in: ask the person who runs "
    "it for analyst access."
)
#: What the operator reads in the log instead (configuration is not the viewer's business).
ENABLE_SIGN_IN = (
    "a viewer from another machine asked to change data, and no sign-in is configured: set "
    "DASHBOARD_UPLOAD_PASSWORD (or upload_password in .streamlit/secrets.toml) for a shared "
    "analyst password, or an [auth] section there for single sign-on (README, 'Who may change "
    "data')"
)


def _secrets() -> Mapping[str, Any]:
    """secrets.toml as a dict, empty when there is none (read at call time: tests replace it)."""
    if not st.secrets.load_if_toml_exists():
        return {}
    return st.secrets.to_dict()


def _password(secrets: Mapping[str, Any]) -> str | None:
    return os.environ.get(PASSWORD_ENV) or secrets.get("upload_password") or None


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def _mode(secrets: Mapping[str, Any]) -> AuthMode:
    return auth_mode(oidc_configured=bool(secrets.get("auth")), password=_password(secrets))


def _client_ip() -> str | None:
    """``st.context.ip_address``: ``None`` for a loopback client (or none at all, as under
    AppTest, whose mocked runtime hands back a non-string)."""
    ip = st.context.ip_address
    return ip if isinstance(ip, str) else None


def _client() -> str:
    """The address failed attempts are counted under (see :func:`throttle_client`), behind the
    proxies ``DASHBOARD_TRUSTED_PROXIES`` names."""
    return throttle_client(
        _client_ip(), dict(st.context.headers.items()), settings.trusted_proxies()
    )


def _oidc_analyst(secrets: Mapping[str, Any]) -> str | None:
    """The signed-in user's verified, allowed email, or ``None``."""
    if not st.user.is_logged_in:
        return None
    return oidc_analyst(
        st.user.to_dict(),
        secrets.get("analyst_emails", []),
        trust_provider_emails=secrets.get("trust_provider_emails") is True,
    )


def analyst_identity() -> str | None:
    """Who this session changes data as, or ``None`` for a viewer. Draws nothing."""
    secrets = _secrets()
    mode = _mode(secrets)
    if mode is AuthMode.OIDC:
        return _oidc_analyst(secrets)
    if mode is AuthMode.PASSWORD:
        password = _password(secrets) or ""
        signed_in = st.session_state.get(_SIGNED_IN) == _digest(password)
        name = st.session_state.get(_NAME)
        return name if signed_in and isinstance(name, str) else None
    local = is_local_client(_client_ip(), dict(st.context.headers.items()))
    return SHARED_IDENTITY if local else None


def identity_claims() -> Mapping[str, object] | None:
    """The signed-in user's claims with OIDC (a reviewers' group may be among them), else None."""
    if _mode(_secrets()) is not AuthMode.OIDC or not st.user.is_logged_in:
        return None
    return dict(st.user.to_dict())


def require_analyst() -> str | None:
    """Draw the sign-in status (or the sign-in control, or how to enable sign-in) and return the
    analyst's identity, or ``None`` for a viewer, who must then see no control that changes data."""
    identity = analyst_identity()
    mode = _mode(_secrets())
    if mode is AuthMode.OIDC:
        _oidc_controls(identity)
    elif mode is AuthMode.PASSWORD:
        _password_controls(identity)
    elif identity is None:
        st.info(_(ASK_FOR_ACCESS), icon=":material/lock:")
        if not st.session_state.get("_told_operator"):  # once per session, not every rerun
            st.session_state["_told_operator"] = True
            LOG.warning(ENABLE_SIGN_IN)
    else:
        st.caption(
            _("No sign-in is configured: changes are open to browsers on this machine only.")
        )
    return identity


def _oidc_controls(identity: str | None) -> None:
    if st.user.is_logged_in:
        who = md_escape(oidc_display_name(st.user.to_dict()))
        if identity is None:
            st.warning(
                _(
                    "{who} is signed in but is not an analyst of this dashboard (analysts need an "
                    "email address the identity provider has verified, on the analyst list)."
                ).format(who=who)
            )
        else:
            st.caption(_("Signed in as {who}.").format(who=md_escape(identity)))
        if st.button(_("Sign out"), key="analyst_sign_out"):
            st.logout()
        return
    st.info(_("Sign in as an analyst to change data."), icon=":material/lock:")
    # Sub-sections name providers, except client_kwargs (options for the default provider).
    providers = [
        k
        for k, v in _secrets().get("auth", {}).items()
        if isinstance(v, Mapping) and k != "client_kwargs"
    ]
    for provider in providers or [None]:
        label = _("Sign in with {provider}").format(provider=provider) if provider else _("Sign in")
        if st.button(label, key=f"analyst_login_{provider or 'default'}"):
            st.login(provider)


def _password_controls(identity: str | None) -> None:
    if identity is not None:
        st.caption(_("Signed in as {who}.").format(who=md_escape(identity)))
        if st.button(_("Sign out"), key="analyst_sign_out"):
            del st.session_state[_SIGNED_IN]
            del st.session_state[_NAME]
            st.rerun()
        return
    with st.form("analyst_sign_in", clear_on_submit=True):
        typed = st.text_input(
            _("Your name"),
            max_chars=NAME_LIMIT,
            key="analyst_name",
            help=_(
                "Everyone shares the password: your changes are recorded under the name you "
                "type, which nobody checks."
            ),
        )
        given = st.text_input(_("Analyst password"), type="password", key="analyst_password")
        submitted = st.form_submit_button(_("Sign in"))
    if not submitted:
        return
    if (fault := name_fault(typed)) is not None:
        st.error(fault)  # the catalogue's words and numbers: no data in it
        return
    expected = _password(_secrets()) or ""
    client = _client()
    try:
        admitted, wait = check_password(store(), client, given, expected)
    except StoreUnavailableError as exc:
        LOG.warning("analyst sign-in unavailable: %s", exc)
        st.error(_("Sign-in is unavailable while the store cannot be reached: try again shortly."))
        return
    if admitted:
        st.session_state[_SIGNED_IN] = _digest(expected)
        st.session_state[_NAME] = clean_name(typed)
        st.rerun()
    LOG.warning("analyst sign-in refused for client %s", client)
    if wait > 0:
        st.error(
            _("Too many failed attempts: try again in {seconds} s.").format(
                seconds=i18n.number(math.ceil(wait))
            )
        )
    else:
        st.error(_("Wrong password."))


def identity_sidebar(identity: str | None, pending: int) -> None:
    """Who this session changes data as, in the sidebar of every page, what that name proves
    (with the shared password, nothing: it was typed, never checked), and how many proposals
    wait for review."""
    if identity is None:
        return
    box = st.sidebar.container(key="analyst_identity")
    box.caption(_("Changes are recorded under {who}.").format(who=md_escape(identity)))
    if pending:
        box.markdown(
            ngettext(
                "**{n}** proposal waits for review.", "**{n}** proposals wait for review.", pending
            ).format(n=i18n.number(pending))
        )
    if _mode(_secrets()) is AuthMode.PASSWORD:
        box.caption(
            _(
                "A shared password proves no identity: the name was typed at sign-in and nobody "
                "checks it, so review guards against mistakes, not against a dishonest analyst."
            )
        )
