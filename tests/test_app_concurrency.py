"""Two browser sessions of one server profiling at the same time into one sessions folder.

Each AppTest is one browser session of the same server process. A barrier in the worker
processes (``tests/faults/sitecustomize.py``) stops each profile at its first compile until both
workers have reached it, so the two profiles are known to run at the same time.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ovstudio.session import store
from ovstudio.session.store import read_session
from ovstudio.ui.paths import SESSIONS_DIR_VARIABLE
from ovstudio.ui.state import OPEN_SESSION
from tests.app_support import error_texts, exception_texts, files_of, new_app, start_profile, upload_models
from tests.fault_injection import inject_barrier
from tests.real_models import fetch

BROWSER_SESSIONS = 2
# Given to both profiles' first session ids, as if they had finished in the same second and drawn
# the same random part.
COLLIDING_ID = "20260105T142233Z_light_squeezenet_CPU_c0ffee"


def test_two_browser_sessions_profile_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    monkeypatch.setenv(SESSIONS_DIR_VARIABLE, str(sessions))
    arrivals = tmp_path / "arrivals"
    arrivals.mkdir()
    apps = [upload_models(new_app().run(), files_of(fetch("light_squeezenet"))) for _ in range(BROWSER_SESSIONS)]

    real_new_id = store.new_session_id
    drawn: list[str] = []
    lock = threading.Lock()

    def colliding_new_id(*args: object) -> str:
        with lock:
            drawn.append(COLLIDING_ID if len(drawn) < BROWSER_SESSIONS else real_new_id(*args))  # type: ignore[arg-type]
            return drawn[-1]

    monkeypatch.setattr(store, "new_session_id", colliding_new_id)
    inject_barrier(monkeypatch, "Core.compile_model", arrivals, BROWSER_SESSIONS)
    start_together = threading.Barrier(BROWSER_SESSIONS)
    failures: list[BaseException] = []

    def profile(at: AppTest) -> None:
        try:
            start_together.wait()
            start_profile(at)
        except BaseException as error:  # noqa: BLE001 - reported by the asserts below
            failures.append(error)

    threads = [threading.Thread(target=profile, args=(at,)) for at in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    files = sorted(path.name for path in sessions.iterdir())

    assert failures == []
    opened = [at.session_state[OPEN_SESSION] for at in apps]
    assert len(list(arrivals.iterdir())) == BROWSER_SESSIONS
    for at in apps:
        assert exception_texts(at) == []
        assert error_texts(at) == []
    assert COLLIDING_ID in opened
    assert len(set(opened)) == BROWSER_SESSIONS
    assert files == sorted(f"{session_id}.parquet" for session_id in opened)
    for session_id in opened:
        session = read_session(sessions / f"{session_id}.parquet")
        assert session.session_id == session_id
        assert session.info["latency_median_ms"] > 0
        assert len(session.table("runtime_layers")) > 0
        assert len(session.table("counters")) > 0
