"""The report of one run's results directory: ``supplyshock report DIR`` and ``supplyshock run --out DIR --report``.

Runs are small (50 paths of the built-in gallium-stop and japan-3m-curb
scenarios); each is made once per module.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text

from simulator.cli.main import cli
from simulator.reports.run_figures import build_figures
from simulator.runs.store import RUN_FILES, RUN_FORMAT, read_run

FIGURES = {"headline", "output_by_sector", "materials", "quarters", "first_stop_days"}
PNG = b"\x89PNG\r\n\x1a\n"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def ok(*args: str | Path) -> Result:
    res = invoke(*args)
    assert res.exit_code == 0, f"exit {res.exit_code}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    return res


@pytest.fixture(scope="module")
def gallium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """gallium-stop (uncalibrated), its report written by ``run --out --report``."""
    out = tmp_path_factory.mktemp("gallium") / "run"
    ok("run", "gallium-stop", "--paths", "50", "--out", out, "--report", "--quiet")
    return out


@pytest.fixture(scope="module")
def japan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """japan-3m-curb (calibrated: a fitted sample), results only (no report yet)."""
    out = tmp_path_factory.mktemp("japan") / "run"
    ok("run", "japan-3m-curb", "--paths", "50", "--out", out, "--quiet")
    return out


@pytest.fixture(scope="module")
def japan_report(japan: Path) -> Path:
    res = ok("report", japan)
    assert "report written to" in res.stdout
    return japan


class _Tables(HTMLParser):
    """Every ``<table>`` of a page as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> list[list[list[str]]]:
    p = _Tables()
    p.feed(html)
    return p.tables


def _bn(x: float) -> str:
    v = x / 1e9
    return f"{v:,.0f}" if v == 0 or abs(v) >= 100 else f"{v:.3g}"


def _pct(x: float) -> str:
    return f"{x:.3f}" if x == 0 or abs(x) >= 0.01 else f"{x:.2g}"


def _snapshot(d: Path) -> dict[str, str]:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(d.rglob("*"))} if d.exists() else {}


# ------------------------------------------------------------------ what it writes


def test_run_out_report_writes_the_report_inside_the_results_directory(gallium: Path) -> None:
    assert {"report.html", "report.md", "figures", *RUN_FILES} == {p.name for p in gallium.iterdir()}
    assert {p.stem for p in (gallium / "figures").glob("*.png")} == FIGURES
    assert not list(gallium.parent.glob(".run.supplyshock-tmp-*")), "the staged directory was renamed into place"
    manifest = json.loads((gallium / "manifest.json").read_text())
    assert manifest["format"] == RUN_FORMAT
    assert {"report.html", "report.md", "figures/"} <= set(manifest["files"])
    html = (gallium / "report.html").read_text()
    # the report names the results directory, not the staged one it was written in
    assert f"supplyshock report {gallium}" in html and "supplyshock-tmp" not in html


def test_report_renders_every_figure(japan_report: Path) -> None:
    html = (japan_report / "report.html").read_text()
    md = (japan_report / "report.md").read_text()
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">', html)
    assert len(images) == html.count("<img") == len(FIGURES)
    assert all(base64.b64decode(i)[:8] == PNG for i in images)
    files = sorted((japan_report / "figures").glob("*.png"))
    assert {p.stem for p in files} == FIGURES and all(p.read_bytes()[:8] == PNG for p in files)
    linked = re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", md)
    assert sorted(linked) == sorted(f"figures/{p.name}" for p in files)
    # self-contained: nothing loaded from elsewhere
    assert "<script" not in html and "src=\"http" not in html and "<link" not in html
    for heading in ("1. Headline", "2. By sector", "3. Materials", "4. By quarter", "5. First-stop days", "6. Assumptions"):
        assert heading in html and heading in md, heading


