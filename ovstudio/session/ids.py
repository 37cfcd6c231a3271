"""Session ids: readable, unique and safe to use as a file name."""

from __future__ import annotations

import datetime
import re
import secrets

from ovstudio.errors import SessionError

# A session id is a file name stem: letters, digits, '.', '_' and '-', not starting with '.'
# (hidden and temporary files start with '.'), so it can never name another folder.
SESSION_ID_PATTERN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
MAX_SESSION_ID_LENGTH = 200
# Maximum length of the model name part and of the device part of an id.
MAX_PART_LENGTH = 48


def new_session_id(model_name: str, device: str, created: datetime.datetime) -> str:
    """Make an id such as ``20260105T142233Z_resnet50_CPU_3fa9c1``.

    The id is the UTC creation time, the model name and the device with every character
    outside ``[A-Za-z0-9._-]`` replaced by '-', and 6 random hex digits, which make a
    collision of two sessions created in the same second unlikely. ``created`` must be timezone-aware.
    """
    if created.tzinfo is None:
        raise ValueError(f"invalid created time {created.isoformat()}: use a timezone-aware datetime")
    timestamp = created.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    parts = [timestamp, _sanitize(model_name, "model"), _sanitize(device, "device"), secrets.token_hex(3)]
    return "_".join(parts)


def validate_session_id(session_id: str) -> str:
    """Return ``session_id`` unchanged, or raise SessionError when it cannot be a file name stem."""
    if not isinstance(session_id, str) or len(session_id) > MAX_SESSION_ID_LENGTH:
        raise SessionError(
            f"invalid session id {session_id!r}: expected a string of at most "
            f"{MAX_SESSION_ID_LENGTH} characters; list the sessions to find a valid id"
        )
    if not SESSION_ID_PATTERN.fullmatch(session_id):
        raise SessionError(
            f"invalid session id {session_id!r}: expected only letters, digits, '.', '_' and '-', "
            "not starting with '.'; list the sessions to find a valid id"
        )
    return session_id


def _sanitize(text: str, fallback: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-")
    return cleaned[:MAX_PART_LENGTH] or fallback
