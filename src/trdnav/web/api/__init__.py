"""The JSON API: contract v1 assessments (routes, OpenAPI schemas, problem+json, docs page)."""
