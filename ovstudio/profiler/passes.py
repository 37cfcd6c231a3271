"""Measurement loops: pass 1 (latency and throughput) and pass 2 (performance counters).

The loops follow OpenVINO 2026.4.1's benchmark_app in its static-shape mode. Input tensors are
filled once before measuring. Each latency is the request's own ``latency``, which OpenVINO
measures from the start of the inference to its completion. Throughput is inferences divided by
the loop's wall time.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import openvino as ov

from ovstudio.profiler.counters import profiling_rows
from ovstudio.profiler.inputs import fill_tensor

# Called with the fraction of the pass done, 0..1.
TickCallback = Callable[[float], None]
TICK_INTERVAL_S = 0.5


@dataclasses.dataclass(frozen=True)
class Budget:
    """How long a pass runs: a number of inferences, or as many as fit in a time, seconds."""

    iterations: int | None
    time_s: float | None

    def done(self, count: int, elapsed_s: float) -> bool:
        """Return whether the pass is over. A time budget always runs at least one inference."""
        if self.iterations is not None:
            return count >= self.iterations
        assert self.time_s is not None
        return count > 0 and elapsed_s >= self.time_s

    def fraction(self, count: int, elapsed_s: float) -> float:
        if self.iterations is not None:
            return min(1.0, count / self.iterations)
        assert self.time_s is not None
        return min(1.0, elapsed_s / self.time_s)


@dataclasses.dataclass
class PassMeasurement:
    """Latencies (ms) of every measured inference, their count and the loop's wall time (s)."""

    latencies_ms: list[float]
    iterations: int
    wall_s: float
    requests: int
    mode: str


@dataclasses.dataclass
class CountersMeasurement:
    """Pass 2: latencies (ms), counter rows of every iteration, and why counters stopped, if so."""

    latencies_ms: list[float]
    rows: list[dict[str, Any]]
    error: str | None


def fill_request(request: ov.InferRequest, arrays: list[np.ndarray]) -> None:
    """Copy the input arrays, in model input order, into the request's own input tensors."""
    for index, array in enumerate(arrays):
        fill_tensor(request.get_input_tensor(index), array)


def measure_sync(
    compiled: ov.CompiledModel, arrays: list[np.ndarray], budget: Budget, warmup: int, on_tick: TickCallback
) -> PassMeasurement:
    """Run one request with synchronous infer() calls, as benchmark_app does for the latency hint."""
    request = compiled.create_infer_request()
    fill_request(request, arrays)
    for _ in range(warmup):
        request.infer()

    latencies: list[float] = []
    ticker = _Ticker(budget, on_tick)
    started = time.perf_counter()
    while not budget.done(len(latencies), time.perf_counter() - started):
        request.infer()
        latencies.append(request.latency)
        ticker.tick(len(latencies), time.perf_counter() - started)
    wall_s = time.perf_counter() - started
    return PassMeasurement(latencies, len(latencies), wall_s, requests=1, mode="sync")


def measure_async(
    compiled: ov.CompiledModel,
    arrays: list[np.ndarray],
    budget: Budget,
    warmup: int,
    requests: int,
    on_tick: TickCallback,
) -> PassMeasurement:
    """Keep ``requests`` inferences in flight with an AsyncInferQueue.

    Each latency is the finished request's ``latency``, read in its completion callback.
    """
    queue = ov.AsyncInferQueue(compiled, requests)
    for request in queue:
        fill_request(request, arrays)

    latencies: list[float] = []
    queue.set_callback(lambda request, _userdata: latencies.append(request.latency))
    for _ in range(warmup):
        queue.start_async()
    queue.wait_all()
    latencies.clear()

    count = 0
    ticker = _Ticker(budget, on_tick)
    started = time.perf_counter()
    while not budget.done(count, time.perf_counter() - started):
        # start_async blocks until a request of the queue is idle.
        queue.start_async()
        count += 1
        ticker.tick(count, time.perf_counter() - started)
    queue.wait_all()
    wall_s = time.perf_counter() - started
    return PassMeasurement(list(latencies), count, wall_s, requests=len(queue), mode="async")


def measure_counters(
    compiled: ov.CompiledModel, arrays: list[np.ndarray], budget: Budget, warmup: int, on_tick: TickCallback
) -> CountersMeasurement:
    """Run one request synchronously and read ``get_profiling_info()`` after every inference.

    The profiling info only covers the last inference, so it is read each time. When reading
    it fails, the loop stops and the error is returned with the counters collected so far.
    """
    request = compiled.create_infer_request()
    fill_request(request, arrays)
    for _ in range(warmup):
        request.infer()

    latencies: list[float] = []
    rows: list[dict[str, Any]] = []
    ticker = _Ticker(budget, on_tick)
    started = time.perf_counter()
    while not budget.done(len(latencies), time.perf_counter() - started):
        request.infer()
        latencies.append(request.latency)
        try:
            rows.extend(profiling_rows(len(latencies) - 1, request.get_profiling_info()))
        except RuntimeError as error:
            return CountersMeasurement(latencies, rows, f"get_profiling_info() failed: {error}")
        ticker.tick(len(latencies), time.perf_counter() - started)
    return CountersMeasurement(latencies, rows, None)


class _Ticker:
    """Rate limiter that calls on_tick at most every TICK_INTERVAL_S seconds.

    It calls on_tick(0.0) once when it is created, as the measured inferences start, so a crash in
    the first of them is reported in the pass's stage and not in the warm-up's.
    """

    def __init__(self, budget: Budget, on_tick: TickCallback) -> None:
        self._budget = budget
        self._on_tick = on_tick
        self._last = time.perf_counter()
        on_tick(0.0)

    def tick(self, count: int, elapsed_s: float) -> None:
        now = time.perf_counter()
        if now - self._last >= TICK_INTERVAL_S:
            self._last = now
            self._on_tick(self._budget.fraction(count, elapsed_s))
