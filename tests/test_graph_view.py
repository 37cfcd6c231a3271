"""Display graphs: constant folding, layered layout, windows and synthetic networks.

Real sessions come from profiling catalog models on CPU. Runtime layer counts depend on the
CPU's instruction set (bf16 Reorders, for one), so only IR counts are pinned here.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

import pandas as pd
import pytest

from ovstudio.graph import columns as col
from ovstudio.graph.display import DisplayGraph, build_display_graph, layer_order_key
from ovstudio.graph.layout import layered_layout
from ovstudio.graph.synthetic import synthetic_layers
from ovstudio.graph.window import neighborhood, relaid_subgraph, subgraph
from ovstudio.session.frames import empty_table, normalize_table
from ovstudio.session.schema import IR_EDGES, IR_LAYERS, RUNTIME_EDGES, RUNTIME_LAYERS
from ovstudio.session.store import Session

TABLES = {"ir": ("ir_layers", "ir_edges"), "runtime": ("runtime_layers", "runtime_edges")}
CONSTANT_TYPES = {"ir": "Constant", "runtime": "Const"}
TYPE_COLUMNS = {"ir": "type", "runtime": "layer_type"}

# Main-graph IR layers and IR nodes after folding, with OpenVINO 2026.4.1 converting the ONNX file.
IR_FACTS = {
    "light_squeezenet": (150, 95),
    "light_densenet121": (797, 491),
}


# --- Helpers ---------------------------------------------------------------------------------


def session_graph(session: Session, side: str) -> tuple[pd.DataFrame, pd.DataFrame, DisplayGraph]:
    layers_name, edges_name = TABLES[side]
    layers, edges = session.tables[layers_name], session.tables[edges_name]
    return layers, edges, build_display_graph(layers, edges, side)  # type: ignore[arg-type]


def expected_folding(layers: pd.DataFrame, edges: pd.DataFrame, side: str) -> dict[str, str]:
    """Return constant -> first consumer in layer order, computed independently of the package."""
    if side == "ir":
        layers = layers[layers["graph_id"] == "main"]
        edges = edges[edges["graph_id"] == "main"]
    types = dict(zip(layers["layer_id"], layers[TYPE_COLUMNS[side]]))
    constant = CONSTANT_TYPES[side]
    consumers: dict[str, list[str]] = {}
    for source, target in zip(edges["source_id"], edges["target_id"]):
        if types.get(source) == constant and target in types and types[target] != constant:
            consumers.setdefault(source, []).append(target)
    return {source: min(targets, key=layer_order_key) for source, targets in consumers.items()}


def check_graph(layers: pd.DataFrame, edges: pd.DataFrame, side: str, graph: DisplayGraph) -> None:
    """Assert every invariant of a display graph of a directed acyclic graph."""
    folding = expected_folding(layers, edges, side)
    main = layers[layers["graph_id"] == "main"] if side == "ir" else layers
    nodes = graph.nodes
    node_ids = set(nodes[col.NODE_ID])

    assert list(nodes.columns) == list(col.NODE_COLUMNS)
    assert list(graph.edges.columns) == list(col.EDGE_COLUMNS)
    assert node_ids == set(main["layer_id"]) - set(folding)
    assert len(node_ids) == len(nodes)

    assert set(graph.node_of) == set(layers["layer_id"])
    assert set(graph.node_of.values()) <= node_ids
    for constant_id, consumer_id in folding.items():
        assert graph.node_of[constant_id] == consumer_id
    folded_in_nodes = [layer_id for folded in nodes[col.FOLDED] for layer_id in folded]
    assert sorted(folded_in_nodes) == sorted(folding)

    drawn_constants = nodes[nodes[col.TYPE] == CONSTANT_TYPES[side]][col.NODE_ID]
    assert not set(drawn_constants) & set(folding)

    assert graph.edges[col.EDGE_ID].is_unique
    assert set(graph.edges[col.SOURCE]) <= node_ids
    assert set(graph.edges[col.TARGET]) <= node_ids

    level_of = dict(zip(nodes[col.NODE_ID], nodes[col.LEVEL]))
    upward = [(s, t) for s, t in zip(graph.edges[col.SOURCE], graph.edges[col.TARGET]) if level_of[t] <= level_of[s]]
    assert upward == []
    assert not nodes.duplicated([col.X, col.Y]).any()
    assert nodes[col.X].dtype == "int64"
    assert nodes[col.Y].dtype == "int64"


def runtime_tables(layer_types: list[str], links: list[tuple[int, int, int]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build runtime tables of layers 'runtime/<i>' from (source, target, target_port) links."""
    layers = pd.DataFrame({
        "layer_id": [f"runtime/{index}" for index in range(len(layer_types))],
        "name": [f"{layer_type}_{index}" for index, layer_type in enumerate(layer_types)],
        "layer_type": layer_types,
        "original_layer_names": [[] for _ in layer_types],
        "output_shapes": [["[1]"] for _ in layer_types],
        "rt_info": [{} for _ in layer_types],
        "sample_count": 0,
        "mapping_class": "intact",
    })
    edges = pd.DataFrame({
        "source_id": [f"runtime/{source}" for source, _, _ in links],
        "source_port": 0,
        "target_id": [f"runtime/{target}" for _, target, _ in links],
        "target_port": [port for _, _, port in links],
        "shape": "[1]",
        "element_type": "f32",
    })
    return normalize_table(RUNTIME_LAYERS, layers), normalize_table(RUNTIME_EDGES, edges)


