"""Hostile layer and model names, profiled for real on CPU and followed through every view.

The model is built with openvino.opset13 and saved as IR. Its friendly names contain ``/``,
``::``, ``<``, ``>``, ``&``, both quotes, commas, backslashes, Cyrillic, CJK, an emoji, HTML,
Markdown and Streamlit markup, and two layers share the name ``dup``.
"""

from __future__ import annotations

import collections
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import openvino as ov
import openvino.opset13 as opset
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ovstudio.details import layer_details
from ovstudio.graph.display import build_display_graph
from ovstudio.layer_table import NAME_SEPARATOR, build_layer_table, layer_table_csv
from ovstudio.mapping import ir_layers_of, runtime_layers_of
from ovstudio.pipeline import profile_model
from ovstudio.search import search_session
from ovstudio.session.store import Session, read_session, write_session
from ovstudio.settings import ProfileSettings
from ovstudio.summary import format_summary, summarize
from ovstudio.ui.graph_component import graph_data_json, graph_options_json
from ovstudio.ui.text import markdown_literal
from tests.app_support import add_session, click_graph_node, new_app, sessions_folder_env, shown_text

SETTINGS = ProfileSettings(device="CPU", precision="f32", iterations=6, counter_iterations=3, warmup=1)

PARAMETER = 'in/put::<0>&"a"'
RELU = "conv/relu::a<b>&\"q\"'s"
MULTIPLY = "mul,with,commas"
ADD = "back\\slash\\,x"
SOFTMAX = "<img src=x onerror=alert(1)>"
TRANSPOSE = "**x** [a](javascript:alert(1)) $x$ :red[y] :material/home: <script>alert(2)</script>"
CONCAT = "Кириллица_中文_🙂"
RESULT = "out,put"
DUPLICATE = "dup"
# The Multiply's constant. The tampered session drops its links, so selecting it shows a notice.
CONSTANT = "<img src=y onerror=alert(4)> **c**"
MODEL_NAME = "hostile <b>model</b> **m** [l](javascript:alert(3))"
# Names of layers that each run as a runtime layer of their own on CPU.
SINGLE_NAMES = (PARAMETER, SOFTMAX, TRANSPOSE, CONCAT, RESULT)
# Eltwise layers the CPU plugin fuses into one Subgraph, named after the last of them.
FUSED_NAMES = [RELU, MULTIPLY, ADD]
ALL_NAMES = (*SINGLE_NAMES, *FUSED_NAMES, DUPLICATE)
# Text that must never reach a Markdown element unescaped.
MARKUP = ("<img", "<script", "**x**", "**c**", "**bf16**", "[a](", "[l](", "$x$", ":red[", ":material/home:", "<b>")


def hostile_model() -> ov.Model:
    parameter = opset.parameter([1, 4, 8, 8], ov.Type.f32, name=PARAMETER)
    parameter.output(0).get_tensor().set_names({"x", "x:0"})
    relu = opset.relu(parameter)
    relu.set_friendly_name(RELU)
    scale = opset.constant(np.full([1, 4, 1, 1], 2.0, np.float32))
    scale.set_friendly_name(CONSTANT)
    multiply = opset.multiply(relu, scale)
    multiply.set_friendly_name(MULTIPLY)
    add = opset.add(multiply, opset.constant(np.full([1, 4, 1, 1], 1.0, np.float32)))
    add.set_friendly_name(ADD)
    softmax = opset.softmax(add, 1)
    softmax.set_friendly_name(SOFTMAX)
    transpose = opset.transpose(softmax, opset.constant(np.array([0, 2, 3, 1], np.int64)))
    transpose.set_friendly_name(TRANSPOSE)
    first = opset.tanh(transpose)
    first.set_friendly_name(DUPLICATE)
    second = opset.sigmoid(transpose)
    second.set_friendly_name(DUPLICATE)
    concat = opset.concat([first, second], 1)
    concat.set_friendly_name(CONCAT)
    result = opset.result(concat)
    result.set_friendly_name(RESULT)
    return ov.Model([result], [parameter], MODEL_NAME)


@pytest.fixture(scope="module")
def ir_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-ir")
    path = folder / "hostile.xml"
    ov.save_model(hostile_model(), path, compress_to_fp16=False)
    return path


