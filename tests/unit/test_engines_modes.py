"""Apertium mode files turned into stage commands (pure)."""

from __future__ import annotations

import pytest

from workers.engines.modes import ModeError, data_package, parse_stages

MODE = ("lt-proc '/usr/share/apertium/apertium-fr-es/fr-es.automorf.bin' | apertium-tagger "
        "-g $2 '/usr/share/apertium/apertium-fr-es/fr-es.prob' | apertium-pretransfer | "
        "lt-proc $1 '/usr/share/apertium/apertium-fr-es/fr-es.autogen.bin' | "
        "cg-mwesplit | apertium-wblank-attach")


def test_stages_with_options_and_quotes() -> None:
    stages = parse_stages(MODE)
    assert stages[0] == ["lt-proc", "/usr/share/apertium/apertium-fr-es/fr-es.automorf.bin"]
    assert stages[1] == ["apertium-tagger", "-g", "/usr/share/apertium/apertium-fr-es/fr-es.prob"]
    assert stages[3][:2] == ["lt-proc", "-g"]
    assert parse_stages(MODE, unknown_marks=False)[3][:2] == ["lt-proc", "-n"]
    assert data_package(stages) == "apertium-fr-es"


def test_null_flush_added_where_supported() -> None:
    stages = parse_stages(MODE, add_z=True)
    assert ["-z" in s for s in stages] == [True, True, True, True, False, False]
    assert stages[2] == ["apertium-pretransfer", "-z"]


@pytest.mark.parametrize("mode", ["a | b > /tmp/x", "a && b", "a | | b", "a $(b)", "a $3",
                                  "a 'unclosed"])
def test_anything_but_a_plain_pipeline_is_refused(mode: str) -> None:
    with pytest.raises(ModeError):
        parse_stages(mode)