def ir_tables_with_bodies() -> tuple[pd.DataFrame, pd.DataFrame]:
    """An IR of Parameter -> Loop -> Result, whose body contains an If with a body of its own."""
    rows = [
        ("main/0", "main", "Parameter"),
        ("main/1", "main", "Constant"),
        ("main/2", "main", "Loop"),
        ("main/3", "main", "Result"),
        ("main/2/body0/0", "main/2/body0", "Parameter"),
        ("main/2/body0/1", "main/2/body0", "If"),
        ("main/2/body0/2", "main/2/body0", "Result"),
        ("main/2/body0/1/body0/0", "main/2/body0/1/body0", "Parameter"),
        ("main/2/body0/1/body0/1", "main/2/body0/1/body0", "Constant"),
        ("main/2/body0/1/body0/2", "main/2/body0/1/body0", "Add"),
    ]
    layers = pd.DataFrame({
        "layer_id": [row[0] for row in rows],
        "graph_id": [row[1] for row in rows],
        "name": [f"layer_{index}" for index in range(len(rows))],
        "type": [row[2] for row in rows],
        "opset": "opset1",
        "attributes_json": "{}",
        "rt_info": [{} for _ in rows],
        "output_shapes": [["[1]"] for _ in rows],
        "output_element_types": [["f32"] for _ in rows],
        "body_count": [1 if row[2] in ("Loop", "If") else 0 for row in rows],
        "mapping_class": ["mapped" if row[1] == "main" else "nested" for row in rows],
    })
    links = [
        ("main", "main/0", "main/2", 0),
        ("main", "main/1", "main/2", 1),
        ("main", "main/2", "main/3", 0),
        ("main/2/body0", "main/2/body0/0", "main/2/body0/1", 0),
        ("main/2/body0", "main/2/body0/1", "main/2/body0/2", 0),
        ("main/2/body0/1/body0", "main/2/body0/1/body0/0", "main/2/body0/1/body0/2", 0),
        ("main/2/body0/1/body0", "main/2/body0/1/body0/1", "main/2/body0/1/body0/2", 1),
    ]
    edges = pd.DataFrame({
        "graph_id": [link[0] for link in links],
        "source_id": [link[1] for link in links],
        "source_port": 0,
        "target_id": [link[2] for link in links],
        "target_port": [link[3] for link in links],
        "shape": "[1]",
        "element_type": "f32",
    })
    return normalize_table(IR_LAYERS, layers), normalize_table(IR_EDGES, edges)


