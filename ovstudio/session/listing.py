"""List the sessions of a folder from their Parquet footers, without reading any table."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ovstudio.errors import SessionError
from ovstudio.session.footer import SUMMARY_KEYS, check_schema_version, decode_summary

logger = logging.getLogger(__name__)

# Columns of the listing: the footer summary, then the file's name and size, and the error
# that makes the file unreadable (null for a good file).
LISTING_COLUMNS = (*SUMMARY_KEYS, "file_name", "size_bytes", "error")


def list_sessions(folder: Path | str) -> pd.DataFrame:
    """Return one row per ``*.parquet`` file of ``folder``, newest first.

    The rows come from the footer summaries only. A file whose footer cannot be read, or that
    a newer ovstudio wrote, is listed with its reason in the ``error`` column and its file stem
    as session_id, after the readable sessions. Hidden files, such as the temporary files of
    writers, are ignored. A missing folder gives an empty listing; a path that is a file, or a
    folder that cannot be read, raises SessionError. ``session_id`` is the file's stem, the id
    that opens the session, even when a renamed copy's footer names another id.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise SessionError(f"sessions folder {folder} is a file, not a folder: give the folder of the sessions")
    if folder.exists() and not os.access(folder, os.R_OK | os.X_OK):
        raise SessionError(f"sessions folder {folder} cannot be read: check its permissions")
    paths = sorted(path for path in folder.glob("*.parquet") if not path.name.startswith("."))
    rows = [_listing_row(path) for path in paths]

    listing = pd.DataFrame(rows, columns=list(LISTING_COLUMNS))
    listing["created_utc"] = pd.to_datetime(listing["created_utc"], utc=True, format="ISO8601", errors="coerce")
    listing = listing.sort_values("created_utc", ascending=False, na_position="last", kind="stable")
    return listing.reset_index(drop=True)


def _listing_row(path: Path) -> dict[str, Any]:
    row: dict[str, Any] = {"session_id": path.stem, "file_name": path.name, "error": None}
    source = f"session file {path}"
    try:
        row["size_bytes"] = path.stat().st_size
        summary = decode_summary(pq.read_metadata(path).metadata, source)
        row.update({key: summary[key] for key in SUMMARY_KEYS if key in summary})
        # The file name is the id that `show`, delete and open take, even for a renamed copy.
        row["session_id"] = path.stem
        check_schema_version(summary["schema_version"], source)
    except SessionError as error:
        row["error"] = str(error)
    except PermissionError as error:
        row["error"] = f"{source} cannot be read ({error.strerror}): check the file's permissions"
    except (pa.ArrowException, OSError) as error:
        row["error"] = f"{source} is not a readable Parquet file ({error}); it may be truncated or not a session file"
    if row["error"] is not None:
        logger.warning("listing %s: %s", path, row["error"])
    return row
