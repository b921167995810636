"""(being written) routes: patient."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
