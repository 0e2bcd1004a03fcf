"""The offline default: Apertium with one warm pipeline per mode, per process.

The `apertium` script costs about 0.15 s of start-up per call, which dominates a
short article. Here each mode's stages (from the mode file, with -z) stay running
(see pipeline.py); a request only pays for the small deformatter and reformatter
(formatting.py). Pipelines start on first use and belong to the process that
started them: never share an engine across fork. If a mode cannot be turned into a
plain chain of commands, that mode falls back to the per-call `apertium` CLI.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from workers.engines.apertium_base import DEFAULT_MODES_DIR, ApertiumBase
from workers.engines.apertium_cli import ApertiumCliEngine
from workers.engines.base import PermanentEngineError
from workers.engines.formatting import through_pipeline
from workers.engines.modes import ModeError, load_stages
from workers.engines.pipeline import WarmPipeline


class ApertiumEngine(ApertiumBase):
    name = "apertium"

    def __init__(self, *, modes_dir: Path = DEFAULT_MODES_DIR, path: str | None = None,
                 timeout: float = 30.0, timeout_per_kb: float = 0.05) -> None:
        super().__init__(modes_dir=modes_dir, path=path, timeout=timeout,
                         timeout_per_kb=timeout_per_kb)
        self._lock = threading.Lock()
        self.pipelines: dict[str, WarmPipeline | None] = {}
        self._fallback: ApertiumCliEngine | None = None

    def pipeline(self, mode: str) -> WarmPipeline | None:
        """The warm pipeline for a mode, made on first use; None means use the CLI."""
        with self._lock:
            if mode not in self.pipelines:
                wblank = shutil.which("apertium-wblank-mode", path=self.path)
                try:
                    stages = load_stages(self.mode_file(mode), wblank_mode=wblank, env=self.env)
                except ModeError:
                    self.pipelines[mode] = None
                except OSError as exc:
                    raise PermanentEngineError(f"apertium is not installed: {exc}") from exc
                else:
                    for stage in stages:
                        self.which(stage[0])
                    self.pipelines[mode] = WarmPipeline(mode, stages, self.env)
            return self.pipelines[mode]

    def _translate_leg(self, text: str, mode: str, *, html: bool, timeout: float) -> str:
        pipeline = self.pipeline(mode)
        if pipeline is None:
            if self._fallback is None:
                self._fallback = ApertiumCliEngine(modes_dir=self.modes_dir, path=self.path)
            return self._fallback._translate_leg(text, mode, html=html, timeout=timeout)
        if not html:
            self.which("apertium-destxt")
        return through_pipeline(text, html=html, translate=pipeline.translate, env=self.env,
                                timeout=timeout, scratch=self.scratch)

    def close(self) -> None:
        with self._lock:
            for pipeline in self.pipelines.values():
                if pipeline is not None:
                    with pipeline.lock:
                        pipeline.stop()
            self.pipelines.clear()
