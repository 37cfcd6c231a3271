"""Validate the set of files that make up one model, before OpenVINO reads them.

``prepare_model_files`` takes a browser upload (file names with their bytes) or local paths, checks
that they form exactly one model, and returns a ``ModelBundle``: the format, the file to give
OpenVINO and the hash of every file. This module never imports openvino, so the parent process can
reject bad input without loading a model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Literal

from ovstudio import archive, content_checks
from ovstudio.errors import ModelInputError
from ovstudio.ir_files import check_ir_weights

logger = logging.getLogger(__name__)

ModelFormat = Literal["ir", "onnx", "tflite", "paddle", "tensorflow"]

ACCEPTED_FORMATS = (
    ".xml + .bin (OpenVINO IR), .onnx (with its external data files beside it), .tflite, "
    ".pdmodel + .pdiparams (PaddlePaddle), .pb (TensorFlow frozen graph), "
    "a TensorFlow SavedModel folder or a .zip with saved_model.pb, or a .zip of one model's files"
)

# Suffix of each format's main file, the one handed to OpenVINO. Matching ignores case.
MAIN_SUFFIXES: dict[str, ModelFormat] = {
    ".xml": "ir",
    ".onnx": "onnx",
    ".tflite": "tflite",
    ".pdmodel": "paddle",
    ".pb": "tensorflow",
}
# Weights file that OpenVINO looks for beside the main file, with the main file's stem.
WEIGHTS_SUFFIXES: dict[ModelFormat, str] = {"ir": ".bin", "paddle": ".pdiparams"}
SAVED_MODEL_FILE = "saved_model.pb"
ARCHIVE_SUFFIX = ".zip"

# A browser upload: the file name as the browser sent it, and the file's bytes.
Upload = tuple[str, bytes]

_HASH_CHUNK_BYTES = 1 << 20
# Maximum length of a file name, in bytes, on the server's file system (255 on ext4, XFS and Btrfs).
MAX_FILE_NAME_BYTES = 255


@dataclasses.dataclass(frozen=True)
class ModelFileInfo:
    """One file of a model, as stored in a session."""

    file_name: str
    size_bytes: int
    sha256: str


@dataclasses.dataclass(frozen=True)
class ModelBundle:
    """A validated model: its files on local disk and the file to hand to OpenVINO."""

    model_name: str
    model_format: ModelFormat
    folder: Path
    # The .xml, .onnx, .tflite, .pdmodel or .pb file, or the SavedModel folder.
    main_file: Path
    files: tuple[ModelFileInfo, ...]
    model_hash: str


@dataclasses.dataclass(frozen=True)
class _FileSet:
    """Files given by names relative to ``root``, with ``/`` as separator.

    ``owned`` is true when ovstudio wrote the files into the work folder, so it may rename them.
    ``archive`` is the name of the .zip the files came from, which messages name with them.
    """

    root: Path
    names: tuple[str, ...]
    owned: bool
    archive: str | None = None

    def shown_name(self, name: str) -> str:
        """Return how messages name the file ``name``: with its .zip, never with the work folder."""
        return f"{name} in {self.archive}" if self.archive else name


@dataclasses.dataclass(frozen=True)
class _Selection:
    """The model found in a file set: its format, main file and weights file, by name."""

    model_format: ModelFormat
    main_name: str
    weights_name: str | None


def prepare_model_files(files: Sequence[Upload] | Sequence[Path], work_dir: Path) -> ModelBundle:
    """Validate the files of one model and return them as a ``ModelBundle``.

    ``files`` is either a browser upload, a sequence of ``(file_name, bytes)`` pairs, or a sequence
    of local paths: model files, one folder (a TensorFlow SavedModel, or a folder with one model's
    files) or one .zip. Uploads and zip contents are written into ``work_dir``, which should be a
    new, empty folder. Local files are used where they are, unless their names must change for
    OpenVINO to pair them. Raises ``ModelInputError`` naming the files at fault.
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    work_dir = work_dir.resolve()
    file_set = _collect_files(files, work_dir)

    saved_model = _saved_model_files(file_set)
    if saved_model is not None:
        _reject_empty_files(saved_model, only=[SAVED_MODEL_FILE])
        content_checks.check_saved_model_graph(
            saved_model.root / SAVED_MODEL_FILE, saved_model.shown_name(SAVED_MODEL_FILE)
        )
        return _make_bundle(saved_model, "tensorflow", saved_model.root, saved_model.root.name)

    file_set, selection = _reroot_at_main_folder(file_set, _select_model(file_set))
    if selection.model_format == "ir":
        # An IR without constants has an empty .bin, so check_ir_weights judges the .bin size.
        _reject_empty_files(file_set, exempt=[selection.weights_name])
        _check_contents(file_set, selection)
        check_ir_weights(file_set.root, selection.main_name, selection.weights_name)
    else:
        _reject_empty_files(file_set)
        _check_contents(file_set, selection)

    file_set, main_name = _apply_paired_names(file_set, selection, work_dir)
    main_file = file_set.root / main_name
    return _make_bundle(file_set, selection.model_format, main_file, PurePosixPath(main_name).stem)


