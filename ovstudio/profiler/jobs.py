"""Short OpenVINO jobs that the app runs in a worker process through ``runner.run_in_worker``.

Each job takes its arguments and then the ``report(stage, fraction, message)`` callback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openvino as ov

from ovstudio import loader
from ovstudio.model_files import ModelBundle
from ovstudio.profiler import device as devices
from ovstudio.profiler.runner import check_ir_output
from ovstudio.profiler.worker import ProgressReporter


def inspect_model(bundle: ModelBundle, report: ProgressReporter) -> list[dict[str, Any]]:
    """Load the model and list its inputs (name, shape text, element type, dynamic flag)."""
    report("load", 0.0, f"Loading {bundle.main_file.name}")
    model = loader.load_model(bundle, ov.Core())
    return loader.model_inputs(model)


def convert_to_ir(bundle: ModelBundle, out_folder: Path, report: ProgressReporter) -> tuple[Path, Path]:
    """Load the model and save it as OpenVINO IR in ``out_folder``; return the (xml, bin) paths.

    Raises ``ModelInputError`` before loading the model when ``out_folder`` cannot take the IR,
    as ``runner.check_ir_output`` decides, and when the IR cannot be written there.
    """
    check_ir_output(bundle, out_folder)
    report("load", 0.0, f"Loading {bundle.main_file.name}")
    model = loader.load_model(bundle, ov.Core())
    report("save", 0.5, f"Saving IR to {out_folder}")
    return loader.save_ir(model, out_folder, bundle.model_name)


def available_devices(report: ProgressReporter) -> list[tuple[str, str]]:
    """List (device name, FULL_DEVICE_NAME) of every device OpenVINO finds."""
    report("devices", 0.0, "Listing devices")
    return devices.available_devices(ov.Core())
