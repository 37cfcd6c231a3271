"""Data derived from a session once and reused across reruns: display graphs, their JSON, colorings.

Every function takes the session file path and its mtime as the cache key, next to the
session itself, which its leading underscore keeps out of the hash. So a new or rewritten file
is derived again, and an unchanged one is not.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ovstudio.coloring import Coloring, color_ir_layers, color_runtime_layers
from ovstudio.graph.display import DisplayGraph, build_display_graph
from ovstudio.graph.window import relaid_subgraph
from ovstudio.layer_lookup import check_side, edges_of_side, layers_of_side
from ovstudio.layer_table import build_layer_table
from ovstudio.session.store import Session
from ovstudio.ui.graph_component import graph_data_json


@st.cache_resource(max_entries=12, show_spinner="Laying out the graph")
def display_graph(path: str, version: int, side: str, _session: Session) -> DisplayGraph:
    graph_side = check_side(side)
    return build_display_graph(layers_of_side(_session, graph_side), edges_of_side(_session, graph_side), graph_side)


@st.cache_resource(max_entries=24)
def graph_json(
    path: str, version: int, side: str, window: tuple[str, ...] | None, edge_shapes: bool, _graph: DisplayGraph
) -> str:
    """Serialize the whole graph, or the nodes of ``window`` and the edges between them, laid out alone."""
    graph = _graph if window is None else relaid_subgraph(_graph, window)
    return graph_data_json(graph.nodes, graph.edges, edge_shapes)


@st.cache_resource(max_entries=48)
def coloring(path: str, version: int, side: str, mode: str, log_scale: bool, _session: Session) -> Coloring:
    tables = _session.tables
    if side == "runtime":
        return color_runtime_layers(tables["runtime_layers"], mode, log_scale)  # type: ignore[arg-type]
    return color_ir_layers(tables["ir_layers"], tables["runtime_layers"], tables["mapping"], mode, log_scale)  # type: ignore[arg-type]


@st.cache_resource(max_entries=6)
def layer_table(path: str, version: int, _session: Session) -> pd.DataFrame:
    return build_layer_table(_session)
