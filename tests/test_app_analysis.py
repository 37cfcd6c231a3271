"""The Analysis page through AppTest on real sessions: coloring, search, table selection, notices."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ovstudio.coloring import COLORING_MODES, color_ir_layers, color_runtime_layers
from ovstudio.session.store import Session
from ovstudio.ui.graphs_view import WINDOW_NODES
from tests.app_support import (
    add_session,
    click_graph_node,
    click_table_rows,
    error_texts,
    exception_texts,
    graph_column,
    layer_table,
    layer_table_key,
    legend_labels,
    markdown_text,
    new_app,
    open_page,
    pick_search_hit,
    search,
    search_hit_ids,
    selected_table_rows,
    sessions_folder_env,
    shown_text,
)

# The real_session fixture: catalog key -> the session profiled from that model.
SessionReader = Callable[[str], Session]

SQUEEZENET = "light_squeezenet"
DENSENET = "light_densenet121"
MAGIKA = "magika"
# Coloring modes that color one graph only. The other graph keeps coloring by layer type.
ONE_SIDE_MODES = {"runtime_precision": "runtime", "output_precision": "ir"}
CHART_TITLES = ("**Time by layer type**", "**Time by runtime precision**",
                "**Throughput vs latency, every session of this model**")


@pytest.fixture(scope="module")
def session_ids(tmp_path_factory: pytest.TempPathFactory,
                real_session_path: Callable[[str], Path]) -> Iterator[dict[str, str]]:
    """Copy real sessions into this module's sessions folder and map each catalog key to its session id."""
    folder = tmp_path_factory.mktemp("app-analysis-sessions")
    ids = {key: add_session(real_session_path(key), folder) for key in (SQUEEZENET, DENSENET, MAGIKA)}
    with sessions_folder_env(folder):
        yield ids


@dataclasses.dataclass(frozen=True)
class SqueezenetLayers:
    """Layer ids of light_squeezenet that the tests select, looked up by name and type."""

    runtime_input: str  # the Input execution node data_0, of shape [1,3,224,224]
    runtime_conv: str  # the Convolution n0/WithoutBiases, with n0 (Add) and n1 (Relu) fused into it
    ir_parameter: str  # the Parameter data_0
    ir_conv: str  # the first Convolution, n0/WithoutBiases, which consumes data_0
    ir_relu: str  # the Relu n1


@pytest.fixture(scope="module")
def squeezenet(real_session: SessionReader) -> SqueezenetLayers:
    tables = real_session(SQUEEZENET).tables
    runtime, ir = tables["runtime_layers"], tables["ir_layers"]

    def runtime_id(mask: pd.Series) -> str:
        return str(runtime.loc[mask, "layer_id"].iloc[0])

    def ir_id(mask: pd.Series) -> str:
        return str(ir.loc[mask, "layer_id"].iloc[0])

    return SqueezenetLayers(
        runtime_input=runtime_id(runtime["layer_type"] == "Input"),
        runtime_conv=runtime_id(runtime["name"] == "n0/WithoutBiases"),
        ir_parameter=ir_id(ir["type"] == "Parameter"),
        ir_conv=ir_id(ir["name"] == "n0/WithoutBiases"),
        ir_relu=ir_id(ir["name"] == "n1"),
    )


def open_session(session_ids: dict[str, str], key: str) -> AppTest:
    return new_app(session_ids[key]).run()


def code_texts(at: AppTest) -> list[str]:
    return [element.value for element in at.code]


def warning_texts(block: object) -> list[str]:
    return [shown_text(element.value) for element in block.warning]  # type: ignore[attr-defined]


def table_position(table: pd.DataFrame, layer_id: str) -> int:
    return int(table.index[table["layer_id"] == layer_id][0])