def chain_graph(length: int, bands: bool = True) -> DisplayGraph:
    """A runtime chain Input -> Eltwise ... -> Output of ``length`` layers."""
    types = ["Input", *["Eltwise"] * (length - 2), "Output"]
    layers, edges = runtime_tables(types, [(index, index + 1, 0) for index in range(length - 1)])
    return build_display_graph(layers, edges, "runtime", bands=bands)


# --- Real sessions ---------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["ir", "runtime"])
@pytest.mark.parametrize("key", ["light_squeezenet", "light_densenet121"])
def test_real_graph_invariants(real_session: Callable[[str], Session], key: str, side: str) -> None:
    layers, edges, graph = session_graph(real_session(key), side)

    check_graph(layers, edges, side, graph)


@pytest.mark.parametrize("key", sorted(IR_FACTS))
def test_real_ir_node_counts(real_session: Callable[[str], Session], key: str) -> None:
    layers, _, graph = session_graph(real_session(key), "ir")
    main_layers, nodes = IR_FACTS[key]

    assert (layers["graph_id"] == "main").sum() == main_layers
    assert len(graph.nodes) == nodes


def test_real_runtime_folds_every_const(real_session: Callable[[str], Session]) -> None:
    layers, _, graph = session_graph(real_session("light_densenet121"), "runtime")

    assert "Const" not in set(graph.nodes[col.TYPE])
    assert len(graph.nodes) == len(layers) - (layers["layer_type"] == "Const").sum()


def test_real_if_bodies_not_drawn(real_session: Callable[[str], Session]) -> None:
    layers, edges, graph = session_graph(real_session("silero_vad_ifless"), "ir")
    body_layers = layers[layers["graph_id"] != "main"]
    if_ids = layers.loc[layers["type"] == "If", "layer_id"].tolist()

    assert len(body_layers) > 0
    assert len(if_ids) == 1
    assert not set(graph.nodes[col.NODE_ID]) & set(body_layers["layer_id"])
    assert {graph.node_of[layer_id] for layer_id in body_layers["layer_id"]} == set(if_ids)
    check_graph(layers, edges, "ir", graph)


def test_real_graph_deterministic(real_session: Callable[[str], Session]) -> None:
    session = real_session("light_densenet121")
    _, _, first = session_graph(session, "runtime")
    _, _, second = session_graph(session, "runtime")

    assert first.nodes.to_json() == second.nodes.to_json()
    assert first.edges.to_json() == second.edges.to_json()
    assert first.node_of == second.node_of


# --- Folding ---------------------------------------------------------------------------------


def test_shared_constant_folds_into_first_consumer() -> None:
    # 0 Input, 1 Const shared by 2 and 4, 3 Const of 4 only.
    layers, edges = runtime_tables(
        ["Input", "Const", "Eltwise", "Const", "Eltwise", "Output"],
        [(0, 2, 0), (1, 2, 1), (2, 4, 0), (1, 4, 1), (3, 4, 2), (4, 5, 0)],
    )
    graph = build_display_graph(layers, edges, "runtime")
    folded = dict(zip(graph.nodes[col.NODE_ID], graph.nodes[col.FOLDED]))
    shared = dict(zip(graph.nodes[col.NODE_ID], graph.nodes[col.SHARED_CONSTANTS]))

    assert list(graph.nodes[col.NODE_ID]) == ["runtime/0", "runtime/2", "runtime/4", "runtime/5"]
    assert folded["runtime/2"] == ("runtime/1",)
    assert folded["runtime/4"] == ("runtime/3",)
    assert shared["runtime/4"] == ("runtime/1",)
    assert shared["runtime/2"] == ()
    assert graph.node_of["runtime/1"] == "runtime/2"
    assert graph.node_of["runtime/3"] == "runtime/4"
    assert list(graph.edges[col.EDGE_ID]) == [
        "runtime/0:0->runtime/2:0", "runtime/2:0->runtime/4:0", "runtime/4:0->runtime/5:0",
    ]


