"""Shared fixtures: sessions profiled from real models once per test run."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from ovstudio.pipeline import profile_model
from ovstudio.session.store import Session, read_session
from ovstudio.settings import ProfileSettings
from tests.real_models import CATALOG, fetch

# Few iterations: these sessions feed viewer tests, not latency measurements.
FIXTURE_ITERATIONS = 10


@pytest.fixture(scope="session")
def real_session_path(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Return a function that profiles a catalog model on CPU once and returns its session path."""
    sessions_dir = tmp_path_factory.mktemp("real-sessions")
    profiled: dict[str, Path] = {}

    def profile(key: str) -> Path:
        if key not in profiled:
            settings = ProfileSettings(device="CPU", iterations=FIXTURE_ITERATIONS, shapes=CATALOG[key].shapes)
            profiled[key] = profile_model([fetch(key)], settings, sessions_dir)
        return profiled[key]

    return profile


@pytest.fixture(scope="session")
def real_session(real_session_path: Callable[[str], Path]) -> Callable[[str], Session]:
    """Return a function that reads the session of a catalog model, profiling it on first use."""
    return lambda key: read_session(real_session_path(key))
