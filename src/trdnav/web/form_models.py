"""The one form toolkit: a submitted form read into a pydantic model, and what is wrong with it as
``{field: plain-words message}`` for the page to show beside each field.

A form model declares its fields in the order the page shows them; its validators raise
`plain(message)` with the words a person reads. `read_form` gives back the model (when valid), the
errors by field, and the values as sent (last value of each field, stripped; every value of the
fields in ``MULTIPLE``) for showing the form again. The store never sees a form: it takes the model's
typed values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError
from starlette.datastructures import FormData

FormLists = Mapping[str, Sequence[str]]
PLAIN = "plain"
UNDER = "under"


def plain(message: str, *, under: str | None = None) -> PydanticCustomError:
    """A validation error whose message is shown to the person as it is: beside the field checked,
    or ``under`` a name of its own when it is about several fields (such as "give a phone or an
    email")."""
    return PydanticCustomError(PLAIN, message, {UNDER: under} if under else None)


def form_lists(form: FormData) -> dict[str, list[str]]:
    """Each field of a submitted form with every (text) value sent for it, in order."""
    return {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in form}


class FormModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    MULTIPLE: ClassVar[tuple[str, ...]] = ()  # fields that take every value sent (checkbox groups)

    @classmethod
    def sent(cls, form: FormLists) -> dict[str, Any]:
        """The values as sent, one per field (blank when missing) and a list for ``MULTIPLE`` ones."""
        return {
            name: list(form.get(name) or []) if name in cls.MULTIPLE else (form.get(name) or [""])[-1].strip()
            for name in cls.model_fields
        }


M = TypeVar("M", bound=FormModel)


@dataclass
class ReadForm(Generic[M]):
    model: M | None
    errors: dict[str, str] = field(default_factory=dict)  # a route may add its own refusal to these
    values: dict[str, Any] = field(default_factory=dict)


def plain_errors(error: ValidationError) -> dict[str, str]:
    """The first problem with each field, in words; a check without plain words (a model's own bug,
    never a person's) still names the field."""
    errors: dict[str, str] = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "form"
        name = str(problem.get("ctx", {}).get(UNDER, name))
        message = problem["msg"] if problem["type"] == PLAIN else f"Check the {name.replace('_', ' ')} field."
        errors.setdefault(name, message)
    return errors


def read_form(model: type[M], form: FormLists, context: Mapping[str, Any] | None = None) -> ReadForm[M]:
    """Read and check ``form`` with ``model`` (``context`` goes to its validators)."""
    values = model.sent(form)
    try:
        return ReadForm(model.model_validate(values, context=dict(context or {})), {}, values)
    except ValidationError as error:
        return ReadForm(None, plain_errors(error), values)