@pytest.mark.parametrize("which", ["gallium", "japan_report"])
def test_headline_numbers_are_the_summary_s(which: str, request: pytest.FixtureRequest) -> None:
    d: Path = request.getfixturevalue(which)
    s = json.loads((d / "summary.json").read_text())
    html = (d / "report.html").read_text()
    md = (d / "report.md").read_text()
    money = f"{s['currency']} bn, {s['price_year']} money"
    head = next(t for t in tables(html) if t[0] == ["", "median", "5 %", "95 %", "mean"])
    rows = {r[0]: r[1:] for r in head[1:]}
    stats = ("median", "p05", "p95", "mean")
    assert rows["GDP loss, % of GDP"] == [_pct(s["gdp_loss_pct"][k]) for k in stats]
    assert rows[f"value added lost, {money}"] == [_bn(s["value_added_loss"][k]) for k in stats]
    assert rows[f"value added lost before catch-up (gross), {money}"] == [_bn(s["value_added_loss_gross"][k]) for k in stats]
    assert rows[f"extra procurement cost (not in the GDP loss), {money}"] == [_bn(s["premium_cost"][k]) for k in stats]
    g, v = s["gdp_loss_pct"], s["value_added_loss"]
    line = (f"GDP loss {_pct(g['median'])} % of GDP** (5-95 %: {_pct(g['p05'])}–{_pct(g['p95'])} %); "
            f"**value added lost {s['currency']} {_bn(v['median'])} bn** (5-95 %: {_bn(v['p05'])}–{_bn(v['p95'])}; {money})")
    assert line in md
    bold = line.replace("**", "</b>", 1).replace("**", "<b>", 1).replace("**", "</b>", 1)
    assert f"<b>{bold}" in html.replace("\n", " ")
    run_line = f"{s['paths']:,} Monte Carlo paths, seed {s['seed']}, {s['engine']} engine, horizon {s['horizon_days']} days"
    assert run_line in html and run_line in md
    # every money column and row says its currency and money year
    for t in tables(html):
        for cell in t[0] + [r[0] for r in t[1:] if r]:
            if f"{s['currency']} bn" in cell:
                assert money in cell, cell


@pytest.mark.parametrize("which", ["gallium", "japan_report"])
def test_sector_table_and_calibration_status_come_from_the_summary(which: str, request: pytest.FixtureRequest) -> None:
    d: Path = request.getfixturevalue(which)
    s = json.loads((d / "summary.json").read_text())
    html = (d / "report.html").read_text()
    sec_table = next(t for t in tables(html) if t[0][0] == "sector")
    assert len(sec_table) - 1 == len(s["sectors"])
    rows = {r[0]: r for r in sec_table[1:]}
    for name, sec in s["sectors"].items():
        row = rows[name.replace("_", " ")]
        ol = sec["output_loss"]
        assert row[1] == f"{_bn(ol['median'])} [{_bn(ol['p05'])}–{_bn(ol['p95'])}]"
        fs = sec["first_stoppage_day"]
        assert row[3] == " ".join(["never" if fs["median"] is None else f"{fs['median']:.0f}",
                                   f"[{'never' if fs['p05'] is None else format(fs['p05'], '.0f')}–"
                                   f"{'never' if fs['p95'] is None else format(fs['p95'], '.0f')}]"])
    cal = s["calibration"]
    if cal is None:
        assert "uncalibrated" in html
    else:
        assert f"calibrated on targets {cal['targets']}" in html and f"{cal['draws']:,} fitted rows" in html


