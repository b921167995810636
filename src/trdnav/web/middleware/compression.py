"""Responses compressed with gzip when the browser asks (``Accept-Encoding: gzip``).

Why: the results page is some 90 KB of HTML, about a fifth of that compressed; on a slow phone
connection that is the difference the person waits for. Starlette's ``GZipMiddleware`` does the
work, streaming responses included; a response below ``MINIMUM_SIZE`` (under one network packet
anyway) and a PDF (compressed inside already) are sent as they are.

Compressing a page that holds a secret next to text an attacker chose can leak the secret through
the compressed size (BREACH). Here an attacker cannot get such a page from the person's browser:
the staff session and CSRF cookies are ``SameSite=Strict``, so a cross-site request carries
neither, and a patient page is reached only through its private link, which the attacker would
need to know already.
"""

from __future__ import annotations

from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp

MINIMUM_SIZE = 1024
COMPRESS_LEVEL = 6  # zlib's own default: within a few per cent of level 9's size, for less time
NOT_COMPRESSED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf")


def compressed(app: ASGIApp) -> GZipMiddleware:
    """``app`` with its responses gzip-compressed for browsers that accept it."""
    return GZipMiddleware(
        app,
        minimum_size=MINIMUM_SIZE,
        compresslevel=COMPRESS_LEVEL,
        exclude_content_types=NOT_COMPRESSED,
    )