def test_unconsumed_constant_stays_a_node() -> None:
    layers, edges = runtime_tables(["Input", "Const", "Output"], [(0, 2, 0)])
    graph = build_display_graph(layers, edges, "runtime")

    assert "runtime/1" in set(graph.nodes[col.NODE_ID])
    assert graph.node_of["runtime/1"] == "runtime/1"


def test_constant_feeding_only_constants_stays_a_node() -> None:
    layers, edges = runtime_tables(["Const", "Const", "Output"], [(0, 1, 0), (1, 2, 0)])
    graph = build_display_graph(layers, edges, "runtime")

    assert list(graph.nodes[col.NODE_ID]) == ["runtime/0", "runtime/2"]
    assert graph.node_of["runtime/1"] == "runtime/2"


def test_nested_bodies_map_to_main_layer() -> None:
    layers, edges = ir_tables_with_bodies()
    graph = build_display_graph(layers, edges, "ir")

    assert list(graph.nodes[col.NODE_ID]) == ["main/0", "main/2", "main/3"]
    assert graph.nodes.loc[graph.nodes[col.NODE_ID] == "main/2", col.FOLDED].item() == ("main/1",)
    for layer_id in layers.loc[layers["graph_id"] != "main", "layer_id"]:
        assert graph.node_of[layer_id] == "main/2"
    assert len(graph.edges) == 2
    check_graph(layers, edges, "ir", graph)


# --- Whole graphs ----------------------------------------------------------------------------


@pytest.mark.parametrize("count,seed", [(2, 0), (60, 1), (600, 2), (1500, 3)])
def test_synthetic_graph_invariants(count: int, seed: int) -> None:
    layers, edges = synthetic_layers(count, seed)
    graph = build_display_graph(layers, edges, "runtime")

    check_graph(layers, edges, "runtime", graph)


def test_shuffled_rows_give_same_graph() -> None:
    layers, edges = synthetic_layers(400, seed=5)
    expected = build_display_graph(layers, edges, "runtime")
    shuffled = build_display_graph(
        layers.sample(frac=1, random_state=1), edges.sample(frac=1, random_state=2), "runtime"
    )

    assert shuffled.nodes.to_json() == expected.nodes.to_json()
    assert shuffled.edges.to_json() == expected.edges.to_json()
    assert shuffled.node_of == expected.node_of


@pytest.mark.parametrize("side", ["ir", "runtime"])
def test_empty_tables_give_empty_graph(side: str) -> None:
    layers_table, edges_table = (IR_LAYERS, IR_EDGES) if side == "ir" else (RUNTIME_LAYERS, RUNTIME_EDGES)
    graph = build_display_graph(empty_table(layers_table), empty_table(edges_table), side)  # type: ignore[arg-type]

    assert graph.nodes.empty
    assert graph.edges.empty
    assert graph.node_of == {}
    assert list(graph.nodes.columns) == list(col.NODE_COLUMNS)
    assert list(graph.edges.columns) == list(col.EDGE_COLUMNS)


def test_frames_without_columns_give_empty_graph() -> None:
    graph = build_display_graph(pd.DataFrame(), pd.DataFrame(), "runtime")

    assert graph.nodes.empty
    assert graph.node_of == {}


def test_layers_without_edges_are_all_nodes() -> None:
    layers, _ = runtime_tables(["Input", "Const", "Output"], [])
    graph = build_display_graph(layers, empty_table(RUNTIME_EDGES), "runtime")

    assert list(graph.nodes[col.NODE_ID]) == ["runtime/0", "runtime/1", "runtime/2"]
    assert not graph.nodes.duplicated([col.X, col.Y]).any()


