"""FHIR R4 element types and cardinality, read from the fhir.resources R4B models.

The compiler asks two questions of an element path: is this element a list (`0..*`), and what is
its type (to know that `active` is a boolean, or that `subject` is a Reference). A known singleton
path compiles to one direct JSON extraction (`json_extract(r, '$.subject.reference')`) instead of
generic list handling. Unknown types or elements answer None and the compiler stays generic.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

_PRIMITIVES = {bool: "boolean", int: "integer", float: "decimal", str: "string"}


@dataclass(frozen=True)
class Element:
    is_list: bool
    type_name: str | None  # "HumanName", "boolean", "PatientLink"; None when not known


def _type_name(annotation: Any) -> tuple[bool, str | None]:
    is_list = False
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            marker = args[1] if len(args) > 1 else None
            if marker is not None and type(marker).__name__[:1].isupper():
                name = type(marker).__name__
                return is_list, name[0].lower() + name[1:]
            annotation = args[0]
        elif origin in (list, typing.List):  # noqa: UP006
            is_list = True
            annotation = args[0]
        elif args and type(None) in args:
            annotation = next(a for a in args if a is not type(None))
        elif origin is not None:
            return is_list, None
        else:
            break
    if annotation in _PRIMITIVES:
        return is_list, _PRIMITIVES[annotation]
    name = getattr(annotation, "__name__", "")
    if name.endswith("Type"):
        name = name[: -len("Type")]
    if name in ("Decimal",):
        return is_list, "decimal"
    if name in ("date",):
        return is_list, "date"
    if name in ("datetime",):
        return is_list, "dateTime"
    return is_list, name or None


@cache
def _fields(type_name: str) -> dict[str, Element] | None:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        model = get_fhir_model_class(type_name)
    except (KeyError, ValueError, ImportError, AttributeError):
        return None
    fields: dict[str, Element] = {}
    for name, field in model.model_fields.items():
        is_list, element_type = _type_name(field.annotation)
        fields[field.alias or name] = Element(is_list, element_type)
    return fields


def element(type_name: str | None, name: str) -> Element | None:
    """The element `name` of the R4 type `type_name`, or None when either is not known."""
    if not type_name or not type_name[:1].isupper():
        return None
    fields = _fields(type_name)
    if fields is None:
        return None
    return fields.get(name)
