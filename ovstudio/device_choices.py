"""Device strings the page offers, built from the devices OpenVINO reports."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class DeviceChoice:
    """One entry of the device list: the device string to compile for, and its label."""

    device: str
    label: str


def device_choices(devices: list[tuple[str, str]]) -> list[DeviceChoice]:
    """List each reported device with its full name, then AUTO, HETERO and MULTI over all of them.

    ``devices`` are (device name, FULL_DEVICE_NAME) pairs as OpenVINO reports them, in its
    priority order. AUTO, HETERO and MULTI are offered whenever there is a device, because they
    also run on one device (HETERO:CPU and MULTI:CPU compile for the CPU through those plugins).
    """
    choices = [DeviceChoice(name, f"{name}: {full_name}" if full_name else name) for name, full_name in devices]
    if not devices:
        return choices

    names = ",".join(name for name, _ in devices)
    choices.append(DeviceChoice("AUTO", f"AUTO: picks among {names}"))
    choices.append(DeviceChoice(f"HETERO:{names}", f"HETERO:{names}: splits the model across devices in this order"))
    choices.append(DeviceChoice(f"MULTI:{names}", f"MULTI:{names}: runs requests on all of them in parallel"))
    return choices


def parse_shape(text: str) -> tuple[int, ...]:
    """Parse dimensions written as ``1,3,224,224``, ``1x3x224x224`` or with spaces.

    Raises ValueError naming the text when a dimension is not a positive integer.
    """
    pieces = [piece for piece in text.replace("x", " ").replace("×", " ").replace(",", " ").split() if piece]
    if not pieces:
        raise ValueError(f"empty shape {text!r}: write dimensions such as 1,3,224,224")
    dims = []
    for piece in pieces:
        if not piece.isdigit() or int(piece) < 1:
            raise ValueError(f"invalid dimension {piece!r} in shape {text!r}: use positive integers such as 1,3,224,224")
        dims.append(int(piece))
    return tuple(dims)
