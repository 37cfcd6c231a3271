"""Run the real worker with one OpenVINO call made to abort, crash, hang or raise.

``tests/faults/sitecustomize.py`` patches openvino in every Python process started with that
folder on ``PYTHONPATH`` and ``OVSTUDIO_TEST_FAULT`` set. The CLI's and the app's worker
processes inherit both from the environment, so the whole product runs unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

FAULTS_DIR = Path(__file__).resolve().parent / "faults"
FAULT_VARIABLE = "OVSTUDIO_TEST_FAULT"
BARRIER_DIR_VARIABLE = "OVSTUDIO_TEST_BARRIER_DIR"
BARRIER_COUNT_VARIABLE = "OVSTUDIO_TEST_BARRIER_COUNT"


def python_path_with_faults(environment: Mapping[str, str]) -> str:
    """Return PYTHONPATH with the fault folder first, so its sitecustomize is the one imported."""
    existing = environment.get("PYTHONPATH")
    return os.pathsep.join([str(FAULTS_DIR), existing]) if existing else str(FAULTS_DIR)


def fault_env(fault: str, **extra: str) -> dict[str, str]:
    """Return this process's environment with ``fault`` (ACTION:CLASS.METHOD[@SKIP]) injected."""
    return {**os.environ, "PYTHONPATH": python_path_with_faults(os.environ), FAULT_VARIABLE: fault, **extra}


def inject_fault(monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    """Make worker processes started from now on by this process run with ``fault``."""
    monkeypatch.setenv("PYTHONPATH", python_path_with_faults(os.environ))
    monkeypatch.setenv(FAULT_VARIABLE, fault)


def inject_barrier(monkeypatch: pytest.MonkeyPatch, call: str, folder: Path, count: int) -> None:
    """Make worker processes wait at ``call`` until ``count`` of them have reached it."""
    inject_fault(monkeypatch, f"barrier:{call}")
    monkeypatch.setenv(BARRIER_DIR_VARIABLE, str(folder))
    monkeypatch.setenv(BARRIER_COUNT_VARIABLE, str(count))


def remove_fault(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let worker processes started from now on run without a fault."""
    monkeypatch.delenv(FAULT_VARIABLE, raising=False)
