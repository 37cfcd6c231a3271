"""The New profile page through AppTest: real uploads profiled by OpenVINO, and rejected uploads."""

from __future__ import annotations

import dataclasses
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ovstudio.session.store import read_session
from ovstudio.ui.paths import SESSIONS_DIR_VARIABLE
from ovstudio.ui.state import JOB, OPEN_SESSION
from tests.app_support import (
    OCTET_STREAM,
    PROFILE_ITERATIONS,
    error_texts,
    exception_texts,
    files_of,
    layer_table,
    metric_values,
    new_app,
    session_files,
    sessions_folder_env,
    shown_text,
    start_profile,
    upload_models,
)
from tests.real_models import fetch

SUMMARY_LABELS = (
    "Median latency",
    "p90 / p99 latency",
    "Throughput",
    "Iterations",
    "Precision used",
    "Counter overhead",
    "Unaccounted",
    "Layers, runtime / IR",
)


@dataclasses.dataclass(frozen=True)
class Profiled:
    """The app right after profiling light_squeezenet through the page, and what it showed then."""

    at: AppTest
    folder: Path
    session_id: str
    files: list[str]
    metrics: dict[str, str]
    table: pd.DataFrame


@pytest.fixture(scope="module")
def profiled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Profiled]:
    folder = tmp_path_factory.mktemp("app-profile-sessions")
    with sessions_folder_env(folder):
        at = new_app().run()
        upload_models(at, files_of(fetch("light_squeezenet")))
        start_profile(at)
        session_id = at.session_state[OPEN_SESSION]
        assert session_id, f"no session opened; errors: {error_texts(at)}; exceptions: {exception_texts(at)}"
        table = layer_table(at, session_id)
        yield Profiled(at, folder, session_id, session_files(folder), metric_values(at), table)


@pytest.fixture
def empty_sessions_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "sessions"
    folder.mkdir()
    monkeypatch.setenv(SESSIONS_DIR_VARIABLE, str(folder))
    return folder


def shape_field_keys(at: AppTest) -> list[str]:
    return [widget.key for widget in at.text_input if widget.key and widget.key.startswith("shape::")]


def button_keys(at: AppTest) -> list[str | None]:
    return [widget.key for widget in at.button]


def test_profile_raises_no_exception(profiled: Profiled) -> None:
    assert exception_texts(profiled.at) == []
    assert error_texts(profiled.at) == []


def test_profile_opens_analysis_page(profiled: Profiled) -> None:
    assert profiled.at.query_params.get("session") == profiled.session_id
    assert [shown_text(element.value) for element in profiled.at.subheader][:1] == ["light_squeezenet (onnx) on CPU"]
    assert "New profile" not in [element.value for element in profiled.at.header]


def test_profile_saves_one_session_file(profiled: Profiled) -> None:
    assert profiled.files == [f"{profiled.session_id}.parquet"]


def test_profile_shows_summary_metrics(profiled: Profiled) -> None:
    for label in SUMMARY_LABELS:
        assert label in profiled.metrics, label


def test_summary_metrics_match_session_file(profiled: Profiled) -> None:
    session = read_session(profiled.folder / profiled.files[0])
    shown_median_ms = float(profiled.metrics["Median latency"].removesuffix(" ms"))
    runtime_count = len(session.tables["runtime_layers"])
    ir_count = len(session.tables["ir_layers"])

    assert shown_median_ms == pytest.approx(session.info["latency_median_ms"], abs=0.06)
    assert profiled.metrics["Iterations"] == str(PROFILE_ITERATIONS)
    assert profiled.metrics["Precision used"] == session.info["inference_precision"]
    assert profiled.metrics["Layers, runtime / IR"] == f"{runtime_count} / {ir_count}"


def test_layer_table_has_runtime_layers(profiled: Profiled) -> None:
    session = read_session(profiled.folder / profiled.files[0])
    runtime_ids = session.tables["runtime_layers"]["layer_id"]

    assert len(profiled.table) == len(runtime_ids)
    assert sorted(profiled.table["layer_id"]) == sorted(runtime_ids)


def test_reopened_session_shows_same_metrics(profiled: Profiled) -> None:
    reopened = new_app(profiled.session_id).run()

    assert exception_texts(reopened) == []
    assert metric_values(reopened) == profiled.metrics


def test_reopened_session_shows_same_table(profiled: Profiled) -> None:
    reopened = new_app(profiled.session_id).run()

    pd.testing.assert_frame_equal(layer_table(reopened, profiled.session_id), profiled.table)


