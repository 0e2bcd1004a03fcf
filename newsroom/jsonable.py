"""Domain values as JSON: UTC times with Z, UUIDs as strings."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from newsroom.timefmt import iso_utc


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
