"""Fault injection for tests: make one OpenVINO call abort, crash, hang or raise.

Python imports this module at start-up when its folder is on ``PYTHONPATH``. A test puts it
there, so the worker processes the CLI or the app spawn inherit it and run the real profile
with one OpenVINO method replaced. Nothing happens unless ``OVSTUDIO_TEST_FAULT`` is set, and
openvino is patched only once something imports it, so a process that never loads openvino
(the CLI or the app itself) stays as it is.

``OVSTUDIO_TEST_FAULT`` is ``ACTION:CLASS.METHOD`` or ``ACTION:CLASS.METHOD@SKIP``: the first
SKIP calls of the method (default 0) run normally, and every later call does ACTION:

- ``abort``: ``os.abort()``, so the process dies from SIGABRT, as a failed plugin assertion does;
- ``segfault``: a read of address 0, so the process dies from SIGSEGV;
- ``hang``: sleep for an hour, so the caller's timeout has to stop the process;
- ``raise``: raise ``RuntimeError``, as a plugin that does not support the call does;
- ``barrier``: wait until ``OVSTUDIO_TEST_BARRIER_COUNT`` processes have reached the call, each
  announcing itself with a file in ``OVSTUDIO_TEST_BARRIER_DIR``, then run the call. A process
  that waits longer than ``BARRIER_TIMEOUT_S`` raises ``RuntimeError``.

CLASS is ``Core``, ``CompiledModel`` or ``InferRequest`` of the ``openvino`` package.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.abc
import importlib.machinery
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

FAULT_VARIABLE = "OVSTUDIO_TEST_FAULT"
BARRIER_DIR_VARIABLE = "OVSTUDIO_TEST_BARRIER_DIR"
BARRIER_COUNT_VARIABLE = "OVSTUDIO_TEST_BARRIER_COUNT"
ACTIONS = ("abort", "segfault", "hang", "raise", "barrier")
HANG_S = 3600.0
BARRIER_TIMEOUT_S = 300.0
SIMULATED = "simulated by the test"


def _parse(text: str) -> tuple[str, str, str, int]:
    action, _, call = text.partition(":")
    call, _, skip = call.partition("@")
    class_name, _, method_name = call.partition(".")
    if action not in ACTIONS or not class_name or not method_name:
        raise ValueError(f"invalid {FAULT_VARIABLE} {text!r}: expected ACTION:CLASS.METHOD[@SKIP], ACTION one of {ACTIONS}")
    return action, class_name, method_name, int(skip or 0)


def _act(action: str, call: str) -> None:
    if action == "abort":
        os.abort()
    elif action == "segfault":
        ctypes.string_at(0)
    elif action == "hang":
        time.sleep(HANG_S)
    elif action == "raise":
        raise RuntimeError(f"{call} is not supported ({SIMULATED})")
    elif action == "barrier":
        _wait_at_barrier(call)


def _wait_at_barrier(call: str) -> None:
    folder = Path(os.environ[BARRIER_DIR_VARIABLE])
    count = int(os.environ[BARRIER_COUNT_VARIABLE])
    (folder / f"arrived-{os.getpid()}").touch()
    deadline = time.monotonic() + BARRIER_TIMEOUT_S
    while len(list(folder.glob("arrived-*"))) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(list(folder.glob('arrived-*')))} of {count} processes reached {call}")
        time.sleep(0.05)


def _patch(openvino: ModuleType, text: str) -> None:
    action, class_name, method_name, skip = _parse(text)
    owner = getattr(openvino, class_name)
    original = getattr(owner, method_name)
    call = f"{class_name}.{method_name}"
    calls = [0]

    @functools.wraps(original)
    def faulty(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] > skip:
            _act(action, call)
        return original(*args, **kwargs)

    setattr(owner, method_name, faulty)


class _PatchAfterImport(importlib.abc.MetaPathFinder):
    """Find ``openvino`` as usual, and patch it right after its module has run."""

    def __init__(self, fault: str) -> None:
        self.fault = fault

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "openvino":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        run_module = loader.exec_module  # type: ignore[attr-defined]

        def exec_module(module: ModuleType) -> None:
            run_module(module)
            _patch(module, self.fault)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if os.environ.get(FAULT_VARIABLE):
    _parse(os.environ[FAULT_VARIABLE])
    sys.meta_path.insert(0, _PatchAfterImport(os.environ[FAULT_VARIABLE]))
