"""Command-line behaviour: exit status, messages and cleanup for bad input and interruptions."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fault_injection import fault_env
from tests.real_models import fetch


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ovstudio", *args], capture_output=True, text=True, env=env, check=False)


@pytest.fixture(scope="module")
def one_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sessions = tmp_path_factory.mktemp("sessions")
    completed = run_cli("profile", str(fetch("light_squeezenet")), "--iterations", "3", "--sessions", str(sessions))
    assert completed.returncode == 0, completed.stderr
    return Path(completed.stdout.strip())


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--iterations", "0"], "iterations 0"),
        (["--time", "nan"], "--time nan"),
        (["--time", "-1"], "--time -1"),
        (["--timeout", "0"], "--timeout 0"),
        (["--shape", "data_0=0,3,224,224"], "data_0=0,3,224,224"),
        (["--shape", "data_0=1,3,224,224", "--shape", "data_0=1,3,224,224"], "given twice"),
    ],
)
def test_profile_invalid_option_exits_2(tmp_path: Path, arguments: list[str], expected: str) -> None:
    completed = run_cli("profile", str(fetch("light_squeezenet")), "--sessions", str(tmp_path), *arguments)

    assert completed.returncode == 2
    assert expected in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not list(tmp_path.glob("*.parquet"))


def test_profile_sessions_file_fails_early(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "afile"
    not_a_folder.write_text("x")
    started = time.perf_counter()
    completed = run_cli("profile", str(fetch("light_resnet50")), "--time", "20", "--sessions", str(not_a_folder))

    assert completed.returncode == 2
    assert "afile" in completed.stderr
    assert "not a folder" in completed.stderr
    # A 20 s profile did not run before the folder was checked.
    assert time.perf_counter() - started < 15


def test_sessions_lists_renamed_copy_by_file_name(one_session: Path, tmp_path: Path) -> None:
    shutil.copy(one_session, tmp_path / "my-copy.parquet")
    listed = json.loads(run_cli("sessions", "--sessions", str(tmp_path), "--json").stdout)
    shown = run_cli("show", "my-copy", "--sessions", str(tmp_path), "--json")

    assert [row["session_id"] for row in listed] == ["my-copy"]
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["model"]["name"] == "light_squeezenet"


def test_sessions_with_broken_file(one_session: Path, tmp_path: Path) -> None:
    shutil.copy(one_session, tmp_path / one_session.name)
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    text = run_cli("sessions", "--sessions", str(tmp_path))
    records = json.loads(run_cli("sessions", "--sessions", str(tmp_path), "--json").stdout)
    good = next(record for record in records if record["session_id"] == one_session.stem)

    assert text.returncode == 0
    assert one_session.stem in text.stdout
    assert "unreadable broken.parquet" in text.stdout
    assert isinstance(good["iterations"], int)
    assert isinstance(good["schema_version"], int)


def test_sessions_folder_is_file_exits_2(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "afile"
    not_a_folder.write_text("x")
    completed = run_cli("sessions", "--sessions", str(not_a_folder))

    assert completed.returncode == 2
    assert "not a folder" in completed.stderr


@pytest.mark.parametrize(("session", "expected"), [("", "empty session"), (".", "is a folder")])
def test_show_bad_session_argument_exits_2(session: str, expected: str) -> None:
    completed = run_cli("show", session)

    assert completed.returncode == 2
    assert expected in completed.stderr


def test_show_text_lists_settings_and_inputs(one_session: Path) -> None:
    completed = run_cli("show", str(one_session))

    assert completed.returncode == 0
    assert "settings    hint latency, iterations 3" in completed.stdout
    assert "input       data_0 f32 [1,3,224,224] from random" in completed.stdout


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_profile_interrupted_leaves_nothing(tmp_path: Path, signal_number: int) -> None:
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    sessions = tmp_path / "sessions"
    env = {**os.environ, "TMPDIR": str(temp_root)}
    # A new session makes the CLI and its worker one process group, as a terminal's job is.
    process = subprocess.Popen(
        [sys.executable, "-m", "ovstudio", "profile", str(fetch("light_resnet50")), "--time", "60",
         "--sessions", str(sessions)],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, start_new_session=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "pass1" in line:
            break
    # Ctrl-C reaches the whole group; SIGTERM usually reaches the CLI alone.
    if signal_number == signal.SIGINT:
        os.killpg(process.pid, signal_number)
    else:
        process.send_signal(signal_number)
    _, stderr = process.communicate(timeout=60)

    if signal_number == signal.SIGINT:
        assert process.returncode == 130
        assert "interrupted" in stderr
    else:
        assert process.returncode == 143
        assert "terminated" in stderr
    assert "Traceback" not in stderr
    assert list(temp_root.iterdir()) == []
    assert not sessions.exists() or list(sessions.iterdir()) == []


def test_show_finds_file_name_in_sessions_folder(one_session: Path, tmp_path: Path) -> None:
    shutil.copy(one_session, tmp_path / "my run (copy).parquet")
    listed = json.loads(run_cli("sessions", "--sessions", str(tmp_path), "--json").stdout)
    by_stem = run_cli("show", "my run (copy)", "--sessions", str(tmp_path))
    by_name = run_cli("show", "my run (copy).parquet", "--sessions", str(tmp_path))

    assert [row["session_id"] for row in listed] == ["my run (copy)"]
    assert by_stem.returncode == 0, by_stem.stderr
    assert by_name.returncode == 0, by_name.stderr


def test_profile_tiny_time_budget_runs_one_inference(tmp_path: Path) -> None:
    completed = run_cli("profile", str(fetch("light_squeezenet")), "--time", "1e-9", "--sessions", str(tmp_path))
    assert completed.returncode == 0, completed.stderr
    summary = json.loads(run_cli("show", completed.stdout.strip(), "--json").stdout)

    assert summary["iterations"] >= 1
    assert summary["counters_iterations"] >= 1
    assert summary["latency_ms"]["median"] > 0


def test_profile_prints_each_progress_step_once(tmp_path: Path) -> None:
    completed = run_cli("profile", str(fetch("light_squeezenet")), "--time", "2", "--sessions", str(tmp_path))
    lines = [line for line in completed.stderr.splitlines() if line.startswith("[")]

    assert completed.returncode == 0, completed.stderr
    assert len(lines) == len({line.split("] ", 1)[1] for line in lines})
    assert len(lines) < 20


# A hang needs pass 1 done within this timeout, on a busy machine too.
HANG_TIMEOUT_S = 40

WORKER_FAULTS = [
    pytest.param("abort:Core.compile_model", "crashed: the worker process died from signal SIGABRT during stage "
                 "'compile'", "try another device or precision", id="abort-compile"),
    pytest.param("segfault:InferRequest.infer@1", "crashed: the worker process died from signal SIGSEGV during "
                 "stage 'pass1'", "try another device or precision", id="segfault-pass1"),
    pytest.param("abort:Core.compile_model@1", "crashed: the worker process died from signal SIGABRT during "
                 "stage 'compile_counters'", "try another device or precision", id="abort-compile-counters"),
    pytest.param("hang:InferRequest.get_profiling_info", f"timed out after {HANG_TIMEOUT_S} s during stage "
                 "'pass2'", "raise the timeout, or use fewer iterations or a shorter time budget", id="hang-pass2"),
]


@pytest.mark.parametrize(("fault", "what", "advice"), WORKER_FAULTS)
def test_profile_worker_fault_exits_1(one_session: Path, tmp_path: Path, fault: str, what: str, advice: str) -> None:
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    shutil.copy2(one_session, sessions)
    before = {path.name: path.read_bytes() for path in sessions.iterdir()}

    completed = run_cli(
        "profile", str(fetch("light_squeezenet")), "--iterations", "5", "--timeout", str(HANG_TIMEOUT_S),
        "--sessions", str(sessions), env=fault_env(fault, TMPDIR=str(temp_root)),
    )
    error_lines = [line for line in completed.stderr.splitlines() if line.startswith("ovstudio:")]

    assert completed.returncode == 1
    assert len(error_lines) == 1
    assert error_lines[0].startswith("ovstudio: profiling failed: profiling light_squeezenet on CPU ")
    assert what in error_lines[0]
    assert advice in error_lines[0]
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""
    assert list(temp_root.iterdir()) == []
    assert {path.name: path.read_bytes() for path in sessions.iterdir()} == before
