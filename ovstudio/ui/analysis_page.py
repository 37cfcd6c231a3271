"""Analysis of one session: summary, charts, controls, both graphs, details and the layer table."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import streamlit as st

from ovstudio.coloring import COLORING_MODES
from ovstudio.errors import OvStudioError, SessionError
from ovstudio.selection import SelectionResult, select_layer
from ovstudio.session.store import Session
from ovstudio.ui import (
    cache,
    charts_view,
    details_view,
    graphs_view,
    search_view,
    selection_state,
    state,
    summary_view,
    table_view,
)
from ovstudio.ui.graphs_view import GraphSettings
from ovstudio.ui.text import markdown_literal

logger = logging.getLogger(__name__)

MODE_LABELS = {
    "layer_type": "Layer type",
    "execution_time": "Execution time",
    "runtime_precision": "Runtime precision (runtime graph)",
    "output_precision": "Output precision (IR graph)",
    "mapping_class": "Mapping class",
}
# Modes that apply to one graph only; the other graph keeps coloring by layer type.
_ONE_SIDE_MODES = {"runtime_precision": "runtime", "output_precision": "ir"}


def render(sessions_dir: Path) -> None:
    session_id = state.open_session_id()
    if session_id is None:
        st.header("Analysis")
        st.info("No session is open: profile a model under New profile, or open one under Sessions.")
        return
    try:
        path, session = cache.load_session(sessions_dir, session_id)
    except SessionError as error:
        # The message quotes the session id of the link, which anyone can write.
        st.error(markdown_literal(error), icon=":material/error:")
        return
    st.query_params[state.SESSION_QUERY_PARAM] = session_id

    summary = summary_view.render_header(session)
    summary_view.render_metrics(summary)
    charts_view.render(path, session, sessions_dir)

    # Selection sources first: what was clicked or picked since the last run decides what every
    # view below highlights.
    graphs_view.consume_clicks()
    table_view.consume_table_selection(path, session)
    settings = _controls(path, session)
    result = _selection_result(session)

    if settings.expanded:
        _graphs(path, session, result, settings.graphs, settings.show_ir)
        details_view.render(session, result)
    else:
        left, right = st.columns([5, 2])
        with left:
            _graphs(path, session, result, settings.graphs, settings.show_ir)
        with right:
            details_view.render(session, result)
    table_view.render(path, session, result)


class _Settings:
    def __init__(self, graphs: GraphSettings, show_ir: bool, expanded: bool) -> None:
        self.graphs, self.show_ir, self.expanded = graphs, show_ir, expanded


def _controls(path: Path, session: Session) -> _Settings:
    columns = st.columns([2, 1, 1, 1, 1, 1])
    mode = columns[0].selectbox("Color by", COLORING_MODES, format_func=lambda item: MODE_LABELS.get(item, item),
                                key="coloring_mode")
    log_scale = columns[1].toggle("Log time scale", key="log_scale", disabled=mode != "execution_time")
    show_ir = columns[2].toggle("Visualize original IR", value=True, key="show_ir")
    around = columns[3].toggle("Only around selection", key="around_selection",
                               help=f"Draw the {graphs_view.WINDOW_NODES} layers nearest the selection instead of "
                               "the whole graph, centered on it.")
    edge_shapes = columns[4].toggle("Tensor shapes", key="edge_shapes",
                                    help="Label each edge with its tensor's shape; the labels show when zoomed in.")
    expanded = columns[5].toggle("Expand graphs", key="expand_graphs", help="Give the graphs the full page width.")
    search_view.render(path, session)
    graph_settings = GraphSettings(mode, log_scale, around, 760 if expanded else 600, edge_shapes)
    return _Settings(graph_settings, show_ir, expanded)


def _selection_result(session: Session) -> SelectionResult | None:
    selection = selection_state.current()
    if selection is None:
        return None
    side, layer_id = selection
    try:
        return select_layer(session, side, layer_id)  # type: ignore[arg-type]
    except OvStudioError as error:
        logger.info("dropping selection %s: %s", selection, error)
        selection_state.clear()
        return None


def _graphs(path: Path, session: Session, result: SelectionResult | None, settings: GraphSettings, show_ir: bool) -> None:
    sides = ("runtime", "ir") if show_ir else ("runtime",)
    columns = st.columns(len(sides))
    for column, side in zip(columns, sides):
        mode = settings.coloring_mode
        if _ONE_SIDE_MODES.get(mode, side) != side:
            mode = "layer_type"
        with column:
            graphs_view.render_graph(path, session, side, result, dataclasses.replace(settings, coloring_mode=mode))
