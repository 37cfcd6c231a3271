"""New profile: upload model files, choose a device and settings, run with progress and cancel."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import streamlit as st

from ovstudio.device_choices import DeviceChoice, device_choices, parse_shape
from ovstudio.errors import InvalidSettingError, OvStudioError
from ovstudio.model_files import prepare_model_files
from ovstudio.profiler import runner
from ovstudio.settings import PERFORMANCE_HINTS, ProfileSettings
from ovstudio.ui import state
from ovstudio.ui.job import JobSnapshot, ProfileJob
from ovstudio.ui.text import markdown_lines, markdown_literal

logger = logging.getLogger(__name__)

PRECISION_OPTIONS = ("device default", "f32", "bf16", "f16")
_INSPECTED = "inspected_upload"
_LAST_SAVED = "last_saved_session"
# Seconds between two progress updates while a profile runs.
_POLL_S = 0.25


def render(sessions_dir: Path) -> None:
    st.header("New profile")
    last_saved = st.session_state.get(_LAST_SAVED)
    if isinstance(last_saved, str) and st.button(f"Open the last profile: {last_saved}", key="open_last_saved",
                                                 icon=":material/insights:"):
        state.open_session(last_saved)
        state.switch_to("analysis")
    job = st.session_state.get(state.JOB)
    if isinstance(job, ProfileJob):
        if not job.snapshot().done:
            _follow_job(job)
            return
        _show_outcome(job)
    else:
        _other_running_jobs()

    uploads = st.file_uploader(
        "Model files",
        accept_multiple_files=True,
        key="model_upload",
        help="An IR's .xml and .bin (in any order), an ONNX file with its external data files, a TFLite, "
        "Paddle (.pdmodel + .pdiparams) or TensorFlow (.pb, or a SavedModel as .zip) model.",
    )
    st.caption(upload_limit_text())
    if not uploads:
        st.info("Upload a model to profile it. Every profile is saved as a session you can reopen, compare and export.")
        return

    files = [(upload.name, upload.getvalue()) for upload in uploads]
    model_inputs = _inspect(files)
    if model_inputs is None:
        return

    device = _device_picker()
    settings_values = _settings_form(model_inputs)
    input_arrays = _input_arrays(model_inputs)
    if st.button("Profile", type="primary", key="start_profile", disabled=device is None):
        _start(files, device, settings_values, input_arrays, sessions_dir)


def upload_limit_text() -> str:
    """Return the sentence that states the server's upload limit and how to raise it."""
    limit_mb = st.get_option("server.maxUploadSize")
    return (f"Uploads are limited to {limit_mb} MB per file (server.maxUploadSize). To raise the limit, set "
            "maxUploadSize under [server] in .streamlit/config.toml, or start the app with "
            "--server.maxUploadSize MEGABYTES.")


def _inspect(files: list[tuple[str, bytes]]) -> list[dict[str, Any]] | None:
    """Check the upload and list the model's inputs, once per distinct upload."""
    digest = hashlib.sha256()
    for name, data in sorted(files):
        digest.update(name.encode())
        digest.update(hashlib.sha256(data).digest())
    signature = digest.hexdigest()

    cached = st.session_state.get(_INSPECTED)
    if not (isinstance(cached, tuple) and cached[0] == signature):
        with st.spinner("Reading the model"):
            cached = (signature, *_read_inputs(files))
        st.session_state[_INSPECTED] = cached

    _, model_inputs, error = cached
    if error is not None:
        st.error(markdown_lines(error), icon=":material/error:")
        return None
    _show_inputs(model_inputs)
    return model_inputs


def _read_inputs(files: list[tuple[str, bytes]]) -> tuple[list[dict[str, Any]], str | None]:
    try:
        with tempfile.TemporaryDirectory(prefix="ovstudio-upload-") as work_dir:
            bundle = prepare_model_files(files, Path(work_dir))
            return runner.inspect_model(bundle), None
    except OvStudioError as error:
        logger.info("upload rejected: %s", error)
        return [], str(error)


