"""Checks that a model file's content matches its extension, before OpenVINO reads the file.

OpenVINO picks its frontend by extension, so an ONNX model renamed to .tflite would fail deep
inside the TensorFlow Lite frontend with a message about FlatBuffers. These checks name the
file, what its content is and what to do instead.
"""

from __future__ import annotations

from pathlib import Path

from ovstudio import file_signatures
from ovstudio.errors import ModelInputError
from ovstudio.file_signatures import Content

FORMAT_NAMES = {
    "ir": "OpenVINO IR .xml",
    "onnx": "ONNX model",
    "tflite": "TensorFlow Lite model",
    "paddle": "PaddlePaddle model",
    "tensorflow": "TensorFlow model",
}


def check_main_file(path: Path, shown_name: str, model_format: str) -> None:
    """Raise ``ModelInputError`` when the content of a model's main file contradicts its format.

    ``shown_name`` names the file as the user gave it, such as ``model.onnx in export.zip``.
    """
    content = file_signatures.recognize(file_signatures.read_sample(path))
    if model_format == "tflite":
        if content is None or content.kind != "tflite":
            raise _not_tflite_error(shown_name, path.stem, content)
        return
    if content is None:
        return
    if model_format == "ir":
        # Anything without a signature is left to the XML parser, which reports where it fails.
        if content.kind != "xml" and content.kind in file_signatures.STRONG_SIGNATURES | {"onnx", "gzip"}:
            raise mismatch_error(shown_name, path.stem, content, FORMAT_NAMES[model_format])
        return
    if model_format == "onnx" and content.kind == "onnx":
        return
    # OpenVINO's TensorFlow frontend also reads a GraphDef in protobuf text form from a .pb file.
    if model_format == "tensorflow" and content.kind == "text":
        return
    raise mismatch_error(shown_name, path.stem, content, FORMAT_NAMES[model_format])


def check_weights_file(path: Path, shown_name: str, main_name: str) -> None:
    """Raise ``ModelInputError`` when an IR's .bin is positively another kind of file.

    Weights are raw tensor bytes, so only signatures of four bytes or more count here.
    """
    content = file_signatures.recognize(file_signatures.read_sample(path))
    if content is not None and content.kind in file_signatures.STRONG_SIGNATURES:
        raise ModelInputError(
            f"{shown_name} is not the weights file of {main_name}: its content is {content.description}. "
            f"Give the .bin that OpenVINO saved together with {main_name}"
        )


def check_saved_model_graph(path: Path, shown_name: str) -> None:
    """Raise ``ModelInputError`` when a SavedModel's saved_model.pb is positively another kind of file.

    Protobuf text is accepted, as for a frozen graph's .pb.
    """
    content = file_signatures.recognize(file_signatures.read_sample(path))
    if content is not None and content.kind not in ("onnx", "text"):
        raise mismatch_error(shown_name, path.stem, content, "TensorFlow SavedModel graph")


def mismatch_error(shown_name: str, stem: str, content: Content, expected: str) -> ModelInputError:
    """Return the error for a file whose extension names ``expected`` but whose content is ``content``.

    ``stem`` is the file name without its extension, for the suggested new name.
    """
    if content.suffix is not None:
        advice = f"rename it to {stem}{content.suffix}, or give the {expected} itself"
    elif content.kind == "gzip":
        advice = "decompress it first, or give the model file itself"
    elif content.kind == "numpy":
        advice = f"give the {expected} itself; a .npy array is input data, given after the model"
    elif content.kind == "parquet":
        advice = f"give the {expected} itself; an ovstudio session is imported on the Sessions page"
    else:
        advice = f"give the {expected} itself"
    return ModelInputError(
        f"{shown_name} is not a valid {expected}: its content is {content.description}. Check the file "
        f"and {advice}"
    )


def _not_tflite_error(shown_name: str, stem: str, content: Content | None) -> ModelInputError:
    if content is not None:
        return mismatch_error(shown_name, stem, content, FORMAT_NAMES["tflite"])
    return ModelInputError(
        f"{shown_name} is not a TensorFlow Lite model: it lacks the file identifier "
        f"{file_signatures.TFLITE_IDENTIFIER.decode()} that every .tflite file has at bytes 4 to 8. "
        "Give the .tflite file written by the TensorFlow Lite converter, or give the file its real extension"
    )