def _check_contents(file_set: _FileSet, selection: _Selection) -> None:
    """Reject a main or IR weights file whose content contradicts its extension."""
    main_path = file_set.root / selection.main_name
    content_checks.check_main_file(main_path, file_set.shown_name(selection.main_name), selection.model_format)
    weights_name = selection.weights_name
    if selection.model_format == "ir" and weights_name is not None:
        weights_path = file_set.root / weights_name
        if weights_path.stat().st_size > 0:
            content_checks.check_weights_file(
                weights_path, file_set.shown_name(weights_name), selection.main_name
            )


def _make_bundle(
    file_set: _FileSet, model_format: ModelFormat, main_file: Path, model_name: str
) -> ModelBundle:
    infos, model_hash = _hash_files(file_set)
    bundle = ModelBundle(model_name, model_format, file_set.root, main_file, infos, model_hash)
    logger.info(
        "prepared %s model %s from %d files (%d bytes) in %s",
        model_format, model_name, len(infos), sum(info.size_bytes for info in infos), file_set.root,
    )
    return bundle


# --- Collecting the files ----------------------------------------------------------------------


def _collect_files(files: Sequence[Upload] | Sequence[Path], work_dir: Path) -> _FileSet:
    if len(files) == 0:
        raise ModelInputError(f"no model files were given; give one model: {ACCEPTED_FORMATS}")
    if all(isinstance(item, tuple) for item in files):
        return _collect_uploads([item for item in files if isinstance(item, tuple)], work_dir)
    if all(isinstance(item, (str, os.PathLike)) for item in files):
        paths = [Path(item) for item in files if isinstance(item, (str, os.PathLike))]
        return _collect_local(paths, work_dir)
    raise TypeError("files must be all (file_name, bytes) pairs or all paths, not a mix")


def _collect_uploads(uploads: list[Upload], work_dir: Path) -> _FileSet:
    named = [(upload_file_name(name), data) for name, data in uploads]
    names = [name for name, _ in named]
    _reject_duplicate_names(names)
    _reject_saved_model_without_folder(names)

    archives = [name for name in names if _suffix(name) == ARCHIVE_SUFFIX]
    if archives:
        _check_archive_alone(archives[0], names)
        data = named[0][1]
        if not data:
            raise ModelInputError(f"{archives[0]} is empty (0 bytes); upload the zip again")
        folder = work_dir / PurePosixPath(archives[0]).stem
        extracted = archive.extract_zip(io.BytesIO(data), archives[0], folder)
        return _FileSet(folder, tuple(extracted), owned=True, archive=archives[0])

    for name, data in named:
        target = (work_dir / name).resolve()
        if target.parent != work_dir:
            raise ModelInputError(f"upload name {name!r} resolves outside the work folder; rename the file")
        _write_upload(target, name, data)
    return _FileSet(work_dir, tuple(names), owned=True)


