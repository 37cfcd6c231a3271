"""A profile run in a background thread, so the page can show progress and offer a cancel button.

The thread only waits on the worker process (``pipeline.profile_model``); a plugin crash ends the
worker, not the app. Nothing here imports streamlit: the page polls ``ProfileJob.snapshot()``.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import threading
import time
from pathlib import Path, PurePath

from ovstudio.errors import OvStudioError, ProfilingCancelled
from ovstudio.pipeline import profile_model
from ovstudio.settings import ProfileSettings

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class JobSnapshot:
    """State of a job at one moment, as the page shows it."""

    stage: str
    fraction: float
    message: str
    done: bool
    cancelled: bool
    session_path: Path | None
    error: str | None
    elapsed_s: float


class ProfileJob:
    """One profile of uploaded files, running in a daemon thread from the moment it is made."""

    def __init__(
        self,
        files: list[tuple[str, bytes]],
        settings: ProfileSettings,
        sessions_dir: Path,
        input_arrays: dict[str, tuple[str, bytes]] | None = None,
    ) -> None:
        self.model_label = files[0][0] if files else "model"
        self._files = files
        # Input name -> (file name, bytes) of an uploaded .npy file, written to a temporary folder
        # for the run.
        self._input_arrays = input_arrays or {}
        self._settings = settings
        self._sessions_dir = sessions_dir
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._finished: float | None = None
        self._stage, self._fraction, self._message = "start", 0.0, "Starting the worker process"
        self._session_path: Path | None = None
        self._error: str | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, name="ovstudio-profile", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the worker to stop; the job ends as cancelled and saves nothing."""
        self._cancel.set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the job to end; return whether it has."""
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            end = self._finished if self._finished is not None else time.monotonic()
            return JobSnapshot(
                stage=self._stage,
                fraction=self._fraction,
                message=self._message,
                done=self._finished is not None,
                cancelled=self._cancelled,
                session_path=self._session_path,
                error=self._error,
                elapsed_s=end - self._started,
            )

    def _report(self, stage: str, fraction: float, message: str) -> None:
        with self._lock:
            self._stage, self._fraction, self._message = stage, min(max(fraction, 0.0), 1.0), message

    def _with_input_files(self, folder: Path) -> ProfileSettings:
        input_files = dict(self._settings.input_files)
        for index, (input_name, (file_name, data)) in enumerate(sorted(self._input_arrays.items())):
            # One folder per input keeps the uploaded file name, which the session records as
            # the input's data_source.
            name = PurePath(file_name).name
            path = folder / f"input{index}" / (name if name not in ("", ".", "..") else "input.npy")
            path.parent.mkdir()
            path.write_bytes(data)
            input_files[input_name] = str(path)
        return dataclasses.replace(self._settings, input_files=input_files)

    def _run(self) -> None:
        path: Path | None = None
        error: str | None = None
        cancelled = False
        try:
            with tempfile.TemporaryDirectory(prefix="ovstudio-inputs-") as folder:
                settings = self._with_input_files(Path(folder))
                path = profile_model(self._files, settings, self._sessions_dir,
                                     on_progress=self._report, cancel=self._cancel)
        except ProfilingCancelled:
            cancelled = True
        except OvStudioError as failure:
            error = str(failure)
        except Exception as failure:  # the thread must always report an end
            logger.exception("profile of %s failed unexpectedly", self.model_label)
            error = f"profiling failed unexpectedly: {failure!r}; see the server log"
        with self._lock:
            self._session_path, self._error, self._cancelled = path, error, cancelled
            self._fraction = 1.0 if path is not None else self._fraction
            self._finished = time.monotonic()
