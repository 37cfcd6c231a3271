"""Per-iteration performance counters to per-layer statistics.

Pure functions over data: the worker turns each ``get_profiling_info()`` result into rows with
``profiling_rows``, and everything else here works on the ``counters`` table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from ovstudio.session.schema import COUNTERS, RUNTIME_LAYERS

EXECUTED = "EXECUTED"

# Counter statistics columns of runtime_layers, filled by merge_counter_statistics.
STATISTICS_COLUMNS = (
    "status",
    "exec_type",
    "real_time_median_us",
    "real_time_mean_us",
    "real_time_min_us",
    "real_time_max_us",
    "cpu_time_median_us",
    "sample_count",
)


def profiling_rows(iteration: int, entries: Iterable[Any]) -> list[dict[str, Any]]:
    """Convert one inference's ProfilingInfo entries to rows of the ``counters`` table.

    Each entry needs node_name, node_type, exec_type, status (an enum with ``name``, or text) and
    real_time / cpu_time as ``datetime.timedelta``.
    """
    return [
        {
            "iteration": iteration,
            "node_name": entry.node_name,
            "node_type": entry.node_type,
            "exec_type": entry.exec_type,
            "status": _status_name(entry.status),
            "real_time_us": entry.real_time.total_seconds() * 1e6,
            "cpu_time_us": entry.cpu_time.total_seconds() * 1e6,
        }
        for entry in entries
    ]


def counters_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build the ``counters`` table from ``profiling_rows`` output, in schema column order."""
    return pd.DataFrame(rows, columns=COUNTERS.column_names)


def summarize_counters(counters: pd.DataFrame) -> pd.DataFrame:
    """Compute per node_name statistics over the iterations where the node was EXECUTED.

    Returns one row per node_name with the ``STATISTICS_COLUMNS``. status and exec_type come from
    the last iteration. A node that never ran (NOT_RUN, OPTIMIZED_OUT) keeps that status, gets
    null times and a sample_count of 0, so it does not read as a layer that ran in 0 µs.
    """
    if counters.empty:
        return pd.DataFrame(columns=["node_name", *STATISTICS_COLUMNS])

    ordered = counters.sort_values("iteration", kind="stable")
    last = ordered.groupby("node_name", sort=False).last()[["status", "exec_type"]]

    executed = ordered[ordered["status"] == EXECUTED]
    grouped = executed.groupby("node_name", sort=False)
    times = pd.DataFrame(
        {
            "real_time_median_us": grouped["real_time_us"].median(),
            "real_time_mean_us": grouped["real_time_us"].mean(),
            "real_time_min_us": grouped["real_time_us"].min(),
            "real_time_max_us": grouped["real_time_us"].max(),
            "cpu_time_median_us": grouped["cpu_time_us"].median(),
            "sample_count": grouped.size(),
        }
    )

    statistics = last.join(times, how="left")
    statistics["sample_count"] = statistics["sample_count"].fillna(0).astype("int32")
    return statistics.reset_index()[["node_name", *STATISTICS_COLUMNS]]


def merge_counter_statistics(runtime_layers: pd.DataFrame, statistics: pd.DataFrame) -> pd.DataFrame:
    """Fill the counter columns of runtime_layers by matching node_name to the layer name.

    Layers without a counter entry (runtime Const nodes, or every layer when counters failed) get
    null statistics and a sample_count of 0. Returns a new frame in schema column order.
    """
    base = runtime_layers.drop(columns=[c for c in STATISTICS_COLUMNS if c in runtime_layers.columns])
    lookup = statistics.drop_duplicates("node_name").rename(columns={"node_name": "name"})
    merged = base.merge(lookup, on="name", how="left")

    merged["sample_count"] = merged["sample_count"].fillna(0).astype("int32")
    for column in ("status", "exec_type"):
        merged[column] = merged[column].astype(object).where(merged[column].notna(), None)
    return merged.reindex(columns=RUNTIME_LAYERS.column_names)


def layers_time_ms(statistics: pd.DataFrame) -> float | None:
    """Sum the median real time of every counter node name, ms; None without statistics."""
    if statistics.empty:
        return None
    total_us = statistics["real_time_median_us"].dropna().sum()
    return float(total_us) / 1000.0


def _status_name(status: Any) -> str:
    name = getattr(status, "name", None)
    if isinstance(name, str):
        return name
    return str(status).rsplit(".", 1)[-1]
