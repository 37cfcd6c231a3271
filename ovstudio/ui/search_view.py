"""Search layers by name (substring or regex), type or dimensions; picking a hit selects it."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ovstudio.errors import InvalidSettingError
from ovstudio.search import search_session
from ovstudio.session.store import Session
from ovstudio.ui import selection_state
from ovstudio.ui.text import markdown_literal

SEARCH_FIELDS = {"name": "Name", "type": "Type", "dims": "Dimensions"}
SIDE_LABELS = {"runtime": "Runtime graph", "ir": "IR graph"}
_PICK = "search_pick"


def render(path: Path, session: Session) -> None:
    columns = st.columns([3, 1, 1, 1, 3])
    query = columns[0].text_input("Search layers", key="search_query",
                                  placeholder="name, type such as Convolution, or dims such as 1x3x224x224")
    field: str = columns[1].selectbox("By", list(SEARCH_FIELDS), format_func=lambda item: SEARCH_FIELDS[item],
                                      key="search_field") or "name"
    side: str = columns[2].selectbox("In", list(SIDE_LABELS), format_func=lambda item: SIDE_LABELS[item],
                                     key="search_side") or "runtime"
    regex = columns[3].toggle("Regex", key="search_regex", disabled=field != "name")
    if not query:
        return

    try:
        hits = search_session(session, side, query, field, regex=regex and field == "name")  # type: ignore[arg-type]
    except InvalidSettingError as error:
        columns[4].error(markdown_literal(error), icon=":material/error:")
        return
    if not hits:
        columns[4].caption(f"No {SIDE_LABELS[side].lower()} layer matches {markdown_literal(repr(query))}.")
        return
    # Options are the texts shown, each ending with its unique layer_id, so the choice maps back.
    choices = {f"{hit.description} [{hit.layer_id}]": hit.layer_id for hit in hits}
    columns[4].selectbox(f"{len(hits)} matches: pick one to select it", list(choices), index=None,
                         key=_PICK, on_change=_pick, args=(side, choices))


def _pick(side: str, choices: dict[str, str]) -> None:
    choice = st.session_state.get(_PICK)
    if isinstance(choice, str) and choice in choices:
        selection_state.select(side, choices[choice])
