"""The selected layer, shared by the layer table, both graphs and the search.

A selection is (side, layer_id) with side 'runtime' or 'ir'. Each source of a selection is a
widget whose value Streamlit keeps across reruns: a graph keeps the id of the node clicked
last, the table keeps its selected rows. A source changes the selection only when its value
differs from the value seen on the run before, so a value that merely persists never takes a
selection back from another source.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ovstudio.ui import state

_SEEN = "_selection_sources_seen"

Selection = tuple[str, str]


def current() -> Selection | None:
    value = st.session_state.get(state.SELECTION)
    return value if isinstance(value, tuple) else None


def select(side: str, layer_id: str) -> None:
    st.session_state[state.SELECTION] = (side, layer_id)


def clear() -> None:
    st.session_state[state.SELECTION] = None


def changed_value(key: str) -> Any:
    """Return the widget value under ``key`` when it differs from the last run's, else None."""
    seen: dict[str, Any] = st.session_state.setdefault(_SEEN, {})
    value = st.session_state.get(key)
    if value == seen.get(key):
        return None
    seen[key] = value
    return value
