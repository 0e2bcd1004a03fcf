"""Page-at-a-time lists: a page of 50 renders in milliseconds where thousands did not."""

from __future__ import annotations

from flask import request

PAGE_SIZE = 50


def page_arg() -> int:
    try:
        return max(1, min(10_000, int(request.args.get("page", "1"))))
    except ValueError:
        return 1


def window(page: int, size: int = PAGE_SIZE) -> tuple[int, int]:
    """(limit, offset) that also fetches one row more, to know if a next page exists."""
    return size + 1, (page - 1) * size