def test_edge_to_unknown_layer_dropped(caplog: pytest.LogCaptureFixture) -> None:
    layers, edges = runtime_tables(["Input", "Output"], [(0, 1, 0)])
    stray = edges.assign(target_id="runtime/99")
    with caplog.at_level(logging.WARNING, logger="ovstudio.graph.display"):
        graph = build_display_graph(layers, pd.concat([edges, stray], ignore_index=True), "runtime")

    assert list(graph.edges[col.EDGE_ID]) == ["runtime/0:0->runtime/1:0"]
    assert "not drawn" in caplog.text


def test_missing_column_rejected() -> None:
    layers, edges = runtime_tables(["Input", "Output"], [(0, 1, 0)])

    with pytest.raises(ValueError, match="layer_type"):
        build_display_graph(layers.drop(columns=["layer_type"]), edges, "runtime")


def test_unknown_side_rejected() -> None:
    layers, edges = runtime_tables(["Input", "Output"], [(0, 1, 0)])

    with pytest.raises(ValueError, match="side"):
        build_display_graph(layers, edges, "onnx")  # type: ignore[arg-type]


def test_repeated_layer_id_rejected() -> None:
    layers, edges = runtime_tables(["Input", "Output"], [(0, 1, 0)])

    with pytest.raises(ValueError, match="repeats"):
        build_display_graph(pd.concat([layers, layers], ignore_index=True), edges, "runtime")


def test_every_column_described() -> None:
    graph = chain_graph(3)

    for name in graph.nodes.columns:
        assert col.NODE_COLUMNS.get(name), name
    for name in graph.edges.columns:
        assert col.EDGE_COLUMNS.get(name), name


# --- Layout ----------------------------------------------------------------------------------


def test_chain_is_one_column() -> None:
    graph = chain_graph(200, bands=False)

    assert graph.nodes[col.X].nunique() == 1
    assert list(graph.nodes[col.LEVEL]) == list(range(200))
    assert list(graph.nodes[col.Y]) == [level * 110 for level in range(200)]


def test_chain_with_weight_branches_stays_straight() -> None:
    # Like a CPU runtime model: every Convolution also takes a Reorder fed by a Reshape of weights.
    types, links, previous = ["Input"], [], 0
    for _ in range(40):
        reshape = len(types)
        types += ["Reshape", "Reorder", "Convolution"]
        links += [(reshape, reshape + 1, 0), (previous, reshape + 2, 0), (reshape + 1, reshape + 2, 1)]
        previous = reshape + 2
    layers, edges = runtime_tables(types, links)
    graph = build_display_graph(layers, edges, "runtime", bands=False)
    convolutions = graph.nodes[graph.nodes[col.TYPE] == "Convolution"]

    assert convolutions[col.X].nunique() == 1
    # A row contains a Convolution, a Reorder and a Reshape. The first rows may add one column
    # beside the Input, but a drift would widen the picture at every Convolution.
    assert graph.nodes[col.X].max() <= 3 * 180


def test_tall_chain_folds_into_bands() -> None:
    graph = chain_graph(200)
    nodes = graph.nodes
    width = nodes[col.X].max() - nodes[col.X].min()
    height = nodes[col.Y].max() - nodes[col.Y].min()

    assert nodes[col.X].nunique() > 1
    assert 0.3 < width / height < 3.0
    assert list(nodes[col.LEVEL]) == list(range(200))


def test_band_starts_at_top() -> None:
    graph = chain_graph(200)
    first_in_band = graph.nodes.groupby(col.X)[col.Y].min()

    assert set(first_in_band) == {0}


def test_shallow_graph_not_folded() -> None:
    graph = chain_graph(10)

    assert graph.nodes[col.X].nunique() == 1


