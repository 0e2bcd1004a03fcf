"""Domain errors. Each maps to one HTTP status at the edge, so callers never guess."""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    """Base class for every error the domain raises on purpose."""

    code = "domain_error"


class InvalidTransition(DomainError):
    """An action that the current state does not allow (HTTP 409)."""

    code = "invalid_transition"

    def __init__(self, action: str, state: str, allowed: Iterable[str],
                 noun: str = "an article", because: str = "") -> None:
        self.action = action
        self.state = state
        self.allowed = sorted(allowed)
        allowed_text = ", ".join(self.allowed) or "none"
        reason = f": {because}" if because else ""
        super().__init__(
            f"cannot {action} {noun} in state '{state}'{reason}; "
            f"allowed actions: {allowed_text}"
        )


class PermissionDenied(DomainError):
    """The actor's roles do not grant the action (HTTP 403)."""

    code = "forbidden"


class ValidationFailed(DomainError):
    """Input that the domain refuses (HTTP 422)."""

    code = "invalid_input"

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class BlockingFindings(DomainError):
    """Approval refused while blocking QA findings stand without an override reason (409)."""

    code = "blocking_findings"

    def __init__(self, findings: list[dict[str, object]]) -> None:
        self.findings = findings
        super().__init__(
            f"{len(findings)} blocking QA finding(s) stand; an editor may approve "
            "over them only with an override_reason"
        )


class TooLarge(DomainError):
    """A field over its size limit (HTTP 413)."""

    code = "too_large"

    def __init__(self, field: str, limit: str) -> None:
        self.field = field
        super().__init__(f"{field}: larger than {limit}")


class NotFound(DomainError):
    """No such article, translation or user (HTTP 404)."""

    code = "not_found"


class VersionConflict(DomainError):
    """The caller's version is stale: someone else changed it first (HTTP 412)."""

    code = "version_conflict"

    def __init__(self, expected: int | None, current: int | None) -> None:
        self.expected = expected
        self.current = current
        if expected is None:
            text = "another change was saved first; reload and retry"
        else:
            text = f"you edited version {expected}, but the current version is {current}"
        super().__init__(text)
