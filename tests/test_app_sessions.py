"""The Sessions page through AppTest: listing, open, delete, download and import of real sessions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from ovstudio.session import schema
from ovstudio.ui.paths import SESSIONS_DIR_VARIABLE
from ovstudio.ui.state import OPEN_SESSION
from tests.app_support import (
    OCTET_STREAM,
    add_session,
    click_table_rows,
    error_texts,
    exception_texts,
    new_app,
    open_page,
    session_files,
    shown_text,
)

SQUEEZENET = "light_squeezenet"
FIXTURE_V1 = Path(__file__).resolve().parent / "data" / "session_v1.parquet"
MAGIKA = "magika"
TABLE_KEY = "sessions_table"


@pytest.fixture
def sessions_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "sessions"
    folder.mkdir()
    monkeypatch.setenv(SESSIONS_DIR_VARIABLE, str(folder))
    return folder


@pytest.fixture
def squeezenet_id(sessions_dir: Path, real_session_path: Callable[[str], Path]) -> str:
    return add_session(real_session_path(SQUEEZENET), sessions_dir)


@pytest.fixture
def magika_id(sessions_dir: Path, real_session_path: Callable[[str], Path]) -> str:
    return add_session(real_session_path(MAGIKA), sessions_dir)


def sessions_page() -> AppTest:
    return open_page(new_app(), "sessions")


def listing(at: AppTest) -> pd.DataFrame:
    return at.dataframe(key=TABLE_KEY).value


def select_session(at: AppTest, session_id: str) -> AppTest:
    """Click the row of ``session_id`` in the sessions table."""
    ids = list(listing(at)["session id"])
    return click_table_rows(at, TABLE_KEY, [ids.index(session_id)])


def import_file(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="session_import").set_value([(name, data, OCTET_STREAM)])
    return at.run()


def folder_digest(folder: Path) -> dict[str, str]:
    """Map every file under ``folder`` to its sha256, to show that nothing was added or changed."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


def rewrite_session(data: bytes, tmp_path: Path, version: int | None = None,
                    session_id: str | None = None) -> bytes:
    """Return session bytes rewritten with another schema version or session id, footer included."""
    source = tmp_path / "source.parquet"
    source.write_bytes(data)
    table = pq.read_table(source)
    metadata = dict(table.schema.metadata)
    summary = json.loads(metadata[schema.SUMMARY_METADATA_KEY])
    if version is not None:
        index = table.schema.get_field_index("schema_version")
        table = table.set_column(index, "schema_version", pa.array([version], pa.int32()))
        summary["schema_version"] = version
    if session_id is not None:
        index = table.schema.get_field_index("session_id")
        table = table.set_column(index, "session_id", pa.array([session_id], pa.string()))
        summary["session_id"] = session_id
    metadata[schema.SUMMARY_METADATA_KEY] = json.dumps(summary).encode()
    target = tmp_path / "rewritten.parquet"
    pq.write_table(table.replace_schema_metadata(metadata), target)
    return target.read_bytes()


def keys_of(widgets: object) -> list[str | None]:
    return [widget.key for widget in widgets]  # type: ignore[attr-defined]


def test_sessions_page_lists_sessions(squeezenet_id: str, magika_id: str) -> None:
    table = listing(sessions_page())

    assert sorted(table["session id"]) == sorted([squeezenet_id, magika_id])
    assert sorted(table["model"]) == ["light_squeezenet", "model"]


def test_empty_folder_shows_info(sessions_dir: Path) -> None:
    at = sessions_page()

    assert exception_texts(at) == []
    assert any(str(sessions_dir) in element.value for element in at.info)


def test_selected_session_shows_actions(squeezenet_id: str, magika_id: str) -> None:
    at = select_session(sessions_page(), squeezenet_id)
    downloads = [widget for widget in at.download_button if widget.key == "download_session"]

    assert exception_texts(at) == []
    assert keys_of(at.button) == ["open_session", "delete_session"]
    assert len(downloads) == 1
    assert downloads[0].label == "Download"
    assert not downloads[0].disabled


def test_open_button_opens_analysis(squeezenet_id: str, magika_id: str) -> None:
    at = select_session(sessions_page(), squeezenet_id)
    at.button(key="open_session").click().run()

    assert exception_texts(at) == []
    assert at.session_state[OPEN_SESSION] == squeezenet_id
    assert at.query_params.get("session") == squeezenet_id
    assert [shown_text(element.value) for element in at.subheader][:1] == ["light_squeezenet (onnx) on CPU"]