@pytest.mark.parametrize(
    ("mode", "log_scale"),
    [(mode, False) for mode in COLORING_MODES] + [("execution_time", True)],
)
def test_coloring_mode_draws_legends(
    mode: str, log_scale: bool, session_ids: dict[str, str], real_session: SessionReader
) -> None:
    at = open_session(session_ids, DENSENET)
    at.selectbox(key="coloring_mode").set_value(mode).run()
    if log_scale:
        at.toggle(key="log_scale").set_value(True).run()
    tables = real_session(DENSENET).tables
    runtime_mode = mode if ONE_SIDE_MODES.get(mode, "runtime") == "runtime" else "layer_type"
    ir_mode = mode if ONE_SIDE_MODES.get(mode, "ir") == "ir" else "layer_type"
    runtime_coloring = color_runtime_layers(tables["runtime_layers"], runtime_mode,  # type: ignore[arg-type]
                                            log_scale)
    ir_coloring = color_ir_layers(tables["ir_layers"], tables["runtime_layers"], tables["mapping"],
                                  ir_mode, log_scale)  # type: ignore[arg-type]
    runtime_text = markdown_text(graph_column(at, "runtime"))
    ir_text = markdown_text(graph_column(at, "ir"))

    assert exception_texts(at) == []
    for label in legend_labels(runtime_coloring):
        assert label in runtime_text, label
    for label in legend_labels(ir_coloring):
        assert label in ir_text, label


def test_charts_render_when_expanded(session_ids: dict[str, str]) -> None:
    at = open_session(session_ids, DENSENET)
    closed_text = markdown_text(at)
    at.session_state["charts_open"] = True
    at.run()
    open_text = markdown_text(at)

    assert exception_texts(at) == []
    for title in CHART_TITLES:
        assert title not in closed_text, title
        assert title in open_text, title


def test_name_search_finds_substring(session_ids: dict[str, str], real_session: SessionReader) -> None:
    at = search(open_session(session_ids, SQUEEZENET), "withoutbiases")
    runtime = real_session(SQUEEZENET).tables["runtime_layers"]
    expected = runtime.loc[runtime["name"].str.contains("withoutbiases", case=False, regex=False), "layer_id"]

    assert len(expected) > 0
    assert search_hit_ids(at) == list(expected)


def test_name_search_finds_regex(session_ids: dict[str, str], real_session: SessionReader) -> None:
    pattern = r"^n\d+/WithoutBiases$"
    at = search(open_session(session_ids, SQUEEZENET), pattern, regex=True)
    runtime = real_session(SQUEEZENET).tables["runtime_layers"]
    expected = [layer_id for layer_id, name in zip(runtime["layer_id"], runtime["name"])
                if re.search(pattern, name, re.IGNORECASE)]

    assert len(expected) > 0
    assert search_hit_ids(at) == expected


def test_invalid_regex_names_pattern(session_ids: dict[str, str], real_session: SessionReader) -> None:
    at = search(open_session(session_ids, SQUEEZENET), "n1(", regex=True)
    errors = error_texts(at)

    assert exception_texts(at) == []
    assert len(errors) == 1
    assert "'n1('" in errors[0]
    assert search_hit_ids(at) == []
    runtime_count = len(real_session(SQUEEZENET).tables["runtime_layers"])
    assert len(layer_table(at, session_ids[SQUEEZENET])) == runtime_count


@pytest.mark.parametrize(("side", "type_column"), [("runtime", "layer_type"), ("ir", "type")])
def test_type_search_finds_convolutions(
    side: str, type_column: str, session_ids: dict[str, str], real_session: SessionReader
) -> None:
    at = search(open_session(session_ids, SQUEEZENET), "Convolution", field="type", side=side)
    layers = real_session(SQUEEZENET).tables[f"{side}_layers"]
    expected = layers.loc[layers[type_column] == "Convolution", "layer_id"]

    assert len(expected) > 0
    assert search_hit_ids(at) == list(expected)


def test_dims_search_finds_input_layer(session_ids: dict[str, str], squeezenet: SqueezenetLayers) -> None:
    at = open_session(session_ids, SQUEEZENET)
    full_hits = search_hit_ids(search(at, "1x3x224x224", field="dims"))
    partial_hits = search_hit_ids(search(at, "224x224", field="dims"))

    assert exception_texts(at) == []
    assert squeezenet.runtime_input in full_hits
    assert set(full_hits) <= set(partial_hits)


