"""The profiler's jobs, each run in a worker process: profile, read inputs, convert, list devices.

The parent never imports openvino: every job runs through ``process.run_in_worker``, which
starts a child process, enforces a timeout and turns a crash into a ``ProfilingError``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from ovstudio import errors
from ovstudio.model_files import ModelBundle
from ovstudio.profiler.process import CancelFlag, ProgressCallback, Target, run_in_worker
from ovstudio.profiler.result import ProfileResult
from ovstudio.settings import ProfileSettings

logger = logging.getLogger(__name__)

PROFILE_TARGET = "ovstudio.profiler.worker:profile"
# Stages of the profile whose time grows with the number of inferences or the time budget.
MEASURING_STAGES = ("warmup", "pass1", "pass2")

__all__ = [
    "available_devices", "check_ir_output", "convert_to_ir", "inspect_model", "run_in_worker", "run_profile",
]


def run_profile(
    bundle: ModelBundle,
    settings: ProfileSettings,
    on_progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
    *,
    target: Target = PROFILE_TARGET,
) -> ProfileResult:
    """Profile ``bundle`` with ``settings`` in a worker process, within ``settings.timeout_s``.

    Raises the worker's ``ModelInputError`` / ``InvalidSettingError`` / ``ProfilingError``,
    ``ProfilingError`` when the worker crashes or times out, and ``ProfilingCancelled`` when
    ``cancel`` is set.
    """
    result = run_in_worker(
        target, bundle, settings, timeout_s=settings.timeout_s, on_progress=on_progress, cancel=cancel,
        task=f"profiling {bundle.model_name} on {settings.device}", timeout_advice=profile_timeout_advice,
    )
    if not isinstance(result, ProfileResult):
        raise errors.ProfilingError(
            f"the worker returned {type(result).__name__}, expected ProfileResult: the worker target is wrong"
        )
    return result


def profile_timeout_advice(stage: str) -> str:
    """Advise on a profile that timed out in ``stage``."""
    if stage in MEASURING_STAGES:
        return "raise the timeout, or use fewer iterations or a shorter time budget"
    return "raise the timeout if this model takes longer to load or compile; if it still times out, try another device"


def inspect_model(bundle: ModelBundle, timeout_s: float = 300.0) -> list[dict[str, Any]]:
    """List the inputs of the model (name, shape text, element type, dynamic flag), in a child."""
    result: list[dict[str, Any]] = run_in_worker(
        "ovstudio.profiler.jobs:inspect_model", bundle, timeout_s=timeout_s, task=f"reading {bundle.model_name}"
    )
    return result


def convert_to_ir(bundle: ModelBundle, out_folder: Path, timeout_s: float = 600.0) -> tuple[Path, Path]:
    """Convert the model to OpenVINO IR in ``out_folder``, in a child; return (xml, bin) paths.

    The output folder is checked before the child starts (see ``check_ir_output``), and it is
    created only when the conversion succeeded.
    """
    check_ir_output(bundle, Path(out_folder))
    result: tuple[Path, Path] = run_in_worker(
        "ovstudio.profiler.jobs:convert_to_ir", bundle, Path(out_folder), timeout_s=timeout_s,
        task=f"converting {bundle.model_name} to IR",
    )
    return result


def check_ir_output(bundle: ModelBundle, out_folder: Path) -> tuple[Path, Path]:
    """Return the (xml, bin) paths of the IR of ``bundle`` in ``out_folder``, if they can be written.

    Raises ``ModelInputError`` when the folder, or the nearest part of its path that exists, is a
    file or is not writable, when an output path is a folder, and when an output path is one of
    the model's own files. OpenVINO maps the model's .bin into memory while it reads the model,
    so writing over that file would destroy the model and crash the worker.
    """
    xml_path = out_folder / f"{bundle.model_name}.xml"
    bin_path = xml_path.with_suffix(".bin")
    _check_writable_folder(out_folder)
    for path in (xml_path, bin_path):
        if path.is_dir():
            raise errors.ModelInputError(
                f"cannot write the IR file {path}: a folder of that name exists. Remove it or choose "
                f"another output folder"
            )
    model_files = [bundle.main_file, *(bundle.folder / info.file_name for info in bundle.files)]
    for path in (xml_path, bin_path):
        for model_file in model_files:
            if path.exists() and model_file.exists() and os.path.samefile(path, model_file):
                raise errors.ModelInputError(
                    f"the output file {path} is the model's own file {model_file}, so converting would "
                    f"overwrite the model while OpenVINO reads it. Choose another output folder"
                )
    return xml_path, bin_path


def _check_writable_folder(folder: Path) -> None:
    """Raise ``ModelInputError`` unless ``folder`` exists as a writable folder or can be created."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise errors.ModelInputError(
            f"cannot use {folder} as the output folder: {existing} is a file, not a folder. Choose "
            f"another output folder"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise errors.ModelInputError(
            f"cannot write into the output folder {folder}: {existing} is not writable. Choose a "
            f"folder you can write to"
        )


def available_devices(timeout_s: float = 120.0) -> list[tuple[str, str]]:
    """List (device name, FULL_DEVICE_NAME) of the devices OpenVINO finds, in a child."""
    result: list[tuple[str, str]] = run_in_worker(
        "ovstudio.profiler.jobs:available_devices", timeout_s=timeout_s, task="listing devices"
    )
    return result
