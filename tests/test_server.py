"""The real server under hostile uploads, its upload limit and the address it listens on.

The browser tests start `streamlit run streamlit_app.py` and drive Debian's Chromium at
/usr/bin/chromium, like tests/test_browser.py. The other tests read the committed Streamlit
config or run the page with AppTest.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import struct
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import openvino as ov
import openvino.opset13 as opset
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from streamlit import config as streamlit_config

from bench.browser import launch_browser, local_context
from tests.app_support import new_app
from tests.browser_support import (
    REPO,
    RunningApp,
    artifacts_dir,
    folder_digests,
    health_status,
    listening_addresses,
    open_app_page,
    run_app,
)
from tests.real_models import fetch

STREAMLIT_CONFIG = REPO / ".streamlit" / "config.toml"
README = REPO / "README.md"
# Upload limit, in MB, of the server that checks the browser's rejection of a larger file.
SMALL_LIMIT_MB = 1
# Seconds to wait for the page to react to one upload or click.
STEP_TIMEOUT_S = 60.0
PROFILE_ITERATIONS = 10

UPLOADER = '[data-testid="stFileUploader"]'
FILE_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
FILE_CHIP = '[data-testid="stFileChip"]'
FILE_CHIP_DELETE = '[data-testid="stFileChipDeleteBtn"]'
FILE_CHIP_ERROR = '[data-testid="stFileChipIconError"]'
ERROR_ALERT = '[data-testid="stAlertContentError"]'
EXCEPTION = '[data-testid="stException"]'
MODEL_INPUTS = '[data-testid="stCaptionContainer"]:has-text("Model inputs")'
SCRIPT_STOPPED = '[data-testid="stApp"][data-test-script-state="notRunning"]'


# --- The committed config and the README ------------------------------------------------------


def committed_server_config() -> dict[str, object]:
    with STREAMLIT_CONFIG.open("rb") as stream:
        return dict(tomllib.load(stream).get("server", {}))


def test_config_binds_loopback() -> None:
    assert committed_server_config().get("address") == "127.0.0.1"


def test_config_sets_upload_limit() -> None:
    assert committed_server_config().get("maxUploadSize") == 1024


def test_readme_states_limit_and_address() -> None:
    readme = README.read_text()
    limit = committed_server_config().get("maxUploadSize")
    assert f"{limit} MB" in readme, "the README does not state the upload limit of .streamlit/config.toml"
    assert "--server.maxUploadSize" in readme, "the README does not say how to raise the upload limit"
    assert "--server.address 0.0.0.0" in readme, "the README does not say how to open the app to the network"


# --- The limit on the page (AppTest) ----------------------------------------------------------


@pytest.fixture
def upload_limit_mb() -> Iterator[int]:
    """Set server.maxUploadSize to an unusual value while the test runs, and restore it after."""
    previous = streamlit_config.get_option("server.maxUploadSize")
    streamlit_config.set_option("server.maxUploadSize", 37)
    try:
        yield 37
    finally:
        streamlit_config.set_option("server.maxUploadSize", previous)


def test_profile_page_states_limit(upload_limit_mb: int) -> None:
    at = new_app().run()
    captions = [caption.value for caption in at.caption]
    limit_captions = [text for text in captions if "server.maxUploadSize" in text]

    assert len(limit_captions) == 1, f"no caption names server.maxUploadSize: {captions}"
    assert f"{upload_limit_mb} MB" in limit_captions[0]
    assert "--server.maxUploadSize" in limit_captions[0]
    assert ".streamlit/config.toml" in limit_captions[0]


# --- Hostile inputs ---------------------------------------------------------------------------


def tiny_ir(folder: Path, name: str) -> tuple[Path, Path]:
    """Save a MatMul with one f32 Constant of 8x4 as an IR named ``name`` and return its .xml and .bin."""
    x = opset.parameter([1, 8], np.float32, name="x")
    weights = opset.constant(np.ones((8, 4), np.float32))
    model = ov.Model([opset.matmul(x, weights, False, False)], [x], name)
    xml = folder / f"{name}.xml"
    ov.save_model(model, xml, compress_to_fp16=False)
    return xml, xml.with_suffix(".bin")


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def entity_bomb_xml() -> bytes:
    """Return an IR .xml whose DOCTYPE declares nested entities that expand to 10^9 characters."""
    entities = ['<!ENTITY e0 "0123456789">']
    for level in range(1, 9):
        entities.append(f'<!ENTITY e{level} "{f"&e{level - 1};" * 10}">')
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE net [' + "".join(entities) + ']>\n'
        '<net name="&e8;" version="11"><layers/><edges/></net>\n'
    ).encode()


def declared_size_bomb(member_count: int = 5) -> bytes:
    """Return a zip of a few KB whose members each declare almost 4 GiB, over 16 GiB in all.

    Each member contains 1 KiB of zeros, and its central directory entry is patched to declare
    0xFFFFFFF0 bytes, the way a zip bomb's headers announce its size.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(member_count):
            archive.writestr(f"part{index}.onnx" if index == 0 else f"part{index}.data", bytes(1024))
    data = bytearray(buffer.getvalue())

    # Central directory entry: signature PK\x01\x02, uncompressed size at offset 24 (4 bytes).
    for match in re.finditer(re.escape(b"PK\x01\x02"), bytes(data)):
        struct.pack_into("<I", data, match.start() + 24, 0xFFFFFFF0)
    return bytes(data)


