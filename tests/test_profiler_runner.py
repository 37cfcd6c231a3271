"""Tests of the worker process runner: crashes, hangs, cancellation, errors, clean-up.

The targets below run in the spawn child, which imports this module to find them.
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import signal
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
from ovstudio.profiler import process as worker_process
from ovstudio.profiler import runner
from ovstudio.settings import ProfileSettings

Report = Callable[[str, float, str], None]


def aborting_target(bundle: ModelBundle, settings: ProfileSettings, report: Report) -> None:
    report("compile", 0.2, "compiling")
    os.abort()


def segfaulting_target(bundle: ModelBundle, settings: ProfileSettings, report: Report) -> None:
    report("pass1", 0.3, "measuring")
    ctypes.string_at(0)


# A hang test's timeout must outlast the child's start (a new interpreter importing this module),
# which took over 4 s on a loaded 2-core machine.
HANG_TIMEOUT_S = 15


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


def hanging_job(report: Report) -> None:
    report("load", 0.0, "loading")
    time.sleep(600)


def returning_target(value: Any, report: Report) -> Any:
    report("job", 0.5, "working")
    return {"value": value}


def noisy_aborting_target(bundle: ModelBundle, settings: ProfileSettings, report: Report) -> None:
    report("compile", 0.2, "compiling")
    for index in range(15):
        os.write(2, f"plugin line {index}\n".encode())
    os.write(2, b"\n   \n")
    os.abort()


def noisy_exiting_target(bundle: ModelBundle, settings: ProfileSettings, report: Report) -> None:
    report("load", 0.0, "loading")
    os.write(2, b"last words of the plugin")
    os._exit(4)


def noisy_returning_target(report: Report) -> str:
    logging.getLogger("ovstudio.tests").warning("a warning of the worker")
    os.write(2, b"E0000 text_format.cc:417] Error parsing text-format tensorflow.GraphDef\n")
    print("a line on stdout", flush=True)
    return "result"


def signal_state_target(report: Report) -> tuple[bool, bool]:
    """Return whether SIGINT is ignored and whether it is blocked, in the child."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return ignored, blocked


def send_sigint_blocked(sender: Any) -> None:
    """Send whether SIGINT is blocked, as the first step of a spawn child."""
    sender.send(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))


def reporting_target(report: Report) -> None:
    """Report progress every 50 ms for a minute."""
    for index in range(1200):
        report("pass1", 0.5, f"tick {index}")
        time.sleep(0.05)


# Runs the runner as the main program, so that a test can signal it and its worker together.
# argv[1] is the folder for temporary files.
RUNNER_SCRIPT = """
import logging, sys, tempfile
from ovstudio.profiler import runner

def on_progress(stage, fraction, message):
    print(message, flush=True)

if __name__ == "__main__":
    tempfile.tempdir = sys.argv[1]
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        runner.run_in_worker("tests.test_profiler_runner:reporting_target", timeout_s=120, on_progress=on_progress)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
"""


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


# Starts the first spawn child of a fresh interpreter inside process._sigint_blocked.
FIRST_CHILD_SCRIPT = """
import multiprocessing
from ovstudio.profiler import process as worker_process
from tests.test_profiler_runner import send_sigint_blocked

if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=send_sigint_blocked, args=(sender,))
    with worker_process._sigint_blocked():
        process.start()
    print(receiver.recv())
    process.join()
"""


def _process_running(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie that no one reaped yet counts as ended."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _start_runner_script(temp: Path, new_session: bool) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER_SCRIPT, str(temp)],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=new_session,
    )


def _error_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