def _write_upload(target: Path, name: str, data: bytes) -> None:
    try:
        target.write_bytes(data)
    except OSError as error:
        # The message names the upload, never the work folder, which means nothing to the user.
        raise ModelInputError(
            f"cannot store the uploaded file {name} ({len(data)} bytes) on the server: "
            f"{error.strerror or type(error).__name__}. Free some disk space on the server, or rename "
            "the file and upload it again"
        ) from error


def upload_file_name(raw_name: str) -> str:
    """Return the base name of an uploaded file, rejecting empty, absolute and ``..`` names."""
    text = raw_name.replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        raise ModelInputError(
            f"upload name {raw_name!r} is an absolute path; upload the file by its name only"
        )
    parts = text.split("/")
    if ".." in parts:
        raise ModelInputError(f"upload name {raw_name!r} contains '..'; upload the file by its name only")

    name = parts[-1]
    if name.strip() in ("", "."):
        raise ModelInputError(f"upload name {raw_name!r} is empty; give every uploaded file a name")
    if any(ord(character) < 32 for character in name):
        raise ModelInputError(f"upload name {raw_name!r} contains control characters; rename the file")
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ModelInputError(
            f"upload name {raw_name!r} is not valid Unicode text; rename the file"
        ) from error
    if len(encoded) > MAX_FILE_NAME_BYTES:
        raise ModelInputError(
            f"upload name {name[:40]!r}... is {len(encoded)} bytes long, more than the {MAX_FILE_NAME_BYTES} "
            "bytes a file name may have; rename the file to a shorter name"
        )
    return name


def _collect_local(paths: list[Path], work_dir: Path) -> _FileSet:
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise ModelInputError(f"model file not found: {', '.join(missing)}; check the path")
    special = [str(path) for path in paths if not path.is_dir() and not path.is_file()]
    if special:
        raise ModelInputError(
            f"not a regular file: {', '.join(special)} (a device, pipe or socket); give the model files themselves"
        )
    # The same file given twice counts once; names stay as given, even for a symbolic link.
    unique: dict[Path, Path] = {}
    for path in paths:
        unique.setdefault(path.resolve(), path.absolute())
    paths = list(unique.values())

    containers = [path for path in paths if path.is_dir() or _suffix(path.name) == ARCHIVE_SUFFIX]
    if containers:
        _check_archive_alone(str(containers[0]), [str(path) for path in paths])
        container = containers[0]
        if container.is_dir():
            return _FileSet(container, _list_folder(container), owned=False)
        folder = work_dir / container.stem
        extracted = archive.extract_zip(container, container.name, folder)
        return _FileSet(folder, tuple(extracted), owned=True, archive=container.name)

    paths += _weights_beside(paths)
    names = [path.name for path in paths]
    _reject_duplicate_names(names)
    _reject_saved_model_without_folder(names)
    _reject_undecodable_names(names)
    parents = {path.parent for path in paths}
    if len(parents) == 1:
        return _FileSet(parents.pop(), tuple(names), owned=False)

    # The files come from different folders, but OpenVINO finds weights and external data
    # beside the main file, so they are linked (or copied) into one folder.
    for path in paths:
        _link_or_copy(path, work_dir / path.name)
    return _FileSet(work_dir, tuple(names), owned=True)


def _weights_beside(paths: list[Path]) -> list[Path]:
    """Return the weights files beside local .xml or .pdmodel files that were not given with them."""
    given_names = {path.name.casefold() for path in paths}
    found = []
    for path in paths:
        model_format = MAIN_SUFFIXES.get(_suffix(path.name))
        weights_suffix = WEIGHTS_SUFFIXES.get(model_format) if model_format is not None else None
        if weights_suffix is None:
            continue
        candidate = path.with_suffix(weights_suffix)
        if candidate.name.casefold() not in given_names and candidate.is_file():
            logger.info("using %s, found beside %s", candidate, path.name)
            found.append(candidate)
    return found


