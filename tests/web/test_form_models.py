"""The form toolkit: a form is read into a pydantic model; what is wrong comes back by field in
plain words (never pydantic's own wording), with the values as sent for showing the form again."""

from __future__ import annotations

import datetime as dt

from pydantic import field_validator

from trdnav.web.form_models import FormModel, plain, read_form
from trdnav.web.patient.consultation import CONTACT, ConsultationRequestForm
from trdnav.web.staff.assessment_forms import ConsultationStatusForm, ReviewForm
from trdnav.web.staff.clinic_settings_form import ClinicSettingsForm
from trdnav.web.staff.course_forms import CourseForm, MoveForm
from trdnav.web.staff.patient_data import DeleteForm
from trdnav.web.staff.staff_account_forms import NewStaffForm, RoleForm


class Pet(FormModel):
    MULTIPLE = ("toys",)

    name: str
    age: int
    toys: list[str]

    @field_validator("name")
    @classmethod
    def _named(cls, name: str) -> str:
        if not name:
            raise plain("Enter the pet's name.")
        return name


def test_a_valid_form_gives_the_typed_model_and_the_values_as_sent() -> None:
    read = read_form(
        Pet, {"name": ["x", "  Rex "], "age": ["3"], "toys": ["ball", "rope"], "csrf_token": ["t"]}
    )
    assert read.model == Pet(name="Rex", age=3, toys=["ball", "rope"])
    assert (read.errors, read.values) == ({}, {"name": "Rex", "age": "3", "toys": ["ball", "rope"]})


def test_each_wrong_field_gets_one_plain_message_and_missing_fields_read_as_blank() -> None:
    read = read_form(Pet, {"age": ["three"]})
    assert read.model is None
    assert read.errors == {"name": "Enter the pet's name.", "age": "Check the age field."}
    assert read.values == {"name": "", "age": "three", "toys": []}


def test_settings_form_names_every_wrong_field_in_the_words_shown_today() -> None:
    sent = {
        "therapies": ["tms", "made_up"],
        "crisis_title": ["Help"],
        "crisis_text": [""],
        "retention_days": ["7"],
        "link_idle_days": [""],
        "timezone": ["Mars/Base"],
        "country": ["us"],
        "subdivision": ["zz"],
        "opening_days": ["0", "9"],
        "opens_at": ["09:00"],
        "closes_at": ["08:00"],
    }
    read = read_form(ClinicSettingsForm, sent, {"therapies": {"tms": "TMS", "ect": "ECT"}})
    assert read.model is None
    assert read.errors["therapies"] == "Choose at least one therapy that the clinic offers."
    assert read.errors["crisis_text"] == "Enter the crisis resources text, up to 2000 characters."
    assert read.errors["retention_days"].startswith("Enter a whole number of days from 30 to 3650")
    assert read.errors["link_idle_days"].endswith('or the word "never" for links that never expire.')
    assert read.errors["subdivision"].startswith("Enter one of US's state or region codes (AK, AL,")
    assert read.errors["opening_days"] == "Tick at least one day the clinic is open."
    assert read.errors["closes_at"] == "Enter a closing time after the opening time (09:00)."
    assert set(read.errors) == {
        "therapies", "crisis_text", "retention_days", "link_idle_days", "timezone", "subdivision",
        "opening_days", "closes_at",
    }  # fmt: skip
    assert (read.values["country"], read.values["opening_days"]) == ("US", [0, "9"])


def test_valid_forms_give_the_store_typed_values() -> None:
    settings = read_form(
        ClinicSettingsForm,
        {
            "therapies": ["tms"],
            "crisis_title": ["Help"],
            "crisis_text": ["Call 988."],
            "require_two_factor": ["on"],
            "retention_days": ["90"],
            "link_idle_days": ["Never"],
            "timezone": ["America/New_York"],
            "country": ["us"],
            "subdivision": ["ny"],
            "opening_days": ["4", "0", "2"],
            "opens_at": ["08:30"],
            "closes_at": ["17:00"],
        },
        {"therapies": {"tms": "TMS", "ect": "ECT"}},
    ).model
    assert settings is not None
    stored = settings.settings()
    assert (stored.retention_days, stored.opening_days, stored.subdivision) == (90, [0, 2, 4], "NY")
    assert stored.require_two_factor is True
    assert stored.link_idle_days is None, '"never" typed out: links that never expire'
    move = read_form(MoveForm, {"date": ["2026-12-24"], "time": ["09:30"]}).model
    assert move is not None and (move.date, move.time) == (dt.date(2026, 12, 24), dt.time(9, 30))
    review = read_form(
        ReviewForm, {"therapy": ["tms"], "status": ["clear"], "reason": ["Seen."]}, {"therapies": ["tms"]}
    )
    assert review.model is not None and review.model.status == "no_known_concerns"


