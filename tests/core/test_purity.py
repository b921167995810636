"""The functional core imports nothing from the shell, nor any I/O library."""

from __future__ import annotations

import ast
from pathlib import Path

import trdnav.core

CORE = Path(trdnav.core.__file__).parent
# typing_extensions: the standard typing module backported (pydantic reads its TypedDict before 3.12)
ALLOWED_STDLIB = {
    "__future__",
    "collections",
    "dataclasses",
    "decimal",
    "difflib",
    "typing",
    "typing_extensions",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
    return names


def test_core_imports_only_itself_and_pure_standard_modules() -> None:
    offenders = {}
    for path in sorted(CORE.glob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            inside_core = name == "trdnav.core" or name.startswith("trdnav.core.")
            if not inside_core and top not in ALLOWED_STDLIB:
                offenders.setdefault(path.name, []).append(name)
    assert offenders == {}


def test_the_purity_check_would_catch_an_io_import(tmp_path: Path) -> None:
    sample = tmp_path / "leaky.py"
    sample.write_text("import os\nfrom trdnav.knowledge import loader\n", encoding="utf-8")
    assert _imports(sample) == {"os", "trdnav.knowledge"}
