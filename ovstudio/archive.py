"""Safe extraction of a .zip that carries one model's files."""

from __future__ import annotations

import logging
import re
import stat
import zipfile
import zlib
from pathlib import Path
from typing import IO

from ovstudio.errors import ModelInputError

logger = logging.getLogger(__name__)

# Caps that stop a zip bomb before it fills the disk. They are generous for one model, and a
# larger model can be given as local files instead of a zip.
MAX_ARCHIVE_MEMBERS = 10_000
MAX_EXTRACTED_BYTES = 16 * 1024**3

# Metadata that archivers add beside the real content; it is skipped, not extracted.
_IGNORED_PARTS = frozenset({"__MACOSX", ".DS_Store", "Thumbs.db"})

_CHUNK_BYTES = 1 << 20


def extract_zip(source: Path | IO[bytes], archive_name: str, target: Path) -> list[str]:
    """Extract every regular file of a zip into ``target`` and return their relative names.

    Names use ``/`` as separator. Members with an absolute name or a ``..`` part, symbolic links
    and duplicate names are rejected, and extraction stops once more than
    ``MAX_ARCHIVE_MEMBERS`` files or ``MAX_EXTRACTED_BYTES`` bytes come out.
    """
    target.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(source) as archive:
            members = _select_members(archive, archive_name)
            names = _extract_members(archive, members, archive_name, target)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise ModelInputError(
            f"{archive_name} is not a valid zip archive or is damaged ({error}); "
            "create the zip again, or give the model files without a zip"
        ) from error
    except RuntimeError as error:
        # zipfile raises RuntimeError for encrypted members.
        raise ModelInputError(
            f"{archive_name} cannot be extracted ({error}); give a zip without a password"
        ) from error

    logger.info("extracted %d files from %s into %s", len(names), archive_name, target)
    return names


def _select_members(archive: zipfile.ZipFile, archive_name: str) -> list[tuple[zipfile.ZipInfo, str]]:
    """Return the members to extract with their checked relative names."""
    members: list[tuple[zipfile.ZipInfo, str]] = []
    seen: dict[str, str] = {}
    declared_bytes = 0
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = member_name(info.filename, archive_name)
        if is_ignored(name):
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ModelInputError(
                f"{archive_name} contains the symbolic link {info.filename!r}; "
                "put the real file into the zip instead"
            )

        folded = name.casefold()
        if folded in seen:
            raise ModelInputError(
                f"{archive_name} contains both {seen[folded]!r} and {name!r}, which name the same file; "
                "keep one of them"
            )
        seen[folded] = name
        members.append((info, name))

        declared_bytes += info.file_size
        _check_caps(len(members), declared_bytes, archive_name)

    _check_no_file_is_a_folder(seen, archive_name)
    return members


def _check_no_file_is_a_folder(folded_names: dict[str, str], archive_name: str) -> None:
    for folded, name in folded_names.items():
        parts = folded.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            if parent in folded_names:
                raise ModelInputError(
                    f"{archive_name} contains the file {folded_names[parent]!r} and also {name!r} inside a "
                    "folder of the same name; create the zip again"
                )


def member_name(raw_name: str, archive_name: str) -> str:
    """Return a zip member's name as a safe relative path with ``/`` separators."""
    text = raw_name.replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        raise ModelInputError(
            f"{archive_name} contains the absolute path {raw_name!r}; "
            "create the zip with paths relative to the model folder"
        )
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ModelInputError(
            f"{archive_name} contains {raw_name!r}, which points outside the archive with '..'; "
            "create the zip with paths relative to the model folder"
        )
    if not parts:
        raise ModelInputError(f"{archive_name} contains a member with an empty name; create the zip again")
    return "/".join(parts)


def is_ignored(name: str) -> bool:
    """Return whether a relative name is archiver metadata such as __MACOSX/ or .DS_Store."""
    parts = name.split("/")
    return any(part in _IGNORED_PARTS for part in parts) or parts[-1].startswith("._")


def _check_caps(member_count: int, extracted_bytes: int, archive_name: str) -> None:
    if member_count > MAX_ARCHIVE_MEMBERS:
        raise ModelInputError(
            f"{archive_name} contains more than {MAX_ARCHIVE_MEMBERS} files, the maximum for a model "
            "zip; put only the model's files into the zip"
        )
    if extracted_bytes > MAX_EXTRACTED_BYTES:
        raise ModelInputError(
            f"{archive_name} extracts to more than {MAX_EXTRACTED_BYTES} bytes "
            f"({MAX_EXTRACTED_BYTES // 1024**3} GiB), the maximum for a model zip; "
            "give the model files directly instead of a zip"
        )


def _extract_members(
    archive: zipfile.ZipFile,
    members: list[tuple[zipfile.ZipInfo, str]],
    archive_name: str,
    target: Path,
) -> list[str]:
    root = target.resolve()
    extracted_bytes = 0
    for info, name in members:
        path = (root / name).resolve()
        if not path.is_relative_to(root):
            raise ModelInputError(
                f"{archive_name} member {info.filename!r} resolves outside the extraction folder; "
                "create the zip with paths relative to the model folder"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        extracted_bytes = _copy_member(archive, info, path, extracted_bytes, archive_name)
    return [name for _, name in members]


def _copy_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, extracted_bytes: int, archive_name: str
) -> int:
    # The sizes in the zip's headers can lie, so the cap is enforced on the bytes really written.
    with archive.open(info) as source, path.open("wb") as destination:
        while chunk := source.read(_CHUNK_BYTES):
            extracted_bytes += len(chunk)
            _check_caps(0, extracted_bytes, archive_name)
            destination.write(chunk)
    return extracted_bytes
