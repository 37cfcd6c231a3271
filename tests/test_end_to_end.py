"""Profile real models through the CLI and check the saved sessions against OpenVINO directly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import openvino as ov
import pandas as pd
import pytest

from ovstudio.model_files import prepare_model_files
from ovstudio.pipeline import build_session
from ovstudio.profiler.names import split_original_names
from ovstudio.profiler.runner import run_profile
from ovstudio.session.schema import TABLES_BY_NAME
from ovstudio.session.store import list_sessions, read_session, write_session
from ovstudio.settings import ProfileSettings
from tests.real_models import CATALOG, fetch

ITERATIONS = "5"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ovstudio", *args], capture_output=True, text=True, cwd=cwd)


def nulls_as_nan(frame: pd.DataFrame) -> pd.DataFrame:
    """Compare None and NaN as the same missing value, whatever the column dtype."""
    as_objects = frame.astype(object)
    return as_objects.where(frame.notna(), np.nan)


def shape_args(key: str) -> list[str]:
    return [arg for name, dims in CATALOG[key].shapes.items() for arg in ("--shape", f"{name}={','.join(map(str, dims))}")]


@pytest.fixture(scope="module")
def sessions_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sessions")


@pytest.fixture(scope="module")
def magika_ir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An OpenVINO IR made here from the real magika ONNX model, as a user would with ovc."""
    folder = tmp_path_factory.mktemp("ir")
    xml_path = folder / "magika.xml"
    ov.save_model(ov.convert_model(fetch("magika")), xml_path)
    return xml_path


def profile(sessions_dir: Path, files: list[Path], *extra: str) -> Path:
    completed = run_cli("profile", *map(str, files), "--iterations", ITERATIONS, "--warmup", "1",
                        "--sessions", str(sessions_dir), *extra)
    assert completed.returncode == 0, completed.stderr
    path = Path(completed.stdout.strip().splitlines()[-1])
    assert path.is_file()
    return path


def show_json(path: Path) -> dict:
    completed = run_cli("show", str(path), "--json")
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def assert_mapping_consistent(session_path: Path) -> None:
    """Every runtime layer whose original names exist in the IR maps to exactly those IR layers."""
    session = read_session(session_path)
    runtime = session.tables["runtime_layers"]
    ir = session.tables["ir_layers"]
    mapping = session.tables["mapping"]
    main_ids_by_name: dict[str, set[str]] = {}
    for layer_id, name, graph_id in zip(ir["layer_id"], ir["name"], ir["graph_id"]):
        if graph_id == "main":
            main_ids_by_name.setdefault(name, set()).add(layer_id)

    linked = mapping.groupby("runtime_id")["ir_id"].apply(set).to_dict()
    for layer_id, raw_names, mapping_class in zip(runtime["layer_id"], runtime["original_layers_names"], runtime["mapping_class"]):
        expected = set().union(*(main_ids_by_name.get(n, set()) for n in split_original_names(raw_names or "")))
        assert linked.get(layer_id, set()) == expected, layer_id
        if not expected:
            assert mapping_class == "inserted", layer_id
        elif len(expected) > 1:
            assert mapping_class == "fused", layer_id
        else:
            assert mapping_class in ("intact", "split"), layer_id

    mapped_ir = set(mapping["ir_id"])
    for layer_id, graph_id, mapping_class in zip(ir["layer_id"], ir["graph_id"], ir["mapping_class"]):
        if graph_id != "main":
            assert mapping_class == "nested"
        else:
            assert mapping_class == ("mapped" if layer_id in mapped_ir else "removed"), layer_id


def test_profile_ir_counts_match_openvino(sessions_dir: Path, magika_ir: Path) -> None:
    path = profile(sessions_dir, [magika_ir, magika_ir.with_suffix(".bin")], "--shape", "bytes=1,2048")
    summary = show_json(path)
    expected_layers = len(ov.Core().read_model(magika_ir).get_ordered_ops())

    assert summary["model"]["format"] == "ir"
    assert summary["counts"]["ir_layers"] == expected_layers
    assert summary["counts"]["runtime_layers"] > 0
    assert summary["device"]["execution_devices"] == ["CPU"]
    assert_mapping_consistent(path)


