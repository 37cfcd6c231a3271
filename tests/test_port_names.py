"""Input tensors with several names, or one name that contains a comma, profiled for real on CPU."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openvino as ov
import openvino.opset13 as opset
import pytest

from ovstudio.cli import parse_shape
from ovstudio.pipeline import profile_model
from ovstudio.search import search_session
from ovstudio.session.store import Session, read_session
from ovstudio.settings import ProfileSettings
from ovstudio.summary import summarize

SETTINGS = ProfileSettings(device="CPU", precision="f32", iterations=4, counter_iterations=2, warmup=1)


def dynamic_model(names: set[str], friendly_name: str) -> ov.Model:
    parameter = opset.parameter([-1, 4], ov.Type.f32, name=friendly_name)
    parameter.output(0).get_tensor().set_names(names)
    relu = opset.relu(opset.matmul(parameter, opset.constant(np.ones((4, 4), np.float32)), False, False))
    return ov.Model([relu], [parameter], "ports")


def profile(tmp_path: Path, model: ov.Model, shapes: dict[str, tuple[int, ...]]) -> Session:
    folder = tmp_path / "model"
    folder.mkdir()
    xml = folder / "ports.xml"
    ov.save_model(model, xml, compress_to_fp16=False)
    settings = ProfileSettings(**{**SETTINGS.__dict__, "shapes": shapes})
    return read_session(profile_model([xml, xml.with_suffix(".bin")], settings, tmp_path / "sessions"))


@pytest.mark.parametrize("given", ["x", "x:0", "param"])
def test_several_names_any_alias_sets_shape(tmp_path: Path, given: str) -> None:
    session = profile(tmp_path, dynamic_model({"x", "x:0"}, "param"), {given: (3, 4)})
    inputs = session.table("inputs")

    assert len(inputs) == 1
    assert inputs["input_name"].iloc[0] in {"x", "x:0"}
    assert list(inputs["shape"].iloc[0]) == [3, 4]


def test_comma_name_stays_one(tmp_path: Path) -> None:
    session = profile(tmp_path, dynamic_model({"a,b"}, "in,put"), {"a,b": (2, 4)})
    inputs = session.table("inputs")

    assert inputs["input_name"].tolist() == ["a,b"]
    assert list(inputs["shape"].iloc[0]) == [2, 4]
    assert [item["name"] for item in summarize(session)["inputs"]] == ["a,b"]


def test_comma_parameter_name_searchable(tmp_path: Path) -> None:
    session = profile(tmp_path, dynamic_model({"a,b"}, "in,put"), {"a,b": (2, 4)})
    hits = search_session(session, "ir", "in,put", "name")
    dims_hits = search_session(session, "runtime", "2x4", "dims")

    assert len(hits) == 1
    assert dims_hits


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a,b=1,4", ("a,b", (1, 4))), ("x:0=2x4", ("x:0", (2, 4))), ("k=v=1,4", ("k=v", (1, 4)))],
)
def test_cli_shape_keeps_name(text: str, expected: tuple[str, tuple[int, ...]]) -> None:
    assert parse_shape(text) == expected
