"""Apertium through its `apertium` script, one process per request: the
benchmark baseline for the warm engine, and its fallback for unusual modes."""

from __future__ import annotations

import time

from workers.engines.apertium_base import ApertiumBase
from workers.engines.formatting import run_tool


class ApertiumCliEngine(ApertiumBase):
    name = "apertium-cli"

    def _translate_leg(self, text: str, mode: str, *, html: bool, timeout: float) -> str:
        command = [self.which("apertium"), "-d", str(self.modes_dir.parent)]
        if html:
            command += ["-f", "html"]
        output = run_tool([*command, mode], text.encode("utf-8"), self.env,
                          time.monotonic() + timeout)
        return output.decode("utf-8", "replace")

    def close(self) -> None:
        """Nothing is kept between requests."""