def test_delete_asks_for_confirmation(sessions_dir: Path, squeezenet_id: str) -> None:
    at = select_session(sessions_page(), squeezenet_id)
    at.button(key="delete_session").click().run()

    assert any(squeezenet_id in element.value for element in at.warning)
    assert "confirm_delete_button" in keys_of(at.button)
    assert session_files(sessions_dir) == [f"{squeezenet_id}.parquet"]


@pytest.mark.parametrize("row", [0, 1])
def test_confirmed_delete_removes_file(row: int, sessions_dir: Path, squeezenet_id: str,
                                      magika_id: str) -> None:
    at = sessions_page()
    deleted_id = listing(at)["session id"][row]
    kept_id = next(session_id for session_id in (squeezenet_id, magika_id) if session_id != deleted_id)
    click_table_rows(at, TABLE_KEY, [row])
    at.button(key="delete_session").click().run()
    at.button(key="confirm_delete_button").click().run()

    assert exception_texts(at) == []
    assert session_files(sessions_dir) == [f"{kept_id}.parquet"]
    assert list(listing(at)["session id"]) == [kept_id]
    # The row number selected before the delete must not select the session left.
    assert keys_of(at.button) == []


def test_delete_of_open_session_closes_it(sessions_dir: Path, squeezenet_id: str) -> None:
    at = select_session(sessions_page(), squeezenet_id)
    at.button(key="open_session").click().run()
    open_page(at, "sessions")
    select_session(at, squeezenet_id)
    at.button(key="delete_session").click().run()
    at.button(key="confirm_delete_button").click().run()

    assert exception_texts(at) == []
    assert session_files(sessions_dir) == []
    assert at.session_state[OPEN_SESSION] is None


def test_unreadable_file_cannot_be_opened(sessions_dir: Path, squeezenet_id: str) -> None:
    broken_id = "20260101T000000Z_broken_CPU_000000"
    (sessions_dir / f"{broken_id}.parquet").write_bytes(b"not a parquet file")
    at = select_session(sessions_page(), broken_id)
    table = listing(at).set_index("session id")

    assert exception_texts(at) == []
    assert table.loc[broken_id, "error"]
    assert at.button(key="open_session").disabled
    assert not at.button(key="delete_session").disabled


def test_import_adds_session(sessions_dir: Path, squeezenet_id: str,
                             real_session_path: Callable[[str], Path]) -> None:
    exported = real_session_path(MAGIKA)
    at = import_file(sessions_page(), "exported magika.parquet", exported.read_bytes())
    successes = [element.value for element in at.success]

    assert exception_texts(at) == []
    assert successes == [f"Imported as session {exported.stem}."]
    assert session_files(sessions_dir) == sorted([f"{squeezenet_id}.parquet", exported.name])
    assert (sessions_dir / exported.name).read_bytes() == exported.read_bytes()
    assert exported.stem in list(listing(at)["session id"])


def test_repeated_import_keeps_one_file(sessions_dir: Path, squeezenet_id: str) -> None:
    data = (sessions_dir / f"{squeezenet_id}.parquet").read_bytes()
    at = import_file(sessions_page(), f"{squeezenet_id}.parquet", data)

    assert [element.value for element in at.success] == [f"Imported as session {squeezenet_id}."]
    assert session_files(sessions_dir) == [f"{squeezenet_id}.parquet"]


