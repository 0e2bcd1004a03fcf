"""Exports of auditor pages: the same rows as the page, as JSON or CSV attachments.

A page asks ``requested_format()``; when it is "json" or "csv" it answers with
``export_response`` instead of HTML. CSV cells that a spreadsheet would read as a
formula are defused (OWASP "CSV injection"): a leading = + - @ (or tab / carriage
return) gets a single quote in front.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Response, abort, request, url_for

from newsroom.jsonable import jsonable

FORMATS = ("json", "csv")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def requested_format() -> str | None:
    """'json', 'csv', or None for the HTML page; anything else is a 400."""
    value = request.args.get("format")
    if value is None or value in ("", "html"):
        return None
    if value not in FORMATS:
        abort(400, description="format must be json or csv")
    return value


def export_links() -> dict[str, str]:
    """This page's URL with format=json / format=csv, keeping its other parameters."""
    values: dict[str, Any] = dict(request.view_args or {})
    values.update((k, v) for k, v in request.args.items() if k != "format")
    endpoint = request.endpoint or ""
    return {fmt: url_for(endpoint, **{**values, "format": fmt}) for fmt in FORMATS}


def csv_cell(value: Any) -> str:
    """One CSV cell as text: JSON for structures, '' for None, formulas defused."""
    value = jsonable(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           sort_keys=True)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in columns])
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])
    return buffer.getvalue()


def _filename(name: str, fmt: str) -> str:
    return f"{_SAFE_NAME.sub('-', name).strip('-') or 'export'}.{fmt}"


def export_response(fmt: str, name: str, columns: Sequence[str],
                    rows: Sequence[Mapping[str, Any]],
                    document: Mapping[str, Any] | None = None) -> Response:
    """The page as an attachment. JSON carries ``document`` (default {"rows": rows});
    CSV carries the rows under ``columns``."""
    if fmt == "json":
        body = json.dumps(jsonable(dict(document) if document is not None else {"rows": rows}),
                          ensure_ascii=False, indent=2)
        mimetype = "application/json"
    else:
        body = to_csv(columns, rows)
        mimetype = "text/csv"
    response = Response(body, mimetype=mimetype)
    if fmt == "csv":
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(name, fmt)}"'
    return response
