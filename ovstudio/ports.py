"""Input and output ports of a layer, with their shapes and element types.

Inputs come from the edge table of the layer's graph (one edge per consumed input port) and
outputs from the layer's own row: ``output_shapes`` and ``output_element_types`` for an IR
layer, ``output_shapes`` and the comma-separated ``output_precisions`` for a runtime layer.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd

from ovstudio.layer_lookup import Side


@dataclasses.dataclass(frozen=True)
class InputPort:
    """An input port and the tensor that feeds it."""

    port: int
    source_id: str
    # Friendly name of the producing layer; empty when the producer is not in the layer table.
    source_name: str
    source_port: int
    shape: str
    element_type: str


@dataclasses.dataclass(frozen=True)
class OutputPort:
    """An output port; ``shape`` or ``element_type`` is None when the session does not record it."""

    port: int
    shape: str | None
    element_type: str | None


def input_ports(layers: pd.DataFrame, edges: pd.DataFrame, layer_id: str) -> tuple[InputPort, ...]:
    """Return the input ports of ``layer_id`` in port order, from the edges into it."""
    incoming = edges.loc[edges["target_id"] == layer_id].sort_values("target_port", kind="stable")
    names = dict(zip(layers["layer_id"], layers["name"]))
    columns = zip(incoming["target_port"], incoming["source_id"], incoming["source_port"], incoming["shape"],
                  incoming["element_type"])
    return tuple(
        InputPort(int(port), str(source), str(names.get(source, "")), int(source_port), str(shape),
                  str(element_type))
        for port, source, source_port, shape, element_type in columns
    )


def output_ports(layer: pd.Series, side: Side) -> tuple[OutputPort, ...]:
    """Return the output ports of a layer row of ``side``."""
    shapes = [str(shape) for shape in _as_list(layer["output_shapes"])]
    if side == "ir":
        types = [str(element_type) for element_type in _as_list(layer["output_element_types"])]
    else:
        types = _split_precisions(layer["output_precisions"])

    ports = []
    for port in range(max(len(shapes), len(types))):
        shape = shapes[port] if port < len(shapes) else None
        element_type = types[port] if port < len(types) else None
        ports.append(OutputPort(port, shape, element_type))
    return tuple(ports)


def _split_precisions(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple, np.ndarray)):
        return list(value)
    return []
