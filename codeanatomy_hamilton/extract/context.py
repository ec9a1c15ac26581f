"""What every per-file pass receives: the parsed tree, the source and the builder."""

from __future__ import annotations

import ast
import symtable
from dataclasses import dataclass, field
from typing import Any

from codeanatomy_hamilton.extract.builder import FileBuilder

# ``FileContext.shared`` key: SourceErrors a pass reports without failing (e.g. a body
# over a budget); ``extract_file`` adds them to the file's ``extract_errors`` rows
SHARED_ERRORS = "errors"


@dataclass
class FileContext:
    path: str
    module: str
    text: str
    tree: ast.Module
    builder: FileBuilder
    _symtable: symtable.SymbolTable | None = field(default=None, repr=False)
    # free-form cache for passes that share intermediate results (e.g. scope model)
    shared: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def symtable(self) -> symtable.SymbolTable:
        """CPython's symbol table of the module, computed once per file."""
        if self._symtable is None:
            self._symtable = symtable.symtable(self.text, self.path, "exec")
        return self._symtable
