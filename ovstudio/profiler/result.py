"""The result that the worker process sends back to the parent."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Only for annotations: the parent process imports this module before it needs pandas.
    import pandas as pd


@dataclasses.dataclass
class ProfileResult:
    """Scalar session columns the worker measured or read, and the tables it collected.

    ``tables`` contains DataFrames named and shaped as in ``ovstudio.session.schema``: inputs,
    ir_layers, ir_edges, runtime_layers, runtime_edges and counters. A table the device could not
    give is empty, and ``info`` says why (counters_error, runtime_model_error).
    """

    info: dict[str, Any]
    tables: dict[str, "pd.DataFrame"]
