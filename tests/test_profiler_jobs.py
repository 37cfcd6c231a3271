"""Tests of the short worker jobs the app runs: inspect, convert to IR, list devices."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import openvino as ov
import pytest

from ovstudio.errors import ModelInputError
from ovstudio.model_files import ModelBundle, prepare_model_files
from ovstudio.profiler import runner
from tests.real_models import fetch


@pytest.fixture
def ir_folder(tmp_path: Path) -> Path:
    """A folder with the real magika model saved as IR in the test: m.xml and m.bin."""
    folder = tmp_path / "ir"
    ov.save_model(ov.convert_model(str(fetch("magika"))), str(folder / "m.xml"), compress_to_fp16=False)
    return folder


@pytest.fixture
def ir_bundle(ir_folder: Path, tmp_path: Path) -> ModelBundle:
    return prepare_model_files([ir_folder / "m.xml"], tmp_path / "work")


def _digests(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}


def test_inspect_model_reports_dynamic_input(tmp_path: Path) -> None:
    bundle = prepare_model_files([fetch("ppocr_rec")], tmp_path)

    inputs = runner.inspect_model(bundle)

    assert len(inputs) == 1
    assert inputs[0]["name"] == "x"
    assert inputs[0]["shape"] == "[?,3,?,?]"
    assert inputs[0]["element_type"] == "f32"
    assert inputs[0]["is_dynamic"] is True


def test_inspect_model_invalid_file_raises(tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"this is not an onnx model")
    bundle = ModelBundle("broken", "onnx", tmp_path, broken, (), "0" * 64)

    with pytest.raises(ModelInputError):
        runner.inspect_model(bundle)


def test_convert_to_ir_writes_xml_and_bin(tmp_path: Path) -> None:
    bundle = prepare_model_files([fetch("face_detection_short_range")], tmp_path / "upload")

    xml_path, bin_path = runner.convert_to_ir(bundle, tmp_path / "ir")

    assert xml_path == tmp_path / "ir" / "face_detection_short_range.xml"
    assert xml_path.stat().st_size > 0
    assert bin_path.stat().st_size > 0


def test_available_devices_lists_cpu() -> None:
    devices = runner.available_devices()

    names = [name for name, _ in devices]
    assert "CPU" in names
    assert all(full_name for _, full_name in devices)


def test_convert_to_ir_into_model_folder_rejected(
    ir_bundle: ModelBundle, ir_folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ovstudio.profiler.process")
    before = _digests(ir_folder)

    with pytest.raises(ModelInputError) as caught:
        runner.convert_to_ir(ir_bundle, ir_folder)

    assert f"the output file {ir_folder / 'm.xml'} is the model's own file" in str(caught.value)
    assert "Choose another output folder" in str(caught.value)
    assert _digests(ir_folder) == before
    assert "started worker process" not in caplog.text


def test_convert_job_into_model_folder_rejected(ir_bundle: ModelBundle, ir_folder: Path) -> None:
    before = _digests(ir_folder)

    # The job checks again in the worker, for callers that skip runner.convert_to_ir.
    with pytest.raises(ModelInputError, match="the model's own file"):
        runner.run_in_worker("ovstudio.profiler.jobs:convert_to_ir", ir_bundle, ir_folder, timeout_s=120)

    assert _digests(ir_folder) == before


def test_convert_to_ir_hard_link_to_model_rejected(ir_bundle: ModelBundle, ir_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    os.link(ir_folder / "m.bin", out / "m.bin")
    before = _digests(ir_folder)

    with pytest.raises(ModelInputError, match="the model's own file"):
        runner.convert_to_ir(ir_bundle, out)

    assert _digests(ir_folder) == before


def test_convert_to_ir_output_is_file(ir_bundle: ModelBundle, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker.txt"
    blocker.write_text("a file")

    for out in (blocker, blocker / "sub"):
        with pytest.raises(ModelInputError) as caught:
            runner.convert_to_ir(ir_bundle, out)

        assert f"cannot use {out} as the output folder: {blocker} is a file" in str(caught.value)


def test_convert_to_ir_output_xml_is_folder(ir_bundle: ModelBundle, tmp_path: Path) -> None:
    (tmp_path / "out" / "m.xml").mkdir(parents=True)

    with pytest.raises(ModelInputError, match="a folder of that name exists"):
        runner.convert_to_ir(ir_bundle, tmp_path / "out")


def test_convert_to_ir_unwritable_folder(
    ir_bundle: ModelBundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "read-only"
    out.mkdir()
    # Permission bits do not bind root, so the access check itself reports the folder as read-only.
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != out)

    with pytest.raises(ModelInputError) as caught:
        runner.convert_to_ir(ir_bundle, out / "new")

    assert f"cannot write into the output folder {out / 'new'}: {out} is not writable" in str(caught.value)


def test_convert_to_ir_failure_creates_no_folder(tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"this is not an onnx model")
    bundle = ModelBundle("broken", "onnx", tmp_path, broken, (), "0" * 64)

    with pytest.raises(ModelInputError):
        runner.convert_to_ir(bundle, tmp_path / "out" / "nested")

    assert not (tmp_path / "out").exists()


def test_convert_to_ir_replaces_old_output(ir_bundle: ModelBundle, ir_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "nested"
    out.mkdir(parents=True)
    (out / "m.xml").write_text("an older IR")

    xml_path, bin_path = runner.convert_to_ir(ir_bundle, out)

    assert (xml_path, bin_path) == (out / "m.xml", out / "m.bin")
    assert sorted(path.name for path in out.iterdir()) == ["m.bin", "m.xml"]
    assert _digests(out) == _digests(ir_folder)
