"""Sessions with precisions the app has not seen, and with odd or missing execution times.

Each session starts from a real profile of a small opset model on CPU and is edited, then written
to a real Parquet file and opened in the app through AppTest. The control-flow case profiles the
catalog's silero_vad_16k_sequence, whose If operations run outside every layer counter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import openvino as ov
import openvino.opset13 as opset
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ovstudio.coloring import Coloring, color_ir_layers, color_runtime_layers
from ovstudio.layer_table import build_layer_table
from ovstudio.legend import LegendEntry
from ovstudio.palette import NO_DATA_GREY
from ovstudio.pipeline import profile_model
from ovstudio.profiler.runtime_graph import runtime_graph_tables
from ovstudio.session.store import Session, read_session, write_session
from ovstudio.settings import ProfileSettings
from ovstudio.summary import summarize
from tests.app_support import (
    click_graph_node,
    graph_column,
    layer_table,
    legend_labels,
    markdown_text,
    metric_values,
    new_app,
    sessions_folder_env,
    shown_text,
)

SETTINGS = ProfileSettings(device="CPU", precision="f32", iterations=6, counter_iterations=3, warmup=1)
PRECISIONS = ("bf16", "nf4", "f8e4m3", "u1", "i4", "q7x")
# execTimeMcs texts of a runtime layer: a time, 'not_executed', '0', or no entry at all.
EXEC_TIMES = ("17", "not_executed", "0", None)


def small_model() -> ov.Model:
    parameter = opset.parameter([1, 8], ov.Type.f32, name="x")
    node = opset.matmul(parameter, opset.constant(np.ones((8, 8), np.float32)), False, False)
    for _ in range(4):
        node = opset.softmax(opset.relu(node), 1)
    return ov.Model([node], [parameter], "small")


@pytest.fixture(scope="module")
def base_session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    folder = tmp_path_factory.mktemp("unusual-model")
    xml = folder / "small.xml"
    ov.save_model(small_model(), xml, compress_to_fp16=False)
    return read_session(profile_model([xml, xml.with_suffix(".bin")], SETTINGS, folder / "sessions"))


@pytest.fixture(scope="module")
def sessions_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("unusual-sessions")
    with sessions_folder_env(folder):
        yield folder


def edited(session: Session, suffix: str, info: dict[str, object],
           runtime: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame,
           ir: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame) -> Session:
    tables = dict(session.tables)
    tables["runtime_layers"] = runtime(tables["runtime_layers"].copy())
    tables["ir_layers"] = ir(tables["ir_layers"].copy())
    return Session({**session.info, "session_id": f"{session.session_id}_{suffix}", **info}, tables)


def cycle(values: tuple[object, ...], count: int) -> list[object]:
    return [values[index % len(values)] for index in range(count)]


# --- Precisions ---------------------------------------------------------------------------------


def with_precisions(frame: pd.DataFrame) -> pd.DataFrame:
    frame["runtime_precision"] = cycle(PRECISIONS, len(frame))
    frame["output_precisions"] = [f"{value},{value}" for value in cycle(PRECISIONS[::-1], len(frame))]
    return frame


def with_output_types(frame: pd.DataFrame) -> pd.DataFrame:
    frame["output_element_types"] = [[value] for value in cycle(PRECISIONS, len(frame))]
    return frame


@pytest.fixture(scope="module")
def precisions_session(base_session: Session, sessions_dir: Path) -> Session:
    session = edited(base_session, "precisions", {"inference_precision": "nf4"}, with_precisions, with_output_types)
    write_session(session, sessions_dir)
    return read_session(sessions_dir / f"{session.session_id}.parquet")


def test_precisions_round_trip(precisions_session: Session) -> None:
    runtime = precisions_session.table("runtime_layers")

    assert set(runtime["runtime_precision"]) == set(PRECISIONS)


def precision_coloring(session: Session, side: str) -> Coloring:
    """Color one side of ``session`` by precision: runtime precision, or output precision for IR."""
    tables = session.tables
    if side == "runtime":
        return color_runtime_layers(tables["runtime_layers"], "runtime_precision")
    return color_ir_layers(tables["ir_layers"], tables["runtime_layers"], tables["mapping"], "output_precision")


@pytest.mark.parametrize("side", ["runtime", "ir"])
def test_precisions_fallback_colors(precisions_session: Session, side: str) -> None:
    coloring = precision_coloring(precisions_session, side)
    legend = {entry.label: entry for entry in coloring.legend if isinstance(entry, LegendEntry)}

    for precision in PRECISIONS:
        assert precision in legend, precision
        assert legend[precision].color.startswith("#"), precision
        assert legend[precision].color != NO_DATA_GREY, precision


def test_app_table_shows_precisions(precisions_session: Session) -> None:
    at = new_app(precisions_session.session_id).run()
    table = layer_table(at, precisions_session.session_id)

    assert not at.exception
    assert set(table["runtime_precision"]) == set(PRECISIONS)
    assert "q7x,q7x" in set(table["output_precisions"])
    assert metric_values(at)["Precision used"] == "nf4"


@pytest.mark.parametrize(("mode", "side"), [("runtime_precision", "runtime"), ("output_precision", "ir")])
def test_app_legend_lists_precisions(precisions_session: Session, mode: str, side: str) -> None:
    at = new_app(precisions_session.session_id).run()
    at.selectbox(key="coloring_mode").set_value(mode).run()
    coloring = precision_coloring(precisions_session, side)
    text = markdown_text(graph_column(at, side))

    assert not at.exception
    for label in legend_labels(coloring):
        assert label in text, label


# --- Execution times ----------------------------------------------------------------------------


def with_exec_times(frame: pd.DataFrame) -> pd.DataFrame:
    frame["exec_time_mcs"] = cycle(EXEC_TIMES, len(frame))
    return frame


@pytest.fixture(scope="module")
def control_flow_session(base_session: Session, sessions_dir: Path) -> Session:
    """Layers cover 1% of a latency, as when control flow runs outside every layer counter."""
    layers_ms = float(base_session.info["layers_time_ms"])
    latency_ms = layers_ms * 100.0
    info = {"counters_latency_median_ms": latency_ms, "unaccounted_ms": latency_ms - layers_ms}
    session = edited(base_session, "control_flow", info, with_exec_times)
    write_session(session, sessions_dir)
    return read_session(sessions_dir / f"{session.session_id}.parquet")


@pytest.fixture(scope="module")
def overlapping_session(base_session: Session, sessions_dir: Path) -> Session:
    """Layer times add up to twice the latency."""
    layers_ms = float(base_session.info["layers_time_ms"])
    info = {"counters_latency_median_ms": layers_ms / 2.0, "unaccounted_ms": -layers_ms / 2.0}
    session = edited(base_session, "overlapping", info)
    write_session(session, sessions_dir)
    return read_session(sessions_dir / f"{session.session_id}.parquet")


def test_shares_leave_out_unaccounted(control_flow_session: Session) -> None:
    shares = build_layer_table(control_flow_session)["time_share_pct"]

    assert shares.sum() == pytest.approx(1.0)
    assert shares.min() >= 0.0


def test_shares_of_layer_sum_when_over(overlapping_session: Session) -> None:
    shares = build_layer_table(overlapping_session)["time_share_pct"]

    assert shares.sum() == pytest.approx(100.0)
    assert shares.max() <= 100.0


def test_summary_unaccounted_share(control_flow_session: Session, overlapping_session: Session) -> None:
    assert summarize(control_flow_session)["unaccounted_pct"] == pytest.approx(99.0)
    assert summarize(overlapping_session)["unaccounted_pct"] == 0.0


def test_app_unaccounted_metric(control_flow_session: Session) -> None:
    at = new_app(control_flow_session.session_id).run()
    value = shown_text(metric_values(at)["Unaccounted"])

    assert not at.exception
    assert value.endswith("ms · 99% of latency")


def test_app_unaccounted_none_when_over(overlapping_session: Session) -> None:
    at = new_app(overlapping_session.session_id).run()

    assert not at.exception
    assert metric_values(at)["Unaccounted"] == "none"


def test_app_table_shares_bounded(control_flow_session: Session) -> None:
    at = new_app(control_flow_session.session_id).run()
    shares = layer_table(at, control_flow_session.session_id)["time_share_pct"]

    assert shares.max() <= 100.0
    assert shares.min() >= 0.0
    assert not shares.dropna().empty


@pytest.mark.parametrize("exec_time", EXEC_TIMES)
def test_app_details_exec_time(control_flow_session: Session, exec_time: str | None) -> None:
    runtime = control_flow_session.table("runtime_layers")
    rows = runtime[runtime["exec_time_mcs"].isna()] if exec_time is None else \
        runtime[runtime["exec_time_mcs"] == exec_time]
    at = new_app(control_flow_session.session_id).run()
    at = click_graph_node(at, "runtime", str(rows["layer_id"].iloc[0]))
    captions = " ".join(shown_text(element.value) for element in at.caption)

    assert not at.exception
    assert f"execTimeMcs of the last inference: {exec_time or 'n/a'}" in captions


def test_runtime_graph_missing_exec_time() -> None:
    parameter = opset.parameter([1, 4], ov.Type.f32)
    model = ov.Model([opset.relu(parameter)], [parameter])
    runtime_model = ov.Core().compile_model(model, "CPU").get_runtime_model()
    for node in runtime_model.get_ordered_ops():
        del node.get_rt_info()["execTimeMcs"]

    layers, _ = runtime_graph_tables(runtime_model)

    assert layers["exec_time_mcs"].isna().all()
    assert len(layers) == len(runtime_model.get_ordered_ops())


# --- Control flow, profiled for real -------------------------------------------------------------


@pytest.fixture(scope="module")
def silero_sequence(real_session: Callable[[str], Session]) -> Session:
    return real_session("silero_vad_16k_sequence")


def test_silero_shares_bounded(silero_sequence: Session) -> None:
    table = build_layer_table(silero_sequence)
    layers_us = table["time_median_us"].sum()
    latency_us = float(silero_sequence.info["counters_latency_median_ms"]) * 1000.0

    assert table["time_share_pct"].sum() == pytest.approx(100.0 * layers_us / max(layers_us, latency_us))
    assert table["time_share_pct"].max() <= 100.0


def test_silero_unaccounted_share(silero_sequence: Session) -> None:
    summary = summarize(silero_sequence)
    share = summary["unaccounted_pct"]

    assert share is not None
    assert 0.0 <= share <= 100.0


def test_silero_opens_in_app(silero_sequence: Session, sessions_dir: Path) -> None:
    write_session(silero_sequence, sessions_dir)
    at: AppTest = new_app(silero_sequence.session_id).run()

    assert not at.exception
    assert "Unaccounted" in metric_values(at)