def foreign_parquet() -> bytes:
    """Return a Parquet file that another program could have written: a table of numbers."""
    buffer = io.BytesIO()
    pq.write_table(pa.table({"value": list(range(100))}), buffer)
    return buffer.getvalue()


def hostile_model_uploads(folder: Path) -> dict[str, list[Path]]:
    """Return each hostile upload of New profile by case, written into ``folder``."""
    xml, bin_file = tiny_ir(folder, "tiny")
    xml_bytes, bin_bytes = xml.read_bytes(), bin_file.read_bytes()
    squeezenet = fetch("light_squeezenet").read_bytes()
    face_detection = fetch("face_detection_short_range").read_bytes()
    cases = {
        "malformed IR XML": [write(folder / "broken.xml", xml_bytes[:400]), write(folder / "broken.bin", bin_bytes)],
        "entity expansion bomb": [write(folder / "bomb.xml", entity_bomb_xml()), write(folder / "bomb.bin", b"")],
        "short .bin": [write(folder / "short.xml", xml_bytes), write(folder / "short.bin", bin_bytes[:-8])],
        "empty file": [write(folder / "empty.onnx", b"")],
        "ONNX named .tflite": [write(folder / "squeezenet.tflite", squeezenet)],
        "two models": [write(folder / "first.onnx", squeezenet), write(folder / "second.tflite", face_detection)],
        "zip bomb": [write(folder / "bomb.zip", declared_size_bomb())],
        "unsupported operations": [fetch("failing_selfie_segmentation")],
        "random bytes .onnx": [write(folder / "random.onnx", np.random.default_rng(0).bytes(4096))],
    }
    return cases


# --- The real server --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded_sessions(tmp_path_factory: pytest.TempPathFactory, real_session_path: Callable[[str], Path]) -> Path:
    """A sessions folder that contains one real profiled session, light_squeezenet on CPU."""
    folder = tmp_path_factory.mktemp("server-sessions")
    shutil.copy2(real_session_path("light_squeezenet"), folder)
    return folder


@pytest.fixture(scope="module")
def app(seeded_sessions: Path) -> Iterator[RunningApp]:
    with run_app(seeded_sessions, artifacts_dir("server") / "app.log") as running:
        yield running


@pytest.fixture
def page(app: RunningApp) -> Iterator[Page]:
    with open_app_page(app, {"width": 1400, "height": 1600}, STEP_TIMEOUT_S) as page:
        yield page


def screenshot(page: Page, name: str) -> None:
    page.screenshot(path=str(artifacts_dir("server") / f"{name}.png"), full_page=True)


