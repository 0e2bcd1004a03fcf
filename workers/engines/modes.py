"""Apertium mode files as lists of stage commands, ready to run warm with -z.

A mode file (/usr/share/apertium/modes/fr-es.mode) is a shell pipeline of
lt-proc / apertium-tagger / apertium-transfer ... stages, where `$1` is the
generator's unknown-word option and `$2` the tagger's extra option. The
`apertium` script runs it through `apertium-wblank-mode`, which inserts the
word-bound-blank helpers and, with -z, the null-flush option on every stage:
we do the same, and fall back to adding -z ourselves when that tool is absent.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

Stages = list[list[str]]

# Stages that take no -z option (APy keeps the same list).
_NO_Z = re.compile(r"^(vislcg3|cg-mwesplit|hfst-tokeni[sz]e|divvun-suggest|apertium-wblank-)")
_SHELL_SYNTAX = {"&&", "||", ";", "&", ">", "<", ">>", "(", ")"}


class ModeError(ValueError):
    """A mode file we cannot turn into a plain chain of commands."""


def parse_stages(spec: str, *, unknown_marks: bool = True, add_z: bool = False) -> Stages:
    """'a x | b $1 y' -> [['a', 'x'], ['b', '-g', 'y']] (or '-n' without marks)."""
    lexer = shlex.shlex(spec, posix=True, punctuation_chars="|&;<>()")
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError as exc:
        raise ModeError(f"cannot parse mode: {exc}") from exc
    stages: Stages = [[]]
    for word in words:
        if word == "|":
            stages.append([])
        elif word in _SHELL_SYNTAX or word.startswith(("$(", "`")) or "`" in word:
            raise ModeError(f"unsupported shell syntax {word!r} in mode")
        elif word == "$1":
            stages[-1].append("-g" if unknown_marks else "-n")
        elif word == "$2":
            continue
        elif word.startswith("$"):
            raise ModeError(f"unsupported variable {word!r} in mode")
        else:
            stages[-1].append(word)
    if any(not stage for stage in stages):
        raise ModeError("empty stage in mode")
    if add_z:
        stages = [s if _NO_Z.match(s[0]) or "-z" in s else [s[0], "-z", *s[1:]] for s in stages]
    return stages


def load_stages(mode_file: Path, *, wblank_mode: str | None, env: dict[str, str],
                unknown_marks: bool = True, timeout: float = 10.0) -> Stages:
    """The null-flush stages of a mode, via apertium-wblank-mode when it is installed."""
    if wblank_mode:
        try:
            done = subprocess.run([wblank_mode, "-z", str(mode_file)],  # noqa: S603
                                  capture_output=True, env=env, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired):
            done = None
        if done is not None and done.returncode == 0 and done.stdout.strip():
            return parse_stages(done.stdout.decode("utf-8"), unknown_marks=unknown_marks)
    text = mode_file.read_text(encoding="utf-8")
    return parse_stages(text, unknown_marks=unknown_marks, add_z=True)


def data_package(stages: Stages) -> str | None:
    """The language-data directory the stages read from, which is also its Debian
    package name: /usr/share/apertium/apertium-fr-es/fr-es.automorf.bin -> apertium-fr-es."""
    for stage in stages:
        for arg in stage:
            path = Path(arg)
            if path.is_absolute() and path.parent.name.startswith("apertium-"):
                return path.parent.name
    return None
