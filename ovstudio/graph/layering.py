"""Levels of a directed graph, and the proper layered graph the ordering and placement work on.

A proper layered graph has edges only between adjacent levels. An edge that spans several levels
is split by one dummy node on each level it passes. Dummies reserve a column for the edge in
every row it crosses, so the edge can pass beside the nodes of those rows instead of over them.
"""

from __future__ import annotations

import dataclasses
import logging

import networkx as nx

logger = logging.getLogger(__name__)

# Dummies per real node at most, which bounds the layout's time on graphs with many long edges.
# Edges get dummies shortest first. The longest edges beyond the budget get none, so no column
# is kept free for them and they may pass over nodes. The real models in the tests and
# synthetic_layers graphs need at most 1.9 dummies per node.
DUMMY_BUDGET_PER_NODE = 4


@dataclasses.dataclass(frozen=True, eq=False)
class LayeredGraph:
    """Nodes 0..real_count-1 are the graph's nodes, and later indices are dummies."""

    real_count: int
    levels: list[int]
    predecessors: list[list[int]]
    successors: list[list[int]]

    @property
    def level_count(self) -> int:
        return max(self.levels, default=-1) + 1


def build_layered_graph(count: int, pairs: list[tuple[int, int]]) -> LayeredGraph:
    """Assign levels to nodes 0..count-1 joined by (source, target) pairs, and add dummies.

    Parallel edges count once and self-loops are ignored. In a graph with a cycle, the pairs whose
    source does not come before its target in index order are ignored.
    """
    unique_pairs = _acyclic_pairs(count, list(dict.fromkeys(pair for pair in pairs if pair[0] != pair[1])))
    order = _topological_order(count, unique_pairs)
    successors: list[list[int]] = [[] for _ in range(count)]
    for source, target in unique_pairs:
        successors[source].append(target)

    levels = assign_levels(order, successors)
    return _add_dummies(count, levels, unique_pairs)


def assign_levels(topological_order: list[int], successors: list[list[int]]) -> list[int]:
    """Return each node's level: the longest path from a source, then moved down toward its successors.

    A node with successors moves to the level just above its nearest successor, so model
    inputs and branches fed only by weights sit beside the layer they feed instead of in the
    first row. Successors are final when a node is reached in reverse topological order, so
    every edge still goes to a higher level.
    """
    levels = [0] * len(successors)
    for node in topological_order:
        for successor in successors[node]:
            levels[successor] = max(levels[successor], levels[node] + 1)

    for node in reversed(topological_order):
        if successors[node]:
            levels[node] = min(levels[successor] for successor in successors[node]) - 1
    return levels


def _acyclic_pairs(count: int, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    graph = _digraph(count, pairs)
    if nx.is_directed_acyclic_graph(graph):
        return pairs
    logger.warning("graph of %d nodes has a cycle; edges that go back in layer order are ignored by the layout and point up", count)
    return [(source, target) for source, target in pairs if source < target]


def _topological_order(count: int, pairs: list[tuple[int, int]]) -> list[int]:
    return list(nx.topological_sort(_digraph(count, pairs)))


def _digraph(count: int, pairs: list[tuple[int, int]]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(count))
    graph.add_edges_from(pairs)
    return graph


def _add_dummies(count: int, levels: list[int], pairs: list[tuple[int, int]]) -> LayeredGraph:
    budget = DUMMY_BUDGET_PER_NODE * count
    spans = [levels[target] - levels[source] for source, target in pairs]
    # Shortest edges first, ties in edge order, so the budget goes to as many edges as possible.
    by_span = sorted(range(len(pairs)), key=spans.__getitem__)
    split = set()
    for edge in by_span:
        dummies = spans[edge] - 1
        if dummies > budget:
            break
        budget -= dummies
        split.add(edge)
    if len(split) < len(pairs):
        logger.debug("%d long edges stay without dummy nodes: over the budget", len(pairs) - len(split))

    all_levels = list(levels)
    predecessors: list[list[int]] = [[] for _ in range(count)]
    successors: list[list[int]] = [[] for _ in range(count)]
    for edge, (source, target) in enumerate(pairs):
        previous = source
        if edge in split:
            for level in range(levels[source] + 1, levels[target]):
                dummy = len(all_levels)
                all_levels.append(level)
                predecessors.append([])
                successors.append([])
                _link(previous, dummy, predecessors, successors)
                previous = dummy
        _link(previous, target, predecessors, successors)
    return LayeredGraph(count, all_levels, predecessors, successors)


def _link(source: int, target: int, predecessors: list[list[int]], successors: list[list[int]]) -> None:
    successors[source].append(target)
    predecessors[target].append(source)