@pytest.fixture(scope="module")
def session_path(ir_xml: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    sessions_dir = tmp_path_factory.mktemp("hostile-sessions")
    return profile_model([ir_xml, ir_xml.with_suffix(".bin")], SETTINGS, sessions_dir)


@pytest.fixture(scope="module")
def session(session_path: Path) -> Session:
    return read_session(session_path)


def main_ir(session: Session) -> pd.DataFrame:
    ir = session.table("ir_layers")
    return ir[ir["graph_id"] == "main"]


def ir_ids_named(session: Session, name: str) -> list[str]:
    ir = main_ir(session)
    return ir.loc[ir["name"] == name, "layer_id"].tolist()


def runtime_id_named(session: Session, name: str) -> str:
    runtime = session.table("runtime_layers")
    ids = runtime.loc[runtime["name"] == name, "layer_id"].tolist()
    assert len(ids) == 1, f"{len(ids)} runtime layers named {name!r}"
    return str(ids[0])


def test_ir_xml_keeps_names(ir_xml: Path, session: Session) -> None:
    layers = ElementTree.parse(ir_xml).getroot().find("layers")
    assert layers is not None
    xml_names = collections.Counter(layer.get("name") for layer in layers)

    assert collections.Counter(main_ir(session)["name"]) == xml_names
    for name in ALL_NAMES:
        assert name in xml_names, name


def test_ir_model_name_kept(ir_xml: Path, session: Session) -> None:
    assert ElementTree.parse(ir_xml).getroot().get("name") == MODEL_NAME


def test_ir_duplicates_are_two_layers(session: Session) -> None:
    ids = ir_ids_named(session, DUPLICATE)

    assert len(ids) == 2
    assert len(set(ids)) == 2


def test_fused_original_names_split(session: Session) -> None:
    row = session.table("runtime_layers").set_index("layer_id").loc[runtime_id_named(session, ADD)]

    assert list(row["original_layer_names"]) == FUSED_NAMES


@pytest.mark.parametrize("name", [*SINGLE_NAMES, *FUSED_NAMES])
def test_mapping_links_hostile_name(session: Session, name: str) -> None:
    (ir_id,) = ir_ids_named(session, name)
    linked = runtime_layers_of(session.table("mapping"), ir_id)

    assert len(linked) == 1, name
    assert main_ir(session).set_index("layer_id").loc[ir_id, "mapping_class"] == "mapped"


def test_mapping_fused_layer_links_three(session: Session) -> None:
    linked = ir_layers_of(session.table("mapping"), runtime_id_named(session, ADD))
    names = main_ir(session).set_index("layer_id").loc[linked, "name"].tolist()

    assert names == FUSED_NAMES


def test_mapping_duplicates_link_apart(session: Session) -> None:
    mapping = session.table("mapping")
    linked = [runtime_layers_of(mapping, ir_id) for ir_id in ir_ids_named(session, DUPLICATE)]

    assert [len(ids) for ids in linked] == [1, 1]
    assert linked[0] != linked[1]


def test_mapping_duplicates_follow_producer(session: Session) -> None:
    # Tanh feeds the first 'dup' of the IR; its runtime layer keeps the name, Sigmoid's is renamed.
    ir = session.table("ir_layers").set_index("layer_id")
    runtime = session.table("runtime_layers").set_index("layer_id")
    for ir_id in ir_ids_named(session, DUPLICATE):
        (runtime_id,) = runtime_layers_of(session.table("mapping"), ir_id)
        expected = {"Tanh": DUPLICATE, "Sigmoid": f"{DUPLICATE}_1"}[ir.loc[ir_id, "type"]]
        assert runtime.loc[runtime_id, "name"] == expected


def test_session_parquet_keeps_names(session: Session) -> None:
    runtime_names = set(session.table("runtime_layers")["name"])

    for name in (*SINGLE_NAMES, ADD):
        assert name in runtime_names, name
    assert session.info["model_name"] == "hostile"


def test_layer_table_names_exact(session: Session) -> None:
    table = build_layer_table(session).set_index("name")

    for name in (*SINGLE_NAMES, ADD):
        assert name in table.index, name
    assert table.loc[ADD, "ir_layer_names"] == NAME_SEPARATOR.join(FUSED_NAMES)
    assert table.loc[ADD, "ir_layer_count"] == 3


@pytest.mark.parametrize("name", [*SINGLE_NAMES, *FUSED_NAMES, DUPLICATE])
def test_search_finds_ir_name(session: Session, name: str) -> None:
    hits = search_session(session, "ir", name, "name")
    names = main_ir(session).set_index("layer_id").loc[[hit.layer_id for hit in hits], "name"].tolist()

    assert name in names


def test_search_regex_escaped_name(session: Session) -> None:
    hits = search_session(session, "runtime", re.escape(SOFTMAX), "name", regex=True)

    assert [hit.layer_id for hit in hits] == [runtime_id_named(session, SOFTMAX)]


@pytest.mark.parametrize("name", [*SINGLE_NAMES, ADD])
def test_details_runtime_name_exact(session: Session, name: str) -> None:
    details = layer_details(session, "runtime", runtime_id_named(session, name))

    assert details.name == name


def test_details_duplicate_note(session: Session) -> None:
    details = layer_details(session, "ir", ir_ids_named(session, DUPLICATE)[1])

    assert any("2 IR layers are named 'dup'" in note for note in details.notes)


@pytest.mark.parametrize("side", ["runtime", "ir"])
def test_display_graph_names_exact(session: Session, side: str) -> None:
    layers = session.table("runtime_layers" if side == "runtime" else "ir_layers")
    edges = session.table("runtime_edges" if side == "runtime" else "ir_edges")
    graph = build_display_graph(layers, edges, side)  # type: ignore[arg-type]
    names = set(graph.nodes["name"])

    for name in (*SINGLE_NAMES, ADD):
        assert name in names, name


def test_graph_labels_plain_text(session: Session) -> None:
    graph = build_display_graph(session.table("runtime_layers"), session.table("runtime_edges"), "runtime")
    data = json.loads(graph_data_json(graph.nodes, graph.edges))
    options = json.loads(graph_options_json({node_id: "#ffffff" for node_id in graph.nodes["node_id"]}))
    labels = [node["label"] for node in data["nodes"]]

    # Labels cut names longer than LABEL_NAME_CHARS; CONCAT is shorter and must appear whole.
    assert any(label.endswith("\n" + CONCAT) for label in labels)
    assert options["nodes"]["font"]["multi"] is False
    assert options["edges"]["font"]["multi"] is False
    assert all("title" not in node for node in data["nodes"])


# --- The page --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def session_id(session_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("hostile-app-sessions")
    with sessions_folder_env(folder):
        yield add_session(session_path, folder)


def rendered_texts(at: AppTest) -> list[str]:
    """Return the texts of every element that renders Markdown, widget help texts included."""
    elements = [*at.markdown, *at.caption, *at.subheader, *at.warning, *at.error, *at.info]
    texts = [str(element.value) for element in elements]
    texts += [str(metric.label) + " " + str(metric.value) + " " + str(metric.help or "") for metric in at.metric]
    return texts


def assert_no_markup(at: AppTest) -> None:
    for text in rendered_texts(at):
        # An escaped character is shown as itself, so only unescaped markup counts.
        bare = re.sub(r"\\[!-/:-@\[-`{-~]", "\0", text)
        for markup in MARKUP:
            assert markup not in bare, f"{markup!r} unescaped in {text!r}"


def select_runtime(at: AppTest, session: Session, name: str) -> AppTest:
    node_id = runtime_id_named(session, name)
    return click_graph_node(at, "runtime", node_id)


def test_app_opens_hostile_session(session_id: str) -> None:
    at = new_app(session_id).run()

    assert not at.exception
    assert_no_markup(at)


@pytest.mark.parametrize("name", [SOFTMAX, TRANSPOSE, CONCAT, ADD])
def test_app_details_show_name(session_id: str, session: Session, name: str) -> None:
    at = select_runtime(new_app(session_id).run(), session, name)

    assert not at.exception
    assert name in [element.value for element in at.code]
    assert_no_markup(at)


def test_app_fused_caption_counts(session_id: str, session: Session) -> None:
    at = select_runtime(new_app(session_id).run(), session, ADD)
    captions = [shown_text(str(element.value)) for element in at.caption]

    assert any("3 IR layers (fused)" in caption for caption in captions)


def test_app_table_shows_names(session_id: str) -> None:
    at = new_app(session_id).run()
    table = at.dataframe(key=f"layer_table::{session_id}").value

    for name in (*SINGLE_NAMES, ADD):
        assert name in set(table["name"]), name
    assert NAME_SEPARATOR.join(FUSED_NAMES) in set(table["ir_layer_names"])


def test_app_search_lists_name(session_id: str, session: Session) -> None:
    at = new_app(session_id).run()
    at.text_input(key="search_query").set_value(SOFTMAX).run()
    pickers = [widget for widget in at.selectbox if widget.key == "search_pick"]

    assert pickers
    assert any(SOFTMAX in option for option in pickers[0].options)


# --- A shared session whose texts were edited by hand -----------------------------------------


@pytest.fixture(scope="module")
def tampered_id(session: Session, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Write a copy of the session whose model, device, warning and layer texts carry markup."""
    info = dict(session.info)
    info.update(
        session_id=f"{session.session_id}_tampered",
        model_name=MODEL_NAME,
        device_full_name=TRANSPOSE,
        inference_precision="**bf16** <img src=p onerror=alert(6)>",
        execution_devices=[SOFTMAX],
        warnings=[f"layer {TRANSPOSE} warned"],
    )
    tables = dict(session.tables)
    runtime = tables["runtime_layers"].copy()
    add_row = runtime["name"] == ADD
    runtime.loc[add_row, "layer_type"] = SOFTMAX
    runtime.loc[add_row, "primitive_type"] = TRANSPOSE
    tables["runtime_layers"] = runtime
    (constant_id,) = ir_ids_named(session, CONSTANT)
    mapping = tables["mapping"]
    tables["mapping"] = mapping[mapping["ir_id"] != constant_id].reset_index(drop=True)
    folder = tmp_path_factory.mktemp("hostile-tampered")
    path = write_session(Session(info=info, tables=tables), folder)
    with sessions_folder_env(folder):
        yield path.stem


def test_tampered_session_texts_literal(tampered_id: str) -> None:
    at = new_app(tampered_id).run()
    shown = " ".join(shown_text(text) for text in rendered_texts(at))

    assert not at.exception
    assert MODEL_NAME in shown
    assert TRANSPOSE in shown
    assert "**bf16** <img src=p onerror=alert(6)>" in shown
    assert_no_markup(at)


def test_tampered_details_literal(tampered_id: str, session: Session) -> None:
    at = select_runtime(new_app(tampered_id).run(), session, ADD)
    shown = " ".join(shown_text(text) for text in rendered_texts(at))

    assert SOFTMAX in shown
    assert TRANSPOSE in shown
    assert_no_markup(at)


def test_tampered_removed_notice_literal(tampered_id: str, session: Session) -> None:
    (constant_id,) = ir_ids_named(session, CONSTANT)
    at = click_graph_node(new_app(tampered_id).run(), "ir", constant_id)
    warnings = [shown_text(str(element.value)) for element in at.warning]

    assert any(f"IR layer {CONSTANT!r} (Constant) has no runtime layer" in text for text in warnings)
    assert_no_markup(at)


def test_markdown_literal_round_trip() -> None:
    for name in (*ALL_NAMES, MODEL_NAME):
        assert shown_text(markdown_literal(name)) == name


def test_summary_text_escapes_controls(session: Session) -> None:
    info = {**session.info, "model_name": "m\x1b[2J\x1b]8;;http://x\x07", "warnings": ["w\rx"]}
    text = format_summary(summarize(Session(info=info, tables=session.tables)))

    assert "\x1b" not in text
    assert "\r" not in text
    assert "m\\x1b[2J\\x1b]8;;http://x\\x07" in text


def test_csv_formula_cells_quoted(session: Session) -> None:
    table = build_layer_table(session)
    table.loc[0, "name"] = "=HYPERLINK(\"http://x\")"
    table.loc[1, "name"] = "-1+2"
    read_back = pd.read_csv(io.BytesIO(layer_table_csv(table)), keep_default_na=False)

    assert read_back.loc[0, "name"] == "'=HYPERLINK(\"http://x\")"
    assert read_back.loc[1, "name"] == "'-1+2"
    assert read_back.loc[2, "name"] == table.loc[2, "name"]
