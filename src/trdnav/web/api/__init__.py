"""The JSON API: contract v1 assessments (routes, OpenAPI schemas, docs page); its problem+json
errors come from `trdnav.web.problem_details`.

CSRF: the API takes JSON bodies only (see `trdnav.web.middleware.csrf`); its routes are on the one
`router` in `trdnav.web.api.routes`.
"""
