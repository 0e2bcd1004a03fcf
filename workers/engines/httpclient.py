"""HTTP for the engines that are services, with the standard library only.

Status mapping (DESIGN §5): 408, 429 and 5xx, timeouts and unreachable hosts are
TransientEngineError (with the Retry-After delay when given); every other 4xx,
DeepL's 456 (quota) included, is PermanentEngineError, and so is a 2xx answer that
is not the JSON the API documents.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any

from workers.engines.base import PermanentEngineError, TransientEngineError

USER_AGENT = "newsroom-translation-worker/1"
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def send(service: str, url: str, *, data: bytes, headers: dict[str, str],
         timeout: float) -> Response:
    if not url.startswith(("http://", "https://")):
        raise PermanentEngineError(f"{service}: not an http(s) URL: {url!r}")
    request = urllib.request.Request(url, data=data, method="POST",  # noqa: S310 (checked)
                                     headers={"User-Agent": USER_AGENT, **headers})
    # A local service is never reached through the proxy the environment may name.
    local = urllib.parse.urlsplit(url).hostname in _LOOPBACK
    handlers = [urllib.request.ProxyHandler({})] if local else []
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=timeout) as answer:
            return Response(answer.status, answer.headers, answer.read())
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read()
        except (OSError, http.client.HTTPException):
            body = b""
        return Response(exc.code, exc.headers, body)
    except TimeoutError as exc:
        raise TransientEngineError(f"{service}: timed out after {timeout} s") from exc
    except urllib.error.URLError as exc:
        raise TransientEngineError(f"{service}: cannot reach {url}: {exc.reason}") from exc
    except (OSError, http.client.HTTPException) as exc:  # reset, closed, bad status line
        raise TransientEngineError(f"{service}: {type(exc).__name__}: {exc}") from exc


def check(service: str, response: Response) -> Any:
    """The decoded JSON of a successful answer, or the engine error for the status."""
    status = response.status
    if not 200 <= status < 300:
        detail = response.body[:300].decode("utf-8", "replace").strip()
        message = f"{service}: HTTP {status}: {detail}"
        if status in (408, 429) or status >= 500:
            raise TransientEngineError(
                message, retry_after=retry_after(response.headers.get("Retry-After")))
        raise PermanentEngineError(message)
    try:
        return json.loads(response.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PermanentEngineError(f"{service}: answer is not JSON: {exc}") from exc


def field(service: str, document: Any, *path: str | int) -> str:
    """document[path...] as a string, or PermanentEngineError naming what is missing."""
    value = document
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            raise PermanentEngineError(
                f"{service}: answer lacks {'/'.join(map(str, path))}") from None
    if not isinstance(value, str):
        raise PermanentEngineError(f"{service}: {'/'.join(map(str, path))} is not text")
    return value