def test_dims_search_in_ir_graph(session_ids: dict[str, str], squeezenet: SqueezenetLayers) -> None:
    at = search(open_session(session_ids, SQUEEZENET), "1x3x224x224", field="dims", side="ir")
    hits = search_hit_ids(at)

    assert squeezenet.ir_parameter in hits
    assert squeezenet.ir_conv in hits


def test_search_pick_selects_layer(session_ids: dict[str, str], squeezenet: SqueezenetLayers) -> None:
    at = search(open_session(session_ids, SQUEEZENET), "n0/WithoutBiases")
    pick_search_hit(at, squeezenet.runtime_conv)

    assert at.session_state["selection"] == ("runtime", squeezenet.runtime_conv)
    assert "n0/WithoutBiases" in code_texts(at)


def test_search_pick_selects_table_row(session_ids: dict[str, str], squeezenet: SqueezenetLayers) -> None:
    session_id = session_ids[SQUEEZENET]
    at = search(open_session(session_ids, SQUEEZENET), "n0/WithoutBiases")
    pick_search_hit(at, squeezenet.runtime_conv)
    expected_row = table_position(layer_table(at, session_id), squeezenet.runtime_conv)

    assert selected_table_rows(at, layer_table_key(session_id)) == [expected_row]


def test_ir_pick_selects_fused_row(session_ids: dict[str, str], squeezenet: SqueezenetLayers) -> None:
    session_id = session_ids[SQUEEZENET]
    at = search(open_session(session_ids, SQUEEZENET), "^n1$", side="ir", regex=True)
    pick_search_hit(at, squeezenet.ir_relu)
    expected_row = table_position(layer_table(at, session_id), squeezenet.runtime_conv)

    assert at.session_state["selection"] == ("ir", squeezenet.ir_relu)
    assert selected_table_rows(at, layer_table_key(session_id)) == [expected_row]


def test_table_row_click_selects_layer(session_ids: dict[str, str]) -> None:
    session_id = session_ids[SQUEEZENET]
    at = open_session(session_ids, SQUEEZENET)
    table = layer_table(at, session_id)
    click_table_rows(at, layer_table_key(session_id), [3])

    assert exception_texts(at) == []
    assert at.session_state["selection"] == ("runtime", table["layer_id"][3])
    assert table["name"][3] in code_texts(at)
    assert selected_table_rows(at, layer_table_key(session_id)) == [3]


def test_added_table_row_wins(session_ids: dict[str, str], squeezenet: SqueezenetLayers) -> None:
    # In multi-row mode a click adds a row to the rows the page selected from the search.
    session_id = session_ids[SQUEEZENET]
    at = search(open_session(session_ids, SQUEEZENET), "n0/WithoutBiases")
    pick_search_hit(at, squeezenet.runtime_conv)
    table = layer_table(at, session_id)
    picked_row = table_position(table, squeezenet.runtime_conv)
    added_row = 0 if picked_row != 0 else 1
    click_table_rows(at, layer_table_key(session_id), [picked_row, added_row])

    assert at.session_state["selection"] == ("runtime", table["layer_id"][added_row])
    assert selected_table_rows(at, layer_table_key(session_id)) == [added_row]


def test_filtered_table_row_click_selects(session_ids: dict[str, str]) -> None:
    session_id = session_ids[SQUEEZENET]
    at = open_session(session_ids, SQUEEZENET)
    at.multiselect(key="table_filter_types").set_value(["Concatenation"]).run()
    table = layer_table(at, session_id)
    click_table_rows(at, layer_table_key(session_id), [1])

    assert set(table["layer_type"]) == {"Concatenation"}
    assert at.session_state["selection"] == ("runtime", table["layer_id"][1])


def test_graph_click_selects_layer(session_ids: dict[str, str], squeezenet: SqueezenetLayers) -> None:
    session_id = session_ids[SQUEEZENET]
    at = open_session(session_ids, SQUEEZENET)
    click_graph_node(at, "ir", squeezenet.ir_relu)
    expected_row = table_position(layer_table(at, session_id), squeezenet.runtime_conv)

    assert exception_texts(at) == []
    assert at.session_state["selection"] == ("ir", squeezenet.ir_relu)
    assert selected_table_rows(at, layer_table_key(session_id)) == [expected_row]


