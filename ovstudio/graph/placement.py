"""Horizontal positions of ordered rows: the longest paths run straight down.

Each node is pulled toward its guides: of its predecessors, those on the longest path from a
source, and of its successors, those on the longest path to a sink. Following only the guides
keeps the main data path vertical. The mean of all neighbors would not: a convolution fed by
the previous layer and by a short weight branch beside it would drift half a column sideways at
every layer, and a deep network would lie on a diagonal.

Within a row, a node's priority is the length of the longest path through it. When two nodes
want the same place, the one of lower priority (a side branch) moves aside.
"""

from __future__ import annotations

import bisect
import math

from ovstudio.graph.layering import LayeredGraph

# Each sweep is one pass down and one pass up.
POSITION_SWEEPS = 2


def place_columns(graph: LayeredGraph, rows: list[list[int]], gap: int) -> list[int]:
    """Return the x of each real node, pixels, with the leftmost at 0 and ``gap`` apart in a row."""
    depths = _longest_paths(rows, graph.predecessors)
    heights = _longest_paths(rows[::-1], graph.successors)
    upper_guides = _guides(graph.predecessors, depths)
    lower_guides = _guides(graph.successors, heights)

    priorities = [depth + height for depth, height in zip(depths, heights)]
    xs = [0.0] * len(graph.levels)
    for row in rows:
        middle = (len(row) - 1) / 2
        for place, node in enumerate(row):
            xs[node] = (place - middle) * gap

    for _ in range(POSITION_SWEEPS):
        for row in rows:
            _place_row(row, upper_guides, priorities, xs, gap)
        for row in reversed(rows):
            _place_row(row, lower_guides, priorities, xs, gap)
    return _round_rows(rows, xs, gap, graph.real_count)


def _longest_paths(rows: list[list[int]], incoming: list[list[int]]) -> list[int]:
    """Return each node's longest path, in edges, from the first row's side of the graph."""
    lengths = [0] * len(incoming)
    for row in rows:
        for node in row:
            if incoming[node]:
                lengths[node] = max(lengths[other] for other in incoming[node]) + 1
    return lengths


def _guides(neighbors: list[list[int]], lengths: list[int]) -> list[list[int]]:
    """Return, for each node, the neighbors with the longest path length."""
    guides = []
    for adjacent in neighbors:
        longest = max((lengths[other] for other in adjacent), default=0)
        guides.append([other for other in adjacent if lengths[other] == longest])
    return guides


def _place_row(row: list[int], guides: list[list[int]], priorities: list[int], xs: list[float], gap: int) -> None:
    """Move the nodes of one row toward the mean x of their guides, keeping order and gap.

    Nodes are placed by priority class, highest first, and never move a node of a higher class.
    Within a class, with d_i the preferred x of the i-th node of the row, the class minimizes
    sum (x_i - d_i)^2 subject to x_(i+1) - x_i >= gap. Substituting x_i = z_i + i * gap turns
    this into isotonic regression of d_i - i * gap, which pool-adjacent-violators solves in
    linear time. Clipping each z_i between the z of the nearest placed nodes keeps the gap to them.
    """
    preferred = [_mean_x(guides[node], xs, xs[node]) for node in row]
    if len(row) == 1:
        # A row of one node, common in chains, has nothing to keep apart.
        xs[row[0]] = preferred[0]
        return
    shifted = [value - place * gap for place, value in enumerate(preferred)]

    classes: dict[int, list[int]] = {}
    for place, node in enumerate(row):
        classes.setdefault(priorities[node], []).append(place)

    fitted = [0.0] * len(row)
    placed: list[int] = []
    for priority in sorted(classes, reverse=True):
        places = classes[priority]
        for place, value in zip(places, _isotonic_fit([shifted[place] for place in places])):
            nearest = bisect.bisect_left(placed, place)
            if nearest > 0:
                value = max(value, fitted[placed[nearest - 1]])
            if nearest < len(placed):
                value = min(value, fitted[placed[nearest]])
            fitted[place] = value
        for place in places:
            bisect.insort(placed, place)

    for place, node in enumerate(row):
        xs[node] = fitted[place] + place * gap


def _mean_x(nodes: list[int], xs: list[float], default: float) -> float:
    if not nodes:
        return default
    return sum(xs[node] for node in nodes) / len(nodes)


def _isotonic_fit(values: list[float]) -> list[float]:
    """Return the non-decreasing sequence closest to ``values`` in least squares."""
    # Each block is [sum, count] of consecutive values that share one fitted value, their mean.
    blocks: list[list[float]] = []
    for value in values:
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count

    fitted = []
    for total, count in blocks:
        fitted.extend([total / count] * int(count))
    return fitted


def _round_rows(rows: list[list[int]], xs: list[float], gap: int, real_count: int) -> list[int]:
    """Round to whole pixels, keeping at least ``gap`` within a row, and shift the leftmost real node to 0."""
    rounded = [0] * len(xs)
    for row in rows:
        previous = None
        for node in row:
            value = math.floor(xs[node] + 0.5)
            if previous is not None:
                # Guards against float error in the row's solution.
                value = max(value, previous + gap)
            rounded[node] = value
            previous = value

    real = rounded[:real_count]
    left = min(real, default=0)
    return [value - left for value in real]
