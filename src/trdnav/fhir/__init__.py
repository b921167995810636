"""FHIR R4 views of stored records, for patients' data exports and for EHRs; and the import of a
health record as an answers document (`import_record`, raising `RecordError`)."""

from trdnav.fhir.record_import import import_record
from trdnav.fhir.record_reading import RecordError

__all__ = ["RecordError", "import_record"]
