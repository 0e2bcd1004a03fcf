"""The import rules of the architecture, enforced: the domain does no I/O, and
`newsroom/` never imports Celery or `workers/` (the CLI may, inside a command)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_ALLOWED_THIRD_PARTY = {"eventsourcing.domain"}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at_top_level) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, id(node) in top) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top))
    return found


def test_domain_imports_only_the_standard_library_and_eventsourcing_domain() -> None:
    for path in (ROOT / "newsroom" / "domain").glob("*.py"):
        for module, _ in _imports(path):
            root = module.split(".")[0]
            if root in sys.stdlib_module_names or root == "newsroom":
                assert not module.startswith("newsroom.") or module.startswith(
                    "newsroom.domain"), f"{path.name} imports {module}"
                continue
            assert module in DOMAIN_ALLOWED_THIRD_PARTY, f"{path.name} imports {module}"


def test_newsroom_never_imports_celery_or_workers_at_module_level() -> None:
    for path in (ROOT / "newsroom").rglob("*.py"):
        for module, top_level in _imports(path):
            root = module.split(".")[0]
            if root in {"celery", "kombu", "workers"}:
                assert path.name == "cli.py" and not top_level, f"{path} imports {module}"
