"""Fold constant layers into the layers that consume them.

Weights, biases and shape operands are Constant layers in the IR and Const execution nodes in
the runtime model. They are 37 to 47% of the IR layers of light_squeezenet, light_densenet121
and ppocr_rec, so drawing each one would bury the data flow. A constant with a consumer is drawn inside its first consumer
in layer order instead. Other consumers of the same constant record it as a shared constant.
A constant that nothing consumes stays a node of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence


@dataclasses.dataclass(frozen=True, eq=False)
class Folding:
    """The consumer each folded constant is drawn in, and the constants of each consumer."""

    # Consumer layer_id of each folded constant.
    consumer_of: dict[str, str]
    # layer_id -> constants folded into it, in layer order.
    folded: dict[str, tuple[str, ...]]
    # layer_id -> constants it consumes that are folded into an earlier consumer, in layer order.
    shared: dict[str, tuple[str, ...]]


def fold_constants(
    layer_ids: Sequence[str],
    constant_ids: set[str],
    edges: Iterable[tuple[str, str]],
) -> Folding:
    """Attach each consumed constant to its first non-constant consumer in ``layer_ids`` order.

    ``layer_ids`` are in layer order, ``edges`` are (source, target) layer_id pairs between them.
    A constant that feeds only other constants is not folded.
    """
    rank = {layer_id: position for position, layer_id in enumerate(layer_ids)}
    consumers: dict[str, set[str]] = {}
    for source, target in edges:
        if source in constant_ids and target not in constant_ids:
            consumers.setdefault(source, set()).add(target)

    consumer_of: dict[str, str] = {}
    folded: dict[str, list[str]] = {}
    shared: dict[str, list[str]] = {}
    # Constants in layer order, so every tuple below comes out in layer order too.
    for constant in sorted(consumers, key=rank.__getitem__):
        first, *others = sorted(consumers[constant], key=rank.__getitem__)
        consumer_of[constant] = first
        folded.setdefault(first, []).append(constant)
        for other in others:
            shared.setdefault(other, []).append(constant)

    return Folding(
        consumer_of=consumer_of,
        folded={layer_id: tuple(constants) for layer_id, constants in folded.items()},
        shared={layer_id: tuple(constants) for layer_id, constants in shared.items()},
    )
