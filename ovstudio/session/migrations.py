"""Upgrade session tables written with an older schema version to the current one.

Each step takes the one-row Arrow table of version N and returns it in version N + 1, and
reading chains the steps up to ``SCHEMA_VERSION``. Reading never rewrites a file. An upgraded
session is written in the current version only when it is saved again or imported.

Version 1 is the first version, so no step is registered yet. When the schema changes, bump
``SCHEMA_VERSION`` and register the step from the previous version here, for example::

    @register_migration(1)
    def _add_example_column(table: pa.Table) -> pa.Table:
        return table.append_column("example", pa.nulls(table.num_rows, pa.string()))
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pyarrow as pa

from ovstudio.errors import SessionError
from ovstudio.session import schema

logger = logging.getLogger(__name__)

MigrationStep = Callable[[pa.Table], pa.Table]

# Version a step upgrades from -> the step, which returns the table in version + 1.
MIGRATIONS: dict[int, MigrationStep] = {}


def register_migration(from_version: int) -> Callable[[MigrationStep], MigrationStep]:
    """Register a step that upgrades a session table from ``from_version`` to the next version."""

    def register(step: MigrationStep) -> MigrationStep:
        if from_version in MIGRATIONS:
            raise ValueError(f"a migration from schema version {from_version} is already registered")
        MIGRATIONS[from_version] = step
        return step

    return register


def migrate(table: pa.Table, version: int, source: str) -> pa.Table:
    """Upgrade a session table of schema ``version`` to ``SCHEMA_VERSION``, step by step.

    Sets the schema_version column to each new version. Raises SessionError naming ``source``
    when a step is missing or fails.
    """
    while version < schema.SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise SessionError(
                f"{source} has schema version {version}, which this ovstudio cannot upgrade "
                f"(it reads versions with an upgrade step up to {schema.SCHEMA_VERSION}); "
                "open it with the ovstudio version that wrote it and export it again"
            )
        try:
            table = step(table)
        except (pa.ArrowException, KeyError, ValueError, TypeError) as error:
            raise SessionError(
                f"upgrading {source} from schema version {version} failed: {error}; "
                "the file may be damaged"
            ) from error
        version += 1
        table = _set_schema_version(table, version)
        logger.info("upgraded %s to schema version %d", source, version)
    return table


def _set_schema_version(table: pa.Table, version: int) -> pa.Table:
    values = pa.array([version] * table.num_rows, type=pa.int32())
    index = table.schema.get_field_index("schema_version")
    if index < 0:
        return table.append_column(pa.field("schema_version", pa.int32(), nullable=False), values)
    return table.set_column(index, pa.field("schema_version", pa.int32(), nullable=False), values)
