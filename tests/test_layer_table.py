"""The per-layer table, its CSV export and the chart data, on real and hand-made sessions."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ovstudio.charts import (
    NOT_REPORTED_LABEL,
    SESSION_POINT_COLUMNS,
    TIME_GROUP_COLUMNS,
    sessions_of_model,
    time_by_precision,
    time_by_type,
)
from ovstudio.layer_table import LAYER_TABLE_COLUMNS, build_layer_table, layer_table_csv, share_pct
from ovstudio.session.frames import normalize_table
from ovstudio.session.schema import IR_LAYERS, MAPPING, RUNTIME_LAYERS
from ovstudio.session.store import Session, list_sessions

ODD_NAMES = ["conv,1", "block/conv/relu", 'say "hi"', "it's", "слой_1", "层/卷积"]


def runtime_layers(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build a runtime_layers table from partial rows, filling required columns."""
    defaults = {"layer_type": "Eltwise", "original_layer_names": [], "output_shapes": [], "rt_info": {},
                "sample_count": 0, "mapping_class": "inserted"}
    full_rows = [
        {**defaults, "layer_id": f"runtime/{index}", "name": f"layer{index}", "exec_order": index, **row}
        for index, row in enumerate(rows)
    ]
    return normalize_table(RUNTIME_LAYERS, pd.DataFrame(full_rows))


def timed(time_us: float, **row: Any) -> dict[str, Any]:
    """Return a runtime layer row that executed with a median of ``time_us``."""
    return {"status": "EXECUTED", "real_time_median_us": time_us, "real_time_mean_us": time_us,
            "real_time_min_us": time_us * 0.5, "real_time_max_us": time_us * 1.5, "sample_count": 10, **row}


def session_of(runtime_rows: list[dict[str, Any]], ir_names: list[str] | None = None,
               links: list[tuple[str, str]] | None = None, latency_ms: float | None = None) -> Session:
    """Build a session with the given runtime layers, IR layer names and mapping pairs."""
    ir_defaults = {"graph_id": "main", "type": "Add", "opset": "opset1", "attributes_json": "{}",
                   "rt_info": {}, "output_shapes": [], "output_element_types": [], "body_count": 0,
                   "mapping_class": "mapped"}
    ir_rows = [{**ir_defaults, "layer_id": f"main/{index}", "name": name}
               for index, name in enumerate(ir_names or [])]
    mapping_rows = [{"runtime_id": runtime_id, "ir_id": ir_id, "original_name": ir_id}
                    for runtime_id, ir_id in links or []]
    tables = {"runtime_layers": runtime_layers(runtime_rows)}
    if ir_rows:
        tables["ir_layers"] = normalize_table(IR_LAYERS, pd.DataFrame(ir_rows))
    if mapping_rows:
        tables["mapping"] = normalize_table(MAPPING, pd.DataFrame(mapping_rows))
    return Session({"session_id": "hand-made", "counters_latency_median_ms": latency_ms}, tables)


@pytest.fixture(scope="module")
def densenet_table(densenet: Session) -> pd.DataFrame:
    return build_layer_table(densenet)


# --- Real session -------------------------------------------------------------------------------


def test_one_row_per_runtime_layer(densenet: Session, densenet_table: pd.DataFrame) -> None:
    assert len(densenet_table) == len(densenet.tables["runtime_layers"])
    assert set(densenet_table["layer_id"]) == set(densenet.tables["runtime_layers"]["layer_id"])


def test_columns_declared_and_described(densenet_table: pd.DataFrame) -> None:
    assert list(densenet_table.columns) == list(LAYER_TABLE_COLUMNS)
    assert all(description.strip() for description in LAYER_TABLE_COLUMNS.values())


def test_sorted_slowest_first(densenet_table: pd.DataFrame) -> None:
    times = densenet_table["time_median_us"]
    timed_rows = times.dropna()
    assert timed_rows.is_monotonic_decreasing
    # Rows without a time come after every row with one.
    assert times.isna().idxmax() == len(timed_rows)


def test_shares_of_larger_total(densenet: Session, densenet_table: pd.DataFrame) -> None:
    shares = densenet_table["time_share_pct"]
    layers_us = densenet_table["time_median_us"].sum()
    latency_us = densenet.info["counters_latency_median_ms"] * 1000.0

    assert shares.sum() == pytest.approx(100.0 * layers_us / max(layers_us, latency_us))
    assert shares.sum() <= 100.0 + 1e-9
    assert shares.max() <= 100.0


def test_untimed_layers_null_not_zero(densenet_table: pd.DataFrame) -> None:
    untimed = densenet_table[densenet_table["sample_count"] == 0]
    assert not untimed.empty
    assert untimed["time_median_us"].isna().all()
    assert untimed["time_share_pct"].isna().all()
    assert set(untimed["status"]) <= {"not executed", "optimized out", "no counters"}


