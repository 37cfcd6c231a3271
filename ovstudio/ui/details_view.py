"""Details of the selected layer: time and its spread, shapes, attributes, rt_info and mapping."""

from __future__ import annotations

import dataclasses

import altair as alt
import pandas as pd
import streamlit as st

from ovstudio.details import LayerDetails, TimeStatistics, layer_details
from ovstudio.legend import format_time_us
from ovstudio.selection import SelectionResult
from ovstudio.session.store import Session
from ovstudio.ui.text import markdown_literal

SIDE_NAMES = {"runtime": "runtime layer", "ir": "IR layer"}


def render(session: Session, result: SelectionResult | None) -> None:
    st.markdown("**Details**")
    if result is None:
        st.caption("Select a layer in a graph, the table or the search to see its details.")
        return
    details = layer_details(session, result.side, result.layer_id)  # type: ignore[arg-type]
    # Types, kernels, classes and notes come from the session file and may quote layer names.
    kernel = f" · {markdown_literal(details.primitive_type)}" if details.primitive_type else ""
    opset = f" ({markdown_literal(details.opset)})" if details.opset else ""
    st.markdown(f"**{markdown_literal(details.layer_type)}**{opset}{kernel} · {SIDE_NAMES[details.side]} · "
                f"{markdown_literal(details.mapping_class)}")
    st.code(details.name, language=None, wrap_lines=True)
    for note in details.notes:
        st.caption(markdown_literal(note))

    tabs = st.tabs(["Time", "Shapes", "Mapping", "Attributes", "rt_info"])
    with tabs[0]:
        _time(details)
    with tabs[1]:
        _ports(details)
    with tabs[2]:
        _mapping(details)
    with tabs[3]:
        if details.attributes:
            st.json(dict(details.attributes), expanded=True)
        else:
            st.caption("No attributes." if details.side == "ir" else "Runtime layers carry their facts in rt_info.")
    with tabs[4]:
        st.dataframe(pd.DataFrame(sorted(details.rt_info.items()), columns=["key", "value"]),
                     hide_index=True, width="stretch")


def _time(details: LayerDetails) -> None:
    stats = details.time
    if stats is None:
        times = [part.time_median_us for part in details.counterparts if part.time_median_us is not None]
        if times:
            st.metric("Runtime layers' median time", format_time_us(sum(times)),
                      help="Sum over the runtime layers that list this IR layer; a fused layer's time covers all "
                      "of its IR layers.")
        else:
            st.caption("No time: no executed runtime layer lists this layer.")
        return
    _statistics(stats)
    if not details.iterations.empty:
        _iteration_chart(details.iterations)


def _statistics(stats: TimeStatistics) -> None:
    def text(value: float | None) -> str:
        return "n/a" if value is None else format_time_us(value)

    columns = st.columns(2)
    columns[0].metric("Median", text(stats.median_us), help=f"Status: {markdown_literal(stats.status_text)}")
    columns[1].metric("CPU time (median)", text(stats.cpu_median_us))
    st.caption(f"min {text(stats.min_us)} · mean {text(stats.mean_us)} · max {text(stats.max_us)}  \n"
               + markdown_literal(f"{stats.status_text} · {stats.sample_count} samples · exec type "
                                  f"{stats.exec_type or 'n/a'} · execTimeMcs of the last inference: "
                                  f"{stats.exec_time_mcs or 'n/a'}"))


def _iteration_chart(iterations: pd.DataFrame) -> None:
    chart = alt.Chart(iterations).mark_bar().encode(
        x=alt.X("iteration:O", title="counter iteration"),
        y=alt.Y("real_time_us:Q", title="real time, µs"),
        tooltip=["iteration", "status", alt.Tooltip("real_time_us:Q", format=".1f")],
    ).properties(height=160)
    st.altair_chart(chart, width="stretch")


def _ports(details: LayerDetails) -> None:
    st.caption("Inputs")
    inputs = pd.DataFrame([dataclasses.asdict(port) for port in details.inputs])
    st.dataframe(inputs, hide_index=True, width="stretch") if not inputs.empty else st.caption("none")
    st.caption("Outputs")
    outputs = pd.DataFrame([dataclasses.asdict(port) for port in details.outputs])
    st.dataframe(outputs, hide_index=True, width="stretch") if not outputs.empty else st.caption("none")


def _mapping(details: LayerDetails) -> None:
    other = "IR layers" if details.side == "runtime" else "runtime layers"
    if not details.counterparts:
        st.caption(f"No {other} linked.")
        return
    st.caption(f"{len(details.counterparts)} {other} ({markdown_literal(details.mapping_class)})")
    frame = pd.DataFrame([dataclasses.asdict(part) for part in details.counterparts]).drop(columns=["side"])
    st.dataframe(frame, hide_index=True, width="stretch")
