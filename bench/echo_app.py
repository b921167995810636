"""The baseline for the HTTP benchmark: a bare FastAPI app that parses the JSON body and echoes it.

Same route path and method as the real operation, no middleware, no database, no validation:
what FastAPI, uvicorn and a JSON round trip cost on their own.

    .venv/bin/uvicorn --app-dir bench echo_app:app
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse

app = FastAPI(title="echo")


@app.post("/api/v1/assessments:evaluate")
async def echo(request: Request) -> JSONResponse:
    return JSONResponse(json.loads(await request.body()))
