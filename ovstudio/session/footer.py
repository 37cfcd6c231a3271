"""The session summary kept in the Parquet footer, so that listing sessions reads footers only."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

import ovstudio
from ovstudio.errors import SessionError
from ovstudio.session import schema

# Scalar session columns copied into the summary, in this order.
SUMMARY_COLUMNS = (
    "session_id",
    "schema_version",
    "created_utc",
    "model_name",
    "model_format",
    "model_hash",
    "device",
    "execution_devices",
    "inference_precision",
    "latency_median_ms",
    "throughput_fps",
    "iterations",
)
# Summary key -> the table whose rows it counts.
COUNTED_TABLES = {"ir_layer_count": "ir_layers", "runtime_layer_count": "runtime_layers"}
SUMMARY_KEYS = (*SUMMARY_COLUMNS, *COUNTED_TABLES, "ovstudio_version")


def build_summary(row: pa.Table) -> dict[str, Any]:
    """Collect the summary of a session from its one-row Arrow table.

    ``created_utc`` becomes an ISO 8601 string, nulls become None, and ir_layer_count and
    runtime_layer_count are the row counts of those tables (IR layers of bodies included).
    """
    summary: dict[str, Any] = {}
    for name in SUMMARY_COLUMNS:
        value = row.column(name)[0].as_py()
        if isinstance(value, datetime.datetime):
            value = value.astimezone(datetime.timezone.utc).isoformat()
        summary[name] = value
    for key, table_name in COUNTED_TABLES.items():
        summary[key] = pc.list_value_length(row.column(table_name))[0].as_py() or 0
    summary["ovstudio_version"] = ovstudio.__version__
    return summary


def encode_summary(summary: dict[str, Any]) -> dict[bytes, bytes]:
    """Return the footer key-value metadata entry for a summary."""
    return {schema.SUMMARY_METADATA_KEY: json.dumps(summary, allow_nan=False).encode("utf-8")}


def decode_summary(metadata: dict[bytes, bytes] | None, source: str) -> dict[str, Any]:
    """Parse the summary from a Parquet footer's key-value metadata.

    Raises SessionError naming ``source`` when the footer has no valid ovstudio summary, which
    means the file was written by another program.
    """
    raw = (metadata or {}).get(schema.SUMMARY_METADATA_KEY)
    if raw is None:
        raise SessionError(
            f"{source} is a Parquet file but not an ovstudio session: its footer has no "
            f"{schema.SUMMARY_METADATA_KEY.decode()} metadata; open a session file saved by ovstudio"
        )
    try:
        summary = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SessionError(
            f"{source} has an invalid {schema.SUMMARY_METADATA_KEY.decode()} footer entry ({error}); "
            "the file is damaged, so save or export the session again"
        ) from error
    if not isinstance(summary, dict) or not isinstance(summary.get("schema_version"), int):
        raise SessionError(
            f"{source} has no integer schema_version in its {schema.SUMMARY_METADATA_KEY.decode()} footer "
            "entry; the file is damaged, so save or export the session again"
        )
    return summary


def check_schema_version(version: int, source: str) -> None:
    """Raise SessionError when a file's schema version is newer than this ovstudio reads."""
    if version > schema.SCHEMA_VERSION:
        raise SessionError(
            f"{source} was written by a newer ovstudio, schema version {version}; this version reads "
            f"up to {schema.SCHEMA_VERSION}: upgrade ovstudio"
        )
