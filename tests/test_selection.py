"""Selection sync between the runtime and IR graphs, on real and hand-made sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from ovstudio.errors import InvalidSettingError
from ovstudio.layer_lookup import LayerNotFoundError
from ovstudio.selection import select_layer, select_layer_in
from ovstudio.session.frames import empty_table
from ovstudio.session.schema import IR_LAYERS, MAPPING, RUNTIME_LAYERS
from ovstudio.session.store import Session
from tests import hand_made
from tests.hand_made import mapping, runtime_layers


def ir_layers(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build an ir_layers table from rows that give at least layer_id and graph_id; names are the ids."""
    return hand_made.ir_layers([{"name": row["layer_id"], **row} for row in rows],
                               output_shapes=[], output_element_types=[])


def expected_ir_ids(session: Session, runtime_id: str) -> set[str]:
    """Find the IR layers a runtime layer names, from original_layer_names and IR names alone."""
    runtime = session.tables["runtime_layers"].set_index("layer_id")
    names = set(runtime.loc[runtime_id, "original_layer_names"])
    ir = session.tables["ir_layers"]
    main = ir[ir["graph_id"] == "main"]
    return set(main.loc[main["name"].isin(names), "layer_id"])


# --- Real sessions ------------------------------------------------------------------------------


def test_fused_layer_selects_all_ir_layers(densenet: Session) -> None:
    runtime = densenet.tables["runtime_layers"]
    fused_ids = runtime.loc[runtime["mapping_class"] == "fused", "layer_id"]
    assert len(fused_ids) > 0
    for runtime_id in fused_ids:
        selection = select_layer(densenet, "runtime", runtime_id)
        expected = expected_ir_ids(densenet, runtime_id)
        assert len(expected) >= 2, runtime_id
        assert set(selection.ir_ids) == expected, runtime_id
        assert len(selection.ir_ids) == len(expected), runtime_id


def test_fused_selection_has_no_notice(densenet: Session) -> None:
    runtime = densenet.tables["runtime_layers"]
    runtime_id = runtime.loc[runtime["mapping_class"] == "fused", "layer_id"].iloc[0]
    selection = select_layer(densenet, "runtime", runtime_id)
    assert selection.runtime_ids == (runtime_id,)
    assert selection.notice_ir is None
    assert selection.notice_runtime is None


def test_fused_ir_layer_selects_runtime_layer(densenet: Session) -> None:
    runtime = densenet.tables["runtime_layers"]
    fused = runtime[runtime["mapping_class"] == "fused"].iloc[0]
    for ir_id in expected_ir_ids(densenet, fused["layer_id"]):
        selection = select_layer(densenet, "ir", ir_id)
        assert fused["layer_id"] in selection.runtime_ids, ir_id
        assert selection.ir_ids == (ir_id,), ir_id


def test_inserted_reorder_notice_on_ir(densenet: Session) -> None:
    runtime = densenet.tables["runtime_layers"]
    reorder = runtime[(runtime["mapping_class"] == "inserted") & (runtime["layer_type"] == "Reorder")].iloc[0]
    selection = select_layer(densenet, "runtime", reorder["layer_id"])
    assert selection.ir_ids == ()
    assert selection.notice_ir is not None
    assert repr(reorder["name"]) in selection.notice_ir
    assert "(Reorder)" in selection.notice_ir
    assert "plugin" in selection.notice_ir
    assert selection.notice_runtime is None


def test_nested_layer_selects_parent_runtime_layers(silero: Session) -> None:
    ir = silero.tables["ir_layers"]
    nested = ir[ir["graph_id"] == "main/9/body1"].iloc[5]
    parent = ir[ir["layer_id"] == "main/9"].iloc[0]
    selection = select_layer(silero, "ir", nested["layer_id"])
    runtime = silero.tables["runtime_layers"]
    assert parent["type"] == "If"
    assert selection.runtime_ids == tuple(runtime.loc[runtime["name"] == parent["name"], "layer_id"])
    assert selection.notice_runtime is not None
    assert "does not expose bodies" in selection.notice_runtime
    assert repr(parent["name"]) in selection.notice_runtime


def test_removed_ir_layer_notice_on_runtime(silero: Session) -> None:
    ir = silero.tables["ir_layers"]
    removed = ir[ir["mapping_class"] == "removed"].iloc[0]
    selection = select_layer(silero, "ir", removed["layer_id"])
    assert selection.runtime_ids == ()
    assert selection.notice_runtime is not None
    assert repr(removed["name"]) in selection.notice_runtime
    assert f"({removed['type']})" in selection.notice_runtime


def test_intact_layer_one_to_one(real_session: Callable[[str], Session]) -> None:
    squeezenet = real_session("light_squeezenet")
    runtime = squeezenet.tables["runtime_layers"]
    intact = runtime[(runtime["mapping_class"] == "intact") & (runtime["layer_type"] == "Pooling")].iloc[0]
    selection = select_layer(squeezenet, "runtime", intact["layer_id"])
    assert len(selection.ir_ids) == 1
    back = select_layer(squeezenet, "ir", selection.ir_ids[0])
    assert back.runtime_ids == (intact["layer_id"],)


@pytest.mark.parametrize("side", ["runtime", "ir"])
def test_unknown_layer_id_raises(densenet: Session, side: str) -> None:
    with pytest.raises(LayerNotFoundError, match="'nowhere/1' not found"):
        select_layer(densenet, side, "nowhere/1")  # type: ignore[arg-type]


# --- Hand-made tables ---------------------------------------------------------------------------