def bad_import(case: str, session_file: Path) -> bytes:
    """Build the bytes of one rejected import."""
    data = session_file.read_bytes()
    if case == "random bytes":
        return bytes(range(256)) * 8
    if case == "truncated session":
        return data[: len(data) // 2]
    if case == "csv renamed":
        return b"session_id,model_name\nabc,resnet50\n"
    return b""


@pytest.mark.parametrize("case", ["random bytes", "truncated session", "csv renamed", "empty file"])
def test_bad_import_adds_nothing(case: str, sessions_dir: Path, squeezenet_id: str) -> None:
    files_before = session_files(sessions_dir)
    name = f"{case.replace(' ', '_')}.parquet"
    at = import_file(sessions_page(), name, bad_import(case, sessions_dir / f"{squeezenet_id}.parquet"))
    errors = error_texts(at)

    assert exception_texts(at) == []
    assert len(errors) == 1
    assert repr(name) in errors[0]
    assert session_files(sessions_dir) == files_before
    assert list(listing(at)["session id"]) == [squeezenet_id]


def test_bad_import_changes_no_saved_session(sessions_dir: Path, squeezenet_id: str,
                                             magika_id: str) -> None:
    before = folder_digest(sessions_dir)
    at = sessions_page()
    data = (sessions_dir / f"{squeezenet_id}.parquet").read_bytes()
    for case in ["random bytes", "truncated session", "csv renamed", "empty file"]:
        import_file(at, f"{case.replace(' ', '_')}.parquet", bad_import(case, sessions_dir / f"{squeezenet_id}.parquet"))

        assert exception_texts(at) == []
        assert folder_digest(sessions_dir) == before
    import_file(at, "copy.parquet", data)

    assert folder_digest(sessions_dir) == before
    assert sorted(listing(at)["session id"]) == sorted([squeezenet_id, magika_id])


def test_import_foreign_parquet_rejected(sessions_dir: Path, squeezenet_id: str, tmp_path: Path) -> None:
    foreign = tmp_path / "sales.parquet"
    pq.write_table(pa.table({"region": ["north", "south"], "total": [3.5, 4.0]}), foreign)
    before = folder_digest(sessions_dir)
    at = import_file(sessions_page(), "sales.parquet", foreign.read_bytes())
    errors = error_texts(at)

    assert exception_texts(at) == []
    assert len(errors) == 1
    assert "'sales.parquet'" in errors[0]
    assert "not an ovstudio session" in errors[0]
    assert folder_digest(sessions_dir) == before


def test_import_newer_schema_rejected(sessions_dir: Path, squeezenet_id: str, tmp_path: Path) -> None:
    data = (sessions_dir / f"{squeezenet_id}.parquet").read_bytes()
    newer = rewrite_session(data, tmp_path, version=schema.SCHEMA_VERSION + 1)
    (sessions_dir / f"{squeezenet_id}.parquet").unlink()
    before = folder_digest(sessions_dir)
    at = import_file(sessions_page(), "from_the_future.parquet", newer)
    errors = error_texts(at)

    assert exception_texts(at) == []
    assert len(errors) == 1
    assert "'from_the_future.parquet'" in errors[0]
    assert f"schema version {schema.SCHEMA_VERSION + 1}" in errors[0]
    assert "upgrade ovstudio" in errors[0]
    assert folder_digest(sessions_dir) == before


def test_import_version_1_fixture_opens(sessions_dir: Path, squeezenet_id: str) -> None:
    at = import_file(sessions_page(), "session_v1.parquet", FIXTURE_V1.read_bytes())
    fixture_id = "20260105T142233Z_tiny_CPU_000001"

    assert exception_texts(at) == []
    assert [element.value for element in at.success] == [f"Imported as session {fixture_id}."]
    assert fixture_id in list(listing(at)["session id"])
    select_session(at, fixture_id)
    at.button(key="open_session").click().run()

    assert exception_texts(at) == []
    assert at.session_state[OPEN_SESSION] == fixture_id
    assert error_texts(at) == []


@pytest.mark.parametrize("stored_id", ["../../x", "../outside", "/etc/passwd", ".hidden"])
def test_import_unsafe_session_id_rejected(stored_id: str, sessions_dir: Path, squeezenet_id: str,
                                           tmp_path: Path) -> None:
    data = (sessions_dir / f"{squeezenet_id}.parquet").read_bytes()
    work = tmp_path / "work"
    work.mkdir()
    hostile = rewrite_session(data, work, session_id=stored_id)
    before = folder_digest(tmp_path)
    at = import_file(sessions_page(), "../../x.parquet", hostile)
    errors = error_texts(at)

    assert exception_texts(at) == []
    assert len(errors) == 1
    assert "invalid session id" in errors[0]
    assert folder_digest(tmp_path) == before


def test_import_upload_name_with_path_stays_inside(sessions_dir: Path, squeezenet_id: str,
                                                   real_session_path: Callable[[str], Path],
                                                   tmp_path: Path) -> None:
    exported = real_session_path(MAGIKA)
    at = import_file(sessions_page(), "../../x.parquet", exported.read_bytes())

    assert exception_texts(at) == []
    assert session_files(sessions_dir) == sorted([f"{squeezenet_id}.parquet", exported.name])
    assert not (tmp_path / "x.parquet").exists()
    assert not (sessions_dir.parent.parent / "x.parquet").exists()
