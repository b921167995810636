"""FHIR R4 views of stored records, for patients' data exports and for EHRs."""
