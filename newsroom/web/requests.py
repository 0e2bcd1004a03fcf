"""Reading requests strictly: JSON only, known fields only, versions in If-Match."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from flask import abort, request

from newsroom.timefmt import parse_aware
from newsroom.versions import MAX_VERSION
from newsroom.web.errors import ApiError

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def json_body(allowed: Iterable[str], required: Iterable[str] = (),
              optional_body: bool = False) -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if not raw and optional_body:
        return {}
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type",
                       "send the body as JSON with Content-Type: application/json")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_utf8", f"the body is not valid UTF-8 (byte {exc.start})"
                       ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(400, "malformed_json", f"malformed JSON: {exc.msg} at position {exc.pos}"
                       ) from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "the body must be a JSON object")
    allowed_set = set(allowed)
    unknown = sorted(set(data) - allowed_set)
    if unknown:
        raise ApiError(422, "unknown_field", f"unknown field(s): {', '.join(unknown)}",
                       {"fields": unknown, "allowed": sorted(allowed_set)})
    missing = [f for f in required if f not in data or data[f] is None]
    if missing:
        raise ApiError(422, "missing_field", f"missing field(s): {', '.join(missing)}",
                       {"fields": missing})
    return data


def uuid_or_404(value: str) -> UUID:
    """An id from a page's URL; a malformed one names no page, hence 404."""
    try:
        return UUID(value)
    except ValueError:
        abort(404)


def uuid_arg(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise ApiError(404, "not_found", f"{value!r} is not an id here") from None


def if_match(required: bool) -> int | None:
    header = request.headers.get("If-Match")
    if header is None:
        if required:
            raise ApiError(428, "precondition_required",
                           'send If-Match: "<version>" with the version you edited')
        return None
    match = _ETAG.match(header)
    if not match:
        raise ApiError(400, "bad_if_match", 'If-Match must be "<version>", e.g. "3"')
    digits = match.group(1)
    # Checked by length first: int() refuses thousands of digits with a ValueError.
    if len(digits) > len(str(MAX_VERSION)) or int(digits) > MAX_VERSION:
        raise ApiError(400, "bad_if_match", f"If-Match: versions run from 1 to {MAX_VERSION}")
    return int(digits)


def optional_time(data: dict[str, Any], field: str) -> Any:
    value = data.get(field)
    return None if value is None else parse_aware(field, value)


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "bad_query", f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise ApiError(400, "bad_query", f"{name} must be between {low} and {high}")
    return value
