"""Hostile and broken model uploads, shared by the unit tests of their messages and the app tests.

Each case is a browser upload, a list of (file name, bytes), with the file name its message must
contain. The IR cases take an IR made by OpenVINO from the real light_squeezenet model.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import numpy as np
import openvino as ov
import openvino.opset13 as opset

from tests.real_models import fetch

Upload = list[tuple[str, bytes]]


@dataclasses.dataclass(frozen=True)
class HostileUpload:
    """One rejected upload: its files, the file its message names, and further words it contains."""

    files: Upload
    named_file: str
    words: tuple[str, ...] = ()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive_file:
        for name, data in members.items():
            archive_file.writestr(name, data)
    return buffer.getvalue()


def other_model_bin(folder: Path) -> bytes:
    """Return the .bin of a small IR that is not light_squeezenet: one constant of 1000 floats."""
    parameter = opset.parameter([1, 1000], np.float32, name="x")
    weights = opset.constant(np.arange(1000, dtype=np.float32).reshape(1, 1000))
    model = ov.Model([opset.add(parameter, weights)], [parameter], "other")
    ov.save_model(model, str(folder / "other.xml"), compress_to_fp16=False)
    return (folder / "other.bin").read_bytes()


def entity_bomb() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    ]
    return f'<?xml version="1.0"?><!DOCTYPE net [{"".join(entities)}]><net>&lol9;</net>'.encode()


def external_entity(secret: Path) -> bytes:
    """Return an IR .xml whose layer name is an external entity that would read ``secret``."""
    return (
        f'<?xml version="1.0"?><!DOCTYPE net [<!ENTITY leak SYSTEM "file://{secret}">]>'
        '<net name="x" version="11"><layers><layer id="0" name="&leak;" type="Parameter"/></layers></net>'
    ).encode()


def model_file_uploads(ir_xml: Path, scratch: Path) -> dict[str, HostileUpload]:
    """Build every rejected model upload, keyed by case.

    ``ir_xml`` is the .xml of the light_squeezenet IR, with its .bin beside it. ``scratch`` is a
    folder for the files a case needs outside the upload, such as the target of an external entity.
    """
    onnx_model = fetch("light_squeezenet").read_bytes()
    xml, weights = ir_xml.read_bytes(), ir_xml.with_suffix(".bin").read_bytes()
    secret = scratch / "secret.txt"
    secret.write_text("do-not-show-this")
    doctype_xml = xml.replace(b"<net ", b'<!DOCTYPE net SYSTEM "model.dtd"><net ', 1)

    return {
        "malformed xml": HostileUpload(
            [("squeezenet.xml", xml[:2000]), ("squeezenet.bin", weights)], "squeezenet.xml",
            ("not well-formed XML",)),
        "doctype": HostileUpload(
            [("squeezenet.xml", doctype_xml), ("squeezenet.bin", weights)], "squeezenet.xml",
            ("DOCTYPE",)),
        "external entity": HostileUpload([("leak.xml", external_entity(secret))], "leak.xml", ("DOCTYPE",)),
        "entity bomb": HostileUpload([("bomb.xml", entity_bomb())], "bomb.xml", ("DOCTYPE",)),
        "short bin": HostileUpload(
            [("squeezenet.xml", xml), ("squeezenet.bin", weights[:1000])], "squeezenet.bin",
            ("truncated",)),
        "bin of another model": HostileUpload(
            [("squeezenet.xml", xml), ("squeezenet.bin", other_model_bin(scratch))], "squeezenet.bin",
            ("belongs to another model",)),
        "two models": HostileUpload(
            [("first.onnx", onnx_model), ("second.onnx", onnx_model)], "second.onnx", ("several models",)),
        "lying extension": HostileUpload(
            [("squeezenet.tflite", onnx_model)], "squeezenet.tflite", ("rename it to squeezenet.onnx",)),
        "empty file": HostileUpload([("empty.onnx", b"")], "empty.onnx", ("empty file",)),
        "xml without bin": HostileUpload([("squeezenet.xml", xml)], "squeezenet.xml", ("squeezenet.bin",)),
        "unknown extension": HostileUpload([("model.txt", b"not a model")], "model.txt"),
        "bin alone": HostileUpload([("squeezenet.bin", weights)], "squeezenet.bin"),
        "zip without model": HostileUpload(
            [("docs.zip", zip_bytes({"readme.txt": b"hello"}))], "docs.zip", ("readme.txt",)),
        "damaged zip": HostileUpload([("model.zip", b"PK\x03\x04 not really a zip")], "model.zip"),
    }


def loading_uploads() -> dict[str, HostileUpload]:
    """Build the uploads that pass the file checks but that OpenVINO cannot read or convert."""
    onnx_model = fetch("light_squeezenet").read_bytes()
    return {
        "truncated onnx": HostileUpload([("cut.onnx", onnx_model[:5000])], "cut.onnx", ("cannot read",)),
        "failing if body": HostileUpload(
            [("silero_vad.onnx", fetch("failing_silero_vad").read_bytes())], "silero_vad.onnx",
            ("Conv", "ReduceMean")),
        "custom tflite operation": HostileUpload(
            [("selfie_segmentation.tflite", fetch("failing_selfie_segmentation").read_bytes())],
            "selfie_segmentation.tflite", ("Convolution2DTransposeBias",)),
    }
