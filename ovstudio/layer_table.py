"""The per-layer table of the runtime model: one row per runtime layer, slowest first."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ovstudio.session.store import Session

# Display text of the counter status. A null status means the performance counters have no
# entry for the layer (a runtime Const, or every layer when counters failed).
STATUS_LABELS = {"EXECUTED": "executed", "NOT_RUN": "not executed", "OPTIMIZED_OUT": "optimized out"}
NO_COUNTERS_LABEL = "no counters"
# First characters that make a spreadsheet read a CSV cell as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Separator between IR layer names in ir_layer_names. Names may contain commas.
NAME_SEPARATOR = "; "

# Columns of build_layer_table, in order, with their meaning. Times are µs.
LAYER_TABLE_COLUMNS: dict[str, str] = {
    "layer_id": "layer_id of the runtime layer.",
    "name": "Friendly name of the execution node.",
    "layer_type": "Runtime layer type (rt_info layerType).",
    "time_median_us": "Median real time over the iterations where the layer executed, µs; "
    "null without a time.",
    "time_mean_us": "Mean real time, µs; null without a time.",
    "time_min_us": "Minimum real time, µs; null without a time.",
    "time_max_us": "Maximum real time, µs; null without a time.",
    "time_spread_pct": "(max - min) / median, percent; null without a time or when the median is 0.",
    "time_share_pct": "Median time as a percentage of the sum of the medians of all runtime layers or of the "
    "median latency of the counters pass, whichever is larger; null without a time. Shares sum to at most 100.",
    "sample_count": "Iterations the time statistics are over; 0 without a time.",
    "status": "Counter status of the last iteration: executed, not executed, optimized out, or no counters.",
    "runtime_precision": "rt_info runtimePrecision; null when not reported.",
    "output_precisions": "rt_info outputPrecisions, comma-separated as reported.",
    "primitive_type": "rt_info primitiveType: the kernel.",
    "exec_order": "rt_info execOrder.",
    "mapping_class": "intact, fused, split or inserted.",
    "ir_layer_names": f"Friendly names of the linked IR layers, joined by {NAME_SEPARATOR!r}.",
    "ir_layer_count": "Number of linked IR layers; 0 for an inserted layer.",
}

_STATISTICS = {
    "real_time_median_us": "time_median_us",
    "real_time_mean_us": "time_mean_us",
    "real_time_min_us": "time_min_us",
    "real_time_max_us": "time_max_us",
}
_COPIED = ("layer_id", "name", "layer_type", "sample_count", "runtime_precision", "output_precisions",
           "primitive_type", "exec_order", "mapping_class")


def build_layer_table(session: Session) -> pd.DataFrame:
    """Build the per-layer table: ``LAYER_TABLE_COLUMNS``, by median time, slowest first.

    Layers without a time come last, in execution order. A layer that did not execute keeps a
    null time and share rather than 0, so it does not read as a layer that ran in 0 µs.
    """
    runtime = session.table("runtime_layers")
    table = runtime[list(_COPIED)].copy()
    for source, column in _STATISTICS.items():
        table[column] = runtime[source].astype("float64")

    table["time_spread_pct"] = _spread_pct(table)
    table["time_share_pct"] = share_pct(table["time_median_us"], counters_latency_us(session.info))
    table["status"] = runtime["status"].map(status_label).astype(object)

    names, counts = _ir_layer_names(runtime, session.table("ir_layers"), session.table("mapping"))
    table["ir_layer_names"] = names
    table["ir_layer_count"] = counts.astype("int64")

    table = table.sort_values(["time_median_us", "exec_order"], ascending=[False, True],
                              na_position="last", kind="stable")
    return table[list(LAYER_TABLE_COLUMNS)].reset_index(drop=True)


def layer_table_csv(table: pd.DataFrame) -> bytes:
    """Encode a layer table as UTF-8 CSV with a header row and no index column.

    A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading ``'``. A spreadsheet that opens the file then shows a hostile layer name as text
    instead of running it as a formula. Every other cell is written as it is.
    """
    safe = table.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(_spreadsheet_text)
    return safe.to_csv(index=False).encode("utf-8")


def _spreadsheet_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def status_label(status: Any) -> str:
    """Return the display text of a counter status; null gives 'no counters'."""
    if status is None or status is pd.NA or (isinstance(status, float) and math.isnan(status)):
        return NO_COUNTERS_LABEL
    return STATUS_LABELS.get(str(status), str(status))


def share_pct(times: pd.Series, latency_us: float | None = None) -> pd.Series:
    """Return each time as a percentage of a total, NaN where the time is null.

    The total is the sum of the non-null times or ``latency_us``, whichever is larger. With the
    median latency of the counters pass as ``latency_us``, time that no layer counter covers
    (control flow, waits) stays out of every share, and the shares sum to at most 100 also when the
    layer times add up to more than the latency. When the total is 0 the shares are 0. Shares are
    clipped to [0, 100], against rounding and against negative times in an edited session.
    """
    total = float(times.sum(skipna=True))
    if latency_us is not None and math.isfinite(latency_us) and latency_us > total:
        total = latency_us
    if not total > 0:
        return times.where(times.isna(), 0.0).astype("float64")
    return (times / total * 100.0).clip(lower=0.0, upper=100.0).astype("float64")


def counters_latency_us(info: Mapping[str, Any]) -> float | None:
    """Return the median latency of the counters pass in µs, or None when the session has none."""
    value = info.get("counters_latency_median_ms")
    if value is None:
        return None
    try:
        latency_ms = float(value)
    except (TypeError, ValueError):
        return None
    return latency_ms * 1000.0 if math.isfinite(latency_ms) else None


def _spread_pct(table: pd.DataFrame) -> pd.Series:
    median = table["time_median_us"].replace(0.0, np.nan)
    return (table["time_max_us"] - table["time_min_us"]) / median * 100.0


def _ir_layer_names(
    runtime: pd.DataFrame, ir_layers: pd.DataFrame, mapping: pd.DataFrame
) -> tuple[pd.Series, pd.Series]:
    names_by_id = ir_layers.set_index("layer_id")["name"]
    links = mapping[["runtime_id", "ir_id"]].copy()
    links["ir_name"] = links["ir_id"].map(names_by_id).astype(object)

    grouped = links.groupby("runtime_id", sort=False)["ir_name"]
    joined = grouped.agg(lambda names: NAME_SEPARATOR.join(str(name) for name in names))
    names = pd.Series([joined.get(layer_id, "") for layer_id in runtime["layer_id"]], index=runtime.index,
                      dtype=object)
    counts = runtime["layer_id"].map(grouped.size()).fillna(0)
    return names, counts
