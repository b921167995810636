"""The screening views: SQL on FHIR v2 ViewDefinitions in the knowledge base
(knowledge/data/screening_views/*.json), compiled for an engine."""

from __future__ import annotations

import json
from importlib import resources

from trdnav.views import CompiledView, compile_view

VIEW_NAMES = (
    "patients",
    "conditions",
    "devices",
    "medication_requests",
    "medication_statements",
    "medications",
    "contained_medications_in_requests",
    "contained_medications_in_statements",
    "observations",
)


def view_definition(name: str) -> dict[str, object]:
    folder = resources.files("trdnav.knowledge").joinpath("data", "screening_views")
    loaded: dict[str, object] = json.loads(folder.joinpath(f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def compiled_views(engine: str) -> dict[str, CompiledView]:
    """Each screening view's table name and its compiled query on `engine`."""
    return {name: compile_view(view_definition(name), engine) for name in VIEW_NAMES}
