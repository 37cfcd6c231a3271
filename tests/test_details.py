"""Layer details of both graphs, on real sessions and hand-made tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from ovstudio.details import ITERATION_COLUMNS, layer_details
from ovstudio.layer_lookup import LayerNotFoundError
from ovstudio.ports import OutputPort
from ovstudio.session.frames import normalize_table
from ovstudio.session.schema import COUNTERS, IR_EDGES, MAPPING, RUNTIME_EDGES
from ovstudio.session.store import Session
from tests import hand_made


def runtime_layers(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build runtime layers that no IR layer maps to, each with one f32 output."""
    return hand_made.runtime_layers(rows, output_shapes=["[1]"], mapping_class="inserted", output_precisions="f32")


def ir_layers(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build IR layers that no runtime layer lists."""
    return hand_made.ir_layers(rows, mapping_class="removed")


def counters(rows: list[tuple[int, str, float]]) -> pd.DataFrame:
    """Build a counters table from (iteration, node_name, real_time_us) tuples, all EXECUTED."""
    frame = pd.DataFrame([
        {"iteration": iteration, "node_name": name, "node_type": "Eltwise", "exec_type": "jit_avx512",
         "status": "EXECUTED", "real_time_us": time_us, "cpu_time_us": time_us}
        for iteration, name, time_us in rows
    ])
    return normalize_table(COUNTERS, frame)


def hand_made_session(tables: dict[str, pd.DataFrame], **info: Any) -> Session:
    return Session({"session_id": "hand-made", **info}, tables)


@pytest.fixture(scope="module")
def fused_id(densenet: Session) -> str:
    runtime = densenet.tables["runtime_layers"]
    fused = runtime[(runtime["mapping_class"] == "fused") & (runtime["layer_type"] == "Convolution")]
    return str(fused["layer_id"].iloc[0])


# --- Real sessions ------------------------------------------------------------------------------


def test_runtime_identity(densenet: Session, fused_id: str) -> None:
    details = layer_details(densenet, "runtime", fused_id)
    row = densenet.tables["runtime_layers"].set_index("layer_id").loc[fused_id]
    assert details.name == row["name"]
    assert details.layer_type == "Convolution"
    assert details.primitive_type == row["primitive_type"]
    assert details.opset is None
    assert details.rt_info["layerType"] == "Convolution"


def test_runtime_time_statistics(densenet: Session, fused_id: str) -> None:
    details = layer_details(densenet, "runtime", fused_id)
    row = densenet.tables["runtime_layers"].set_index("layer_id").loc[fused_id]
    assert details.time is not None
    assert details.time.median_us == row["real_time_median_us"]
    assert details.time.max_us == row["real_time_max_us"]
    assert details.time.sample_count == row["sample_count"]
    assert details.time.status_text == "executed"


def test_runtime_iterations_from_counters(densenet: Session, fused_id: str) -> None:
    details = layer_details(densenet, "runtime", fused_id)
    assert list(details.iterations.columns) == list(ITERATION_COLUMNS)
    assert len(details.iterations) == densenet.info["counters_iterations"]
    assert details.iterations["iteration"].is_monotonic_increasing
    assert details.time is not None
    assert details.iterations["real_time_us"].median() == details.time.median_us


def test_runtime_ports(densenet: Session, fused_id: str) -> None:
    details = layer_details(densenet, "runtime", fused_id)
    edges = densenet.tables["runtime_edges"]
    incoming = edges[edges["target_id"] == fused_id]
    assert [port.port for port in details.inputs] == sorted(incoming["target_port"])
    assert details.inputs[0].shape == "[1,3,224,224]"
    assert details.inputs[0].source_name != ""
    # The first convolution computes in the precision the device chose: bf16 where the CPU has
    # bf16 instructions, f32 elsewhere.
    expected_type = densenet.info["inference_precision"]
    assert details.outputs == (OutputPort(0, "[1,64,112,112]", expected_type),)


def test_fused_counterparts_match_original_names(densenet: Session, fused_id: str) -> None:
    details = layer_details(densenet, "runtime", fused_id)
    runtime = densenet.tables["runtime_layers"].set_index("layer_id")
    assert [part.name for part in details.counterparts] == list(runtime.loc[fused_id, "original_layer_names"])
    assert {part.side for part in details.counterparts} == {"ir"}


def test_ir_convolution_details(densenet: Session, fused_id: str) -> None:
    ir = densenet.tables["ir_layers"]
    conv_id = ir.loc[ir["type"] == "Convolution", "layer_id"].iloc[0]
    details = layer_details(densenet, "ir", conv_id)
    assert details.opset == "opset1"
    assert details.graph_id == "main"
    assert details.attributes["strides"] == [2, 2]
    assert details.inputs[0].source_name == "data_0"
    assert details.outputs[0].element_type == "f32"
    assert details.time is None
    assert details.iterations.empty
    assert [part.layer_id for part in details.counterparts] == [fused_id]
    assert details.counterparts[0].time_median_us is not None


def test_runtime_const_has_no_counters(densenet: Session) -> None:
    runtime = densenet.tables["runtime_layers"]
    const_id = runtime.loc[runtime["layer_type"] == "Const", "layer_id"].iloc[0]
    details = layer_details(densenet, "runtime", const_id)
    assert details.time is not None
    assert details.time.median_us is None
    assert details.time.status_text == "no counters"
    assert details.iterations.empty
    assert any("no entry" in note for note in details.notes)


def test_nested_layer_notes_bodies(real_session: Callable[[str], Session]) -> None:
    silero = real_session("silero_vad_ifless")
    ir = silero.tables["ir_layers"]
    nested_id = ir.loc[ir["graph_id"] == "main/9/body0", "layer_id"].iloc[3]
    details = layer_details(silero, "ir", nested_id)
    assert details.graph_id == "main/9/body0"
    assert details.mapping_class == "nested"
    assert any("does not expose bodies" in note for note in details.notes)
    assert [part.name for part in details.counterparts] == ["stateN"]


@pytest.mark.parametrize("side", ["runtime", "ir"])
def test_unknown_layer_raises(densenet: Session, side: str) -> None:
    with pytest.raises(LayerNotFoundError, match="'main/99999'"):
        layer_details(densenet, side, "main/99999")  # type: ignore[arg-type]


# --- Hand-made tables ---------------------------------------------------------------------------


def test_duplicate_names_share_counters() -> None:
    runtime = runtime_layers([
        {"name": "dup", "status": "EXECUTED", "real_time_median_us": 5.0, "sample_count": 4},
        {"name": "dup", "status": "EXECUTED", "real_time_median_us": 5.0, "sample_count": 4},
        {"name": "other"},
    ])
    rows = [(iteration, "dup", 4.0 + index) for iteration in range(2) for index in range(2)]
    session = hand_made_session({"runtime_layers": runtime, "counters": counters([*rows, (0, "other", 1.0)])})
    details = layer_details(session, "runtime", "runtime/1")
    assert details.same_name_ids == ("runtime/0",)
    assert len(details.iterations) == 4
    assert any("2 runtime layers are named 'dup'" in note for note in details.notes)


def test_unique_name_has_no_shared_note() -> None:
    runtime = runtime_layers([{"name": "only", "status": "EXECUTED", "real_time_median_us": 1.0}])
    session = hand_made_session({"runtime_layers": runtime, "counters": counters([(0, "only", 1.0)])})
    details = layer_details(session, "runtime", "runtime/0")
    assert details.same_name_ids == ()
    assert not any("are named" in note for note in details.notes)


def test_counters_error_noted() -> None:
    session = hand_made_session({"runtime_layers": runtime_layers([{}])},
                                counters_error="PERF_COUNT is not supported by the device")
    details = layer_details(session, "runtime", "runtime/0")
    assert any("PERF_COUNT is not supported" in note for note in details.notes)
    assert details.iterations.empty


def test_invalid_attributes_json_noted() -> None:
    session = hand_made_session({"ir_layers": ir_layers([{"attributes_json": "{not json"}]),
                                 "runtime_layers": runtime_layers([{}])})
    details = layer_details(session, "ir", "main/0")
    assert dict(details.attributes) == {}
    assert any("invalid JSON" in note for note in details.notes)


def test_odd_names_in_input_ports() -> None:
    names = ["conv,1", 'say "hi"', "слой/1"]
    ir = ir_layers([{"name": name} for name in names])
    edges = normalize_table(IR_EDGES, pd.DataFrame([
        {"graph_id": "main", "source_id": "main/0", "source_port": 0, "target_id": "main/2", "target_port": 1,
         "shape": "[1,3]", "element_type": "f16"},
        {"graph_id": "main", "source_id": "main/1", "source_port": 0, "target_id": "main/2", "target_port": 0,
         "shape": "[?,3]", "element_type": "nf4"},
    ]))
    session = hand_made_session({"ir_layers": ir, "ir_edges": edges, "runtime_layers": runtime_layers([{}])})
    details = layer_details(session, "ir", "main/2")
    assert [port.source_name for port in details.inputs] == ['say "hi"', "conv,1"]
    assert [port.element_type for port in details.inputs] == ["nf4", "f16"]
    assert details.name == "слой/1"


def test_runtime_output_precisions_split() -> None:
    runtime = runtime_layers([
        {"output_shapes": ["[1,64,56,56]", "[1,64,56,56]"], "output_precisions": "f32,i4"},
        {"output_shapes": ["[1]"], "output_precisions": None},
    ])
    edges = normalize_table(RUNTIME_EDGES, pd.DataFrame([
        {"source_id": "runtime/0", "source_port": 1, "target_id": "runtime/1", "target_port": 0,
         "shape": "[1,64,56,56]", "element_type": "i4"},
    ]))
    session = hand_made_session({"runtime_layers": runtime, "runtime_edges": edges})
    first = layer_details(session, "runtime", "runtime/0")
    second = layer_details(session, "runtime", "runtime/1")
    assert [port.element_type for port in first.outputs] == ["f32", "i4"]
    assert second.outputs == (OutputPort(0, "[1]", None),)
    assert second.inputs[0].source_port == 1


def test_ir_details_without_runtime_model() -> None:
    session = hand_made_session({"ir_layers": ir_layers([{}])}, runtime_model_error="compile failed")
    details = layer_details(session, "ir", "main/0")
    assert details.counterparts == ()
    assert any("compile failed" in note for note in details.notes)


def test_inserted_layer_notes_plugin() -> None:
    runtime = runtime_layers([{"name": "Convert_1", "layer_type": "Convert"}])
    mapping = normalize_table(MAPPING, pd.DataFrame(columns=MAPPING.column_names))
    session = hand_made_session({"runtime_layers": runtime, "mapping": mapping})
    details = layer_details(session, "runtime", "runtime/0")
    assert details.counterparts == ()
    assert any("'Convert_1' (Convert)" in note for note in details.notes)
