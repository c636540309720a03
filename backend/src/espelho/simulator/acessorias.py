"""Placeholder: replaced by the domain's simulator."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


def create_app(**options: Any) -> FastAPI:
    return FastAPI()
