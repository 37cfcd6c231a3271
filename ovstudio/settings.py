"""Profiling settings: what the user asks the device to do."""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

from ovstudio.errors import InvalidSettingError

PerformanceHint = Literal["latency", "throughput", "none"]
PrecisionHint = Literal["f32", "bf16", "f16"]

PERFORMANCE_HINTS: tuple[PerformanceHint, ...] = ("latency", "throughput", "none")
PRECISION_HINTS: tuple[PrecisionHint, ...] = ("f32", "bf16", "f16")


@dataclasses.dataclass(frozen=True)
class ProfileSettings:
    """Settings of one profile run.

    ``None`` leaves a setting to the device's default, and the session records the value the
    compiled model reports back.
    """

    device: str = "CPU"
    hint: PerformanceHint = "latency"
    precision: PrecisionHint | None = None
    streams: int | None = None
    requests: int | None = None
    batch: int | None = None
    # Pass 1 runs ``iterations`` inferences, or as many as fit in ``time_s`` seconds when
    # ``iterations`` is None. Pass 2 runs ``counters_budget()``.
    iterations: int | None = 100
    time_s: float | None = None
    # Warm-up inferences before each pass; benchmark_app runs one (its "first inference"). Pass 2
    # runs more when it measures more (see ovstudio.profiler.worker.pass2_warmup).
    warmup: int = 1
    # Pass 2 (performance counters on) runs this many inferences. None means a tenth of pass 1's
    # count (at least 10, at most pass 1's count), or a tenth of its time budget. Per-layer
    # medians settle well before pass 1's count, and a short pass 2 keeps a whole profile close
    # to the cost of one benchmark run.
    counter_iterations: int | None = None
    # Concrete dimensions for dynamic inputs: input name -> shape.
    shapes: dict[str, tuple[int, ...]] = dataclasses.field(default_factory=dict)
    # Real input arrays: input name -> path of a .npy file.
    input_files: dict[str, str] = dataclasses.field(default_factory=dict)
    # Seconds the worker process may run before it is stopped.
    timeout_s: float = 900.0

    def __post_init__(self) -> None:
        if self.hint not in PERFORMANCE_HINTS:
            raise InvalidSettingError(f"invalid hint {self.hint!r}: use one of {PERFORMANCE_HINTS}", "hint")
        if self.precision is not None and self.precision not in PRECISION_HINTS:
            raise InvalidSettingError(f"invalid precision {self.precision!r}: use one of {PRECISION_HINTS}", "precision")
        for name in ("streams", "requests", "batch", "iterations", "counter_iterations"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InvalidSettingError(f"invalid {name} {value}: use a positive integer", name)
        if self.iterations is None and self.time_s is None:
            raise InvalidSettingError("set either iterations or a time budget in seconds", "iterations")
        for name in ("time_s", "timeout_s"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise InvalidSettingError(f"invalid {name} {value}: use a positive number of seconds", name)
        if self.warmup < 0:
            raise InvalidSettingError(f"invalid warmup {self.warmup}: use 0 or more iterations", "warmup")

    def counters_budget(self) -> tuple[int | None, float | None]:
        """Return pass 2's (iterations, time_s): exactly one of them is set."""
        if self.counter_iterations is not None:
            return self.counter_iterations, None
        if self.iterations is not None:
            return min(self.iterations, max(10, self.iterations // 10)), None
        assert self.time_s is not None
        return None, self.time_s / 10
