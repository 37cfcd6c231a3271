"""Session ids: readable, unique and safe to use as a file name."""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
import unicodedata

from ovstudio.errors import SessionError

# A session id is a file name stem: letters, digits, '.', '_' and '-', not starting with '.'
# (hidden and temporary files start with '.'), so it can never name another folder.
SESSION_ID_PATTERN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
MAX_SESSION_ID_LENGTH = 200
# Maximum length of the model name part and of the device part of an id.
MAX_PART_LENGTH = 48


def new_session_id(model_name: str, device: str, created: datetime.datetime) -> str:
    """Make an id such as ``20260105T142233Z_resnet50_CPU_3fa9c1``.

    The id is the UTC creation time, the model name and the device written as ASCII (see
    ``ascii_name_part``), and 6 random hex digits, which make a collision of two sessions created
    in the same second unlikely. ``created`` must be timezone-aware.
    """
    if created.tzinfo is None:
        raise ValueError(f"invalid created time {created.isoformat()}: use a timezone-aware datetime")
    timestamp = created.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    parts = [timestamp, ascii_name_part(model_name, "model"), ascii_name_part(device, "device"), secrets.token_hex(3)]
    return "_".join(parts)


def validate_session_id(session_id: str) -> str:
    """Return ``session_id`` unchanged, or raise SessionError when it cannot be a file name stem."""
    if not isinstance(session_id, str) or len(session_id) > MAX_SESSION_ID_LENGTH:
        # The id may come from a URL, so a long one is quoted by its start and its length only.
        shown = repr(session_id)
        if isinstance(session_id, str):
            shown = f"{session_id[:40]!r}... ({len(session_id)} characters)"
        raise SessionError(
            f"invalid session id {shown}: expected a string of at most "
            f"{MAX_SESSION_ID_LENGTH} characters; list the sessions to find a valid id"
        )
    if not SESSION_ID_PATTERN.fullmatch(session_id):
        raise SessionError(
            f"invalid session id {session_id!r}: expected only letters, digits, '.', '_' and '-', "
            "not starting with '.'; list the sessions to find a valid id"
        )
    return session_id


def ascii_name_part(text: str, fallback: str) -> str:
    """Write ``text`` with only the characters ``[A-Za-z0-9._-]``, for a part of a session id.

    Accents are folded (``café`` becomes ``cafe``, by NFKD decomposition), and every other run of
    characters outside the set becomes one '-'. When no letter or digit is left, as for
    ``модель`` or ``模型``, the part is ``fallback``, '-' and the first 8 hex digits of the sha256
    of ``text``. So the same name always gives the same part, and different names rarely share one.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", folded).strip(".-")[:MAX_PART_LENGTH].strip(".-")
    if re.search(r"[A-Za-z0-9]", cleaned):
        return cleaned
    if not text:
        return fallback
    return f"{fallback}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