def test_profile_onnx_dynamic_shape(sessions_dir: Path) -> None:
    path = profile(sessions_dir, [fetch("ppocr_rec")], *shape_args("ppocr_rec"))
    session = read_session(path)
    inputs = session.tables["inputs"]

    assert list(inputs["input_name"]) == ["x"]
    assert list(inputs["shape"].iloc[0]) == [1, 3, 48, 320]
    assert "?" in inputs["original_shape"].iloc[0]
    assert session.info["model_format"] == "onnx"
    assert session.tables["counters"]["iteration"].nunique() == int(ITERATIONS)
    assert (session.tables["runtime_layers"]["mapping_class"] == "fused").sum() > 0
    assert_mapping_consistent(path)


def test_profile_onnx_missing_shape_exits_2(sessions_dir: Path) -> None:
    completed = run_cli("profile", str(fetch("ppocr_rec")), "--iterations", "2", "--sessions", str(sessions_dir))

    assert completed.returncode == 2
    assert "x" in completed.stderr
    assert "--shape" in completed.stderr or "=" in completed.stderr


def test_profile_tflite_face_detection(sessions_dir: Path) -> None:
    path = profile(sessions_dir, [fetch("face_detection_short_range")])
    summary = show_json(path)

    assert summary["model"]["format"] == "tflite"
    assert summary["latency_ms"]["median"] > 0
    assert summary["throughput_fps"] > 0
    assert summary["counts"]["runtime_by_class"]["fused"] > 0
    assert_mapping_consistent(path)


def test_profile_int32_input_magika(sessions_dir: Path) -> None:
    path = profile(sessions_dir, [fetch("magika")], *shape_args("magika"))
    inputs = read_session(path).tables["inputs"]

    assert inputs["element_type"].tolist() == ["i32"]
    assert inputs["data_source"].tolist() == ["random"]


def test_profile_lstm_sequence_silero(sessions_dir: Path) -> None:
    path = profile(sessions_dir, [fetch("silero_vad_16k_sequence")], *shape_args("silero_vad_16k_sequence"))
    session = read_session(path)
    ir = session.tables["ir_layers"]

    # The ONNX frontend of OpenVINO 2026.4.1 turns this model's ONNX LSTM into one LSTMSequence.
    assert "LSTMSequence" in set(ir["type"])
    assert session.tables["inputs"]["input_name"].tolist() == ["input", "h", "c"]
    assert_mapping_consistent(path)


def test_profile_if_bodies_with_real_input(sessions_dir: Path, tmp_path: Path) -> None:
    sample_rate = tmp_path / "sr.npy"
    np.save(sample_rate, np.array(16000, dtype=np.int64))
    path = profile(sessions_dir, [fetch("silero_vad_ifless")], *shape_args("silero_vad_ifless"),
                   "--input", f"sr={sample_rate}")
    session = read_session(path)
    ir = session.tables["ir_layers"]
    if_layers = ir[(ir["type"] == "If") & (ir["graph_id"] == "main")]

    assert len(if_layers) == 1
    assert if_layers["body_count"].tolist() == [2]
    nested = ir[ir["graph_id"] != "main"]
    assert len(nested) == 2 * 85
    assert set(nested["mapping_class"]) == {"nested"}
    assert nested["layer_id"].is_unique
    inputs = session.tables["inputs"].set_index("input_name")
    assert inputs.loc["sr", "data_source"] == "sr.npy"
    runtime = session.tables["runtime_layers"]
    assert runtime.loc[runtime["layer_type"] == "If", "status"].tolist() == ["EXECUTED"]
    assert_mapping_consistent(path)


