"""``streamlit run`` with each script run's server time recorded: ``python -m benchmarks.serve
SCRIPT [streamlit options]``. The app is not changed: Streamlit's own run events are timed.

Each run appends a JSON line to ``$BENCH_RUN_LOG``: ``start`` (epoch seconds), ``seconds`` (from
the script starting to its end), ``fragment`` (a fragment rerun, such as a map move) and
``event``. With ``$BENCH_PROFILE`` set, the first full run is profiled (cProfile) into that file.
"""

from __future__ import annotations

import cProfile
import json
import os
import sys
import threading
import time
from typing import Any

from streamlit.runtime.scriptrunner import script_runner
from streamlit.web import cli

_lock = threading.Lock()
_profiled = False


def _record(entry: dict[str, object]) -> None:
    with _lock, open(os.environ["BENCH_RUN_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")


def _watch(runner: script_runner.ScriptRunner) -> None:
    """Time every run of ``runner`` from its SCRIPT_STARTED event to the event that ends it."""
    state: dict[str, Any] = {}

    def on_event(_sender: object, event: script_runner.ScriptRunnerEvent, **kwargs: Any) -> None:
        global _profiled
        if event == script_runner.ScriptRunnerEvent.SCRIPT_STARTED:
            state.update(
                wall=time.time(),
                start=time.perf_counter(),
                fragment=bool(kwargs.get("fragment_ids_this_run")),
                profiler=None,
            )
            if os.environ.get("BENCH_PROFILE") and not state["fragment"] and not _profiled:
                _profiled = True
                state["profiler"] = cProfile.Profile()
                state["profiler"].enable()
        elif "_STOPPED" in event.name and "start" in state:
            seconds = time.perf_counter() - state.pop("start")
            if state.get("profiler") is not None:
                state["profiler"].disable()
                state["profiler"].dump_stats(os.environ["BENCH_PROFILE"])
                state["profiler"] = None
            _record(
                {
                    "start": state["wall"],
                    "seconds": seconds,
                    "fragment": state["fragment"],
                    "event": event.name,
                }
            )

    runner.on_event.connect(on_event, weak=False)


_init = script_runner.ScriptRunner.__init__


def _init_and_watch(self: script_runner.ScriptRunner, *args: Any, **kwargs: Any) -> None:
    _init(self, *args, **kwargs)
    _watch(self)


def main() -> None:
    """Patch the script runner, then hand over to ``streamlit run``."""
    script_runner.ScriptRunner.__init__ = _init_and_watch  # type: ignore[method-assign]
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
