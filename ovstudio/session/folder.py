"""The sessions folder, checked before a profile runs.

This module imports neither pandas nor pyarrow, so a caller can check the folder before it
starts a worker and before it loads the session writer.
"""

from __future__ import annotations

import os
from pathlib import Path

from ovstudio.errors import SessionError


def check_sessions_folder(folder: Path | str) -> Path:
    """Create the sessions folder if needed and check that sessions can be written to it.

    Called before a profile runs, so a bad folder fails at once rather than after the run.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise SessionError(f"sessions folder {folder} is a file, not a folder: choose another sessions folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SessionError(
            f"sessions folder {folder} cannot be created ({error.strerror}): choose a folder you can write to"
        ) from error
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SessionError(f"sessions folder {folder} is not writable: choose a folder you can write to")
    return folder
