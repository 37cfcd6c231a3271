"""Layer search by name, type and dimensions, on real sessions and hand-made tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from ovstudio.errors import InvalidSettingError
from ovstudio.search import search_layers, search_session
from ovstudio.session.frames import empty_table, normalize_table
from ovstudio.session.schema import IR_EDGES, IR_LAYERS, RUNTIME_LAYERS
from ovstudio.session.store import Session
from ovstudio.shapes import contains_dims, parse_dims_query, parse_shape

ODD_NAMES = ["conv,1", "block/conv/relu", 'say "hi"', "it's", "слой_1", "层/卷积", "conv,1"]


def ir_layers(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build an ir_layers table from partial rows, filling required columns."""
    defaults = {"graph_id": "main", "type": "Add", "opset": "opset1", "attributes_json": "{}", "rt_info": {},
                "output_shapes": [], "output_element_types": [], "body_count": 0, "mapping_class": "mapped"}
    full_rows = [{**defaults, "layer_id": f"main/{index}", "name": f"ir{index}", **row}
                 for index, row in enumerate(rows)]
    return normalize_table(IR_LAYERS, pd.DataFrame(full_rows))


def ir_edges(rows: list[tuple[str, str, int, str]]) -> pd.DataFrame:
    """Build ir_edges from (source_id, target_id, target_port, shape) tuples."""
    frame = pd.DataFrame([
        {"graph_id": "main", "source_id": source, "source_port": 0, "target_id": target, "target_port": port,
         "shape": shape, "element_type": "f32"}
        for source, target, port, shape in rows
    ])
    return normalize_table(IR_EDGES, frame)


def hit_ids(hits: tuple[Any, ...]) -> list[str]:
    return [hit.layer_id for hit in hits]


@pytest.fixture(scope="module")
def squeezenet(real_session: Callable[[str], Session]) -> Session:
    return real_session("light_squeezenet")


@pytest.fixture()
def odd_layers() -> pd.DataFrame:
    return ir_layers([{"name": name} for name in ODD_NAMES])


# --- Shapes and queries -------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["1x3x224x224", "1,3,224,224", "1 × 3 × 224 × 224", "1 3 224 224",
                                   "[1, 3, 224, 224]", " 1X3x224x224 "])
def test_dims_query_separators(query: str) -> None:
    assert parse_dims_query(query) == (1, 3, 224, 224)


@pytest.mark.parametrize("query", ["1x?x224", "1x-1", "224.0", "abc", "x", "[]"])
def test_dims_query_invalid(query: str) -> None:
    with pytest.raises(InvalidSettingError, match="dims query"):
        parse_dims_query(query)


def test_parse_shape_dynamic_dims() -> None:
    assert parse_shape("[1,3,?,?]") == (1, 3, None, None)
    assert parse_shape("[2..10,3]") == (None, 3)
    assert parse_shape("[]") == ()
    assert parse_shape("[...]") is None
    assert parse_shape("not a shape") is None


def test_contains_dims_consecutive_only() -> None:
    assert contains_dims((1, 3, 224, 224), (224, 224))
    assert not contains_dims((1, 224, 3, 224), (224, 224))
    assert not contains_dims((1, None, None), (1, 3))
    assert not contains_dims((224,), (224, 224))


# --- Real sessions ------------------------------------------------------------------------------


def test_ir_input_shape_found_exactly(squeezenet: Session) -> None:
    hits = search_session(squeezenet, "ir", "1x3x224x224", "dims", exact_dims=True)
    names = [hit.name for hit in hits]
    # The Parameter produces the input tensor and the first Convolution consumes it.
    assert "data_0" in names
    assert "n0/WithoutBiases" in names
    conv_hit = next(hit for hit in hits if hit.name == "n0/WithoutBiases")
    assert "input 0 [1,3,224,224]" in conv_hit.description


def test_runtime_input_shape_found(squeezenet: Session) -> None:
    hits = search_session(squeezenet, "runtime", "1x3x224x224", "dims", exact_dims=True)
    layers = squeezenet.tables["runtime_layers"].set_index("layer_id")
    assert "Input" in {layers.loc[hit.layer_id, "layer_type"] for hit in hits}
    assert "Convolution" in {hit.layer_type for hit in hits}


def test_partial_dims_match_more_layers(squeezenet: Session) -> None:
    exact = search_session(squeezenet, "ir", "1x3x224x224", "dims", exact_dims=True)
    partial = search_session(squeezenet, "ir", "224x224", "dims")
    assert set(hit_ids(exact)) <= set(hit_ids(partial))


def test_type_search_counts_layers(squeezenet: Session) -> None:
    layers = squeezenet.tables["ir_layers"]
    hits = search_session(squeezenet, "ir", "convolution", "type")
    expected = layers.loc[layers["type"].str.casefold().str.contains("convolution", regex=False), "layer_id"]
    assert hit_ids(hits) == expected.tolist()


def test_runtime_type_uses_layer_type(squeezenet: Session) -> None:
    layers = squeezenet.tables["runtime_layers"]
    hits = search_session(squeezenet, "runtime", "^Reorder$", "type", regex=True)
    assert hit_ids(hits) == layers.loc[layers["layer_type"] == "Reorder", "layer_id"].tolist()


def test_name_search_ignores_case(squeezenet: Session) -> None:
    hits = search_session(squeezenet, "ir", "WITHOUTBIASES", "name")
    assert hits
    assert all("withoutbiases" in hit.name.casefold() for hit in hits)


