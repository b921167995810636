"""The import-linter contracts in pyproject.toml (run by `make lint`) keep looking at every module."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
WEB = ROOT / "src" / "trdnav" / "web"
AUDIENCES = {"trdnav.web.patient", "trdnav.web.staff", "trdnav.web.api", "trdnav.web.cds"}
ASSEMBLY = {"trdnav.web.app", "trdnav.web.serve"}  # they put the audiences together; nothing else may


def _contracts() -> dict[str, dict[str, list[str]]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {contract["name"]: contract for contract in config["tool"]["importlinter"]["contracts"]}


def _web_parts() -> set[str]:
    """The modules and packages directly under trdnav.web."""
    parts = {f"trdnav.web.{path.stem}" for path in WEB.glob("*.py") if path.stem != "__init__"}
    parts |= {f"trdnav.web.{path.parent.name}" for path in WEB.glob("*/__init__.py")}
    return parts


def test_every_shared_web_module_is_kept_from_importing_an_audience() -> None:
    """A new module beside the audiences is shared by them, so the contract must name it: otherwise
    it could import staff pages into patient pages unseen."""
    shared = next(c for name, c in _contracts().items() if name.startswith("what the audiences share"))
    assert set(shared["forbidden_modules"]) >= AUDIENCES
    assert set(shared["source_modules"]) == _web_parts() - AUDIENCES - ASSEMBLY


def test_the_audiences_are_checked_for_independence() -> None:
    independent = next(c for name, c in _contracts().items() if name.startswith("the audiences are"))
    assert _web_parts() >= AUDIENCES
    assert set(independent["modules"]) == AUDIENCES
