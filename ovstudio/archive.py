"""Safe extraction of a .zip that carries one model's files."""

from __future__ import annotations

import logging
import re
import shutil
import stat
import zipfile
import zlib
from pathlib import Path
from typing import IO

from ovstudio import content_checks, file_signatures
from ovstudio.errors import ModelInputError

logger = logging.getLogger(__name__)

# Caps that stop a zip bomb before it fills the disk. They are generous for one model, and a
# larger model can be given as local files instead of a zip.
MAX_ARCHIVE_MEMBERS = 10_000
MAX_EXTRACTED_BYTES = 16 * 1024**3

# A compression ratio rule stops a zip of zeros (deflate packs them about 1000:1) long before
# the size cap. Real weights barely compress: zipped with deflate, the .bin of the IRs of the
# catalog's ppocr_rec, magika, face_landmark and silero_vad models shrink 1.1:1, and IR .xml files
# 14:1 to 20:1. Only synthetic constant-filled weights compress far better: the IR of the
# catalog's light_resnet50 ONNX model has a 36 MiB .bin that deflate packs 922:1. A member counts
# as highly compressed once it has written more than HIGH_COMPRESSION_RATIO times its compressed
# size, and the highly compressed members of one zip may write at most
# MAX_HIGHLY_COMPRESSED_BYTES, which fits that .bin with room to spare.
# NOTE: a zip of a larger constant-filled model, such as the IR of ONNX's light_vgg19, is rejected
# as a bomb, and its message asks for the files without a zip.
HIGH_COMPRESSION_RATIO = 100
MAX_HIGHLY_COMPRESSED_BYTES = 64 * 1024**2

# Metadata that archivers add beside the real content; it is skipped, not extracted.
_IGNORED_PARTS = frozenset({"__MACOSX", ".DS_Store", "Thumbs.db"})

_CHUNK_BYTES = 1 << 20


def extract_zip(source: Path | IO[bytes], archive_name: str, target: Path) -> list[str]:
    """Extract every regular file of a zip into ``target`` and return their relative names.

    Names use ``/`` as separator. Members with an absolute name or a ``..`` part, symbolic links
    and duplicate names are rejected. Extraction is rejected before it starts when the sizes the
    zip declares exceed ``MAX_EXTRACTED_BYTES`` or the free space of ``target``, and stops once
    more than ``MAX_ARCHIVE_MEMBERS`` files or ``MAX_EXTRACTED_BYTES`` bytes come out, or highly
    compressed members write more than ``MAX_HIGHLY_COMPRESSED_BYTES``.
    """
    _check_is_zip(source, archive_name)
    target.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(source) as archive:
            members = _select_members(archive, archive_name)
            _check_free_space(members, archive_name, target)
            names = _extract_members(archive, members, archive_name, target)
    except zipfile.BadZipFile as error:
        raise ModelInputError(
            f"{archive_name} is not a valid zip archive or is damaged ({error}); "
            "create the zip again, or give the model files without a zip"
        ) from error
    except (zlib.error, EOFError, ValueError, OverflowError) as error:
        # zipfile raises these for damaged headers and data: a negative seek, names that are not
        # UTF-8, a truncated stream. Their text explains nothing to a user.
        raise ModelInputError(
            f"{archive_name} is not a valid zip archive or is damaged: its headers or compressed data "
            "cannot be read. Create the zip again, or give the model files without a zip"
        ) from error
    except NotImplementedError as error:
        raise ModelInputError(
            f"{archive_name} uses a compression method that Python's zipfile cannot extract; create the "
            "zip again with the usual deflate compression"
        ) from error
    except RuntimeError as error:
        # zipfile raises RuntimeError for encrypted members.
        raise ModelInputError(
            f"{archive_name} cannot be extracted because it is encrypted; give a zip without a password"
        ) from error
    except OSError as error:
        # Writing a member failed: the disk is full, or a member's name is too long.
        raise ModelInputError(
            f"{archive_name} cannot be extracted on the server: {error.strerror or type(error).__name__}. "
            "Free some disk space on the server, or give the model files without a zip"
        ) from error

    logger.info("extracted %d files from %s into %s", len(names), archive_name, target)
    return names


