"""Keys of st.session_state shared by the views, and the open session."""

from __future__ import annotations

from typing import Any

import streamlit as st

# Not "open_session": that is the key of the Sessions page's Open button, and Streamlit raises
# when code writes the session state key of a widget drawn on the page.
OPEN_SESSION = "open_session_id"
SELECTION = "selection"
JOB = "profile_job"
_PAGES = "_pages"
# URL query parameter that names the open session, so a link or a new tab reopens it.
SESSION_QUERY_PARAM = "session"


def register_pages(pages: dict[str, Any]) -> None:
    st.session_state[_PAGES] = pages


def switch_to(page: str) -> None:
    session_id = open_session_id()
    query_params = {SESSION_QUERY_PARAM: session_id} if page == "analysis" and session_id else None
    st.switch_page(st.session_state[_PAGES][page], query_params=query_params)


def open_from_query_params() -> None:
    requested = st.query_params.get(SESSION_QUERY_PARAM)
    if requested and requested != st.session_state.get(OPEN_SESSION):
        open_session(requested)


def open_session(session_id: str | None) -> None:
    """Make ``session_id`` the open session; a new session starts with nothing selected."""
    if st.session_state.get(OPEN_SESSION) != session_id:
        st.session_state[SELECTION] = None
    st.session_state[OPEN_SESSION] = session_id
    # The URL names the open session; an older id left in it would reopen that session on the
    # next run (see open_from_query_params).
    if session_id is None:
        st.query_params.pop(SESSION_QUERY_PARAM, None)
    elif SESSION_QUERY_PARAM in st.query_params:
        st.query_params[SESSION_QUERY_PARAM] = session_id


def open_session_id() -> str | None:
    value = st.session_state.get(OPEN_SESSION)
    return value if isinstance(value, str) else None
