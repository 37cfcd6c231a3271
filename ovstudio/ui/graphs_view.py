"""The runtime graph and the original IR graph, colored, with the selection highlighted on both."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import streamlit as st

from ovstudio.coloring import Coloring
from ovstudio.graph.window import neighborhood
from ovstudio.legend import LegendEntry, TimeScale
from ovstudio.selection import SelectionResult
from ovstudio.session.store import Session
from ovstudio.ui import derived, selection_state
from ovstudio.ui.graph_component import draw_graph, graph_options_json
from ovstudio.ui.text import html_literal, markdown_literal

# Color of a node whose layer the coloring has no entry for.
FALLBACK_COLOR = "#cccccc"
# Nodes drawn around the selection when the view shows only part of the graph.
WINDOW_NODES = 150
TITLES = {"runtime": "Runtime graph (execution nodes)", "ir": "Original IR graph"}
_LAST_KEY = "_graph_key::"


@dataclasses.dataclass(frozen=True)
class GraphSettings:
    """Settings of the graph views, from the controls above them."""

    coloring_mode: str
    log_scale: bool
    around_selection: bool
    height_px: int
    edge_shapes: bool = False


def consume_clicks() -> None:
    """Turn a node clicked since the last run, in either graph, into the selection.

    NOTE: the component returns the last clicked node, not a click event, so clicking the node
    a graph returned last, after selecting elsewhere, changes nothing until another node of that
    graph is clicked.
    """
    for side in ("runtime", "ir"):
        key = st.session_state.get(_LAST_KEY + side)
        if key is None:
            continue
        clicked = selection_state.changed_value(key)
        if isinstance(clicked, str):
            selection_state.select(side, clicked)


def render_graph(path: Path, session: Session, side: str, result: SelectionResult | None, settings: GraphSettings) -> None:
    st.markdown(f"**{TITLES[side]}**")
    version = path.stat().st_mtime_ns
    graph = derived.display_graph(str(path), version, side, session)
    if graph.nodes.empty:
        reason = session.info.get("runtime_model_error") if side == "runtime" else None
        detail = f" ({markdown_literal(reason)})." if reason else "."
        st.info(f"Nothing to draw: the session has no {TITLES[side].lower()}{detail}")
        return

    highlighted, selected = _highlight(graph.node_of, side, result)
    window = _window(graph, highlighted, selected, settings.around_selection)
    coloring = derived.coloring(str(path), version, side, settings.coloring_mode, settings.log_scale, session)
    drawn_ids = window if window is not None else tuple(graph.nodes["node_id"])
    node_colors = {node_id: coloring.colors.get(node_id, FALLBACK_COLOR) for node_id in drawn_ids}

    data_json = derived.graph_json(str(path), version, side, window, settings.edge_shapes, graph)
    options_json = graph_options_json(node_colors, highlighted, selected, settings.height_px)
    shapes_key = "shapes" if settings.edge_shapes else "plain"
    key = f"graph::{side}::{path.stem}::{_window_key(window)}::{shapes_key}"
    st.session_state[_LAST_KEY + side] = key
    draw_graph(key, data_json, options_json)
    # Below the graph, so a notice on one side does not push its graph out of line with the other.
    _notice(side, result)
    st.caption(f"{len(drawn_ids):,} of {len(graph.nodes):,} nodes drawn; constants are folded into the layer they feed. "
               "Click a node to select it; scroll to zoom, drag to pan. Legend counts are layers, folded "
               "constants and layers inside If, Loop and TensorIterator bodies included.")
    render_legend(coloring)


def _notice(side: str, result: SelectionResult | None) -> None:
    if result is None:
        return
    notice = result.notice_runtime if side == "runtime" else result.notice_ir
    if notice:
        st.warning(markdown_literal(notice), icon=":material/link_off:")


def _highlight(node_of: dict[str, str], side: str, result: SelectionResult | None) -> tuple[set[str], str | None]:
    if result is None:
        return set(), None
    layer_ids = result.runtime_ids if side == "runtime" else result.ir_ids
    highlighted = {node_of[layer_id] for layer_id in layer_ids if layer_id in node_of}
    selected = node_of.get(result.layer_id) if result.side == side else None
    return highlighted, selected


def _window(graph: object, highlighted: set[str], selected: str | None, around_selection: bool) -> tuple[str, ...] | None:
    centers = sorted(highlighted | ({selected} if selected else set()))
    if not around_selection or not centers:
        return None
    return tuple(sorted(neighborhood(graph, centers, max(WINDOW_NODES, len(centers)))))  # type: ignore[arg-type]


def _window_key(window: tuple[str, ...] | None) -> str:
    if window is None:
        return "whole"
    return hashlib.sha1("\n".join(window).encode()).hexdigest()[:12]


def render_legend(coloring: Coloring) -> None:
    """Draw the legend of a coloring: color chips, or a color scale for execution time."""
    legend = coloring.legend
    if isinstance(legend, TimeScale):
        st.markdown(_scale_html(legend), unsafe_allow_html=True)
        return
    chips = "".join(_chip(entry) for entry in legend)
    st.markdown(f"<div style='line-height:1.9'>{chips}</div>", unsafe_allow_html=True)


def _chip(entry: LegendEntry) -> str:
    # Layer types and precisions come from the model file, so they are escaped like any upload.
    label = html_literal(entry.label)
    return (f"<span style='display:inline-block;margin:0 10px 0 0;white-space:nowrap'>"
            f"<span style='display:inline-block;width:12px;height:12px;border:1px solid #555;"
            f"background:{html_literal(entry.color)};vertical-align:middle'></span> {label} ({entry.count})</span>")


def _scale_html(scale: TimeScale) -> str:
    # Each legend starts with a <div>, so Markdown passes the whole line through as an HTML block
    # and reads no Markdown inside the labels.
    if not scale.stops:
        return f"<div>{_chip(scale.not_executed)}</div>"
    gradient = ", ".join(html_literal(stop.color) for stop in scale.stops)
    labels = "".join(f"<span>{html_literal(stop.label)}</span>" for stop in scale.stops)
    kind = "log scale" if scale.log_scale else "linear scale"
    return (f"<div style='max-width:420px'><div style='height:12px;border:1px solid #555;"
            f"background:linear-gradient(to right, {gradient})'></div>"
            f"<div style='display:flex;justify-content:space-between;font-size:0.8em'>{labels}</div>"
            f"<div style='font-size:0.8em'>median execution time, {kind}</div></div>" + _chip(scale.not_executed))
