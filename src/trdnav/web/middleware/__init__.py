"""ASGI middleware around the app: security headers, body-size limit, readable forms, request log, CSRF."""
