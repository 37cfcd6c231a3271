"""Load a validated model into OpenVINO: read an IR, or convert any other format.

Only the profiler's worker process calls this module, so a crash inside OpenVINO cannot take down
the CLI or the app.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import openvino as ov

from ovstudio.errors import ModelInputError, OvStudioError, UnsupportedOperationError
from ovstudio.ir_graph import partial_shape_text
from ovstudio.model_files import ModelBundle

logger = logging.getLogger(__name__)

# Lines of OpenVINO's message quoted in an error. Twelve lines hold the whole conversion report
# of a model with two failed operations.
MAX_QUOTED_LINES = 12

FORMAT_NAMES = {
    "ir": "OpenVINO IR",
    "onnx": "ONNX",
    "tflite": "TensorFlow Lite",
    "paddle": "PaddlePaddle",
    "tensorflow": "TensorFlow",
}

# Messages that list operations OpenVINO cannot convert or create, as OpenVINO 2026.4 words them:
# the frontends' conversion report (ONNX, TensorFlow), the TensorFlow Lite and PaddlePaddle
# frontends, and the IR reader.
_OPERATION_LIST_PATTERNS = (
    re.compile(r"No conversion rule found for operations: (?P<operations>.+)"),
    re.compile(r"Conversion is failed for: (?P<operations>.+)"),
)
_OPERATION_PATTERNS = (
    re.compile(r"No (?:translator|creator) found for (?P<operation>\S+) node"),
    re.compile(r"doesn't contain the operation with type: (?P<operation>\S+)"),
    re.compile(r"Cannot create (?P<operation>\S+) layer .* from unsupported opset"),
)
# The ONNX frontend appends the ONNX opset version to the operation type, as in "Conv-16".
_OPSET_VERSION_SUFFIX = re.compile(r"-\d+$")

# C++ source locations and frontend banners, which carry no information about the model.
_SOURCE_LOCATIONS = (
    re.compile(r"Exception from \S+:\d+:?"),
    re.compile(r"Check '.*' failed at \S+:\d+:?"),
)
_NOISE_LINES = (
    re.compile(r"^FrontEnd API failed with \w+:?$"),
    re.compile(r"^To facilitate the conversion of unsupported operations"),
)


def load_model(bundle: ModelBundle, core: ov.Core | None = None) -> ov.Model:
    """Read an IR with ``core.read_model``, or convert any other format with ``openvino.convert_model``.

    Raises ``UnsupportedOperationError`` when OpenVINO names operations it cannot convert or
    create, and ``ModelInputError`` for any other failure.
    """
    started = time.perf_counter()
    try:
        model = _read_or_convert(bundle, core or ov.Core())
    except OvStudioError:
        raise
    except Exception as error:
        # OpenVINO raises RuntimeError, its frontend exceptions (OpConversionFailure,
        # GeneralFailure) and the converter's own Error, which share no base but Exception.
        raise loading_error(bundle, str(error)) from error

    logger.info(
        "loaded %s model %s from %s in %.2f s: %d operations",
        bundle.model_format, bundle.model_name, bundle.main_file,
        time.perf_counter() - started, len(model.get_ordered_ops()),
    )
    return model


def _read_or_convert(bundle: ModelBundle, core: ov.Core) -> ov.Model:
    if bundle.model_format == "ir":
        weights = bundle.main_file.with_suffix(".bin")
        if weights.exists():
            return core.read_model(str(bundle.main_file), str(weights))
        return core.read_model(str(bundle.main_file))
    # For a TensorFlow SavedModel, main_file is the SavedModel folder.
    return ov.convert_model(str(bundle.main_file))


def loading_error(bundle: ModelBundle, openvino_message: str) -> ModelInputError:
    """Turn OpenVINO's message about a model that failed to load into an ovstudio error.

    Paths of the bundle's folder are cut from OpenVINO's message, so an uploaded file is named by
    its upload name and never by the temporary work folder.
    """
    openvino_message = without_folder(openvino_message, bundle.folder)
    quoted = "\n  ".join(meaningful_lines(openvino_message)) or "(no message)"
    file_name = bundle.main_file.name
    format_name = FORMAT_NAMES[bundle.model_format]
    version = openvino_version()
    operations = unsupported_operations(openvino_message)
    if not operations:
        check = f"Check that {file_name} is a complete {format_name} model"
        if bundle.model_format == "ir":
            # A .bin of another model with the size the .xml expects passes the file checks, and
            # OpenVINO then fails on the values it reads from it, naming only the .xml.
            weights_name = bundle.main_file.with_suffix(".bin").name
            check += f" and that {weights_name} was saved together with it"
        return ModelInputError(
            f"OpenVINO {version} cannot read {file_name} ({format_name} model). OpenVINO reported:\n"
            f"  {quoted}\n{check}, for example by exporting it again."
        )

    if bundle.model_format == "ir":
        summary = f"OpenVINO {version} cannot create the operations {', '.join(operations)} of {file_name}"
        advice = (
            "The IR uses operations or operation sets that this OpenVINO version does not have; save "
            f"the IR with OpenVINO {version}, or give the original model instead."
        )
    else:
        summary = f"OpenVINO {version} cannot convert the operations {', '.join(operations)} of {file_name}"
        advice = (
            "These operations have no conversion in this OpenVINO version, or their conversion failed "
            "for this model's shapes or types; export the model without them or with static input "
            "shapes, or try a newer OpenVINO."
        )
    return UnsupportedOperationError(
        f"{summary} ({format_name} model). OpenVINO reported:\n  {quoted}\n{advice}", operations
    )


def without_folder(message: str, folder: Path) -> str:
    """Return ``message`` with every path under ``folder`` written relative to it."""
    for prefix in dict.fromkeys((str(folder), str(folder.resolve()))):
        message = message.replace(prefix + os.sep, "").replace(prefix, ".")
    return message


def unsupported_operations(openvino_message: str) -> list[str]:
    """Return the operation types that OpenVINO's message names as not convertible, in order."""
    found: list[str] = []
    for pattern in _OPERATION_LIST_PATTERNS:
        for match in pattern.finditer(openvino_message):
            found += match.group("operations").split(",")
    for pattern in _OPERATION_PATTERNS:
        found += [match.group("operation") for match in pattern.finditer(openvino_message)]

    operations = [_OPSET_VERSION_SUFFIX.sub("", name.strip().rstrip(".,:;")) for name in found]
    return list(dict.fromkeys(name for name in operations if name))


