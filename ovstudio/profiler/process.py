"""Run a function in a child process, so that a plugin crash cannot take the caller down.

The parent starts a ``spawn`` child, reads progress and errors from a pipe, enforces a timeout,
honours cancellation, and always reaps the child and removes its temporary folder. The child
writes its return value with pickle to a file the parent names.

The child ignores SIGINT, so a Ctrl-C that reaches the whole process group leaves the decision
to the parent, which kills the child. The child's stdout and stderr, where OpenVINO, protobuf
and the child's own log write, go to a file in the temporary folder. The parent copies its
lines to its own log at INFO level and quotes the last ones when the child crashes.

A target is a function called as ``target(*args, report)``, where ``report(stage, fraction,
message)`` sends progress. It is given as ``"module:function"`` (imported only in the child) or
as a module-level function that the child can import.

NOTE: like every ``spawn`` child, the worker imports the parent's main module again, so a
script that calls these functions must guard its top-level code with
``if __name__ == "__main__":``.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import importlib
import logging
import multiprocessing
import os
import pickle
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from ovstudio import errors

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, float, str], None]
Target = Callable[..., Any] | str
# Called with the stage a job timed out in; returns what the user can do about it.
TimeoutAdvice = Callable[[str], str]

POLL_INTERVAL_S = 0.1
# Seconds the child may take to exit after it sent its result or error.
EXIT_GRACE_S = 10.0
START_STAGE = "start"
# File in the worker's temporary folder that receives the child's stdout and stderr.
OUTPUT_FILE = "worker-output.txt"
# Non-empty lines of the child's output quoted when it crashes.
CRASH_CONTEXT_LINES = 10
# Bytes of the child's output read at a time. A longer line is split at this size.
OUTPUT_CHUNK_BYTES = 1 << 16
# Exit code of a child that ends because its parent is gone.
PARENT_GONE_EXIT_CODE = 1


class CancelFlag(Protocol):
    """Anything with ``is_set()``, such as ``threading.Event``."""

    def is_set(self) -> bool: ...


@dataclasses.dataclass
class _ChildState:
    stage: str = START_STAGE
    done: bool = False
    error: tuple[str, str, str, dict[str, Any], str] | None = None


def run_in_worker(
    target: Target,
    *args: Any,
    timeout_s: float,
    on_progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
    task: str = "worker job",
    timeout_advice: TimeoutAdvice | None = None,
) -> Any:
    """Call ``target(*args, report)`` in a spawn child and return its result.

    ``task`` names the job in error messages, and ``timeout_advice`` (the default when None)
    words what to do after a timeout in a stage. Raises the child's ovstudio error as the same
    class, ``ProfilingError`` when the child dies, exits non-zero or runs past ``timeout_s``, and
    ``ProfilingCancelled`` when ``cancel`` is set. The child is killed and the temporary folder
    removed on every exit, KeyboardInterrupt and SystemExit included.
    """
    context = multiprocessing.get_context("spawn")
    work_dir = Path(tempfile.mkdtemp(prefix="ovstudio-worker-"))
    result_path = work_dir / "result.pickle"
    output = _WorkerOutput(work_dir / OUTPUT_FILE)
    receiver, sender = context.Pipe(duplex=False)
    log_level = logging.getLogger("ovstudio").getEffectiveLevel()
    process = context.Process(
        target=_child_main,
        args=(target, args, str(result_path), str(output.path), sender, log_level),
        name="ovstudio-worker",
        daemon=True,
    )
    state = _ChildState()
    try:
        with _sigint_blocked():
            process.start()
        sender.close()
        logger.info("started worker process %s for %s", process.pid, task)
        _watch(process, receiver, state, output, timeout_s, on_progress, cancel, task,
               timeout_advice or default_timeout_advice)
        return _outcome(process, state, output, result_path, task)
    finally:
        _stop(process)
        output.finish()
        sender.close()
        receiver.close()
        shutil.rmtree(work_dir, ignore_errors=True)


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread, so that a child started meanwhile starts with it blocked.

    The signal mask survives fork and exec, so the child cannot get a KeyboardInterrupt before
    ``_child_main`` ignores SIGINT. A SIGINT that arrives meanwhile reaches the parent once the
    block ends.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    # The first spawn child of a process starts multiprocessing's resource tracker, which
    # unblocks SIGINT once the tracker runs (CPython 3.11). Starting the tracker first keeps the block.
    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _watch(
    process: Any,
    receiver: Connection,
    state: _ChildState,
    output: _WorkerOutput,
    timeout_s: float,
    on_progress: ProgressCallback | None,
    cancel: CancelFlag | None,
    task: str,
    timeout_advice: TimeoutAdvice,
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
            # The raised error carries the message, so the log only records the event.
            logger.info("%s timed out after %g s during stage %s", task, timeout_s, state.stage)
            raise errors.ProfilingError(
                f"{task} timed out after {timeout_s:g} s during stage {state.stage!r}: "
                f"{timeout_advice(state.stage)}",
                stage=state.stage,
            )
        if not _read_event(receiver, state, output, on_progress) and not process.is_alive():
            # The child exited: read whatever it sent before exiting.
            while _read_event(receiver, state, output, on_progress, wait_s=0.0):
                pass
            return
    if state.done:
        # The child closed the result file before it sent "done". Unloading OpenVINO's plugins
        # at its exit can take a noticeable part of a short profile, and nothing in it matters.
        _kill(process)
    else:
        process.join(EXIT_GRACE_S)


def default_timeout_advice(stage: str) -> str:
    """Advise on a timed-out job whose time limit the user cannot set."""
    return "try again; if it times out again, OpenVINO hangs on this model or device"


def _read_event(
    receiver: Connection,
    state: _ChildState,
    output: _WorkerOutput,
    on_progress: ProgressCallback | None,
    wait_s: float = POLL_INTERVAL_S,
) -> bool:
    """Handle one event from the child; return False when none arrived within ``wait_s``.

    The child's output is logged first, because the child wrote it before it sent the event.
    """
    try:
        ready = receiver.poll(wait_s)
        output.read()
        if not ready:
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


def _outcome(process: Any, state: _ChildState, output: _WorkerOutput, result_path: Path, task: str) -> Any:
    if state.error is not None:
        raise _rebuild_error(state.error, task)

    process.join(EXIT_GRACE_S)
    exitcode = process.exitcode
    if not state.done and exitcode is not None and exitcode < 0:
        signal_name = _signal_name(-exitcode)
        logger.info("worker process for %s died from %s during stage %s", task, signal_name, state.stage)
        raise errors.ProfilingError(
            f"{task} crashed: the worker process died from signal {signal_name} during stage "
            f"{state.stage!r}. The OpenVINO plugin failed on this model or device; try another device "
            f"or precision{output.crash_context()}",
            stage=state.stage,
        )
    if not state.done or not result_path.exists():
        logger.info("worker process for %s exited with code %s during stage %s", task, exitcode, state.stage)
        raise errors.ProfilingError(
            f"{task} failed: the worker process exited with code {exitcode} during stage "
            f"{state.stage!r} without a result or an error message{output.crash_context()}",
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

    # The raised error names the exception. Its traceback is logged at INFO level for bug reports.
    logger.info("%s failed in the worker during stage %s:\n%s", task, stage, child_traceback)
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
        logger.info("stopping worker process %s", process.pid)
    _kill(process)
    process.close()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class _WorkerOutput:
    """The child's output file, read as it grows: each line is logged, the last few are kept.

    Lines are logged at INFO level, so they reach the user only when the ``ovstudio`` logger is
    at INFO or lower.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor: int | None = None
        self._finished = False
        self._partial = b""
        self._last_lines: collections.deque[str] = collections.deque(maxlen=CRASH_CONTEXT_LINES)

    def read(self) -> None:
        """Log the complete lines written since the last read."""
        if self._finished:
            return
        if self._descriptor is None:
            try:
                self._descriptor = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                return
        while True:
            data = os.read(self._descriptor, OUTPUT_CHUNK_BYTES)
            if not data:
                return
            lines = (self._partial + data).split(b"\n")
            self._partial = lines.pop()
            if len(self._partial) >= OUTPUT_CHUNK_BYTES:
                lines.append(self._partial)
                self._partial = b""
            for line in lines:
                self._add(line)

    def finish(self) -> None:
        """Read and log the rest of the output, including a last line without a newline."""
        self.read()
        if self._partial:
            self._add(self._partial)
            self._partial = b""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
        self._finished = True

    def crash_context(self) -> str:
        """Return the last non-empty lines of the output as a message suffix, or '' when none."""
        self.finish()
        if not self._last_lines:
            return ""
        return ". Last output of the worker:\n  " + "\n  ".join(self._last_lines)

    def _add(self, raw_line: bytes) -> None:
        line = raw_line.decode("utf-8", errors="replace").rstrip()
        if not line.strip():
            return
        self._last_lines.append(line)
        logger.info("[worker] %s", line)


