"""Re-sync a stale translation: machine-translate only the source paragraphs that
changed and keep the translator's text for the ones that did not."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence


def resync(old_source: Sequence[str], new_source: Sequence[str],
           old_translation: Sequence[str], translate: Callable[[str], str]) -> list[str] | None:
    """Paragraph lists in, the new translation's paragraphs out; None when the old
    translation does not line up paragraph for paragraph with its source (then only
    a full re-translation is safe)."""
    if len(old_source) != len(old_translation):
        return None
    result: list[str] = []
    matcher = difflib.SequenceMatcher(a=list(old_source), b=list(new_source), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            result.extend(old_translation[i1:i2])
        else:
            result.extend(translate(paragraph) for paragraph in new_source[j1:j2])
    return result
