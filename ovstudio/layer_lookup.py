"""Find a layer of a session by graph side and layer_id.

The viewer shows two graphs of one session: the runtime model (execution nodes, table
``runtime_layers``) and the original IR (table ``ir_layers``). Selection, details and search
take a ``side`` to say which graph a layer_id belongs to.
"""

from __future__ import annotations

from typing import Literal, get_args

import pandas as pd

from ovstudio.errors import InvalidSettingError, OvStudioError
from ovstudio.session.store import Session

Side = Literal["runtime", "ir"]
SIDES: tuple[Side, ...] = get_args(Side)

# Table of each side's layers and edges, and the column with the layer's operation type.
LAYER_TABLES: dict[Side, str] = {"runtime": "runtime_layers", "ir": "ir_layers"}
EDGE_TABLES: dict[Side, str] = {"runtime": "runtime_edges", "ir": "ir_edges"}
TYPE_COLUMNS: dict[Side, str] = {"runtime": "layer_type", "ir": "type"}

SIDE_NOUNS: dict[Side, str] = {"runtime": "runtime layer", "ir": "IR layer"}


class LayerNotFoundError(OvStudioError):
    """A layer_id is not in the session's table of that graph side."""


def check_side(side: str) -> Side:
    """Return ``side`` typed as Side; raises InvalidSettingError for any other value."""
    if side not in SIDES:
        raise InvalidSettingError(f"graph side {side!r} is invalid: expected one of {', '.join(SIDES)}")
    return side  # type: ignore[return-value]


def layers_of_side(session: Session, side: Side) -> pd.DataFrame:
    """Return the layer table of one graph side of a session."""
    return session.table(LAYER_TABLES[check_side(side)])


def edges_of_side(session: Session, side: Side) -> pd.DataFrame:
    """Return the edge table of one graph side of a session."""
    return session.table(EDGE_TABLES[check_side(side)])


def layer_row(layers: pd.DataFrame, side: Side, layer_id: str) -> pd.Series:
    """Return the row of ``layer_id`` in a layer table; raises LayerNotFoundError when absent."""
    rows = layers.loc[layers["layer_id"] == layer_id]
    if rows.empty:
        raise LayerNotFoundError(_not_found_message(layers, side, layer_id))
    return rows.iloc[0]


def _not_found_message(layers: pd.DataFrame, side: Side, layer_id: str) -> str:
    noun = SIDE_NOUNS[side]
    if layers.empty:
        return f"{noun} {layer_id!r} not found: this session has no {noun}s"
    return (
        f"{noun} {layer_id!r} not found: this session's {LAYER_TABLES[side]} has {len(layers)} layers, "
        f"from {layers['layer_id'].iloc[0]!r} to {layers['layer_id'].iloc[-1]!r}; "
        "pick a layer_id from that table"
    )
