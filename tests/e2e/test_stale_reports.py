"""A request that reaches the server late does not undo what the page set in its widgets.

Every request the browser sends carries every widget's value as the browser last knew it. One
sent while a run was still setting widgets (a map report or Play's timer, queued behind that
run; a click during it) carries their old values. The test sends such a request, taken from
what the browser sent, after the page has moved on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from playwright.sync_api import Page, WebSocketRoute, expect
from streamlit.proto.BackMsg_pb2 import BackMsg

from tests.e2e.conftest import IDLE, RunningApp, map_frame, run_of


class Relay:
    """The page's websocket to the server, relayed: the rerun requests the browser sends are
    kept, and a request can be sent to the server as the browser would."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.sent: list[BackMsg] = []
        self.server: WebSocketRoute | None = None
        page.route_web_socket(re.compile(r"/_stcore/stream$"), self._route)

    def _route(self, socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()
        self.server = server

        def from_page(message: str | bytes) -> None:
            if isinstance(message, bytes):
                request = BackMsg.FromString(message)
                if request.WhichOneof("type") == "rerun_script":
                    self.sent.append(request)
            server.send(message)

        socket.on_message(from_page)
        server.on_message(socket.send)

    def requests(self, where: Callable[[BackMsg], bool]) -> list[BackMsg]:
        """Copies of the rerun requests the page has sent that ``where`` holds for."""
        kept = []
        for request in self.sent:
            if where(request):
                copy = BackMsg()
                copy.CopyFrom(request)
                kept.append(copy)
        return kept

    def send(self, request: BackMsg) -> None:
        """Send ``request`` to the server, and wait for its run. The messages it names as held
        by the browser may be gone from the browser's cache by now: it names none."""
        del request.rerun_script.cached_message_hashes[:]
        assert self.server is not None
        server = self.server
        run_of(self.page, lambda: server.send(request.SerializeToString()))


def holds_day(request: BackMsg, day: str) -> bool:
    """Whether a rerun request carries a date field holding ``day``."""
    widgets = request.rerun_script.widget_states.widgets
    return any(state.string_value == day for state in widgets)


def test_a_request_sent_before_all_dates_does_not_bring_the_dates_back(
    page: Page, app: RunningApp
) -> None:
    relay = Relay(page)
    page.goto(f"{app.url}/?from=2024-02-01&to=2024-02-29")
    page.wait_for_selector(IDLE)
    map_frame(page)
    # The map's report of its first view (a request of its own) carries the dates shown.
    deadline = time.monotonic() + 30
    while not relay.requests(lambda r: holds_day(r, "2024-02-01")):
        assert time.monotonic() < deadline, "the page sent no request carrying the dates"
        page.wait_for_timeout(100)
    page.wait_for_selector(IDLE)
    old = relay.requests(lambda r: holds_day(r, "2024-02-01"))[-1]
    run_of(page, lambda: page.locator(".st-key-all_dates button:visible").first.click())
    expect(page).not_to_have_url(re.compile(r"[?&](from|to)="), timeout=15_000)
    relay.send(old)  # as if it had waited behind the run of "All dates"
    page.wait_for_timeout(500)  # an address written at the end of that run has reached the page
    assert not re.search(r"[?&](from|to)=", page.url), page.url
    assert page.locator(".st-key-from input").input_value() == ""
    assert page.locator(".st-key-all_dates button:visible").first.is_disabled()
