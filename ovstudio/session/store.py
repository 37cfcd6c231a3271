"""Session files: one Parquet file per session, written atomically, read with upgrades.

A folder of sessions contains ``<session_id>.parquet`` files. Writers first write a hidden
``.<session_id>.<random>.tmp`` file in the same folder, fsync it and rename it over the final
name, so a reader never sees a partial file. A new session is linked to its final name
instead, which fails when the name exists, so two writers never replace each other's file.
See docs/session-format.md for the layout.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ovstudio.errors import SessionError
from ovstudio.session import schema
from ovstudio.session.footer import build_summary, check_schema_version, decode_summary, encode_summary
from ovstudio.session.ids import new_session_id, validate_session_id
from ovstudio.session.listing import list_sessions
from ovstudio.session.migrations import migrate
from ovstudio.session.row import Session, session_from_arrow, session_to_arrow

logger = logging.getLogger(__name__)

SESSION_SUFFIX = ".parquet"
COMPRESSION = "zstd"
# Ids a new session tries before write_new_session gives up. Each retry draws a new random part.
MAX_ID_ATTEMPTS = 20

__all__ = [
    "Session",
    "delete_session",
    "import_session",
    "list_sessions",
    "new_session_id",
    "read_session",
    "session_from_arrow",
    "session_path",
    "session_to_arrow",
    "write_new_session",
    "write_session",
]


def session_path(folder: Path | str, session_id: str) -> Path:
    """Return the path of a session's file in ``folder``; raises SessionError for an invalid id."""
    validate_session_id(session_id)
    return Path(folder) / f"{session_id}{SESSION_SUFFIX}"


def write_session(session: Session, folder: Path | str) -> Path:
    """Write a session to ``<folder>/<session_id>.parquet`` atomically and return the path.

    Creates ``folder`` if needed and replaces an existing file of the same id. The footer gets
    the JSON summary that ``list_sessions`` reads. Raises SessionError when the session does not
    fit the schema or the file cannot be written.
    """
    target = _write(session, Path(folder), replace=True)
    logger.info("session %s saved to %s", session.session_id, target)
    return target


def write_new_session(session: Session, folder: Path | str) -> Path:
    """Write a new session to ``folder`` atomically, never replacing a file, and return the path.

    A file of the session's id exists when another profile of the same model and device
    finished in the same second and drew the same random id part. The session then gets a new
    id (``session.info["session_id"]`` changes) and the write is tried again. Raises
    SessionError as ``write_session`` does, and when ``MAX_ID_ATTEMPTS`` ids are all taken.
    """
    folder = Path(folder)
    for _ in range(MAX_ID_ATTEMPTS):
        try:
            target = _write(session, folder, replace=False)
        except FileExistsError:
            taken = session.session_id
            session.info["session_id"] = new_session_id(session.model_name, session.device, session.created_utc)
            logger.info("session id %s is taken in %s; trying %s", taken, folder, session.session_id)
            continue
        logger.info("session %s saved to %s", session.session_id, target)
        return target
    raise SessionError(
        f"saving session {session.session_id} failed: {MAX_ID_ATTEMPTS} new session ids were all taken in "
        f"{folder}; check that no other program creates files there"
    )


def _write(session: Session, folder: Path, replace: bool) -> Path:
    """Write ``session`` to its file in ``folder``; raise FileExistsError when ``replace`` is off and it exists."""
    target = session_path(folder, session.session_id)
    row = session_to_arrow(session)
    row = row.replace_schema_metadata({**(row.schema.metadata or {}), **encode_summary(build_summary(row))})

    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(row, folder, target, session.session_id, replace)
    except OSError as error:
        if isinstance(error, FileExistsError) and not replace:
            raise
        raise SessionError(
            f"writing session file {target} failed: {error}; check that the folder is writable and has free space"
        ) from error
    return target


def read_session(path: Path | str) -> Session:
    """Read a session file, upgrading an older schema version in memory.

    Raises SessionError naming the file when it is missing, not a Parquet file or truncated,
    written by another program, or written by a newer ovstudio.
    """
    path = Path(path)
    if path.is_dir():
        raise SessionError(f"{path} is a folder, not a session file: give a .parquet file or a session id")
    if not path.is_file():
        raise SessionError(f"session file {path} not found: check the path, or list the sessions in its folder")
    session, _ = _read_session_file(path, f"session file {path}")
    return session


def delete_session(folder: Path | str, session_id: str) -> None:
    """Delete a session's file from ``folder``; raises SessionError when it does not exist."""
    path = session_path(folder, session_id)
    try:
        path.unlink()
    except FileNotFoundError:
        raise SessionError(f"session {session_id!r} not found in {folder}: list the sessions to see their ids") from None
    except OSError as error:
        raise SessionError(f"deleting session file {path} failed: {error}; check the folder's permissions") from error
    logger.info("session %s deleted from %s", session_id, folder)


