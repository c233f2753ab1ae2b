"""A bad argument to the Python API names the parameter; the command line names its option for it.

The library raises ``InputError(PARAMETER, "n_paths", ...)`` (and writes other parameters it mentions in
backticks); the command line rewrites them in one place (``simulator.cli.common.OPTIONS``), so its messages
are those it always gave.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

import simulator
from simulator.cli.common import OPTIONS, as_option
from simulator.cli.main import cli
from simulator.errors import _NAMED, PARAMETER, InputError
from simulator.runs.blocks import run_paths
from simulator.runs.grid import parse_grid
from simulator.runs.store import check_out_dir

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sc() -> simulator.Scenario:
    return simulator.load_scenario("toy-gallium")


def test_the_api_names_the_parameter(sc: simulator.Scenario) -> None:
    with pytest.raises(InputError) as exc:
        run_paths(sc, 0, seed=1)
    assert str(exc.value) == "parameter: n_paths: must be >= 1; got 0"
    assert (exc.value.file, exc.value.field, exc.value.value) == (PARAMETER, "n_paths", 0)


def test_the_cli_names_the_option() -> None:
    res = CliRunner().invoke(cli, ["run", "toy-gallium", "--paths", "0"])
    assert res.exit_code == 2
    assert res.stderr == "error: option: --paths: must be >= 1; got 0\n"


def test_a_parameter_named_in_a_rule_becomes_its_option(tmp_path: Path) -> None:
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "x").write_text("")
    with pytest.raises(InputError) as exc:
        check_out_dir(tmp_path / "o")
    out = tmp_path / "o"
    assert str(exc.value) == f"parameter: out: is a directory that is not empty; use `overwrite=True` to replace it; got '{out}'"
    assert str(as_option(exc.value)) == f"option: --out: is a directory that is not empty; use --overwrite to replace it; got '{out}'"


def test_a_qualified_parameter_keeps_its_qualifier() -> None:
    with pytest.raises(InputError) as exc:
        parse_grid(["policy.x.end_day=1,1"])
    assert str(exc.value) == "parameter: grid policy.x.end_day: values must be distinct; got 1"
    assert str(as_option(exc.value)) == "option: --grid policy.x.end_day: values must be distinct; got 1"


def test_renamed_leaves_other_errors_and_unknown_names_alone() -> None:
    more = InputError(PARAMETER, "seed", "must be >= 0", -1)
    err = InputError(PARAMETER, "n_paths", "must be >= 1 (with `mystery=2`)", 0, [more])
    assert str(err.renamed({"n_paths": "--paths", "seed": "--seed"}, "option")) == (
        "option: --paths: must be >= 1 (with `mystery=2`); got 0\noption: --seed: must be >= 0; got -1")
    file_err = InputError("a.toml", "run.paths", "must be >= 1", 0)
    assert str(as_option(file_err)) == str(file_err)
    assert str(as_option(InputError("s.toml", "`measure`", "names no measure", "x"))) == "s.toml: --measure: names no measure; got 'x'"


def _input_errors() -> list[tuple[str, ast.Call]]:
    """Every ``InputError(...)`` the library (not the command line) constructs."""
    found = []
    for f in sorted([*(ROOT / "simulator").rglob("*.py"), *(ROOT / "calibration").rglob("*.py")]):
        if "cli" in f.relative_to(ROOT).parts or f.name == "cli.py":
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "InputError":
                found.append((str(f.relative_to(ROOT)), node))
    return found


def _texts(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_every_parameter_the_library_names_has_an_option() -> None:
    """No library error speaks of an option, and every parameter it names has an option in OPTIONS."""
    calls = _input_errors()
    assert len(calls) > 100
    named: set[tuple[str, str]] = set()
    for where, call in calls:
        args = call.args
        assert not (args and isinstance(args[0], ast.Constant) and args[0].value == "option"), (
            f"{where}:{call.lineno}: a library error names a command-line option; name the parameter (PARAMETER)")
        if args and isinstance(args[0], ast.Name) and args[0].id == "PARAMETER" and len(args) > 1:
            head = _texts(args[1])  # (a name passed in, as pick_named's, is its callers' to check)
            if head:
                named.add((f"{where}:{call.lineno}", head[0].split(" ", 1)[0]))
        for text in _texts(call):
            assert "--" not in text.replace("supplyshock run --", "").replace("supplyshock sweep --", "").replace(
                "supplyshock calibrate --", "").replace("sweep with --", ""), f"{where}:{call.lineno}: {text!r}"
            named |= {(f"{where}:{call.lineno}", m.group(1)) for m in _NAMED.finditer(text)}
    missing = sorted((w, n) for w, n in named if n not in OPTIONS)
    assert not missing, f"parameters without an option in simulator.cli.common.OPTIONS: {missing}"
