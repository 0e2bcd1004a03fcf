"""Version numbers typed at the edges (API fields and queries, forms, the CLI)."""

from __future__ import annotations

from newsroom.domain.errors import ValidationFailed

# The stores keep versions in signed 64-bit integers (SQLite INTEGER, PostgreSQL bigint):
# a larger number cannot even be looked up.
MAX_VERSION = 2**63 - 1


def version_number(field: str, value: object) -> int:
    """A whole number from 1 to MAX_VERSION, given as a JSON number or as text."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed(field, "must be a whole number")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationFailed(field, "must be a whole number") from None
    if not 1 <= number <= MAX_VERSION:
        raise ValidationFailed(field, f"versions run from 1 to {MAX_VERSION}")
    return number
