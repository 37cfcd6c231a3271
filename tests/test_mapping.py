"""Mapping between runtime layers and IR layers, checked on real compiled models."""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
import openvino as ov
import openvino.opset13 as opset
import pandas as pd
import pytest

from ovstudio.mapping import (
    IR_CLASSES,
    RUNTIME_CLASSES,
    apply_mapping,
    build_mapping,
    compiled_names,
    ir_layers_of,
    mapping_counts,
    runtime_layers_of,
)
from ovstudio.profiler.names import split_original_names
from ovstudio.session.schema import MAPPING
from tests.real_models import fetch


def layer_frames(model: ov.Model, compiled: ov.CompiledModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build minimal ir_layers and runtime_layers frames from a model and its compiled form.

    The original names are split without ``known_names``, so build_mapping itself must rejoin
    IR names that contain commas.
    """
    ir_rows = [
        {"layer_id": f"main/{index}", "graph_id": "main", "name": op.get_friendly_name(), "type": op.get_type_name()}
        for index, op in enumerate(model.get_ordered_ops())
    ]
    runtime_rows = []
    for index, node in enumerate(compiled.get_runtime_model().get_ordered_ops()):
        rt_info = node.get_rt_info()
        raw_names = rt_info["originalLayersNames"].astype(str)
        runtime_rows.append({
            "layer_id": f"runtime/{index}",
            "name": node.get_friendly_name(),
            "layer_type": rt_info["layerType"].astype(str),
            "original_layers_names": raw_names,
            "original_layer_names": split_original_names(raw_names),
        })
    return pd.DataFrame(runtime_rows), pd.DataFrame(ir_rows)


def expected_links(runtime: pd.DataFrame, ir: pd.DataFrame) -> dict[str, set[str]]:
    """Compute runtime layer_id -> linked IR layer_ids with plain Python sets."""
    ids_by_name: dict[str, set[str]] = defaultdict(set)
    for layer_id, name, graph_id in zip(ir["layer_id"], ir["name"], ir["graph_id"]):
        if graph_id == "main":
            ids_by_name[name].add(layer_id)

    links = {}
    for layer_id, names in zip(runtime["layer_id"], runtime["original_layer_names"]):
        linked: set[str] = set()
        for name in names:
            linked |= ids_by_name.get(name, set())
        links[layer_id] = linked
    return links


def expected_classes(runtime: pd.DataFrame, ir: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """Classify both sides from expected_links, independently of ovstudio.mapping."""
    links = expected_links(runtime, ir)
    runtime_of_ir: dict[str, set[str]] = defaultdict(set)
    for runtime_id, ir_ids in links.items():
        for ir_id in ir_ids:
            runtime_of_ir[ir_id].add(runtime_id)

    runtime_classes = {}
    for runtime_id, ir_ids in links.items():
        if not ir_ids:
            runtime_classes[runtime_id] = "inserted"
        elif len(ir_ids) >= 2:
            runtime_classes[runtime_id] = "fused"
        elif len(runtime_of_ir[next(iter(ir_ids))]) > 1:
            runtime_classes[runtime_id] = "split"
        else:
            runtime_classes[runtime_id] = "intact"

    ir_classes = {}
    for layer_id, graph_id in zip(ir["layer_id"], ir["graph_id"]):
        if graph_id != "main":
            ir_classes[layer_id] = "nested"
        else:
            ir_classes[layer_id] = "mapped" if runtime_of_ir[layer_id] else "removed"
    return runtime_classes, ir_classes


@pytest.fixture(scope="module")
def resnet_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    model = ov.convert_model(fetch("light_resnet50"))
    compiled = ov.Core().compile_model(model, "CPU")
    return layer_frames(model, compiled)


def test_mapping_resnet_matches_set_computation(resnet_frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    runtime, ir = resnet_frames
    result = build_mapping(runtime, ir)
    runtime_expected, ir_expected = expected_classes(runtime, ir)

    assert result.runtime_classes.to_dict() == runtime_expected
    assert result.ir_classes.to_dict() == ir_expected
    links = {(r, i) for r, ids in expected_links(runtime, ir).items() for i in ids}
    assert set(zip(result.mapping["runtime_id"], result.mapping["ir_id"])) == links
    assert len(result.mapping) == len(links)


def test_mapping_resnet_has_fused_and_inserted(resnet_frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    runtime, ir = resnet_frames
    result = build_mapping(runtime, ir)
    classes = result.runtime_classes

    assert (classes == "fused").sum() > 10
    fused_types = set(runtime.loc[classes.to_numpy() == "fused", "layer_type"])
    assert "Convolution" in fused_types
    reorders = runtime.loc[runtime["layer_type"] == "Reorder", "layer_id"]
    assert len(reorders) > 0
    assert set(classes[reorders]) == {"inserted"}


def test_mapping_resnet_links_existing_ir_layers(resnet_frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    runtime, ir = resnet_frames
    result = build_mapping(runtime, ir)
    ir_names = dict(zip(ir["layer_id"], ir["name"]))

    assert list(result.mapping.columns) == MAPPING.column_names
    assert set(result.mapping["ir_id"]) <= set(ir["layer_id"])
    for runtime_id, names in zip(runtime["layer_id"], runtime["original_layer_names"]):
        present = [name for name in names if name in set(ir["name"])]
        linked = ir_layers_of(result.mapping, runtime_id)
        assert {ir_names[ir_id] for ir_id in linked} == set(present), runtime_id


def test_mapping_counts_resnet(resnet_frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    runtime, ir = resnet_frames
    result = build_mapping(runtime, ir)
    runtime_mapped, ir_mapped = apply_mapping(runtime, ir, result)
    runtime_expected, ir_expected = expected_classes(runtime, ir)
    counts = mapping_counts(runtime_mapped, ir_mapped)

    assert list(counts) == [*RUNTIME_CLASSES, *IR_CLASSES]
    for name in RUNTIME_CLASSES:
        assert counts[name] == list(runtime_expected.values()).count(name), name
    for name in IR_CLASSES:
        assert counts[name] == list(ir_expected.values()).count(name), name
    assert sum(counts[name] for name in RUNTIME_CLASSES) == len(runtime)
    assert sum(counts[name] for name in IR_CLASSES) == len(ir)


def test_apply_mapping_returns_copies(resnet_frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    runtime, ir = resnet_frames
    runtime_mapped, ir_mapped = apply_mapping(runtime, ir, build_mapping(runtime, ir))

    assert "mapping_class" not in runtime.columns
    assert "mapping_class" not in ir.columns
    assert runtime_mapped["mapping_class"].notna().all()
    assert ir_mapped["mapping_class"].notna().all()
    assert set(runtime_mapped["mapping_class"]) <= set(RUNTIME_CLASSES)


def special_names_model() -> tuple[ov.Model, list[str]]:
    """Build a small model whose layers have commas, slashes, '::', '<>', quotes and non-ASCII."""
    names = ["conv,1", "a/b:0", "ns::op<T>", "q\"uo'te", "naïve_层", "back\\slash"]
    parameter = opset.parameter([1, 3, 8, 8], np.float32, name="in,put")
    weights = opset.constant(np.ones((3, 3, 3, 3), np.float32))
    node = opset.convolution(parameter, weights, [1, 1], [1, 1], [1, 1], [1, 1])
    node.set_friendly_name(names[0])
    node = opset.relu(node)
    node.set_friendly_name(names[1])
    pool = opset.max_pool(node, [1, 1], [1, 1], [0, 0], [0, 0], [2, 2])
    pool.set_friendly_name(names[2])
    node = opset.sigmoid(pool.output(0))
    node.set_friendly_name(names[3])
    node = opset.softmax(node, 1)
    node.set_friendly_name(names[4])
    node = opset.exp(node)
    node.set_friendly_name(names[5])
    return ov.Model([node], [parameter]), ["in,put", *names]


def test_mapping_special_names_real_model() -> None:
    model, names = special_names_model()
    compiled = ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    runtime, ir = layer_frames(model, compiled)
    result = build_mapping(runtime, ir)
    ir_id_by_name = dict(zip(ir["name"], ir["layer_id"]))
    mapped_names = {ir["name"][index] for index in ir.index if result.ir_classes[ir["layer_id"][index]] == "mapped"}

    # The Parameter and every named layer must be found, even names cut at their commas.
    assert set(names) <= mapped_names
    for name in names:
        assert runtime_layers_of(result.mapping, ir_id_by_name[name]), name
    assert set(result.mapping["original_name"]) >= set(names)


def test_mapping_comma_name_rejoined() -> None:
    ir = pd.DataFrame({
        "layer_id": ["main/0", "main/1", "main/2"],
        "graph_id": ["main"] * 3,
        "name": ["conv,1", "relu", "other"],
    })
    runtime = pd.DataFrame({
        "layer_id": ["runtime/0", "runtime/1"],
        # How a plain split cuts 'conv,1,relu'; the second row keeps an already-joined name.
        "original_layer_names": [["conv", "1", "relu"], ["conv,1"]],
    })
    result = build_mapping(runtime, ir)

    assert ir_layers_of(result.mapping, "runtime/0") == ["main/0", "main/1"]
    assert ir_layers_of(result.mapping, "runtime/1") == ["main/0"]
    assert result.runtime_classes["runtime/0"] == "fused"
    assert result.runtime_classes["runtime/1"] == "split"


def test_mapping_comma_pieces_not_matched_alone() -> None:
    ir = pd.DataFrame({"layer_id": ["main/0", "main/1"], "graph_id": ["main"] * 2, "name": ["a", "b"]})
    runtime = pd.DataFrame({"layer_id": ["runtime/0"], "original_layer_names": [["a,b"]]})
    result = build_mapping(runtime, ir)

    assert result.mapping.empty
    assert result.runtime_classes["runtime/0"] == "inserted"
    assert set(result.ir_classes) == {"removed"}


@pytest.mark.parametrize(
    "name",
    ["a/b/c:0", "ns::op", "Tensor<f32>", "x>y", "say \"hi\"", "it's", "naïve_слой_层", "back\\slash", ""],
)
def test_mapping_special_name_exact_match(name: str) -> None:
    ir = pd.DataFrame({"layer_id": ["main/0", "main/1"], "graph_id": ["main"] * 2, "name": [name, name + "_x"]})
    runtime = pd.DataFrame({"layer_id": ["runtime/0"], "original_layer_names": [[name]]})
    result = build_mapping(runtime, ir)

    assert ir_layers_of(result.mapping, "runtime/0") == ["main/0"]
    assert result.mapping["original_name"].tolist() == [name]
    assert result.runtime_classes["runtime/0"] == "intact"


def test_mapping_shared_name_follows_renames() -> None:
    ir = pd.DataFrame({
        "layer_id": ["main/0", "main/1", "main/2", "main/3", "main/4"],
        "graph_id": ["main"] * 5,
        "name": ["dup", "dup_1", "dup", "dup", "single"],
    })
    runtime = pd.DataFrame({
        "layer_id": ["runtime/0", "runtime/1", "runtime/2", "runtime/3", "runtime/4"],
        "original_layer_names": [["dup_3"], ["dup"], ["dup_2"], ["dup_1"], ["single", "single"]],
    })
    result = build_mapping(runtime, ir)

    assert ir_layers_of(result.mapping, "runtime/0") == ["main/3"]
    assert ir_layers_of(result.mapping, "runtime/1") == ["main/0"]
    assert ir_layers_of(result.mapping, "runtime/2") == ["main/2"]
    assert ir_layers_of(result.mapping, "runtime/3") == ["main/1"]
    assert set(result.runtime_classes) == {"intact"}
    # A name repeated inside one originalLayersNames links once.
    assert ir_layers_of(result.mapping, "runtime/4") == ["main/4"]


def test_compiled_names_skip_used_suffixes() -> None:
    layer_ids = pd.Series(["main/2", "main/0", "main/1", "main/3"])
    names = pd.Series(["x", "x", "x_1", "x"])

    assert compiled_names(layer_ids, names).tolist() == ["x_2", "x", "x_1", "x_3"]


def test_mapping_shared_names_real_model() -> None:
    parameter = opset.parameter([1, 4], ov.Type.f32, name="p")
    producers = [opset.tanh(parameter), opset.sigmoid(parameter), opset.abs(parameter), opset.exp(parameter)]
    results = []
    for producer, name in zip(producers, ["dup", "dup_1", "dup", "dup"]):
        node = opset.transpose(producer, opset.constant(np.array([1, 0], np.int64)))
        node.set_friendly_name(name)
        results.append(opset.result(node))
    model = ov.Model(results, [parameter])
    compiled = ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    runtime, ir = layer_frames(model, compiled)
    result = build_mapping(runtime, ir)

    # Each IR layer named dup links the one runtime layer fed by the same producer.
    ir_producer_by_id = {layer_id: op.input_value(0).get_node().get_friendly_name()
                         for layer_id, op in zip(ir["layer_id"], model.get_ordered_ops()) if op.get_input_size()}
    runtime_ops = list(compiled.get_runtime_model().get_ordered_ops())
    runtime_producer = {f"runtime/{index}": node.input_value(0).get_node().get_friendly_name()
                        for index, node in enumerate(runtime_ops) if node.get_input_size()}
    dup_ids = ir.loc[ir["name"].str.startswith("dup"), "layer_id"].tolist()
    assert len(dup_ids) == 4
    for ir_id in dup_ids:
        linked = runtime_layers_of(result.mapping, ir_id)
        assert len(linked) == 1, ir_id
        assert runtime_producer[linked[0]] == ir_producer_by_id[ir_id], ir_id


def test_mapping_split_and_nested_classes() -> None:
    ir = pd.DataFrame({
        "layer_id": ["main/0", "main/1", "main/2", "main/1/body0/0"],
        "graph_id": ["main", "main", "main", "main/1/body0"],
        "name": ["matmul", "loop", "folded", "matmul"],
    })
    runtime = pd.DataFrame({
        "layer_id": ["runtime/0", "runtime/1", "runtime/2", "runtime/3"],
        "original_layer_names": [["matmul"], ["matmul"], ["loop"], []],
    })
    result = build_mapping(runtime, ir)

    assert result.runtime_classes.to_dict() == {
        "runtime/0": "split", "runtime/1": "split", "runtime/2": "intact", "runtime/3": "inserted",
    }
    assert result.ir_classes.to_dict() == {
        "main/0": "mapped", "main/1": "mapped", "main/2": "removed", "main/1/body0/0": "nested",
    }
    # A body layer with the same friendly name as a main-graph layer is never linked.
    assert runtime_layers_of(result.mapping, "main/1/body0/0") == []


def test_mapping_empty_tables() -> None:
    runtime = pd.DataFrame({"layer_id": pd.Series([], dtype=str), "original_layer_names": pd.Series([], dtype=object)})
    ir = pd.DataFrame({"layer_id": pd.Series([], dtype=str), "graph_id": pd.Series([], dtype=str),
                       "name": pd.Series([], dtype=str)})
    result = build_mapping(runtime, ir)

    assert result.mapping.empty
    assert list(result.mapping.columns) == MAPPING.column_names
    assert result.runtime_classes.empty
    assert result.ir_classes.empty


def synthetic_frames(count: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build count IR layers and count runtime layers that fuse, split and insert."""
    ir = pd.DataFrame({
        "layer_id": [f"main/{index}" for index in range(count)],
        "graph_id": "main",
        "name": [f"layer_{index}" for index in range(count)],
    })
    names = []
    for index in range(count):
        if index % 10 == 0:
            names.append([])
        elif index % 3 == 0:
            names.append([f"layer_{index}", f"layer_{index + 1}", f"layer_{index + 2}"])
        else:
            names.append([f"layer_{index}"])
    runtime = pd.DataFrame({"layer_id": [f"runtime/{index}" for index in range(count)], "original_layer_names": names})
    return runtime, ir


def test_mapping_3000_layers_fast() -> None:
    runtime, ir = synthetic_frames(3000)
    start = time.perf_counter()
    result = build_mapping(runtime, ir)
    runtime_mapped, ir_mapped = apply_mapping(runtime, ir, result)
    counts = mapping_counts(runtime_mapped, ir_mapped)
    elapsed = time.perf_counter() - start

    runtime_expected, ir_expected = expected_classes(runtime, ir)
    assert result.runtime_classes.to_dict() == runtime_expected
    assert result.ir_classes.to_dict() == ir_expected
    assert counts["fused"] > 0
    assert counts["split"] > 0
    assert elapsed < 1.0, f"mapping 3,000 x 3,000 layers took {elapsed:.3f} s"
