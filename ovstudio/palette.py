"""Colors of the graph views: fixed categorical colors, hashed fallbacks and a time ramp.

Every color is a lowercase ``#rrggbb`` string. The categorical colors come from the Okabe-Ito
palette, designed for readers with color blindness, extended with colors of Tableau 10 for more
categories. Values
without a fixed color get one derived from a sha256 of their text, so a value keeps its color in
both graphs, across sessions and across Python processes (``hash()`` is salted per process).
"""

from __future__ import annotations

import colorsys
import hashlib

# Okabe-Ito, without its black.
ORANGE = "#e69f00"
SKY_BLUE = "#56b4e9"
BLUISH_GREEN = "#009e73"
YELLOW = "#f0e442"
BLUE = "#0072b2"
VERMILLION = "#d55e00"
REDDISH_PURPLE = "#cc79a7"
# Tableau 10 colors that differ enough from the ones above.
TEAL = "#76b7b2"
GREEN = "#59a14f"
PURPLE = "#b07aa1"
PINK = "#ff9da7"
BROWN = "#9c755f"
RED = "#e15759"
WARM_GREY = "#bab0ac"

# Layers with nothing to show in the current mode, such as a layer that did not execute.
NO_DATA_GREY = "#cccccc"

# Sequential ramp for execution time, light (fast) to dark (slow): ColorBrewer YlOrRd, 5 classes.
TIME_RAMP: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")

# Saturation and lightness of hashed colors: mid-tone, so that black labels stay readable.
_HASHED_SATURATION = 0.55
_HASHED_LIGHTNESS = 0.6


def hashed_color(text: str) -> str:
    """Return a color derived from ``text`` alone: the same text always gets the same color."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    hue = int.from_bytes(digest[:4], "big") / 2**32
    red, green, blue = colorsys.hls_to_rgb(hue, _HASHED_LIGHTNESS, _HASHED_SATURATION)
    return _hex((red, green, blue))


def ramp_color(fraction: float, ramp: tuple[str, ...] = TIME_RAMP) -> str:
    """Return the color at ``fraction`` (0 to 1, clamped) of a ramp, blending adjacent stops."""
    fraction = min(max(fraction, 0.0), 1.0)
    position = fraction * (len(ramp) - 1)
    lower = min(int(position), len(ramp) - 2)
    weight = position - lower

    start = _rgb(ramp[lower])
    end = _rgb(ramp[lower + 1])
    blended = tuple(a + (b - a) * weight for a, b in zip(start, end))
    return _hex(blended)


def _rgb(color: str) -> tuple[float, float, float]:
    value = int(color.lstrip("#"), 16)
    return ((value >> 16) / 255.0, ((value >> 8) & 0xFF) / 255.0, (value & 0xFF) / 255.0)


def _hex(rgb: tuple[float, ...]) -> str:
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in rgb)
