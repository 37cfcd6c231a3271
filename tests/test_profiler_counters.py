"""Tests of per-layer counter statistics (pure functions, no device)."""

from __future__ import annotations

import datetime
import math
from types import SimpleNamespace

import pandas as pd
import pytest

from ovstudio.profiler import counters
from ovstudio.profiler.latency import latency_statistics, median_ms
from ovstudio.session.schema import COUNTERS, RUNTIME_LAYERS


def _entry(name: str, status: str, real_us: float, cpu_us: float | None = None, exec_type: str = "jit") -> SimpleNamespace:
    return SimpleNamespace(
        node_name=name,
        node_type="Convolution",
        exec_type=exec_type,
        status=SimpleNamespace(name=status),
        real_time=datetime.timedelta(microseconds=real_us),
        cpu_time=datetime.timedelta(microseconds=real_us if cpu_us is None else cpu_us),
    )


def _counters() -> pd.DataFrame:
    rows = []
    for iteration, conv_us in enumerate((100.0, 300.0, 200.0)):
        rows += counters.profiling_rows(
            iteration,
            [
                _entry("conv", "EXECUTED", conv_us, cpu_us=conv_us / 2, exec_type=f"brgconv_{iteration}"),
                _entry("relu", "NOT_RUN", 0.0),
                _entry("gone", "OPTIMIZED_OUT", 0.0),
            ],
        )
    return counters.counters_table(rows)


def _runtime_layers(names: list[str]) -> pd.DataFrame:
    rows = [
        {column: None for column in RUNTIME_LAYERS.column_names} | {"layer_id": f"runtime/{index}", "name": name}
        for index, name in enumerate(names)
    ]
    return pd.DataFrame(rows, columns=RUNTIME_LAYERS.column_names)


def test_profiling_rows_convert_units_and_status() -> None:
    rows = counters.profiling_rows(4, [_entry("conv", "EXECUTED", 1500.0, cpu_us=700.0)])

    assert rows == [
        {
            "iteration": 4,
            "node_name": "conv",
            "node_type": "Convolution",
            "exec_type": "jit",
            "status": "EXECUTED",
            "real_time_us": pytest.approx(1500.0),
            "cpu_time_us": pytest.approx(700.0),
        }
    ]


def test_counters_table_has_schema_columns() -> None:
    assert list(_counters().columns) == COUNTERS.column_names
    assert list(counters.counters_table([]).columns) == COUNTERS.column_names


def test_summarize_counters_executed_statistics() -> None:
    statistics = counters.summarize_counters(_counters()).set_index("node_name")

    conv = statistics.loc["conv"]
    assert conv["real_time_median_us"] == pytest.approx(200.0)
    assert conv["real_time_mean_us"] == pytest.approx(200.0)
    assert conv["real_time_min_us"] == pytest.approx(100.0)
    assert conv["real_time_max_us"] == pytest.approx(300.0)
    assert conv["cpu_time_median_us"] == pytest.approx(100.0)
    assert conv["sample_count"] == 3
    assert conv["status"] == "EXECUTED"
    assert conv["exec_type"] == "brgconv_2"


def test_summarize_counters_not_run_keeps_status() -> None:
    statistics = counters.summarize_counters(_counters()).set_index("node_name")

    for name, status in (("relu", "NOT_RUN"), ("gone", "OPTIMIZED_OUT")):
        assert statistics.loc[name, "status"] == status
        assert statistics.loc[name, "sample_count"] == 0
        assert math.isnan(statistics.loc[name, "real_time_median_us"])


def test_layers_time_sums_medians_in_ms() -> None:
    statistics = counters.summarize_counters(_counters())

    assert counters.layers_time_ms(statistics) == pytest.approx(0.2)
    assert counters.layers_time_ms(counters.summarize_counters(counters.counters_table([]))) is None


def test_merge_counter_statistics_by_name() -> None:
    statistics = counters.summarize_counters(_counters())
    layers = _runtime_layers(["conv", "relu", "weights"])

    merged_table = counters.merge_counter_statistics(layers, statistics)
    merged = merged_table.set_index("name")

    assert list(merged_table.columns) == RUNTIME_LAYERS.column_names
    assert merged.loc["conv", "real_time_median_us"] == pytest.approx(200.0)
    assert merged.loc["conv", "sample_count"] == 3
    assert merged.loc["relu", "status"] == "NOT_RUN"
    assert merged.loc["weights", "status"] is None
    assert merged.loc["weights", "sample_count"] == 0
    assert math.isnan(merged.loc["weights", "real_time_median_us"])


def test_merge_counter_statistics_without_counters() -> None:
    empty = counters.summarize_counters(counters.counters_table([]))

    merged = counters.merge_counter_statistics(_runtime_layers(["conv"]), empty)

    assert merged.loc[0, "status"] is None
    assert merged.loc[0, "sample_count"] == 0


def test_latency_statistics_values() -> None:
    statistics = latency_statistics([4.0, 1.0, 3.0, 2.0], iterations=4, wall_s=0.5)

    assert statistics["latency_median_ms"] == pytest.approx(2.5)
    assert statistics["latency_mean_ms"] == pytest.approx(2.5)
    assert statistics["latency_min_ms"] == pytest.approx(1.0)
    assert statistics["latency_max_ms"] == pytest.approx(4.0)
    assert statistics["latency_p90_ms"] == pytest.approx(3.7)
    assert statistics["throughput_fps"] == pytest.approx(8.0)


def test_latency_statistics_empty() -> None:
    statistics = latency_statistics([], iterations=0, wall_s=0.0)

    assert set(statistics.values()) == {None}
    assert median_ms([]) is None
