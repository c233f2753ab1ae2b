"""The README's code blocks marked runnable run as written, in order, in one fresh directory.

A block is marked by ``<!-- runnable -->`` on the line before it (``<!-- runnable: NAME -->`` for a file block,
written to NAME and checked with ``supplyshock validate``). Bash blocks run their ``supplyshock`` commands,
Python blocks run as a script, so the documented calls that read results keep working.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from simulator.cli.main import cli

README = Path(__file__).resolve().parents[1] / "README.md"
_BLOCK = re.compile(r"<!-- runnable(?::\s*(?P<name>[\w.-]+))? -->\n```(?P<lang>\w+)\n(?P<body>.*?)\n```", re.S)


def _blocks() -> list[tuple[str, str | None, str]]:
    return [(m["lang"], m["name"], m["body"]) for m in _BLOCK.finditer(README.read_text(encoding="utf-8"))]


def test_the_readme_marks_blocks_of_each_kind() -> None:
    kinds = {(lang, name is not None) for lang, name, _ in _blocks()}
    assert {("bash", False), ("python", False), ("toml", True)} <= kinds


def test_every_runnable_readme_block_runs_as_written(tmp_path: Path) -> None:
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        for lang, name, body in _blocks():
            if name is not None:
                Path(name).write_text(body + "\n", encoding="utf-8")
                r = CliRunner().invoke(cli, ["validate", name])
                assert r.exit_code == 0 and not r.stderr, (name, r.output)
            elif lang == "bash":
                for line in body.splitlines():
                    cmd = shlex.split(line, comments=True)
                    if not cmd:
                        continue
                    assert cmd[0] == "supplyshock", f"a runnable bash block runs supplyshock commands only: {line}"
                    r = CliRunner().invoke(cli, cmd[1:])
                    assert r.exit_code == 0, (line, r.output)
            elif lang == "python":
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(body, f"README.md ({lang} block)", "exec"), {"__name__": "__readme__"})
            else:
                raise AssertionError(f"no runner for a runnable {lang} block")
    finally:
        os.chdir(here)
