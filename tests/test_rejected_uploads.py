"""Messages of every rejected upload: they name the uploaded file, never a work folder or a repr.

The cases cover the model file checks, OpenVINO's loading errors and .npy input files. The app
writes uploads into temporary folders, so each case runs in a folder named as the app names them.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import openvino as ov
import pytest

from ovstudio import archive
from ovstudio.errors import ModelInputError
from ovstudio.loader import load_model
from ovstudio.model_files import prepare_model_files
from ovstudio.profiler.inputs import prepare_inputs
from ovstudio.settings import ProfileSettings
from tests.hostile_files import HostileUpload, loading_uploads, model_file_uploads, zip_bytes
from tests.real_models import fetch

# An exception's repr, such as DTDForbidden(name='net', ...) or OSError(28, ...).
EXCEPTION_REPR = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Forbidden|Failure)\(")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scratch")


def assert_clean_message(message: str, named_file: str, work_dir: Path) -> None:
    assert named_file in message
    assert str(work_dir) not in message
    assert str(work_dir.resolve()) not in message
    assert "/tmp/" not in message
    assert EXCEPTION_REPR.search(message) is None, message


def upload_work_dir(tmp_path: Path) -> Path:
    return tmp_path / "ovstudio-upload-k3x9q2"


MODEL_FILE_CASES = [
    "malformed xml", "doctype", "external entity", "entity bomb", "short bin", "bin of another model",
    "two models", "lying extension", "empty file", "xml without bin", "unknown extension", "bin alone",
    "zip without model", "damaged zip",
]


@pytest.mark.parametrize("case", MODEL_FILE_CASES)
def test_model_file_message_is_clean(case: str, squeezenet_ir: Path, scratch: Path, tmp_path: Path) -> None:
    upload = model_file_uploads(squeezenet_ir, scratch)[case]
    work_dir = upload_work_dir(tmp_path)
    with pytest.raises(ModelInputError) as caught:
        prepare_model_files(upload.files, work_dir)
    message = str(caught.value)

    assert_clean_message(message, upload.named_file, work_dir)
    for words in upload.words:
        assert words in message


def test_external_entity_message_hides_secret(squeezenet_ir: Path, scratch: Path, tmp_path: Path) -> None:
    upload = model_file_uploads(squeezenet_ir, scratch)["external entity"]
    with pytest.raises(ModelInputError) as caught:
        prepare_model_files(upload.files, upload_work_dir(tmp_path))

    assert "do-not-show-this" not in str(caught.value)


def test_zip_bomb_message_is_clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(archive, "MAX_HIGHLY_COMPRESSED_BYTES", 1024**2)
    work_dir = upload_work_dir(tmp_path)
    with pytest.raises(ModelInputError) as caught:
        prepare_model_files([("bomb.zip", zip_bytes({"model.onnx": bytes(8 * 1024**2)}))], work_dir)

    assert_clean_message(str(caught.value), "bomb.zip", work_dir)


@pytest.mark.parametrize("case", ["truncated onnx", "failing if body", "custom tflite operation"])
def test_loading_message_is_clean(case: str, tmp_path: Path) -> None:
    upload: HostileUpload = loading_uploads()[case]
    work_dir = upload_work_dir(tmp_path)
    bundle = prepare_model_files(upload.files, work_dir)
    with pytest.raises(ModelInputError) as caught:
        load_model(bundle)
    message = str(caught.value)

    assert_clean_message(message, upload.named_file, work_dir)
    for words in upload.words:
        assert words in message


def npy_case(case: str) -> bytes:
    """Return the bytes of one unusable .npy input file for light_squeezenet's input data_0."""
    buffer = io.BytesIO()
    if case == "wrong shape":
        np.save(buffer, np.zeros((1, 3, 8, 8), np.float32))
    elif case == "complex numbers":
        np.save(buffer, np.zeros((1, 3, 224, 224), np.complex64))
    elif case == "objects":
        np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    elif case == "npz archive":
        np.savez(buffer, x=np.zeros(3))
    elif case == "truncated":
        np.save(buffer, np.zeros((1, 3, 224, 224), np.float32))
        return buffer.getvalue()[:500]
    elif case == "onnx model":
        return fetch("light_squeezenet").read_bytes()
    elif case == "text":
        return b"1, 2, 3\n"
    elif case == "huge header":
        header = {"descr": "<f4", "fortran_order": False, "shape": (100_000, 100_000, 100)}
        np.lib.format.write_array_header_1_0(buffer, header)
        buffer.write(bytes(16))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "case",
    ["wrong shape", "complex numbers", "objects", "npz archive", "truncated", "onnx model", "text", "huge header"],
)
def test_npy_input_message_is_clean(case: str, tmp_path: Path) -> None:
    # The app writes each uploaded .npy file into a temporary folder, as here.
    work_dir = tmp_path / "ovstudio-inputs-8fz2m1"
    path = work_dir / "input0" / "fake.npy"
    path.parent.mkdir(parents=True)
    path.write_bytes(npy_case(case))
    model = ov.Core().read_model(str(fetch("light_squeezenet")))
    settings = ProfileSettings(device="CPU", input_files={"data_0": str(path)})
    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, settings)

    assert_clean_message(str(caught.value), "fake.npy", work_dir)


def test_npy_input_rejects_huge_header(tmp_path: Path) -> None:
    path = tmp_path / "fake.npy"
    path.write_bytes(npy_case("huge header"))
    model = ov.Core().read_model(str(fetch("light_squeezenet")))
    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(device="CPU", input_files={"data_0": str(path)}))

    assert "declares an array of shape [100000,100000,100]" in str(caught.value)
    assert "contains only 16 bytes of data" in str(caught.value)


def test_npy_input_names_onnx_content(tmp_path: Path) -> None:
    path = tmp_path / "fake.npy"
    path.write_bytes(npy_case("onnx model"))
    model = ov.Core().read_model(str(fetch("light_squeezenet")))
    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(device="CPU", input_files={"data_0": str(path)}))

    assert "is not a .npy file: its content is an ONNX model" in str(caught.value)