def test_second_input_sits_above_its_consumer() -> None:
    # 0 Input -> 1 -> 2 -> 3 Eltwise <- 4 Input; 3 -> 5 Output.
    layers, edges = runtime_tables(
        ["Input", "Eltwise", "Eltwise", "Eltwise", "Input", "Output"],
        [(0, 1, 0), (1, 2, 0), (2, 3, 0), (4, 3, 1), (3, 5, 0)],
    )
    levels = dict(zip(*build_display_graph(layers, edges, "runtime").nodes[[col.NODE_ID, col.LEVEL]].T.values))

    assert levels["runtime/4"] == levels["runtime/3"] - 1


def test_long_edge_passes_beside_nodes() -> None:
    # A skip edge from 1 to 6 around the chain 2..5: the chain must leave the skip's column free.
    links = [(index, index + 1, 0) for index in range(6)] + [(1, 6, 1), (6, 7, 0)]
    layers, edges = runtime_tables(["Input", *["Eltwise"] * 6, "Output"], links)
    x_of = dict(zip(*build_display_graph(layers, edges, "runtime").nodes[[col.NODE_ID, col.X]].T.values))

    assert x_of["runtime/1"] == x_of["runtime/6"]
    for middle in ("runtime/2", "runtime/3", "runtime/4", "runtime/5"):
        assert x_of[middle] != x_of["runtime/1"]


def test_cycle_laid_out_with_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ovstudio.graph.layering"):
        positions = layered_layout(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")])

    assert [positions[node].level for node in "abc"] == [0, 1, 2]
    assert "cycle" in caplog.text


def test_layout_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="duplicates"):
        layered_layout(["a", "a"], [])
    with pytest.raises(ValueError, match="not in node_ids"):
        layered_layout(["a"], [("a", "b")])


def test_parallel_edges_and_self_loops_ignored() -> None:
    positions = layered_layout(["a", "b"], [("a", "b"), ("a", "b"), ("b", "b")])

    assert positions["a"].level == 0
    assert positions["b"].level == 1
    assert positions["a"].x == positions["b"].x


def test_layout_on_random_dags_points_down() -> None:
    generator = random.Random(7)
    for _ in range(20):
        count = generator.randint(1, 80)
        ids = [f"n{index}" for index in range(count)]
        pairs = [(ids[generator.randrange(index)], ids[index]) for index in range(1, count) for _ in range(2)]
        positions = layered_layout(ids, pairs)

        assert all(positions[target].y > positions[source].y for source, target in pairs)
        assert len({(position.x, position.y) for position in positions.values()}) == count
        assert min(position.x for position in positions.values()) == 0


# --- Windows ---------------------------------------------------------------------------------


def test_neighborhood_grows_both_ways() -> None:
    graph = chain_graph(10)

    assert neighborhood(graph, ["runtime/5"], 1) == ["runtime/5"]
    assert neighborhood(graph, ["runtime/5"], 3) == ["runtime/5", "runtime/4", "runtime/6"]
    assert neighborhood(graph, ["runtime/5"], 4) == ["runtime/5", "runtime/4", "runtime/6", "runtime/3"]