def _list_folder(folder: Path) -> tuple[str, ...]:
    names: list[str] = []
    for directory, _, file_names in os.walk(folder):
        for file_name in file_names:
            name = (Path(directory) / file_name).relative_to(folder).as_posix()
            if archive.is_ignored(name):
                continue
            if not (Path(directory) / file_name).is_file():
                raise ModelInputError(
                    f"{name} in folder {folder} is a broken symbolic link or not a regular file (a device, "
                    "pipe or socket); remove it from the folder"
                )
            names.append(name)
            if len(names) > archive.MAX_ARCHIVE_MEMBERS:
                raise ModelInputError(
                    f"folder {folder} contains more than {archive.MAX_ARCHIVE_MEMBERS} files, the maximum "
                    "for a model folder; give the folder that contains only the model's files"
                )
    if not names:
        raise ModelInputError(f"folder {folder} contains no files; give the folder of a model")
    _reject_undecodable_names(names)
    return tuple(sorted(names))


def _reject_undecodable_names(names: Sequence[str]) -> None:
    """Reject local file names that are not valid UTF-8, which a session file cannot store."""
    for name in names:
        try:
            name.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ModelInputError(
                f"the file name {name!r} is not valid UTF-8; rename the file"
            ) from error


def _check_archive_alone(container: str, names: list[str]) -> None:
    if len(names) > 1:
        others = ", ".join(name for name in names if name != container)
        raise ModelInputError(
            f"{container} must be given alone, but it came with {others}; "
            "give either one .zip or folder, or the model files themselves"
        )


def _reject_duplicate_names(names: list[str]) -> None:
    seen: dict[str, str] = {}
    for name in names:
        folded = name.casefold()
        if folded in seen:
            raise ModelInputError(
                f"{seen[folded]} and {name} have the same file name; give each file once"
            )
        seen[folded] = name


def _reject_saved_model_without_folder(names: list[str]) -> None:
    if any(name.casefold() == SAVED_MODEL_FILE for name in names):
        raise ModelInputError(
            f"{SAVED_MODEL_FILE} is part of a TensorFlow SavedModel folder, which also needs its "
            "variables folder; give the whole SavedModel folder, or upload it as a .zip"
        )


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        try:
            shutil.copyfile(source, target)
        except OSError as error:
            raise ModelInputError(
                f"cannot copy {source} into a work folder: {error.strerror or type(error).__name__}. "
                "Check that the file is readable and that the disk has free space"
            ) from error


# --- Finding the model in the file set ---------------------------------------------------------


def _saved_model_files(file_set: _FileSet) -> _FileSet | None:
    """Return the SavedModel folder of the file set re-rooted at it, or None when there is none."""
    graphs = [name for name in file_set.names if PurePosixPath(name).name == SAVED_MODEL_FILE]
    if not graphs:
        return None
    # Local folders are named by their path, which the user gave; a zip by its name.
    container = file_set.archive or str(file_set.root)
    if len(graphs) > 1:
        raise ModelInputError(
            f"{container} contains several SavedModels ({', '.join(graphs)}); give one model at a time"
        )

    prefix = PurePosixPath(graphs[0]).parent
    outside = [name for name in file_set.names if not _is_under(name, prefix)]
    if outside:
        raise ModelInputError(
            f"files outside the SavedModel folder '{prefix}' in {container}: {', '.join(outside)}; "
            "give only the SavedModel folder"
        )
    names = tuple(PurePosixPath(name).relative_to(prefix).as_posix() for name in file_set.names)
    return dataclasses.replace(file_set, root=file_set.root / prefix, names=names)


