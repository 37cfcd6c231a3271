"""Synthetic runtime models shaped like convolutional networks, for tests and layout benchmarks.

``synthetic_layers`` returns ``runtime_layers`` and ``runtime_edges`` tables with the columns and
dtypes of a session read from disk. The graph is built from blocks of the kinds that real
networks repeat:

- chain: a convolution and an activation;
- residual (ResNet): two convolutions and an Eltwise add of the block input, a skip edge;
- dense (DenseNet): each step concatenates the block input with every earlier step's output;
- inception (GoogLeNet): two to four parallel branches joined by one Concatenation;
- long skip (U-Net): a Concatenation of the current output with the output of a block up to
  ten blocks back;
- shared scale: one Const that two Eltwise layers consume, as silero-vad's IR has.

Every convolution takes a weights Const on port 1 and a bias Const on port 2, so 47 to 49% of
the layers are Const for 2,000 to 8,000 layers, near the 42% of light_densenet121's runtime
model on CPU.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pandas as pd

from ovstudio.session.frames import normalize_table
from ovstudio.session.schema import RUNTIME_EDGES, RUNTIME_LAYERS

# Layers the largest block can add: an inception block of four branches, each a Pooling and three
# convolutions. Blocks stop this far from ``count``, so the network ends on exactly ``count`` layers.
MAX_BLOCK_LAYERS = 41
ELEMENT_TYPE = "f32"
SPATIAL_SIZE = 56


class _Builder:
    """Rows of the two tables, appended in topological order like get_ordered_ops."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.layers: list[dict[str, object]] = []
        self.edges: list[dict[str, object]] = []
        self.channels: list[int] = []
        self.shapes: list[str] = []
        self.block_outputs: list[int] = []

    def add(self, layer_type: str, inputs: list[int], channels: int) -> int:
        index = len(self.layers)
        name = f"{layer_type}_{index}"
        shape = _shape(channels) if layer_type != "Const" else f"[{channels}]"
        self.layers.append({
            "layer_id": _layer_id(index),
            "name": name,
            "layer_type": layer_type,
            "exec_order": index,
            "runtime_precision": ELEMENT_TYPE,
            "output_precisions": ELEMENT_TYPE,
            "original_layers_names": name,
            "original_layer_names": [name],
            "output_shapes": [shape],
            "rt_info": {"layerType": layer_type, "execOrder": str(index)},
            "sample_count": 0,
            "mapping_class": "inserted" if layer_type == "Reorder" else "intact",
        })
        self.channels.append(channels)
        self.shapes.append(shape)
        for port, source in enumerate(inputs):
            self._connect(source, index, port)
        return index

    def _connect(self, source: int, target: int, port: int) -> None:
        self.edges.append({
            "source_id": _layer_id(source),
            "source_port": 0,
            "target_id": _layer_id(target),
            "target_port": port,
            "shape": self.shapes[source],
            "element_type": ELEMENT_TYPE,
        })

    def convolution(self, source: int, channels: int) -> int:
        weights = self.add("Const", [], channels * self.channels[source])
        bias = self.add("Const", [], channels)
        return self.add("Convolution", [source, weights, bias], channels)


def synthetic_layers(count: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (runtime_layers, runtime_edges) of a synthetic network with exactly ``count`` layers.

    The same count and seed always give the same tables. The first layer is the Input and the
    last the Output. Raises ValueError when ``count`` is below 2.
    """
    if count < 2:
        raise ValueError(f"count {count} is too small; a synthetic network needs at least an Input and an Output")

    builder = _Builder(random.Random(seed))
    current = builder.add("Input", [], 3)
    blocks = list(_BLOCKS.values())
    while len(builder.layers) + MAX_BLOCK_LAYERS < count - 1:
        builder.block_outputs.append(current)
        current = builder.rng.choice(blocks)(builder, current)

    # Activations fill the remainder, so the count is exact.
    while len(builder.layers) < count - 1:
        current = builder.add("Eltwise", [current], builder.channels[current])
    builder.add("Output", [current], builder.channels[current])

    layers = normalize_table(RUNTIME_LAYERS, pd.DataFrame(builder.layers))
    edges = normalize_table(RUNTIME_EDGES, pd.DataFrame(builder.edges))
    return layers, edges


def _chain_block(builder: _Builder, source: int) -> int:
    convolved = builder.convolution(source, builder.rng.choice((32, 64, 128)))
    return builder.add("Eltwise", [convolved], builder.channels[convolved])


def _residual_block(builder: _Builder, source: int) -> int:
    channels = builder.channels[source]
    branch = builder.convolution(source, channels)
    branch = builder.add("Eltwise", [branch], channels)
    branch = builder.convolution(branch, channels)
    return builder.add("Eltwise", [branch, source], channels)


def _dense_block(builder: _Builder, source: int) -> int:
    outputs = [source]
    for _ in range(builder.rng.randint(2, 4)):
        channels = sum(builder.channels[output] for output in outputs)
        joined = builder.add("Concatenation", list(outputs), channels) if len(outputs) > 1 else source
        activated = builder.add("Subgraph", [joined], builder.channels[joined])
        outputs.append(builder.convolution(activated, 32))
    return builder.add("Concatenation", outputs, sum(builder.channels[output] for output in outputs))


def _inception_block(builder: _Builder, source: int) -> int:
    ends = []
    for _ in range(builder.rng.randint(2, 4)):
        end = source
        if builder.rng.random() < 0.25:
            end = builder.add("Pooling", [end], builder.channels[end])
        for _ in range(builder.rng.randint(1, 3)):
            end = builder.convolution(end, 32)
        ends.append(end)
    return builder.add("Concatenation", ends, sum(builder.channels[end] for end in ends))


def _long_skip_block(builder: _Builder, source: int) -> int:
    earlier = builder.rng.choice(builder.block_outputs[-10:])
    if earlier == source:
        return _chain_block(builder, source)
    reordered = builder.add("Reorder", [earlier], builder.channels[earlier])
    channels = builder.channels[source] + builder.channels[reordered]
    return builder.add("Concatenation", [source, reordered], channels)


def _shared_scale_block(builder: _Builder, source: int) -> int:
    channels = builder.channels[source]
    scale = builder.add("Const", [], 1)
    scaled = builder.add("Eltwise", [source, scale], channels)
    convolved = builder.convolution(scaled, channels)
    return builder.add("Eltwise", [convolved, scale], channels)


_BLOCKS: dict[str, Callable[[_Builder, int], int]] = {
    "chain": _chain_block,
    "residual": _residual_block,
    "dense": _dense_block,
    "inception": _inception_block,
    "long_skip": _long_skip_block,
    "shared_scale": _shared_scale_block,
}


def _layer_id(index: int) -> str:
    return f"runtime/{index}"


def _shape(channels: int) -> str:
    return f"[1,{channels},{SPATIAL_SIZE},{SPATIAL_SIZE}]"
