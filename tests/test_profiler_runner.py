"""Tests of the worker process runner: crashes, hangs, cancellation, errors, clean-up.

The targets below run in the spawn child, which imports this module to find them.
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ovstudio.errors import (
    ModelInputError,
    ProfilingCancelled,
    ProfilingError,
    UnsupportedOperationError,
)
from ovstudio.model_files import ModelBundle
from ovstudio.profiler import runner
from ovstudio.settings import ProfileSettings

Report = Callable[[str, float, str], None]


def aborting_target(bundle: ModelBundle, settings: ProfileSettings, report: Report) -> None:
    report("compile", 0.2, "compiling")
    os.abort()


def segfaulting_target(bundle: ModelBundle, settings: ProfileSettings, report: Report) -> None:
    report("pass1", 0.3, "measuring")
    ctypes.string_at(0)


def hanging_target(bundle: ModelBundle, settings: ProfileSettings, report: Report) -> None:
    report("pass2", 0.7, "reading counters")
    time.sleep(600)


def exiting_target(bundle: ModelBundle, settings: ProfileSettings, report: Report) -> None:
    report("warmup", 0.25, "warming up")
    os._exit(3)


def input_error_target(bundle: ModelBundle, settings: ProfileSettings, report: Report) -> None:
    report("inputs", 0.1, "resolving shapes")
    raise ModelInputError("input 'x' needs a shape")


def unsupported_target(bundle: ModelBundle, settings: ProfileSettings, report: Report) -> None:
    raise UnsupportedOperationError("operations not supported: Foo, Bar", ["Foo", "Bar"])


def bug_target(bundle: ModelBundle, settings: ProfileSettings, report: Report) -> None:
    report("collect", 0.95, "collecting")
    raise KeyError("missing column")


def returning_target(value: Any, report: Report) -> Any:
    report("job", 0.5, "working")
    return {"value": value}


@pytest.fixture
def bundle(tmp_path: Path) -> ModelBundle:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"")
    return ModelBundle("model", "onnx", tmp_path, model, (), "0" * 64)


@pytest.fixture
def worker_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point tempfile at an empty folder, so leftovers of the runner are easy to see."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder


def _worker_pids(caplog: pytest.LogCaptureFixture) -> list[int]:
    return [int(match) for match in re.findall(r"started worker process (\d+)", caplog.text)]


def _assert_clean(worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert list(worker_temp.iterdir()) == []
    pids = _worker_pids(caplog)
    assert pids
    for pid in pids:
        # A zombie still has a /proc entry until its parent reaps it.
        assert not Path(f"/proc/{pid}").exists()


def test_runner_abort_names_signal_and_stage(bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.runner")

    with pytest.raises(ProfilingError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=aborting_target)

    assert "SIGABRT" in str(caught.value)
    assert "'compile'" in str(caught.value)
    assert caught.value.stage == "compile"
    _assert_clean(worker_temp, caplog)


def test_runner_segfault_names_signal_and_stage(bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.runner")

    with pytest.raises(ProfilingError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=segfaulting_target)

    assert "SIGSEGV" in str(caught.value)
    assert caught.value.stage == "pass1"
    _assert_clean(worker_temp, caplog)


def test_runner_hang_times_out(bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.runner")
    started = time.monotonic()

    with pytest.raises(ProfilingError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=4), target=hanging_target)

    assert time.monotonic() - started < 30
    assert "timed out after 4 s" in str(caught.value)
    assert "'pass2'" in str(caught.value)
    assert not isinstance(caught.value, ProfilingCancelled)
    _assert_clean(worker_temp, caplog)


def test_runner_cancel_kills_child(bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.runner")
    cancel = threading.Event()
    stages: list[str] = []

    def on_progress(stage: str, fraction: float, message: str) -> None:
        stages.append(stage)
        cancel.set()

    with pytest.raises(ProfilingCancelled) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), on_progress, cancel, target=hanging_target)

    assert stages == ["pass2"]
    assert caught.value.stage == "pass2"
    _assert_clean(worker_temp, caplog)


def test_runner_nonzero_exit_is_profiling_error(bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.runner")

    with pytest.raises(ProfilingError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=exiting_target)

    assert "exited with code 3" in str(caught.value)
    assert caught.value.stage == "warmup"
    _assert_clean(worker_temp, caplog)


def test_runner_reraises_model_input_error(bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.runner")

    with pytest.raises(ModelInputError, match="input 'x' needs a shape"):
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=input_error_target)

    _assert_clean(worker_temp, caplog)


def test_runner_keeps_unsupported_operations(bundle: ModelBundle, worker_temp: Path) -> None:
    with pytest.raises(UnsupportedOperationError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=unsupported_target)

    assert caught.value.operations == ["Foo", "Bar"]


def test_runner_wraps_unexpected_error(bundle: ModelBundle, worker_temp: Path) -> None:
    with pytest.raises(ProfilingError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=bug_target)

    assert "KeyError" in str(caught.value)
    assert "'collect'" in str(caught.value)
    assert caught.value.stage == "collect"


def test_run_in_worker_returns_result(worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.runner")
    progress: list[tuple[str, float, str]] = []

    result = runner.run_in_worker(
        returning_target, 42, timeout_s=60, on_progress=lambda *event: progress.append(event)
    )

    assert result == {"value": 42}
    assert progress == [("job", 0.5, "working")]
    _assert_clean(worker_temp, caplog)


def test_runner_import_leaves_openvino_unloaded() -> None:
    code = "import sys, ovstudio.profiler.runner; print('openvino' in sys.modules)"

    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert completed.stdout.strip() == "False"
