"""The baseline for the HTTP benchmark: a bare FastAPI app that reads the JSON body and echoes it.

Same route path and method as the real operation, and the same JSON reading and writing as its
route in `trdnav.web.api.routes`: the standard library's reader with the repeated-key hook
(`trdnav.answers_text.JSON_DECODER`) and orjson to write. No middleware, no database, no
validation: what FastAPI, uvicorn and the API's own JSON round trip cost on their own, so the
ratio counts only what the app adds.

    .venv/bin/uvicorn --app-dir bench echo_app:app
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from starlette.responses import JSONResponse

from trdnav.answers_text import JSON_DECODER

app = FastAPI(title="echo")


class _OrjsonResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


@app.post("/api/v1/assessments:evaluate")
async def echo(request: Request) -> JSONResponse:
    return _OrjsonResponse(JSON_DECODER.decode((await request.body()).decode("utf-8")))
