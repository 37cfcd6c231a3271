"""Run OpenVINO work in a child process, so that a plugin crash cannot take the caller down.

The parent never imports openvino. It starts a ``spawn`` child, reads progress and errors from
a pipe, enforces a timeout, honours cancellation, and always reaps the child and removes its
temporary folder. The child writes its return value with pickle to a file the parent names.

A target is a function called as ``target(*args, report)``, where ``report(stage, fraction,
message)`` sends progress. It is given as ``"module:function"`` (imported only in the child) or
as a module-level function that the child can import.

NOTE: like every ``spawn`` child, the worker imports the parent's main module again, so a
script that calls these functions must guard its top-level code with
``if __name__ == "__main__":``.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import multiprocessing
import pickle
import shutil
import signal
import tempfile
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from ovstudio import errors
from ovstudio.model_files import ModelBundle
from ovstudio.profiler.result import ProfileResult
from ovstudio.settings import ProfileSettings

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, float, str], None]
Target = Callable[..., Any] | str

PROFILE_TARGET = "ovstudio.profiler.worker:profile"
POLL_INTERVAL_S = 0.1
# Seconds the child may take to exit after it sent its result or error.
EXIT_GRACE_S = 10.0
START_STAGE = "start"


class CancelFlag(Protocol):
    """Anything with ``is_set()``, such as ``threading.Event``."""

    def is_set(self) -> bool: ...


@dataclasses.dataclass
class _ChildState:
    stage: str = START_STAGE
    done: bool = False
    error: tuple[str, str, str, dict[str, Any], str] | None = None


def run_profile(
    bundle: ModelBundle,
    settings: ProfileSettings,
    on_progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
    *,
    target: Target = PROFILE_TARGET,
) -> ProfileResult:
    """Profile ``bundle`` with ``settings`` in a worker process, within ``settings.timeout_s``.

    Raises the worker's ``ModelInputError`` / ``ProfilingError``, ``ProfilingError`` when the
    worker crashes or times out, and ``ProfilingCancelled`` when ``cancel`` is set.
    """
    result = run_in_worker(
        target, bundle, settings, timeout_s=settings.timeout_s, on_progress=on_progress, cancel=cancel,
        task=f"profiling {bundle.model_name} on {settings.device}",
    )
    if not isinstance(result, ProfileResult):
        raise errors.ProfilingError(
            f"the worker returned {type(result).__name__}, expected ProfileResult: the worker target is wrong"
        )
    return result


def inspect_model(bundle: ModelBundle, timeout_s: float = 300.0) -> list[dict[str, Any]]:
    """List the inputs of the model (name, shape text, element type, dynamic flag), in a child."""
    result: list[dict[str, Any]] = run_in_worker(
        "ovstudio.profiler.jobs:inspect_model", bundle, timeout_s=timeout_s, task=f"reading {bundle.model_name}"
    )
    return result


def convert_to_ir(bundle: ModelBundle, out_folder: Path, timeout_s: float = 600.0) -> tuple[Path, Path]:
    """Convert the model to OpenVINO IR in ``out_folder``, in a child; return (xml, bin) paths."""
    result: tuple[Path, Path] = run_in_worker(
        "ovstudio.profiler.jobs:convert_to_ir", bundle, Path(out_folder), timeout_s=timeout_s,
        task=f"converting {bundle.model_name} to IR",
    )
    return result


def available_devices(timeout_s: float = 120.0) -> list[tuple[str, str]]:
    """List (device name, FULL_DEVICE_NAME) of the devices OpenVINO finds, in a child."""
    result: list[tuple[str, str]] = run_in_worker(
        "ovstudio.profiler.jobs:available_devices", timeout_s=timeout_s, task="listing devices"
    )
    return result


def run_in_worker(
    target: Target,
    *args: Any,
    timeout_s: float,
    on_progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
    task: str = "worker job",
) -> Any:
    """Call ``target(*args, report)`` in a spawn child and return its result.

    ``task`` names the job in error messages. Raises the child's ovstudio error as the same
    class, ``ProfilingError`` when the child dies, exits non-zero or runs past ``timeout_s``, and
    ``ProfilingCancelled`` when ``cancel`` is set.
    """
    context = multiprocessing.get_context("spawn")
    work_dir = Path(tempfile.mkdtemp(prefix="ovstudio-worker-"))
    result_path = work_dir / "result.pickle"
    receiver, sender = context.Pipe(duplex=False)
    log_level = logging.getLogger("ovstudio").getEffectiveLevel()
    process = context.Process(
        target=_child_main,
        args=(target, args, str(result_path), sender, log_level),
        name="ovstudio-worker",
        daemon=True,
    )
    state = _ChildState()
    try:
        process.start()
        sender.close()
        logger.info("started worker process %s for %s", process.pid, task)
        _watch(process, receiver, state, timeout_s, on_progress, cancel, task)
        return _outcome(process, state, result_path, task)
    finally:
        _stop(process)
        receiver.close()
        shutil.rmtree(work_dir, ignore_errors=True)


def _watch(
    process: Any,
    receiver: Connection,
    state: _ChildState,
    timeout_s: float,
    on_progress: ProgressCallback | None,
    cancel: CancelFlag | None,
    task: str,
) -> None:
    """Read events until the child sends a result or error, exits, times out or is cancelled."""
    deadline = time.monotonic() + timeout_s
    while not (state.done or state.error):
        if cancel is not None and cancel.is_set():
            _kill(process)
            logger.info("cancelled %s during stage %s", task, state.stage)
            raise errors.ProfilingCancelled(f"{task} was cancelled during stage {state.stage!r}", stage=state.stage)
        if time.monotonic() > deadline:
            _kill(process)
            logger.error("%s timed out after %g s during stage %s", task, timeout_s, state.stage)
            raise errors.ProfilingError(
                f"{task} timed out after {timeout_s:g} s during stage {state.stage!r}: raise the timeout, "
                f"or use fewer iterations or a shorter time budget",
                stage=state.stage,
            )
        if not _read_event(receiver, state, on_progress):
            if not process.is_alive():
                # The child exited: read whatever it sent before exiting.
                while _read_event(receiver, state, on_progress, wait_s=0.0):
                    pass
                return
    if state.done:
        # The child closed the result file before it sent "done". Unloading OpenVINO's plugins
        # at its exit can take a noticeable part of a short profile, and nothing in it matters.
        _kill(process)
    else:
        process.join(EXIT_GRACE_S)


def _read_event(
    receiver: Connection, state: _ChildState, on_progress: ProgressCallback | None, wait_s: float = POLL_INTERVAL_S
) -> bool:
    """Handle one event from the child; return False when none arrived within ``wait_s``."""
    try:
        if not receiver.poll(wait_s):
            return False
        event = receiver.recv()
    except (EOFError, OSError):
        time.sleep(wait_s)
        return False

    kind = event[0]
    if kind == "progress":
        _, stage, fraction, message = event
        state.stage = stage
        if on_progress is not None:
            on_progress(stage, fraction, message)
    elif kind == "done":
        state.done = True
    elif kind == "error":
        state.error = event[1]
    return True


def _outcome(process: Any, state: _ChildState, result_path: Path, task: str) -> Any:
    if state.error is not None:
        raise _rebuild_error(state.error, task)

    process.join(EXIT_GRACE_S)
    exitcode = process.exitcode
    if not state.done and exitcode is not None and exitcode < 0:
        signal_name = _signal_name(-exitcode)
        logger.error("worker process for %s died from %s during stage %s", task, signal_name, state.stage)
        raise errors.ProfilingError(
            f"{task} crashed: the worker process died from signal {signal_name} during stage "
            f"{state.stage!r}. The OpenVINO plugin failed on this model or device; try another device "
            f"or precision",
            stage=state.stage,
        )
    if not state.done or not result_path.exists():
        logger.error("worker process for %s exited with code %s during stage %s", task, exitcode, state.stage)
        raise errors.ProfilingError(
            f"{task} failed: the worker process exited with code {exitcode} during stage "
            f"{state.stage!r} without a result or an error message",
            stage=state.stage,
        )

    with result_path.open("rb") as stream:
        return pickle.load(stream)


def _rebuild_error(error: tuple[str, str, str, dict[str, Any], str], task: str) -> errors.OvStudioError:
    class_name, message, stage, extras, child_traceback = error
    error_class = getattr(errors, class_name, None)
    if isinstance(error_class, type) and issubclass(error_class, errors.OvStudioError):
        if issubclass(error_class, errors.UnsupportedOperationError):
            return error_class(message, list(extras.get("operations", [])))
        if issubclass(error_class, errors.ProfilingError):
            return error_class(message, stage=extras.get("stage") or stage)
        return error_class(message)

    logger.error("%s failed in the worker during stage %s:\n%s", task, stage, child_traceback)
    return errors.ProfilingError(f"{task} failed during stage {stage!r}: {class_name}: {message}", stage=stage)


def _kill(process: Any) -> None:
    if process.is_alive():
        process.kill()
    process.join()


def _stop(process: Any) -> None:
    """Kill the child if it still runs, reap it and release its resources."""
    if process.pid is None:
        return
    if process.is_alive():
        process.join(0.5)
    if process.is_alive():
        logger.warning("worker process %s still running; killing it", process.pid)
    _kill(process)
    process.close()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


# --- Child side -------------------------------------------------------------------------------


def _child_main(
    target: Target, args: tuple[Any, ...], result_path: str, sender: Connection, log_level: int
) -> None:
    """Entry point of the child: run the target, pickle its result, send progress and errors.

    The child logs to stderr at the parent's ``ovstudio`` log level.
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s [worker]: %(message)s")
    logging.getLogger("ovstudio").setLevel(log_level)
    stage = [START_STAGE]

    def report(stage_name: str, fraction: float, message: str) -> None:
        stage[0] = stage_name
        sender.send(("progress", stage_name, float(fraction), message))

    try:
        function = _resolve_target(target)
        result = function(*args, report)
        with open(result_path, "wb") as stream:
            pickle.dump(result, stream, protocol=pickle.HIGHEST_PROTOCOL)
        sender.send(("done",))
    except Exception as error:  # noqa: BLE001 - every failure is sent to the parent
        extras: dict[str, Any] = {"stage": getattr(error, "stage", None)}
        if isinstance(error, errors.UnsupportedOperationError):
            extras["operations"] = list(error.operations)
        payload = (type(error).__name__, str(error), stage[0], extras, traceback.format_exc())
        sender.send(("error", payload))
    finally:
        sender.close()


def _resolve_target(target: Target) -> Callable[..., Any]:
    if callable(target):
        return target
    module_name, _, function_name = target.partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module_name), function_name)
    return function
