"""Population screening over bulk FHIR exports."""
