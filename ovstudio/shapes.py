"""Shapes as ovstudio stores them, and the dimension queries of the layer search.

Sessions store a partial shape as OpenVINO prints it: ``[1,3,224,224]``, ``?`` for a dynamic
dimension, ``2..10`` or ``1..`` for a bounded one, ``[]`` for a scalar and ``[...]`` for a
dynamic rank. A query is a list of whole numbers such as ``1x3x224x224``.
"""

from __future__ import annotations

import re

from ovstudio.errors import InvalidSettingError

# Separators a dims query may use between numbers: x, comma, multiplication sign or whitespace.
_QUERY_SEPARATORS = re.compile(r"[xX×,\s]+")
_BRACKETS = "[]()"

# A dimension's size, or None when it is dynamic (?), bounded (2..10) or -1.
Dimension = int | None


def parse_shape(text: str) -> tuple[Dimension, ...] | None:
    """Parse a stored shape into its dimensions, None for each one that is not a number.

    Returns None for a dynamic rank (``[...]``) or text that is not a shape.
    """
    inner = text.strip()
    if not (inner.startswith("[") and inner.endswith("]")):
        return None
    inner = inner[1:-1].strip()
    if inner == "":
        return ()
    if inner == "...":
        return None
    return tuple(_dimension(token.strip()) for token in inner.split(","))


def parse_dims_query(query: str) -> tuple[int, ...]:
    """Parse a dims query such as ``1x3x224x224``, ``224,224`` or ``[1, 3, 224, 224]``.

    Numbers may be separated by ``x``, ``,``, ``×`` or whitespace, and surrounding brackets are
    ignored. Raises InvalidSettingError naming the query when a part is not a whole number.
    """
    text = query.strip().strip(_BRACKETS).strip()
    tokens = [token for token in _QUERY_SEPARATORS.split(text) if token]
    if not tokens:
        raise InvalidSettingError(
            f"dims query {query!r} is invalid: it contains no dimension; give numbers such as 1x3x224x224"
        )

    invalid = [token for token in tokens if not token.isdecimal()]
    if invalid:
        raise InvalidSettingError(
            f"dims query {query!r} is invalid: {invalid[0]!r} is not a whole number; give numbers separated "
            "by x, comma, × or spaces, such as 1x3x224x224 or 224,224"
        )
    return tuple(int(token) for token in tokens)


def contains_dims(shape: tuple[Dimension, ...], dims: tuple[int, ...]) -> bool:
    """Return whether ``dims`` occur in ``shape`` as consecutive dimensions.

    A dimension that is not a number (None) never matches.
    """
    width = len(dims)
    return any(shape[start:start + width] == dims for start in range(len(shape) - width + 1))


def _dimension(token: str) -> Dimension:
    return int(token) if token.isdecimal() else None
