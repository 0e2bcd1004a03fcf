"""The article state machine of DESIGN §3, as data, so rules and error messages share it."""

from __future__ import annotations

from typing import Final

DRAFT: Final = "draft"
SUBMITTED: Final = "submitted"
APPROVED: Final = "approved"
PUBLISHED: Final = "published"
RETRACTED: Final = "retracted"

STATES: Final = (DRAFT, SUBMITTED, APPROVED, PUBLISHED, RETRACTED)

# Which article actions each state allows. Comments and translation requests are
# not state changes but still depend on state, so they live here too.
ARTICLE_ACTIONS: Final[dict[str, frozenset[str]]] = {
    DRAFT: frozenset({"revise", "submit", "comment"}),
    SUBMITTED: frozenset({"revise", "request_changes", "approve", "comment"}),
    APPROVED: frozenset(
        {"publish", "schedule_publication", "request_translations", "comment"}
    ),
    PUBLISHED: frozenset({"correct", "retract", "request_translations", "comment"}),
    RETRACTED: frozenset({"comment"}),
}

# Translation states (DESIGN §3): requested -> machine_translated | failed
# -> in_review -> approved -> published.
T_REQUESTED: Final = "requested"
T_MACHINE_TRANSLATED: Final = "machine_translated"
T_FAILED: Final = "failed"
T_IN_REVIEW: Final = "in_review"
T_APPROVED: Final = "approved"
T_PUBLISHED: Final = "published"

TRANSLATION_STATES: Final = (
    T_REQUESTED,
    T_MACHINE_TRANSLATED,
    T_FAILED,
    T_IN_REVIEW,
    T_APPROVED,
    T_PUBLISHED,
)

TRANSLATION_ACTIONS: Final[dict[str, frozenset[str]]] = {
    T_REQUESTED: frozenset({"record_machine_translation", "record_failure"}),
    T_FAILED: frozenset({"retranslate"}),
    T_MACHINE_TRANSLATED: frozenset({"post_edit", "approve", "retranslate"}),
    T_IN_REVIEW: frozenset({"post_edit", "approve", "retranslate"}),
    T_APPROVED: frozenset({"post_edit", "publish", "retranslate"}),
    T_PUBLISHED: frozenset({"post_edit", "retranslate"}),
}
