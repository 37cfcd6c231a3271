"""Fold a tall layered layout into side-by-side bands, so a fit-all view is not a hairline.

Deep networks are mostly chains: a layered layout of DenseNet-121 is about 300 levels tall and
a few nodes wide, so vis-network's fit-all view shrinks it to a line. Cutting the levels into
bands placed left to right, like columns of text, gives a picture close to the canvas's aspect
ratio. Edges between bands run from the bottom of one band to the top of the next.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ovstudio.graph.layout import NodePosition, Spacing

# Width / height of the picture the bands aim at: a graph pane of the studio page is a little
# taller than it is wide.
TARGET_ASPECT = 0.8
# Free space between two bands, in columns of the layout.
BAND_GAP_COLUMNS = 2
# A layout this shallow is never folded: it already reads as one column.
MIN_LEVELS_PER_BAND = 12


def fold_into_bands(
    positions: Mapping[str, NodePosition], spacing: Spacing, aspect: float = TARGET_ASPECT
) -> dict[str, NodePosition]:
    """Return positions with the levels split into bands side by side; levels stay unchanged.

    The band count is the one whose picture comes closest to ``aspect``. Each band keeps the x
    positions its nodes had, shifted so the bands do not overlap.
    """
    if not positions:
        return dict(positions)
    level_count = max(position.level for position in positions.values()) + 1
    min_x = min(position.x for position in positions.values())
    width = max(position.x for position in positions.values()) - min_x + spacing.column_px
    band_count = _band_count(level_count, width, spacing, aspect)
    if band_count == 1:
        return dict(positions)

    levels_per_band = math.ceil(level_count / band_count)
    band_width = width + BAND_GAP_COLUMNS * spacing.column_px
    folded = {}
    for node_id, position in positions.items():
        band, row = divmod(position.level, levels_per_band)
        folded[node_id] = NodePosition(
            level=position.level,
            x=position.x - min_x + band * band_width,
            y=row * spacing.row_px,
        )
    return folded


def _band_count(level_count: int, width: int, spacing: Spacing, aspect: float) -> int:
    height = level_count * spacing.row_px
    # With k bands the picture is about k * width wide and height / k tall.
    ideal = math.sqrt(aspect * height / max(width, 1))
    max_bands = max(1, level_count // MIN_LEVELS_PER_BAND)
    return max(1, min(max_bands, round(ideal)))