def import_session(data: bytes, file_name: str, folder: Path | str) -> Path:
    """Add an exported session file to ``folder`` and return its new path.

    The data is written to a hidden temporary file and read fully first, so a bad or foreign
    file raises SessionError and adds nothing. A file identical to a stored session returns the
    stored path. When another session with the same id is stored, the import gets a new id
    and both are kept. A file of an older schema version is stored upgraded.
    """
    folder = Path(folder)
    source = f"imported file {file_name!r}"
    if not data:
        raise SessionError(f"{source} is empty: expected a session .parquet file exported by ovstudio")

    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".import.{secrets.token_hex(4)}.tmp"
    try:
        _write_bytes_synced(temp, data)
        session, stored_version = _read_session_file(temp, source)
        return _store_import(session, stored_version, data, temp, folder)
    except OSError as error:
        raise SessionError(f"importing {source} into {folder} failed: {error}; check the folder's permissions") from error
    finally:
        temp.unlink(missing_ok=True)


def _store_import(session: Session, stored_version: int, data: bytes, temp: Path, folder: Path) -> Path:
    target = session_path(folder, session.session_id)
    if target.exists():
        if _sha256_file(target) == hashlib.sha256(data).hexdigest():
            logger.info("session %s is already stored in %s", session.session_id, folder)
            return target
        session.info["session_id"] = new_session_id(session.model_name, session.device, session.created_utc)
        logger.info("imported session id %s is taken in %s; storing it as %s",
                    target.stem, folder, session.session_id)
        return write_new_session(session, folder)

    if stored_version != schema.SCHEMA_VERSION:
        return write_new_session(session, folder)
    # Keep the exported bytes as they are, so exporting the session again gives the same file.
    try:
        _link_new(temp, target)
    except FileExistsError:
        # Another import or profile saved a session of this id since the check above.
        return _store_import(session, stored_version, data, temp, folder)
    _fsync_folder(folder)
    logger.info("session %s imported into %s", session.session_id, folder)
    return target


def _read_session_file(path: Path, source: str) -> tuple[Session, int]:
    """Read a session file and return it with the schema version the file was written in."""
    try:
        with pq.ParquetFile(path) as parquet:
            summary = decode_summary(parquet.metadata.metadata, source)
            check_schema_version(summary["schema_version"], source)
            row = parquet.read()
    except PermissionError as error:
        raise SessionError(f"{source} cannot be read ({error.strerror}): check the file's permissions") from error
    except (pa.ArrowException, OSError) as error:
        raise SessionError(
            f"{source} is not a readable Parquet file ({error}); it may be truncated or not a session "
            "file, so save or export the session again"
        ) from error

    stored_version = summary["schema_version"]
    row = migrate(row, stored_version, source)
    session = session_from_arrow(row, source)
    try:
        validate_session_id(session.session_id)
    except SessionError:
        raise SessionError(
            f"{source} has an invalid session id {session.session_id!r}: the file is damaged or was not "
            "written by ovstudio; import the session file as ovstudio exported it"
        ) from None
    return session, stored_version


def _write_atomically(row: pa.Table, folder: Path, target: Path, session_id: str, replace: bool = True) -> None:
    """Write ``row`` to a hidden temporary file, then move it to ``target`` in one step.

    Without ``replace``, raises FileExistsError when ``target`` exists, and leaves it as it was.
    The temporary file is removed on every exit, KeyboardInterrupt included.
    """
    temp = folder / f".{session_id}.{secrets.token_hex(4)}.tmp"
    try:
        with temp.open("xb") as stream:
            pq.write_table(row, stream, compression=COMPRESSION)
            stream.flush()
            os.fsync(stream.fileno())
        if replace:
            os.replace(temp, target)
        else:
            _link_new(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    _fsync_folder(folder)


def _link_new(temp: Path, target: Path) -> None:
    """Link the finished ``temp`` to ``target``; raise FileExistsError when ``target`` exists.

    A hard link fails when its name exists, so of two writers of the same name exactly one wins.
    """
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError as error:
        # NOTE: on a file system without hard links, such as FAT, the check and the rename below
        # are two steps, so a writer of the same name in between would be replaced.
        logger.info("hard links are not available in %s (%s); renaming instead", target.parent, error)
        if target.exists():
            raise FileExistsError(target) from error
        os.replace(temp, target)


def _write_bytes_synced(path: Path, data: bytes) -> None:
    with path.open("xb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _fsync_folder(folder: Path) -> None:
    # Makes the rename durable on POSIX file systems; Windows cannot open a folder this way.
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
