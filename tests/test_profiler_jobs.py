"""Tests of the short worker jobs the app runs: inspect, convert to IR, list devices."""

from __future__ import annotations

from pathlib import Path

import pytest

from ovstudio.errors import ModelInputError
from ovstudio.model_files import ModelBundle, prepare_model_files
from ovstudio.profiler import runner
from tests.real_models import fetch


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
