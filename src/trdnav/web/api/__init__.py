"""The JSON API: contract v1 assessments (routes, OpenAPI schemas, problem+json, docs page).

CSRF: the API takes JSON bodies only (see `trdnav.web.middleware.csrf`); its routes are on the one
`router` in `trdnav.web.api.routes`.
"""
