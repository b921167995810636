"""Who owns what is started at ``/``: the clinic named by ``TRDNAV_DEFAULT_CLINIC``, or nobody.

Without a default clinic, ``/`` is a standalone decision aid: its assessments belong to no clinic,
so nothing started there is sent to anyone, and its pages say so (docs/safety.md, H12). A default
clinic that does not exist is never read as "no clinic": the app refuses to start, and should the
clinic be gone while it runs (an older backup restored), ``/`` and the storing API answer 503.
"""

from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy.orm import Session

from trdnav.settings import Settings
from trdnav.store.accounts import find_clinic
from trdnav.store.models import Clinic


def missing_clinic_message(slug: str) -> str:
    return (
        f"TRDNAV_DEFAULT_CLINIC names the clinic {slug!r}, but there is no clinic with that slug. "
        f"Create it with `trdnav clinics create {slug} --name NAME`, or unset TRDNAV_DEFAULT_CLINIC "
        "to run the start page as a standalone decision aid that is not connected to a clinic."
    )


def named_clinic(session: Session, settings: Settings) -> Clinic | None:
    """The clinic ``TRDNAV_DEFAULT_CLINIC`` names; None when it names none or that clinic is gone.

    Only for what must never fail and sends nothing: the crisis resources of answers that are not
    stored (the clinic's own, else the installation's). What starts, stores or sends an assessment
    uses `default_clinic`, which refuses a missing clinic."""
    return find_clinic(session, settings.default_clinic) if settings.default_clinic else None


def check_default_clinic(session: Session, settings: Settings) -> None:
    """At start-up: refuse a default clinic that does not exist."""
    if settings.default_clinic and named_clinic(session, settings) is None:
        raise ValueError(missing_clinic_message(settings.default_clinic))


def default_clinic(session: Session, settings: Settings) -> Clinic | None:
    """The clinic that owns assessments started at ``/``; None when the installation names none."""
    clinic = named_clinic(session, settings)
    if clinic is None and settings.default_clinic:
        raise HTTPException(
            status_code=503,
            detail="This site cannot start an assessment now: the clinic it is set up for cannot be "
            "found. Nothing was saved. Please try again later. (For the site's operator: "
            + missing_clinic_message(settings.default_clinic)
            + ")",
        )
    return clinic
