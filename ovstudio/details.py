"""Everything the details panel shows about one layer of either graph."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ovstudio.layer_lookup import TYPE_COLUMNS, Side, check_side, edges_of_side, layer_row, layers_of_side
from ovstudio.layer_table import status_label
from ovstudio.mapping import MAIN_GRAPH_ID, shared_name_count
from ovstudio.ports import InputPort, OutputPort, input_ports, output_ports
from ovstudio.selection import select_layer
from ovstudio.session.store import Session

logger = logging.getLogger(__name__)

# Columns of LayerDetails.iterations, taken from the counters table.
ITERATION_COLUMNS = ("iteration", "node_type", "exec_type", "status", "real_time_us", "cpu_time_us")


@dataclasses.dataclass(frozen=True)
class TimeStatistics:
    """Performance counter statistics of a runtime layer over pass 2, µs.

    Times are None when the layer has no time: it never executed, or the counters have no entry
    for it. ``status`` is the counter status of the last iteration as recorded (EXECUTED,
    NOT_RUN, OPTIMIZED_OUT or None) and ``status_text`` its display text.
    """

    status: str | None
    status_text: str
    median_us: float | None
    mean_us: float | None
    min_us: float | None
    max_us: float | None
    cpu_median_us: float | None
    sample_count: int
    exec_type: str | None
    # rt_info execTimeMcs of the last inference, as reported: a number of µs or 'not_executed'.
    exec_time_mcs: str | None


@dataclasses.dataclass(frozen=True)
class Counterpart:
    """A layer of the other graph linked to the selected one."""

    side: Side
    layer_id: str
    name: str
    layer_type: str
    mapping_class: str
    # Median real time of a runtime counterpart, µs; None for IR counterparts or without a time.
    time_median_us: float | None


@dataclasses.dataclass(frozen=True, eq=False)
class LayerDetails:
    """Identity, attributes, ports, timing and mapping of one layer.

    ``opset`` and ``graph_id`` are set for IR layers, ``primitive_type`` and ``time`` for
    runtime layers. ``iterations`` contains the counters rows of the runtime layer's name,
    ``ITERATION_COLUMNS``, by iteration; it is empty for IR layers. ``notes`` are sentences for
    the user about gaps in the data, such as a shared name or missing counters.
    """

    side: Side
    layer_id: str
    name: str
    layer_type: str
    opset: str | None
    primitive_type: str | None
    graph_id: str | None
    mapping_class: str
    attributes: Mapping[str, Any]
    rt_info: Mapping[str, str]
    inputs: tuple[InputPort, ...]
    outputs: tuple[OutputPort, ...]
    time: TimeStatistics | None
    iterations: pd.DataFrame
    counterparts: tuple[Counterpart, ...]
    # Other runtime layers with the same friendly name. Counters match layers by name, so their
    # statistics and iteration times are shared with this layer.
    same_name_ids: tuple[str, ...]
    notes: tuple[str, ...]


def layer_details(session: Session, side: Side, layer_id: str) -> LayerDetails:
    """Collect the details of one layer; raises LayerNotFoundError for an unknown layer_id."""
    side = check_side(side)
    layers = layers_of_side(session, side)
    layer = layer_row(layers, side, layer_id)
    selection = select_layer(session, side, layer_id)
    notes = [notice for notice in (selection.notice_runtime, selection.notice_ir) if notice]

    attributes: dict[str, Any] = {}
    if side == "ir":
        attributes, attributes_note = _attributes(layer)
        notes += [attributes_note] if attributes_note else []
        notes += _shared_name_notes(layers, layer)

    time = None
    iterations = pd.DataFrame(columns=list(ITERATION_COLUMNS))
    same_name_ids: tuple[str, ...] = ()
    if side == "runtime":
        time = _time_statistics(layer)
        same_name_ids = _same_name_ids(layers, layer)
        iterations = _iterations(session.table("counters"), str(layer["name"]))
        notes += _runtime_notes(session, layer, same_name_ids)

    counterparts = (
        _counterparts(session, "ir", selection.ir_ids)
        if side == "runtime"
        else _counterparts(session, "runtime", selection.runtime_ids)
    )
    return LayerDetails(
        side=side,
        layer_id=layer_id,
        name=str(layer["name"]),
        layer_type=str(layer[TYPE_COLUMNS[side]]),
        opset=_text(layer.get("opset")) if side == "ir" else None,
        primitive_type=_text(layer.get("primitive_type")) if side == "runtime" else None,
        graph_id=_text(layer.get("graph_id")) if side == "ir" else None,
        mapping_class=str(layer["mapping_class"]),
        attributes=attributes,
        rt_info=_string_map(layer["rt_info"]),
        inputs=input_ports(layers, edges_of_side(session, side), layer_id),
        outputs=output_ports(layer, side),
        time=time,
        iterations=iterations,
        counterparts=counterparts,
        same_name_ids=same_name_ids,
        notes=tuple(notes),
    )


def _time_statistics(layer: pd.Series) -> TimeStatistics:
    return TimeStatistics(
        status=_text(layer["status"]),
        status_text=status_label(layer["status"]),
        median_us=_number(layer["real_time_median_us"]),
        mean_us=_number(layer["real_time_mean_us"]),
        min_us=_number(layer["real_time_min_us"]),
        max_us=_number(layer["real_time_max_us"]),
        cpu_median_us=_number(layer["cpu_time_median_us"]),
        sample_count=int(layer["sample_count"]),
        exec_type=_text(layer["exec_type"]),
        exec_time_mcs=_text(layer["exec_time_mcs"]),
    )


def _same_name_ids(layers: pd.DataFrame, layer: pd.Series) -> tuple[str, ...]:
    same_name = (layers["name"] == layer["name"]) & (layers["layer_id"] != layer["layer_id"])
    return tuple(layers.loc[same_name, "layer_id"])


def _iterations(counters: pd.DataFrame, name: str) -> pd.DataFrame:
    rows = counters.loc[counters["node_name"] == name, list(ITERATION_COLUMNS)]
    return rows.sort_values("iteration", kind="stable").reset_index(drop=True)


def _runtime_notes(session: Session, layer: pd.Series, same_name_ids: tuple[str, ...]) -> list[str]:
    notes = []
    counters_error = session.info.get("counters_error")
    if counters_error:
        notes.append(f"This session has no performance counters: {counters_error}")
    elif _text(layer["status"]) is None:
        notes.append("The performance counters have no entry with this layer's name, so it has no time.")
    if same_name_ids:
        others = ", ".join(same_name_ids)
        notes.append(
            f"{len(same_name_ids) + 1} runtime layers are named {layer['name']!r} (also {others}). "
            "Performance counters identify layers by name, so the times shown cover all of them."
        )
    return notes


def _shared_name_notes(ir_layers: pd.DataFrame, layer: pd.Series) -> list[str]:
    count = shared_name_count(ir_layers, str(layer["name"]))
    if layer["graph_id"] != MAIN_GRAPH_ID or count < 2:
        return []
    name = str(layer["name"])
    note = (
        f"{count} IR layers are named {name!r}. Before compiling, OpenVINO renames all but the first, in "
        f"graph order, to {name + '_1'!r}, {name + '_2'!r} and so on, and the mapping links them by those names."
    )
    return [note]


def _counterparts(session: Session, side: Side, layer_ids: tuple[str, ...]) -> tuple[Counterpart, ...]:
    layers = layers_of_side(session, side).set_index("layer_id")
    counterparts = []
    for layer_id in layer_ids:
        row = layers.loc[layer_id]
        time = _number(row["real_time_median_us"]) if side == "runtime" else None
        counterpart = Counterpart(
            side, layer_id, str(row["name"]), str(row[TYPE_COLUMNS[side]]), str(row["mapping_class"]), time
        )
        counterparts.append(counterpart)
    return tuple(counterparts)


def _attributes(layer: pd.Series) -> tuple[dict[str, Any], str | None]:
    """Parse attributes_json; returns the attributes, or {} and a note when it is not a JSON object."""
    try:
        attributes = json.loads(str(layer["attributes_json"]))
    except json.JSONDecodeError as error:
        logger.warning("attributes_json of IR layer %s is invalid JSON: %s", layer["layer_id"], error)
        return {}, f"The attributes of this layer cannot be shown: attributes_json is invalid JSON ({error})."
    if not isinstance(attributes, dict):
        logger.warning("attributes_json of IR layer %s is not a JSON object", layer["layer_id"])
        return {}, "The attributes of this layer cannot be shown: attributes_json is not a JSON object."
    return attributes, None


def _string_map(value: Any) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {str(key): str(item) for key, item in value.items()}
    # Arrow map columns can also arrive as a list of (key, value) pairs.
    if isinstance(value, (list, tuple)):
        return {str(key): str(item) for key, item in value}
    return {}


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)
