"""Validation of model file sets: formats, IR pairing, .bin sizes, zips and hashes."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import onnx
import openvino as ov
import openvino.opset13 as opset
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ovstudio import archive
from ovstudio.errors import ModelInputError
from ovstudio.model_files import prepare_model_files
from tests.hostile_files import zip_bytes as deflated_zip
from tests.real_models import CATALOG, fetch


@pytest.fixture(scope="module")
def magika_ir(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """The real magika ONNX model saved as IR by OpenVINO: (xml bytes, bin bytes)."""
    folder = tmp_path_factory.mktemp("magika_ir")
    ov.save_model(ov.convert_model(str(fetch("magika"))), str(folder / "magika.xml"))
    return (folder / "magika.xml").read_bytes(), (folder / "magika.bin").read_bytes()


@pytest.fixture(scope="module")
def face_ir(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """The real face_detection_short_range TFLite model saved as IR: (xml bytes, bin bytes)."""
    folder = tmp_path_factory.mktemp("face_ir")
    ov.save_model(ov.convert_model(str(fetch("face_detection_short_range"))), str(folder / "face.xml"))
    return (folder / "face.xml").read_bytes(), (folder / "face.bin").read_bytes()


# Bytes shaped like a serialized protocol buffer (field 1, 4 bytes long): no signature, not text.
PROTOBUF = b"\x0a\x04node\x12\x00"


def rejection(files: list, work_dir: Path) -> str:
    """Return the message of the ModelInputError that prepare_model_files raises for ``files``."""
    with pytest.raises(ModelInputError) as caught:
        prepare_model_files(files, work_dir)
    return str(caught.value)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive_file:
        for name, data in members.items():
            archive_file.writestr(name, data)
    return buffer.getvalue()


# --- Accepted file sets ------------------------------------------------------------------------


def test_prepare_ir_upload_accepted(magika_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    xml, weights = magika_ir
    bundle = prepare_model_files([("magika.xml", xml), ("magika.bin", weights)], tmp_path)

    assert bundle.model_format == "ir"
    assert bundle.model_name == "magika"
    assert bundle.main_file == tmp_path.resolve() / "magika.xml"
    assert bundle.folder == tmp_path.resolve()
    assert [info.file_name for info in bundle.files] == ["magika.bin", "magika.xml"]
    assert bundle.files[0].size_bytes == len(weights)
    assert bundle.files[0].sha256 == hashlib.sha256(weights).hexdigest()
    assert bundle.files[1].sha256 == hashlib.sha256(xml).hexdigest()


def test_prepare_model_hash_framing(magika_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    xml, weights = magika_ir
    first = prepare_model_files([("magika.xml", xml), ("magika.bin", weights)], tmp_path / "a")
    second = prepare_model_files([("magika.bin", weights), ("magika.xml", xml)], tmp_path / "b")
    renamed = prepare_model_files([("other.xml", xml), ("other.bin", weights)], tmp_path / "c")

    expected = hashlib.sha256()
    for name, data in (("magika.bin", weights), ("magika.xml", xml)):
        expected.update(name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    assert first.model_hash == expected.hexdigest()
    assert second.model_hash == first.model_hash
    assert renamed.model_hash != first.model_hash


def test_prepare_ir_pairs_names_ignoring_case(magika_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    xml, weights = magika_ir
    bundle = prepare_model_files([("MODEL.XML", xml), ("model.Bin", weights)], tmp_path)

    assert bundle.model_name == "MODEL"
    assert bundle.main_file.name == "MODEL.xml"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["MODEL.bin", "MODEL.xml"]
    # OpenVINO finds the weights beside the .xml by itself.
    model = ov.Core().read_model(str(bundle.main_file))
    assert len(model.get_ordered_ops()) > 100


def test_prepare_links_mismatched_local_ir(magika_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "Magika.XML").write_bytes(magika_ir[0])
    (source / "magika.BIN").write_bytes(magika_ir[1])
    work_dir = tmp_path / "work"

    bundle = prepare_model_files([source / "Magika.XML", source / "magika.BIN"], work_dir)

    assert bundle.folder == work_dir
    assert bundle.main_file == work_dir / "Magika.xml"
    assert (work_dir / "Magika.bin").stat().st_size == len(magika_ir[1])
    assert sorted(path.name for path in source.iterdir()) == ["Magika.XML", "magika.BIN"]


def test_prepare_local_files_used_in_place(tmp_path: Path) -> None:
    onnx_path = fetch("magika")

    bundle = prepare_model_files([onnx_path], tmp_path)

    assert bundle.model_format == "onnx"
    assert bundle.main_file == onnx_path
    assert bundle.folder == onnx_path.parent
    assert list(tmp_path.iterdir()) == []
    assert bundle.files[0].size_bytes == onnx_path.stat().st_size


def test_prepare_finds_local_bin_beside_xml(magika_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    (tmp_path / "magika.xml").write_bytes(magika_ir[0])
    (tmp_path / "magika.bin").write_bytes(magika_ir[1])

    bundle = prepare_model_files([tmp_path / "magika.xml"], tmp_path / "work")

    assert [info.file_name for info in bundle.files] == ["magika.bin", "magika.xml"]
    assert bundle.main_file == tmp_path / "magika.xml"


def test_prepare_links_files_from_two_folders(magika_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "magika.xml").write_bytes(magika_ir[0])
    (tmp_path / "y" / "magika.bin").write_bytes(magika_ir[1])

    paths = [tmp_path / "x" / "magika.xml", tmp_path / "y" / "magika.bin"]
    bundle = prepare_model_files(paths, tmp_path / "work")

    assert bundle.folder == tmp_path / "work"
    assert (tmp_path / "work" / "magika.bin").exists()


def test_prepare_extensions_ignore_case(tmp_path: Path) -> None:
    bundle = prepare_model_files([("Magika.ONNX", fetch("magika").read_bytes())], tmp_path)

    assert bundle.model_format == "onnx"
    assert bundle.main_file.name == "Magika.onnx"
    assert bundle.model_name == "Magika"


@pytest.mark.parametrize(
    ("file_name", "model_format"),
    [("face.tflite", "tflite"), ("graph.pb", "tensorflow"), ("model.pdmodel", "paddle")],
)
def test_prepare_format_by_extension(file_name: str, model_format: str, tmp_path: Path) -> None:
    # A protocol buffer for .pb and .pdmodel, which have no signature; a real model for .tflite.
    data = fetch("face_detection_short_range").read_bytes() if model_format == "tflite" else PROTOBUF
    bundle = prepare_model_files([(file_name, data)], tmp_path)

    assert bundle.model_format == model_format


def test_prepare_paddle_pairs_params_by_stem(tmp_path: Path) -> None:
    bundle = prepare_model_files([("Net.PDMODEL", PROTOBUF), ("net.PdIparams", b"weights")], tmp_path)

    assert bundle.model_format == "paddle"
    assert sorted(info.file_name for info in bundle.files) == ["Net.pdiparams", "Net.pdmodel"]


def test_prepare_ir_without_weights(tmp_path: Path) -> None:
    parameter = opset.parameter([1, 3], np.float32, name="x")
    ov.save_model(ov.Model([opset.relu(parameter)], [parameter], "tiny"), str(tmp_path / "tiny.xml"))
    xml = (tmp_path / "tiny.xml").read_bytes()

    alone = prepare_model_files([("tiny.xml", xml)], tmp_path / "alone")
    with_empty_bin = prepare_model_files([("tiny.xml", xml), ("tiny.bin", b"")], tmp_path / "empty")

    assert [info.file_name for info in alone.files] == ["tiny.xml"]
    assert [info.file_name for info in with_empty_bin.files] == ["tiny.bin", "tiny.xml"]


def test_prepare_onnx_external_data(tmp_path: Path) -> None:
    model = onnx.load(str(fetch("magika")))
    onnx.save_model(
        model, str(tmp_path / "magika.onnx"), save_as_external_data=True, location="magika.onnx.data"
    )
    files = [(name, (tmp_path / name).read_bytes()) for name in ("magika.onnx", "magika.onnx.data")]

    bundle = prepare_model_files(files, tmp_path / "work")

    assert bundle.model_format == "onnx"
    assert sorted(info.file_name for info in bundle.files) == ["magika.onnx", "magika.onnx.data"]
    assert bundle.files[1].size_bytes > 1_000_000


# --- Rejected file sets ------------------------------------------------------------------------


def test_prepare_rejects_unknown_extension(tmp_path: Path) -> None:
    message = rejection([("weights.h5", b"data")], tmp_path)

    assert "weights.h5" in message
    assert "unknown model file extension" in message
    assert ".onnx" in message
    assert ".tflite" in message
    assert ".pdmodel" in message


def test_prepare_rejects_missing_bin(magika_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    message = rejection([("magika.xml", magika_ir[0])], tmp_path)

    assert "magika.xml" in message
    assert "magika.bin" in message
    assert "missing" in message


def test_prepare_rejects_bin_without_xml(magika_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    message = rejection([("magika.bin", magika_ir[1])], tmp_path)

    assert "magika.bin" in message
    assert "magika.xml" in message


def test_prepare_rejects_bin_with_another_name(magika_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    message = rejection([("magika.xml", magika_ir[0]), ("weights.bin", magika_ir[1])], tmp_path)

    assert "weights.bin" in message
    assert "magika.bin" in message


def test_prepare_rejects_truncated_bin(magika_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    xml, weights = magika_ir
    message = rejection([("magika.xml", xml), ("magika.bin", weights[:-1])], tmp_path)

    assert "magika.bin" in message
    assert "magika.xml" in message
    assert f"has {len(weights) - 1} bytes" in message
    assert f"needs {len(weights)} bytes" in message
    assert "truncated" in message


def test_prepare_rejects_smaller_foreign_bin(
    magika_ir: tuple[bytes, bytes], face_ir: tuple[bytes, bytes], tmp_path: Path
) -> None:
    message = rejection([("magika.xml", magika_ir[0]), ("magika.bin", face_ir[1])], tmp_path)

    assert "truncated or belongs to another model" in message


def test_prepare_rejects_larger_foreign_bin(
    magika_ir: tuple[bytes, bytes], face_ir: tuple[bytes, bytes], tmp_path: Path
) -> None:
    message = rejection([("face.xml", face_ir[0]), ("face.bin", magika_ir[1])], tmp_path)

    assert "face.bin" in message
    assert "face.xml" in message
    assert "probably belongs to another model" in message


def test_prepare_rejects_malformed_xml(magika_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    message = rejection([("magika.xml", magika_ir[0][:1000]), ("magika.bin", magika_ir[1])], tmp_path)

    assert "magika.xml is not well-formed XML" in message


def test_prepare_rejects_xml_that_is_not_ir(tmp_path: Path) -> None:
    message = rejection([("config.xml", b"<configuration><item/></configuration>")], tmp_path)

    assert "config.xml is not an OpenVINO IR" in message
    assert "<configuration>" in message


def test_prepare_rejects_entity_bomb(tmp_path: Path) -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    ]
    bomb = f'<?xml version="1.0"?><!DOCTYPE net [{"".join(entities)}]><net>&lol9;</net>'.encode()

    started = time.perf_counter()
    message = rejection([("bomb.xml", bomb)], tmp_path)

    assert time.perf_counter() - started < 1.0
    assert "bomb.xml" in message
    assert "DOCTYPE" in message


def test_prepare_rejects_doctype(magika_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    xml = magika_ir[0].replace(b'<net ', b'<!DOCTYPE net SYSTEM "file:///etc/passwd"><net ', 1)
    message = rejection([("magika.xml", xml), ("magika.bin", magika_ir[1])], tmp_path)

    assert "magika.xml contains a DOCTYPE" in message
    assert "Forbidden(" not in message
    assert "/etc/passwd" not in message


def test_prepare_never_fetches_external_entity(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-show-this")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE net [<!ENTITY leak SYSTEM "file://{secret}">]>'
        '<net name="x" version="11"><layers><layer id="0" name="&leak;" type="Parameter"/></layers></net>'
    ).encode()
    message = rejection([("leak.xml", xml)], tmp_path / "work")

    assert message.startswith("leak.xml contains a DOCTYPE declaration")
    assert "do-not-show-this" not in message
    assert str(secret) not in message


@pytest.mark.parametrize("encoding", ["no-such-encoding", "utf-32"])
def test_prepare_rejects_unreadable_xml_encoding(encoding: str, tmp_path: Path) -> None:
    xml = f'<?xml version="1.0" encoding="{encoding}"?><net name="x" version="11"/>'.encode()
    message = rejection([("odd.xml", xml)], tmp_path)

    assert message.startswith("odd.xml declares an XML encoding that cannot be read")


def test_prepare_rejects_several_ir_models(
    magika_ir: tuple[bytes, bytes], face_ir: tuple[bytes, bytes], tmp_path: Path
) -> None:
    files = [
        ("magika.xml", magika_ir[0]),
        ("magika.bin", magika_ir[1]),
        ("face.xml", face_ir[0]),
        ("face.bin", face_ir[1]),
    ]
    message = rejection(files, tmp_path)

    assert "several models" in message
    assert "magika.xml" in message
    assert "face.xml" in message
    assert "one model at a time" in message


def test_prepare_rejects_onnx_and_tflite_together(tmp_path: Path) -> None:
    files = [
        ("magika.onnx", fetch("magika").read_bytes()),
        ("face.tflite", fetch("face_detection_short_range").read_bytes()),
    ]
    message = rejection(files, tmp_path)

    assert "magika.onnx" in message
    assert "face.tflite" in message
    assert "one model at a time" in message


def test_prepare_rejects_extra_file_beside_tflite(tmp_path: Path) -> None:
    files = [("face.tflite", fetch("face_detection_short_range").read_bytes()), ("labels.txt", b"face")]
    message = rejection(files, tmp_path)

    assert "labels.txt" in message
    assert "face.tflite" in message


def test_prepare_rejects_empty_file(tmp_path: Path) -> None:
    message = rejection([("model.onnx", b"")], tmp_path)

    assert "model.onnx" in message
    assert "empty" in message


def test_prepare_rejects_empty_file_list(tmp_path: Path) -> None:
    assert "no model files" in rejection([], tmp_path)


@pytest.mark.parametrize(
    ("upload_name", "problem"),
    [
        ("../model.onnx", "'..'"),
        ("/etc/model.onnx", "absolute path"),
        ("C:\\models\\m.onnx", "absolute path"),
        ("", "empty"),
    ],
)
def test_prepare_rejects_unsafe_upload_names(upload_name: str, problem: str, tmp_path: Path) -> None:
    message = rejection([(upload_name, b"data")], tmp_path / "work")

    assert problem in message
    assert repr(upload_name) in message
    assert not (tmp_path / "model.onnx").exists()


def test_prepare_keeps_base_name_of_upload(tmp_path: Path) -> None:
    bundle = prepare_model_files([("models/Magika.onnx", fetch("magika").read_bytes())], tmp_path)

    assert bundle.main_file == tmp_path.resolve() / "Magika.onnx"


def test_prepare_rejects_duplicate_upload_names(tmp_path: Path) -> None:
    message = rejection([("model.onnx", b"a"), ("MODEL.onnx", b"b")], tmp_path)

    assert "model.onnx" in message
    assert "MODEL.onnx" in message


def test_prepare_rejects_missing_local_path(tmp_path: Path) -> None:
    message = rejection([tmp_path / "absent.onnx"], tmp_path / "work")

    assert "absent.onnx" in message
    assert "not found" in message


def test_prepare_rejects_lone_saved_model_pb(tmp_path: Path) -> None:
    message = rejection([("saved_model.pb", b"graph")], tmp_path)

    assert "saved_model.pb" in message
    assert ".zip" in message


# --- Folders and zips --------------------------------------------------------------------------


def test_prepare_saved_model_zip(tmp_path: Path) -> None:
    members = {
        "classifier/saved_model.pb": PROTOBUF,
        "classifier/variables/variables.index": b"index",
        "classifier/variables/variables.data-00000-of-00001": b"values",
        "__MACOSX/classifier/._saved_model.pb": b"finder metadata",
    }
    bundle = prepare_model_files([("export.zip", zip_bytes(members))], tmp_path)

    assert bundle.model_format == "tensorflow"
    assert bundle.model_name == "classifier"
    assert bundle.main_file == bundle.folder
    assert bundle.folder.is_relative_to(tmp_path)
    assert [info.file_name for info in bundle.files] == [
        "saved_model.pb", "variables/variables.data-00000-of-00001", "variables/variables.index",
    ]


def test_prepare_saved_model_folder(tmp_path: Path) -> None:
    folder = tmp_path / "detector"
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(PROTOBUF)
    (folder / "variables" / "variables.index").write_bytes(b"index")

    bundle = prepare_model_files([folder], tmp_path / "work")

    assert bundle.model_format == "tensorflow"
    assert bundle.main_file == folder
    assert bundle.model_name == "detector"


def test_prepare_zip_of_ir_in_a_folder(magika_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    members = {"export/Magika.XML": magika_ir[0], "export/magika.bin": magika_ir[1]}
    bundle = prepare_model_files([("magika.zip", zip_bytes(members))], tmp_path)

    assert bundle.model_format == "ir"
    assert bundle.main_file == tmp_path / "magika" / "export" / "Magika.xml"
    assert [info.file_name for info in bundle.files] == ["Magika.bin", "Magika.xml"]


def test_prepare_rejects_zip_with_parent_member(tmp_path: Path) -> None:
    work_dir = tmp_path / "work"
    message = rejection([("evil.zip", zip_bytes({"../escaped.onnx": b"data"}))], work_dir)

    assert "evil.zip" in message
    assert "../escaped.onnx" in message
    assert not (tmp_path / "escaped.onnx").exists()


def test_prepare_rejects_zip_with_absolute_member(tmp_path: Path) -> None:
    message = rejection([("evil.zip", zip_bytes({"/tmp/escaped.onnx": b"data"}))], tmp_path)

    assert "absolute path" in message
    assert "/tmp/escaped.onnx" in message


def test_prepare_rejects_zip_over_size_cap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(archive, "MAX_EXTRACTED_BYTES", 1000)
    message = rejection([("big.zip", zip_bytes({"model.onnx": bytes(5000)}))], tmp_path)

    assert "big.zip" in message
    assert "1000 bytes" in message


def test_prepare_rejects_zip_over_file_cap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(archive, "MAX_ARCHIVE_MEMBERS", 3)
    members = {f"part{index}.bin": b"x" for index in range(5)}
    message = rejection([("many.zip", zip_bytes(members))], tmp_path)

    assert "many.zip" in message
    assert "more than 3 files" in message


def test_prepare_rejects_damaged_zip(tmp_path: Path) -> None:
    message = rejection([("model.zip", b"PK\x03\x04 not really a zip")], tmp_path)

    assert "model.zip is not a valid zip archive" in message


def test_prepare_rejects_zip_with_other_files(tmp_path: Path) -> None:
    message = rejection([("model.zip", zip_bytes({"a.onnx": b"x"})), ("notes.txt", b"y")], tmp_path)

    assert "model.zip must be given alone" in message
    assert "notes.txt" in message


def test_prepare_folder_with_one_model(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "face.tflite").write_bytes(fetch("face_detection_short_range").read_bytes())

    bundle = prepare_model_files([folder], tmp_path / "work")

    assert bundle.model_format == "tflite"
    assert bundle.main_file == folder / "face.tflite"
    assert bundle.folder == folder


# --- Content that contradicts the extension ----------------------------------------------------


def parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"x": [1, 2]}), buffer)
    return buffer.getvalue()


def npy_bytes() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((2, 3), np.float32))
    return buffer.getvalue()


def lying_upload(case: str) -> tuple[str, bytes]:
    """Build one file whose extension lies about its content: (file name, bytes)."""
    onnx_model = fetch("light_squeezenet").read_bytes()
    tflite_model = fetch("face_detection_short_range").read_bytes()
    uploads = {
        "onnx as tflite": ("squeezenet.tflite", onnx_model),
        "tflite as onnx": ("face.onnx", tflite_model),
        "onnx as xml": ("squeezenet.xml", onnx_model),
        "onnx as pb": ("squeezenet.pb", onnx_model),
        "onnx as pdmodel": ("squeezenet.pdmodel", onnx_model),
        "tflite as pb": ("face.pb", tflite_model),
        "zip as onnx": ("bundle.onnx", zip_bytes({"model.onnx": onnx_model})),
        "text as onnx": ("notes.onnx", b"a text file, not a model\n"),
        "xml as onnx": ("net.onnx", b'<?xml version="1.0"?><net name="x" version="11"></net>'),
        "parquet as onnx": ("session.onnx", parquet_bytes()),
        "npy as tflite": ("array.tflite", npy_bytes()),
        "hdf5 as pb": ("keras.pb", b"\x89HDF\r\n\x1a\n" + bytes(100)),
        "gzip as onnx": ("packed.onnx", b"\x1f\x8b\x08\x00" + bytes(100)),
        "binary as tflite": ("random.tflite", bytes(range(256))),
        "tflite as zip": ("face.zip", tflite_model),
    }
    return uploads[case]


# Each lying file -> words its message must contain: what the content is, and the fix.
LYING_EXPECTED = {
    "onnx as tflite": ("is not a valid TensorFlow Lite model", "an ONNX model", "rename it to squeezenet.onnx"),
    "tflite as onnx": ("is not a valid ONNX model", "a TensorFlow Lite model", "rename it to face.tflite"),
    "onnx as xml": ("is not a valid OpenVINO IR .xml", "an ONNX model", "rename it to squeezenet.onnx"),
    "onnx as pb": ("is not a valid TensorFlow model", "an ONNX model", "rename it to squeezenet.onnx"),
    "onnx as pdmodel": ("is not a valid PaddlePaddle model", "an ONNX model", "rename it to squeezenet.onnx"),
    "tflite as pb": ("is not a valid TensorFlow model", "a TensorFlow Lite model", "rename it to face.tflite"),
    "zip as onnx": ("is not a valid ONNX model", "a zip archive", "rename it to bundle.zip"),
    "text as onnx": ("is not a valid ONNX model", "plain text", "give the ONNX model itself"),
    "xml as onnx": ("is not a valid ONNX model", "the .xml of an OpenVINO IR", "rename it to net.xml"),
    "parquet as onnx": ("is not a valid ONNX model", "a Parquet file", "Sessions page"),
    "npy as tflite": ("is not a valid TensorFlow Lite model", "a NumPy .npy array", "input data"),
    "hdf5 as pb": ("is not a valid TensorFlow model", "an HDF5 file", "give the TensorFlow model itself"),
    "gzip as onnx": ("is not a valid ONNX model", "a gzip-compressed file", "decompress it first"),
    "binary as tflite": ("is not a TensorFlow Lite model", "file identifier TFL3", "real extension"),
    "tflite as zip": ("is not a valid zip archive", "a TensorFlow Lite model", "rename it to face.tflite"),
}


@pytest.mark.parametrize("case", list(LYING_EXPECTED))
def test_prepare_rejects_lying_extension(case: str, tmp_path: Path) -> None:
    file_name, data = lying_upload(case)
    message = rejection([(file_name, data)], tmp_path)

    assert message.startswith(file_name)
    for words in LYING_EXPECTED[case]:
        assert words in message


def test_prepare_rejects_lying_extension_in_zip(tmp_path: Path) -> None:
    members = {"export/model.tflite": fetch("light_squeezenet").read_bytes()}
    message = rejection([("bundle.zip", zip_bytes(members))], tmp_path)

    assert message.startswith("model.tflite in bundle.zip is not a valid TensorFlow Lite model")
    assert "rename it to model.onnx" in message


def test_prepare_rejects_tflite_saved_model_graph(tmp_path: Path) -> None:
    members = {
        "net/saved_model.pb": fetch("face_detection_short_range").read_bytes(),
        "net/variables/variables.index": b"index",
    }
    message = rejection([("net.zip", zip_bytes(members))], tmp_path)

    assert message.startswith("saved_model.pb in net.zip is not a valid TensorFlow SavedModel graph")
    assert "a TensorFlow Lite model" in message


def test_prepare_accepts_text_graph_def(tmp_path: Path) -> None:
    bundle = prepare_model_files([("graph.pb", b'node { name: "x" op: "Placeholder" }\n')], tmp_path)

    assert bundle.model_format == "tensorflow"


@pytest.mark.parametrize(
    ("content", "description"),
    [
        ("xml", "the .xml of an OpenVINO IR"),
        ("short xml", "the .xml of an OpenVINO IR"),
        ("npy", "a NumPy .npy array"),
        ("zip", "a zip archive"),
    ],
)
def test_prepare_rejects_bin_of_other_content(
    content: str, description: str, magika_ir: tuple[bytes, bytes], tmp_path: Path
) -> None:
    xml, weights = magika_ir
    # The same size as the real .bin, so only the content differs.
    # "short xml" is followed by binary zeros within the bytes that the check reads.
    short_xml = b'<?xml version="1.0"?><net name="x" version="11"/>'
    head = {"xml": xml, "short xml": short_xml, "npy": npy_bytes(), "zip": zip_bytes({"a": b"b"})}[content]
    fake = (head + bytes(len(weights)))[:len(weights)]
    message = rejection([("magika.xml", xml), ("magika.bin", fake)], tmp_path)

    assert message.startswith("magika.bin is not the weights file of magika.xml")
    assert description in message


@pytest.mark.parametrize("key", list(CATALOG))
def test_prepare_accepts_catalog_model_content(key: str, tmp_path: Path) -> None:
    path = fetch(key)
    bundle = prepare_model_files([(path.name, path.read_bytes())], tmp_path)

    assert bundle.model_format == {".onnx": "onnx", ".tflite": "tflite"}[path.suffix]


def test_prepare_accepts_catalog_ir_content(face_ir: tuple[bytes, bytes], tmp_path: Path) -> None:
    bundle = prepare_model_files([("face.xml", face_ir[0]), ("face.bin", face_ir[1])], tmp_path)

    assert bundle.model_format == "ir"


# --- Zip bombs and damaged zips ----------------------------------------------------------------


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def test_prepare_stops_zip_bomb_early(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(archive, "MAX_HIGHLY_COMPRESSED_BYTES", 2 * 1024**2)
    bomb = deflated_zip({"model.onnx": bytes(16 * 1024**2)})
    message = rejection([("bomb.zip", bomb)], tmp_path)

    assert message.startswith("bomb.zip looks like a zip bomb: model.onnx expands more than 100 times")
    assert "2 MiB" in message
    # Extraction stops within one chunk after the budget is spent.
    assert folder_bytes(tmp_path) <= 3 * 1024**2


def test_prepare_counts_bomb_over_members(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(archive, "MAX_HIGHLY_COMPRESSED_BYTES", 2 * 1024**2)
    members = {f"part{index}.onnx.data": bytes(1024**2) for index in range(4)}
    members["model.onnx"] = fetch("light_squeezenet").read_bytes()
    message = rejection([("parts.zip", deflated_zip(members))], tmp_path)

    assert "parts.zip looks like a zip bomb" in message
    assert "part2.onnx.data" in message


def test_prepare_accepts_zip_of_constant_weights(tmp_path: Path) -> None:
    # light_resnet50's weights are constant-filled, so its IR's 36 MiB .bin packs 922:1.
    folder = tmp_path / "ir"
    ov.save_model(ov.convert_model(str(fetch("light_resnet50"))), str(folder / "resnet.xml"),
                  compress_to_fp16=False)
    members = {name: (folder / name).read_bytes() for name in ("resnet.xml", "resnet.bin")}
    packed = deflated_zip(members)

    bundle = prepare_model_files([("resnet.zip", packed)], tmp_path / "work")

    assert len(members["resnet.bin"]) > 100 * len(packed)
    assert bundle.model_format == "ir"


def test_prepare_rejects_zip_larger_than_free_space(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(archive.shutil, "disk_usage", lambda _: usage._replace(free=1000))
    message = rejection([("big.zip", zip_bytes({"model.onnx": PROTOBUF * 500}))], tmp_path)

    assert "big.zip extracts to 4000 bytes" in message
    assert "only 1000 bytes free" in message


def test_prepare_zip_size_header_cannot_lie(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(archive, "MAX_EXTRACTED_BYTES", 1000)
    data = bytearray(zip_bytes({"model.onnx": PROTOBUF * 1000}))
    # Declare 8 bytes in both the local header (offset 22) and the central directory entry.
    data[22:26] = (8).to_bytes(4, "little")
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = (8).to_bytes(4, "little")

    message = rejection([("liar.zip", bytes(data))], tmp_path / "work")

    assert "liar.zip" in message
    assert folder_bytes(tmp_path) <= 1000


def test_extract_zip_damaged_bytes_rejected(tmp_path: Path) -> None:
    """Randomly damaged zips are extracted or rejected with ModelInputError, never another error."""
    original = deflated_zip({"m/model.onnx": bytes(range(256)) * 40, "m/readme.txt": b"hello" * 100})
    rng = np.random.default_rng(0)
    outcomes = set()
    for index in range(400):
        damaged = bytearray(original)
        for position in rng.integers(0, len(damaged), size=rng.integers(1, 6)):
            damaged[position] = int(rng.integers(0, 256))
        try:
            archive.extract_zip(io.BytesIO(bytes(damaged)), "damaged.zip", tmp_path / str(index))
            outcomes.add("extracted")
        except ModelInputError as error:
            assert str(error).startswith("damaged.zip")
            outcomes.add("rejected")

    assert "rejected" in outcomes


def test_prepare_names_zip_without_model(tmp_path: Path) -> None:
    message = rejection([("docs.zip", zip_bytes({"readme.txt": b"hello"}))], tmp_path)

    assert message.startswith("unknown model file extension: readme.txt in docs.zip")


def test_prepare_names_zip_with_two_models(tmp_path: Path) -> None:
    onnx_model = fetch("light_squeezenet").read_bytes()
    message = rejection([("pair.zip", zip_bytes({"a.onnx": onnx_model, "b.onnx": onnx_model}))], tmp_path)

    assert message.startswith("pair.zip contains several models (a.onnx, b.onnx)")


# --- Upload names and storage ------------------------------------------------------------------


def test_prepare_rejects_overlong_upload_name(tmp_path: Path) -> None:
    name = "m" * 300 + ".onnx"
    message = rejection([(name, fetch("light_squeezenet").read_bytes())], tmp_path)

    assert "305 bytes long" in message
    assert "shorter name" in message


def test_prepare_rejects_surrogate_upload_name(tmp_path: Path) -> None:
    message = rejection([("model\udcff.onnx", fetch("light_squeezenet").read_bytes())], tmp_path)

    assert "is not valid Unicode text" in message


def test_prepare_reports_full_disk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def full_disk(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    message = rejection([("model.onnx", fetch("light_squeezenet").read_bytes())], tmp_path)

    assert message.startswith("cannot store the uploaded file model.onnx")
    assert os.strerror(errno.ENOSPC) in message
    assert str(tmp_path) not in message


@pytest.mark.parametrize("model_name", ["модель", "模型", "café"])
def test_prepare_keeps_non_ascii_model_name(model_name: str, tmp_path: Path) -> None:
    bundle = prepare_model_files([(f"{model_name}.onnx", fetch("light_squeezenet").read_bytes())], tmp_path)

    assert bundle.model_name == model_name
    assert bundle.main_file.name == f"{model_name}.onnx"


# --- Local files that are not regular files ----------------------------------------------------


def test_prepare_rejects_named_pipe(tmp_path: Path) -> None:
    pipe = tmp_path / "model.onnx"
    os.mkfifo(pipe)
    # Reading a pipe would block until a writer appears, so it must be rejected before hashing.
    message = rejection([pipe], tmp_path / "work")

    assert message.startswith(f"not a regular file: {pipe}")


def test_prepare_rejects_broken_link_in_folder(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(fetch("light_squeezenet").read_bytes())
    (folder / "model.onnx.data").symlink_to(tmp_path / "missing.data")
    message = rejection([folder], tmp_path / "work")

    assert message.startswith("model.onnx.data in folder")
    assert "broken symbolic link" in message


@pytest.mark.parametrize("given", ["file", "folder"])
def test_prepare_rejects_non_utf8_local_name(given: str, tmp_path: Path) -> None:
    name = os.fsdecode(b"mod\xffel.onnx")
    (tmp_path / name).write_bytes(fetch("light_squeezenet").read_bytes())
    message = rejection([tmp_path / name if given == "file" else tmp_path], tmp_path / "work")

    assert "is not valid UTF-8; rename the file" in message


def test_prepare_session_file_points_to_sessions_page(tmp_path: Path) -> None:
    message = rejection([("run.parquet", b"PAR1" + bytes(64) + b"PAR1")], tmp_path)

    assert "run.parquet" in message
    assert "imported on the Sessions page" in message


def test_prepare_zip_in_zip_says_not_opened(tmp_path: Path) -> None:
    inner = deflated_zip({"model.onnx": PROTOBUF})
    message = rejection([("nested.zip", deflated_zip({"inner.zip": inner}))], tmp_path)

    assert "inner.zip in nested.zip" in message
    assert "a .zip inside a .zip is not opened" in message