def test_course_and_consultation_forms_refuse_with_the_field_named() -> None:
    course = read_form(CourseForm, {"start_date": ["24/12/2026"], "unavailable": ["2026-12-25, soon"]})
    assert course.model is None
    assert course.errors == {
        "protocol": "Choose one of the protocols listed.",
        "start_date": "Enter the first day of the course as YYYY-MM-DD, for example 2026-12-24.",
        "unavailable": '"soon" is not a date in the form YYYY-MM-DD. Enter each date like 2026-12-24, '
        "one per line or separated by commas.",
    }
    booked = read_form(ConsultationStatusForm, {"status": ["booked"], "booked_for": [""]})
    assert booked.errors == {
        "booked_for": "Enter when the consultation is booked for, such as 2026-12-03 10:00."
    }
    closed = read_form(ConsultationStatusForm, {"status": ["closed"], "booked_for": ["tomorrow"]})
    assert closed.model == ConsultationStatusForm(status="closed", booked_for="")


def test_consultation_request_asks_for_a_phone_or_an_email_under_its_own_key() -> None:
    read = read_form(ConsultationRequestForm, {"name": [""], "preferred_times": ["Friday"], "phone": [" "]})
    assert read.model is None
    assert read.errors == {
        "name": "Please tell us your name.",
        CONTACT: "Please give a phone number or an email address, so the clinic can reach you.",
    }
    assert read.values == {"name": "", "phone": "", "email": "", "preferred_times": "Friday", "message": ""}


def test_consultation_request_checks_lengths_before_the_phone_and_email_shapes() -> None:
    read = read_form(
        ConsultationRequestForm,
        {"name": ["Sam"], "phone": ["1" * 41], "email": ["not an email"], "message": ["m" * 2001]},
    )
    assert read.errors == {
        "phone": "Please keep this to 40 characters or fewer.",
        "email": "Please check your email address. It should look like name@example.com.",
        "message": "Please keep this to 2000 characters or fewer.",
    }  # a refused phone was given, so no "give a phone or an email" as well
    short = read_form(ConsultationRequestForm, {"name": ["Sam"], "phone": ["555 12"]})
    assert short.errors == {"phone": "Please check your phone number. Use numbers only, like 555 123 4567."}


def test_a_valid_consultation_request_gives_the_trimmed_values() -> None:
    read = read_form(
        ConsultationRequestForm, {"name": [" Sam Lee "], "phone": ["+1 (555) 123-4567"], "csrf_token": ["t"]}
    )
    assert read.model == ConsultationRequestForm(
        name="Sam Lee", phone="+1 (555) 123-4567", email="", preferred_times="", message=""
    )


def test_a_new_staff_account_names_every_wrong_field_in_the_words_shown_today() -> None:
    read = read_form(
        NewStaffForm, {"email": ["nia at north"], "name": [" "], "role": ["owner"], "password": ["short"]}
    )
    assert read.model is None
    assert read.errors == {
        "email": "Expected an email address such as name@clinic.org.",
        "name": "Must not be empty.",
        "role": "Expected one of clinician, admin.",
        "password": "Must be at least 12 characters.",
    }
    assert read.values == {"email": "nia at north", "name": "", "role": "owner", "password": "short"}


def test_a_new_staff_password_is_kept_as_typed_and_other_fields_trimmed() -> None:
    typed = "  a quiet harbour at dawn  "
    sent = {"email": [" nia@north.example "], "name": ["Nia"], "role": ["admin"], "password": [typed]}
    assert read_form(NewStaffForm, sent).model == NewStaffForm(
        email="nia@north.example", name="Nia", role="admin", password=typed
    )


def test_a_role_change_offers_only_the_known_roles() -> None:
    assert read_form(RoleForm, {"role": ["owner"]}).errors == {"role": "Choose a role: clinician or admin."}
    assert read_form(RoleForm, {"role": ["clinician"]}).model == RoleForm(role="clinician")


def test_a_deletion_needs_a_listed_reason_and_the_word_in_capitals() -> None:
    read = read_form(DeleteForm, {"reason": ["because"], "confirm": [" delete "]})
    assert read.errors == {
        "reason": "Choose why this assessment is being deleted.",
        "confirm": "Type DELETE in capital letters to confirm the deletion.",
    }
    assert read.values == {"reason": "because", "confirm": "delete"}
    confirmed = read_form(DeleteForm, {"reason": ["duplicate"], "confirm": ["DELETE "]})
    assert confirmed.model == DeleteForm(reason="duplicate", confirm="DELETE")
