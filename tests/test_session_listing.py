"""The listing's cache of footer rows: reused while a file is unchanged, read again once it is replaced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ovstudio.session import listing
from ovstudio.session.listing import clear_listing_cache, list_sessions
from ovstudio.session.store import delete_session, write_session
from tests.test_session_store import sample_session


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    clear_listing_cache()
    yield
    clear_listing_cache()


def fail_reading(path: Path) -> dict[str, Any]:
    raise AssertionError(f"the listing read the footer of {path} again")


def test_listing_reuses_unchanged_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_session(sample_session("session_a"), tmp_path)
    write_session(sample_session("session_b"), tmp_path)
    first = list_sessions(tmp_path)
    monkeypatch.setattr(listing, "_listing_row", fail_reading)

    second = list_sessions(tmp_path)

    assert second["session_id"].tolist() == first["session_id"].tolist()


def test_listing_rereads_replaced_file(tmp_path: Path) -> None:
    write_session(sample_session("session_a"), tmp_path)
    list_sessions(tmp_path)

    write_session(sample_session("session_a", model_name="mobilenet"), tmp_path)
    rows = list_sessions(tmp_path)

    assert rows["model_name"].tolist() == ["mobilenet"]


def test_listing_drops_deleted_file(tmp_path: Path) -> None:
    write_session(sample_session("session_a"), tmp_path)
    write_session(sample_session("session_b"), tmp_path)
    list_sessions(tmp_path)

    delete_session(tmp_path, "session_a")
    rows = list_sessions(tmp_path)

    assert rows["session_id"].tolist() == ["session_b"]


def test_listing_rereads_broken_file(tmp_path: Path) -> None:
    good = write_session(sample_session("session_a"), tmp_path)
    broken = tmp_path / "session_b.parquet"
    broken.write_bytes(good.read_bytes()[:500])
    assert list_sessions(tmp_path).set_index("session_id").loc["session_b", "error"] is not None

    write_session(sample_session("session_b"), tmp_path)
    rows = list_sessions(tmp_path)

    assert rows["error"].isna().all()
