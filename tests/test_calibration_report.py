"""The calibration report: every number from calibration.json, every figure drawn whole, every citation resolvable.

Rendered from the shipped docs/calibration/calibration.json copied to a
temporary directory, as it is (an older run may lack the pieces a newer
`supplyshock calibrate` stores: the report says "not computed in this run"),
and completed with every newer piece (cheap stand-ins and small real runs),
so both paths of the renderer are exercised.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

import simulator
from calibration.register import SNAPSHOT, snapshot_hash
from calibration.report import _BODY, build_figures, render
from calibration.report_context import NOT_COMPUTED, fmt, fmt_band
from calibration.report_figures import FIGURES
from calibration.report_targets import LABELS
from calibration.review import episode_backcasts, facts
from calibration.targets import Target
from simulator.model.loading import scenario_to_json

SHIPPED = Path(__file__).resolve().parents[1] / "docs" / "calibration"


def _copy(tmp_path: Path, name: str = "cal") -> Path:
    out = tmp_path / name
    out.mkdir()
    shutil.copy(SHIPPED / "calibration.json", out / "calibration.json")
    if (SHIPPED / SNAPSHOT).is_file():
        shutil.copy(SHIPPED / SNAPSHOT, out / SNAPSHOT)
    return out


def _complete(doc: dict[str, Any], out: Path) -> dict[str, Any]:
    """``doc`` with every piece a newer run stores, where missing: stand-ins from its own numbers, small real runs."""
    doc = copy.deepcopy(doc)
    names = [t["name"] for t in doc["targets"]] + [r["target"]["name"] for r in doc["reconciliation"]]
    if "predictive" not in doc:
        tg: dict[str, dict[str, list[float]]] = {}
        for t in doc["targets"]:
            q = doc["calibrated_run"]["q"]
            tg[t["name"]] = {"posterior": q, "prior": [1.1 * q[0], 1.3 * q[1], 1.7 * q[2]]}
        for r in doc["reconciliation"]:
            q = r["calibrated_q"]
            tg[r["target"]["name"]] = {"posterior": [0.6 * q[0], 0.97 * q[1], 1.4 * q[2]],
                                       "prior": [0.5 * q[0], 1.2 * q[1], 1.9 * q[2]]}
        doc["predictive"] = {"paths": 777, "seed": 1, "quantiles": [0.05, 0.5, 0.95], "targets": tg}
    if "target_facts" not in doc:
        all_t = [Target(**{k: v for k, v in t.items() if k in Target.model_fields}) for t in doc["targets"]]
        all_t += [Target(**r["target"]) for r in doc["reconciliation"]]
        doc["target_facts"] = facts(all_t)
    curve = doc["calibrated_run"].get("curve")
    if curve and "prior" not in curve:
        curve["prior"] = curve.pop("uncalibrated")
        curve.update({"scenario": "japan-1y-curb", "measure": "china_stop", "paths": 333, "seed": 1, "recovery_days": 90,
                      "horizons": [max(365, d + 90) for d in curve["days"]], "currency": "JPY", "price_year": 2025})
    if "backcasts" not in doc:
        post = {"columns": [f["path"] for f in doc["free"]], "draws": doc["posterior"], "provenance": {}}
        doc["backcasts"] = episode_backcasts(post, n_paths=50, seed=3)
    sens = doc.get("sensitivity")
    if sens and "indices" not in sens:
        sens["indices"] = {o: [[n, st / 2, c / 2, st, c] for n, st, c in rows] for o, rows in sens["ranking"].items()}
        sens["tolerance"] = 0.05
    if "scenario_snapshot" not in doc:
        t = doc["targets"][0]
        sc = simulator.load_scenario(t["scenario"], overrides=t["overrides"] or None, calibrated=False)
        (out / SNAPSHOT).write_text(scenario_to_json(sc), encoding="utf-8")
        doc["scenario_snapshot"] = {"file": SNAPSHOT, "scenario": t["scenario"], "sha256": snapshot_hash(sc)}
    assert set(names) <= set(doc["predictive"]["targets"])
    return doc


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = _copy(tmp_path_factory.mktemp("shipped"))
    render(out)
    return out


@pytest.fixture(scope="module")
def complete(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = _copy(tmp_path_factory.mktemp("complete"))
    doc = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    (out / "calibration.json").write_text(json.dumps(_complete(doc, out)), encoding="utf-8")
    render(out)
    return out


def _doc(d: Path) -> dict[str, Any]:
    return json.loads((d / "calibration.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _section(md: str, number: int) -> str:
    m = re.search(rf"^## {number}\. .*?(?=^## {number + 1}\. |\Z)", md, flags=re.M | re.S)
    assert m, f"section {number} missing"
    return m.group(0)


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize("which", ["shipped", "complete"])
def test_headline_numbers_come_from_the_json(which: str, request: pytest.FixtureRequest) -> None:
    d: Path = request.getfixturevalue(which)
    doc, md = _doc(d), (d / "report.md").read_text(encoding="utf-8")
    head = _section(md, 1)
    t = doc["targets"][0]
    assert f"{t['name']} at {fmt(t['point'], t['unit'])} against the published {fmt(t['value'], t['unit'])}" in head
    assert f"(z {t['z_point']:+.2f})" in head
    for f in doc["free"]:
        assert f"{f['name']} ({f['dist']} {f['low']:g}–{f['high']:g})" in head
    pinned = [x for x in doc["directions"] if x["sd_ratio"] < 0.5]
    for x in pinned:
        assert f"(posterior sd / prior sd {x['sd_ratio']:.2f})" in head
    assert f"{len(doc['targets'])} target" in head
    assert "**Converged**" not in md.split("## 1.")[0]  # the headline is what was identified, not the sampler's state
    free_rows = _section(md, 4)
    for f in doc["free"]:
        q = f["posterior_q"]
        assert f"{f['point']:.3f}" in free_rows and f"{q[1]:.3f} [{q[0]:.3f}–{q[2]:.3f}]" in free_rows
    cr = doc["calibrated_run"]
    assert fmt_band(cr["q"], cr["unit"]) in _section(md, 9)
    recon = _section(md, 10)
    for r in doc["reconciliation"]:
        assert fmt_band(r["calibrated_q"], r["target"]["unit"]) in recon
        assert fmt(r["at_point"], r["target"]["unit"]) in recon
    sens = _section(md, 8)
    change = doc["sensitivity"]["st_change"]
    worst = max(change, key=lambda o: change[o])
    assert f"{change[worst]:.3f}" in sens
    assert ("**Converged**:" in sens) == bool(doc["sensitivity"]["converged"])
    assert ("**Not converged**" in sens) != bool(doc["sensitivity"]["converged"])


def test_numbers_follow_the_json_when_it_changes(tmp_path: Path) -> None:
    """Move the headline numbers in the JSON: the report moves with them (nothing is typed into the template)."""
    out = _copy(tmp_path)
    doc = _doc(out)
    doc["targets"][0]["point"] = 612.3e9
    doc["targets"][0]["z_point"] = -0.73
    doc["directions"][0]["sd_ratio"] = 0.137
    doc["calibrated_run"]["q"] = [101.0e9, 623.0e9, 1.732e12]
    doc["reconciliation"][1]["at_point"] = 11.47e12
    doc["sensitivity"]["st_change"]["vehicles_first_stop_day"] = 0.151
    doc["sensitivity"]["converged"] = False
    (out / "calibration.json").write_text(json.dumps(doc), encoding="utf-8")
    render(out)
    md = (out / "report.md").read_text(encoding="utf-8")
    for s in ("¥612bn against the published", "(z -0.73)", "(posterior sd / prior sd 0.14)", "¥623bn [¥101bn–¥1.73tn]",
              "¥11.47tn", "moved by up to 0.151", "**Not converged**"):
        assert s in md, s


def test_every_label_is_defined_once_and_bands_are_told_apart(complete: Path) -> None:
    md = (complete / "report.md").read_text(encoding="utf-8")
    table = _section(md, 2)
    for label in LABELS.values():
        assert table.count(f"| {label} |") == 1, label
    rest = md.replace(table, "").lower()  # outside the definitions, every band names which it is
    for qualified in ("per-path 5–95 %", "5–95 % of the median", "predictive 5–95 %", "[5–95 % of the draws]",
                      "prior median [5–95 %]"):
        rest = rest.replace(qualified, "")
    assert "5–95 %" not in rest, "an unlabelled 5–95 % band: " + rest[max(rest.find("5–95 %") - 120, 0):rest.find("5–95 %") + 20]
    why = table.split("Why one loss has several figures")[1]
    assert "They differ because" in why and "paths" in why


def test_one_year_sentence_is_decided_by_the_fitted_targets(complete: Path, tmp_path: Path) -> None:
    md = (complete / "report.md").read_text(encoding="utf-8")
    doc = _doc(complete)
    stops = [doc["target_facts"][t["name"]]["stop_days"] for t in doc["targets"]]
    informed = any(s >= 365 for s in stops)
    assert ("The 1-year figures are informed by the fit" in md) == informed
    assert ("The 1-year figures are not informed by the fit" in md) != informed
    # a fitted 1-year target flips it
    out = tmp_path / "flip"
    shutil.copytree(complete, out)
    doc["target_facts"][doc["targets"][0]["name"]]["stop_days"] = 365
    (out / "calibration.json").write_text(json.dumps(doc), encoding="utf-8")
    render(out)
    assert "The 1-year figures are informed by the fit" in (out / "report.md").read_text(encoding="utf-8")


def test_sector_targets_say_what_share_of_the_table_sector_they_cover(complete: Path) -> None:
    doc = _doc(complete)
    md = (complete / "report.md").read_text(encoding="utf-8")
    for name, f in doc["target_facts"].items():
        for code, share in f["io_cover"].items():
            assert f"{name}**" in md and f"{100 * share:.0f} % of input-output table sector {code}" in md
            for s in f["sectors"]:
                assert f"{s['id']} {s['io_share']:.2f}" in md


def test_a_published_estimate_in_yen_and_as_a_share_states_its_gdp_base(complete: Path) -> None:
    """NRI's JPY 660bn and 0.11 % imply ~JPY 600tn, not the model's 2025 base: the report says so, from the data."""
    doc = _doc(complete)
    targets = {t["name"]: t for t in [*doc["targets"], *(r["target"] for r in doc["reconciliation"])]}
    gdp = doc["target_facts"]["nri-3m"]["gdp"]
    text = " ".join(_section((complete / "report.md").read_text(encoding="utf-8"), 3).split())
    base = targets["nri-3m"]["value"] / (targets["nri-3m-gdp"]["value"] / 100)
    assert f"nri-3m and nri-3m-gdp state one estimate in yen and as a share, so they imply a GDP base of {fmt(base, 'JPY')}" in text
    assert f"not the model's {fmt(gdp, 'JPY')} (2025)" in text
    assert f"{100 * targets['nri-3m']['value'] / gdp:.3g} % of the model's base" in text
    assert fmt(base, "JPY") == "¥600.00tn" and fmt(0.0011 * gdp, "JPY") == "¥729bn"


def test_register_comes_from_the_snapshot_and_counts_match(complete: Path) -> None:
    md = (complete / "report.md").read_text(encoding="utf-8")
    sc = simulator.load_scenario(str(complete / SNAPSHOT), calibrated=False)
    free = {f["path"] for f in _doc(complete)["free"]}
    drawn = len([p for p in sc.uncertainty if p not in free])
    assert f"{drawn} keep their priors" in _section(md, 1)
    reg = _section(md, 12)
    assert "read from scenario.json" in reg
    for path in list(sc.uncertainty)[:5]:
        assert f"| {path} | drawn |" in reg


def test_old_results_say_what_was_not_computed(shipped: Path) -> None:
    doc = _doc(shipped)
    md = (shipped / "report.md").read_text(encoding="utf-8")
    if "backcasts" not in doc:
        assert NOT_COMPUTED in _section(md, 11)
    if "predictive" not in doc:
        assert NOT_COMPUTED in _section(md, 3)
    if "scenario_snapshot" not in doc and not (shipped / SNAPSHOT).is_file():
        assert NOT_COMPUTED in _section(md, 12) or "rebuilt from the current scenario files" in _section(md, 12)


def test_backcasts_show_coverage_and_every_observation(complete: Path) -> None:
    doc = _doc(complete)
    md = _section((complete / "report.md").read_text(encoding="utf-8"), 11)
    for name, b in doc["backcasts"].items():
        assert f"### {name}" in md
        n = b["coverage"]["n"]
        if n:
            assert f"Coverage of the {n} point observations" in md
        for row in b["observations"]:
            assert f"| {row['name']} |" in md


def test_specification_states_the_daily_phases(complete: Path) -> None:
    md = _section((complete / "report.md").read_text(encoding="utf-8"), 6)
    for phase in ("1. Arrivals", "2. National stockpile", "3. Requirements", "4. Use", "5. Output",
                  "6. Lost output and catch-up", "7. Orders", "8. Measures and shipping", "Accounting (after the horizon)"):
        assert f"**{phase}.**" in md
    assert md.count("```text") == md.count("```") / 2 >= 9


# ------------------------------------------------------------------ figures


def _figure_names() -> list[str]:
    return re.findall(r"\{\{ fig_(\w+) \}\}", _BODY)


@pytest.mark.parametrize("which", ["shipped", "complete"])
def test_every_figure_of_the_template_is_an_image(which: str, request: pytest.FixtureRequest) -> None:
    d: Path = request.getfixturevalue(which)
    md = (d / "report.md").read_text(encoding="utf-8")
    html = (d / "report.html").read_text(encoding="utf-8")
    names = _figure_names()
    assert set(names) == set(FIGURES)
    missing = [n for n in names if f"![{n}](figures/{n}.png)" not in md or not (d / "figures" / f"{n}.png").is_file()
               or f'<img alt="{n}" src="data:image/png;base64,' not in html]
    assert not missing, f"figures missing: {missing}"
    assert "figures/" not in html  # self-contained


def test_a_missing_figure_is_caught(complete: Path, tmp_path: Path) -> None:
    out = tmp_path / "c"
    shutil.copytree(complete, out)
    doc = _doc(out)
    del doc["calibrated_run"]["curve"]
    (out / "calibration.json").write_text(json.dumps(doc), encoding="utf-8")
    render(out)
    assert "![curve](figures/curve.png)" not in (out / "report.md").read_text(encoding="utf-8")
    assert NOT_COMPUTED in (out / "report.md").read_text(encoding="utf-8")


def _drawn_texts(fig: Figure) -> list[Text]:
    """Every text artist drawn: titles, axis labels, legends, annotations, and the tick labels inside the view."""
    ticks: set[Text] = set()
    out: list[Text] = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            eps = (hi - lo) * 1e-9
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                for lab in (tick.label1, tick.label2):
                    ticks.add(lab)
                    if tick.get_visible() and lo - eps <= tick.get_loc() <= hi + eps:
                        out.append(lab)
    out += [t for t in fig.findobj(Text) if t not in ticks]
    return [t for t in out if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("which", ["shipped", "complete"])
def test_no_label_is_cut_and_every_figure_has_a_legend(which: str, request: pytest.FixtureRequest) -> None:
    d: Path = request.getfixturevalue(which)
    figs = build_figures(d)
    assert figs
    for name, fig in figs.items():
        FigureCanvasAgg(fig)
        fig.canvas.draw()
        r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        bb = fig.bbox
        for t in _drawn_texts(fig):
            e = t.get_window_extent(r)
            assert e.x0 >= bb.x0 - 0.5 and e.y0 >= bb.y0 - 0.5 and e.x1 <= bb.x1 + 0.5 and e.y1 <= bb.y1 + 0.5, \
                f"{name}: {t.get_text()!r} cut ({e} outside {bb})"
        assert fig.legends or any(ax.get_legend() for ax in fig.axes), f"{name} has no legend"
        for ax in fig.axes:
            if ax.axison and (ax.lines or ax.collections or ax.patches):
                assert ax.get_xlabel().strip(), f"{name}: x axis unlabelled"
                categories = any(re.search(r"[a-z]", lab.get_text()) for lab in ax.get_yticklabels())
                assert ax.get_ylabel().strip() or categories, f"{name}: y axis unlabelled"
                if "JPY" in ax.get_xlabel() + ax.get_ylabel():
                    assert re.search(r"JPY (bn|tn), \d{4} money", ax.get_xlabel() + ax.get_ylabel()), f"{name}: money year"


# ------------------------------------------------------------------ citations


_URL = re.compile(r"\b[a-z0-9-]+(\.[a-z0-9-]+)+\.[a-z]{2,}(/\S*)?|\b[a-z0-9-]+\.(com|jp|net|org|ai|cn|co)(/\S*)?", re.I)
_DATE = re.compile(r"\b(19|20)\d{2}\b")


@pytest.mark.parametrize("which", ["shipped", "complete"])
def test_citations_resolve(which: str, request: pytest.FixtureRequest) -> None:
    d: Path = request.getfixturevalue(which)
    for f in ("report.md", "report.html"):
        text = (d / f).read_text(encoding="utf-8")
        for bad in ("FACTS", "DESIGN.md", "§"):
            assert bad not in text, f"{f} cites {bad}"
    md = (d / "report.md").read_text(encoding="utf-8")
    lines = _section(md, 3).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| "))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    table = [line for line in lines[start:end] if "---" not in line]  # the first table: the estimates and their sources
    head = [c.strip() for c in table[0].strip("|").split("|")]
    col = head.index("source")
    for line in table[1:]:
        source = [c.strip() for c in line.strip("|").split("|")][col]
        for part in source.split(";"):
            part = part.strip()
            assert _DATE.search(part), f"source without a date: {part!r}"
            named = re.search(r"[A-Z][A-Za-z&.\- ]{2,}", _DATE.sub("", part))
            assert _URL.search(part) or named, f"source neither a publication address nor a named publication: {part!r}"


def test_every_yen_figure_of_the_shipped_calibration_states_its_money_year() -> None:
    """calibration.json as `supplyshock calibrate` wrote it: every entry whose unit is the currency carries its year."""
    doc = json.loads((SHIPPED / "calibration.json").read_text(encoding="utf-8"))
    missing: list[str] = []

    def walk(x: Any, where: str) -> None:
        if isinstance(x, dict):
            if x.get("unit") == "JPY" and not x.get("money_year"):
                missing.append(where)
            for k, v in x.items():
                walk(v, f"{where}.{k}")
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, f"{where}[{i}]")

    walk(doc, "calibration.json")
    assert not missing, missing
    assert doc["calibrated_run"]["money_year"] == 2025
