"""A session in memory, and its one-row Arrow table."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import math
from typing import Any

import pandas as pd
import pyarrow as pa

from ovstudio.errors import SessionError
from ovstudio.session import schema
from ovstudio.session.frames import empty_table, table_from_arrow, table_to_arrow
from ovstudio.session.schema import SESSION_COLUMNS, TABLES, Column, session_arrow_schema

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class Session:
    """One profiling run: its scalar columns and its tables.

    ``info`` maps the names of ``SESSION_COLUMNS`` to Python values: str, int, float, None,
    lists of str, dicts of str for map columns, and a timezone-aware datetime for created_utc.
    ``tables`` maps each table name of ``TABLES`` to a DataFrame with the declared columns.
    """

    info: dict[str, Any]
    tables: dict[str, pd.DataFrame]

    @property
    def session_id(self) -> str:
        return str(self.info["session_id"])

    @property
    def schema_version(self) -> int:
        return int(self.info["schema_version"])

    @property
    def created_utc(self) -> datetime.datetime:
        return _utc_datetime(self.info["created_utc"], "created_utc")

    @property
    def model_name(self) -> str:
        return str(self.info["model_name"])

    @property
    def device(self) -> str:
        return str(self.info["device"])

    def table(self, name: str) -> pd.DataFrame:
        """Return a table by name; an empty one with the declared columns when it is missing."""
        if name in self.tables:
            return self.tables[name]
        return empty_table(schema.TABLES_BY_NAME[name])


def session_to_arrow(session: Session) -> pa.Table:
    """Convert a session to its one-row Arrow table, typed as ``session_arrow_schema()``.

    schema_version is always the current ``SCHEMA_VERSION``. A missing or NaN nullable scalar
    becomes null, a missing list or map scalar becomes empty and a missing table an empty list.
    Raises SessionError for a missing required value or a value of the wrong type.
    """
    unknown_info = sorted(set(session.info) - {column.name for column in SESSION_COLUMNS})
    if unknown_info:
        logger.warning("dropping session values %s: the session schema does not declare them", unknown_info)
    unknown_tables = sorted(set(session.tables) - set(schema.TABLES_BY_NAME))
    if unknown_tables:
        logger.warning("dropping tables %s: the session schema does not declare them", unknown_tables)

    arrays = [_scalar_to_arrow(column, session.info) for column in SESSION_COLUMNS]
    for table in TABLES:
        frame = session.tables.get(table.name)
        if frame is None:
            structs = pa.array([], type=table.struct_type())
        else:
            structs = table_to_arrow(table, frame)
        arrays.append(pa.ListArray.from_arrays(pa.array([0, len(structs)], pa.int32()), structs))
    return pa.Table.from_arrays(arrays, schema=session_arrow_schema())


def session_from_arrow(row: pa.Table, source: str = "the session table") -> Session:
    """Convert a one-row session table of the current schema back to a Session.

    Raises SessionError naming ``source`` when the table has missing columns, a column of
    another type, another schema version or not exactly one row.
    """
    row = _conform_row(row, source)
    info = {column.name: _scalar_from_arrow(column, row.column(column.name)[0]) for column in SESSION_COLUMNS}
    tables = {
        table.name: table_from_arrow(table, row.column(table.name).combine_chunks().flatten())
        for table in TABLES
    }
    return Session(info=info, tables=tables)


def _scalar_to_arrow(column: Column, info: dict[str, Any]) -> pa.Array:
    value = schema.SCHEMA_VERSION if column.name == "schema_version" else info.get(column.name)
    if _is_missing(value):
        if column.nullable:
            return pa.nulls(1, column.type)
        if pa.types.is_list(column.type) or pa.types.is_map(column.type):
            value = []
        else:
            raise SessionError(
                f"required session value {column.name!r} is missing: set it before saving the session"
            )
    if pa.types.is_timestamp(column.type):
        value = _utc_datetime(value, column.name)
    try:
        return pa.array([value], type=column.type, from_pandas=True)
    except (pa.ArrowException, ValueError, TypeError) as error:
        raise SessionError(
            f"session value {column.name!r} = {value!r} cannot be stored as {column.type}: {error}; "
            "check it against ovstudio.session.schema.SESSION_COLUMNS"
        ) from error


def _scalar_from_arrow(column: Column, scalar: pa.Scalar) -> Any:
    value = scalar.as_py()
    if value is None:
        return None
    if pa.types.is_map(column.type):
        return dict(value)
    if pa.types.is_timestamp(column.type):
        return value.astimezone(datetime.timezone.utc)
    return value


def _conform_row(row: pa.Table, source: str) -> pa.Table:
    expected = session_arrow_schema()
    missing = [name for name in expected.names if name not in row.column_names]
    if missing:
        raise SessionError(
            f"{source} is not an ovstudio session of schema version {schema.SCHEMA_VERSION}: "
            f"the columns {missing} are missing; open a session file saved by ovstudio"
        )
    if row.num_rows != 1:
        raise SessionError(f"{source} has {row.num_rows} rows, expected 1: a session file has exactly one row")

    try:
        row = row.select(expected.names).cast(expected)
    except (pa.ArrowException, ValueError, TypeError) as error:
        raise SessionError(
            f"{source} has columns of unexpected types ({error}); open a session file saved by ovstudio"
        ) from error

    version = row.column("schema_version")[0].as_py()
    if version != schema.SCHEMA_VERSION:
        raise SessionError(
            f"{source} has schema version {version} in its schema_version column, expected "
            f"{schema.SCHEMA_VERSION}; the file is damaged, so save or export the session again"
        )
    return row


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _utc_datetime(value: Any, name: str) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise SessionError(f"session value {name!r} = {value!r} is not a datetime; use a timezone-aware datetime")
    if value.tzinfo is None:
        raise SessionError(f"session value {name!r} = {value.isoformat()} has no timezone; use a timezone-aware datetime")
    return value.astimezone(datetime.timezone.utc)