def meaningful_lines(openvino_message: str, limit: int = MAX_QUOTED_LINES) -> list[str]:
    """Return the first lines of OpenVINO's message, without C++ source locations and banners."""
    lines: list[str] = []
    for raw_line in openvino_message.splitlines():
        line = raw_line
        for pattern in _SOURCE_LOCATIONS:
            line = pattern.sub("", line)
        line = line.strip()
        if not line or any(pattern.search(line) for pattern in _NOISE_LINES) or line in lines:
            continue
        lines.append(line)
        if len(lines) == limit:
            break
    return lines


def openvino_version() -> str:
    """Return OpenVINO's release version, such as 2026.4.1, without the build suffix."""
    return ov.get_version().split("-")[0]


def save_ir(model: ov.Model, folder: Path, name: str) -> tuple[Path, Path]:
    """Save ``model`` as ``<folder>/<name>.xml`` and ``.bin``; return both paths.

    The IR is saved into a temporary folder first. ``folder`` is created, and the two files are
    moved into it, only after the save succeeded, so a failed save leaves ``folder`` as it was.
    Raises ``ModelInputError`` when OpenVINO fails to save the IR, or ``folder`` cannot be created
    or written.
    """
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        raise ValueError(f"invalid IR name {name!r}: use a file name without folders")
    xml_path = folder / f"{name}.xml"
    bin_path = xml_path.with_suffix(".bin")
    with tempfile.TemporaryDirectory(prefix="ovstudio-ir-") as staging:
        staged_xml = Path(staging) / xml_path.name
        # compress_to_fp16=False keeps the weights' element types. save_model would otherwise store
        # f32 weights as f16, and the IR would differ from the model that was profiled.
        try:
            ov.save_model(model, str(staged_xml), compress_to_fp16=False)
        except RuntimeError as error:
            # The staging folder is a temporary folder, so its path is cut from OpenVINO's message.
            reported = "\n  ".join(meaningful_lines(without_folder(str(error), Path(staging))))
            raise ModelInputError(
                f"OpenVINO could not save the IR of {name}. OpenVINO reported:\n  {reported or '(no message)'}\n"
                "Check that the temporary folder's disk has free space"
            ) from error
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # The .bin goes first, so the new .xml never appears before its .bin.
            _move_file(staged_xml.with_suffix(".bin"), bin_path)
            _move_file(staged_xml, xml_path)
        except OSError as error:
            raise ModelInputError(
                f"cannot write the IR files {xml_path.name} and {bin_path.name} into {folder}: "
                f"{error.strerror or error}. Choose another output folder"
            ) from error
    logger.info("saved IR of %s to %s", name, xml_path)
    return xml_path, bin_path


def _move_file(source: Path, target: Path) -> None:
    """Move ``source`` over ``target``, copying through a hidden partial file across file systems."""
    try:
        os.replace(source, target)
        return
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
    partial = target.with_name(f".{target.name}.partial")
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    except OSError:
        partial.unlink(missing_ok=True)
        raise


def model_inputs(model: ov.Model) -> list[dict[str, Any]]:
    """List the inputs of ``model``, before any reshape, as dicts with four keys.

    ``name``: the first tensor name (any_name), or the Parameter's friendly name when the tensor
    has none. ``shape``: the partial shape as text, such as ``[?,3,224,224]`` (see
    ``ovstudio.ir_graph.partial_shape_text``). ``element_type``: such as f32, i64, u8 or boolean.
    ``is_dynamic``: whether any dimension or the rank is dynamic.
    """
    inputs = []
    for port in model.inputs:
        shape = port.get_partial_shape()
        name = port.get_any_name() if port.get_names() else port.get_node().get_friendly_name()
        inputs.append({
            "name": name,
            "shape": partial_shape_text(shape),
            "element_type": port.get_element_type().get_type_name(),
            "is_dynamic": shape.is_dynamic,
        })
    return inputs
