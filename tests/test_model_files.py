"""Validation of model file sets: formats, IR pairing, .bin sizes, zips and hashes."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from pathlib import Path

import numpy as np
import onnx
import openvino as ov
import openvino.opset13 as opset
import pytest

from ovstudio import archive
from ovstudio.errors import ModelInputError
from ovstudio.model_files import prepare_model_files
from tests.real_models import fetch


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
    bundle = prepare_model_files([(file_name, b"not checked before OpenVINO reads it")], tmp_path)

    assert bundle.model_format == model_format


def test_prepare_paddle_pairs_params_by_stem(tmp_path: Path) -> None:
    bundle = prepare_model_files([("Net.PDMODEL", b"program"), ("net.PdIparams", b"weights")], tmp_path)

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
        "classifier/saved_model.pb": b"graph",
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
    (folder / "saved_model.pb").write_bytes(b"graph")
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
