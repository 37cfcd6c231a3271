"""Saving sessions: two writers at the same moment, and a save that is cancelled or cut off."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from ovstudio.errors import ProfilingCancelled
from ovstudio.pipeline import profile_model
from ovstudio.session import ids
from ovstudio.session.store import (
    import_session,
    list_sessions,
    new_session_id,
    read_session,
    write_new_session,
    write_session,
)
from ovstudio.settings import ProfileSettings
from tests.real_models import fetch
from tests.test_session_store import CREATED, assert_sessions_equal, sample_session

# The random part of a session id that every writer draws first, so their ids collide.
COLLIDING_PART = "c0ffee"


class FirstDrawFixed:
    """Stands in for ``secrets`` in ``ovstudio.session.ids``: the first draw is COLLIDING_PART."""

    def __init__(self) -> None:
        self.drawn = 0

    def token_hex(self, size: int) -> str:
        self.drawn += 1
        return COLLIDING_PART if self.drawn == 1 else os.urandom(size).hex()


def colliding_session(writer: int) -> Any:
    """A session of resnet50 on CPU created at CREATED, distinguished by its latency."""
    session = sample_session(latency_median_ms=float(writer + 1))
    session.info["session_id"] = new_session_id(session.model_name, session.device, session.created_utc)
    return session


def save_at_barrier(folder: str, writer: int, barrier: Any, results: Any) -> None:
    """Write one colliding session once every writer has reached the barrier (in a spawn child)."""
    ids.secrets = FirstDrawFixed()  # type: ignore[assignment]
    session = colliding_session(writer)
    barrier.wait()
    path = write_new_session(session, folder)
    results.put((writer, str(path)))


def test_two_processes_save_same_second(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(target=save_at_barrier, args=(str(tmp_path), writer, barrier, results)) for writer in (0, 1)
    ]
    for process in processes:
        process.start()
    saved = dict(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(60)

    assert [process.exitcode for process in processes] == [0, 0]
    assert saved[0] != saved[1]
    colliding_id = f"{CREATED.strftime('%Y%m%dT%H%M%SZ')}_resnet50_CPU_{COLLIDING_PART}"
    assert colliding_id in {Path(path).stem for path in saved.values()}
    for writer, path in saved.items():
        session = read_session(path)
        assert session.session_id == Path(path).stem
        assert session.info["latency_median_ms"] == float(writer + 1)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(Path(path).name for path in saved.values())


def test_write_new_session_keeps_taken_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "secrets", FirstDrawFixed())
    first = colliding_session(0)
    first_path = write_new_session(first, tmp_path)
    first_bytes = first_path.read_bytes()
    monkeypatch.setattr(ids, "secrets", FirstDrawFixed())
    second = colliding_session(1)
    taken_id = second.session_id

    second_path = write_new_session(second, tmp_path)

    assert taken_id == first.session_id
    assert second.session_id != taken_id
    assert second_path.stem == second.session_id
    assert first_path.read_bytes() == first_bytes
    assert_sessions_equal(read_session(second_path), second)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([first_path.name, second_path.name])


@pytest.fixture
def temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder


def test_cancel_at_save_saves_nothing(tmp_path: Path, temp_folder: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    cancel = threading.Event()

    def on_progress(stage: str, fraction: float, message: str) -> None:
        if stage == "save":
            cancel.set()

    with pytest.raises(ProfilingCancelled) as caught:
        profile_model([fetch("light_squeezenet")], ProfileSettings(iterations=3), sessions, on_progress, cancel)

    assert caught.value.stage == "save"
    assert list(sessions.iterdir()) == []
    assert list(temp_folder.iterdir()) == []


def test_interrupted_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def write_half(table: Any, stream: Any, **options: Any) -> None:
        stream.write(b"PAR1 half a session")
        raise KeyboardInterrupt

    monkeypatch.setattr(pq, "write_table", write_half)

    with pytest.raises(KeyboardInterrupt):
        write_new_session(sample_session(), tmp_path)

    assert list(tmp_path.iterdir()) == []


# Writes a session and is killed in the middle of writing its Parquet data, as a server that
# is stopped with SIGKILL would be. argv[1] is the sessions folder.
KILLED_WRITER_SCRIPT = """
import os, signal, sys
import pyarrow.parquet as pq
from ovstudio.session.store import write_new_session
from tests.test_session_store import sample_session

def write_half(table, stream, **options):
    stream.write(b"PAR1 half a session")
    stream.flush()
    os.kill(os.getpid(), signal.SIGKILL)

pq.write_table = write_half
write_new_session(sample_session(), sys.argv[1])
"""


def test_killed_writer_leaves_no_session(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER_SCRIPT, str(tmp_path)],
        cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=120, check=False,
    )
    listing = list_sessions(tmp_path)

    assert completed.returncode == -signal.SIGKILL
    assert list(tmp_path.glob("*.parquet")) == []
    # Only the hidden temporary file of the killed writer remains, and the listing skips it.
    assert [path.name.startswith(".") for path in tmp_path.iterdir()] == [True]
    assert listing.empty


def test_import_race_keeps_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session_id = "20260105T142233Z_resnet50_CPU_c0ffee"
    exported = write_session(sample_session(session_id), tmp_path / "export")
    folder = tmp_path / "sessions"
    rival = sample_session(session_id, model_name="rival")
    real_link = os.link

    def link_after_rival(source: Any, target: Any) -> None:
        # Another writer saves a session of the same id after the import checked that the id is free.
        monkeypatch.setattr(os, "link", real_link)
        write_session(rival, folder)
        real_link(source, target)

    monkeypatch.setattr(os, "link", link_after_rival)

    path = import_session(exported.read_bytes(), exported.name, folder)

    assert path.stem != session_id
    assert read_session(path).model_name == "resnet50"
    assert read_session(folder / f"{session_id}.parquet").model_name == "rival"
    assert sorted(item.name for item in folder.iterdir()) == sorted([path.name, f"{session_id}.parquet"])
