"""Charts of a session: time by layer type and by runtime precision, and every session of the model."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from ovstudio.charts import sessions_of_model, time_by_precision, time_by_type
from ovstudio.errors import SessionError
from ovstudio.session.store import Session, list_sessions
from ovstudio.ui import state
from ovstudio.ui.text import markdown_literal

# Layer types shown in the time-by-type chart; the rest are summed into one bar.
TOP_TYPES = 15


def render(path: Path, session: Session, sessions_dir: Path) -> None:
    # The charts run only while the expander is open, so they cost nothing on a first view.
    expander = st.expander("Charts: time by layer type and precision, sessions of this model", key="charts_open",
                           on_change="rerun")
    if not expander.open:
        return
    with expander:
        left, middle, right = st.columns(3)
        with left:
            _time_bars(time_by_type(session), "layer_type", "Time by layer type")
        with middle:
            _time_bars(time_by_precision(session), "runtime_precision", "Time by runtime precision")
        with right:
            _sessions_chart(session, sessions_dir)


def _time_bars(frame: pd.DataFrame, category: str, title: str) -> None:
    st.markdown(f"**{title}**")
    if frame.empty:
        st.caption("No per-layer counters in this session.")
        return
    frame = frame.head(TOP_TYPES).assign(time_ms=lambda table: table["time_median_sum_us"] / 1000.0)
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("time_ms:Q", title="median time, ms"),
        y=alt.Y(f"{category}:N", sort="-x", title=None),
        tooltip=[category, alt.Tooltip("time_ms:Q", format=".3f"), alt.Tooltip("time_share_pct:Q", format=".1f")],
    )
    st.altair_chart(chart, width="stretch")


def _sessions_chart(session: Session, sessions_dir: Path) -> None:
    st.markdown("**Throughput vs latency, every session of this model**")
    try:
        listing = list_sessions(sessions_dir)
    except SessionError as error:
        st.caption(markdown_literal(error))
        return
    points = sessions_of_model(listing, session.info["model_hash"])
    if points.empty:
        st.caption("No other session of this model.")
        return

    points = points.assign(
        session=points["session_id"].map(lambda session_id: "this session" if session_id == session.session_id
                                         else "other sessions"))
    pick = alt.selection_point(fields=["session_id"], name="pick", on="click")
    chart = alt.Chart(points).mark_point(size=140, filled=True).encode(
        x=alt.X("latency_median_ms:Q", title="median latency, ms"),
        y=alt.Y("throughput_fps:Q", title="throughput, FPS"),
        color=alt.Color("session:N", title=None,
                        scale=alt.Scale(domain=["this session", "other sessions"], range=["#d1001f", "#0072b2"])),
        shape=alt.Shape("device:N", title="device"),
        tooltip=[alt.Tooltip("label:N", title="session"), alt.Tooltip("session_id:N", title="id"),
                 alt.Tooltip("device:N", title="device"), alt.Tooltip("precision:N", title="precision"),
                 alt.Tooltip("latency_median_ms:Q", title="median latency, ms", format=".3f"),
                 alt.Tooltip("throughput_fps:Q", title="throughput, FPS", format=".1f")],
    ).add_params(pick)
    event = st.altair_chart(chart, width="stretch", on_select="rerun", key=f"sessions_chart::{session.session_id}")
    picked = event.selection.get("pick") if event is not None else None
    if picked:
        session_id = picked[0].get("session_id")
        if isinstance(session_id, str) and session_id != session.session_id:
            state.open_session(session_id)
            st.rerun()
    st.caption("Click a point to open that session.")
