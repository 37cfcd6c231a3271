"""The sessions folder of the app."""

from __future__ import annotations

import os
from pathlib import Path

# The sessions folder: $OVSTUDIO_SESSIONS_DIR, or `sessions/` beside streamlit_app.py.
SESSIONS_DIR_VARIABLE = "OVSTUDIO_SESSIONS_DIR"
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def sessions_folder() -> Path:
    configured = os.environ.get(SESSIONS_DIR_VARIABLE)
    return Path(configured).expanduser() if configured else _PROJECT_ROOT / "sessions"
