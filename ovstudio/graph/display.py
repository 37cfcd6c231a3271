"""The graph the studio draws for one side of a session: the IR graph or the runtime graph.

Only the main IR graph is drawn. A TensorIterator, Loop or If is one ordinary node, and the
layers of its bodies map to that node. Constants are folded into their first consumer (see
``ovstudio.graph.folding``). Node positions come from ``ovstudio.graph.layout``, computed once
per graph and folded into side-by-side bands when the graph is tall (``ovstudio.graph.bands``),
so the UI only draws.
"""

from __future__ import annotations

import dataclasses
import logging

import pandas as pd

from ovstudio.graph import columns as col
from ovstudio.graph.bands import fold_into_bands
from ovstudio.graph.folding import Folding, fold_constants
from ovstudio.graph.layout import DEFAULT_SPACING, NodePosition, Spacing, layered_layout
from ovstudio.layer_lookup import EDGE_TABLES, LAYER_TABLES, SIDES, TYPE_COLUMNS, Side
from ovstudio.mapping import MAIN_GRAPH_ID

logger = logging.getLogger(__name__)

# Layer type of a constant: the IR operation type, and the runtime layerType the CPU plugin reports.
CONSTANT_TYPES: dict[Side, str] = {"ir": "Constant", "runtime": "Const"}
# Table names of each side, as (layers, edges), for messages.
TABLE_NAMES: dict[Side, tuple[str, str]] = {side: (LAYER_TABLES[side], EDGE_TABLES[side]) for side in SIDES}

_EDGE_INPUT_COLUMNS = ("source_id", "source_port", "target_id", "target_port", "shape", "element_type")


@dataclasses.dataclass(frozen=True, eq=False)
class DisplayGraph:
    """Nodes with their positions, edges between them, and the node that shows each layer."""

    side: Side
    # Columns ovstudio.graph.columns.NODE_COLUMNS, one row per drawn layer, in layer order.
    nodes: pd.DataFrame
    # Columns ovstudio.graph.columns.EDGE_COLUMNS, sorted by source then target, in layer order.
    edges: pd.DataFrame
    # layer_id -> node_id for every layer of the table: drawn, folded, or inside an IR body.
    node_of: dict[str, str]


def build_display_graph(
    layers: pd.DataFrame,
    edges: pd.DataFrame,
    side: Side,
    spacing: Spacing = DEFAULT_SPACING,
    bands: bool = True,
) -> DisplayGraph:
    """Build the display graph of ``ir_layers`` and ``ir_edges``, or of the runtime tables.

    Layer order is the index at the end of each layer_id (the position in get_ordered_ops), not
    the row order, so shuffled rows give the same graph. Edges that name a layer missing from
    ``layers`` are dropped with a warning. Raises ValueError for an unknown side, missing
    columns or repeated layer_ids.
    """
    if side not in SIDES:
        raise ValueError(f"side {side!r} is invalid; expected one of {SIDES}")
    if layers.empty:
        return empty_display_graph(side)
    _check_columns(layers, _layer_columns(side), TABLE_NAMES[side][0])
    if not edges.empty:
        _check_columns(edges, _edge_columns(side), TABLE_NAMES[side][1])

    drawn = _drawn_layers(layers, side)
    layer_ids = drawn["layer_id"].tolist()
    links = _drawn_edges(edges, side, layer_ids)
    constant_ids = set(drawn.loc[drawn["type"] == CONSTANT_TYPES[side], "layer_id"])
    folding = fold_constants(layer_ids, constant_ids, zip(links["source_id"], links["target_id"]))

    node_ids = [layer_id for layer_id in layer_ids if layer_id not in folding.consumer_of]
    edge_frame = _edge_frame(links, folding)
    layered = layered_layout(node_ids, zip(edge_frame[col.SOURCE], edge_frame[col.TARGET]), spacing)
    positions = fold_into_bands(layered, spacing) if bands else layered
    nodes = _node_frame(drawn, folding, positions)
    node_of = _node_of(layers["layer_id"].tolist(), folding, set(node_ids))

    logger.debug(
        "display graph of the %s side: %d layers, %d nodes, %d edges, %d constants folded",
        side, len(layers), len(nodes), len(edge_frame), len(folding.consumer_of),
    )
    return DisplayGraph(side, nodes, edge_frame, node_of)


