"""Validate the set of files that make up one model, before OpenVINO sees them."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

ModelFormat = Literal["ir", "onnx", "tflite", "paddle", "tensorflow"]


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
