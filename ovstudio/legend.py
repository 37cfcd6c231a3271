"""Legends of the coloring modes: categorical entries, and the continuous execution time scale."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

from ovstudio import palette

# Floor of the log scale, µs: smaller times, 0 included, get the floor's color because
# log10(0) is undefined.
LOG_FLOOR_US = 1.0
# Labelled points of the time scale, min and max included.
STOP_COUNT = 5
NOT_EXECUTED_LABEL = "not executed"


@dataclasses.dataclass(frozen=True)
class LegendEntry:
    """One value of a categorical mode: its label as shown, its color and how many layers have it."""

    label: str
    color: str
    count: int


@dataclasses.dataclass(frozen=True)
class ScaleStop:
    """A labelled point of the time scale."""

    time_us: float
    color: str
    label: str


@dataclasses.dataclass(frozen=True)
class TimeScale:
    """A continuous color scale of execution time, in µs.

    ``min_us`` and ``max_us`` are the smallest and largest time colored, None when no layer has
    a time. On a log scale, times below ``LOG_FLOOR_US`` get the color of the floor, so the first
    stop can lie above ``min_us``. ``not_executed`` is the grey of layers without a time, with
    their count.
    """

    min_us: float | None
    max_us: float | None
    log_scale: bool
    stops: tuple[ScaleStop, ...]
    not_executed: LegendEntry

    def color_of(self, time_us: float | None) -> str:
        """Return the color of a time in µs; None or NaN gives the not-executed grey."""
        if time_us is None or math.isnan(time_us) or self.min_us is None or self.max_us is None:
            return self.not_executed.color
        low = _position(self.min_us, self.log_scale)
        high = _position(self.max_us, self.log_scale)
        if high == low:
            return palette.ramp_color(1.0)
        return palette.ramp_color((_position(time_us, self.log_scale) - low) / (high - low))


def build_time_scale(
    times_us: pd.Series, log_scale: bool, missing_label: str = NOT_EXECUTED_LABEL
) -> TimeScale:
    """Build the scale of a series of times in µs, where NaN means the layer has no time.

    ``missing_label`` is the legend label of the grey given to layers without a time.
    """
    present = times_us.dropna()
    not_executed = LegendEntry(missing_label, palette.NO_DATA_GREY, int(times_us.isna().sum()))
    if present.empty:
        return TimeScale(None, None, log_scale, (), not_executed)

    min_us = float(present.min())
    max_us = float(present.max())
    scale = TimeScale(min_us, max_us, log_scale, (), not_executed)
    return dataclasses.replace(scale, stops=_stops(scale))


def format_time_us(time_us: float) -> str:
    """Format a time given in µs with 3 significant digits, in ms from 1000 µs up."""
    if abs(time_us) >= 1000.0:
        return f"{time_us / 1000.0:.3g} ms"
    return f"{time_us:.3g} µs"


def _stops(scale: TimeScale) -> tuple[ScaleStop, ...]:
    assert scale.min_us is not None and scale.max_us is not None
    low = _position(scale.min_us, scale.log_scale)
    high = _position(scale.max_us, scale.log_scale)
    if high == low:
        return (ScaleStop(scale.max_us, palette.ramp_color(1.0), format_time_us(scale.max_us)),)

    stops = []
    for index in range(STOP_COUNT):
        fraction = index / (STOP_COUNT - 1)
        time_us = _time_at(low + fraction * (high - low), scale.log_scale)
        stops.append(ScaleStop(time_us, palette.ramp_color(fraction), format_time_us(time_us)))
    # The last stop is max_us exactly, without the rounding error of 10 ** log10(max_us).
    stops[-1] = ScaleStop(scale.max_us, stops[-1].color, format_time_us(scale.max_us))
    return tuple(stops)


def _position(time_us: float, log_scale: bool) -> float:
    if log_scale:
        return math.log10(max(time_us, LOG_FLOOR_US))
    return time_us


def _time_at(position: float, log_scale: bool) -> float:
    return 10.0**position if log_scale else position
