"""JSON errors, one shape for every failure: {error: {code, message, details?}}.
A 500 never carries a stack trace; it is logged instead."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from newsroom.config import ConfigError
from newsroom.domain.errors import (
    BlockingFindings,
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    TooLarge,
    ValidationFailed,
    VersionConflict,
)

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


_TITLES = {
    400: "That request could not be understood",
    401: "Please log in",
    403: "You do not have access to this",
    404: "Nothing here",
    405: "Not allowed",
    409: "That is not possible right now",
    412: "Someone else changed this first",
    413: "Too large",
    415: "Unsupported content",
    422: "Please check what you entered",
    428: "A version is needed",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz"))


def error_response(status: int, code: str, message: str,
                   details: dict[str, Any] | None = None) -> tuple[Response, int]:
    if not wants_json():
        # People get a page in the site's layout; never a trace.
        page = render_template("error.html", status=status,
                               title=_TITLES.get(status, "Error"), message=message)
        return Response(page, status=status, mimetype="text/html"), status
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return jsonify({"error": body}), status


def _domain(exc: DomainError) -> tuple[Response, int]:
    if isinstance(exc, PermissionDenied):
        return error_response(403, exc.code, str(exc))
    if isinstance(exc, NotFound):
        return error_response(404, exc.code, str(exc))
    if isinstance(exc, TooLarge):
        return error_response(413, exc.code, str(exc), {"field": exc.field})
    if isinstance(exc, ValidationFailed):
        return error_response(422, exc.code, str(exc), {"field": exc.field})
    if isinstance(exc, InvalidTransition):
        return error_response(409, exc.code, str(exc),
                              {"state": exc.state, "allowed_actions": exc.allowed})
    if isinstance(exc, BlockingFindings):
        return error_response(409, exc.code, str(exc), {"qa_findings": exc.findings})
    if isinstance(exc, VersionConflict):
        return error_response(412, exc.code, str(exc),
                              {"expected": exc.expected, "current": exc.current})
    return error_response(400, exc.code, str(exc))


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api(exc: ApiError) -> tuple[Response, int]:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(DomainError)
    def _dom(exc: DomainError) -> tuple[Response, int]:
        return _domain(exc)

    @app.errorhandler(ConfigError)
    def _cfg(exc: ConfigError) -> tuple[Response, int]:
        log.error("configuration error: %s", exc)
        return error_response(500, "configuration_error", "the server is misconfigured")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[Response, int]:
        status = exc.code or 500
        code = (exc.name or "error").lower().replace(" ", "_")
        message = exc.description or exc.name
        if status == 500:
            message = "an internal error occurred; it was logged"
        return error_response(status, code, message)

    @app.errorhandler(Exception)
    def _crash(exc: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "an internal error occurred; it was logged")
