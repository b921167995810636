"""The staff account forms (`trdnav.web.staff.admin`): a new account, and another role for one, each
checked field by field with the store's own rules, in the words shown beside each field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationInfo, field_validator

from trdnav.store.accounts import ROLES, AccountError, check_email, check_name, check_new_password, check_role
from trdnav.store.clinic_admin import choose_a_role
from trdnav.web.form_models import FormLists, FormModel, plain

ACCOUNT_CHECKS: dict[str, Callable[[str], None]] = {
    "email": check_email,
    "name": check_name,
    "role": check_role,
    "password": check_new_password,
}


def account_problem(error: AccountError) -> tuple[str, str]:
    """The field an `AccountError` names (email when it names none of the form's) and its message as a
    sentence."""
    field, _, message = str(error).partition(": ")
    return (field if field in ACCOUNT_CHECKS else "email"), message[:1].upper() + message[1:] + "."


class NewStaffForm(FormModel):
    """Whether the email address is taken is the store's to say, when the account is added."""

    email: str
    name: str
    role: str
    password: str

    @classmethod
    def sent(cls, form: FormLists) -> dict[str, Any]:
        values = super().sent(form)
        values["password"] = (form.get("password") or [""])[-1]  # as typed: spaces count
        return values

    @field_validator("email", "name", "role", "password")
    @classmethod
    def _account_rule(cls, value: str, info: ValidationInfo) -> str:
        try:
            if info.field_name == "password":  # earlier fields are in info.data when they were valid
                check_new_password(value, email=info.data.get("email", ""), name=info.data.get("name", ""))
            else:
                ACCOUNT_CHECKS[str(info.field_name)](value)
        except AccountError as error:
            raise plain(account_problem(error)[1]) from None
        return value


class RoleForm(FormModel):
    role: str

    @field_validator("role")
    @classmethod
    def _known(cls, role: str) -> str:
        if role not in ROLES:
            raise plain(choose_a_role())
        return role