def _select_model(file_set: _FileSet) -> _Selection:
    names = file_set.names
    source = f"{file_set.archive} contains" if file_set.archive else "the files contain"
    mains = [name for name in names if _suffix(name) in MAIN_SUFFIXES]
    if len(mains) > 1:
        raise ModelInputError(
            f"{source} several models ({', '.join(mains)}); give the files of one model at a time"
        )
    if not mains:
        raise _missing_main_file_error(file_set)

    main_name = mains[0]
    model_format = MAIN_SUFFIXES[_suffix(main_name)]
    others = [name for name in names if name != main_name]
    if model_format == "onnx":
        # NOTE: every other file is taken as external data of the ONNX model, but whether the
        # model references them is only known once OpenVINO reads it. Conversely, external data
        # beside a local .onnx given alone is read by OpenVINO but not listed or hashed here.
        return _Selection(model_format, main_name, None)

    weights_name = _weights_file(main_name, model_format, others)
    extras = [name for name in others if name != weights_name]
    if extras:
        raise _extra_files_error(file_set.shown_name(main_name), model_format, extras)
    return _Selection(model_format, main_name, weights_name)


def _weights_file(main_name: str, model_format: ModelFormat, others: list[str]) -> str | None:
    suffix = WEIGHTS_SUFFIXES.get(model_format)
    main = PurePosixPath(main_name)
    matches = [
        name for name in others
        if _suffix(name) == suffix
        and PurePosixPath(name).parent == main.parent
        and PurePosixPath(name).stem.casefold() == main.stem.casefold()
    ]
    if len(matches) > 1:
        raise ModelInputError(
            f"{', '.join(matches)} all pair with {main_name}; keep only the weights file saved with it"
        )
    return matches[0] if matches else None


def _missing_main_file_error(file_set: _FileSet) -> ModelInputError:
    names = file_set.names
    where = f" in {file_set.archive}" if file_set.archive else ""
    for model_format, weights_suffix in WEIGHTS_SUFFIXES.items():
        orphans = [name for name in names if _suffix(name) == weights_suffix]
        if orphans:
            main_suffix = next(suffix for suffix, fmt in MAIN_SUFFIXES.items() if fmt == model_format)
            expected = [f"{PurePosixPath(name).stem}{main_suffix}" for name in orphans]
            return ModelInputError(
                f"weights file without its model file: {', '.join(orphans)}{where} "
                f"(missing: {', '.join(expected)}); "
                f"give the {main_suffix} file together with its {weights_suffix} file"
            )
    advice = ""
    if any(_suffix(name) == ".parquet" for name in names):
        advice = "; an ovstudio session (.parquet) is imported on the Sessions page"
    elif any(_suffix(name) == ARCHIVE_SUFFIX for name in names):
        advice = "; a .zip inside a .zip is not opened, so put the model files in the outer .zip"
    return ModelInputError(
        f"unknown model file extension: {', '.join(names)}{where}; accepted are {ACCEPTED_FORMATS}{advice}"
    )


def _extra_files_error(main_name: str, model_format: ModelFormat, extras: list[str]) -> ModelInputError:
    weights_suffix = WEIGHTS_SUFFIXES.get(model_format)
    if weights_suffix is not None and any(_suffix(name) == weights_suffix for name in extras):
        expected = f"{PurePosixPath(main_name).stem}{weights_suffix}"
        return ModelInputError(
            f"files that do not pair with {main_name}: {', '.join(extras)}; its weights file must have the "
            f"same name, {expected}. Rename the weights file, or remove the other files"
        )
    return ModelInputError(
        f"files that are not part of the {model_format} model {main_name}: {', '.join(extras)}; "
        f"give only the model's files ({ACCEPTED_FORMATS})"
    )


def _reroot_at_main_folder(file_set: _FileSet, selection: _Selection) -> tuple[_FileSet, _Selection]:
    """Return the file set and selection relative to the main file's folder.

    Every file must lie inside that folder, because OpenVINO looks for weights and external data
    relative to the main file.
    """
    prefix = PurePosixPath(selection.main_name).parent
    if prefix == PurePosixPath("."):
        return file_set, selection
    outside = [name for name in file_set.names if not _is_under(name, prefix)]
    if outside:
        raise ModelInputError(
            f"files outside the folder '{prefix}' of {selection.main_name}: {', '.join(outside)}; "
            "put every file of the model beside its model file"
        )

    def relative(name: str) -> str:
        return PurePosixPath(name).relative_to(prefix).as_posix()

    names = tuple(relative(name) for name in file_set.names)
    weights_name = relative(selection.weights_name) if selection.weights_name is not None else None
    return (
        dataclasses.replace(file_set, root=file_set.root / prefix, names=names),
        _Selection(selection.model_format, relative(selection.main_name), weights_name),
    )


