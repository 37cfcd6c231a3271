"""Recognize a file's format from its first bytes, so a file whose extension lies is rejected early.

ONNX, PaddlePaddle and TensorFlow models are protocol buffers, which carry no magic number. Such
a file is rejected only when its content is positively something else: a format with a
signature, XML, or plain text.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import Path

from ovstudio.errors import ModelInputError

# Bytes read from the start of a file to recognize its format.
SAMPLE_BYTES = 4096

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
GZIP_SIGNATURE = b"\x1f\x8b"
PARQUET_SIGNATURE = b"PAR1"
NUMPY_SIGNATURE = b"\x93NUMPY"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# TFLite's FlatBuffer file identifier, at bytes 4 to 8 after the root table offset.
TFLITE_IDENTIFIER = b"TFL3"
TFLITE_IDENTIFIER_OFFSET = 4
UTF8_BOM = b"\xef\xbb\xbf"
XML_DECLARATION = b"<?xml"
# Tags of the ONNX ModelProto fields that follow ir_version (field 1) in a serialized model:
# producer_name, producer_version, domain, model_version, doc_string, graph, opset_import and
# metadata_props. Tags of fields above 15 take two bytes and start at 0x80.
_ONNX_SECOND_TAGS = frozenset({0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42, 0x72})
# ONNX IR versions from 3 (ONNX 1.0) up. A SavedModel's saved_model.pb also starts with the
# varint tag 0x08, but with schema version 1, so it is not taken for ONNX.
_ONNX_IR_VERSIONS = range(3, 16)


@dataclasses.dataclass(frozen=True)
class Content:
    """The format that a file's first bytes show.

    ``description`` completes "its content is ...". ``suffix`` is the extension that format takes,
    or None when ovstudio does not accept that format as a model.
    """

    kind: str
    description: str
    suffix: str | None = None


ZIP = Content("zip", "a zip archive", ".zip")
GZIP = Content("gzip", "a gzip-compressed file")
TFLITE = Content("tflite", "a TensorFlow Lite model", ".tflite")
PARQUET = Content("parquet", "a Parquet file, such as an ovstudio session")
NUMPY = Content("numpy", "a NumPy .npy array")
HDF5 = Content("hdf5", "an HDF5 file, such as a Keras .h5 model, which OpenVINO does not read")
IR_XML = Content("xml", "the .xml of an OpenVINO IR", ".xml")
XML = Content("xml", "an XML document")
ONNX = Content("onnx", "an ONNX model", ".onnx")
TEXT = Content("text", "plain text")

# Formats recognized by a signature of four bytes or more, or by XML text across the whole sample,
# which model weights practically never start with by chance.
STRONG_SIGNATURES = frozenset({"zip", "tflite", "parquet", "numpy", "hdf5", "xml"})


def read_sample(path: Path) -> bytes:
    """Return the first ``SAMPLE_BYTES`` bytes of ``path``; raise ``ModelInputError`` when it cannot be read."""
    try:
        with path.open("rb") as stream:
            return stream.read(SAMPLE_BYTES)
    except OSError as error:
        raise ModelInputError(
            f"cannot read {path.name}: {error.strerror or type(error).__name__}; check that the file is readable"
        ) from error


def recognize(sample: bytes) -> Content | None:
    """Return what the first bytes of a file show it to be, or None when they show no known format."""
    if sample.startswith(ZIP_SIGNATURES):
        return ZIP
    if sample.startswith(GZIP_SIGNATURE):
        return GZIP
    if sample[TFLITE_IDENTIFIER_OFFSET:TFLITE_IDENTIFIER_OFFSET + 4] == TFLITE_IDENTIFIER:
        return TFLITE
    if sample.startswith(PARQUET_SIGNATURE):
        return PARQUET
    if sample.startswith(NUMPY_SIGNATURE):
        return NUMPY
    if sample.startswith(HDF5_SIGNATURE):
        return HDF5
    if _is_onnx(sample):
        return ONNX
    # An XML declaration identifies XML even when binary data follows it in the sample.
    if sample.removeprefix(UTF8_BOM).lstrip().startswith(XML_DECLARATION):
        return IR_XML if b"<net" in sample else XML

    text = _decoded_text(sample)
    if text is None:
        return None
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return IR_XML if "<net" in stripped else XML
    return TEXT


def _is_onnx(sample: bytes) -> bool:
    """Return whether ``sample`` starts as a serialized ONNX ModelProto: ir_version, then another field."""
    if len(sample) < 3 or sample[0] != 0x08 or sample[1] not in _ONNX_IR_VERSIONS:
        return False
    return sample[2] in _ONNX_SECOND_TAGS or sample[2] >= 0x80


def _decoded_text(sample: bytes) -> str | None:
    """Return ``sample`` as text when it is UTF-8 without control characters other than whitespace."""
    sample = sample.removeprefix(UTF8_BOM)
    if not sample:
        return None
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sample may end inside a character of up to 4 bytes.
        if error.start < len(sample) - 3:
            return None
        text = sample[:error.start].decode("utf-8")
    if any(unicodedata.category(character) == "Cc" and character not in "\t\n\r" for character in text):
        return None
    return text
