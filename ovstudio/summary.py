"""The summary of a session that ``ovstudio show`` prints."""

from __future__ import annotations

import datetime
import math
import unicodedata
from typing import Any

from ovstudio.mapping import IR_CLASSES, RUNTIME_CLASSES, mapping_counts
from ovstudio.session.store import Session

LATENCY_KEYS = ("median", "mean", "min", "max", "p90", "p99")


def summarize(session: Session) -> dict[str, Any]:
    """Collect the headline facts of a session into a JSON-ready dict; times in ms."""
    info = session.info
    runtime_layers = session.tables["runtime_layers"]
    ir_layers = session.tables["ir_layers"]
    class_counts = mapping_counts(runtime_layers, ir_layers)

    return {
        "session_id": info["session_id"],
        "schema_version": info["schema_version"],
        "created_utc": _iso(info["created_utc"]),
        "model": {
            "name": info["model_name"],
            "format": info["model_format"],
            "hash": info["model_hash"],
        },
        "device": {
            "requested": info["device"],
            "execution_devices": list(info.get("execution_devices") or []),
            "full_name": info.get("device_full_name"),
            "inference_precision": info.get("inference_precision"),
            "num_streams": info.get("num_streams"),
            "optimal_requests": info.get("optimal_requests"),
        },
        "settings": {
            "hint": info["settings_hint"],
            "precision": info.get("settings_precision"),
            "streams": info.get("settings_streams"),
            "requests": info.get("settings_requests"),
            "batch": info.get("settings_batch"),
            "iterations": info.get("settings_iterations"),
            "time_s": info.get("settings_time_s"),
            "warmup": info.get("settings_warmup"),
        },
        "inputs": [
            {
                "name": row.input_name,
                "shape": [int(dim) for dim in row.shape],
                "element_type": row.element_type,
                "data_source": row.data_source,
            }
            for row in session.tables["inputs"].itertuples(index=False)
        ],
        "latency_ms": {key: _number(info.get(f"latency_{key}_ms")) for key in LATENCY_KEYS},
        "throughput_fps": _number(info.get("throughput_fps")),
        "iterations": info.get("iterations"),
        "pass1_mode": info.get("pass1_mode"),
        "pass1_requests": info.get("pass1_requests"),
        "counters_iterations": info.get("counters_iterations"),
        "counters_latency_median_ms": _number(info.get("counters_latency_median_ms")),
        "counter_overhead_ms": _number(info.get("counter_overhead_ms")),
        "layers_time_ms": _number(info.get("layers_time_ms")),
        "unaccounted_ms": _number(info.get("unaccounted_ms")),
        "unaccounted_pct": unaccounted_pct(info.get("unaccounted_ms"), info.get("counters_latency_median_ms")),
        "counts": {
            "ir_layers": int((ir_layers["graph_id"] == "main").sum()),
            "ir_layers_in_bodies": int((ir_layers["graph_id"] != "main").sum()),
            "runtime_layers": len(runtime_layers),
            "runtime_by_class": {name: class_counts[name] for name in RUNTIME_CLASSES},
            "ir_by_class": {name: class_counts[name] for name in IR_CLASSES},
        },
        "counters_error": info.get("counters_error"),
        "runtime_model_error": info.get("runtime_model_error"),
        "warnings": list(info.get("warnings") or []),
        "environment": {
            "openvino_version": info.get("openvino_version"),
            "host_cpu": info.get("host_cpu"),
            "host_os": info.get("host_os"),
        },
    }


def unaccounted_pct(unaccounted_ms: Any, latency_ms: Any) -> float | None:
    """Return the unaccounted time as a percentage of the counters pass's median latency, in [0, 100].

    None when either value is missing or the latency is not positive. A negative unaccounted time,
    where the layer times add up to more than the latency, gives 0.
    """
    unaccounted, latency = _number(unaccounted_ms), _number(latency_ms)
    if unaccounted is None or latency is None or latency <= 0:
        return None
    return round(min(max(unaccounted / latency * 100.0, 0.0), 100.0), 1)


def format_summary(summary: dict[str, Any]) -> str:
    """Render a summary as a few lines of text for a terminal."""
    latency = summary["latency_ms"]
    counts = summary["counts"]
    device = summary["device"]
    lines = [
        f"session     {summary['session_id']}",
        f"model       {summary['model']['name']} ({summary['model']['format']})",
        f"device      {device['requested']} -> {', '.join(device['execution_devices'])}"
        f" ({device['full_name']}), precision {device['inference_precision']}",
        "settings    " + ", ".join(f"{key} {value}" for key, value in summary["settings"].items() if value is not None),
        *(
            f"input       {item['name']} {item['element_type']} [{','.join(map(str, item['shape']))}] from {item['data_source']}"
            for item in summary["inputs"]
        ),
        "latency ms  " + "  ".join(f"{key} {_text(latency[key])}" for key in LATENCY_KEYS),
        f"throughput  {_text(summary['throughput_fps'])} inferences/s over {summary['iterations']} iterations"
        f" ({summary['pass1_mode']}, {summary['pass1_requests']} request(s))",
        f"pass 2      {summary['counters_iterations']} iterations with performance counters,"
        f" median latency {_text(summary['counters_latency_median_ms'])} ms",
        f"counters    overhead {_text(summary['counter_overhead_ms'])} ms, layers {_text(summary['layers_time_ms'])} ms,"
        f" unaccounted {_text(summary['unaccounted_ms'])} ms{_pct_text(summary['unaccounted_pct'])}",
        f"layers      IR {counts['ir_layers']} (+{counts['ir_layers_in_bodies']} in bodies),"
        f" runtime {counts['runtime_layers']}",
        "runtime     " + ", ".join(f"{k} {v}" for k, v in counts["runtime_by_class"].items()),
        "IR          " + ", ".join(f"{k} {v}" for k, v in counts["ir_by_class"].items()),
    ]
    for key in ("counters_error", "runtime_model_error"):
        if summary[key]:
            lines.append(f"{key.replace('_', ' ')}: {summary[key]}")
    lines += [f"warning: {warning}" for warning in summary["warnings"]]
    return "\n".join(_terminal_text(line) for line in lines)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return round(number, 4) if math.isfinite(number) else None


def _terminal_text(line: str) -> str:
    """Replace control characters with escapes such as ``\\x1b``.

    Names and messages come from the session file, and an escape sequence in them would otherwise
    move the cursor, recolor or clear the terminal that prints the summary.
    """
    return "".join(
        char if unicodedata.category(char) != "Cc" else repr(char)[1:-1]
        for char in line
    )


def _pct_text(value: float | None) -> str:
    return "" if value is None else f" ({value:.1f}% of the counters pass latency)"


def _text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _iso(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)
