"""Headline latency and throughput statistics of a measured pass."""

from __future__ import annotations

import numpy as np


def latency_statistics(latencies_ms: list[float], iterations: int, wall_s: float) -> dict[str, float | None]:
    """Summarize one pass: latency median, mean, min, max, p90, p99 (ms) and throughput (1/s).

    Throughput is ``iterations / wall_s``, inferences per second with the batch not multiplied in,
    as benchmark_app computes it. Percentiles interpolate linearly between samples. Every value is
    None when no latency was measured.
    """
    keys = ("latency_median_ms", "latency_mean_ms", "latency_min_ms", "latency_max_ms", "latency_p90_ms", "latency_p99_ms")
    if not latencies_ms:
        return {**dict.fromkeys(keys), "throughput_fps": None}

    values = np.asarray(latencies_ms, dtype=np.float64)
    statistics: dict[str, float | None] = {
        "latency_median_ms": float(np.median(values)),
        "latency_mean_ms": float(values.mean()),
        "latency_min_ms": float(values.min()),
        "latency_max_ms": float(values.max()),
        "latency_p90_ms": float(np.percentile(values, 90)),
        "latency_p99_ms": float(np.percentile(values, 99)),
    }
    statistics["throughput_fps"] = iterations / wall_s if wall_s > 0 else None
    return statistics


def median_ms(latencies_ms: list[float]) -> float | None:
    """Median of the latencies, ms; None when there are none."""
    if not latencies_ms:
        return None
    return float(np.median(np.asarray(latencies_ms, dtype=np.float64)))