def _reject_empty_files(
    file_set: _FileSet, exempt: Sequence[str | None] = (), only: Sequence[str] | None = None
) -> None:
    """Reject empty files of the set, except ``exempt`` ones; with ``only``, check just those."""
    candidates = [name for name in file_set.names if name not in exempt]
    if only is not None:
        candidates = [name for name in candidates if name in only]
    empty = [name for name in candidates if (file_set.root / name).stat().st_size == 0]
    if empty:
        empty_names = ", ".join(file_set.shown_name(name) for name in empty)
        raise ModelInputError(f"empty file (0 bytes): {empty_names}; give the complete model files")


# --- Names OpenVINO pairs ----------------------------------------------------------------------


def _apply_paired_names(file_set: _FileSet, selection: _Selection, work_dir: Path) -> tuple[_FileSet, str]:
    """Give the main and weights files lower-case suffixes and one stem, so OpenVINO pairs them.

    Returns the file set with the new names, and the main file's new name. Owned files are renamed
    in place; local files are linked or copied into ``work_dir`` under the new names.
    """
    main = PurePosixPath(selection.main_name)
    renames = {selection.main_name: main.with_suffix(_suffix(main.name)).as_posix()}
    if selection.weights_name is not None:
        weights_suffix = WEIGHTS_SUFFIXES[selection.model_format]
        renames[selection.weights_name] = main.with_suffix(weights_suffix).as_posix()
    renames = {old: new for old, new in renames.items() if old != new}
    main_name = renames.get(selection.main_name, selection.main_name)
    if not renames:
        return file_set, main_name

    names = tuple(renames.get(name, name) for name in file_set.names)
    if file_set.owned:
        for old, new in renames.items():
            os.replace(file_set.root / old, file_set.root / new)
        return _FileSet(file_set.root, names, owned=True), main_name

    for old in file_set.names:
        _link_or_copy(file_set.root / old, work_dir / renames.get(old, old))
    logger.info(
        "linked %d files from %s into %s so that OpenVINO pairs %s",
        len(names), file_set.root, work_dir, ", ".join(renames.values()),
    )
    return _FileSet(work_dir, names, owned=True), main_name


# --- Hashes ------------------------------------------------------------------------------------


def _hash_files(file_set: _FileSet) -> tuple[tuple[ModelFileInfo, ...], str]:
    """Return each file's size and sha256, and the model hash.

    The model hash is the sha256 over, for each file in name order: the UTF-8 name, a zero byte,
    the size as 8 big-endian bytes, then the file's bytes. The name and size framing keeps two
    different file sets from hashing the same.
    """
    model_digest = hashlib.sha256()
    infos: list[ModelFileInfo] = []
    for name in sorted(file_set.names):
        path = file_set.root / name
        size = path.stat().st_size
        model_digest.update(name.encode("utf-8") + b"\0" + size.to_bytes(8, "big"))
        file_digest = hashlib.sha256()
        try:
            with path.open("rb") as stream:
                while chunk := stream.read(_HASH_CHUNK_BYTES):
                    file_digest.update(chunk)
                    model_digest.update(chunk)
        except OSError as error:
            raise ModelInputError(
                f"cannot read {file_set.shown_name(name)}: {error.strerror or type(error).__name__}; "
                "check that the file is readable"
            ) from error
        infos.append(ModelFileInfo(name, size, file_digest.hexdigest()))
    return tuple(infos), model_digest.hexdigest()


def _suffix(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def _is_under(name: str, prefix: PurePosixPath) -> bool:
    return prefix == PurePosixPath(".") or PurePosixPath(name).is_relative_to(prefix)