def test_fused_row_lists_its_ir_layers(densenet: Session, densenet_table: pd.DataFrame) -> None:
    fused = densenet_table[densenet_table["mapping_class"] == "fused"].iloc[0]
    runtime = densenet.tables["runtime_layers"].set_index("layer_id")
    original_names = list(runtime.loc[fused["layer_id"], "original_layer_names"])
    assert fused["ir_layer_count"] == len(original_names)
    assert fused["ir_layer_names"].split("; ") == original_names


def test_inserted_rows_have_no_ir_layers(densenet_table: pd.DataFrame) -> None:
    inserted = densenet_table[densenet_table["mapping_class"] == "inserted"]
    assert not inserted.empty
    assert (inserted["ir_layer_count"] == 0).all()
    assert (inserted["ir_layer_names"] == "").all()


def test_time_by_type_sums_medians(densenet: Session) -> None:
    by_type = time_by_type(densenet)
    runtime = densenet.tables["runtime_layers"]
    assert list(by_type.columns) == ["layer_type", *TIME_GROUP_COLUMNS]
    assert by_type["time_median_sum_us"].sum() == pytest.approx(runtime["real_time_median_us"].sum())
    assert by_type["time_share_pct"].sum() == pytest.approx(100.0)
    assert by_type.iloc[0]["layer_type"] == "Convolution"
    assert by_type["time_median_sum_us"].is_monotonic_decreasing


def test_time_by_precision_counts_layers(densenet: Session) -> None:
    by_precision = time_by_precision(densenet)
    runtime = densenet.tables["runtime_layers"]
    assert by_precision["layer_count"].sum() == runtime["real_time_median_us"].notna().sum()
    assert by_precision["time_share_pct"].sum() == pytest.approx(100.0)


def test_sessions_of_model_from_listing(densenet: Session, real_session_path: Callable[[str], Path]) -> None:
    listing = list_sessions(real_session_path("light_densenet121").parent)
    points = sessions_of_model(listing, densenet.info["model_hash"])
    assert list(points.columns) == list(SESSION_POINT_COLUMNS)
    assert densenet.session_id in set(points["session_id"])
    assert (points["device"] == "CPU").all()


# --- Hand-made sessions -------------------------------------------------------------------------


def test_status_labels() -> None:
    session = session_of([
        timed(5.0),
        {"status": "NOT_RUN", "exec_time_mcs": "not_executed"},
        {"status": "OPTIMIZED_OUT"},
        {"status": None},
    ])
    table = build_layer_table(session).set_index("layer_id")
    assert table.loc["runtime/0", "status"] == "executed"
    assert table.loc["runtime/1", "status"] == "not executed"
    assert table.loc["runtime/2", "status"] == "optimized out"
    assert table.loc["runtime/3", "status"] == "no counters"


def test_spread_relative_to_median() -> None:
    table = build_layer_table(session_of([timed(10.0), timed(0.0)])).set_index("layer_id")
    # min 5, max 15, median 10.
    assert table.loc["runtime/0", "time_spread_pct"] == pytest.approx(100.0)
    assert pd.isna(table.loc["runtime/1", "time_spread_pct"])


def test_all_zero_times_share_zero() -> None:
    table = build_layer_table(session_of([timed(0.0), timed(0.0), {}]))
    assert table["time_share_pct"].tolist()[:2] == [0.0, 0.0]
    assert pd.isna(table["time_share_pct"].iloc[2])


def test_shares_exclude_unaccounted_time() -> None:
    # Control flow: the layers cover 40 µs of a 400 µs inference.
    table = build_layer_table(session_of([timed(30.0), timed(10.0)], latency_ms=0.4))

    assert table["time_share_pct"].tolist() == pytest.approx([7.5, 2.5])


def test_shares_when_layers_exceed_latency() -> None:
    table = build_layer_table(session_of([timed(300.0), timed(100.0)], latency_ms=0.2))

    assert table["time_share_pct"].tolist() == pytest.approx([75.0, 25.0])


@pytest.mark.parametrize("latency_ms", [None, float("nan"), 0.0, -1.0])
def test_shares_without_latency(latency_ms: float | None) -> None:
    table = build_layer_table(session_of([timed(30.0), timed(10.0)], latency_ms=latency_ms))

    assert table["time_share_pct"].tolist() == pytest.approx([75.0, 25.0])


def test_shares_never_negative() -> None:
    shares = share_pct(pd.Series([-10.0, 30.0]), latency_us=100.0)

    assert shares.min() >= 0.0
    assert shares.max() <= 100.0


