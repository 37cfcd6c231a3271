"""Windows of a display graph: the nodes around a selection, drawn without the rest of the graph.

``subgraph`` keeps the positions of the whole graph's layout, so a node sits at the same place
whether the whole graph or a window around it is drawn. ``relaid_subgraph`` lays the window out
on its own, and the "only around selection" view draws that.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from ovstudio.graph import columns as col
from ovstudio.graph.bands import fold_into_bands
from ovstudio.graph.display import DisplayGraph
from ovstudio.graph.layout import DEFAULT_SPACING, Spacing, layered_layout


def neighborhood(graph: DisplayGraph, center_node_ids: Sequence[str], max_nodes: int) -> list[str]:
    """Return the nodes nearest to the centers, at most ``max_nodes``, nearest first.

    Distance is the number of edges on the shortest path that ignores edge direction. The
    centers come first, in the given order and without repeats. Each further distance follows,
    in node order (layer order), until ``max_nodes`` is reached, so the farthest distance may be
    cut short. When there are more centers than ``max_nodes``, only the first ``max_nodes``
    centers are returned. Raises ValueError for an unknown center or ``max_nodes`` below 1.
    """
    if max_nodes < 1:
        raise ValueError(f"max_nodes {max_nodes} is invalid; a window needs at least 1 node")
    rank = {node_id: position for position, node_id in enumerate(graph.nodes[col.NODE_ID])}
    unknown = [node_id for node_id in center_node_ids if node_id not in rank]
    if unknown:
        raise ValueError(f"center nodes {unknown[:5]} are not nodes of the {graph.side} display graph")

    chosen = list(dict.fromkeys(center_node_ids))[:max_nodes]
    seen = set(chosen)
    neighbors = _undirected_neighbors(graph)
    frontier = chosen
    while frontier and len(chosen) < max_nodes:
        ring = {other for node_id in frontier for other in neighbors.get(node_id, ()) if other not in seen}
        frontier = sorted(ring, key=rank.__getitem__)[: max_nodes - len(chosen)]
        chosen.extend(frontier)
        seen.update(ring)
    return chosen


def subgraph(graph: DisplayGraph, node_ids: Iterable[str]) -> DisplayGraph:
    """Return the part of ``graph`` with the given nodes and the edges between them.

    Nodes keep their level, x and y and their order in ``graph``. ``node_of`` keeps the layers
    shown by a kept node. Raises ValueError for a node_id that is not in ``graph``.
    """
    node_set = set(node_ids)
    nodes = graph.nodes
    unknown = node_set - set(nodes[col.NODE_ID])
    if unknown:
        raise ValueError(f"nodes {sorted(unknown)[:5]} are not nodes of the {graph.side} display graph")

    edges = graph.edges
    inner_edges = edges[edges[col.SOURCE].isin(node_set) & edges[col.TARGET].isin(node_set)]
    return dataclasses.replace(
        graph,
        nodes=nodes[nodes[col.NODE_ID].isin(node_set)].reset_index(drop=True),
        edges=inner_edges.reset_index(drop=True),
        node_of={layer_id: node_id for layer_id, node_id in graph.node_of.items() if node_id in node_set},
    )


def _undirected_neighbors(graph: DisplayGraph) -> dict[str, set[str]]:
    neighbors: dict[str, set[str]] = {}
    for source, target in zip(graph.edges[col.SOURCE], graph.edges[col.TARGET]):
        neighbors.setdefault(source, set()).add(target)
        neighbors.setdefault(target, set()).add(source)
    return neighbors


def relaid_subgraph(graph: DisplayGraph, node_ids: Iterable[str], spacing: Spacing = DEFAULT_SPACING) -> DisplayGraph:
    """Return the part of ``graph`` with the given nodes, laid out again on its own.

    A window of the whole graph's layout can straddle several bands, so a view fit to it would be
    zoomed far out. Laid out alone, the window is as compact as a graph of its size can be.
    Levels and positions are those of the new layout; node_of is as in ``subgraph``.
    """
    part = subgraph(graph, node_ids)
    nodes = part.nodes
    layered = layered_layout(list(nodes[col.NODE_ID]), zip(part.edges[col.SOURCE], part.edges[col.TARGET]), spacing)
    positions = fold_into_bands(layered, spacing)
    relaid = nodes.assign(
        **{
            col.LEVEL: [positions[node_id].level for node_id in nodes[col.NODE_ID]],
            col.X: [positions[node_id].x for node_id in nodes[col.NODE_ID]],
            col.Y: [positions[node_id].y for node_id in nodes[col.NODE_ID]],
        }
    ).astype({col.LEVEL: "int64", col.X: "int64", col.Y: "int64"})
    return dataclasses.replace(part, nodes=relaid)