def test_row_click_beats_graph_click(session_ids: dict[str, str], squeezenet: SqueezenetLayers) -> None:
    session_id = session_ids[SQUEEZENET]
    at = open_session(session_ids, SQUEEZENET)
    click_graph_node(at, "ir", squeezenet.ir_relu)
    table = layer_table(at, session_id)
    # A row the page did not select for the Relu: clicking a selected row would clear it instead.
    selected = selected_table_rows(at, layer_table_key(session_id))
    row = next(index for index in range(len(table)) if index not in selected)
    click_table_rows(at, layer_table_key(session_id), [*selected, row])
    # The graph still returns the Relu, its last clicked node, on every later run.
    at.run()

    assert at.session_state["selection"] == ("runtime", table["layer_id"][row])


def test_removed_ir_layer_warns_runtime(session_ids: dict[str, str], real_session: SessionReader) -> None:
    ir = real_session(MAGIKA).tables["ir_layers"]
    removed = ir[(ir["mapping_class"] == "removed") & (ir["type"] != "Constant")].iloc[0]
    at = open_session(session_ids, MAGIKA)
    at.session_state["selection"] = ("ir", removed["layer_id"])
    at.run()
    runtime_warnings = warning_texts(graph_column(at, "runtime"))

    assert exception_texts(at) == []
    assert len(runtime_warnings) == 1
    assert f"IR layer {removed['name']!r}" in runtime_warnings[0]
    assert "has no runtime layer" in runtime_warnings[0]
    assert warning_texts(graph_column(at, "ir")) == []
    assert removed["name"] in code_texts(at)


def test_inserted_layer_warns_ir(session_ids: dict[str, str]) -> None:
    session_id = session_ids[SQUEEZENET]
    at = open_session(session_ids, SQUEEZENET)
    table = layer_table(at, session_id)
    inserted = table[(table["mapping_class"] == "inserted") & (table["layer_type"] == "Reorder")]
    row = int(inserted.index[0])
    click_table_rows(at, layer_table_key(session_id), [row])
    ir_warnings = warning_texts(graph_column(at, "ir"))

    assert exception_texts(at) == []
    assert len(ir_warnings) == 1
    assert f"Runtime layer {table['name'][row]!r} (Reorder)" in ir_warnings[0]
    assert warning_texts(graph_column(at, "runtime")) == []


def caption_counts(at: AppTest) -> list[str]:
    """Return the "<drawn> of <total>" part of each graph's caption."""
    captions = [element.value for element in at.caption]
    return [text.split(" nodes drawn")[0] for text in captions if " nodes drawn" in text]


def test_around_selection_draws_window(session_ids: dict[str, str], real_session: SessionReader) -> None:
    runtime = real_session(DENSENET).tables["runtime_layers"]
    conv_id = str(runtime.loc[runtime["layer_type"] == "Convolution", "layer_id"].iloc[0])
    at = open_session(session_ids, DENSENET)
    at.session_state["selection"] = ("runtime", conv_id)
    whole_counts = caption_counts(at.run())
    at.toggle(key="around_selection").set_value(True).run()
    totals = [count.split(" of ")[1] for count in whole_counts]

    assert exception_texts(at) == []
    assert len(whole_counts) == 2
    assert whole_counts == [f"{total} of {total}" for total in totals]
    assert caption_counts(at) == [f"{WINDOW_NODES} of {total}" for total in totals]


def test_hiding_ir_drops_ir_graph(session_ids: dict[str, str]) -> None:
    at = open_session(session_ids, SQUEEZENET)
    at.toggle(key="show_ir").set_value(False).run()
    text = markdown_text(at)

    assert exception_texts(at) == []
    assert "**Runtime graph (execution nodes)**" in text
    assert "**Original IR graph**" not in text