def empty_display_graph(side: Side) -> DisplayGraph:
    """Return a graph without nodes or edges, such as for a session without a runtime model."""
    nodes = pd.DataFrame({
        col.NODE_ID: pd.Series(dtype="str"),
        col.LABEL: pd.Series(dtype="str"),
        col.NAME: pd.Series(dtype="str"),
        col.TYPE: pd.Series(dtype="str"),
        col.FOLDED: pd.Series(dtype="object"),
        col.SHARED_CONSTANTS: pd.Series(dtype="object"),
        col.LEVEL: pd.Series(dtype="int64"),
        col.X: pd.Series(dtype="int64"),
        col.Y: pd.Series(dtype="int64"),
    })
    edges = pd.DataFrame({
        col.EDGE_ID: pd.Series(dtype="str"),
        col.SOURCE: pd.Series(dtype="str"),
        col.SOURCE_PORT: pd.Series(dtype="int64"),
        col.TARGET: pd.Series(dtype="str"),
        col.TARGET_PORT: pd.Series(dtype="int64"),
        col.SHAPE: pd.Series(dtype="str"),
        col.ELEMENT_TYPE: pd.Series(dtype="str"),
    })
    return DisplayGraph(side, nodes, edges, {})


def layer_order_key(layer_id: str) -> tuple[tuple[int, int, str], ...]:
    """Return a sort key that orders layer_ids by their numeric parts: main/2 before main/10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in layer_id.split("/"))


def main_graph_ancestor(layer_id: str) -> str:
    """Return the main-graph layer that contains ``layer_id``, itself for a main-graph layer.

    A body layer's id is '<parent layer_id>/body<N>/<index>', so the main-graph ancestor of
    'main/5/body0/3/body1/2' is 'main/5'.
    """
    return "/".join(layer_id.split("/")[:2])


def _layer_columns(side: Side) -> tuple[str, ...]:
    if side == "ir":
        return ("layer_id", "graph_id", "name", "type")
    return ("layer_id", "name", "layer_type")


def _edge_columns(side: Side) -> tuple[str, ...]:
    if side == "ir":
        return ("graph_id", *_EDGE_INPUT_COLUMNS)
    return _EDGE_INPUT_COLUMNS


def _check_columns(frame: pd.DataFrame, required: tuple[str, ...], table_name: str) -> None:
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise ValueError(
            f"{table_name} table is missing the columns {missing}; expected the columns of "
            f"ovstudio.session.schema.{table_name.upper()}"
        )


def _drawn_layers(layers: pd.DataFrame, side: Side) -> pd.DataFrame:
    """Return layer_id, name and type of the layers to draw, sorted in layer order."""
    if side == "ir":
        layers = layers[layers["graph_id"] == MAIN_GRAPH_ID]
    drawn = pd.DataFrame({
        "layer_id": layers["layer_id"].astype(str).to_numpy(),
        "name": layers["name"].astype(str).to_numpy(),
        "type": layers[TYPE_COLUMNS[side]].astype(str).to_numpy(),
    })

    repeated = drawn.loc[drawn["layer_id"].duplicated(), "layer_id"].tolist()
    if repeated:
        raise ValueError(
            f"{TABLE_NAMES[side][0]} table repeats the layer_ids {repeated[:5]}; "
            "every layer needs a unique layer_id, so read the session again or re-profile the model"
        )
    return drawn.sort_values("layer_id", key=_order_keys, ignore_index=True)


def _order_keys(layer_ids: pd.Series) -> pd.Series:
    return layer_ids.map(layer_order_key)


def _drawn_edges(edges: pd.DataFrame, side: Side, layer_ids: list[str]) -> pd.DataFrame:
    """Return the edges between drawn layers, sorted by source and target in layer order."""
    if edges.empty:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in _EDGE_INPUT_COLUMNS})
    if side == "ir":
        edges = edges[edges["graph_id"] == MAIN_GRAPH_ID]

    rank = {layer_id: position for position, layer_id in enumerate(layer_ids)}
    sources = edges["source_id"].map(rank)
    targets = edges["target_id"].map(rank)
    known = sources.notna() & targets.notna()
    if not known.all():
        logger.warning(
            "%d edges of %s name layers that are not in %s; they are not drawn",
            int((~known).sum()), TABLE_NAMES[side][1], TABLE_NAMES[side][0],
        )

    known_edges = edges.loc[known, list(_EDGE_INPUT_COLUMNS)].assign(
        _source_rank=sources[known].astype("int64"), _target_rank=targets[known].astype("int64")
    )
    known_edges = known_edges.sort_values(
        ["_source_rank", "source_port", "_target_rank", "target_port"], kind="stable", ignore_index=True
    )
    return known_edges.drop(columns=["_source_rank", "_target_rank"])


def _edge_frame(links: pd.DataFrame, folding: Folding) -> pd.DataFrame:
    """Return the edges between nodes: every edge that neither leaves nor enters a folded constant.

    An edge enters a folded constant only when a constant feeds another constant, which
    OpenVINO's constant folding leaves in no model read from a file.
    """
    folded = folding.consumer_of.keys()
    drawn_links = links[~links["source_id"].isin(folded) & ~links["target_id"].isin(folded)]
    sources = drawn_links["source_id"].astype(str).tolist()
    targets = drawn_links["target_id"].astype(str).tolist()
    source_ports = drawn_links["source_port"].astype("int64").tolist()
    target_ports = drawn_links["target_port"].astype("int64").tolist()
    edge_ids = [
        f"{source}:{source_port}->{target}:{target_port}"
        for source, source_port, target, target_port in zip(sources, source_ports, targets, target_ports)
    ]
    frame = pd.DataFrame({
        col.EDGE_ID: pd.Series(edge_ids, dtype="str"),
        col.SOURCE: pd.Series(sources, dtype="str"),
        col.SOURCE_PORT: pd.Series(source_ports, dtype="int64"),
        col.TARGET: pd.Series(targets, dtype="str"),
        col.TARGET_PORT: pd.Series(target_ports, dtype="int64"),
        col.SHAPE: pd.Series(drawn_links["shape"].astype(str).tolist(), dtype="str"),
        col.ELEMENT_TYPE: pd.Series(drawn_links["element_type"].astype(str).tolist(), dtype="str"),
    })

    repeated = frame[col.EDGE_ID].duplicated()
    if repeated.any():
        logger.warning("%d edges repeat a source and target port; each is drawn once", int(repeated.sum()))
        frame = frame[~repeated].reset_index(drop=True)
    return frame


def _node_frame(drawn: pd.DataFrame, folding: Folding, positions: dict[str, NodePosition]) -> pd.DataFrame:
    node_layers = drawn[drawn["layer_id"].isin(positions.keys())]
    node_ids = node_layers["layer_id"].tolist()
    types = node_layers["type"].tolist()
    placed = [positions[node_id] for node_id in node_ids]
    return pd.DataFrame({
        col.NODE_ID: pd.Series(node_ids, dtype="str"),
        col.LABEL: pd.Series(types, dtype="str"),
        col.NAME: pd.Series(node_layers["name"].tolist(), dtype="str"),
        col.TYPE: pd.Series(types, dtype="str"),
        col.FOLDED: pd.Series([folding.folded.get(node_id, ()) for node_id in node_ids], dtype="object"),
        col.SHARED_CONSTANTS: pd.Series([folding.shared.get(node_id, ()) for node_id in node_ids], dtype="object"),
        col.LEVEL: pd.Series([position.level for position in placed], dtype="int64"),
        col.X: pd.Series([position.x for position in placed], dtype="int64"),
        col.Y: pd.Series([position.y for position in placed], dtype="int64"),
    })


def _node_of(all_layer_ids: list[str], folding: Folding, node_ids: set[str]) -> dict[str, str]:
    """Map every layer to its node: itself, the consumer it is folded into, or its body's owner."""
    node_of: dict[str, str] = {}
    unplaced = []
    for layer_id in sorted(map(str, all_layer_ids), key=layer_order_key):
        ancestor = main_graph_ancestor(layer_id)
        node_id = folding.consumer_of.get(ancestor, ancestor)
        if node_id in node_ids:
            node_of[layer_id] = node_id
        else:
            unplaced.append(layer_id)
    if unplaced:
        logger.warning("%d layers have no drawn node, such as %s", len(unplaced), unplaced[0])
    return node_of
