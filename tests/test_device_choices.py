"""Device list of the New profile page, and the shape text it parses."""

from __future__ import annotations

import pytest

from ovstudio.device_choices import device_choices, parse_shape
from ovstudio.ui.profile_page import _suggested_shape


def test_single_device_offers_virtual_devices() -> None:
    choices = device_choices([("CPU", "Intel(R) Xeon(R)")])

    assert [choice.device for choice in choices] == ["CPU", "AUTO", "HETERO:CPU", "MULTI:CPU"]
    assert choices[0].label == "CPU: Intel(R) Xeon(R)"


def test_several_devices_keep_reported_order() -> None:
    choices = device_choices([("GPU.0", "Intel(R) Arc(TM)"), ("CPU", "AMD EPYC"), ("NPU", "Intel(R) AI Boost")])
    devices = [choice.device for choice in choices]

    assert devices[:3] == ["GPU.0", "CPU", "NPU"]
    assert "HETERO:GPU.0,CPU,NPU" in devices
    assert "MULTI:GPU.0,CPU,NPU" in devices


def test_no_device_offers_nothing() -> None:
    assert device_choices([]) == []


def test_device_without_full_name_shows_name() -> None:
    assert device_choices([("CPU", "")])[0].label == "CPU"


@pytest.mark.parametrize("text", ["1,3,224,224", "1x3x224x224", "1 3 224 224", " 1, 3 ,224,224 ", "1×3×224×224"])
def test_shape_separators_accepted(text: str) -> None:
    assert parse_shape(text) == (1, 3, 224, 224)


@pytest.mark.parametrize("text", ["", "1,?,224", "1,-3", "1,0,2", "a,b", "1.5,2"])
def test_invalid_shape_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="shape"):
        parse_shape(text)


@pytest.mark.parametrize(("shape", "suggestion"), [
    ("[?,3,48,?]", "1,3,48,?"),
    ("[1,3,?,?]", "1,3,?,?"),
    ("[?]", "1"),
    ("[2,?]", "2,?"),
])
def test_dynamic_shape_suggestion(shape: str, suggestion: str) -> None:
    assert _suggested_shape(shape) == suggestion