def _check_is_zip(source: Path | IO[bytes], archive_name: str) -> None:
    """Reject a .zip whose content is positively another format, such as a renamed model."""
    if isinstance(source, Path):
        sample = file_signatures.read_sample(source)
    else:
        position = source.tell()
        sample = source.read(file_signatures.SAMPLE_BYTES)
        source.seek(position)
    content = file_signatures.recognize(sample)
    if content is not None and content.kind != "zip":
        stem = Path(archive_name).stem
        raise content_checks.mismatch_error(archive_name, stem, content, "zip archive")


def _check_free_space(members: list[tuple[zipfile.ZipInfo, str]], archive_name: str, target: Path) -> None:
    """Reject a zip whose declared sizes do not fit into the free space of ``target``'s disk."""
    declared = sum(info.file_size for info, _ in members)
    free = shutil.disk_usage(target).free
    if declared > free:
        raise ModelInputError(
            f"{archive_name} extracts to {declared} bytes, but the server's disk has only {free} bytes free; "
            "free some disk space on the server, or give the model files without a zip"
        )


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
    written = _WrittenBytes(archive_name, _archive_size(archive))
    for info, name in members:
        path = (root / name).resolve()
        if not path.is_relative_to(root):
            raise ModelInputError(
                f"{archive_name} member {info.filename!r} resolves outside the extraction folder; "
                "create the zip with paths relative to the model folder"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        _copy_member(archive, info, name, path, written)
    return [name for _, name in members]


def _archive_size(archive: zipfile.ZipFile) -> int:
    stream = archive.fp
    if stream is None:
        return 0
    position = stream.tell()
    size = stream.seek(0, 2)
    stream.seek(position)
    return size


class _WrittenBytes:
    """Bytes written so far from one zip, checked against the caps after every chunk."""

    def __init__(self, archive_name: str, archive_size: int) -> None:
        self.archive_name = archive_name
        self.archive_size = archive_size
        self.total = 0
        self.highly_compressed = 0

    def add(self, member_name: str, chunk_bytes: int, member_written: int, compressed_size: int) -> None:
        """Count a chunk of ``member_name``, which has written ``member_written`` bytes with this chunk."""
        self.total += chunk_bytes
        _check_caps(0, self.total, self.archive_name)

        # The compressed size in the header can lie, but never beyond the zip's own size.
        compressed = max(min(compressed_size, self.archive_size), 1)
        if member_written <= HIGH_COMPRESSION_RATIO * compressed:
            return
        # The whole member counts from the chunk that crosses the ratio on.
        crossing = member_written - chunk_bytes <= HIGH_COMPRESSION_RATIO * compressed
        self.highly_compressed += member_written if crossing else chunk_bytes
        if self.highly_compressed > MAX_HIGHLY_COMPRESSED_BYTES:
            raise ModelInputError(
                f"{self.archive_name} looks like a zip bomb: {member_name} expands more than "
                f"{HIGH_COMPRESSION_RATIO} times its compressed size, and such members would write more "
                f"than {MAX_HIGHLY_COMPRESSED_BYTES // 1024**2} MiB. Real model weights barely compress; "
                "if this is a real model, give its files without a zip"
            )


def _copy_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, path: Path, written: _WrittenBytes
) -> None:
    # The sizes in the zip's headers can lie, so the caps are enforced on the bytes really written.
    member_written = 0
    with archive.open(info) as source, path.open("wb") as destination:
        while chunk := source.read(_CHUNK_BYTES):
            member_written += len(chunk)
            written.add(name, len(chunk), member_written, info.compress_size)
            destination.write(chunk)