def test_share_pct_ignores_nulls() -> None:
    shares = share_pct(pd.Series([30.0, None, 10.0]))
    assert shares.iloc[0] == pytest.approx(75.0)
    assert pd.isna(shares.iloc[1])
    assert shares.iloc[2] == pytest.approx(25.0)


def test_ties_keep_execution_order() -> None:
    table = build_layer_table(session_of([timed(5.0, exec_order=2), timed(5.0, exec_order=1), timed(9.0)]))
    assert table["layer_id"].tolist() == ["runtime/2", "runtime/1", "runtime/0"]


def test_empty_runtime_model_gives_empty_table() -> None:
    table = build_layer_table(Session({"session_id": "empty"}, {}))
    assert table.empty
    assert list(table.columns) == list(LAYER_TABLE_COLUMNS)


def test_odd_names_survive_csv() -> None:
    ir_names = ["conv,1", "relu", "层/卷积"]
    links = [("runtime/0", "main/0"), ("runtime/0", "main/1"), ("runtime/5", "main/2")]
    runtime_rows = [timed(float(index + 1), name=name) for index, name in enumerate(ODD_NAMES)]
    session = session_of(runtime_rows, ir_names, links)
    table = build_layer_table(session)
    read_back = pd.read_csv(io.BytesIO(layer_table_csv(table)), keep_default_na=False)
    assert sorted(read_back["name"]) == sorted(ODD_NAMES)
    by_id = read_back.set_index("layer_id")
    assert by_id.loc["runtime/0", "ir_layer_names"] == "conv,1; relu"
    assert by_id.loc["runtime/5", "ir_layer_names"] == "层/卷积"


def test_csv_is_utf8_with_header() -> None:
    data = layer_table_csv(build_layer_table(session_of([timed(1.0, name="слой")])))
    assert data.decode("utf-8").splitlines()[0] == ",".join(LAYER_TABLE_COLUMNS)
    assert "слой" in data.decode("utf-8")


def test_duplicate_ir_names_both_listed() -> None:
    session = session_of([timed(1.0)], ["same", "same"], [("runtime/0", "main/0"), ("runtime/0", "main/1")])
    row = build_layer_table(session).iloc[0]
    assert row["ir_layer_names"] == "same; same"
    assert row["ir_layer_count"] == 2


def test_unknown_precision_grouped_as_is() -> None:
    session = session_of([timed(3.0, runtime_precision="nf4"), timed(1.0, runtime_precision="f8e4m3"),
                          timed(1.0), {"runtime_precision": "u1"}])
    by_precision = time_by_precision(session).set_index("runtime_precision")
    assert by_precision.loc["nf4", "time_median_sum_us"] == 3.0
    assert by_precision.loc["f8e4m3", "layer_count"] == 1
    assert by_precision.loc[NOT_REPORTED_LABEL, "layer_count"] == 1
    # u1 has no executed layer, so it has no row.
    assert "u1" not in by_precision.index


def test_time_by_type_without_counters_empty() -> None:
    by_type = time_by_type(session_of([{"layer_type": "Convolution"}, {"layer_type": "Reorder"}]))
    assert by_type.empty
    assert list(by_type.columns) == ["layer_type", *TIME_GROUP_COLUMNS]


def listing_row(session_id: str, **values: Any) -> dict[str, Any]:
    row = {"session_id": session_id, "model_hash": "abc", "device": "CPU", "inference_precision": "f32",
           "latency_median_ms": 2.0, "throughput_fps": 500.0, "error": None,
           "created_utc": pd.Timestamp("2026-01-05T14:22:00Z")}
    return {**row, **values}


def test_sessions_of_model_filters_rows() -> None:
    listing = pd.DataFrame([
        listing_row("b", created_utc=pd.Timestamp("2026-01-06T10:00:00Z"), inference_precision=None),
        listing_row("a"),
        listing_row("other-model", model_hash="def"),
        listing_row("unreadable", error="not a Parquet file", latency_median_ms=None),
        listing_row("no-latency", latency_median_ms=None),
    ])
    points = sessions_of_model(listing, "abc")
    assert points["session_id"].tolist() == ["a", "b"]
    assert points.loc[0, "label"] == "CPU f32, 2026-01-05 14:22 UTC"
    assert points.loc[1, "label"] == "CPU default precision, 2026-01-06 10:00 UTC"
    assert points.loc[1, "precision"] is None


def test_sessions_of_unknown_model_empty() -> None:
    points = sessions_of_model(pd.DataFrame([listing_row("a")]), "nope")
    assert points.empty
    assert list(points.columns) == list(SESSION_POINT_COLUMNS)