def test_ir_upload_in_reverse_order_profiles(squeezenet_ir: Path, empty_sessions_folder: Path) -> None:
    at = new_app().run()
    upload_models(at, files_of(squeezenet_ir.with_suffix(".bin"), squeezenet_ir))
    start_profile(at)
    session_id = at.session_state[OPEN_SESSION]

    assert exception_texts(at) == []
    assert error_texts(at) == []
    assert session_files(empty_sessions_folder) == [f"{session_id}.parquet"]
    assert read_session(empty_sessions_folder / f"{session_id}.parquet").info["model_format"] == "ir"
    assert [shown_text(element.value) for element in at.subheader][:1] == ["squeezenet (ir) on CPU"]


def test_dynamic_input_gets_shape_field(empty_sessions_folder: Path) -> None:
    at = upload_models(new_app().run(), files_of(fetch("ppocr_rec")))

    assert exception_texts(at) == []
    assert shape_field_keys(at) == ["shape::x"]


def test_only_dynamic_inputs_get_shape_fields(empty_sessions_folder: Path) -> None:
    # silero_vad_ifless has two dynamic inputs (input, state) and a static scalar (sr).
    at = upload_models(new_app().run(), files_of(fetch("silero_vad_ifless")))
    uploader_keys = [widget.key or "" for widget in at.file_uploader]
    npy_keys = sorted(key for key in uploader_keys if key.startswith("npy::"))

    assert shape_field_keys(at) == ["shape::input", "shape::state"]
    assert npy_keys == ["npy::input", "npy::sr", "npy::state"]


def test_static_model_has_no_shape_field(empty_sessions_folder: Path) -> None:
    at = upload_models(new_app().run(), files_of(fetch("light_squeezenet")))

    assert shape_field_keys(at) == []
    assert "start_profile" in button_keys(at)


def test_invalid_shape_error_then_profile(empty_sessions_folder: Path) -> None:
    at = upload_models(new_app().run(), files_of(fetch("ppocr_rec")))
    at.text_input(key="shape::x").set_value("1,3,48,abc")
    start_profile(at)
    errors = error_texts(at)

    assert exception_texts(at) == []
    assert len(errors) == 1
    assert "input 'x'" in errors[0]
    assert "'abc'" in errors[0]
    assert session_files(empty_sessions_folder) == []
    assert "start_profile" in button_keys(at)

    at.text_input(key="shape::x").set_value("1,3,48,320")
    start_profile(at)
    session_id = at.session_state[OPEN_SESSION]

    assert error_texts(at) == []
    assert session_files(empty_sessions_folder) == [f"{session_id}.parquet"]


def test_wrong_rank_shape_reports_failure(empty_sessions_folder: Path) -> None:
    at = upload_models(new_app().run(), files_of(fetch("ppocr_rec")))
    at.text_input(key="shape::x").set_value("1,3,48")
    start_profile(at)
    errors = error_texts(at)

    assert exception_texts(at) == []
    assert len(errors) == 1
    assert errors[0].startswith("Profile of ch_PP-OCRv4_rec_infer.onnx failed")
    assert "rank 3" in errors[0]
    assert "start_profile" in button_keys(at)
    assert OPEN_SESSION not in at.session_state


def start_long_profile() -> AppTest:
    """Start a 120 s profile of light_squeezenet and return the app once its run is cut off.

    NOTE: AppTest cannot click Cancel: a run returns only when the script ends, and the page
    polls until the profile ends. So the run is cut off by its timeout, and a test cancels the
    job directly, as the Cancel button does.
    """
    at = upload_models(new_app().run(), files_of(fetch("light_squeezenet")))
    at.radio(key="budget").set_value("seconds").run()
    at.number_input(key="time_s").set_value(120.0)
    with pytest.raises(RuntimeError, match="timed out"):
        at.button(key="start_profile").click().run(timeout=4)
    return at


def test_cancelled_profile_saves_nothing(empty_sessions_folder: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    temp_folder = tmp_path / "temp"
    temp_folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_folder))
    at = start_long_profile()
    job = at.session_state[JOB]
    running = not job.snapshot().done
    temp_while_running = list(temp_folder.iterdir())
    job.cancel()
    at.run()
    infos = [shown_text(element.value) for element in at.info]

    assert running
    assert temp_while_running != []
    assert list(temp_folder.iterdir()) == []
    assert exception_texts(at) == []
    assert len(infos) == 1
    assert infos[0].startswith("Profile of light_squeezenet.onnx cancelled after")
    assert infos[0].endswith("nothing was saved.")
    assert session_files(empty_sessions_folder) == []
    assert "start_profile" in button_keys(at)


