"""A faster deep copy for aggregates.

The library deep-copies every aggregate it serves from its cache, so a command that
fails half-way cannot corrupt the cached one. `copy.deepcopy` walks every object
with its memo and reduce protocol, and on our aggregates it cost a fifth of a
`revise` (bench/commands.py). Our aggregate state is only JSON-like containers
(dicts, lists) of immutable values (str, int, bool, None, datetime, UUID, and frozen
events in the pending list), so copying the containers is a complete deep copy.
"""

from __future__ import annotations

from typing import Any


def copy_state(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: copy_state(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_state(item) for item in value]
    return value


class ContainerCopy:
    """Mixin: ``copy.deepcopy(aggregate)`` copies containers, shares immutables."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        clone = object.__new__(type(self))
        clone.__dict__.update({key: copy_state(value) for key, value in vars(self).items()})
        return clone
