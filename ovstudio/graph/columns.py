"""Columns of the display graph's node and edge DataFrames, each declared once with its meaning.

Positions are pixels in the coordinate space of vis-network: x grows to the right, y grows
downward, and the first level of the layout is at y = 0.
"""

from __future__ import annotations

# --- Node columns ----------------------------------------------------------------------------

NODE_ID = "node_id"
LABEL = "label"
NAME = "name"
TYPE = "type"
FOLDED = "folded"
SHARED_CONSTANTS = "shared_constants"
LEVEL = "level"
X = "x"
Y = "y"

NODE_COLUMNS: dict[str, str] = {
    NODE_ID: "layer_id of the drawn layer (IR or runtime), so it joins the session's layer tables.",
    LABEL: "Text drawn on the node: the layer type.",
    NAME: "Friendly name of the layer; may repeat within a model.",
    TYPE: "Layer type: the IR operation type, or the runtime layerType such as Reorder.",
    FOLDED: "Tuple of layer_ids of the constants drawn inside this node, in layer order; empty when none.",
    SHARED_CONSTANTS: (
        "Tuple of layer_ids of constants this layer also consumes but that are folded into an "
        "earlier consumer, in layer order; empty when none."
    ),
    LEVEL: "Row of the layered layout, from 0 at the top; every edge goes to a higher level.",
    X: "Horizontal position of the node's center, pixels.",
    Y: "Vertical position of the node's center, pixels; equal for all nodes of a level.",
}

# --- Edge columns ----------------------------------------------------------------------------

EDGE_ID = "edge_id"
SOURCE = "source"
SOURCE_PORT = "source_port"
TARGET = "target"
TARGET_PORT = "target_port"
SHAPE = "shape"
ELEMENT_TYPE = "element_type"

EDGE_COLUMNS: dict[str, str] = {
    EDGE_ID: "Unique id '<source>:<source_port>-><target>:<target_port>', stable across runs.",
    SOURCE: "node_id of the producing node.",
    SOURCE_PORT: "Output port index of the producer.",
    TARGET: "node_id of the consuming node.",
    TARGET_PORT: "Input port index of the consumer.",
    SHAPE: "Partial shape of the tensor on the edge, such as [1,64,56,56].",
    ELEMENT_TYPE: "Element type of the tensor on the edge, such as f32.",
}
