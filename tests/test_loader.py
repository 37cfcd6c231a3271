"""Loading real models with OpenVINO, and the errors for models it cannot load."""

from __future__ import annotations

import collections
import errno
import os
from pathlib import Path

import numpy as np
import onnx
import onnx.helper
import openvino as ov
import openvino.opset13 as opset
import pytest

from ovstudio.errors import ModelInputError, UnsupportedOperationError
from ovstudio.loader import (
    load_model,
    meaningful_lines,
    model_inputs,
    save_ir,
    unsupported_operations,
    without_folder,
)
from ovstudio.model_files import ModelBundle, prepare_model_files
from tests.real_models import fetch

# A TensorFlow GraphDef in protobuf text form, which OpenVINO reads from a .pb file as well.
GRAPH_DEF = """
node {
  name: "x"
  op: "Placeholder"
  attr { key: "dtype" value { type: DT_FLOAT } }
  attr { key: "shape" value { shape { dim { size: 1 } dim { size: 3 } } } }
}
node { name: "y" op: "%s" input: "x" }
"""


@pytest.fixture(scope="module")
def magika_ir_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the real magika ONNX model saved as IR by OpenVINO (magika.xml, magika.bin)."""
    folder = tmp_path_factory.mktemp("magika_ir")
    ov.save_model(ov.convert_model(str(fetch("magika"))), str(folder / "magika.xml"), compress_to_fp16=False)
    return folder


def op_types(model: ov.Model) -> collections.Counter[str]:
    return collections.Counter(node.get_type_name() for node in model.get_ordered_ops())


def load_error(bundle: ModelBundle) -> ModelInputError:
    with pytest.raises(ModelInputError) as caught:
        load_model(bundle)
    return caught.value


# --- Loading -----------------------------------------------------------------------------------


def test_load_model_onnx(tmp_path: Path) -> None:
    model = load_model(prepare_model_files([fetch("ppocr_rec")], tmp_path))

    types = op_types(model)
    assert types["Convolution"] > 10
    assert types["ScaledDotProductAttention"] >= 1
    expected = {"name": "x", "shape": "[?,3,?,?]", "element_type": "f32", "is_dynamic": True}
    assert model_inputs(model) == [expected]


def test_load_model_tflite(tmp_path: Path) -> None:
    model = load_model(prepare_model_files([fetch("face_detection_short_range")], tmp_path), ov.Core())

    assert op_types(model)["Convolution"] > 10
    expected = {"name": "input", "shape": "[1,128,128,3]", "element_type": "f32", "is_dynamic": False}
    assert model_inputs(model) == [expected]
    assert sorted(output.get_any_name() for output in model.outputs) == ["classificators", "regressors"]


def test_load_model_ir(magika_ir_folder: Path, tmp_path: Path) -> None:
    bundle = prepare_model_files([magika_ir_folder / "magika.xml", magika_ir_folder / "magika.bin"], tmp_path)

    model = load_model(bundle)

    assert op_types(model) == op_types(ov.convert_model(str(fetch("magika"))))
    expected = {"name": "bytes", "shape": "[?,2048]", "element_type": "i32", "is_dynamic": True}
    assert model_inputs(model) == [expected]


def test_load_model_onnx_with_external_data(tmp_path: Path) -> None:
    onnx.save_model(
        onnx.load(str(fetch("magika"))), str(tmp_path / "magika.onnx"),
        save_as_external_data=True, location="weights.data",
    )
    files = [(name, (tmp_path / name).read_bytes()) for name in ("magika.onnx", "weights.data")]

    model = load_model(prepare_model_files(files, tmp_path / "work"))

    assert op_types(model) == op_types(ov.convert_model(str(fetch("magika"))))


def test_load_model_tensorflow_frozen_graph(tmp_path: Path) -> None:
    (tmp_path / "graph.pb").write_text(GRAPH_DEF % "Relu")

    model = load_model(prepare_model_files([tmp_path / "graph.pb"], tmp_path / "work"))

    assert op_types(model)["Relu"] == 1


def test_model_inputs_without_tensor_names() -> None:
    parameter = opset.parameter([-1, ov.Dimension(2, 8), 3], np.int64, name="tokens")
    model = ov.Model([opset.relu(parameter)], [parameter], "unnamed")
    model.inputs[0].get_tensor().set_names(set())

    assert model.inputs[0].get_names() == set()
    expected = {"name": "tokens", "shape": "[?,2..8,3]", "element_type": "i64", "is_dynamic": True}
    assert model_inputs(model) == [expected]


# --- Errors ------------------------------------------------------------------------------------


def test_load_model_failing_silero_vad(tmp_path: Path) -> None:
    error = load_error(prepare_model_files([fetch("failing_silero_vad")], tmp_path))

    # OpenVINO 2026.4.1 reports "Conversion is failed for: Conv-16, ReduceMean-16": both sit in an
    # If branch whose input rank is unknown.
    assert isinstance(error, UnsupportedOperationError)
    assert error.operations == ["Conv", "ReduceMean"]
    message = str(error)
    assert "silero_vad.onnx" in message
    assert "The input data tensor's rank has to be known (static)" in message
    assert "Unsupported input type dynamic" in message
    assert "src/frontends" not in message


def test_load_model_failing_selfie_segmentation(tmp_path: Path) -> None:
    error = load_error(prepare_model_files([fetch("failing_selfie_segmentation")], tmp_path))

    # OpenVINO 2026.4.1 reports "No translator found for Convolution2DTransposeBias node."
    assert isinstance(error, UnsupportedOperationError)
    assert error.operations == ["Convolution2DTransposeBias"]
    assert "selfie_segmentation.tflite" in str(error)
    assert "TensorFlow Lite" in str(error)


def test_load_model_foreign_bin_same_size(magika_ir_folder: Path, tmp_path: Path) -> None:
    # A .bin of the size the .xml expects passes the file checks; OpenVINO then fails on a
    # constant read from it and names only the .xml.
    size = (magika_ir_folder / "magika.bin").stat().st_size
    other = fetch("light_squeezenet").read_bytes()
    (tmp_path / "magika.xml").write_bytes((magika_ir_folder / "magika.xml").read_bytes())
    (tmp_path / "magika.bin").write_bytes((other * (size // len(other) + 1))[:size])

    paths = [tmp_path / "magika.xml", tmp_path / "magika.bin"]
    message = str(load_error(prepare_model_files(paths, tmp_path / "work")))

    assert "cannot read magika.xml" in message
    assert "that magika.bin was saved together with it" in message


def test_load_model_unknown_ir_operation(magika_ir_folder: Path, tmp_path: Path) -> None:
    xml = (magika_ir_folder / "magika.xml").read_text()
    (tmp_path / "magika.xml").write_text(xml.replace('type="Tanh"', 'type="NoSuchOp"', 1))
    (tmp_path / "magika.bin").write_bytes((magika_ir_folder / "magika.bin").read_bytes())

    paths = [tmp_path / "magika.xml", tmp_path / "magika.bin"]
    error = load_error(prepare_model_files(paths, tmp_path / "work"))

    # OpenVINO 2026.4.1 reports "Opset opset1 doesn't contain the operation with type: NoSuchOp".
    assert isinstance(error, UnsupportedOperationError)
    assert error.operations == ["NoSuchOp"]
    assert "magika.xml" in str(error)


def test_load_model_unknown_ir_opset(magika_ir_folder: Path, tmp_path: Path) -> None:
    xml = (magika_ir_folder / "magika.xml").read_text()
    xml = xml.replace('type="Tanh" version="opset1"', 'type="Tanh" version="opset99"', 1)
    (tmp_path / "magika.xml").write_text(xml)
    (tmp_path / "magika.bin").write_bytes((magika_ir_folder / "magika.bin").read_bytes())

    paths = [tmp_path / "magika.xml", tmp_path / "magika.bin"]
    error = load_error(prepare_model_files(paths, tmp_path / "work"))

    # OpenVINO 2026.4.1 reports "Cannot create Tanh layer <name> id:26 from unsupported opset: opset99".
    assert isinstance(error, UnsupportedOperationError)
    assert error.operations == ["Tanh"]


def test_load_model_unknown_onnx_operations(tmp_path: Path) -> None:
    from onnx import TensorProto

    nodes = [
        onnx.helper.make_node("NoSuchOp", ["x"], ["y"]),
        onnx.helper.make_node("Weird", ["y"], ["z"], domain="com.example"),
    ]
    graph = onnx.helper.make_graph(
        nodes, "unknown_ops",
        [onnx.helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [onnx.helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 3])],
    )
    opsets = [onnx.helper.make_opsetid("", 17), onnx.helper.make_opsetid("com.example", 1)]
    onnx.save(onnx.helper.make_model(graph, opset_imports=opsets), str(tmp_path / "unknown.onnx"))

    error = load_error(prepare_model_files([tmp_path / "unknown.onnx"], tmp_path / "work"))

    # OpenVINO 2026.4.1 reports "No conversion rule found for operations: NoSuchOp-17, com.example.Weird".
    assert isinstance(error, UnsupportedOperationError)
    assert error.operations == ["NoSuchOp", "com.example.Weird"]


def test_load_model_unknown_tensorflow_operation(tmp_path: Path) -> None:
    (tmp_path / "graph.pb").write_text(GRAPH_DEF % "NoSuchTfOp")

    error = load_error(prepare_model_files([tmp_path / "graph.pb"], tmp_path / "work"))

    assert isinstance(error, UnsupportedOperationError)
    assert error.operations == ["NoSuchTfOp"]


def test_load_model_truncated_onnx(tmp_path: Path) -> None:
    data = fetch("magika").read_bytes()
    (tmp_path / "magika.onnx").write_bytes(data[: len(data) // 2])

    error = load_error(prepare_model_files([tmp_path / "magika.onnx"], tmp_path / "work"))

    assert not isinstance(error, UnsupportedOperationError)
    assert "magika.onnx" in str(error)
    assert "Model can't be parsed" in str(error)
    assert "graph_iterator_proto.cpp" not in str(error)


def test_unsupported_operations_paddle_message() -> None:
    # The PaddlePaddle frontend words a missing converter as "No creator found for <type> node."
    assert unsupported_operations("No creator found for fancy_pool node.") == ["fancy_pool"]


def test_meaningful_lines_drop_locations() -> None:
    message = (
        "Exception from src/inference/src/cpp/core.cpp:84:\n"
        "Check 'false' failed at src/frontends/common/src/frontend.cpp:12:\n"
        "FrontEnd API failed with GeneralFailure:\n"
        "\n"
        "Model can't be parsed\n"
    )

    assert meaningful_lines(message) == ["Model can't be parsed"]


# --- Saving ------------------------------------------------------------------------------------


def test_save_ir_keeps_f32_weights(tmp_path: Path) -> None:
    model = ov.convert_model(str(fetch("magika")))

    xml_path, bin_path = save_ir(model, tmp_path / "out", "magika")

    assert xml_path == tmp_path / "out" / "magika.xml"
    assert bin_path.exists()
    saved = ov.Core().read_model(str(xml_path))
    constants = [node for node in saved.get_ordered_ops() if node.get_type_name() == "Constant"]
    constant_types = {node.get_output_element_type(0).get_type_name() for node in constants}
    assert "f32" in constant_types
    assert "f16" not in constant_types
    assert op_types(saved) == op_types(model)


def test_save_ir_rejects_name_with_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="without folders"):
        save_ir(ov.convert_model(str(fetch("magika"))), tmp_path, "../magika")


def test_save_ir_failed_save_creates_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = ov.convert_model(str(fetch("magika")))

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(ov, "save_model", fail)
    with pytest.raises(ModelInputError, match="simulated"):
        save_ir(model, tmp_path / "out", "magika")

    assert not (tmp_path / "out").exists()


def test_save_ir_folder_under_file_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")

    with pytest.raises(ModelInputError) as caught:
        save_ir(ov.convert_model(str(fetch("magika"))), blocker / "out", "magika")

    assert str(blocker / "out") in str(caught.value)
    assert "Choose another output folder" in str(caught.value)


def test_save_ir_moves_across_file_systems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = ov.convert_model(str(fetch("magika")))
    replace = os.replace

    def replace_within_one_file_system(source: str | Path, target: str | Path) -> None:
        # The staging folder acts as if it were on another file system.
        if Path(source).parent.name.startswith("ovstudio-ir-"):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        replace(source, target)

    monkeypatch.setattr(os, "replace", replace_within_one_file_system)
    xml_path, bin_path = save_ir(model, tmp_path / "out", "magika")

    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["magika.bin", "magika.xml"]
    assert op_types(ov.Core().read_model(str(xml_path), str(bin_path))) == op_types(model)


def test_load_error_hides_work_folder(tmp_path: Path) -> None:
    model = onnx.load(str(fetch("magika")))
    onnx.save_model(model, str(tmp_path / "magika.onnx"), save_as_external_data=True, location="magika.onnx.data")
    model = onnx.load(str(tmp_path / "magika.onnx"), load_external_data=False)
    for initializer in model.graph.initializer:
        for entry in initializer.external_data:
            if entry.key == "location":
                entry.value = "/etc/hostname"
    work_dir = tmp_path / "ovstudio-upload-x1"
    bundle = prepare_model_files([("evil.onnx", model.SerializeToString())], work_dir)

    message = str(load_error(bundle))

    assert "evil.onnx" in message
    assert "outside the base directory '.'" in message
    assert str(work_dir) not in message


def test_without_folder_writes_relative_paths(tmp_path: Path) -> None:
    message = f"cannot open {tmp_path}/model.onnx in {tmp_path}"

    assert without_folder(message, tmp_path) == "cannot open model.onnx in ."


def test_save_ir_failure_is_model_input_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def failing_save(model: ov.Model, path: str, compress_to_fp16: bool) -> None:
        raise RuntimeError(f"Exception from src/core/src/pass/serialize.cpp:1234:\nCan't open bin file {path}.bin")

    monkeypatch.setattr(ov, "save_model", failing_save)
    parameter = opset.parameter([1, 3], np.float32, name="x")
    model = ov.Model([opset.relu(parameter)], [parameter], "tiny")
    with pytest.raises(ModelInputError) as caught:
        save_ir(model, tmp_path / "out", "tiny")
    message = str(caught.value)

    assert message.startswith("OpenVINO could not save the IR of tiny")
    assert "Can't open bin file tiny.xml.bin" in message
    assert "/tmp/" not in message
    assert not (tmp_path / "out").exists()