def test_hits_in_graph_order(squeezenet: Session) -> None:
    layers = squeezenet.tables["ir_layers"]
    hits = search_session(squeezenet, "ir", "n", "name")
    order = {layer_id: index for index, layer_id in enumerate(layers["layer_id"])}
    positions = [order[layer_id] for layer_id in hit_ids(hits)]
    assert positions == sorted(positions)


def test_dynamic_dims_never_match(real_session: Callable[[str], Session]) -> None:
    silero = real_session("silero_vad_ifless")
    layers = silero.tables["ir_layers"]
    # The input Parameter is [?,?]: no number matches a dynamic dimension.
    assert layers.loc[layers["name"] == "input", "output_shapes"].iloc[0] == ["[?,?]"]
    hits = search_session(silero, "ir", "512", "dims")
    assert "input" not in [hit.name for hit in hits]


# --- Hand-made tables ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(set(ODD_NAMES)))
def test_odd_names_found_by_substring(odd_layers: pd.DataFrame, name: str) -> None:
    hits = search_layers(odd_layers, name, "name", "ir")
    assert name in [hit.name for hit in hits]


def test_duplicate_names_both_found(odd_layers: pd.DataFrame) -> None:
    hits = search_layers(odd_layers, "conv,1", "name", "ir")
    assert hit_ids(hits) == ["main/0", "main/6"]


def test_non_ascii_ignores_case(odd_layers: pd.DataFrame) -> None:
    hits = search_layers(odd_layers, "СЛОЙ", "name", "ir")
    assert hit_ids(hits) == ["main/4"]


def test_regex_special_chars_literal_without_regex(odd_layers: pd.DataFrame) -> None:
    assert hit_ids(search_layers(odd_layers, "it's", "name", "ir")) == ["main/3"]
    assert hit_ids(search_layers(odd_layers, ".", "name", "ir")) == []


def test_regex_matches_pattern(odd_layers: pd.DataFrame) -> None:
    hits = search_layers(odd_layers, r"^conv,\d$", "name", "ir", regex=True)
    assert hit_ids(hits) == ["main/0", "main/6"]


def test_regex_inline_flag_keeps_case(odd_layers: pd.DataFrame) -> None:
    assert hit_ids(search_layers(odd_layers, "(?-i:CONV)", "name", "ir", regex=True)) == []


def test_invalid_regex_names_pattern(odd_layers: pd.DataFrame) -> None:
    with pytest.raises(InvalidSettingError) as raised:
        search_layers(odd_layers, "conv(", "name", "ir", regex=True)
    message = str(raised.value)
    assert "'conv('" in message
    assert "missing )" in message


def test_blank_query_matches_nothing(odd_layers: pd.DataFrame) -> None:
    assert search_layers(odd_layers, "  ", "name", "ir") == ()


def test_unknown_field_rejected(odd_layers: pd.DataFrame) -> None:
    with pytest.raises(InvalidSettingError, match="'shape'"):
        search_layers(odd_layers, "x", "shape", "ir")  # type: ignore[arg-type]


def test_unknown_side_rejected(odd_layers: pd.DataFrame) -> None:
    with pytest.raises(InvalidSettingError, match="'gpu'"):
        search_layers(odd_layers, "x", "name", "gpu")  # type: ignore[arg-type]


def test_dims_from_edges_and_outputs() -> None:
    layers = ir_layers([
        {"type": "Parameter", "output_shapes": ["[1,3,224,224]"]},
        {"type": "Convolution", "output_shapes": ["[1,64,112,112]"]},
        {"type": "MaxPool", "output_shapes": ["[1,64,56,56]", "[1,64,56,56]"]},
    ])
    edges = ir_edges([("main/0", "main/1", 0, "[1,3,224,224]"), ("main/1", "main/2", 0, "[1,64,112,112]")])
    hits = search_layers(layers, "64x56x56", "dims", "ir", edges=edges)
    assert hit_ids(hits) == ["main/2"]
    assert hits[0].description == "MaxPool ir2: output 0 [1,64,56,56], output 1 [1,64,56,56]"
    assert hit_ids(search_layers(layers, "112 112", "dims", "ir", edges=edges)) == ["main/1", "main/2"]


def test_dims_without_edges_use_outputs() -> None:
    layers = ir_layers([{"output_shapes": ["[1,3,224,224]"]}, {"output_shapes": ["[1,1000]"]}])
    assert hit_ids(search_layers(layers, "224x224", "dims", "ir")) == ["main/0"]


def test_exact_dims_need_whole_shape() -> None:
    layers = ir_layers([{"output_shapes": ["[2,1,3,224,224]"]}, {"output_shapes": ["[1,3,224,224]"]}])
    assert hit_ids(search_layers(layers, "1x3x224x224", "dims", "ir")) == ["main/0", "main/1"]
    assert hit_ids(search_layers(layers, "1x3x224x224", "dims", "ir", exact_dims=True)) == ["main/1"]


def test_question_mark_dims_never_match() -> None:
    layers = ir_layers([{"output_shapes": ["[?,3,224,224]"]}, {"output_shapes": ["[1..4,3]"]}])
    assert hit_ids(search_layers(layers, "1x3", "dims", "ir")) == []


def test_scalar_and_dynamic_rank_skipped() -> None:
    layers = ir_layers([{"output_shapes": ["[]"]}, {"output_shapes": ["[...]"]}])
    assert search_layers(layers, "1", "dims", "ir") == ()


def test_search_empty_runtime_model() -> None:
    assert search_layers(empty_table(RUNTIME_LAYERS), "conv", "name", "runtime") == ()
