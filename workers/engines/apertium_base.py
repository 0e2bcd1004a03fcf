"""What the warm and the per-call Apertium engines share: routes (with pivots),
installation checks, package versions, unknown-word marks, sanity of the output."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from workers.engines.base import PermanentEngineError, TranslationResult
from workers.engines.marks import has_words, strip_marks
from workers.engines.modes import ModeError, data_package, parse_stages
from workers.engines.routes import apertium_route, mode_label

DEFAULT_MODES_DIR = Path("/usr/share/apertium/modes")
_SHM = "/dev/shm"  # noqa: S108 (tmpfs; each request gets its own TemporaryDirectory)


def scratch_dir() -> str:
    """Where Transfuse keeps its per-request state: tmpfs when there is one, because
    tf-extract's SQLite calls fdatasync some 28 times, which costs 100 ms and more on
    a busy disk and nothing on tmpfs."""
    if os.path.isdir(_SHM) and os.access(_SHM, os.W_OK | os.X_OK):
        return _SHM
    return tempfile.gettempdir()


class ApertiumBase:
    """Subclasses implement `_translate_leg` (one mode, marks left in) and `close`."""

    name = "apertium"

    def __init__(self, *, modes_dir: Path = DEFAULT_MODES_DIR, path: str | None = None,
                 timeout: float = 30.0, timeout_per_kb: float = 0.05) -> None:
        self.modes_dir = Path(modes_dir)
        self.path = path if path is not None else os.environ.get("PATH", os.defpath)
        self.scratch = scratch_dir()
        self.env = {"PATH": self.path, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8",
                    "TMPDIR": self.scratch}
        self.timeout = timeout
        self.timeout_per_kb = timeout_per_kb
        self._versions: dict[str, str] = {}

    def which(self, tool: str, why: str = "") -> str:
        found = shutil.which(tool, path=self.path)
        if not found:
            raise PermanentEngineError(f"apertium is not installed: {tool} not found on PATH{why}")
        return found

    def mode_file(self, mode: str) -> Path:
        path = self.modes_dir / f"{mode}.mode"
        if not path.is_file():
            raise PermanentEngineError(
                f"apertium is not installed: mode {mode} missing ({path}); install the "
                f"Debian package for {mode_label(mode)} (see `apertium -l`)")
        return path

    def package_version(self, package: str) -> str:
        if package not in self._versions:
            version = "unknown"
            dpkg = shutil.which("dpkg-query", path=self.path)
            if dpkg:
                try:
                    done = subprocess.run([dpkg, "-W", "-f=${Version}", package],  # noqa: S603
                                          capture_output=True, timeout=5, check=False)
                    if done.returncode == 0 and done.stdout.strip():
                        version = done.stdout.decode().strip()
                except (OSError, subprocess.TimeoutExpired):
                    pass
            self._versions[package] = version
        return self._versions[package]

    def version(self) -> str:
        return f"apertium {self.package_version('apertium')}"

    def route_version(self, modes: tuple[str, ...]) -> str:
        parts = [self.version()]
        for mode in modes:
            try:
                package = data_package(parse_stages(self.mode_file(mode).read_text("utf-8")))
            except (ModeError, OSError):
                package = None
            if package and not any(p.startswith(package + " ") for p in parts):
                parts.append(f"{package} {self.package_version(package)}")
        return "; ".join(parts)

    def leg_timeout(self, text: str) -> float:
        return self.timeout + self.timeout_per_kb * len(text.encode("utf-8")) / 1024

    def check_installed(self, modes: tuple[str, ...], html: bool) -> None:
        for mode in modes:
            self.mode_file(mode)
        if html:
            for tool in ("tf-extract", "tf-inject"):
                self.which(tool, " (Transfuse is needed for HTML)")

    def _translate_leg(self, text: str, mode: str, *, html: bool, timeout: float) -> str:
        raise NotImplementedError

    def translate(self, text: str, source: str, target: str, *, html: bool) -> TranslationResult:
        modes = apertium_route(source, target)
        route = [mode_label(mode) for mode in modes]
        self.check_installed(modes, html)
        current = text.replace("\0", "")
        unknown: dict[str, None] = {}
        if has_words(current, html):
            for mode in modes:
                output = self._translate_leg(current, mode, html=html,
                                             timeout=self.leg_timeout(current))
                cleaned, words = strip_marks(output, current, html=html)
                if not has_words(cleaned, html):
                    raise PermanentEngineError(
                        f"apertium {mode}: no text in the output for {len(current)} "
                        "characters of input")
                unknown.update(dict.fromkeys(words))
                current = cleaned
        return TranslationResult(current, list(unknown), self.name, self.route_version(modes),
                                 route)
