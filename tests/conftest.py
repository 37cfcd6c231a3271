"""Shared fixtures: sessions profiled from real models once per test run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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


@pytest.fixture(scope="module")
def densenet(real_session: Callable[[str], Session]) -> Session:
    """light_densenet121: fused runtime layers, no If bodies."""
    return real_session("light_densenet121")


@pytest.fixture(scope="module")
def silero(real_session: Callable[[str], Session]) -> Session:
    """silero_vad_ifless: one If whose bodies are nested IR layers."""
    return real_session("silero_vad_ifless")


@pytest.fixture(scope="session")
def squeezenet_ir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An OpenVINO IR made from the real light_squeezenet ONNX model, as a user would with ovc."""
    import openvino as ov

    xml_path = tmp_path_factory.mktemp("ir") / "squeezenet.xml"
    ov.save_model(ov.convert_model(fetch("light_squeezenet")), xml_path)
    return xml_path
