"""HTTP beside the page: the read API under ``/api/v1/`` (see the README's "Read API").

:mod:`.views` is what every route shares with the page: the view a query describes, the rows
the Monitor page shows for it, the data version answers are validated by, the ``400`` answer.
:mod:`.endpoints` serves them; :mod:`.limits` keeps one client from starving others.
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """The read API's routes for ``st.App(routes=...)``, under the app's base path."""
    import streamlit as st

    from dashboard.api import endpoints

    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return endpoints.routes("/" + base if base else "")
