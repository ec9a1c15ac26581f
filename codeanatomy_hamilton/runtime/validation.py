"""Schema checks on the contract tables, as Hamilton data-quality validators.

``@check_output_custom(ContractSchema(table))`` on an emit node adds a node
``<table>_contract_schema`` that compares the output's schema with the contract's
(``core.schema.CPG_TABLES``) and fails the build when they differ. Only the schema: the
big tables are lazy streams (``emit.streams.TableStream``), and reading their rows here
would read every fragment twice.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from hamilton.data_quality.base import DataValidator, ValidationResult

from codeanatomy_hamilton.core.schema import CPG_TABLES


class ContractSchema(DataValidator):
    """The output's ``schema`` (a ``pyarrow.Table``'s or a ``TableStream``'s) equals
    contract table ``table``'s, field names, types and order."""

    def __init__(self, table: str) -> None:
        super().__init__(importance="fail")
        self.table = table
        self.schema: pa.Schema = CPG_TABLES[table]

    def applies_to(self, datatype: type[type]) -> bool:
        return True  # anything with a ``schema``; checked in ``validate``

    def description(self) -> str:
        return f"the schema of contract table {self.table}"

    @classmethod
    def name(cls) -> str:
        return "contract_schema"

    def validate(self, dataset: Any) -> ValidationResult:
        schema = getattr(dataset, "schema", None)
        if not isinstance(schema, pa.Schema):
            return ValidationResult(
                passes=False,
                message=f"{self.table}: a {type(dataset).__name__} has no Arrow schema",
            )
        if schema.equals(self.schema):
            return ValidationResult(passes=True, message=f"{self.table}: contract schema")
        got = {f.name: str(f.type) for f in schema}
        want = {f.name: str(f.type) for f in self.schema}
        diff = sorted(
            f"{k}: {got.get(k, 'missing')} (contract: {want.get(k, 'none')})"
            for k in got.keys() | want.keys()
            if got.get(k) != want.get(k)
        )
        return ValidationResult(
            passes=False,
            message=f"{self.table} does not have the contract schema: "
            + ("; ".join(diff) or "field order differs"),
            diagnostics={"differences": diff},
        )