def test_neighborhood_respects_max_nodes() -> None:
    layers, edges = synthetic_layers(500, seed=3)
    graph = build_display_graph(layers, edges, "runtime")
    center = graph.nodes[col.NODE_ID].iloc[len(graph.nodes) // 2]

    for max_nodes in (1, 7, 50, 150):
        window = neighborhood(graph, [center], max_nodes)
        assert window[0] == center
        assert len(window) == max_nodes
        assert len(set(window)) == max_nodes


def test_neighborhood_whole_component_when_small() -> None:
    graph = chain_graph(6)

    assert sorted(neighborhood(graph, ["runtime/0"], 100), key=layer_order_key) == list(graph.nodes[col.NODE_ID])


def test_neighborhood_several_centers() -> None:
    graph = chain_graph(20)
    window = neighborhood(graph, ["runtime/15", "runtime/3", "runtime/15"], 6)

    assert window[:2] == ["runtime/15", "runtime/3"]
    assert set(window[2:]) == {"runtime/2", "runtime/4", "runtime/14", "runtime/16"}
    assert neighborhood(graph, ["runtime/15", "runtime/3"], 1) == ["runtime/15"]


def test_neighborhood_rejects_bad_input() -> None:
    graph = chain_graph(4)

    with pytest.raises(ValueError, match="not nodes"):
        neighborhood(graph, ["runtime/99"], 5)
    with pytest.raises(ValueError, match="max_nodes"):
        neighborhood(graph, ["runtime/1"], 0)


def test_subgraph_keeps_positions() -> None:
    layers, edges = synthetic_layers(300, seed=4)
    graph = build_display_graph(layers, edges, "runtime")
    center = graph.nodes[col.NODE_ID].iloc[40]
    window = neighborhood(graph, [center], 25)
    part = subgraph(graph, window)
    window_ids = set(window)

    expected = graph.nodes[graph.nodes[col.NODE_ID].isin(window_ids)].reset_index(drop=True)
    pd.testing.assert_frame_equal(part.nodes, expected)
    assert set(part.edges[col.SOURCE]) | set(part.edges[col.TARGET]) <= window_ids
    both_in_window = graph.edges[col.SOURCE].isin(window_ids) & graph.edges[col.TARGET].isin(window_ids)
    assert len(part.edges) == both_in_window.sum()
    assert set(part.node_of.values()) == window_ids
    assert part.side == "runtime"


def test_subgraph_rejects_unknown_node() -> None:
    with pytest.raises(ValueError, match="not nodes"):
        subgraph(chain_graph(3), ["runtime/7"])


# --- Synthetic networks ----------------------------------------------------------------------


def test_synthetic_exact_count_and_schema() -> None:
    for count in (2, 3, 45, 777):
        layers, edges = synthetic_layers(count, seed=count)

        assert len(layers) == count
        assert list(layers.columns) == RUNTIME_LAYERS.column_names
        assert list(edges.columns) == RUNTIME_EDGES.column_names
        assert layers["layer_type"].iloc[0] == "Input"
        assert layers["layer_type"].iloc[-1] == "Output"
        assert set(edges["source_id"]) | set(edges["target_id"]) <= set(layers["layer_id"])


def test_synthetic_deterministic_by_seed() -> None:
    first_layers, first_edges = synthetic_layers(300, seed=9)
    second_layers, second_edges = synthetic_layers(300, seed=9)
    other_layers, _ = synthetic_layers(300, seed=10)

    pd.testing.assert_frame_equal(first_layers, second_layers)
    pd.testing.assert_frame_equal(first_edges, second_edges)
    assert list(first_layers["layer_type"]) != list(other_layers["layer_type"])


def test_synthetic_has_network_structure() -> None:
    layers, edges = synthetic_layers(3000, seed=1)
    types = dict(zip(layers["layer_id"], layers["layer_type"]))
    in_degree = edges.groupby("target_id").size()
    const_consumers = edges[edges["source_id"].map(types) == "Const"].groupby("source_id").size()

    assert 0.3 < (layers["layer_type"] == "Const").mean() < 0.6
    assert (const_consumers > 1).any()
    assert any(types[target] == "Concatenation" and degree > 2 for target, degree in in_degree.items())
    assert any(types[target] == "Eltwise" and degree == 2 for target, degree in in_degree.items())


def test_synthetic_rejects_tiny_count() -> None:
    with pytest.raises(ValueError, match="at least"):
        synthetic_layers(1, seed=0)


def test_relaid_window_is_compact() -> None:
    graph = chain_graph(400)
    window = neighborhood(graph, ["runtime/200"], 40)
    part = relaid_subgraph(graph, window)
    nodes = part.nodes

    assert set(nodes[col.NODE_ID]) == set(window)
    assert nodes[col.LEVEL].min() == 0
    assert nodes[col.Y].max() - nodes[col.Y].min() < graph.nodes[col.Y].max() - graph.nodes[col.Y].min()
    assert not nodes.duplicated([col.X, col.Y]).any()