def _assert_clean(worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert list(worker_temp.iterdir()) == []
    pids = _worker_pids(caplog)
    assert pids
    for pid in pids:
        # A zombie still has a /proc entry until its parent reaps it.
        assert not Path(f"/proc/{pid}").exists()


def test_runner_abort_names_signal_and_stage(bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.process")

    with pytest.raises(ProfilingError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=aborting_target)

    assert "SIGABRT" in str(caught.value)
    assert "'compile'" in str(caught.value)
    assert caught.value.stage == "compile"
    assert _error_records(caplog) == []
    _assert_clean(worker_temp, caplog)


def test_runner_crash_quotes_last_output(bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.process")

    with pytest.raises(ProfilingError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=noisy_aborting_target)

    message = str(caught.value)
    assert "SIGABRT" in message
    quoted = message.split("Last output of the worker:\n", 1)[1].splitlines()
    assert quoted == [f"  plugin line {index}" for index in range(5, 15)]
    _assert_clean(worker_temp, caplog)


def test_runner_exit_quotes_last_output(bundle: ModelBundle, worker_temp: Path) -> None:
    with pytest.raises(ProfilingError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=noisy_exiting_target)

    assert "exited with code 4" in str(caught.value)
    assert str(caught.value).endswith("Last output of the worker:\n  last words of the plugin")


def test_runner_child_output_kept_off_terminal(worker_temp: Path, capfd: pytest.CaptureFixture[str]) -> None:
    result = runner.run_in_worker(noisy_returning_target, timeout_s=60)

    out, err = capfd.readouterr()
    assert result == "result"
    assert "E0000" not in err
    assert "a warning of the worker" not in err
    assert "a line on stdout" not in out


def test_runner_child_output_logged_at_info(worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio")

    runner.run_in_worker(noisy_returning_target, timeout_s=60)

    worker_lines = [record.getMessage() for record in caplog.records if record.getMessage().startswith("[worker]")]
    assert "[worker] WARNING ovstudio.tests: a warning of the worker" in worker_lines
    assert "[worker] E0000 text_format.cc:417] Error parsing text-format tensorflow.GraphDef" in worker_lines
    assert "[worker] a line on stdout" in worker_lines
    assert all(record.levelno == logging.INFO for record in caplog.records if record.getMessage().startswith("[worker]"))


def test_runner_child_ignores_sigint(worker_temp: Path) -> None:
    ignored, blocked = runner.run_in_worker(signal_state_target, timeout_s=60)

    assert ignored
    assert not blocked


def test_runner_first_child_starts_with_sigint_blocked() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", FIRST_CHILD_SCRIPT],
        cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, check=True, timeout=60,
    )

    assert completed.stdout.strip() == "True"


@pytest.mark.parametrize("moment", ["while starting", "while running"])
def test_runner_ctrl_c_leaves_no_worker_traceback(tmp_path: Path, moment: str) -> None:
    # The terminal sends SIGINT to the whole process group: the runner and its worker.
    script = _start_runner_script(tmp_path, new_session=True)
    assert script.stderr is not None
    assert script.stdout is not None
    if moment == "while starting":
        started = ""
        while "started worker process" not in started:
            started = script.stderr.readline()
            assert started, "the runner exited before it started the worker"
    else:
        assert script.stdout.readline().strip() == "tick 0"
    os.killpg(script.pid, signal.SIGINT)

    out, err = script.communicate(timeout=60)
    if moment == "while starting":
        err = started + err

    assert script.returncode == 130
    assert "interrupted" in out
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err
    worker_pid = int(re.search(r"started worker process (\d+)", err).group(1))  # type: ignore[union-attr]
    assert not _process_running(worker_pid)
    assert list(tmp_path.iterdir()) == []


def test_runner_worker_exits_quietly_without_parent(tmp_path: Path) -> None:
    script = _start_runner_script(tmp_path, new_session=False)
    assert script.stdout is not None
    assert script.stdout.readline().strip() == "tick 0"

    script.kill()
    _, err = script.communicate(timeout=60)
    worker_pid = int(re.search(r"started worker process (\d+)", err).group(1))  # type: ignore[union-attr]
    deadline = time.monotonic() + 30
    while _process_running(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.1)

    assert not _process_running(worker_pid)
    # The killed runner could not remove its folder, which keeps the worker's output.
    outputs = list(tmp_path.glob(f"ovstudio-worker-*/{worker_process.OUTPUT_FILE}"))
    assert len(outputs) == 1
    assert "Traceback" not in outputs[0].read_text()


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, SystemExit])
def test_runner_interrupted_parent_cleans_up(
    bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture, interruption: type[BaseException]
) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.process")

    def on_progress(stage: str, fraction: float, message: str) -> None:
        if interruption is KeyboardInterrupt:
            # Like Ctrl-C: SIGINT to this process, while the runner waits for the hanging worker.
            threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        else:
            raise SystemExit(3)

    with pytest.raises(interruption):
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), on_progress, target=hanging_target)

    _assert_clean(worker_temp, caplog)


def test_runner_segfault_names_signal_and_stage(bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.process")

    with pytest.raises(ProfilingError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=segfaulting_target)

    assert "SIGSEGV" in str(caught.value)
    assert caught.value.stage == "pass1"
    _assert_clean(worker_temp, caplog)


def test_runner_hang_times_out(bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.process")
    started = time.monotonic()

    with pytest.raises(ProfilingError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=HANG_TIMEOUT_S), target=hanging_target)

    assert time.monotonic() - started < HANG_TIMEOUT_S + 30
    assert _error_records(caplog) == []
    assert f"timed out after {HANG_TIMEOUT_S} s" in str(caught.value)
    assert "'pass2'" in str(caught.value)
    assert not isinstance(caught.value, ProfilingCancelled)
    _assert_clean(worker_temp, caplog)


def test_run_in_worker_timeout_default_advice(worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.process")

    with pytest.raises(ProfilingError) as caught:
        runner.run_in_worker(hanging_job, timeout_s=HANG_TIMEOUT_S, task="reading model")

    assert str(caught.value) == (
        f"reading model timed out after {HANG_TIMEOUT_S} s during stage 'load': try again; if it times out again, OpenVINO "
        "hangs on this model or device"
    )
    _assert_clean(worker_temp, caplog)


def test_runner_cancel_kills_child(bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.process")
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
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.process")

    with pytest.raises(ProfilingError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=exiting_target)

    assert "exited with code 3" in str(caught.value)
    assert "Last output" not in str(caught.value)
    assert caught.value.stage == "warmup"
    assert _error_records(caplog) == []
    _assert_clean(worker_temp, caplog)


def test_runner_reraises_model_input_error(bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.process")

    with pytest.raises(ModelInputError, match="input 'x' needs a shape"):
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=input_error_target)

    _assert_clean(worker_temp, caplog)


def test_runner_keeps_unsupported_operations(bundle: ModelBundle, worker_temp: Path) -> None:
    with pytest.raises(UnsupportedOperationError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=unsupported_target)

    assert caught.value.operations == ["Foo", "Bar"]


def test_runner_wraps_unexpected_error(bundle: ModelBundle, worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.process")

    with pytest.raises(ProfilingError) as caught:
        runner.run_profile(bundle, ProfileSettings(timeout_s=60), target=bug_target)

    assert _error_records(caplog) == []
    assert "Traceback" in caplog.text
    assert "KeyError" in str(caught.value)
    assert "'collect'" in str(caught.value)
    assert caught.value.stage == "collect"


def test_run_in_worker_returns_result(worker_temp: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.process")
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