@pytest.mark.slow
def test_profile_densenet_3690_ops(sessions_dir: Path) -> None:
    model_path = fetch("light_densenet121")
    path = profile(sessions_dir, [model_path])
    summary = show_json(path)
    expected_layers = len(ov.convert_model(model_path).get_ordered_ops())

    assert summary["counts"]["ir_layers"] == expected_layers
    assert summary["counts"]["runtime_by_class"]["fused"] > 50
    assert summary["unaccounted_ms"] is not None
    assert summary["layers_time_ms"] > 0
    assert_mapping_consistent(path)


def test_sessions_lists_every_profile(sessions_dir: Path, magika_ir: Path) -> None:
    path = profile(sessions_dir, [fetch("magika")], *shape_args("magika"))
    completed = run_cli("sessions", "--sessions", str(sessions_dir), "--json")
    listed = pd.DataFrame(json.loads(completed.stdout))

    assert completed.returncode == 0
    assert path.stem in set(listed["session_id"])
    assert len(listed) == len(list_sessions(sessions_dir))


def test_show_unknown_session_exits_2(sessions_dir: Path) -> None:
    completed = run_cli("show", "no-such-session", "--sessions", str(sessions_dir))

    assert completed.returncode == 2
    assert "no-such-session" in completed.stderr


def test_profile_unknown_extension_exits_2(tmp_path: Path) -> None:
    model = tmp_path / "model.caffemodel"
    model.write_bytes(b"\x00" * 16)
    completed = run_cli("profile", str(model), "--sessions", str(tmp_path / "sessions"))

    assert completed.returncode == 2
    assert "model.caffemodel" in completed.stderr
    assert not (tmp_path / "sessions").exists() or not list((tmp_path / "sessions").glob("*.parquet"))


def test_profile_bad_shape_syntax_exits_2(tmp_path: Path) -> None:
    completed = run_cli("profile", str(fetch("magika")), "--shape", "bytes=1,abc", "--sessions", str(tmp_path))

    assert completed.returncode == 2
    assert "bytes=1,abc" in completed.stderr


def test_convert_writes_loadable_ir(tmp_path: Path) -> None:
    completed = run_cli("convert", str(fetch("magika")), "--output", str(tmp_path))
    assert completed.returncode == 0, completed.stderr
    xml_path, bin_path = (Path(line) for line in completed.stdout.split())

    assert xml_path.parent == tmp_path
    assert bin_path.stat().st_size > 0
    converted = ov.Core().read_model(xml_path)
    assert len(converted.get_ordered_ops()) == len(ov.convert_model(fetch("magika")).get_ordered_ops())


def test_devices_lists_cpu_with_full_name() -> None:
    completed = run_cli("devices")
    rows = dict(line.split("\t", 1) for line in completed.stdout.splitlines())

    assert completed.returncode == 0
    assert "CPU" in rows
    assert rows["CPU"] == ov.Core().get_property("CPU", "FULL_DEVICE_NAME")


def test_reloaded_session_equals_written(tmp_path: Path) -> None:
    bundle = prepare_model_files([fetch("light_squeezenet")], tmp_path / "model")
    result = run_profile(bundle, ProfileSettings(iterations=5, warmup=1))
    written = build_session(bundle, ProfileSettings(iterations=5, warmup=1), result)

    reloaded = read_session(write_session(written, tmp_path / "sessions"))

    assert set(reloaded.info) == set(written.info)
    for key, value in written.info.items():
        assert reloaded.info[key] == value or (value is None and reloaded.info[key] is None), key
    for name, table in written.tables.items():
        expected = table.reindex(columns=TABLES_BY_NAME[name].column_names).reset_index(drop=True)
        pd.testing.assert_frame_equal(
            nulls_as_nan(reloaded.tables[name]), nulls_as_nan(expected), check_dtype=False, obj=name
        )
    assert len(reloaded.tables["runtime_layers"]) > 0
    assert len(reloaded.tables["counters"]) > 0
