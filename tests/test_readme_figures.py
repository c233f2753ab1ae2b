"""The README's figures: each is the output of the command it prints, with today's labels and settings."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _figures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_figures", ROOT / "docs" / "readme_figures.py")
    if spec is None or spec.loader is None:
        raise ImportError("docs/readme_figures.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["readme_figures"] = mod
    spec.loader.exec_module(mod)
    return mod


FIG = _figures()


def test_every_readme_figure_is_made_by_the_script_and_every_script_figure_is_in_the_readme() -> None:
    have = FIG.blocks(FIG.README.read_text(encoding="utf-8"))
    assert set(have) == set(FIG.FIGURES)


@pytest.mark.parametrize("name", sorted(FIG.FIGURES))
def test_a_readme_figure_matches_its_command_rerun_at_a_small_size(name: str) -> None:
    assert FIG.check([name], paths=30) == []


def test_a_drifted_setting_or_label_is_caught_but_not_a_moved_number() -> None:
    body = FIG.blocks(FIG.README.read_text(encoding="utf-8"))["curve"]
    assert "horizon 455 days" in body and "0.167" in body
    now = FIG.pattern(FIG.run(FIG.FIGURES["curve"], 30))
    assert now.fullmatch(body)
    # Monte Carlo noise: another number where a value stands matches
    assert now.fullmatch(body.replace("0.167", "0.171"))
    # a setting the command no longer prints (the horizon), a relabelled row, a dropped duration do not
    for old, new in (("horizon 455 days", "horizon 365 days"), ("| % of GDP |", "| share of GDP |"),
                     ("| 30 | 60 |", "| 60 |")):
        assert not now.fullmatch(body.replace(old, new)), old
