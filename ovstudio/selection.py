"""Keep the runtime graph and the IR graph in sync when the user selects a layer.

The mapping between the two graphs is many-to-many, so a selection on one side highlights a
set of layers on the other:

- a runtime layer highlights the IR layers in its originalLayersNames (several when fused);
- an IR layer highlights every runtime layer that lists it (several when split);
- a nested IR layer, inside an If, Loop or TensorIterator body, highlights the runtime layers of
  the main-graph layer that contains it, because the runtime model does not expose bodies.

When the other graph has nothing to highlight, a notice for that graph explains why.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from ovstudio.layer_lookup import Side, check_side, layer_row
from ovstudio.mapping import MAIN_GRAPH_ID, ir_layers_of, runtime_layers_of
from ovstudio.session.store import Session


@dataclasses.dataclass(frozen=True)
class SelectionResult:
    """The layers to highlight in both graphs after selecting ``layer_id`` on ``side``.

    ``notice_runtime`` and ``notice_ir`` are a sentence to show on that graph when it has no
    counterpart to highlight, or None.
    """

    side: Side
    layer_id: str
    runtime_ids: tuple[str, ...]
    ir_ids: tuple[str, ...]
    notice_runtime: str | None = None
    notice_ir: str | None = None


def select_layer(session: Session, side: Side, layer_id: str) -> SelectionResult:
    """Select a layer of a session; see ``select_layer_in``."""
    return select_layer_in(
        session.table("runtime_layers"),
        session.table("ir_layers"),
        session.table("mapping"),
        side,
        layer_id,
        runtime_model_error=session.info.get("runtime_model_error"),
    )


def select_layer_in(
    runtime_layers: pd.DataFrame,
    ir_layers: pd.DataFrame,
    mapping: pd.DataFrame,
    side: Side,
    layer_id: str,
    runtime_model_error: str | None = None,
) -> SelectionResult:
    """Select ``layer_id`` on ``side`` and find its counterparts on the other graph.

    ``runtime_model_error`` is the session's reason for a missing runtime model, quoted in the
    notice when ``runtime_layers`` is empty. Raises LayerNotFoundError when ``layer_id`` is not
    in the table of ``side``, and InvalidSettingError for an unknown side.
    """
    if check_side(side) == "runtime":
        return _select_runtime_layer(runtime_layers, mapping, layer_id)
    if runtime_layers.empty:
        layer_row(ir_layers, "ir", layer_id)
        notice = _no_runtime_model(runtime_model_error)
        return SelectionResult("ir", layer_id, (), (layer_id,), notice_runtime=notice)
    return _select_ir_layer(ir_layers, mapping, layer_id)


def _select_runtime_layer(
    runtime_layers: pd.DataFrame, mapping: pd.DataFrame, layer_id: str
) -> SelectionResult:
    layer = layer_row(runtime_layers, "runtime", layer_id)
    ir_ids = _unique(ir_layers_of(mapping, layer_id))
    notice = None if ir_ids else _inserted_notice(layer)
    return SelectionResult("runtime", layer_id, (layer_id,), ir_ids, notice_ir=notice)


def _select_ir_layer(ir_layers: pd.DataFrame, mapping: pd.DataFrame, layer_id: str) -> SelectionResult:
    layer = layer_row(ir_layers, "ir", layer_id)
    if layer["graph_id"] != MAIN_GRAPH_ID:
        return _select_nested_ir_layer(ir_layers, mapping, layer)

    runtime_ids = _unique(runtime_layers_of(mapping, layer_id))
    notice = None if runtime_ids else _removed_notice(layer)
    return SelectionResult("ir", layer_id, runtime_ids, (layer_id,), notice_runtime=notice)


def _select_nested_ir_layer(
    ir_layers: pd.DataFrame, mapping: pd.DataFrame, layer: pd.Series
) -> SelectionResult:
    parent = layer_row(ir_layers, "ir", _main_graph_ancestor(ir_layers, layer))
    runtime_ids = _unique(runtime_layers_of(mapping, parent["layer_id"]))
    notice = _nested_notice(layer, parent, has_runtime_layers=bool(runtime_ids))
    layer_id = str(layer["layer_id"])
    return SelectionResult("ir", layer_id, runtime_ids, (layer_id,), notice_runtime=notice)


def _main_graph_ancestor(ir_layers: pd.DataFrame, layer: pd.Series) -> str:
    """Return the layer_id of the main-graph layer whose bodies contain ``layer``."""
    graph_ids = dict(zip(ir_layers["layer_id"], ir_layers["graph_id"]))
    graph_id = str(layer["graph_id"])
    # A body's graph_id is '<parent layer_id>/body<N>', so dropping the last part gives the parent.
    parent_id = graph_id.rsplit("/", 1)[0]
    while graph_ids.get(parent_id, MAIN_GRAPH_ID) != MAIN_GRAPH_ID:
        parent_id = str(graph_ids[parent_id]).rsplit("/", 1)[0]
    return parent_id


def _inserted_notice(layer: pd.Series) -> str:
    subject = f"Runtime layer {layer['name']!r} ({layer['layer_type']})"
    original_names = _as_list(layer["original_layer_names"])
    if original_names:
        listed = ", ".join(repr(name) for name in original_names)
        return (
            f"{subject} lists the original layers {listed}, but none of them is an IR layer: "
            "the plugin made it while compiling the model."
        )
    return f"{subject} is not in the IR: the plugin inserted it while compiling the model."


def _removed_notice(layer: pd.Series) -> str:
    return (
        f"IR layer {layer['name']!r} ({layer['type']}) has no runtime layer: no execution node lists it "
        "in originalLayersNames. The plugin removed it while compiling (constant folding, for example) or "
        "fused it into a neighbor without recording its name."
    )


def _nested_notice(layer: pd.Series, parent: pd.Series, has_runtime_layers: bool) -> str:
    subject = (
        f"IR layer {layer['name']!r} ({layer['type']}) is inside a body of {parent['type']} "
        f"{parent['name']!r}, and the runtime model does not expose bodies"
    )
    if has_runtime_layers:
        return f"{subject}, so the runtime layers of {parent['name']!r} are highlighted."
    return f"{subject}. {parent['name']!r} has no runtime layer either."


def _no_runtime_model(reason: str | None) -> str:
    if reason:
        return f"This session has no runtime model ({reason}), so no runtime layer can be highlighted."
    return "This session has no runtime model, so no runtime layer can be highlighted."


def _unique(layer_ids: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(layer_ids))


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        return list(value)
    return []
