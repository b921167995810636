"""The CDS Hooks 2.0 service: EHRs call it (discovery, hooks, feedback) with a signed JWT."""
