"""Sessions: list the saved sessions, open, delete, export and import them."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import streamlit as st

from ovstudio.errors import SessionError
from ovstudio.session.store import delete_session, import_session, list_sessions, session_path
from ovstudio.ui import state
from ovstudio.ui.text import markdown_lines

logger = logging.getLogger(__name__)

_TABLE_KEY = "sessions_table"
_IMPORTED = "imported_uploads"
_CLEAR_SELECTION = "clear_sessions_selection"
# Listing column -> header shown on the page.
DISPLAY_COLUMNS = {
    "model_name": "model",
    "device": "device",
    "execution_devices": "executed on",
    "inference_precision": "precision",
    "created_utc": "created (UTC)",
    "latency_median_ms": "median latency, ms",
    "throughput_fps": "throughput, FPS",
    "iterations": "iterations",
    "runtime_layer_count": "runtime layers",
    "session_id": "session id",
    "error": "error",
}


def render(sessions_dir: Path) -> None:
    st.header("Sessions")
    st.caption(f"Folder: `{sessions_dir}` (set OVSTUDIO_SESSIONS_DIR to use another)")
    _import_form(sessions_dir)

    try:
        listing = list_sessions(sessions_dir)
    except SessionError as error:
        st.error(markdown_lines(error), icon=":material/error:")
        return
    if listing.empty:
        st.info(f"No sessions in {sessions_dir} yet: profile a model or import a session file.")
        return

    table = display_listing(listing)
    if st.session_state.pop(_CLEAR_SELECTION, False):
        # After a delete the selected row number points at another session, or past the end.
        st.session_state[_TABLE_KEY] = {"selection": {"rows": [], "columns": []}}
    column_config = {
        "median latency, ms": st.column_config.NumberColumn(format="%.3f"),
        "throughput, FPS": st.column_config.NumberColumn(format="%.1f"),
    }
    event = st.dataframe(table, hide_index=True, key=_TABLE_KEY, on_select="rerun",
                         selection_mode="single-row", width="stretch", column_config=column_config)
    # A file deleted outside this page, such as in another tab, can leave a row past the end.
    rows = [row for row in event.selection.rows if row < len(table)]
    if not rows:
        st.caption(f"{len(table)} sessions. Select one to open, download or delete it.")
        return
    _actions(listing.iloc[rows[0]], sessions_dir)


def display_listing(listing: pd.DataFrame) -> pd.DataFrame:
    """Keep and rename the listing columns the page shows; an all-empty error column is dropped."""
    table = listing[[column for column in DISPLAY_COLUMNS if column in listing.columns]].copy()
    table["execution_devices"] = table["execution_devices"].map(
        lambda devices: ", ".join(devices) if isinstance(devices, (list, tuple)) else devices)
    table["created_utc"] = table["created_utc"].map(lambda value: str(value)[:19].replace("T", " ") if value else "")
    if "error" in table.columns:
        if table["error"].isna().all():
            table = table.drop(columns=["error"])
        else:
            table["error"] = table["error"].fillna("")
    return table.rename(columns=DISPLAY_COLUMNS)


def _actions(row: pd.Series, sessions_dir: Path) -> None:
    session_id = str(row["session_id"])
    readable = not (isinstance(row.get("error"), str) and row["error"])
    columns = st.columns([1, 1, 1, 3])
    if columns[0].button("Open", type="primary", key="open_session", disabled=not readable, icon=":material/insights:"):
        state.open_session(session_id)
        state.switch_to("analysis")

    path = session_path(sessions_dir, session_id)
    if path.is_file():
        columns[1].download_button("Download", data=path.read_bytes(), file_name=path.name,
                                   mime="application/vnd.apache.parquet", key="download_session",
                                   icon=":material/download:")
    if columns[2].button("Delete", key="delete_session", icon=":material/delete:"):
        st.session_state["confirm_delete"] = session_id
    if st.session_state.get("confirm_delete") == session_id:
        _confirm_delete(session_id, sessions_dir)


def _confirm_delete(session_id: str, sessions_dir: Path) -> None:
    st.warning(f"Delete session {session_id}? Its file is removed from {sessions_dir}.")
    if st.button("Delete for good", key="confirm_delete_button", type="primary"):
        try:
            delete_session(sessions_dir, session_id)
        except SessionError as error:
            st.error(markdown_lines(error), icon=":material/error:")
            return
        logger.info("deleted session %s", session_id)
        st.session_state["confirm_delete"] = None
        st.session_state[_CLEAR_SELECTION] = True
        if state.open_session_id() == session_id:
            state.open_session(None)
        st.rerun()


def _import_form(sessions_dir: Path) -> None:
    with st.expander("Import a session file"):
        upload = st.file_uploader("Session .parquet exported from ovstudio", type=["parquet"], key="session_import")
        if upload is None:
            return
        # Each upload is imported once, not again on every rerun of the page: upload file_id ->
        # (session id, None) after an import, (None, error message) after a rejection.
        imported: dict[str, tuple[str | None, str | None]] = st.session_state.setdefault(_IMPORTED, {})
        if upload.file_id not in imported:
            imported[upload.file_id] = _import(upload.getvalue(), upload.name, sessions_dir)
        session_id, error = imported[upload.file_id]
        if error is not None:
            st.error(markdown_lines(error), icon=":material/error:")
        else:
            st.success(f"Imported as session {session_id}.")


def _import(data: bytes, file_name: str, sessions_dir: Path) -> tuple[str | None, str | None]:
    try:
        path = import_session(data, file_name, sessions_dir)
    except SessionError as error:
        logger.info("import of %s rejected: %s", file_name, error)
        return None, str(error)
    logger.info("imported %s as %s", file_name, path.name)
    return path.stem, None
