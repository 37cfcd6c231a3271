"""Session files: round trips, damaged and foreign files, versions, ids, listing and import."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import re
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from ovstudio.errors import SessionError
from ovstudio.session import migrations, schema
from ovstudio.session.frames import empty_table, normalize_table
from ovstudio.session.ids import validate_session_id
from ovstudio.session.listing import LISTING_COLUMNS
from ovstudio.session.store import (
    Session,
    delete_session,
    import_session,
    list_sessions,
    new_session_id,
    read_session,
    session_from_arrow,
    session_path,
    session_to_arrow,
    write_session,
)

logger = logging.getLogger(__name__)

REPOSITORY = Path(__file__).resolve().parent.parent
FIXTURE_V1 = REPOSITORY / "tests" / "data" / "session_v1.parquet"
CREATED = datetime.datetime(2026, 1, 5, 14, 22, 33, 123456, tzinfo=datetime.timezone.utc)


def strings(values: list[Any]) -> pd.Series:
    return pd.Series(values, dtype="str")


def objects(values: list[Any]) -> pd.Series:
    return pd.Series(values, dtype=object)


def sample_info(session_id: str = "20260105T142233Z_resnet50_CPU_abc123", **overrides: Any) -> dict[str, Any]:
    """Return every scalar session column with realistic values, some of them null."""
    info: dict[str, Any] = {
        "schema_version": schema.SCHEMA_VERSION,
        "session_id": session_id,
        "created_utc": CREATED,
        "model_name": "resnet50",
        "model_format": "onnx",
        "model_hash": "ab" * 32,
        "device": "CPU",
        "device_full_name": "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz",
        "execution_devices": ["CPU"],
        "inference_precision": "bf16",
        "num_streams": 1,
        "optimal_requests": 1,
        "compiled_properties": {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": "1", "ENABLE_CPU_PINNING": "YES"},
        "settings_hint": "latency",
        "settings_precision": None,
        "settings_streams": None,
        "settings_requests": None,
        "settings_batch": None,
        "settings_iterations": 100,
        "settings_time_s": None,
        "settings_warmup": 2,
        "openvino_version": "2026.4.1-12345",
        "host_cpu": "Intel(R) Xeon(R)",
        "host_os": "Linux-6.1-x86_64",
        "python_version": "3.11.9",
        "compile_time_s": 0.84,
        "iterations": 100,
        "pass1_mode": "sync",
        "pass1_requests": 1,
        "duration_s": 1.9,
        "latency_median_ms": 18.5,
        "latency_mean_ms": 18.9,
        "latency_min_ms": 17.2,
        "latency_max_ms": 25.1,
        "latency_p90_ms": 19.8,
        "latency_p99_ms": 24.0,
        "throughput_fps": 52.9,
        "counters_iterations": 3,
        "counters_latency_median_ms": 19.4,
        "counter_overhead_ms": 0.9,
        "layers_time_ms": 17.0,
        "unaccounted_ms": 2.4,
        "counters_error": None,
        "runtime_model_error": None,
        "warnings": ["input 'x' got random data", "naïve wärning ✓"],
    }
    info.update(overrides)
    return info


def sample_tables() -> dict[str, pd.DataFrame]:
    """Return small tables with the dtypes reading gives, special names, empty maps and nulls."""
    model_files = pd.DataFrame({
        "file_name": strings(["model.onnx", "weights/data.bin"]),
        "size_bytes": np.array([1234, 5_000_000_000], dtype=np.int64),
        "sha256": strings(["0" * 64, "f" * 64]),
    })
    inputs = pd.DataFrame({
        "input_name": strings(["x", "mask"]),
        "original_shape": strings(["[?,3,224,224]", "[1,?]"]),
        "shape": objects([[1, 3, 224, 224], [1, 16]]),
        "element_type": strings(["f32", "boolean"]),
        "data_source": strings(["random", "mask.npy"]),
    })
    ir_layers = pd.DataFrame({
        "layer_id": strings(["main/0", "main/1", "main/2", "main/3", "main/3/body0/0"]),
        "graph_id": strings(["main", "main", "main", "main", "main/3/body0"]),
        "name": strings(["x", "conv,1", "ns::op<T>/\"q\"", "naïve_层", "body_relu"]),
        "type": strings(["Parameter", "Convolution", "Relu", "Loop", "Relu"]),
        "opset": strings(["opset1", "opset1", "opset1", "opset5", "opset1"]),
        "attributes_json": strings(["{}", '{"strides": [1, 1]}', "{}", "{}", "{}"]),
        "rt_info": objects([{}, {"fused_names_0": "conv,1"}, {}, {"a": "b", "c": ""}, {}]),
        "output_shapes": objects([["[?,3,224,224]"], ["[?,64,112,112]"], ["[?,64,112,112]"], [], ["[1]"]]),
        "output_element_types": objects([["f32"], ["f32"], ["f32"], [], ["f32"]]),
        "body_count": np.array([0, 0, 0, 1, 0], dtype=np.int32),
        "mapping_class": strings(["mapped", "mapped", "mapped", "removed", "nested"]),
    })
    ir_edges = pd.DataFrame({
        "graph_id": strings(["main", "main"]),
        "source_id": strings(["main/0", "main/1"]),
        "source_port": np.array([0, 0], dtype=np.int32),
        "target_id": strings(["main/1", "main/2"]),
        "target_port": np.array([0, 0], dtype=np.int32),
        "shape": strings(["[?,3,224,224]", "[?,64,112,112]"]),
        "element_type": strings(["f32", "f32"]),
    })
    runtime_layers = pd.DataFrame({
        "layer_id": strings(["runtime/0", "runtime/1", "runtime/2"]),
        "name": strings(["x", "x_f32_abcd_bf16_acdb", "conv,1"]),
        "layer_type": strings(["Input", "Reorder", "Convolution"]),
        "exec_order": pd.array([0, 1, None], dtype="Int64"),
        "primitive_type": strings(["unknown_FP32", "ref_any_BF16", None]),
        "runtime_precision": strings(["FP32", "BF16", "BF16"]),
        "output_precisions": strings(["FP32", "BF16", "BF16"]),
        "output_layouts": strings(["abcd", "acdb", "acdb"]),
        "original_layers_names": strings(["x", "", "conv,1,ns::op<T>/\"q\""]),
        "original_layer_names": objects([["x"], [], ["conv,1", "ns::op<T>/\"q\""]]),
        "exec_time_mcs": strings(["not_executed", "12", "345"]),
        "output_shapes": objects([["[1,3,224,224]"], ["[1,3,224,224]"], ["[1,64,112,112]"]]),
        "rt_info": objects([{"layerType": "Input"}, {}, {"layerType": "Convolution", "execOrder": "2"}]),
        "status": strings(["NOT_RUN", "EXECUTED", "EXECUTED"]),
        "exec_type": strings(["unknown_FP32", "ref_any_BF16", "brgconv_avx512_bf16"]),
        "real_time_median_us": [0.0, 12.5, 345.0],
        "real_time_mean_us": [0.0, 12.7, np.nan],
        "real_time_min_us": [0.0, 11.0, 300.0],
        "real_time_max_us": [0.0, 15.0, 400.0],
        "cpu_time_median_us": [0.0, 12.5, 345.0],
        "sample_count": np.array([3, 3, 3], dtype=np.int32),
        "mapping_class": strings(["intact", "inserted", "fused"]),
    })
    runtime_edges = pd.DataFrame({
        "source_id": strings(["runtime/0", "runtime/1"]),
        "source_port": np.array([0, 0], dtype=np.int32),
        "target_id": strings(["runtime/1", "runtime/2"]),
        "target_port": np.array([0, 0], dtype=np.int32),
        "shape": strings(["[1,3,224,224]", "[1,3,224,224]"]),
        "element_type": strings(["f32", "bf16"]),
    })
    counters = pd.DataFrame({
        "iteration": np.array([0, 0, 1, 1], dtype=np.int32),
        "node_name": strings(["conv,1", "relu_fused", "conv,1", "relu_fused"]),
        "node_type": strings(["Convolution", "Relu", "Convolution", "Relu"]),
        "exec_type": strings(["brgconv_avx512_bf16", "undef", "brgconv_avx512_bf16", "undef"]),
        "status": strings(["EXECUTED", "NOT_RUN", "EXECUTED", "NOT_RUN"]),
        "real_time_us": [345.0, 0.0, 350.0, 0.0],
        "cpu_time_us": [340.0, 0.0, 349.0, 0.0],
    })
    mapping = pd.DataFrame({
        "runtime_id": strings(["runtime/0", "runtime/2", "runtime/2"]),
        "ir_id": strings(["main/0", "main/1", "main/2"]),
        "original_name": strings(["x", "conv,1", "ns::op<T>/\"q\""]),
    })
    return {
        "model_files": model_files, "inputs": inputs, "ir_layers": ir_layers, "ir_edges": ir_edges,
        "runtime_layers": runtime_layers, "runtime_edges": runtime_edges, "counters": counters,
        "mapping": mapping,
    }


def sample_session(session_id: str = "20260105T142233Z_resnet50_CPU_abc123", **overrides: Any) -> Session:
    return Session(info=sample_info(session_id, **overrides), tables=sample_tables())


def assert_sessions_equal(actual: Session, expected: Session) -> None:
    assert set(actual.info) == {column.name for column in schema.SESSION_COLUMNS}
    for name, value in expected.info.items():
        assert actual.info[name] == value, name
    for table in schema.TABLES:
        pd.testing.assert_frame_equal(actual.tables[table.name], expected.tables[table.name], obj=table.name)


def big_session(runtime_count: int = 4000, ir_count: int = 3000, iterations: int = 100) -> Session:
    """Build a session of the size of a large model: 4,000 runtime layers, 100 counter iterations."""
    tables = {name: empty_table(schema.TABLES_BY_NAME[name]) for name in schema.TABLES_BY_NAME}
    runtime_ids = [f"runtime/{index}" for index in range(runtime_count)]
    names = [f"block_{index // 10}/conv_{index}:0" for index in range(runtime_count)]
    tables["runtime_layers"] = normalize_table(schema.RUNTIME_LAYERS, pd.DataFrame({
        "layer_id": runtime_ids,
        "name": names,
        "layer_type": ["Convolution"] * runtime_count,
        "exec_order": np.arange(runtime_count),
        "original_layers_names": names,
        "original_layer_names": [[name, f"{name}_relu"] for name in names],
        "output_shapes": [["[1,64,56,56]"]] * runtime_count,
        "rt_info": [{"layerType": "Convolution", "execOrder": str(index)} for index in range(runtime_count)],
        "real_time_median_us": np.linspace(1.0, 500.0, runtime_count),
        "sample_count": iterations,
        "mapping_class": "fused",
    }))
    tables["ir_layers"] = normalize_table(schema.IR_LAYERS, pd.DataFrame({
        "layer_id": [f"main/{index}" for index in range(ir_count)],
        "graph_id": "main",
        "name": [f"block_{index // 10}/conv_{index}:0" for index in range(ir_count)],
        "type": "Convolution",
        "opset": "opset1",
        "attributes_json": '{"strides": [1, 1], "pads_begin": [0, 0]}',
        "rt_info": [{}] * ir_count,
        "output_shapes": [["[?,64,56,56]"]] * ir_count,
        "output_element_types": [["f32"]] * ir_count,
        "body_count": 0,
        "mapping_class": "mapped",
    }))
    rows = runtime_count * iterations
    tables["counters"] = normalize_table(schema.COUNTERS, pd.DataFrame({
        "iteration": np.repeat(np.arange(iterations, dtype=np.int32), runtime_count),
        "node_name": np.tile(np.array(names, dtype=object), iterations),
        "node_type": "Convolution",
        "exec_type": "brgconv_avx512_bf16",
        "status": "EXECUTED",
        "real_time_us": np.random.default_rng(0).random(rows) * 100,
        "cpu_time_us": np.random.default_rng(1).random(rows) * 100,
    }))
    return Session(info=sample_info("20260105T142233Z_big_CPU_000001"), tables=tables)


# --- Round trips -----------------------------------------------------------------------------


def test_session_round_trip_every_table(tmp_path: Path) -> None:
    session = sample_session()
    path = write_session(session, tmp_path)

    assert path == tmp_path / f"{session.session_id}.parquet"
    assert_sessions_equal(read_session(path), session)


def test_session_round_trip_without_counters(tmp_path: Path) -> None:
    session = sample_session(counters_error="PERF_COUNT is not supported", counters_iterations=None,
                             compiled_properties={}, warnings=[])
    runtime = session.tables["runtime_layers"]
    for name in ("status", "exec_type", "primitive_type"):
        runtime[name] = strings([None] * len(runtime))
    for name in ("real_time_median_us", "real_time_mean_us", "real_time_min_us", "real_time_max_us",
                 "cpu_time_median_us"):
        runtime[name] = np.full(len(runtime), np.nan)
    runtime["exec_order"] = pd.array([None] * len(runtime), dtype="Int64")
    runtime["sample_count"] = np.zeros(len(runtime), dtype=np.int32)
    runtime["rt_info"] = objects([{}] * len(runtime))
    session.tables["counters"] = empty_table(schema.COUNTERS)
    session.tables["runtime_edges"] = empty_table(schema.RUNTIME_EDGES)

    read = read_session(write_session(session, tmp_path))

    assert_sessions_equal(read, session)
    assert read.tables["counters"].empty
    assert read.tables["runtime_layers"]["exec_order"].isna().all()
    assert read.info["compiled_properties"] == {}


def test_session_missing_tables_read_empty(tmp_path: Path) -> None:
    session = Session(info=sample_info(), tables={"model_files": sample_tables()["model_files"]})
    read = read_session(write_session(session, tmp_path))

    for table in schema.TABLES:
        frame = read.tables[table.name]
        assert list(frame.columns) == table.column_names, table.name
        if table.name != "model_files":
            pd.testing.assert_frame_equal(frame, empty_table(table), obj=table.name)


def test_empty_table_dtypes_match_filled() -> None:
    for name, frame in sample_tables().items():
        empty = empty_table(schema.TABLES_BY_NAME[name])
        assert dict(empty.dtypes) == dict(frame.dtypes), name


def test_session_missing_nullable_scalars_null(tmp_path: Path) -> None:
    info = sample_info()
    nullable = [column.name for column in schema.SESSION_COLUMNS if column.nullable]
    for name in nullable:
        del info[name]
    del info["warnings"]
    info["latency_median_ms"] = float("nan")
    read = read_session(write_session(Session(info=info, tables={}), tmp_path))

    for name in nullable:
        assert read.info[name] is None, name
    assert read.info["warnings"] == []


def test_session_info_types_after_read(tmp_path: Path) -> None:
    read = read_session(write_session(sample_session(), tmp_path))

    assert read.created_utc == CREATED
    assert read.info["created_utc"].tzinfo == datetime.timezone.utc
    assert isinstance(read.info["compiled_properties"], dict)
    assert isinstance(read.info["execution_devices"], list)
    assert isinstance(read.tables["inputs"]["shape"][0], list)
    assert isinstance(read.tables["ir_layers"]["rt_info"][1], dict)


def test_normalize_table_from_plain_frame() -> None:
    expected = sample_tables()["runtime_layers"]
    plain = pd.DataFrame({
        column: [value.tolist() if isinstance(value, np.ndarray) else value for value in expected[column]]
        for column in expected.columns
    })
    plain["exec_order"] = [0, 1, None]
    plain["sample_count"] = [3, 3, 3]
    plain = plain[list(reversed(plain.columns))]

    pd.testing.assert_frame_equal(normalize_table(schema.RUNTIME_LAYERS, plain), expected)


def test_session_to_arrow_schema_exact() -> None:
    row = session_to_arrow(sample_session())

    assert row.num_rows == 1
    assert row.schema.equals(schema.session_arrow_schema())
    assert_sessions_equal(session_from_arrow(row), sample_session())


def test_session_to_arrow_rejects_null_required() -> None:
    session = sample_session()
    session.tables["runtime_layers"]["mapping_class"] = strings([None, "intact", "fused"])

    with pytest.raises(SessionError, match="mapping_class"):
        session_to_arrow(session)


def test_session_to_arrow_rejects_wrong_type() -> None:
    session = sample_session()
    session.tables["counters"]["iteration"] = strings(["first"] * 4)

    with pytest.raises(SessionError, match="counters"):
        session_to_arrow(session)


def test_session_to_arrow_rejects_missing_model_name() -> None:
    info = sample_info()
    del info["model_name"]

    with pytest.raises(SessionError, match="model_name"):
        session_to_arrow(Session(info=info, tables={}))


def test_session_to_arrow_rejects_naive_time() -> None:
    info = sample_info(created_utc=datetime.datetime(2026, 1, 5, 14, 0))

    with pytest.raises(SessionError, match="created_utc"):
        session_to_arrow(Session(info=info, tables={}))


def test_big_session_round_trip(tmp_path: Path) -> None:
    session = big_session()
    start = time.perf_counter()
    path = write_session(session, tmp_path)
    written = time.perf_counter()
    read = read_session(path)
    done = time.perf_counter()
    logger.warning(
        "big session (4,000 runtime layers, 400,000 counter rows): write %.2f s, read %.2f s, %.1f MB",
        written - start, done - written, path.stat().st_size / 1e6,
    )

    for table in schema.TABLES:
        pd.testing.assert_frame_equal(read.tables[table.name], session.tables[table.name], obj=table.name)
    assert done - start < 60


# --- Damaged, foreign and versioned files ---------------------------------------------------


def test_read_session_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="not found"):
        read_session(tmp_path / "absent.parquet")


def test_read_session_truncated_file(tmp_path: Path) -> None:
    path = write_session(sample_session(), tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(SessionError, match=re.escape(str(path))) as error:
        read_session(path)
    assert "truncated" in str(error.value)


def test_read_session_not_parquet(tmp_path: Path) -> None:
    path = tmp_path / "notes.parquet"
    path.write_text("not a parquet file")

    with pytest.raises(SessionError, match="not a readable Parquet file"):
        read_session(path)


def test_read_session_foreign_parquet(tmp_path: Path) -> None:
    path = tmp_path / "foreign.parquet"
    pq.write_table(pa.table({"a": [1, 2]}), path)

    with pytest.raises(SessionError, match="not an ovstudio session") as error:
        read_session(path)
    assert str(path) in str(error.value)


def test_read_session_foreign_with_summary(tmp_path: Path) -> None:
    # A footer that looks like ovstudio's but columns that do not.
    path = tmp_path / "lookalike.parquet"
    table = pa.table({"session_id": ["x"]}).replace_schema_metadata(
        {schema.SUMMARY_METADATA_KEY: json.dumps({"schema_version": schema.SCHEMA_VERSION}).encode()}
    )
    pq.write_table(table, path)

    with pytest.raises(SessionError, match="missing") as error:
        read_session(path)
    assert "lookalike.parquet" in str(error.value)


def rewrite_with_version(path: Path, version: int, transform: Any = None) -> None:
    """Rewrite a session file as if it had been written with another schema version."""
    table = pq.read_table(path)
    metadata = dict(table.schema.metadata)
    if transform is not None:
        table = transform(table)
    index = table.schema.get_field_index("schema_version")
    table = table.set_column(index, "schema_version", pa.array([version], pa.int32()))
    summary = json.loads(metadata[schema.SUMMARY_METADATA_KEY])
    summary["schema_version"] = version
    metadata[schema.SUMMARY_METADATA_KEY] = json.dumps(summary).encode()
    pq.write_table(table.replace_schema_metadata(metadata), path)


def test_read_session_newer_version(tmp_path: Path) -> None:
    path = write_session(sample_session(), tmp_path)
    rewrite_with_version(path, schema.SCHEMA_VERSION + 1)

    with pytest.raises(SessionError, match="newer ovstudio") as error:
        read_session(path)
    message = str(error.value)
    assert f"schema version {schema.SCHEMA_VERSION + 1}" in message
    assert f"reads up to {schema.SCHEMA_VERSION}" in message
    assert "upgrade ovstudio" in message
    assert str(path) in message


def rename_model_name(table: pa.Table) -> pa.Table:
    """Turn a version-1 table into the fake version 0, where model_name was called 'model'."""
    return table.rename_columns(["model" if name == "model_name" else name for name in table.column_names])


def upgrade_fake_version_0(table: pa.Table) -> pa.Table:
    return table.rename_columns(["model_name" if name == "model" else name for name in table.column_names])


def test_read_session_upgrades_old_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = sample_session()
    path = write_session(session, tmp_path)
    rewrite_with_version(path, 0, rename_model_name)
    monkeypatch.setitem(migrations.MIGRATIONS, 0, upgrade_fake_version_0)

    read = read_session(path)

    assert read.info["schema_version"] == schema.SCHEMA_VERSION
    assert_sessions_equal(read, session)


def test_read_session_no_upgrade_step(tmp_path: Path) -> None:
    path = write_session(sample_session(), tmp_path)
    rewrite_with_version(path, 0, rename_model_name)

    with pytest.raises(SessionError, match="schema version 0") as error:
        read_session(path)
    assert str(path) in str(error.value)


def test_register_migration_twice_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(migrations, "MIGRATIONS", {})
    migrations.register_migration(0)(upgrade_fake_version_0)

    with pytest.raises(ValueError, match="already registered"):
        migrations.register_migration(0)(upgrade_fake_version_0)


def test_session_fixture_v1_readable() -> None:
    session = read_session(FIXTURE_V1)

    assert session.session_id == "20260105T142233Z_tiny_CPU_000001"
    assert session.info["schema_version"] == 1
    assert session.info["model_name"] == "tiny"
    assert session.created_utc == datetime.datetime(2026, 1, 5, 14, 22, 33, tzinfo=datetime.timezone.utc)
    assert len(session.tables["ir_layers"]) == 4
    assert len(session.tables["runtime_layers"]) == 4
    assert len(session.tables["counters"]) == 6
    assert set(session.tables["runtime_layers"]["mapping_class"]) == {"intact", "fused", "inserted"}
    assert session.tables["runtime_layers"]["rt_info"][0]["layerType"] == "Input"


# --- Ids and paths -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "session_id",
    ["../../x", "..", ".", ".hidden", "a/b", "a\\b", "", "x" * 201, "a b", "sessiön", "a:b", "/etc/passwd", "x\x00"],
)
def test_session_path_rejects_bad_id(tmp_path: Path, session_id: str) -> None:
    with pytest.raises(SessionError, match="invalid session id"):
        session_path(tmp_path, session_id)


def test_session_id_long_quoted_by_start(tmp_path: Path) -> None:
    with pytest.raises(SessionError) as caught:
        session_path(tmp_path, "a" * 5000)

    message = str(caught.value)
    assert "(5000 characters)" in message
    assert len(message) < 300


def test_write_session_rejects_bad_id(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()

    with pytest.raises(SessionError, match="invalid session id"):
        write_session(sample_session("../escaped"), folder)
    assert list(tmp_path.rglob("*.parquet")) == []
    assert list(folder.iterdir()) == []


def test_new_session_id_readable_and_unique() -> None:
    ids = {new_session_id("my model/v2:ü", "HETERO:CPU,GPU", CREATED) for _ in range(50)}

    assert len(ids) == 50
    for session_id in ids:
        assert re.fullmatch(r"[A-Za-z0-9._-]+", session_id)
        assert session_id.startswith("20260105T142233Z_my-model-v2-u_HETERO-CPU-GPU_")
        assert session_path(Path("/tmp"), session_id).name == f"{session_id}.parquet"


def test_new_session_id_converts_to_utc() -> None:
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    session_id = new_session_id("m", "CPU", datetime.datetime(2026, 1, 5, 16, 22, 33, tzinfo=plus_two))

    assert session_id.startswith("20260105T142233Z_m_CPU_")


def test_new_session_id_empty_parts() -> None:
    session_id = new_session_id("", "", CREATED)

    assert session_id.startswith("20260105T142233Z_model_device_")


def test_new_session_id_folds_accents() -> None:
    session_id = new_session_id("café", "CPU", CREATED)

    assert session_id.startswith("20260105T142233Z_cafe_CPU_")


@pytest.mark.parametrize("model_name", ["модель", "模型", "..."])
def test_new_session_id_fallback_for_non_latin(model_name: str) -> None:
    digest = hashlib.sha256(model_name.encode()).hexdigest()[:8]
    session_id = new_session_id(model_name, "CPU", CREATED)

    assert session_id.startswith(f"20260105T142233Z_model-{digest}_CPU_")
    assert validate_session_id(session_id) == session_id


def test_new_session_id_fallbacks_differ() -> None:
    russian = new_session_id("модель", "CPU", CREATED).split("_")[1]
    chinese = new_session_id("模型", "CPU", CREATED).split("_")[1]

    assert russian != chinese


@pytest.mark.parametrize("model_name", ["модель", "模型", "café"])
def test_write_session_keeps_non_ascii_model_name(model_name: str, tmp_path: Path) -> None:
    session_id = new_session_id(model_name, "CPU", CREATED)
    path = write_session(sample_session(session_id, model_name=model_name), tmp_path)

    assert path.name == f"{session_id}.parquet"
    assert path.name.isascii()
    assert read_session(path).info["model_name"] == model_name


# --- Atomic and concurrent writes -----------------------------------------------------------


def test_write_session_leaves_no_temp_file(tmp_path: Path) -> None:
    write_session(sample_session(), tmp_path)

    assert [path.name for path in tmp_path.iterdir()] == ["20260105T142233Z_resnet50_CPU_abc123.parquet"]


def test_write_session_failure_keeps_old_file(tmp_path: Path) -> None:
    session = sample_session()
    path = write_session(session, tmp_path)
    broken = sample_session()
    broken.tables["counters"]["iteration"] = strings(["first"] * 4)

    with pytest.raises(SessionError):
        write_session(broken, tmp_path)
    assert_sessions_equal(read_session(path), session)
    assert [item.name for item in tmp_path.iterdir()] == [path.name]


def test_write_session_concurrent_writers(tmp_path: Path) -> None:
    sessions = [sample_session(f"20260105T142233Z_writer_CPU_{index:06d}") for index in range(4)]
    same_id = [sample_session("20260105T142233Z_same_CPU_000000", model_name=f"m{index}") for index in range(4)]
    barrier = threading.Barrier(len(sessions) + len(same_id))
    errors: list[BaseException] = []

    def write(session: Session) -> None:
        barrier.wait()
        try:
            for _ in range(5):
                write_session(session, tmp_path)
        except BaseException as error:  # noqa: BLE001 - reported by the assert below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(session,)) for session in sessions + same_id]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    for session in sessions:
        assert_sessions_equal(read_session(session_path(tmp_path, session.session_id)), session)
    winner = read_session(session_path(tmp_path, "20260105T142233Z_same_CPU_000000"))
    assert winner.model_name in {f"m{index}" for index in range(4)}
    assert sorted(path.suffix for path in tmp_path.iterdir()) == [".parquet"] * 5


# --- Listing -------------------------------------------------------------------------------


def write_listed_sessions(folder: Path) -> None:
    for index, hours in enumerate([0, 2, 1]):
        created = CREATED + datetime.timedelta(hours=hours)
        write_session(sample_session(f"session_{index}", created_utc=created), folder)


def test_list_sessions_newest_first(tmp_path: Path) -> None:
    write_listed_sessions(tmp_path)
    listing = list_sessions(tmp_path)

    assert list(listing.columns) == list(LISTING_COLUMNS)
    assert listing["session_id"].tolist() == ["session_1", "session_2", "session_0"]
    assert listing["error"].isna().all()
    first = listing.iloc[0]
    assert first["created_utc"] == pd.Timestamp(CREATED + datetime.timedelta(hours=2))
    assert first["model_name"] == "resnet50"
    assert first["execution_devices"] == ["CPU"]
    assert first["latency_median_ms"] == 18.5
    assert first["ir_layer_count"] == 5
    assert first["runtime_layer_count"] == 3
    assert first["file_name"] == "session_1.parquet"
    assert first["size_bytes"] == (tmp_path / "session_1.parquet").stat().st_size


def test_list_sessions_broken_file_listed(tmp_path: Path) -> None:
    write_listed_sessions(tmp_path)
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes((tmp_path / "session_0.parquet").read_bytes()[:1000])
    pq.write_table(pa.table({"a": [1]}), tmp_path / "foreign.parquet")
    (tmp_path / ".session_9.1234abcd.tmp").write_bytes(b"partial")
    (tmp_path / "notes.txt").write_text("not a session")

    listing = list_sessions(tmp_path)

    assert len(listing) == 5
    assert listing["session_id"].tolist()[:3] == ["session_1", "session_2", "session_0"]
    broken = listing.set_index("session_id").loc[["foreign", "truncated"]]
    assert broken["error"].str.contains("not an ovstudio session").tolist() == [True, False]
    assert broken["error"].str.contains("not a readable Parquet file").tolist() == [False, True]
    assert broken["created_utc"].isna().all()


def test_list_sessions_newer_version_error(tmp_path: Path) -> None:
    path = write_session(sample_session(), tmp_path)
    rewrite_with_version(path, schema.SCHEMA_VERSION + 1)
    listing = list_sessions(tmp_path)

    assert listing["session_id"].tolist() == [sample_session().session_id]
    assert "newer ovstudio" in listing["error"][0]


def test_list_sessions_missing_folder(tmp_path: Path) -> None:
    listing = list_sessions(tmp_path / "absent")

    assert listing.empty
    assert list(listing.columns) == list(LISTING_COLUMNS)


def test_list_sessions_500_files(tmp_path: Path) -> None:
    small = Session(info=sample_info(), tables={"model_files": sample_tables()["model_files"]})
    for index in range(500):
        small.info["session_id"] = f"session_{index:03d}"
        small.info["created_utc"] = CREATED + datetime.timedelta(minutes=index)
        write_session(small, tmp_path)

    start = time.perf_counter()
    listing = list_sessions(tmp_path)
    elapsed = time.perf_counter() - start
    logger.warning("listing 500 sessions took %.3f s", elapsed)

    assert len(listing) == 500
    assert listing["session_id"][0] == "session_499"
    assert listing["error"].isna().all()


# --- Delete and import ---------------------------------------------------------------------


def test_delete_session_removes_file(tmp_path: Path) -> None:
    path = write_session(sample_session(), tmp_path)
    delete_session(tmp_path, sample_session().session_id)

    assert not path.exists()
    with pytest.raises(SessionError, match="not found"):
        delete_session(tmp_path, sample_session().session_id)


def test_delete_session_rejects_traversal(tmp_path: Path) -> None:
    outside = tmp_path / "outside.parquet"
    outside.write_bytes(b"keep")
    folder = tmp_path / "sessions"
    folder.mkdir()

    with pytest.raises(SessionError, match="invalid session id"):
        delete_session(folder, "../outside")
    assert outside.exists()


def test_import_session_adds_file(tmp_path: Path) -> None:
    exported = write_session(sample_session(), tmp_path / "a")
    data = exported.read_bytes()

    path = import_session(data, "my export.parquet", tmp_path / "b")

    assert path == tmp_path / "b" / exported.name
    assert path.read_bytes() == data
    assert [item.name for item in (tmp_path / "b").iterdir()] == [exported.name]


def test_import_session_identical_kept_once(tmp_path: Path) -> None:
    exported = write_session(sample_session(), tmp_path)

    path = import_session(exported.read_bytes(), exported.name, tmp_path)

    assert path == exported
    assert [item.name for item in tmp_path.iterdir()] == [exported.name]


def test_import_session_id_collision_keeps_both(tmp_path: Path) -> None:
    stored = write_session(sample_session(), tmp_path / "stored")
    other = write_session(sample_session(model_name="other model"), tmp_path / "other")

    path = import_session(other.read_bytes(), other.name, tmp_path / "stored")

    assert path != stored
    assert read_session(stored).model_name == "resnet50"
    imported = read_session(path)
    assert imported.model_name == "other model"
    assert imported.session_id == path.stem
    assert imported.session_id.startswith("20260105T142233Z_other-model_CPU_")
    assert len(list((tmp_path / "stored").iterdir())) == 2


@pytest.mark.parametrize("data", [b"", b"not parquet at all", b"PAR1" + b"\x00" * 100])
def test_import_session_bad_file_adds_nothing(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(SessionError, match="upload.parquet"):
        import_session(data, "upload.parquet", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_import_session_foreign_adds_nothing(tmp_path: Path) -> None:
    foreign = tmp_path / "source" / "foreign.parquet"
    foreign.parent.mkdir()
    pq.write_table(pa.table({"a": [1]}), foreign)
    folder = tmp_path / "sessions"

    with pytest.raises(SessionError, match="not an ovstudio session"):
        import_session(foreign.read_bytes(), "foreign.parquet", folder)
    assert list(folder.iterdir()) == []


def test_import_session_truncated_adds_nothing(tmp_path: Path) -> None:
    data = write_session(sample_session(), tmp_path / "source").read_bytes()
    folder = tmp_path / "sessions"

    with pytest.raises(SessionError, match="cut.parquet"):
        import_session(data[:-100], "cut.parquet", folder)
    assert list(folder.iterdir()) == []


def test_import_session_old_version_upgraded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exported = write_session(sample_session(), tmp_path / "source")
    rewrite_with_version(exported, 0, rename_model_name)
    monkeypatch.setitem(migrations.MIGRATIONS, 0, upgrade_fake_version_0)

    path = import_session(exported.read_bytes(), exported.name, tmp_path / "sessions")

    assert pq.read_schema(path).names == schema.session_arrow_schema().names
    assert_sessions_equal(read_session(path), sample_session())


# --- The format document -------------------------------------------------------------------


def test_session_format_doc_current() -> None:
    text = (REPOSITORY / "docs" / "session-format.md").read_text(encoding="utf-8")

    assert schema.describe_schema() in text
    for column in schema.SESSION_COLUMNS:
        assert column.description.strip(), column.name
    for table in schema.TABLES:
        for column in table.columns:
            assert column.description.strip(), f"{table.name}.{column.name}"


def test_session_folder_as_dataset(tmp_path: Path) -> None:
    write_listed_sessions(tmp_path)
    (tmp_path / ".session_9.1234abcd.tmp").write_bytes(b"partial")

    # The queries shown in docs/session-format.md.
    dataset = ds.dataset(tmp_path, format="parquet")
    top = dataset.to_table(columns=["session_id", "model_name", "device", "latency_median_ms"]).to_pandas()
    runtime = dataset.to_table(columns=["session_id", "runtime_layers"]).to_pandas()
    layers = runtime.explode("runtime_layers", ignore_index=True)
    layers = pd.concat([layers[["session_id"]], pd.json_normalize(layers["runtime_layers"].tolist())], axis=1)

    assert sorted(top["session_id"]) == ["session_0", "session_1", "session_2"]
    assert len(layers) == 9
    assert set(layers["mapping_class"]) == {"intact", "inserted", "fused"}
