"""Hostile and broken model uploads through the New profile page, with AppTest.

Each rejected upload must show one error naming the file, leave a sessions folder that already
contains a real session byte-for-byte unchanged, and leave the page working for the next run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ovstudio import archive
from ovstudio.session.store import read_session
from ovstudio.ui.paths import SESSIONS_DIR_VARIABLE
from ovstudio.ui.state import OPEN_SESSION
from tests.app_support import (
    add_session,
    error_texts,
    exception_texts,
    files_of,
    new_app,
    start_profile,
    upload_models,
)
from tests.hostile_files import HostileUpload, loading_uploads, model_file_uploads, zip_bytes
from tests.real_models import fetch

MODEL_FILE_CASES = [
    "malformed xml", "doctype", "external entity", "entity bomb", "short bin", "bin of another model",
    "two models", "lying extension", "empty file", "zip without model",
]
LOADING_CASES = ["failing if body", "custom tflite operation"]


@pytest.fixture
def sessions_folder(
    real_session_path: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A sessions folder that already contains the real session of light_squeezenet."""
    folder = tmp_path / "sessions"
    add_session(real_session_path("light_squeezenet"), folder)
    monkeypatch.setenv(SESSIONS_DIR_VARIABLE, str(folder))
    return folder


def folder_snapshot(folder: Path) -> dict[str, str]:
    """Return every file of ``folder``, hidden ones included, with its sha256."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


def headers(at: AppTest) -> list[str]:
    return [element.value for element in at.header]


def button_keys(at: AppTest) -> list[str | None]:
    return [widget.key for widget in at.button]


def assert_rejected(upload: HostileUpload, sessions_folder: Path) -> None:
    """Upload ``upload`` on a fresh page and check the error, the sessions folder and a second run."""
    before = folder_snapshot(sessions_folder)
    at = upload_models(new_app().run(), upload.files)
    errors = error_texts(at)

    assert exception_texts(at) == []
    assert headers(at) == ["New profile"]
    assert len(errors) == 1
    assert upload.named_file in errors[0]
    for words in upload.words:
        assert words in errors[0]
    assert "start_profile" not in button_keys(at)
    assert folder_snapshot(sessions_folder) == before

    at.run()

    assert exception_texts(at) == []
    assert headers(at) == ["New profile"]
    assert error_texts(at) == errors


@pytest.mark.parametrize("case", MODEL_FILE_CASES)
def test_model_file_upload_rejected(
    case: str, squeezenet_ir: Path, sessions_folder: Path, tmp_path: Path
) -> None:
    upload = model_file_uploads(squeezenet_ir, tmp_path)[case]

    assert_rejected(upload, sessions_folder)


def test_external_entity_never_fetched(squeezenet_ir: Path, sessions_folder: Path, tmp_path: Path) -> None:
    upload = model_file_uploads(squeezenet_ir, tmp_path)["external entity"]
    at = upload_models(new_app().run(), upload.files)
    shown = "\n".join(error_texts(at) + [element.value for element in at.markdown])

    assert "do-not-show-this" not in shown
    assert str(tmp_path) not in shown


@pytest.mark.parametrize("case", LOADING_CASES)
def test_unloadable_model_names_operations(case: str, sessions_folder: Path) -> None:
    assert_rejected(loading_uploads()[case], sessions_folder)


def test_zip_bomb_upload_rejected(monkeypatch: pytest.MonkeyPatch, sessions_folder: Path) -> None:
    monkeypatch.setattr(archive, "MAX_HIGHLY_COMPRESSED_BYTES", 1024**2)
    bomb = zip_bytes({"model.onnx": bytes(8 * 1024**2)})

    assert_rejected(HostileUpload([("bomb.zip", bomb)], "bomb.zip", ("zip bomb",)), sessions_folder)


def test_good_upload_after_rejected_upload(squeezenet_ir: Path, sessions_folder: Path, tmp_path: Path) -> None:
    at = upload_models(new_app().run(), model_file_uploads(squeezenet_ir, tmp_path)["lying extension"].files)
    upload_models(at, files_of(fetch("light_squeezenet")))

    assert exception_texts(at) == []
    assert error_texts(at) == []
    assert "start_profile" in button_keys(at)


def test_upper_case_ir_pair_profiles(squeezenet_ir: Path, sessions_folder: Path) -> None:
    before = folder_snapshot(sessions_folder)
    files = [("MODEL.XML", squeezenet_ir.read_bytes()), ("model.Bin", squeezenet_ir.with_suffix(".bin").read_bytes())]
    at = start_profile(upload_models(new_app().run(), files))
    session_id = at.session_state[OPEN_SESSION]
    after = folder_snapshot(sessions_folder)
    session = read_session(sessions_folder / f"{session_id}.parquet")

    assert exception_texts(at) == []
    assert error_texts(at) == []
    assert {name: after[name] for name in before} == before
    assert sorted(set(after) - set(before)) == [f"{session_id}.parquet"]
    assert session.info["model_format"] == "ir"
    assert session.info["model_name"] == "MODEL"


@pytest.mark.parametrize("model_name", ["модель", "模型"])
def test_non_ascii_model_name_profiles(model_name: str, sessions_folder: Path) -> None:
    files = [(f"{model_name}.onnx", fetch("light_squeezenet").read_bytes())]
    at = start_profile(upload_models(new_app().run(), files))
    session_id = at.session_state[OPEN_SESSION]
    digest = hashlib.sha256(model_name.encode()).hexdigest()[:8]

    assert exception_texts(at) == []
    assert session_id.isascii()
    assert f"_model-{digest}_CPU_" in session_id
    assert read_session(sessions_folder / f"{session_id}.parquet").info["model_name"] == model_name
