"""Tests of the measurement loops on a real model, in process."""

from __future__ import annotations

import numpy as np
import openvino as ov
import pytest

from ovstudio.profiler.passes import Budget, measure_async, measure_counters, measure_sync
from tests.real_models import fetch


@pytest.fixture(scope="module")
def face_model() -> tuple[ov.Core, ov.Model]:
    return ov.Core(), ov.convert_model(fetch("face_detection_short_range"))


@pytest.fixture(scope="module")
def arrays() -> list[np.ndarray]:
    return [np.random.default_rng(0).random((1, 128, 128, 3), dtype=np.float32)]


def test_budget_iterations_and_time() -> None:
    by_count = Budget(10, None)
    by_time = Budget(None, 2.0)

    assert not by_count.done(9, 100.0)
    assert by_count.done(10, 0.0)
    assert by_count.fraction(5, 0.0) == pytest.approx(0.5)
    assert not by_time.done(1000, 1.9)
    assert not by_time.done(0, 2.0)
    assert by_time.done(1, 2.0)
    assert by_time.fraction(0, 3.0) == 1.0


def test_measure_sync_iterations(face_model: tuple[ov.Core, ov.Model], arrays: list[np.ndarray]) -> None:
    core, model = face_model
    compiled = core.compile_model(model, "CPU", {"PERFORMANCE_HINT": "LATENCY"})

    measurement = measure_sync(compiled, arrays, Budget(12, None), warmup=1, on_tick=lambda fraction: None)

    assert measurement.iterations == 12
    assert len(measurement.latencies_ms) == 12
    assert min(measurement.latencies_ms) > 0
    assert measurement.wall_s >= sum(measurement.latencies_ms) / 1000.0 * 0.9
    assert measurement.mode == "sync"


def test_measure_async_time_budget(face_model: tuple[ov.Core, ov.Model], arrays: list[np.ndarray]) -> None:
    core, model = face_model
    compiled = core.compile_model(model, "CPU", {"PERFORMANCE_HINT": "THROUGHPUT"})
    ticks: list[float] = []

    measurement = measure_async(compiled, arrays, Budget(None, 1.2), warmup=2, requests=2, on_tick=ticks.append)

    assert measurement.wall_s >= 1.2
    assert measurement.iterations > 10
    assert len(measurement.latencies_ms) == measurement.iterations
    assert measurement.requests == 2
    assert ticks
    assert all(0.0 <= fraction <= 1.0 for fraction in ticks)


def test_measure_counters_rows_per_iteration(face_model: tuple[ov.Core, ov.Model], arrays: list[np.ndarray]) -> None:
    core, model = face_model
    compiled = core.compile_model(model, "CPU", {"PERF_COUNT": True})

    measurement = measure_counters(compiled, arrays, Budget(3, None), warmup=0, on_tick=lambda fraction: None)

    assert measurement.error is None
    assert len(measurement.latencies_ms) == 3
    iterations = [row["iteration"] for row in measurement.rows]
    assert sorted(set(iterations)) == [0, 1, 2]
    assert iterations.count(0) == iterations.count(2)
    assert any(row["status"] == "EXECUTED" and row["real_time_us"] > 0 for row in measurement.rows)
