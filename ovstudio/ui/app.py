"""The studio page: navigation between New profile, Sessions and Analysis."""

from __future__ import annotations

import logging

import streamlit as st

from ovstudio.ui import analysis_page, profile_page, sessions_page, state
from ovstudio.ui.paths import sessions_folder

logger = logging.getLogger(__name__)


def main() -> None:
    st.set_page_config(page_title="ovstudio", layout="wide")
    sessions_dir = sessions_folder()
    state.open_from_query_params()
    linked_session = state.open_session_id() if st.query_params.get(state.SESSION_QUERY_PARAM) else None

    pages = {
        "profile": st.Page(lambda: profile_page.render(sessions_dir), title="New profile",
                           url_path="profile", default=True),
        "sessions": st.Page(lambda: sessions_page.render(sessions_dir), title="Sessions",
                           url_path="sessions"),
        "analysis": st.Page(lambda: analysis_page.render(sessions_dir), title="Analysis",
                           url_path="analysis"),
    }
    state.register_pages(pages)
    page = st.navigation(list(pages.values()), position="top")
    if linked_session is not None and page is pages["profile"]:
        # A link to the app with ?session=<id> opens that session's analysis.
        st.switch_page(pages["analysis"], query_params={state.SESSION_QUERY_PARAM: linked_session})
    page.run()