def case_slug(case: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", case.lower()).strip("-")


def clear_uploads(page: Page, uploader_index: int = 0) -> None:
    """Remove every file of an uploader with its delete button, waiting for each rerun."""
    uploader = page.locator(UPLOADER).nth(uploader_index)
    chips = uploader.locator(FILE_CHIP)
    while chips.count() > 0:
        remaining = chips.count()
        chips.first.locator(FILE_CHIP_DELETE).click()
        page.wait_for_function(
            "([selector, index, count]) => document.querySelectorAll(selector)[index]"
            ".querySelectorAll('[data-testid=\"stFileChip\"]').length < count",
            arg=[UPLOADER, uploader_index, remaining],
        )


def upload(page: Page, files: list[Path], uploader_index: int = 0) -> None:
    """Replace the files of an uploader with ``files``, as a user removes the old ones and picks new ones.

    Files picked while the rerun of a removal is still running are lost, so the upload waits until
    the page shows no outcome of the old files (an error or the model inputs) and the script has
    stopped running.
    """
    clear_uploads(page, uploader_index)
    page.locator(f"{ERROR_ALERT}, {MODEL_INPUTS}").first.wait_for(state="detached")
    page.locator(SCRIPT_STOPPED).wait_for(state="attached")
    page.locator(UPLOADER).nth(uploader_index).locator(FILE_INPUT).set_input_files(files)


def wait_error_naming(page: Page, name: str) -> str:
    """Wait until an error alert contains ``name`` and return its text."""
    alert = page.locator(ERROR_ALERT).filter(has_text=name)
    alert.first.wait_for(state="visible")
    return alert.first.inner_text()


def check_server_intact(app: RunningApp, sessions_before: dict[str, str], case: str) -> None:
    assert app.process.poll() is None, f"the server exited after {case}:\n{app.log_tail()}"
    assert health_status(app) == "ok", f"the server is not healthy after {case}:\n{app.log_tail()}"
    assert folder_digests(app.sessions_dir) == sessions_before, f"the sessions folder changed after {case}"


@pytest.mark.browser
def test_server_survives_hostile_uploads(page: Page, app: RunningApp, tmp_path: Path) -> None:
    sessions_before = folder_digests(app.sessions_dir)
    assert len(sessions_before) == 1, "the sessions folder should start with one session"
    page.goto(app.url + "/", wait_until="domcontentloaded")
    page.locator(FILE_INPUT).first.wait_for(state="attached")

    for case, files in hostile_model_uploads(tmp_path).items():
        upload(page, files)
        try:
            wait_error_naming(page, files[0].name)
        except PlaywrightTimeoutError:
            screenshot(page, f"hostile-{case_slug(case)}-failed")
            pytest.fail(f"no error naming {files[0].name} after {case}:\n{app.log_tail()}")
        screenshot(page, f"hostile-{case_slug(case)}")
        assert page.locator(EXCEPTION).count() == 0, f"the page shows an exception after {case}"
        check_server_intact(app, sessions_before, case)

    # A Parquet file that is not a session, imported on the Sessions page.
    page.goto(app.url + "/sessions", wait_until="domcontentloaded")
    page.get_by_text("Import a session file").click()
    numbers = write(tmp_path / "numbers.parquet", foreign_parquet())
    upload(page, [numbers], uploader_index=0)
    try:
        wait_error_naming(page, numbers.name)
    except PlaywrightTimeoutError:
        screenshot(page, "hostile-parquet-failed")
        pytest.fail(f"no error naming {numbers.name} after its import:\n{app.log_tail()}")
    screenshot(page, "hostile-parquet")
    check_server_intact(app, sessions_before, "the foreign Parquet import")

    # A good model afterwards profiles and adds exactly one session.
    page.goto(app.url + "/", wait_until="domcontentloaded")
    upload(page, [fetch("light_squeezenet")])
    iterations = page.get_by_label("Iterations", exact=True)
    iterations.fill(str(PROFILE_ITERATIONS))
    iterations.press("Enter")
    page.get_by_role("button", name="Profile", exact=True).click()
    try:
        page.wait_for_url(re.compile(r"/analysis\?session="))
    except PlaywrightTimeoutError:
        screenshot(page, "good-upload-failed")
        pytest.fail(f"the analysis page did not open after profiling light_squeezenet:\n{app.log_tail()}")
    session_id = page.url.split("session=", 1)[1].split("&", 1)[0]

    sessions_after = folder_digests(app.sessions_dir)
    new_files = sorted(set(sessions_after) - set(sessions_before))
    assert new_files == [f"{session_id}.parquet"]
    assert {name: sessions_after[name] for name in sessions_before} == sessions_before


@pytest.mark.browser
def test_upload_over_limit_rejected(tmp_path: Path) -> None:
    sessions_dir = tmp_path / "sessions"
    sessions_dir.mkdir()
    big = write(tmp_path / "big.onnx", os.urandom(2 * 1024 * 1024))
    options = ("--server.maxUploadSize", str(SMALL_LIMIT_MB))
    with (
        run_app(sessions_dir, artifacts_dir("server") / "limit-app.log", server_options=options) as app,
        launch_browser() as browser,
        local_context(browser, app.url) as local,
    ):
        page = local.context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_S * 1000)
        page.goto(app.url + "/", wait_until="domcontentloaded")
        limit_caption = page.get_by_text(re.compile(r"server\.maxUploadSize\)"))
        limit_caption.wait_for()
        page.locator(FILE_INPUT).set_input_files([big])
        rejected = page.locator(FILE_CHIP).filter(has_text=big.name).locator(FILE_CHIP_ERROR)
        try:
            rejected.wait_for()
        except PlaywrightTimeoutError:
            screenshot(page, "limit-failed")
            pytest.fail(f"the browser did not reject {big.name} ({big.stat().st_size} bytes):\n{app.log_tail()}")
        screenshot(page, "limit")

        assert f"{SMALL_LIMIT_MB} MB" in limit_caption.inner_text()
        assert page.get_by_role("button", name="Profile", exact=True).count() == 0
        assert list(sessions_dir.iterdir()) == []
        assert health_status(app) == "ok"


def test_server_binds_loopback_by_default(tmp_path: Path) -> None:
    # Started as `make run` starts it: the repository's config decides the address.
    with run_app(tmp_path, artifacts_dir("server") / "binding-app.log", address=None) as app:
        addresses = listening_addresses(app.port)
    assert addresses == {"127.0.0.1"}


def test_listening_addresses_finds_probe() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        probe.listen()
        addresses = listening_addresses(probe.getsockname()[1])
    assert addresses == {"127.0.0.1"}
