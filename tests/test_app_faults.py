"""Plugin crashes, hangs and missing device features through the real page and the real worker.

Each test uploads a real catalog model in AppTest and profiles it in the real worker process,
with one OpenVINO call faulted by ``tests/faults/sitecustomize.py``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ovstudio.session.store import read_session
from ovstudio.ui.paths import SESSIONS_DIR_VARIABLE
from ovstudio.ui.state import OPEN_SESSION
from tests.app_support import (
    error_texts,
    exception_texts,
    files_of,
    new_app,
    session_files,
    shown_text,
    start_profile,
    upload_models,
)
from tests.fault_injection import inject_fault, remove_fault
from tests.real_models import fetch

# Timeout of the hang case, seconds: the worker must reach the compile stage within it, on a loaded
# 2-core machine too. The page accepts 10 s at the least.
HANG_TIMEOUT_S = 30


@pytest.fixture
def sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             real_session_path: Callable[[str], Path]) -> Path:
    """A sessions folder of the app that contains one earlier session."""
    folder = tmp_path / "sessions"
    folder.mkdir()
    shutil.copy2(real_session_path("light_squeezenet"), folder)
    monkeypatch.setenv(SESSIONS_DIR_VARIABLE, str(folder))
    return folder


@pytest.fixture
def temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty folder for every temporary file of the app and of its worker processes."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    yield folder


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir()}


CRASHES = [
    pytest.param("abort:Core.compile_model", {}, "crashed: the worker process died from signal SIGABRT during stage "
                 "'compile'", "try another device or precision", id="abort-compile"),
    pytest.param("segfault:InferRequest.infer@1", {}, "crashed: the worker process died from signal SIGSEGV during "
                 "stage 'pass1'", "try another device or precision", id="segfault-pass1"),
    pytest.param("hang:Core.compile_model", {"timeout_s": HANG_TIMEOUT_S},
                 f"timed out after {HANG_TIMEOUT_S} s during stage 'compile'",
                 "raise the timeout if this model takes longer to load or compile; if it still times out, try another "
                 "device", id="hang-compile"),
]


@pytest.mark.parametrize(("fault", "numbers", "what", "advice"), CRASHES)
def test_page_worker_fault_then_profile(
    fault: str, numbers: dict[str, float], what: str, advice: str,
    sessions: Path, temp_folder: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = folder_bytes(sessions)
    at = upload_models(new_app().run(), files_of(fetch("light_squeezenet")))
    for key, value in numbers.items():
        at.number_input(key=key).set_value(value)
    inject_fault(monkeypatch, fault)
    start_profile(at)
    errors = error_texts(at)
    after_fault = folder_bytes(sessions)
    temp_after_fault = list(temp_folder.iterdir())

    remove_fault(monkeypatch)
    start_profile(at)
    new_files = sorted(set(session_files(sessions)) - set(before))

    assert exception_texts(at) == []
    assert len(errors) == 1
    assert errors[0].startswith("Profile of light_squeezenet.onnx failed: profiling light_squeezenet on CPU ")
    assert what in errors[0]
    assert advice in errors[0]
    assert "Traceback" not in errors[0]
    assert after_fault == before
    assert temp_after_fault == []
    assert error_texts(at) == []
    assert at.session_state[OPEN_SESSION] == Path(new_files[0]).stem
    assert len(new_files) == 1
    assert read_session(sessions / new_files[0]).model_name == "light_squeezenet"
    assert {name: data for name, data in folder_bytes(sessions).items() if name in before} == before
    assert list(temp_folder.iterdir()) == []


REASON_COUNTERS = "get_profiling_info() failed: InferRequest.get_profiling_info is not supported (simulated by the test)"
REASON_RUNTIME_MODEL = "get_runtime_model() failed: CompiledModel.get_runtime_model is not supported (simulated by the test)"
NOTICE_COUNTERS = (
    f"Per-layer times are missing: {REASON_COUNTERS}. Latency and throughput were measured, but the layer "
    "table, the execution-time coloring and the time charts have no per-layer times. Profile on a device "
    "that returns performance counters (PERF_COUNT) to get them."
)
NOTICE_RUNTIME_MODEL = (
    f"The runtime model is missing: {REASON_RUNTIME_MODEL}. Latency and throughput were measured and the IR "
    "graph is complete, but the runtime graph, the layer table and the links between execution nodes and IR "
    "layers are empty, because they come from the runtime model."
)


def profile_with_fault(fault: str, sessions: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    """Profile light_squeezenet with ``fault`` and return the page's warnings and the new session file."""
    before = set(session_files(sessions))
    at = upload_models(new_app().run(), files_of(fetch("light_squeezenet")))
    inject_fault(monkeypatch, fault)
    start_profile(at)
    new_files = sorted(set(session_files(sessions)) - before)

    assert exception_texts(at) == []
    assert error_texts(at) == []
    assert len(new_files) == 1
    assert at.session_state[OPEN_SESSION] == Path(new_files[0]).stem
    return [shown_text(element.value) for element in at.warning], sessions / new_files[0]


def test_page_without_counters_saves_rest(sessions: Path, temp_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warnings, path = profile_with_fault("raise:InferRequest.get_profiling_info", sessions, monkeypatch)
    session = read_session(path)

    assert warnings == [NOTICE_COUNTERS]
    assert session.info["counters_error"] == REASON_COUNTERS
    assert session.info["runtime_model_error"] is None
    assert session.info["latency_median_ms"] > 0
    assert len(session.table("runtime_layers")) > 0
    assert len(session.table("ir_layers")) > 0
    assert len(session.table("mapping")) > 0
    assert session.table("counters").empty
    assert list(temp_folder.iterdir()) == []


def test_page_without_runtime_model_saves_rest(sessions: Path, temp_folder: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    warnings, path = profile_with_fault("raise:CompiledModel.get_runtime_model", sessions, monkeypatch)
    session = read_session(path)

    assert warnings == [NOTICE_RUNTIME_MODEL]
    assert session.info["runtime_model_error"] == REASON_RUNTIME_MODEL
    assert session.info["counters_error"] is None
    assert session.info["latency_median_ms"] > 0
    assert session.info["layers_time_ms"] > 0
    assert len(session.table("counters")) > 0
    assert len(session.table("ir_layers")) > 0
    assert session.table("runtime_layers").empty
    assert list(temp_folder.iterdir()) == []