# --- Child side -------------------------------------------------------------------------------


class _ParentGone(SystemExit):
    """The pipe to the parent broke, because the parent exited or was killed.

    ``multiprocessing`` ends a child on SystemExit without printing a traceback.
    """


def _child_main(
    target: Target, args: tuple[Any, ...], result_path: str, output_path: str, sender: Connection, log_level: int
) -> None:
    """Entry point of the child: run the target, pickle its result, send progress and errors.

    The child logs at INFO level, or at the parent's ``ovstudio`` log level when that is lower,
    into its output file.
    """
    _ignore_sigint()
    _redirect_output(output_path)
    # Temporary files of the child, such as a staged IR, go into the worker's folder, which the
    # parent removes even when it kills the child.
    tempfile.tempdir = str(Path(result_path).parent)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("ovstudio").setLevel(min(log_level, logging.INFO))
    stage = [START_STAGE]

    def report(stage_name: str, fraction: float, message: str) -> None:
        stage[0] = stage_name
        _send(sender, ("progress", stage_name, float(fraction), message))

    try:
        function = _resolve_target(target)
        result = function(*args, report)
        with open(result_path, "wb") as stream:
            pickle.dump(result, stream, protocol=pickle.HIGHEST_PROTOCOL)
        _send(sender, ("done",))
    except Exception as error:  # noqa: BLE001 - every failure is sent to the parent
        extras: dict[str, Any] = {"stage": getattr(error, "stage", None)}
        if isinstance(error, errors.UnsupportedOperationError):
            extras["operations"] = list(error.operations)
        payload = (type(error).__name__, str(error), stage[0], extras, traceback.format_exc())
        _send(sender, ("error", payload))
    finally:
        sender.close()


def _ignore_sigint() -> None:
    """Ignore SIGINT, then lift the block that ``_sigint_blocked`` passed on, dropping a pending one."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _redirect_output(output_path: str) -> None:
    """Point file descriptors 1 and 2 at ``output_path``, for Python and native code alike."""
    sys.stdout.flush()
    sys.stderr.flush()
    descriptor = os.open(output_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    os.close(descriptor)


def _send(sender: Connection, event: tuple[Any, ...]) -> None:
    try:
        sender.send(event)
    except OSError as error:
        # Connection.send raises BrokenPipeError, or another OSError, when the parent is gone.
        raise _ParentGone(PARENT_GONE_EXIT_CODE) from error


def _resolve_target(target: Target) -> Callable[..., Any]:
    if callable(target):
        return target
    module_name, _, function_name = target.partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module_name), function_name)
    return function