def test_expanded_graphs_move_details(session_ids: dict[str, str]) -> None:
    at = open_session(session_ids, SQUEEZENET)
    details_in_column = any("**Details**" in markdown_text(column) for column in at.columns)
    at.toggle(key="expand_graphs").set_value(True).run()

    assert exception_texts(at) == []
    assert details_in_column
    assert "**Details**" in markdown_text(at)
    assert not any("**Details**" in markdown_text(column) for column in at.columns)


def test_edge_shapes_toggle_runs(session_ids: dict[str, str]) -> None:
    at = open_session(session_ids, SQUEEZENET)
    at.toggle(key="edge_shapes").set_value(True).run()

    assert exception_texts(at) == []
    assert caption_counts(at)


def test_details_show_layer_time(session_ids: dict[str, str], squeezenet: SqueezenetLayers) -> None:
    at = open_session(session_ids, SQUEEZENET)
    at.session_state["selection"] = ("runtime", squeezenet.runtime_conv)
    at.run()
    metrics = {metric.label: metric.value for metric in at.metric}

    assert exception_texts(at) == []
    assert metrics["Median"].endswith("µs") or metrics["Median"].endswith("ms")
    assert [tab.label for tab in at.tabs] == ["Time", "Shapes", "Mapping", "Attributes", "rt_info"]


def test_unknown_selection_is_dropped(session_ids: dict[str, str]) -> None:
    at = open_session(session_ids, SQUEEZENET)
    at.session_state["selection"] = ("runtime", "runtime/99999")
    at.run()

    assert exception_texts(at) == []
    assert at.session_state["selection"] is None


def test_other_session_clears_selection(session_ids: dict[str, str], squeezenet: SqueezenetLayers) -> None:
    at = open_session(session_ids, SQUEEZENET)
    at.session_state["selection"] = ("runtime", squeezenet.runtime_conv)
    at.run()
    at.query_params["session"] = session_ids[MAGIKA]
    at.run()

    assert exception_texts(at) == []
    assert at.session_state["selection"] is None
    assert [shown_text(element.value) for element in at.subheader][:1] == ["model (onnx) on CPU"]


def test_table_filters_narrow_rows(session_ids: dict[str, str]) -> None:
    session_id = session_ids[SQUEEZENET]
    at = open_session(session_ids, SQUEEZENET)
    full = layer_table(at, session_id)
    at.text_input(key="table_filter_name").set_value("withoutbiases")
    at.toggle(key="table_executed_only").set_value(True).run()
    filtered = layer_table(at, session_id)
    named = full["name"].str.contains("withoutbiases", case=False, regex=False)
    expected = full[named & (full["status"] == "executed")]

    assert exception_texts(at) == []
    assert len(filtered) > 0
    assert list(filtered["layer_id"]) == list(expected["layer_id"])
    assert [widget.key for widget in at.download_button] == ["download_layers"]


def test_analysis_without_session_shows_info(session_ids: dict[str, str]) -> None:
    at = open_page(new_app(), "analysis")

    assert exception_texts(at) == []
    assert [element.value for element in at.header] == ["Analysis"]
    assert any(text.startswith("No session is open") for text in (element.value for element in at.info))


@pytest.mark.parametrize(
    ("session_id", "expected"),
    [("20260101T000000Z_missing_CPU_abcdef", "not found"), ("../outside", "invalid session id")],
)
def test_bad_session_link_shows_error(session_id: str, expected: str, session_ids: dict[str, str]) -> None:
    at = new_app(session_id).run()
    errors = error_texts(at)

    assert exception_texts(at) == []
    assert len(errors) == 1
    assert expected in errors[0]
    assert repr(session_id) in errors[0]


def test_selected_row_reclick_keeps_it(session_ids: dict[str, str]) -> None:
    session_id = session_ids[SQUEEZENET]
    at = open_session(session_ids, SQUEEZENET)
    table = layer_table(at, session_id)
    click_table_rows(at, layer_table_key(session_id), [2])
    # A second click on the only selected row unchecks it in the grid.
    click_table_rows(at, layer_table_key(session_id), [])

    assert at.session_state["selection"] == ("runtime", table["layer_id"][2])
    assert selected_table_rows(at, layer_table_key(session_id)) == [2]
