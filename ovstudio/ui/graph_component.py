"""The one adapter to streamlit-agraph (vis-network): node and edge data, options, the call.

How the component is used, and why (streamlit-agraph 0.0.45, measured in headless Chromium on
2 cores):

- The component is called with a stable ``key``. Without one, any change to its arguments makes
  a new element, which remounts the graph, resets zoom and pan and returns None.
- The node and edge data of a graph never change while it is shown. Positions come from
  Python, with physics and vis.js layouts off. Nodes carry no ``title``, because a tooltip per
  node is a DOM element, and every edge has an explicit id. Its frontend compares old and new node lists
  pair by pair when they differ, which costs seconds at thousands of nodes, so identical data
  keeps that comparison away.
- Colors and highlights travel in the options instead: every node is its own vis.js group, and
  the ``groups`` option gives each group its style. A new selection or coloring mode only
  changes the options, which vis.js applies without redrawing the data or moving the view.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import pandas as pd
from streamlit_agraph import _agraph

# Maximum length of a node name drawn in a label; the details panel shows the full name.
LABEL_NAME_CHARS = 26
# Above this many nodes, edges are hidden while the view is dragged or zoomed.
_HIDE_EDGES_ABOVE = 1500

SELECTED_BORDER = "#000000"
HIGHLIGHT_BORDER = "#d1001f"
DEFAULT_BORDER = "#4d4d4d"


def graph_data_json(nodes: pd.DataFrame, edges: pd.DataFrame, edge_shapes: bool = False) -> str:
    """Serialize a laid-out graph once: nodes need node_id, name, type, x, y; edges edge_id, source, target.

    With ``edge_shapes`` each edge is labeled with the shape of its tensor, so edges then need a
    shape column. vis.js draws those labels only when the view is zoomed in far enough to read them.
    """
    node_items = [
        {
            "id": node_id,
            "label": f"{node_type}\n{_short(name)}",
            "x": int(x),
            "y": int(y),
            "group": node_id,
            "shape": "box",
        }
        for node_id, name, node_type, x, y in zip(nodes["node_id"], nodes["name"], nodes["type"], nodes["x"], nodes["y"])
    ]
    edge_items: list[dict[str, str]] = [
        {"id": edge_id, "from": source, "to": target}
        for edge_id, source, target in zip(edges["edge_id"], edges["source"], edges["target"])
    ]
    if edge_shapes:
        for item, shape in zip(edge_items, edges["shape"]):
            item["label"] = str(shape)
    return json.dumps({"nodes": node_items, "edges": edge_items}, separators=(",", ":"))


def graph_options_json(
    node_colors: Mapping[str, str],
    highlighted: Iterable[str] = (),
    selected: str | None = None,
    height_px: int = 640,
) -> str:
    """Build the vis.js options: fixed positions, no physics, and one style group per node."""
    highlighted = set(highlighted)
    groups = {node_id: _style(color, node_id == selected, node_id in highlighted) for node_id, color in node_colors.items()}
    options = {
        "height": f"{height_px}px",
        "width": "100%",
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "hierarchical": {"enabled": False}},
        # Labels carry layer names and types from the model, so vis.js must draw them as plain text:
        # with font.multi on it would read <b>, <i> and *bold* markup in them.
        "nodes": {"font": {"size": 12, "face": "sans-serif", "multi": False}, "margin": 6, "borderWidth": 1},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}, "smooth": False,
                  "font": {"size": 9, "align": "middle", "color": "#555555", "multi": False},
                  "color": {"color": "#9a9a9a", "highlight": "#d1001f"}, "width": 1},
        "interaction": {
            "hover": False,
            "dragNodes": False,
            "multiselect": False,
            "selectConnectedEdges": False,
            "hideEdgesOnDrag": len(node_colors) > _HIDE_EDGES_ABOVE,
            "hideEdgesOnZoom": len(node_colors) > _HIDE_EDGES_ABOVE,
            "zoomView": True,
            "dragView": True,
        },
        "groups": groups,
    }
    return json.dumps(options, separators=(",", ":"))


def draw_graph(key: str, data_json: str, options_json: str) -> str | None:
    """Draw the graph; return the id of the node clicked last, or None before any click."""
    value = _agraph(data=data_json, config=options_json, key=key, default=None)
    return value if isinstance(value, str) else None


def _style(color: str, is_selected: bool, is_highlighted: bool) -> dict[str, object]:
    border, width = DEFAULT_BORDER, 1
    if is_selected:
        border, width = SELECTED_BORDER, 5
    elif is_highlighted:
        border, width = HIGHLIGHT_BORDER, 4
    # vis.js keeps its own "selected" node, the one clicked last, even after the page's selection
    # moved elsewhere. Drawing that state like any other node leaves only the page's styles.
    return {
        "color": {"background": color, "border": border, "highlight": {"background": color, "border": border}},
        "borderWidth": width,
        "borderWidthSelected": width,
        "font": {"color": _text_color(color)},
    }


def _text_color(background: str) -> str:
    """Pick black or white text, whichever reads better on ``background`` (#rrggbb)."""
    try:
        red, green, blue = (int(background[index:index + 2], 16) for index in (1, 3, 5))
    except ValueError:
        return "#000000"
    luminance = 0.299 * red + 0.587 * green + 0.114 * blue
    return "#000000" if luminance > 140 else "#ffffff"


def _short(name: str) -> str:
    return name if len(name) <= LABEL_NAME_CHARS else name[:LABEL_NAME_CHARS - 1] + "…"