def test_split_ir_layer_selects_every_piece() -> None:
    runtime = runtime_layers([{"mapping_class": "split"}, {"mapping_class": "split"}, {}])
    ir = ir_layers([{"layer_id": "main/0", "graph_id": "main"}, {"layer_id": "main/1", "graph_id": "main"}])
    links = mapping([("runtime/0", "main/0"), ("runtime/1", "main/0"), ("runtime/2", "main/1")])
    selection = select_layer_in(runtime, ir, links, "ir", "main/0")
    assert selection.runtime_ids == ("runtime/0", "runtime/1")
    assert selection.notice_runtime is None


def test_no_runtime_model_notice_quotes_reason() -> None:
    ir = ir_layers([{"layer_id": "main/0", "graph_id": "main"}])
    session = Session(
        {"session_id": "s", "runtime_model_error": "get_runtime_model() failed: not supported by MYRIAD"},
        {"runtime_layers": empty_table(RUNTIME_LAYERS), "ir_layers": ir, "mapping": empty_table(MAPPING)},
    )
    selection = select_layer(session, "ir", "main/0")
    assert selection.runtime_ids == ()
    assert selection.ir_ids == ("main/0",)
    assert selection.notice_runtime is not None
    assert "no runtime model" in selection.notice_runtime
    assert "not supported by MYRIAD" in selection.notice_runtime


def test_no_runtime_model_without_reason() -> None:
    ir = ir_layers([{"layer_id": "main/0", "graph_id": "main"}])
    selection = select_layer_in(empty_table(RUNTIME_LAYERS), ir, empty_table(MAPPING), "ir", "main/0")
    expected = "This session has no runtime model, so no runtime layer can be highlighted."
    assert selection.notice_runtime == expected


def test_no_runtime_model_unknown_ir_id_raises() -> None:
    ir = ir_layers([{"layer_id": "main/0", "graph_id": "main"}])
    with pytest.raises(LayerNotFoundError, match="'main/7'"):
        select_layer_in(empty_table(RUNTIME_LAYERS), ir, empty_table(MAPPING), "ir", "main/7")


def test_runtime_id_without_runtime_model_raises() -> None:
    with pytest.raises(LayerNotFoundError, match="no runtime layers"):
        select_layer_in(empty_table(RUNTIME_LAYERS), empty_table(IR_LAYERS), empty_table(MAPPING),
                        "runtime", "runtime/0")


def test_body_in_body_walks_to_main_graph() -> None:
    ir = ir_layers([
        {"layer_id": "main/0", "graph_id": "main", "type": "Loop", "name": "outer", "body_count": 1},
        {"layer_id": "main/0/body0/0", "graph_id": "main/0/body0", "type": "If", "body_count": 2},
        {"layer_id": "main/0/body0/0/body1/0", "graph_id": "main/0/body0/0/body1", "type": "Relu"},
    ])
    runtime = runtime_layers([{"name": "outer", "layer_type": "Loop"}])
    links = mapping([("runtime/0", "main/0")])
    selection = select_layer_in(runtime, ir, links, "ir", "main/0/body0/0/body1/0")
    assert selection.runtime_ids == ("runtime/0",)
    assert selection.notice_runtime is not None
    assert "Loop 'outer'" in selection.notice_runtime


def test_nested_parent_without_runtime_layer() -> None:
    ir = ir_layers([
        {"layer_id": "main/0", "graph_id": "main", "type": "If", "name": "branch"},
        {"layer_id": "main/0/body0/0", "graph_id": "main/0/body0"},
    ])
    selection = select_layer_in(runtime_layers([{}]), ir, mapping([]), "ir", "main/0/body0/0")
    assert selection.runtime_ids == ()
    assert selection.notice_runtime is not None
    assert "'branch' has no runtime layer either" in selection.notice_runtime


def test_inserted_notice_lists_unmatched_names() -> None:
    runtime = runtime_layers([{"name": "conv,1_reorder", "layer_type": "Reorder",
                               "original_layer_names": ["слой/1", 'say "hi"'],
                               "mapping_class": "inserted"}])
    selection = select_layer_in(runtime, empty_table(IR_LAYERS), mapping([]), "runtime", "runtime/0")
    assert selection.notice_ir is not None
    assert "'conv,1_reorder' (Reorder)" in selection.notice_ir
    assert "'слой/1'" in selection.notice_ir
    assert "'say \"hi\"'" in selection.notice_ir


def test_plugin_constant_notice() -> None:
    runtime = runtime_layers([{"name": "Constant_53366", "layer_type": "Const", "mapping_class": "inserted"}])
    selection = select_layer_in(runtime, empty_table(IR_LAYERS), mapping([]), "runtime", "runtime/0")
    expected = ("Runtime layer 'Constant_53366' (Const) is not in the IR: "
                "the plugin inserted it while compiling the model.")
    assert selection.notice_ir == expected


def test_duplicate_ir_names_both_selected() -> None:
    runtime = runtime_layers([{"original_layer_names": ["same"]}])
    ir = ir_layers([{"layer_id": "main/0", "graph_id": "main", "name": "same"},
                    {"layer_id": "main/1", "graph_id": "main", "name": "same"}])
    links = mapping([("runtime/0", "main/0"), ("runtime/0", "main/1")])
    assert select_layer_in(runtime, ir, links, "runtime", "runtime/0").ir_ids == ("main/0", "main/1")


def test_invalid_side_rejected() -> None:
    with pytest.raises(InvalidSettingError, match="'both'"):
        select_layer_in(runtime_layers([{}]), empty_table(IR_LAYERS), mapping([]),
                        "both", "runtime/0")  # type: ignore[arg-type]