def npy_bytes(shape: tuple[int, ...]) -> bytes:
    stream = io.BytesIO()
    np.save(stream, np.random.default_rng(0).random(shape, dtype=np.float32))
    return stream.getvalue()


def test_settings_reach_session(empty_sessions_folder: Path) -> None:
    at = upload_models(new_app().run(), files_of(fetch("light_squeezenet")))
    at.file_uploader(key="npy::data_0").set_value([("cat.npy", npy_bytes((1, 3, 224, 224)), OCTET_STREAM)])
    at.selectbox(key="precision").set_value("f32")
    at.radio(key="budget").set_value("seconds").run()
    at.number_input(key="time_s").set_value(0.3)
    at.button(key="start_profile").click().run()
    session = read_session(empty_sessions_folder / f"{at.session_state[OPEN_SESSION]}.parquet")

    assert error_texts(at) == []
    assert session.info["settings_time_s"] == 0.3
    assert session.info["settings_iterations"] is None
    assert session.info["settings_precision"] == "f32"
    assert metric_values(at)["Precision used"] == "f32"
    assert list(session.tables["inputs"]["data_source"]) == ["cat.npy"]


def test_wrong_npy_shape_names_file(empty_sessions_folder: Path) -> None:
    at = upload_models(new_app().run(), files_of(fetch("light_squeezenet")))
    at.file_uploader(key="npy::data_0").set_value([("small.npy", npy_bytes((1, 3, 8, 8)), OCTET_STREAM)])
    start_profile(at)
    errors = error_texts(at)

    assert exception_texts(at) == []
    assert len(errors) == 1
    assert "small.npy" in errors[0]
    assert session_files(empty_sessions_folder) == []


def bad_upload(case: str, ir_xml: Path) -> list[tuple[str, bytes]]:
    """Build the files of one rejected upload."""
    onnx = fetch("light_squeezenet").read_bytes()
    xml, weights = ir_xml.read_bytes(), ir_xml.with_suffix(".bin").read_bytes()
    uploads = {
        "empty file": [("empty.onnx", b"")],
        "xml without bin": [("squeezenet.xml", xml)],
        "unknown extension": [("model.txt", b"not a model")],
        "truncated onnx": [("cut.onnx", onnx[:5000])],
        "bin alone": [("squeezenet.bin", weights)],
        "truncated bin": [("squeezenet.xml", xml), ("squeezenet.bin", weights[:1000])],
        "two models": [("first.onnx", onnx), ("second.onnx", onnx)],
    }
    return uploads[case]


# Each rejected upload -> a file name its error message must contain.
NAMED_FILE = {
    "empty file": "empty.onnx",
    "xml without bin": "squeezenet.xml",
    "unknown extension": "model.txt",
    "truncated onnx": "cut.onnx",
    "bin alone": "squeezenet.bin",
    "truncated bin": "squeezenet.bin",
    "two models": "second.onnx",
}


@pytest.mark.parametrize("case", list(NAMED_FILE))
def test_bad_upload_shows_error(case: str, squeezenet_ir: Path, empty_sessions_folder: Path) -> None:
    at = upload_models(new_app().run(), bad_upload(case, squeezenet_ir))
    errors = error_texts(at)

    assert exception_texts(at) == []
    assert [element.value for element in at.header] == ["New profile"]
    assert len(errors) == 1
    assert NAMED_FILE[case] in errors[0]
    assert "start_profile" not in button_keys(at)


def test_good_upload_after_bad_upload(squeezenet_ir: Path, empty_sessions_folder: Path) -> None:
    at = upload_models(new_app().run(), bad_upload("truncated onnx", squeezenet_ir))
    upload_models(at, files_of(fetch("light_squeezenet")))
    inputs = at.dataframe[0].value

    assert exception_texts(at) == []
    assert error_texts(at) == []
    assert list(inputs["input"]) == ["data_0"]
    assert "start_profile" in button_keys(at)


def test_reload_finds_running_profile(empty_sessions_folder: Path) -> None:
    at = start_long_profile()
    job = at.session_state[JOB]
    # A reload is a new browser session: a new AppTest of the same server process.
    reloaded = new_app().run()
    progress_texts = [shown_text(element.proto.text) for element in reloaded.get("progress")]
    job.cancel()
    job.wait(60)

    assert exception_texts(reloaded) == []
    assert any("Running on this server: light_squeezenet.onnx" in text for text in progress_texts)
    assert "follow_job_0" in button_keys(reloaded)
