"""Coloring modes of both graphs, on real sessions and on hand-made layer tables."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from collections.abc import Callable

import pytest

from ovstudio import palette
from ovstudio.coloring import (
    COLORING_MODES,
    DEFAULT_COLORING_MODE,
    IR_NO_TIME_LABEL,
    MODES_BY_SIDE,
    NOT_REPORTED_LABEL,
    Coloring,
    color_ir_layers,
    color_runtime_layers,
    ir_layer_times,
)
from ovstudio.errors import InvalidSettingError
from ovstudio.legend import LOG_FLOOR_US, STOP_COUNT, LegendEntry, TimeScale
from ovstudio.session.frames import empty_table
from ovstudio.session.schema import MAPPING, RUNTIME_LAYERS
from ovstudio.session.store import Session
from tests.hand_made import ir_layers, mapping, runtime_layers

HEX_COLOR = re.compile(r"^#[0-9a-f]{6}$")


def legend_entries(coloring: Coloring) -> dict[str, LegendEntry]:
    assert isinstance(coloring.legend, tuple)
    return {entry.label: entry for entry in coloring.legend}


# --- Real sessions ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES_BY_SIDE["runtime"])
def test_runtime_modes_color_every_layer(densenet: Session, mode: str) -> None:
    layers = densenet.tables["runtime_layers"]
    coloring = color_runtime_layers(layers, mode)  # type: ignore[arg-type]
    assert set(coloring.colors) == set(layers["layer_id"])
    assert all(HEX_COLOR.match(color) for color in coloring.colors.values())


@pytest.mark.parametrize("mode", MODES_BY_SIDE["ir"])
def test_ir_modes_color_every_layer(silero: Session, mode: str) -> None:
    tables = silero.tables
    coloring = color_ir_layers(
        tables["ir_layers"], tables["runtime_layers"], tables["mapping"], mode  # type: ignore[arg-type]
    )
    assert set(coloring.colors) == set(tables["ir_layers"]["layer_id"])
    assert all(HEX_COLOR.match(color) for color in coloring.colors.values())


def test_modes_cover_both_sides() -> None:
    assert DEFAULT_COLORING_MODE == "layer_type"
    assert set(MODES_BY_SIDE["runtime"]) | set(MODES_BY_SIDE["ir"]) == set(COLORING_MODES)
    assert "runtime_precision" not in MODES_BY_SIDE["ir"]
    assert "output_precision" not in MODES_BY_SIDE["runtime"]


def test_layer_type_legend_counts_layers(densenet: Session) -> None:
    layers = densenet.tables["runtime_layers"]
    entries = legend_entries(color_runtime_layers(layers, "layer_type"))
    expected = layers["layer_type"].value_counts()
    assert {label: entry.count for label, entry in entries.items()} == expected.to_dict()


def test_convolution_same_color_both_graphs(densenet: Session) -> None:
    tables = densenet.tables
    runtime = legend_entries(color_runtime_layers(tables["runtime_layers"], "layer_type"))
    ir = legend_entries(color_ir_layers(tables["ir_layers"], tables["runtime_layers"], tables["mapping"]))
    assert runtime["Convolution"].color == ir["Convolution"].color


def test_const_and_constant_share_color(densenet: Session) -> None:
    tables = densenet.tables
    runtime = legend_entries(color_runtime_layers(tables["runtime_layers"], "layer_type"))
    ir = legend_entries(color_ir_layers(tables["ir_layers"], tables["runtime_layers"], tables["mapping"]))
    assert runtime["Const"].color == ir["Constant"].color


def test_type_color_same_across_sessions(densenet: Session, real_session: Callable[[str], Session]) -> None:
    squeezenet = real_session("light_squeezenet")
    first = legend_entries(color_runtime_layers(densenet.tables["runtime_layers"]))
    second = legend_entries(color_runtime_layers(squeezenet.tables["runtime_layers"]))
    for layer_type in set(first) & set(second):
        assert first[layer_type].color == second[layer_type].color, layer_type


def test_executed_runtime_layers_not_grey(densenet: Session) -> None:
    layers = densenet.tables["runtime_layers"]
    coloring = color_runtime_layers(layers, "execution_time")
    timed = layers.loc[layers["real_time_median_us"].notna(), "layer_id"]
    untimed = layers.loc[layers["real_time_median_us"].isna(), "layer_id"]
    assert not timed.empty
    assert all(coloring.colors[layer_id] != palette.NO_DATA_GREY for layer_id in timed)
    assert all(coloring.colors[layer_id] == palette.NO_DATA_GREY for layer_id in untimed)


def test_slowest_runtime_layer_darkest(densenet: Session) -> None:
    layers = densenet.tables["runtime_layers"]
    coloring = color_runtime_layers(layers, "execution_time")
    slowest = layers.loc[layers["real_time_median_us"].idxmax(), "layer_id"]
    fastest = layers.loc[layers["real_time_median_us"].idxmin(), "layer_id"]
    assert coloring.colors[slowest] == palette.TIME_RAMP[-1]
    assert coloring.colors[fastest] == palette.TIME_RAMP[0]


def test_time_scale_spans_executed_times(densenet: Session) -> None:
    layers = densenet.tables["runtime_layers"]
    scale = color_runtime_layers(layers, "execution_time").legend
    assert isinstance(scale, TimeScale)
    assert scale.min_us == layers["real_time_median_us"].min()
    assert scale.max_us == layers["real_time_median_us"].max()
    assert scale.not_executed.count == int(layers["real_time_median_us"].isna().sum())
    assert len(scale.stops) == STOP_COUNT


def test_fused_layer_time_goes_to_each_ir_layer(densenet: Session) -> None:
    tables = densenet.tables
    runtime = tables["runtime_layers"]
    fused = runtime[(runtime["mapping_class"] == "fused") & runtime["real_time_median_us"].notna()].iloc[0]
    ir_ids = tables["mapping"].loc[tables["mapping"]["runtime_id"] == fused["layer_id"], "ir_id"]
    times = ir_layer_times(tables["ir_layers"], runtime, tables["mapping"])
    times = times.set_axis(tables["ir_layers"]["layer_id"])
    assert len(ir_ids) >= 2
    for ir_id in ir_ids:
        assert times[ir_id] == fused["real_time_median_us"], ir_id


def test_nested_and_removed_ir_layers_grey(silero: Session) -> None:
    tables = silero.tables
    coloring = color_ir_layers(
        tables["ir_layers"], tables["runtime_layers"], tables["mapping"], "execution_time"
    )
    ir = tables["ir_layers"]
    unlinked = ir.loc[ir["mapping_class"].isin(["nested", "removed"]), "layer_id"]
    assert not unlinked.empty
    assert all(coloring.colors[layer_id] == palette.NO_DATA_GREY for layer_id in unlinked)
    assert isinstance(coloring.legend, TimeScale)
    assert coloring.legend.not_executed.label == IR_NO_TIME_LABEL


def test_ir_mapping_class_legend(silero: Session) -> None:
    tables = silero.tables
    coloring = color_ir_layers(
        tables["ir_layers"], tables["runtime_layers"], tables["mapping"], "mapping_class"
    )
    entries = legend_entries(coloring)
    assert entries["nested"].count == int((tables["ir_layers"]["mapping_class"] == "nested").sum())
    assert entries["removed"].count == 1
    assert len({entry.color for entry in entries.values()}) == len(entries)


# --- Hand-made tables ---------------------------------------------------------------------------


def test_unknown_precisions_shown_as_they_are() -> None:
    precisions = ["nf4", "f8e4m3", "u1", "i4", "f32"]
    layers = runtime_layers([{"runtime_precision": precision} for precision in precisions])
    entries = legend_entries(color_runtime_layers(layers, "runtime_precision"))
    assert set(entries) == set(precisions)
    assert len({entry.color for entry in entries.values()}) == len(precisions)
    assert all(entry.color != palette.NO_DATA_GREY for entry in entries.values())


def test_unknown_precision_color_is_stable() -> None:
    first = color_runtime_layers(runtime_layers([{"runtime_precision": "nf4"}]), "runtime_precision")
    second = color_runtime_layers(runtime_layers([{"runtime_precision": "u8"}, {"runtime_precision": "nf4"}]),
                                  "runtime_precision")
    assert first.colors["runtime/0"] == second.colors["runtime/1"]


def test_hashed_color_same_in_other_process() -> None:
    code = "from ovstudio import palette; print(palette.hashed_color('precision:nf4'))"
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                               check=True)
    assert completed.stdout.strip() == palette.hashed_color("precision:nf4")


def test_missing_precision_not_reported() -> None:
    layers = runtime_layers([{"runtime_precision": None}, {"runtime_precision": "f32"}])
    coloring = color_runtime_layers(layers, "runtime_precision")
    entries = legend_entries(coloring)
    assert entries[NOT_REPORTED_LABEL].color == palette.NO_DATA_GREY
    assert coloring.colors["runtime/0"] == palette.NO_DATA_GREY


def test_unknown_layer_type_gets_hashed_color() -> None:
    layers = runtime_layers([{"layer_type": "MyCustomOp"}, {"layer_type": "mycustomop"}])
    coloring = color_runtime_layers(layers)
    assert coloring.colors["runtime/0"] == palette.hashed_color("type:mycustomop")
    assert coloring.colors["runtime/0"] == coloring.colors["runtime/1"]


def test_ir_output_precision_uses_output_zero() -> None:
    layers = ir_layers([
        {"type": "MaxPool", "output_element_types": ["f16", "i64"]},
        {"type": "Result", "output_element_types": []},
        {"output_element_types": ["f8e4m3"]},
    ])
    coloring = color_ir_layers(layers, runtime_layers([]), mapping([]), "output_precision")
    entries = legend_entries(coloring)
    assert set(entries) == {"f16", "no output", "f8e4m3"}
    assert coloring.colors["main/1"] == palette.NO_DATA_GREY


def test_not_executed_and_null_counters_grey() -> None:
    layers = runtime_layers([
        {"status": "NOT_RUN", "exec_time_mcs": "not_executed"},
        {"status": None},
        {"status": "OPTIMIZED_OUT"},
        {"status": "EXECUTED", "real_time_median_us": 10.0, "sample_count": 5},
        {"status": "EXECUTED", "real_time_median_us": 30.0, "sample_count": 5},
    ])
    coloring = color_runtime_layers(layers, "execution_time")
    assert [coloring.colors[f"runtime/{index}"] for index in range(3)] == [palette.NO_DATA_GREY] * 3
    assert coloring.colors["runtime/3"] == palette.TIME_RAMP[0]
    assert coloring.colors["runtime/4"] == palette.TIME_RAMP[-1]


def test_log_scale_floors_zero_time() -> None:
    layers = runtime_layers([{"real_time_median_us": time} for time in (0.0, 0.5, 10.0, 100.0)])
    coloring = color_runtime_layers(layers, "execution_time", log_scale=True)
    scale = coloring.legend
    assert isinstance(scale, TimeScale)
    assert scale.log_scale
    assert scale.min_us == 0.0
    assert scale.stops[0].time_us == LOG_FLOOR_US
    assert coloring.colors["runtime/0"] == palette.TIME_RAMP[0]
    assert coloring.colors["runtime/1"] == palette.TIME_RAMP[0]
    # 10 µs lies halfway between 1 µs and 100 µs on a log10 scale.
    assert coloring.colors["runtime/2"] == palette.ramp_color(0.5)


def test_log_scale_stops_are_log_spaced() -> None:
    layers = runtime_layers([{"real_time_median_us": time} for time in (1.0, 10_000.0)])
    scale = color_runtime_layers(layers, "execution_time", log_scale=True).legend
    assert isinstance(scale, TimeScale)
    assert [stop.time_us for stop in scale.stops] == pytest.approx([1.0, 10.0, 100.0, 1000.0, 10_000.0])
    assert [stop.label for stop in scale.stops] == ["1 µs", "10 µs", "100 µs", "1 ms", "10 ms"]


def test_linear_scale_stops_evenly_spaced() -> None:
    layers = runtime_layers([{"real_time_median_us": time} for time in (0.0, 400.0)])
    scale = color_runtime_layers(layers, "execution_time").legend
    assert isinstance(scale, TimeScale)
    assert [stop.time_us for stop in scale.stops] == [0.0, 100.0, 200.0, 300.0, 400.0]


def test_single_time_gets_one_stop() -> None:
    layers = runtime_layers([{"real_time_median_us": 7.0}, {"real_time_median_us": 7.0}])
    coloring = color_runtime_layers(layers, "execution_time")
    assert isinstance(coloring.legend, TimeScale)
    assert len(coloring.legend.stops) == 1
    assert coloring.colors["runtime/0"] == palette.TIME_RAMP[-1]


def test_no_times_gives_empty_scale() -> None:
    coloring = color_runtime_layers(runtime_layers([{}, {}]), "execution_time")
    assert isinstance(coloring.legend, TimeScale)
    assert coloring.legend.min_us is None
    assert coloring.legend.stops == ()
    assert coloring.legend.not_executed.count == 2


def test_empty_runtime_model_colors_nothing() -> None:
    coloring = color_runtime_layers(empty_table(RUNTIME_LAYERS), "execution_time")
    assert dict(coloring.colors) == {}


def test_ir_times_without_runtime_model_grey() -> None:
    layers = ir_layers([{}, {"type": "Relu"}])
    coloring = color_ir_layers(layers, empty_table(RUNTIME_LAYERS), empty_table(MAPPING), "execution_time")
    assert set(coloring.colors.values()) == {palette.NO_DATA_GREY}


def test_even_attribution_splits_fused_time() -> None:
    runtime = runtime_layers([{"real_time_median_us": 90.0, "mapping_class": "fused"},
                              {"real_time_median_us": 10.0}])
    ir = ir_layers([{"type": "Convolution"}, {}, {"type": "Relu"}, {"type": "Constant"}])
    links = mapping([("runtime/0", "main/0"), ("runtime/0", "main/1"), ("runtime/0", "main/2"),
                     ("runtime/1", "main/2")])
    full = ir_layer_times(ir, runtime, links, "full").tolist()
    even = ir_layer_times(ir, runtime, links, "even").tolist()
    assert full[:3] == [90.0, 90.0, 100.0]
    assert math.isnan(full[3])
    assert even[:3] == [30.0, 30.0, 40.0]
    assert sum(even[:3]) == 100.0


def test_ir_time_nan_when_runtime_not_executed() -> None:
    runtime = runtime_layers([{"status": "NOT_RUN"}])
    ir = ir_layers([{}])
    times = ir_layer_times(ir, runtime, mapping([("runtime/0", "main/0")]))
    assert math.isnan(times.iloc[0])


def test_runtime_precision_rejected_on_ir() -> None:
    with pytest.raises(InvalidSettingError, match="runtime_precision"):
        color_ir_layers(ir_layers([{}]), runtime_layers([]), mapping([]), "runtime_precision")


def test_output_precision_rejected_on_runtime() -> None:
    with pytest.raises(InvalidSettingError, match="output_precision"):
        color_runtime_layers(runtime_layers([{}]), "output_precision")


def test_unknown_attribution_rejected() -> None:
    with pytest.raises(InvalidSettingError, match="'half'"):
        ir_layer_times(ir_layers([{}]), runtime_layers([]), mapping([]), "half")  # type: ignore[arg-type]
