"""Data of the session charts: time by layer type and by precision, and the sessions of a model."""

from __future__ import annotations

import pandas as pd

from ovstudio.layer_table import share_pct
from ovstudio.session.store import Session

# Group label of runtime layers whose runtime precision is not reported.
NOT_REPORTED_LABEL = "not reported"

# Columns of time_by_type and time_by_precision after the group column. Times are µs.
TIME_GROUP_COLUMNS: dict[str, str] = {
    "time_median_sum_us": "Sum of the median real times of the group's runtime layers, µs.",
    "time_share_pct": "That sum as a percentage of the sum over all runtime layers.",
    "layer_count": "Runtime layers of the group that have a time.",
}

# Columns of sessions_of_model, one row per session: a point of a throughput-vs-latency chart.
SESSION_POINT_COLUMNS: dict[str, str] = {
    "session_id": "Session id, as list_sessions gives it.",
    "label": "Device, precision and creation time, for a point's tooltip.",
    "latency_median_ms": "Median latency of pass 1, ms.",
    "throughput_fps": "Pass 1 inferences per second.",
    "device": "Device string the user requested.",
    "precision": "INFERENCE_PRECISION_HINT read back from the compiled model; null when unknown.",
    "created_utc": "When the profile finished, UTC.",
}


def time_by_type(session: Session) -> pd.DataFrame:
    """Sum the median times of the runtime layers per layer type, largest first.

    Columns: ``layer_type`` and ``TIME_GROUP_COLUMNS``. Layers without a time are left out, so a
    type whose layers all did not execute has no row.
    """
    runtime = session.table("runtime_layers")
    return _time_by(runtime["layer_type"], runtime["real_time_median_us"], "layer_type")


def time_by_precision(session: Session) -> pd.DataFrame:
    """Sum the median times of the runtime layers per runtime precision, largest first.

    Columns: ``runtime_precision`` and ``TIME_GROUP_COLUMNS``. A precision that is not reported
    is grouped as 'not reported'. Precisions are shown as reported, such as bf16 or nf4.
    """
    runtime = session.table("runtime_layers")
    precisions = runtime["runtime_precision"].astype(object).where(runtime["runtime_precision"].notna(),
                                                                   NOT_REPORTED_LABEL)
    return _time_by(precisions, runtime["real_time_median_us"], "runtime_precision")


def sessions_of_model(listing: pd.DataFrame, model_hash: str) -> pd.DataFrame:
    """Select the sessions of one model from a ``list_sessions`` listing, oldest first.

    Returns ``SESSION_POINT_COLUMNS``. Sessions whose file cannot be read (an ``error`` is set),
    or that lack a median latency or a throughput, cannot be drawn and are left out.
    """
    readable = listing["error"].isna() if "error" in listing.columns else True
    selected = listing.loc[(listing["model_hash"] == model_hash) & readable].copy()
    selected = selected.dropna(subset=["latency_median_ms", "throughput_fps"])

    selected["precision"] = selected["inference_precision"].astype(object).where(
        selected["inference_precision"].notna(), None
    )
    columns = zip(selected["device"], selected["precision"], selected["created_utc"])
    selected["label"] = [_point_label(device, precision, created) for device, precision, created in columns]
    selected = selected.sort_values("created_utc", kind="stable", na_position="last")
    return selected[list(SESSION_POINT_COLUMNS)].reset_index(drop=True)


def _time_by(groups: pd.Series, times_us: pd.Series, group_column: str) -> pd.DataFrame:
    frame = pd.DataFrame({group_column: groups.astype(object), "time_us": times_us.astype("float64")})
    frame = frame.dropna(subset=["time_us"])

    grouped = frame.groupby(group_column, sort=False)["time_us"]
    result = pd.DataFrame({"time_median_sum_us": grouped.sum(), "layer_count": grouped.size()})
    result["time_share_pct"] = share_pct(result["time_median_sum_us"])
    result = result.sort_values("time_median_sum_us", ascending=False, kind="stable").reset_index()
    return result[[group_column, *TIME_GROUP_COLUMNS]]


def _point_label(device: object, precision: object, created: object) -> str:
    precision_text = precision if precision is not None else "default precision"
    if isinstance(created, pd.Timestamp):
        created_text = created.strftime("%Y-%m-%d %H:%M UTC")
    else:
        created_text = "unknown time"
    return f"{device} {precision_text}, {created_text}"
