"""Search the layers of one graph by name, type or tensor dimensions.

Name and type queries match a case-insensitive substring, or a regular expression with
``regex=True`` (``re.search``, case-insensitive unless the pattern turns it off with an inline
``(?-i:...)`` group). A dims query matches a layer when one of its input or output shapes
contains the given dimensions consecutively, or equals them with ``exact_dims=True``. Input
shapes come from the edges into the layer, output shapes from its ``output_shapes``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ovstudio.errors import InvalidSettingError
from ovstudio.layer_lookup import TYPE_COLUMNS, Side, check_side, edges_of_side, layers_of_side
from ovstudio.session.store import Session
from ovstudio.shapes import contains_dims, parse_dims_query, parse_shape

SearchField = Literal["name", "type", "dims"]
SEARCH_FIELDS: tuple[SearchField, ...] = get_args(SearchField)


@dataclasses.dataclass(frozen=True)
class SearchHit:
    """A layer that matches a query, with a one-line description of the match."""

    layer_id: str
    name: str
    layer_type: str
    description: str


@dataclasses.dataclass(frozen=True)
class _Port:
    direction: Literal["input", "output"]
    port: int
    shape: str


def search_layers(
    layers: pd.DataFrame,
    query: str,
    by: SearchField,
    side: Side,
    *,
    edges: pd.DataFrame | None = None,
    regex: bool = False,
    exact_dims: bool = False,
) -> tuple[SearchHit, ...]:
    """Return the layers of ``layers`` that match ``query``, in table order.

    Table order is the order of ``get_ordered_ops()``, a topological order of the graph. A
    blank query matches nothing. ``edges`` (ir_edges or runtime_edges) supplies input shapes for
    dims queries; without it only output shapes are searched. Raises InvalidSettingError for an
    invalid regular expression, dims query, field or side.
    """
    side = check_side(side)
    if by not in SEARCH_FIELDS:
        raise InvalidSettingError(
            f"search field {by!r} is invalid: expected one of {', '.join(SEARCH_FIELDS)}"
        )
    if not query.strip():
        return ()

    types = layers[TYPE_COLUMNS[side]]
    if by == "dims":
        return _search_dims(layers, types, query, edges, exact_dims)

    matches = _text_matcher(query, regex)
    searched = layers["name"] if by == "name" else types
    hits = []
    for layer_id, name, layer_type, value in zip(layers["layer_id"], layers["name"], types, searched):
        if matches(str(value)):
            hits.append(SearchHit(layer_id, name, layer_type, f"{layer_type} {name}"))
    return tuple(hits)


def search_session(
    session: Session,
    side: Side,
    query: str,
    by: SearchField,
    *,
    regex: bool = False,
    exact_dims: bool = False,
) -> tuple[SearchHit, ...]:
    """Search one graph of a session, with its own edges for input shapes; see search_layers."""
    return search_layers(layers_of_side(session, side), query, by, side, edges=edges_of_side(session, side),
                         regex=regex, exact_dims=exact_dims)


def _text_matcher(query: str, regex: bool) -> Callable[[str], bool]:
    if not regex:
        needle = query.casefold()
        return lambda text: needle in text.casefold()

    try:
        pattern = re.compile(query, re.IGNORECASE)
    except re.error as error:
        raise InvalidSettingError(
            f"search pattern {query!r} is not a valid regular expression: {error.msg} at position "
            f"{error.pos}; escape special characters such as ( [ + * ? with a backslash, or turn regex off"
        ) from None
    return lambda text: pattern.search(text) is not None


def _search_dims(
    layers: pd.DataFrame, types: pd.Series, query: str, edges: pd.DataFrame | None, exact: bool
) -> tuple[SearchHit, ...]:
    dims = parse_dims_query(query)
    inputs = _input_ports(edges)

    hits = []
    for layer_id, name, layer_type, output_shapes in zip(layers["layer_id"], layers["name"], types,
                                                         layers["output_shapes"]):
        ports = [*inputs.get(layer_id, ()), *_output_ports(output_shapes)]
        matched = [port for port in ports if _shape_matches(port.shape, dims, exact)]
        if matched:
            where = ", ".join(f"{port.direction} {port.port} {port.shape}" for port in matched)
            hits.append(SearchHit(layer_id, name, layer_type, f"{layer_type} {name}: {where}"))
    return tuple(hits)


def _shape_matches(text: str, dims: tuple[int, ...], exact: bool) -> bool:
    shape = parse_shape(text)
    if shape is None:
        return False
    return shape == dims if exact else contains_dims(shape, dims)


def _input_ports(edges: pd.DataFrame | None) -> dict[str, list[_Port]]:
    ports: dict[str, list[_Port]] = {}
    if edges is None or edges.empty:
        return ports
    ordered = edges.sort_values("target_port", kind="stable")
    for target_id, port, shape in zip(ordered["target_id"], ordered["target_port"], ordered["shape"]):
        ports.setdefault(target_id, []).append(_Port("input", int(port), str(shape)))
    return ports


def _output_ports(output_shapes: Any) -> Iterable[_Port]:
    if not isinstance(output_shapes, (list, tuple, np.ndarray)):
        return []
    return [_Port("output", port, str(shape)) for port, shape in enumerate(output_shapes)]
