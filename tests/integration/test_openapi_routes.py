"""The OpenAPI document and the app's routes must name the same operations."""

from __future__ import annotations

import re

from flask import Flask


def _app_operations(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods or ():
            if method not in {"HEAD", "OPTIONS"}:
                found.add((method.lower(), path))
    return found


def test_every_api_route_is_documented_and_every_documented_route_exists(
    flask_app: Flask,
) -> None:
    client = flask_app.test_client()
    document = client.get("/api/openapi.json").get_json()
    documented = {
        (method, path)
        for path, operations in document["paths"].items()
        if path != "/healthz"
        for method in operations
    }
    assert _app_operations(flask_app) == documented


def test_every_operation_documents_its_errors_as_json(flask_app: Flask) -> None:
    document = flask_app.test_client().get("/api/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path == "/healthz":
                continue
            assert "401" in operation["responses"], (method, path)
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)
