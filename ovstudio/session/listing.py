"""List the sessions of a folder from their Parquet footers, without reading any table."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
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
# Threads that read footers at the same time. pyarrow parses a footer without holding the GIL.
READ_THREADS = 4

# The file's (inode, size, mtime in ns) when its row was read. Writers replace a session file
# with a new one, which changes this key, so a cached row is never older than its file.
_FileKey = tuple[int, int, int]
# Rows of readable files by resolved folder, then file name, with the key of the file they were
# read from. Each listing keeps only the files it found, so the cache never outgrows the folders.
_ROW_CACHE: dict[Path, dict[str, tuple[_FileKey, dict[str, Any]]]] = {}


def list_sessions(folder: Path | str) -> pd.DataFrame:
    """Return one row per ``*.parquet`` file of ``folder``, newest first.

    The rows come from the footer summaries only. A file whose footer cannot be read, or that
    a newer ovstudio wrote, is listed with its reason in the ``error`` column and its file stem
    as session_id, after the readable sessions. Hidden files, such as the temporary files of
    writers, are ignored. A missing folder gives an empty listing; a path that is a file, or a
    folder that cannot be read, raises SessionError. ``session_id`` is the file's stem, the id
    that opens the session, even when a renamed copy's footer names another id.

    Parsing a session's footer takes milliseconds (the Thrift metadata of every column chunk,
    of which the listing needs one key), so the rows of readable files are kept per process and
    a later listing reads only the footers of new or replaced files.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise SessionError(f"sessions folder {folder} is a file, not a folder: give the folder of the sessions")
    if folder.exists() and not os.access(folder, os.R_OK | os.X_OK):
        raise SessionError(f"sessions folder {folder} cannot be read: check its permissions")
    paths = sorted(path for path in folder.glob("*.parquet") if not path.name.startswith("."))
    rows = _cached_rows(folder.resolve(), paths)

    listing = pd.DataFrame(rows, columns=list(LISTING_COLUMNS))
    listing["created_utc"] = pd.to_datetime(listing["created_utc"], utc=True, format="ISO8601", errors="coerce")
    listing = listing.sort_values("created_utc", ascending=False, na_position="last", kind="stable")
    return listing.reset_index(drop=True)


def clear_listing_cache() -> None:
    """Forget the cached rows, so that the next listing reads every footer again."""
    _ROW_CACHE.clear()


def _cached_rows(folder: Path, paths: list[Path]) -> list[dict[str, Any]]:
    """Return the listing row of each path, reading the footers of new or replaced files only."""
    cached = _ROW_CACHE.get(folder, {})
    keys = {path: _file_key(path) for path in paths}
    to_read = [path for path in paths if keys[path] is None or _cached_key(cached, path.name) != keys[path]]
    read: dict[Path, dict[str, Any]] = {}
    if to_read:
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            read = dict(zip(to_read, pool.map(_listing_row, to_read), strict=True))

    rows = []
    entries: dict[str, tuple[_FileKey, dict[str, Any]]] = {}
    for path in paths:
        key = keys[path]
        if path in read:
            row = read[path]
            # A row with an error is read again next time: permissions can change without a new mtime.
            if key is not None and row["error"] is None:
                entries[path.name] = (key, row)
        else:
            entries[path.name] = cached[path.name]
            row = cached[path.name][1]
        rows.append(dict(row))
    _ROW_CACHE[folder] = entries
    return rows


def _cached_key(cached: dict[str, tuple[_FileKey, dict[str, Any]]], name: str) -> _FileKey | None:
    entry = cached.get(name)
    return entry[0] if entry is not None else None


def _file_key(path: Path) -> _FileKey | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_ino, status.st_size, status.st_mtime_ns


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
