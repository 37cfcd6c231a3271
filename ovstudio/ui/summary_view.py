"""Performance summary of one session: latency, throughput, device and precision used."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ovstudio.session.store import Session
from ovstudio.summary import summarize
from ovstudio.ui.text import markdown_literal


def render_header(session: Session) -> dict[str, Any]:
    summary = summarize(session)
    model, device = summary["model"], summary["device"]
    used = ", ".join(device["execution_devices"]) or "unknown"
    # Every text here comes from the session file, which may have been shared by someone else.
    st.subheader(markdown_literal(f"{model['name']} ({model['format']}) on {summary['device']['requested']}"))
    st.caption(markdown_literal(
        f"Executed on {used} · {device.get('full_name') or 'device name unknown'} · "
        f"OpenVINO {summary['environment']['openvino_version']} · {summary['created_utc']} · "
        f"session {summary['session_id']}"
    ))
    for warning in summary["warnings"]:
        st.warning(markdown_literal(warning), icon=":material/warning:")
    for notice in missing_notices(summary):
        st.warning(markdown_literal(notice), icon=":material/warning:")
    return summary


def missing_notices(summary: dict[str, Any]) -> list[str]:
    """Return a notice per missing part of a session: what is missing, why, and what the page lacks without it."""
    notices = []
    if summary["counters_error"]:
        notices.append(
            f"Per-layer times are missing: {summary['counters_error']}. Latency and throughput were measured, "
            "but the layer table, the execution-time coloring and the time charts have no per-layer times. "
            "Profile on a device that returns performance counters (PERF_COUNT) to get them."
        )
    if summary["runtime_model_error"]:
        notices.append(
            f"The runtime model is missing: {summary['runtime_model_error']}. Latency and throughput were "
            "measured and the IR graph is complete, but the runtime graph, the layer table and the links "
            "between execution nodes and IR layers are empty, because they come from the runtime model."
        )
    return notices


def render_metrics(summary: dict[str, Any]) -> None:
    latency = summary["latency_ms"]
    columns = st.columns(4)
    columns[0].metric("Median latency", _ms(latency["median"]),
                      help=f"Mean {_ms(latency['mean'])}, min {_ms(latency['min'])}, max {_ms(latency['max'])}")
    columns[1].metric("p90 / p99 latency", f"{_ms(latency['p90'], unit=False)} / {_ms(latency['p99'])}")
    columns[2].metric("Throughput", _number(summary["throughput_fps"], "FPS"))
    columns[3].metric("Iterations", f"{summary['iterations'] or 0}",
                      help=f"Pass 1 ran {markdown_literal(summary['pass1_mode'] or '?')} (infer requests in flight: "
                      f"{markdown_literal(summary['pass1_requests'] or '?')}). Pass 2, with performance counters on, ran "
                      f"{summary['counters_iterations'] or 0} inferences.")
    columns = st.columns(4)
    columns[0].metric("Precision used", markdown_literal(summary["device"]["inference_precision"] or "unknown"),
                      help=f"Requested: {markdown_literal(summary['settings']['precision'] or 'device default')}")
    columns[1].metric("Counter overhead", _ms(summary["counter_overhead_ms"]),
                      help="Median latency with performance counters on, minus without.")
    columns[2].metric("Unaccounted", _unaccounted(summary["unaccounted_ms"], summary["unaccounted_pct"]),
                      help="Median latency of the counters pass minus the sum of layer times: time no "
                      "layer counter covers, such as control flow and waits. Layer shares in the table leave it out. "
                      "When the layer times add up to more than the latency (a sum of medians is not the median "
                      "of sums, and parallel layers overlap), nothing is unaccounted and the shares are of the "
                      "layer sum.")
    columns[3].metric("Layers, runtime / IR", f"{summary['counts']['runtime_layers']} / {summary['counts']['ir_layers']}",
                      help=_class_help(summary["counts"]))


def _class_help(counts: dict[str, Any]) -> str:
    runtime = ", ".join(f"{count} {name}" for name, count in counts["runtime_by_class"].items())
    ir = ", ".join(f"{count} {name}" for name, count in counts["ir_by_class"].items())
    return f"Runtime layers: {runtime}. IR layers: {ir}; {counts['ir_layers_in_bodies']} more inside bodies."


def _ms(value: float | None, unit: bool = True) -> str:
    if value is None:
        return "n/a"
    text = f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return f"{text} ms" if unit else text


def _unaccounted(value_ms: float | None, share_pct: float | None) -> str:
    if value_ms is None:
        return "n/a"
    if value_ms < 0:
        return "none"
    share = f" · {share_pct:.0f}% of latency" if share_pct is not None else ""
    return _ms(value_ms) + share


def _number(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{value:,.1f} {unit}"
