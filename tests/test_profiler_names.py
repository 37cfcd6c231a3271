"""Tests of splitting originalLayersNames."""

from __future__ import annotations

import pytest

from ovstudio.profiler.names import rejoin_known_names, split_original_names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("conv1", ["conv1"]),
        ("conv1,relu1", ["conv1", "relu1"]),
        (r"a\,b,c", ["a,b", "c"]),
        (r"a\\,b", ["a\\", "b"]),
        ("model/conv:0,<Add>/x y", ["model/conv:0", "<Add>/x y"]),
        (r"a\b", [r"a\b"]),
        ("trailing\\", ["trailing\\"]),
        ("a,,b", ["a", "b"]),
    ],
)
def test_split_original_names_cases(text: str, expected: list[str]) -> None:
    assert split_original_names(text) == expected


def test_split_original_names_empty() -> None:
    assert split_original_names("") == []
    assert split_original_names(None) == []


def test_split_original_names_known_rejoins_commas() -> None:
    known = {"conv,x", "bias,y", "relu", "conv"}

    assert split_original_names("conv,x,bias,y,relu", known) == ["conv,x", "bias,y", "relu"]
    assert split_original_names("conv,relu", known) == ["conv", "relu"]
    assert split_original_names("conv,unknown,relu", known) == ["conv", "unknown", "relu"]


def test_split_original_names_cpu_plugin_unescaped() -> None:
    openvino = pytest.importorskip("openvino")
    numpy = pytest.importorskip("numpy")
    from openvino import opset13 as ops

    parameter = ops.parameter([1, 3, 8, 8], openvino.Type.f32, name="in")
    weights = ops.constant(numpy.ones((4, 3, 3, 3), numpy.float32))
    convolution = ops.convolution(parameter, weights, [1, 1], [1, 1], [1, 1], [1, 1])
    convolution.set_friendly_name("conv,x")
    relu = ops.relu(convolution)
    relu.set_friendly_name("act/relu:0")
    model = openvino.Model([relu], [parameter])
    compiled = openvino.Core().compile_model(model, "CPU")

    texts = [
        node.get_rt_info()["originalLayersNames"].astype(str)
        for node in compiled.get_runtime_model().get_ordered_ops()
    ]
    fused = [text for text in texts if "act/relu:0" in text]

    assert len(fused) == 1
    assert split_original_names(fused[0], {"conv,x", "act/relu:0"}) == ["conv,x", "act/relu:0"]


def test_split_original_names_known_backslash_comma() -> None:
    known = {"a<b>&\"q\"'s", "back\\slash\\,x", "mul,with,commas"}

    text = "a<b>&\"q\"'s,mul,with,commas,back\\slash\\,x"

    assert split_original_names(text, known) == ["a<b>&\"q\"'s", "mul,with,commas", "back\\slash\\,x"]


def test_split_original_names_known_escaped_comma() -> None:
    assert split_original_names(r"a\,b,c", {"a,b", "c"}) == ["a,b", "c"]


def test_split_original_names_unknown_follow_escapes() -> None:
    assert split_original_names(r"x\,y,c", {"c"}) == ["x,y", "c"]


def test_rejoin_known_names_keeps_entries() -> None:
    entries = ["back\\slash\\,x", "conv", "x", "relu"]

    assert rejoin_known_names(entries, {"conv,x", "relu"}) == ["back\\slash\\,x", "conv,x", "relu"]


def test_split_original_names_long_fused_list() -> None:
    names = [f"/block{index}/MatMul" for index in range(300)] + ["x,y", r"p\,q\,r"]
    known = {*names, "other"}

    assert split_original_names(",".join(names), known) == names


def test_split_original_names_unknown_escaped_chain() -> None:
    assert split_original_names(r"a\,b\,c,d", {"d"}) == ["a,b,c", "d"]
