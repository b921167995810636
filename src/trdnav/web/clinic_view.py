"""What a patient page shows of the clinic: its name, therapies, crisis resources, contact text and
its own prices (a short text per therapy it offers; none for the installation).

An assessment started at a clinic's intake link (``/c/{slug}/``) shows that clinic's settings;
one started at ``/`` shows the clinic named by ``TRDNAV_DEFAULT_CLINIC``, or else the
installation's own settings (``TRDNAV_THERAPIES``, and the crisis resources of ``TRDNAV_COUNTRY``
from the knowledge base; see `trdnav.crisis`): a standalone decision aid, not connected to any
clinic (``connected`` is False), whose pages offer no consultation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from trdnav.crisis import CrisisResources, clinic_resources, country_resources
from trdnav.settings import Settings
from trdnav.store.models import Clinic


@dataclass(frozen=True, slots=True)
class ClinicView:
    id: int | None
    slug: str | None
    name: str
    therapies: tuple[str, ...]
    crisis: CrisisResources
    contact_text: str
    country: str  # ISO 3166-1 alpha-2; the printout's paper size follows it
    prices: Mapping[str, str]  # therapy id -> the clinic's own price text, for therapies it offers

    @property
    def start_action(self) -> str:
        """Where the start page's form sends the person."""
        return f"/c/{self.slug}/start" if self.slug else "/start"

    @property
    def connected(self) -> bool:
        """Whether a clinic receives what the person sends (a consultation request, an alert)."""
        return self.id is not None


def installation_view(settings: Settings) -> ClinicView:
    return ClinicView(
        id=None,
        slug=None,
        name="TRD Navigator",  # never "your clinic": no clinic is behind it
        therapies=tuple(settings.therapies),
        crisis=country_resources(settings.country),
        contact_text="",
        country=settings.country,
        prices=MappingProxyType({}),
    )


def clinic_view(clinic: Clinic | None, settings: Settings) -> ClinicView:
    if clinic is None:
        return installation_view(settings)
    return ClinicView(
        id=clinic.id,
        slug=clinic.slug,
        name=clinic.name,
        therapies=tuple(clinic.therapies),
        crisis=clinic_resources(clinic.crisis_title, clinic.crisis_text, clinic.crisis_lines),
        contact_text=clinic.contact_text,
        country=clinic.country,
        prices=MappingProxyType({t: text for t, text in clinic.prices.items() if t in clinic.therapies}),
    )
