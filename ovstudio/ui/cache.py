"""Sessions read once per file version and shared by every rerun and browser tab.

``st.cache_resource`` returns the same objects to every caller without copying them, so the
views treat what these functions return as read-only.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ovstudio.errors import SessionError
from ovstudio.session.store import Session, read_session, session_path


def load_session(sessions_dir: Path, session_id: str) -> tuple[Path, Session]:
    """Read a session of ``sessions_dir``; raises SessionError when it is missing or unreadable."""
    path = session_path(sessions_dir, session_id)
    try:
        version = path.stat().st_mtime_ns
    except FileNotFoundError as error:
        raise SessionError(f"session {session_id!r} not found in {sessions_dir}: it may have been deleted") from error
    return path, _read(str(path), version)


@st.cache_resource(max_entries=6, show_spinner="Reading the session")
def _read(path: str, version: int) -> Session:
    # ``version`` (the file's mtime) is part of the cache key, so a rewritten file is read again.
    return read_session(path)
