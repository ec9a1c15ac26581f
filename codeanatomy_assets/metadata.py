"""Engine diagnostics turned into Dagster asset metadata."""

from __future__ import annotations

import os
from typing import Any

import dagster as dg
import pyarrow as pa

from codeanatomy_hamilton.build import BuildResult
from codeanatomy_hamilton.schema import ALL_TABLES

_TYPE_NAMES = {pa.int64(): "int64", pa.int32(): "int32", pa.string(): "string"}


def column_schema(schema: pa.Schema) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(f.name, _TYPE_NAMES.get(f.type, str(f.type))) for f in schema]
    )


def table_metadata(table: str, result: BuildResult, warehouse: str) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "dagster/column_schema": column_schema(ALL_TABLES[table]),
        "dagster/uri": dg.MetadataValue.path(os.path.join(warehouse, table)),
        "codeanatomy/repo": result.repo_id,
        "codeanatomy/commit": result.commit or "",
        "codeanatomy/base_commit": result.base_commit or "",
        "codeanatomy/mode": result.mode,
        "codeanatomy/run_id": result.run_id,
        "codeanatomy/files": result.file_count,
        "codeanatomy/lines": result.line_count,
        "codeanatomy/extract_errors": result.error_count,
        "codeanatomy/build_seconds": round(result.seconds, 3),
    }
    write = result.writes.get(table)
    if write is not None:
        meta["dagster/row_count"] = write.rows
        meta["codeanatomy/delta_version"] = write.version
    elif table == "run_manifest" and result.manifest_version is not None:
        meta["dagster/row_count"] = 1
        meta["codeanatomy/delta_version"] = result.manifest_version
    return meta
