"""Session tables built by hand from partial rows, for edge cases real models do not have."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ovstudio.session.frames import empty_table, normalize_table
from ovstudio.session.schema import IR_LAYERS, MAPPING, RUNTIME_LAYERS

RUNTIME_DEFAULTS: dict[str, Any] = {
    "layer_type": "Eltwise", "original_layer_names": [], "output_shapes": [], "rt_info": {},
    "sample_count": 0, "mapping_class": "intact",
}
IR_DEFAULTS: dict[str, Any] = {
    "graph_id": "main", "type": "Add", "opset": "opset1", "attributes_json": "{}", "rt_info": {},
    "output_shapes": ["[1]"], "output_element_types": ["f32"], "body_count": 0, "mapping_class": "mapped",
}


def runtime_layers(rows: list[dict[str, Any]], **defaults: Any) -> pd.DataFrame:
    """Build a runtime_layers table; row i gets layer_id runtime/i and name layer<i> unless given.

    ``defaults`` replace entries of RUNTIME_DEFAULTS for every row.
    """
    base = {**RUNTIME_DEFAULTS, **defaults}
    full_rows = [{**base, "layer_id": f"runtime/{index}", "name": f"layer{index}", **row}
                 for index, row in enumerate(rows)]
    if not full_rows:
        return empty_table(RUNTIME_LAYERS)
    return normalize_table(RUNTIME_LAYERS, pd.DataFrame(full_rows))


def ir_layers(rows: list[dict[str, Any]], **defaults: Any) -> pd.DataFrame:
    """Build an ir_layers table; row i gets layer_id main/i and name ir<i> unless given.

    ``defaults`` replace entries of IR_DEFAULTS for every row.
    """
    base = {**IR_DEFAULTS, **defaults}
    full_rows = [{**base, "layer_id": f"main/{index}", "name": f"ir{index}", **row}
                 for index, row in enumerate(rows)]
    return normalize_table(IR_LAYERS, pd.DataFrame(full_rows))


def mapping(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Build a mapping table from (runtime_id, ir_id) pairs; original_name is the ir_id."""
    frame = pd.DataFrame([{"runtime_id": runtime_id, "ir_id": ir_id, "original_name": ir_id}
                          for runtime_id, ir_id in pairs])
    return normalize_table(MAPPING, frame) if pairs else empty_table(MAPPING)