def _show_inputs(model_inputs: list[dict[str, Any]]) -> None:
    rows = [{"input": item["name"], "shape": item["shape"], "element type": item["element_type"]} for item in model_inputs]
    st.caption("Model inputs")
    st.dataframe(rows, hide_index=True, width="content")


@st.cache_resource(ttl=600, show_spinner="Listing devices")
def _available_devices() -> list[tuple[str, str]]:
    return runner.available_devices()


def _device_picker() -> str | None:
    try:
        choices = device_choices(_available_devices())
    except OvStudioError as error:
        st.error(markdown_lines(f"Listing OpenVINO devices failed: {error}"), icon=":material/error:")
        return None
    if not choices:
        st.error("OpenVINO reports no device on this machine, so nothing can be profiled.")
        return None
    choice: DeviceChoice | None = st.selectbox("Device", choices, format_func=lambda item: item.label, key="device")
    return choice.device if choice is not None else None


def _settings_form(model_inputs: list[dict[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    columns = st.columns(4)
    values["hint"] = columns[0].selectbox("Performance hint", PERFORMANCE_HINTS, key="hint")
    values["precision"] = columns[1].selectbox(
        "Inference precision", PRECISION_OPTIONS, key="precision",
        help="INFERENCE_PRECISION_HINT. The session records the precision the device actually used.",
    )
    values["budget"] = columns[2].radio("Pass 1 budget", ("iterations", "seconds"), horizontal=True, key="budget")
    if values["budget"] == "iterations":
        values["iterations"] = columns[3].number_input("Iterations", min_value=1, value=100, step=10, key="iterations")
    else:
        values["time_s"] = columns[3].number_input("Seconds", min_value=0.1, value=5.0, step=1.0, key="time_s")

    with st.expander("More settings"):
        columns = st.columns(4)
        values["streams"] = columns[0].number_input("Streams (0: device default)", min_value=0, value=0, key="streams")
        values["requests"] = columns[1].number_input("Infer requests (0: optimal)", min_value=0, value=0, key="requests")
        values["batch"] = columns[2].number_input("Batch (0: unchanged)", min_value=0, value=0, key="batch")
        values["counter_iterations"] = columns[3].number_input(
            "Counter iterations (0: a tenth of pass 1)", min_value=0, value=0, key="counter_iterations")
        columns = st.columns(4)
        values["warmup"] = columns[0].number_input("Warm-up inferences", min_value=0, value=1, key="warmup")
        values["timeout_s"] = columns[1].number_input("Timeout, seconds", min_value=10, value=900, key="timeout_s")

    values["shapes"] = {}
    dynamic = [item for item in model_inputs if item["is_dynamic"]]
    if dynamic:
        st.caption("Dynamic inputs need concrete shapes")
        for item in dynamic:
            values["shapes"][item["name"]] = st.text_input(
                f"Shape of {markdown_literal(item['name'])} {markdown_literal(item['shape'])}", value=_suggested_shape(item["shape"]),
                key=f"shape::{item['name']}", help="Replace each ? with a size the model accepts, such as 1,3,224,224.")
    return values


def _suggested_shape(shape_text: str) -> str:
    """Prefill a dynamic shape: a dynamic first dimension (the batch, usually) becomes 1.

    Other dynamic dimensions stay ``?``: only the user knows the sizes a model accepts, and the
    profile rejects a ``?`` with a message naming the input.
    """
    dims = [dim.strip() for dim in shape_text.strip("[]").split(",")]
    if dims and dims[0] == "?":
        dims[0] = "1"
    return ",".join(dims)


def _input_arrays(model_inputs: list[dict[str, Any]]) -> dict[str, tuple[str, bytes]]:
    arrays: dict[str, tuple[str, bytes]] = {}
    with st.expander("Input data (.npy, optional; random data otherwise)"):
        for item in model_inputs:
            upload = st.file_uploader(f"{item['name']} ({item['element_type']}, {item['shape']})", type=["npy"],
                                      key=f"npy::{item['name']}")
            if upload is not None:
                arrays[item["name"]] = (upload.name, upload.getvalue())
    return arrays


def _build_settings(device: str, values: dict[str, Any]) -> ProfileSettings:
    shapes = {}
    for name, text in values["shapes"].items():
        try:
            shapes[name] = parse_shape(text)
        except ValueError as error:
            raise InvalidSettingError(f"input {name!r}: {error}", "shapes") from error

    def optional(key: str) -> int | None:
        return int(values[key]) or None

    precision = values["precision"] if values["precision"] != PRECISION_OPTIONS[0] else None
    return ProfileSettings(
        device=device,
        hint=values["hint"],
        precision=precision,
        streams=optional("streams"),
        requests=optional("requests"),
        batch=optional("batch"),
        iterations=int(values["iterations"]) if "iterations" in values else None,
        time_s=float(values["time_s"]) if "time_s" in values else None,
        warmup=int(values["warmup"]),
        counter_iterations=optional("counter_iterations"),
        shapes=shapes,
        timeout_s=float(values["timeout_s"]),
    )


def _start(files: list[tuple[str, bytes]], device: str | None, values: dict[str, Any],
           input_arrays: dict[str, tuple[str, bytes]], sessions_dir: Path) -> None:
    if device is None:
        return
    try:
        settings = _build_settings(device, values)
    except InvalidSettingError as error:
        st.error(markdown_lines(error), icon=":material/error:")
        return
    job = ProfileJob(files, settings, sessions_dir, input_arrays)
    _server_jobs().append(job)
    st.session_state[state.JOB] = job
    st.rerun()


@st.cache_resource
def _server_jobs() -> list[ProfileJob]:
    """Return the list of profiles started on this server, so a reloaded page finds a running one."""
    return []


def _other_running_jobs() -> None:
    running = [job for job in _server_jobs() if not job.snapshot().done]
    _server_jobs()[:] = running
    for index, job in enumerate(running):
        snapshot = job.snapshot()
        columns = st.columns([4, 1])
        columns[0].progress(snapshot.fraction, text=f"Running on this server: {markdown_literal(job.model_label)}, "
                            f"{_progress_text(snapshot)}")
        # A reload starts a new browser session; following the run takes it over again.
        if columns[1].button("Follow", key=f"follow_job_{index}"):
            st.session_state[state.JOB] = job
            st.rerun()


def _follow_job(job: ProfileJob) -> None:
    """Show the job's progress until it ends; a click on Cancel reruns the page and stops it."""
    st.write(f"Profiling **{markdown_literal(job.model_label)}**")
    if st.button("Cancel", key="cancel_profile", icon=":material/cancel:"):
        job.cancel()
    bar = st.progress(0.0)
    snapshot = job.snapshot()
    while not snapshot.done:
        bar.progress(snapshot.fraction, text=_progress_text(snapshot))
        time.sleep(_POLL_S)
        snapshot = job.snapshot()
    st.rerun()


def _progress_text(snapshot: JobSnapshot) -> str:
    return f"{snapshot.stage}: {snapshot.message} ({snapshot.elapsed_s:.0f} s)"


def _show_outcome(job: ProfileJob) -> None:
    snapshot = job.snapshot()
    if snapshot.session_path is not None:
        session_id = snapshot.session_path.stem
        # The success stays on this page too, in case the switch below gives way to another rerun.
        st.session_state[state.JOB] = None
        st.session_state[_LAST_SAVED] = session_id
        state.open_session(session_id)
        state.switch_to("analysis")
    elif snapshot.cancelled:
        st.info(f"Profile of {markdown_literal(job.model_label)} cancelled after {snapshot.elapsed_s:.0f} s; nothing was saved.")
    else:
        st.error(f"Profile of {markdown_literal(job.model_label)} failed: {markdown_lines(snapshot.error)}",
                 icon=":material/error:")
