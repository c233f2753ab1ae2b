"""Regenerate the README's figures from the commands that make them, or check them.

Each figure in ``README.md`` sits between ``<!-- figure NAME -->`` and
``<!-- /figure -->`` and is the output of one ``supplyshock`` command, which the
figure prints beside its numbers. Run from the repository's root::

    python docs/readme_figures.py            # rerun every figure at full size, rewrite README.md
    python docs/readme_figures.py --check    # rerun at a small size: do labels and settings still match?
    python docs/readme_figures.py curve      # only the figures named

A figure is text of two kinds: *settings* (the command, horizon, money year,
calibration status, durations, labels), which must match what the code prints
today, and *values* (the simulated numbers), which change with the number of
paths. ``--check`` runs each command with a few paths and compares the README's
block with the new one, every value masked: it fails when a label, a setting or
the command has drifted from the code, not when Monte Carlo noise moves a
number. ``tests/test_readme_figures.py`` runs the check.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
_BLOCK = re.compile(r"<!-- figure (?P<name>[\w-]+) -->(?P<body>.*?)<!-- /figure -->", re.S)
_NUMBER = r"[+-]?\d[\d,]*(?:\.\d+)?"


class Value(str):
    """A simulated number in a figure (masked when checking)."""


Parts = list[str]
"""A figure's text: plain ``str`` parts are settings and labels, :class:`Value` parts are simulated numbers."""


@dataclass(frozen=True)
class Figure:
    """One README figure: the command that makes it and how its JSON output reads as Markdown.

    Attributes
    ----------
    name : str
        The name in the README's ``<!-- figure NAME -->`` marker.
    args : tuple of str
        The command's arguments after ``supplyshock``, without ``--paths``.
    paths : int
        Monte Carlo paths of the published figure.
    render : callable
        JSON output of the command, and the command as printed -> the figure's parts.
    """

    name: str
    args: tuple[str, ...]
    paths: int
    render: Callable[[dict[str, Any], str], Parts]

    def command(self, paths: int) -> list[str]:
        """The command's arguments with ``paths`` Monte Carlo paths."""
        return [*self.args, "--paths", str(paths)]

    def shown(self) -> str:
        """The command as the README prints it (at the published size)."""
        return "supplyshock " + " ".join(self.command(self.paths))


def _pct(x: float, digits: int = 3, sign: bool = False) -> Value:
    return Value(f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}")


def _curve(doc: dict[str, Any], shown: str) -> Parts:
    points = doc["points"]
    head = "| duration, days | " + " | ".join(str(p["duration_days"]) for p in points) + " |\n"
    rule = "|---|" + "---|" * len(points) + "\n"
    row: Parts = ["| % of GDP |"]
    for p in points:
        g = p["gdp_loss_pct"]
        row += [" ", _pct(g["median"]), " [", _pct(g["p05"]), "-", _pct(g["p95"]), "] |"]
    return [f"`{shown}`: horizon {doc['horizon_days']} days, {doc['calibration']}; median % of GDP "
            "[5-95 %] at each duration:\n\n", head, rule, *row]


def _compare(doc: dict[str, Any], shown: str) -> Parts:
    first, second = doc["scenarios"][0], doc["scenarios"][1]
    d = second["difference"]
    g = d["gdp_loss_pct"]
    return [f"`{shown}`: {second['scenario']} minus {first['scenario']}, ", _pct(g["median"], sign=True),
            " points of GDP [", _pct(g["p05"], sign=True), ", ", _pct(g["p95"], sign=True),
            "] (median [5-95 %] of the path-by-path difference), more on ", Value(f"{100 * d['share_higher']:.0f}"),
            f" % of paths; horizon {doc['horizon_days']} days, {first['calibration']}"]


FIGURES: dict[str, Figure] = {f.name: f for f in (
    Figure("curve", ("curve", "japan-1y-curb", "--measure", "china_stop", "--seed", "11", "--uncalibrated"), 5000,
           _curve),
    Figure("compare", ("compare", "japan-3m-curb", "japan-licence"), 1000, _compare),
)}
"""Every README figure, by the name in its marker."""


def run(fig: Figure, paths: int) -> Parts:
    """Run ``fig``'s command with ``paths`` paths (JSON output, no progress bar) and render it."""
    from click.testing import CliRunner

    from simulator.cli.main import cli

    res = CliRunner().invoke(cli, [*fig.command(paths), "--format", "json", "--quiet"], catch_exceptions=False)
    if res.exit_code != 0:
        raise RuntimeError(f"figure {fig.name}: supplyshock {' '.join(fig.command(paths))} exited {res.exit_code}: "
                           f"{res.stderr.strip()}")
    return fig.render(json.loads(res.stdout), fig.shown())


def text(parts: Parts) -> str:
    """The figure as Markdown."""
    return "".join(parts)


def pattern(parts: Parts) -> re.Pattern[str]:
    """A pattern the README's block must match: the settings verbatim, any number where a value is."""
    body = "".join(_NUMBER if isinstance(p, Value) else re.escape(p) for p in parts)
    return re.compile(r"\s*" + body + r"\s*", re.S)


def blocks(readme: str) -> dict[str, str]:
    """Figure name -> the README's text between its markers (without the surrounding newlines)."""
    return {m["name"]: m["body"].strip("\n") for m in _BLOCK.finditer(readme)}


def check(names: Sequence[str], paths: int = 40, readme: str | None = None) -> list[str]:
    """Problems (empty when every figure's labels and settings match the code), running with ``paths`` paths.

    ``readme`` is the README's text (default: README.md as it is on disk).
    """
    have = blocks(README.read_text(encoding="utf-8") if readme is None else readme)
    problems = [f"README.md has a figure {n!r} that docs/readme_figures.py does not make" for n in have if n not in FIGURES]
    for name in names:
        if name not in have:
            problems.append(f"README.md has no <!-- figure {name} --> block")
            continue
        parts = run(FIGURES[name], paths)
        if not pattern(parts).fullmatch(have[name]):
            problems.append(f"figure {name}: the README's block differs from what "
                            f"`{FIGURES[name].shown()}` prints (numbers aside):\n  README: {have[name]!r}\n"
                            f"  now:    {text(parts)!r}")
    return problems


def rewrite(names: Sequence[str]) -> None:
    """Rerun the figures at full size and write them into README.md (the rest of the file untouched)."""
    readme = README.read_text(encoding="utf-8")
    new = {n: text(run(FIGURES[n], FIGURES[n].paths)).strip("\n") for n in names}

    def sub(m: re.Match[str]) -> str:
        name = m["name"]
        if name not in new:
            return m.group(0)
        inline = "\n" not in m["body"]
        body = new[name] if inline else f"\n{new[name]}\n"
        return f"<!-- figure {name} -->{body}<!-- /figure -->"

    README.write_text(_BLOCK.sub(sub, readme), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help=f"figures to make (default: all of {', '.join(FIGURES)})")
    ap.add_argument("--check", action="store_true", help="rerun at a small size and compare labels and settings")
    ap.add_argument("--paths", type=int, default=40, help="paths per figure for --check [default: 40]")
    a = ap.parse_args(argv)
    unknown = [n for n in a.names if n not in FIGURES]
    if unknown:
        ap.error(f"no figure named {', '.join(unknown)} (figures: {', '.join(FIGURES)})")
    names = a.names or list(FIGURES)
    if a.check:
        problems = check(names, a.paths)
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    rewrite(names)
    print(f"README.md: rewrote {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
