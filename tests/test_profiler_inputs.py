"""Tests of input shape resolution and input data, on real models and small built ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openvino as ov
import pytest
from openvino import opset13 as ops

from ovstudio.errors import ModelInputError
from ovstudio.profiler.inputs import fill_tensor, prepare_inputs, to_bf16_bits
from ovstudio.session.schema import INPUTS
from ovstudio.settings import ProfileSettings
from tests.real_models import fetch


@pytest.fixture(scope="module")
def ppocr_rec_path() -> Path:
    return fetch("ppocr_rec")


@pytest.fixture(scope="module")
def magika_path() -> Path:
    return fetch("magika")


def _two_input_model() -> ov.Model:
    image = ops.parameter([-1, 3, -1, -1], ov.Type.f32, name="image")
    image.output(0).set_names({"image", "pixel_values"})
    scale = ops.parameter([1], ov.Type.f32, name="scale")
    return ov.Model([ops.multiply(image, scale)], [image, scale], "two_inputs")


def test_inputs_missing_shape_names_input(ppocr_rec_path: Path) -> None:
    model = ov.convert_model(ppocr_rec_path)

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings())

    message = str(caught.value)
    assert "input 'x' has dynamic shape [?,3,?,?]" in message
    assert "such as x=1,3,224,224" in message
    assert "--shape x=1,3,224,224" in message


def test_inputs_missing_shape_lists_every_input() -> None:
    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(_two_input_model(), ProfileSettings(shapes={}))

    assert "'image'" in str(caught.value)
    assert "'scale'" not in str(caught.value)
    assert "--shape image=1,3,224,224" in str(caught.value)


def test_inputs_shape_reshapes_real_model(ppocr_rec_path: Path) -> None:
    model = ov.convert_model(ppocr_rec_path)

    prepared = prepare_inputs(model, ProfileSettings(shapes={"x": (1, 3, 48, 320)}))

    assert prepared.reshaped
    assert list(prepared.table.columns) == INPUTS.column_names
    row = prepared.table.iloc[0]
    assert row["input_name"] == "x"
    assert row["original_shape"] == "[?,3,?,?]"
    assert row["shape"] == [1, 3, 48, 320]
    assert row["element_type"] == "f32"
    assert row["data_source"] == "random"
    assert str(model.inputs[0].get_partial_shape()) == "[1,3,48,320]"
    array = prepared.arrays["x"]
    assert array.dtype == np.float32
    assert array.min() >= 0.0
    assert array.max() < 1.0


def test_inputs_unknown_name_lists_real_names(ppocr_rec_path: Path) -> None:
    model = ov.convert_model(ppocr_rec_path)

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(shapes={"images": (1, 3, 48, 320)}))

    message = str(caught.value)
    assert message.startswith("no input named 'images': the model's only input is 'x'")
    assert "Give the shape for input 'x'" in message


def test_inputs_unknown_names_list_model_inputs() -> None:
    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(_two_input_model(), ProfileSettings(shapes={"y": (1,), "z": (1,)}))

    assert str(caught.value).startswith("no inputs named 'y', 'z': the model's inputs are 'image', 'scale'")


def test_inputs_unknown_input_file_name(ppocr_rec_path: Path, tmp_path: Path) -> None:
    model = ov.convert_model(ppocr_rec_path)

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(shapes={"x": (1, 3, 48, 320)}, input_files={"y": str(tmp_path / "y.npy")}))

    message = str(caught.value)
    assert message.startswith("no input named 'y': the model's only input is 'x'")
    assert "Give the input file for input 'x'" in message
    assert "input files" not in message


def test_inputs_rank_mismatch(ppocr_rec_path: Path) -> None:
    model = ov.convert_model(ppocr_rec_path)

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(shapes={"x": (1, 3, 640)}))

    assert str(caught.value) == (
        "the shape given for input 'x', [1,3,640], has rank 3, but the model's input 'x' is [?,3,?,?] "
        "(rank 4): give 4 dimensions, such as x=1,3,640,640"
    )


def test_inputs_static_dimension_conflict(ppocr_rec_path: Path) -> None:
    model = ov.convert_model(ppocr_rec_path)

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(shapes={"x": (1, 4, 48, 320)}))

    message = str(caught.value)
    assert "has 4 in dimension 1" in message
    assert "which allows 3 there" in message
    assert "such as x=1,3,48,320" in message
    assert "shapes gives" not in message


@pytest.mark.parametrize("shape", [(0, 3, 48, 320), (1, 3, 0, 320), (1, 3, 48, -1)])
def test_inputs_dimension_below_one_rejected(ppocr_rec_path: Path, shape: tuple[int, ...]) -> None:
    model = ov.convert_model(ppocr_rec_path)

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(shapes={"x": shape}))

    assert "every dimension must be 1 or more" in str(caught.value)


def test_inputs_empty_npy_array_rejected(magika_path: Path, tmp_path: Path) -> None:
    model = ov.convert_model(magika_path)
    path = tmp_path / "empty.npy"
    np.save(path, np.zeros((0, 2048), dtype=np.int32))

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(input_files={"bytes": str(path)}))

    assert "empty.npy" in str(caught.value)
    assert "[0,2048]" in str(caught.value)


def test_inputs_batch_conflicts_with_shape(ppocr_rec_path: Path) -> None:
    model = ov.convert_model(ppocr_rec_path)

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(shapes={"x": (1, 3, 48, 192)}, batch=4))

    message = str(caught.value)
    assert "input 'x' gets batch 4" in message
    assert "[1,3,48,192], has 1 in dimension 0" in message
    assert "drop either the batch or the shape" in message


def test_inputs_batch_equal_to_shape_accepted(ppocr_rec_path: Path) -> None:
    model = ov.convert_model(ppocr_rec_path)

    prepared = prepare_inputs(model, ProfileSettings(shapes={"x": (4, 3, 48, 192)}, batch=4))

    assert prepared.table.loc[0, "shape"] == [4, 3, 48, 192]


def test_inputs_batch_conflicts_with_npy(magika_path: Path, tmp_path: Path) -> None:
    model = ov.convert_model(magika_path)
    path = tmp_path / "two.npy"
    np.save(path, np.zeros((2, 2048), dtype=np.int32))

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(input_files={"bytes": str(path)}, batch=3))

    assert "input 'bytes' gets batch 3, but the array in two.npy, [2,2048]" in str(caught.value)


def test_inputs_alias_name_accepted() -> None:
    model = _two_input_model()

    prepared = prepare_inputs(model, ProfileSettings(shapes={"pixel_values": (2, 3, 8, 8)}))

    assert prepared.table["shape"].tolist() == [[2, 3, 8, 8], [1]]


def test_inputs_static_model_not_reshaped() -> None:
    parameter = ops.parameter([1, 4], ov.Type.f32, name="data")
    model = ov.Model([ops.relu(parameter)], [parameter])

    prepared = prepare_inputs(model, ProfileSettings())

    assert not prepared.reshaped
    assert prepared.table.loc[0, "shape"] == [1, 4]


def test_inputs_batch_sets_dimension_zero(magika_path: Path) -> None:
    model = ov.convert_model(magika_path)

    prepared = prepare_inputs(model, ProfileSettings(batch=3))

    assert prepared.table.loc[0, "shape"] == [3, 2048]
    assert str(model.inputs[0].get_partial_shape()) == "[3,2048]"


def test_inputs_i32_random_ints_in_range(magika_path: Path) -> None:
    model = ov.convert_model(magika_path)

    prepared = prepare_inputs(model, ProfileSettings(shapes={"bytes": (1, 2048)}))

    array = prepared.arrays["bytes"]
    assert prepared.table.loc[0, "element_type"] == "i32"
    assert array.dtype == np.int32
    assert array.min() >= 0
    assert array.max() < 256
    assert len(np.unique(array)) > 100


@pytest.mark.parametrize(
    ("element_type", "dtype", "high"),
    [(ov.Type.u8, np.uint8, 256), (ov.Type.i8, np.int8, 128), (ov.Type.i64, np.int64, 256), (ov.Type.boolean, np.bool_, 2)],
)
def test_inputs_integer_types_in_range(element_type: ov.Type, dtype: type, high: int) -> None:
    parameter = ops.parameter([64, 64], element_type, name="data")
    model = ov.Model([ops.convert(parameter, ov.Type.f32)], [parameter])

    array = prepare_inputs(model, ProfileSettings()).arrays["data"]

    assert array.dtype == dtype
    assert array.astype(np.int64).min() >= 0
    assert array.astype(np.int64).max() < high


def test_inputs_npy_file_used_and_cast(magika_path: Path, tmp_path: Path) -> None:
    model = ov.convert_model(magika_path)
    path = tmp_path / "bytes.npy"
    np.save(path, np.arange(2 * 2048, dtype=np.int16).reshape(2, 2048))

    prepared = prepare_inputs(model, ProfileSettings(input_files={"bytes": str(path)}))

    assert prepared.table.loc[0, "data_source"] == "bytes.npy"
    assert prepared.table.loc[0, "shape"] == [2, 2048]
    assert prepared.arrays["bytes"].dtype == np.int32
    assert prepared.arrays["bytes"][1, 0] == 2048


def test_inputs_npy_unsafe_cast_names_file(magika_path: Path, tmp_path: Path) -> None:
    model = ov.convert_model(magika_path)
    path = tmp_path / "floats.npy"
    np.save(path, np.zeros((1, 2048), dtype=np.float32))

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(input_files={"bytes": str(path)}))

    assert "floats.npy" in str(caught.value)
    assert "float32" in str(caught.value)


def test_inputs_npy_shape_mismatch_names_file(magika_path: Path, tmp_path: Path) -> None:
    model = ov.convert_model(magika_path)
    path = tmp_path / "short.npy"
    np.save(path, np.zeros((1, 2048), dtype=np.int32))

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(shapes={"bytes": (2, 2048)}, input_files={"bytes": str(path)}))

    assert "short.npy" in str(caught.value)
    assert "[1,2048]" in str(caught.value)
    assert "[2,2048]" in str(caught.value)


def test_inputs_invalid_npy_names_file(magika_path: Path, tmp_path: Path) -> None:
    model = ov.convert_model(magika_path)
    path = tmp_path / "broken.npy"
    path.write_bytes(b"not numpy")

    with pytest.raises(ModelInputError, match="broken.npy"):
        prepare_inputs(model, ProfileSettings(input_files={"bytes": str(path)}))


def test_inputs_text_file_not_npy(magika_path: Path, tmp_path: Path) -> None:
    model = ov.convert_model(magika_path)
    path = tmp_path / "README.md"
    path.write_text("# A readme, not an array\n")

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(input_files={"bytes": str(path)}))

    message = str(caught.value)
    assert "the input file README.md for input 'bytes' is not a .npy file: its content is plain text" in message
    assert str(tmp_path) not in message
    assert "allow_pickle" not in message
    assert ".." not in message


def test_inputs_object_npy_not_unpickled(magika_path: Path, tmp_path: Path) -> None:
    model = ov.convert_model(magika_path)
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"key": 1}], dtype=object), allow_pickle=True)

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(input_files={"bytes": str(path)}))

    assert "objects.npy" in str(caught.value)
    assert "Python objects" in str(caught.value)
    assert "allow_pickle" not in str(caught.value)


def test_inputs_string_npy_not_numbers(magika_path: Path, tmp_path: Path) -> None:
    model = ov.convert_model(magika_path)
    path = tmp_path / "words.npy"
    np.save(path, np.array(["a", "b"]))

    with pytest.raises(ModelInputError) as caught:
        prepare_inputs(model, ProfileSettings(input_files={"bytes": str(path)}))

    assert "words.npy" in str(caught.value)
    assert "not of numbers" in str(caught.value)


def test_inputs_npz_archive_rejected(magika_path: Path, tmp_path: Path) -> None:
    model = ov.convert_model(magika_path)
    path = tmp_path / "arrays.npz"
    np.savez(path, bytes=np.zeros((1, 2048), dtype=np.int32))

    with pytest.raises(ModelInputError, match=r"arrays\.npz.*\.npz archive"):
        prepare_inputs(model, ProfileSettings(input_files={"bytes": str(path)}))


def test_inputs_bf16_input_runs() -> None:
    parameter = ops.parameter([2, 3], ov.Type.bf16, name="data")
    model = ov.Model([ops.convert(parameter, ov.Type.f32)], [parameter])
    prepared = prepare_inputs(model, ProfileSettings())
    request = ov.Core().compile_model(model, "CPU").create_infer_request()

    fill_tensor(request.get_input_tensor(0), prepared.arrays["data"])
    output = request.infer()[0]

    assert prepared.table.loc[0, "element_type"] == "bf16"
    assert output.min() >= 0.0
    assert output.max() <= 1.0


def test_to_bf16_bits_rounds_to_nearest() -> None:
    values = np.array([1.0, -2.5, 1.00390625, 3.0e38], dtype=np.float32)

    bits = to_bf16_bits(values)

    restored = (bits.astype(np.uint32) << 16).view(np.float32)
    assert restored.tolist()[:3] == [1.0, -2.5, 1.0]
    assert np.isfinite(restored[3])