@pytest.mark.parametrize("which", ["gallium", "japan_report"])
def test_every_drawn_field_is_listed_with_its_prior_and_source(which: str, request: pytest.FixtureRequest) -> None:
    import html as html_lib

    d: Path = request.getfixturevalue(which)
    scen = json.loads((d / "scenario.json").read_text())
    page = html_lib.unescape((d / "report.html").read_text().replace("<wbr>", ""))
    md = (d / "report.md").read_text()
    rows = {r[0]: r for r in next(t for t in tables(page) if t[0][:3] == ["field", "unit", "prior"])[1:]}
    assert set(rows) == set(scen["uncertainty"])
    for field, prior in scen["uncertainty"].items():
        assert rows[field][2].startswith(prior["dist"]), field
        assert rows[field][4] == (prior["source"] or "–"), field
        assert f"| {field} |" in md
    post = scen["calibration"].get("posterior")
    if post:
        fitted = next(t for t in tables(page) if t[0][:3] == ["field", "unit", "prior of the fit"])
        assert [r[0] for r in fitted[1:]] == post["columns"]


# ------------------------------------------------------------------ figures


def _outside(fig: Figure) -> list[str]:
    """Every drawn text (axis labels, tick labels, titles, legend) that extends beyond the figure's canvas."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    box = fig.bbox
    tol = 0.5  # pixels
    texts: list[Text] = []
    ticks: set[int] = set()
    for axis in fig.findobj(Axis):
        lo, hi = sorted(axis.get_view_interval())
        eps = 1e-9 * max(1.0, abs(hi - lo))
        for tick in axis.get_major_ticks() + axis.get_minor_ticks():
            ticks.update({id(tick.label1), id(tick.label2)})
            if lo - eps <= tick.get_loc() <= hi + eps:  # ticks outside the view are not drawn
                texts += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    texts += [t for t in fig.findobj(Text) if id(t) not in ticks and t.get_visible()]
    bad = []
    for t in texts:
        if not t.get_text().strip():
            continue
        bb = t.get_window_extent(renderer)
        if bb.x0 < box.x0 - tol or bb.y0 < box.y0 - tol or bb.x1 > box.x1 + tol or bb.y1 > box.y1 + tol:
            bad.append(f"{t.get_text()!r} at {bb.bounds} outside {box.bounds}")
    return bad


def test_the_canvas_check_finds_a_cut_label() -> None:
    fig = Figure(figsize=(2.0, 1.5))  # no layout engine: a long label runs off the canvas
    ax = fig.add_subplot()
    ax.set_xlabel("a label far too long for a figure two inches wide, days")
    assert any("far too long" in b for b in _outside(fig))


@pytest.mark.parametrize("which", ["gallium", "japan"])
def test_no_figure_text_extends_beyond_its_canvas(which: str, request: pytest.FixtureRequest) -> None:
    figs = build_figures(read_run(request.getfixturevalue(which)))
    assert {f.name for f in figs} == FIGURES
    for f in figs:
        assert not _outside(f.fig), (f.name, _outside(f.fig))


@pytest.mark.parametrize("which", ["gallium", "japan"])
def test_every_axis_is_labelled_with_units_and_every_mark_has_a_legend(which: str, request: pytest.FixtureRequest) -> None:
    run = read_run(request.getfixturevalue(which))
    money_year = f"{run.summary['price_year']} money"
    for f in build_figures(run):
        legends = [*f.fig.legends, *(a.get_legend() for a in f.fig.axes if a.get_legend() is not None)]
        assert legends, f.name
        shown = {t.get_text() for leg in legends if isinstance(leg, Legend) for t in leg.get_texts()}
        for ax in f.fig.axes:
            xl, yl = ax.get_xlabel(), ax.get_ylabel()
            assert xl and yl, (f.name, ax.get_title())
            for label in (xl, yl):
                assert "," in label, (f.name, label)  # "what, unit"
                if " bn" in label:
                    assert money_year in label, (f.name, label)
            marks = set(ax.get_legend_handles_labels()[1])  # every labelled line, patch and band
            assert marks <= shown, (f.name, marks - shown)


# ------------------------------------------------------------------ bad input


def _broken(japan: Path, tmp_path: Path, how: str) -> Path:
    d = tmp_path / "broken"
    if how == "nonexistent":
        return d
    if how == "empty":
        d.mkdir()
        return d
    shutil.copytree(japan, d)
    for name in ("report.html", "report.md"):
        (d / name).unlink(missing_ok=True)
    shutil.rmtree(d / "figures", ignore_errors=True)
    if how == "no-paths":
        (d / "paths.parquet").unlink()
    elif how == "no-paths-no-daily":
        (d / "paths.parquet").unlink()
        (d / "daily_quantiles.nc").unlink()
    elif how == "other-format":
        man = json.loads((d / "manifest.json").read_text())
        (d / "manifest.json").write_text(json.dumps({**man, "format": "supplyshock-run/99"}))
    elif how == "bad-summary":
        (d / "summary.json").write_text("{not json")
    elif how == "edited-scenario":
        (d / "scenario.json").write_text((d / "scenario.json").read_text().replace('"horizon_days": 365', '"horizon_days": 300'))
    return d


_BAD = {
    "nonexistent": r"option: DIR: must be an existing results directory; got '{d}'",
    "empty": (r"option: DIR: must be the results directory of a finished run \(supplyshock run --out: summary.json, "
              r"paths.parquet, daily_quantiles.nc, scenario.json, manifest.json\), sweep \(supplyshock sweep --out: "
              r"sweep.json\) or calibration \(supplyshock calibrate --out\); it has none of these files; got '{d}'"),
    "no-paths": r"option: DIR: must be a finished run's results directory \(supplyshock run --out\); missing paths.parquet; got '{d}'",
    "no-paths-no-daily": r"option: DIR: .*; missing paths.parquet, daily_quantiles.nc; got '{d}'",
    "other-format": r"{d}/manifest.json: format: must be supplyshock-run/1 .*; got 'supplyshock-run/99'",
    "bad-summary": r"{d}/summary.json: line 1: must be valid JSON .*",
    "edited-scenario": r"{d}/scenario.json: \(file\): must be the scenario the run used .*",
}


@pytest.mark.parametrize("how", list(_BAD))
def test_report_of_a_bad_directory_exits_2_naming_it_and_writes_nothing(how: str, japan: Path, tmp_path: Path) -> None:
    d = _broken(japan, tmp_path, how)
    before = _snapshot(tmp_path)
    res = invoke("report", d)
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert re.fullmatch(_BAD[how].format(d=re.escape(str(d))), lines[0][len("error: "):]), lines[0]
    assert _snapshot(tmp_path) == before


def test_a_manifest_without_format_is_the_first_format(japan: Path, tmp_path: Path) -> None:
    d = tmp_path / "old"
    shutil.copytree(japan, d)
    man = json.loads((d / "manifest.json").read_text())
    del man["format"]
    (d / "manifest.json").write_text(json.dumps(man))
    ok("report", d)
    assert (d / "report.html").is_file()


def test_report_option_needs_out_and_carrying_rate_is_for_sweeps(japan: Path, tmp_path: Path) -> None:
    res = invoke("run", "gallium-stop", "--paths", "10", "--report", "--quiet")
    assert res.exit_code == 2 and res.stderr == "error: option: --report: needs --out (the report is written into the results directory); got True\n"
    d = tmp_path / "copy"
    shutil.copytree(japan, d)
    before = _snapshot(d)
    res = invoke("report", d, "--carrying-rate", "0.1")
    assert res.exit_code == 2 and "--carrying-rate: applies to sweep reports only" in res.stderr
    assert _snapshot(d) == before


def test_a_failing_report_leaves_no_results_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.errors import InputError
    from simulator.reports import run_report

    def fail(directory: Any, **kw: Any) -> Path:
        raise InputError("report", "(test)", "must not fail", "here")

    monkeypatch.setattr(run_report, "render_run_report", fail)
    out = tmp_path / "out"
    res = invoke("run", "gallium-stop", "--paths", "10", "--out", out, "--report", "--quiet")
    assert res.exit_code == 2 and "report: (test): must not fail" in res.stderr
    assert list(tmp_path.iterdir()) == []
