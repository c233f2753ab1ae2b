"""The layout is the architecture: layers as folders, each importing only the layers below it.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``); ``lint-imports`` checks them. The layers,
top to bottom: ``calibration``; ``simulator.cli``; ``simulator.api`` and ``simulator.reports``; ``simulator.runs``;
``simulator.economics``; ``simulator.engines``; ``simulator.model``; ``simulator.errors`` and
``simulator.defaults``. ``calibration`` runs the model through the runs layer, never an engine's kernel.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
LAYERS = ("model", "engines", "economics", "runs", "reports", "cli")


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    if LINT_IMPORTS is None:
        pytest.fail("lint-imports is not installed: pip install -e '.[dev]'")
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_every_import_contract_is_kept() -> None:
    r = _lint(ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "2 kept, 0 broken" in r.stdout


def test_an_import_up_a_layer_breaks_the_contract(tmp_path: Path) -> None:
    """The check can fail: a copy of the tree whose model layer imports the runs layer is refused."""
    copy = tmp_path / "tree"
    for part in ("simulator", "calibration"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    draws = copy / "simulator" / "model" / "draws.py"
    draws.write_text(draws.read_text() + "\nfrom simulator.runs import blocks  # noqa: E402\n")
    env_path = f"{copy}"
    r = subprocess.run([LINT_IMPORTS or "lint-imports", "--no-cache"], cwd=copy, capture_output=True, text=True,
                       timeout=120, env={"PYTHONPATH": env_path, "PATH": str(Path(sys.executable).parent)})
    assert r.returncode != 0
    assert "simulator.model is not allowed to import simulator.runs" in r.stdout


def test_each_layer_is_a_folder_whose_modules_say_their_job() -> None:
    """Every layer is a package, and every module of the project opens with a docstring stating its job."""
    for layer in LAYERS:
        assert (ROOT / "simulator" / layer / "__init__.py").is_file(), layer
    for path in [*sorted((ROOT / "simulator").rglob("*.py")), *sorted((ROOT / "calibration").rglob("*.py"))]:
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc and len(doc.split()) >= 4, f"{path.relative_to(ROOT)} has no docstring stating its job"


FIELD = re.compile(r"\s*[A-Za-z_]\w*: [\w\[\], |.]+")
"""A bare field declaration (``name: Type``): the same fields declared by two layouts of one data (the
per-path parameters and the kernel's stacked arrays) are not repeated logic."""


@pytest.mark.slow
def test_no_repeated_logic() -> None:
    """pylint's duplicate-code check (6 or more similar lines) finds nothing in simulator/ and calibration/
    but field declarations."""
    pytest.importorskip("pylint")
    r = subprocess.run([sys.executable, "-m", "pylint", "--disable=all", "--enable=duplicate-code",
                        "--min-similarity-lines=6", "--ignore-imports=yes", "--ignore-docstrings=yes",
                        "--ignore-comments=yes", "--ignore-signatures=yes", "--score=no", "simulator", "calibration"],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    repeated = []
    for block in r.stdout.split("R0801: Similar lines in ")[1:]:
        lines = [ln for ln in block.split("\n")[1:] if ln.strip() and not ln.startswith(("==", "*")) and not re.match(r"\S+\.py:\d+:\d+: ", ln)]
        lines = [ln.replace("(duplicate-code)", "").rstrip() for ln in lines]
        if not all(FIELD.fullmatch(ln) for ln in lines if ln.strip()):
            repeated.append(block)
    assert not repeated, textwrap.shorten("\n".join(repeated), 6000)
    assert "R0801" in r.stdout or r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]


def test_every_public_function_and_class_states_its_contract() -> None:
    """Every public function, class and public method of the package has a docstring."""
    missing = []
    for path in [*sorted((ROOT / "simulator").rglob("*.py")), *sorted((ROOT / "calibration").rglob("*.py"))]:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                members = [m for m in node.body if isinstance(m, ast.FunctionDef) and not m.name.startswith("_")] \
                    if isinstance(node, ast.ClassDef) else []
                for item in (node, *members):
                    if not ast.get_docstring(item):
                        missing.append(f"{path.relative_to(ROOT)}:{item.lineno} {item.name}")
    assert not missing, "\n".join(missing)


_ROLE = re.compile(r":(?:mod|func|class|data|attr|meth|exc|obj):`~?((?:simulator|calibration)\.[A-Za-z0-9_.]+)`")


def _resolves(ref: str) -> bool:
    """Whether a dotted name is a module, or a module's attribute, a class's member or a field."""
    import importlib

    parts = ref.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            fields = {*getattr(obj, "__annotations__", {}), *getattr(obj, "model_fields", {}), *getattr(obj, "_fields", ())}
            if hasattr(obj, name):
                obj = getattr(obj, name)
            elif name in fields:
                return name == parts[-1]
            else:
                return False
        return True
    return False


def test_every_cross_reference_in_the_code_resolves() -> None:
    """A reader follows :mod:/:func:/:class:/... references to the project's own names; after a move they must
    still name something (a reference to a moved function is the usual way a docstring goes stale)."""
    broken = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        if path.parts[len(ROOT.parts)] not in ("simulator", "calibration", "tests", "benchmarks", "docs"):
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            broken += [f"{path.relative_to(ROOT)}:{n} {ref}" for ref in _ROLE.findall(line) if not _resolves(ref.rstrip("."))]
    assert not broken, "\n".join(broken)
