"""Coloring modes of the runtime and IR graphs, as data: a color per layer and a legend.

Modes:

- ``layer_type`` (default): one color per layer type family, shared by both graphs (see
  ``ovstudio.category_colors``).
- ``execution_time``: a continuous scale over the median real time, grey for layers without a
  time. The IR graph uses the times of the runtime layers linked to each IR layer.
- ``runtime_precision``: rt_info runtimePrecision, runtime graph only.
- ``output_precision``: element type of output 0 of each layer, IR graph only.
- ``mapping_class``: intact, fused, split, inserted (runtime) or mapped, removed, nested (IR).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ovstudio import category_colors, palette
from ovstudio.errors import InvalidSettingError
from ovstudio.layer_lookup import Side
from ovstudio.legend import LegendEntry, TimeScale, build_time_scale

ColoringMode = Literal[
    "layer_type", "execution_time", "runtime_precision", "output_precision", "mapping_class"
]
COLORING_MODES: tuple[ColoringMode, ...] = get_args(ColoringMode)
DEFAULT_COLORING_MODE: ColoringMode = "layer_type"
MODES_BY_SIDE: dict[Side, tuple[ColoringMode, ...]] = {
    "runtime": ("layer_type", "execution_time", "runtime_precision", "mapping_class"),
    "ir": ("layer_type", "execution_time", "output_precision", "mapping_class"),
}

# Rule that turns the times of the runtime layers listing an IR layer into the IR layer's time:
# "full" gives it the whole time of each, "even" divides each runtime layer's time by its IR layers.
TimeAttribution = Literal["full", "even"]
TIME_ATTRIBUTIONS: tuple[TimeAttribution, ...] = get_args(TimeAttribution)

# Legend labels of layers that have no value in a categorical mode.
NOT_REPORTED_LABEL = "not reported"
NO_OUTPUT_LABEL = "no output"
UNCLASSIFIED_LABEL = "unclassified"
# Legend labels of the grey of layers without a time: not executed or without counters, and on
# the IR side also removed or nested, so without a runtime layer.
RUNTIME_NO_TIME_LABEL = "not executed or no counters"
IR_NO_TIME_LABEL = "no executed runtime layer"


@dataclasses.dataclass(frozen=True)
class Coloring:
    """The colors of one graph in one mode.

    ``colors`` maps the layer_id of every layer of the table to a ``#rrggbb`` color.
    ``legend`` is a tuple of entries, most frequent first, for a categorical mode, or a
    TimeScale for ``execution_time``.
    """

    mode: ColoringMode
    colors: Mapping[str, str]
    legend: tuple[LegendEntry, ...] | TimeScale


def color_runtime_layers(
    runtime_layers: pd.DataFrame, mode: ColoringMode = DEFAULT_COLORING_MODE, log_scale: bool = False
) -> Coloring:
    """Color the layers of the runtime graph; ``log_scale`` applies to ``execution_time`` only.

    Raises InvalidSettingError for ``output_precision``, which only the IR graph has.
    """
    _check_mode(mode, "runtime")
    if mode == "execution_time":
        return _color_by_time(mode, runtime_layers["layer_id"], runtime_layers["real_time_median_us"],
                              log_scale, RUNTIME_NO_TIME_LABEL)
    if mode == "layer_type":
        return _color_by_category(mode, runtime_layers["layer_id"], runtime_layers["layer_type"],
                                  category_colors.layer_type_color, NOT_REPORTED_LABEL)
    if mode == "runtime_precision":
        return _color_by_category(mode, runtime_layers["layer_id"], runtime_layers["runtime_precision"],
                                  category_colors.precision_color, NOT_REPORTED_LABEL)
    return _color_by_category(mode, runtime_layers["layer_id"], runtime_layers["mapping_class"],
                              category_colors.mapping_class_color, UNCLASSIFIED_LABEL)


def color_ir_layers(
    ir_layers: pd.DataFrame,
    runtime_layers: pd.DataFrame,
    mapping: pd.DataFrame,
    mode: ColoringMode = DEFAULT_COLORING_MODE,
    log_scale: bool = False,
    attribution: TimeAttribution = "full",
) -> Coloring:
    """Color the layers of the IR graph, bodies included.

    In ``execution_time`` mode each IR layer gets ``ir_layer_times`` (see there for
    ``attribution``). Removed and nested IR layers, and those whose runtime layers have no
    time, are grey. Raises InvalidSettingError for ``runtime_precision``, which only the
    runtime graph has.
    """
    _check_mode(mode, "ir")
    if mode == "execution_time":
        times = ir_layer_times(ir_layers, runtime_layers, mapping, attribution)
        return _color_by_time(mode, ir_layers["layer_id"], times, log_scale, IR_NO_TIME_LABEL)
    if mode == "layer_type":
        return _color_by_category(mode, ir_layers["layer_id"], ir_layers["type"],
                                  category_colors.layer_type_color, NOT_REPORTED_LABEL)
    if mode == "output_precision":
        first_types = ir_layers["output_element_types"].map(_first_item)
        return _color_by_category(mode, ir_layers["layer_id"], first_types,
                                  category_colors.precision_color, NO_OUTPUT_LABEL)
    return _color_by_category(mode, ir_layers["layer_id"], ir_layers["mapping_class"],
                              category_colors.mapping_class_color, UNCLASSIFIED_LABEL)


def ir_layer_times(
    ir_layers: pd.DataFrame, runtime_layers: pd.DataFrame, mapping: pd.DataFrame,
    attribution: TimeAttribution = "full",
) -> pd.Series:
    """Return the execution time of each IR layer, µs, indexed like ``ir_layers``.

    An IR layer's time is the sum over the runtime layers that list it of their median real
    time. With ``attribution="full"`` (the default) a fused runtime layer gives its whole time
    to each of its IR layers. So a Convolution, Add and Relu fused into one runtime layer all
    show the time of that layer, and the IR times add up to more than the total. With
    ``"even"`` the time is divided evenly among its IR layers, so the IR times add up to the
    runtime total of the linked layers. NaN marks an IR layer without a linked runtime layer
    that has a time.
    """
    if attribution not in TIME_ATTRIBUTIONS:
        raise InvalidSettingError(
            f"time attribution {attribution!r} is invalid: expected one of {', '.join(TIME_ATTRIBUTIONS)}"
        )
    times = runtime_layers.set_index("layer_id")["real_time_median_us"]
    links = mapping[["runtime_id", "ir_id"]].copy()
    links["time_us"] = links["runtime_id"].map(times).astype("float64")
    if attribution == "even":
        links["time_us"] /= links.groupby("runtime_id")["ir_id"].transform("size")

    per_ir = links.groupby("ir_id")["time_us"].sum(min_count=1)
    return ir_layers["layer_id"].map(per_ir).astype("float64")


def _check_mode(mode: str, side: Side) -> None:
    allowed = MODES_BY_SIDE[side]
    if mode not in allowed:
        raise InvalidSettingError(
            f"coloring mode {mode!r} is not available for the {side} graph: "
            f"expected one of {', '.join(allowed)}"
        )


def _color_by_time(
    mode: ColoringMode, layer_ids: pd.Series, times_us: pd.Series, log_scale: bool, missing_label: str
) -> Coloring:
    times_us = times_us.astype("float64")
    scale = build_time_scale(times_us, log_scale, missing_label)
    colors = {layer_id: scale.color_of(float(time)) for layer_id, time in zip(layer_ids, times_us)}
    return Coloring(mode, colors, scale)


def _color_by_category(
    mode: ColoringMode,
    layer_ids: pd.Series,
    values: pd.Series,
    color_of: Callable[[str], str],
    missing_label: str,
) -> Coloring:
    labels = [_label(value, missing_label) for value in values]
    color_by_label = {
        label: palette.NO_DATA_GREY if label == missing_label else color_of(label) for label in set(labels)
    }
    colors = {layer_id: color_by_label[label] for layer_id, label in zip(layer_ids, labels)}

    counts = pd.Series(labels, dtype=object).value_counts()
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    legend = tuple(LegendEntry(label, color_by_label[label], int(count)) for label, count in ordered)
    return Coloring(mode, colors, legend)


def _label(value: Any, missing_label: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return missing_label
    text = str(value)
    return text if text.strip() else missing_label


def _first_item(value: Any) -> Any:
    if isinstance(value, (list, tuple, np.ndarray)) and len(value) > 0:
        return value[0]
    return None
