"""Convert one session table between a pandas DataFrame and an Arrow struct array.

Reading always gives the same pandas dtypes for a column, whatever its values, so frames that
went through a file compare equal with ``pandas.testing.assert_frame_equal``:

- integers: numpy ``int32``/``int64``, or pandas ``Int32``/``Int64`` when the column is nullable;
- floats: ``float64`` with NaN for null;
- strings: pandas' default string dtype (``str`` in pandas 3), with NaN for null;
- lists: Python lists; maps: Python dicts (``object`` columns).
"""

from __future__ import annotations

import logging

import pandas as pd
import pyarrow as pa

from ovstudio.errors import SessionError
from ovstudio.session.schema import Column, Table

logger = logging.getLogger(__name__)

NULLABLE_INTEGER_DTYPES = {pa.int32(): "Int32", pa.int64(): "Int64"}


def empty_table(table: Table) -> pd.DataFrame:
    """Return a DataFrame with no rows and the table's columns and dtypes."""
    return table_from_arrow(table, pa.array([], type=table.struct_type()))


def normalize_table(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with the table's columns, in schema order, and the dtypes reading gives."""
    return table_from_arrow(table, table_to_arrow(table, frame))


def table_to_arrow(table: Table, frame: pd.DataFrame) -> pa.StructArray:
    """Convert a DataFrame to a struct array typed as the table's columns.

    A missing nullable column is filled with nulls. A missing non-nullable column, a null in a
    non-nullable column or a value of the wrong type raises SessionError. Extra columns are
    dropped with a warning.
    """
    frame = _conform_columns(table, frame)
    try:
        arrow_table = pa.Table.from_pandas(frame, schema=table.arrow_schema(), preserve_index=False, safe=True)
    except (pa.ArrowException, ValueError, TypeError) as error:
        raise SessionError(
            f"table {table.name!r} cannot be stored: {error}; "
            f"check the column types against ovstudio.session.schema.{table.name.upper()}"
        ) from error
    return arrow_table.to_struct_array().combine_chunks()


def table_from_arrow(table: Table, structs: pa.Array) -> pd.DataFrame:
    """Convert a struct array of the table's type to a DataFrame with the documented dtypes."""
    arrow_table = pa.Table.from_struct_array(structs)
    frame = arrow_table.to_pandas(maps_as_pydicts="lossy")
    for column in table.columns:
        frame[column.name] = _column_to_pandas(column, frame[column.name], arrow_table.column(column.name))
    return frame[table.column_names]


def _conform_columns(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    extra = [name for name in frame.columns if name not in table.column_names]
    if extra:
        logger.warning("dropping columns %s of table %r: the session schema does not declare them", extra, table.name)

    missing = [column for column in table.columns if column.name not in frame.columns]
    required = [column.name for column in missing if not column.nullable]
    if required:
        raise SessionError(
            f"table {table.name!r} is missing the required columns {required}; "
            f"add them as declared in ovstudio.session.schema.{table.name.upper()}"
        )

    conformed = frame.reindex(columns=table.column_names)
    for column in missing:
        conformed[column.name] = None
    return conformed


def _column_to_pandas(column: Column, values: pd.Series, arrow_values: pa.ChunkedArray) -> pd.Series:
    if column.nullable and column.type in NULLABLE_INTEGER_DTYPES:
        return values.astype(NULLABLE_INTEGER_DTYPES[column.type])
    if pa.types.is_list(column.type):
        # to_pandas gives numpy arrays for list values; the session's contract is Python lists.
        return pd.Series(arrow_values.to_pylist(), index=values.index, dtype=object)
    return values
