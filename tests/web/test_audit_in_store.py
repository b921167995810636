"""Changes to patient data are audited by the store function that makes them, in the same
transaction: no web module records an audit entry itself (`trdnav.store.audit.record`). Reads and
exports, which change nothing, go through `audit.record_read`, which refuses any other action."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

import trdnav.web
from trdnav.store import audit

WEB = Path(trdnav.web.__file__).parent
AUDIT_MODULE = "trdnav.store.audit"


def audit_record_uses(source: str) -> list[int]:
    """Line numbers where ``source`` imports `trdnav.store.audit.record` or calls it through a name
    bound to the audit module."""
    tree = ast.parse(source)
    module_names: set[str] = set()
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == AUDIT_MODULE:
            lines += [node.lineno for alias in node.names if alias.name in ("record", "*")]
        elif isinstance(node, ast.ImportFrom) and node.module == "trdnav.store":
            module_names |= {alias.asname or alias.name for alias in node.names if alias.name == "audit"}
        elif isinstance(node, ast.Import):
            module_names |= {alias.asname or alias.name for alias in node.names if alias.name == AUDIT_MODULE}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "record"
            and ast.unparse(node.value) in module_names
        ):
            lines.append(node.lineno)
    return sorted(lines)


def test_the_scan_finds_each_way_of_reaching_audit_record() -> None:
    assert audit_record_uses("from trdnav.store import audit\naudit.record(s, a, 'create', 'note', 1)") == [2]
    assert audit_record_uses("from trdnav.store import audit as trail\nf = trail.record") == [2]
    assert audit_record_uses("import trdnav.store.audit\ntrdnav.store.audit.record(s)") == [2]
    assert audit_record_uses("from trdnav.store.audit import Actor, record") == [1]
    assert audit_record_uses("from trdnav.store import audit\naudit.record_read(s, a, 'read', 'x', 1)") == []


def test_no_web_module_records_an_audit_entry_itself() -> None:
    found = {
        str(path.relative_to(WEB)): lines
        for path in sorted(WEB.rglob("*.py"))
        if (lines := audit_record_uses(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "record changes in the store function that makes them"


@pytest.mark.parametrize("action", ["create", "update", "delete", "sign_in_failed"])
def test_record_read_refuses_a_change(action: str) -> None:
    with Session() as session, pytest.raises(ValueError, match="action: record_read records read or export"):
        audit.record_read(session, audit.SYSTEM, action, "assessment", 1)
