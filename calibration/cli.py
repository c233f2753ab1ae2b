"""``supplyshock calibrate`` and the calibration branch of ``supplyshock report``.

Registered with the ``supplyshock`` command group through the
``supplyshock.commands`` and ``supplyshock.reports`` entry points, so the
``simulator`` package never imports ``calibration``.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

import simulator
from simulator.cli.common import fail
from simulator.cli.options import OVERWRITE
from simulator.errors import InputError, suggest

if TYPE_CHECKING:
    from calibration.fit import FitResult
    from calibration.model import FreeParam
    from calibration.reconcile import Reconciliation
    from calibration.sensitivity import SobolResult
    from calibration.targets import Target
    from simulator.model.scenario import Scenario

# The calibration machinery (emcee, SALib, matplotlib, the engines) is imported inside the commands, so that
# registering them with `supplyshock` costs nothing until one runs.

__all__ = ["backcast_cmd", "calibrate_cmd", "is_calibration", "render_report"]

MIN_ST = 0.01
"""A candidate scale is freed by default when its total Sobol index of the GDP loss is at least this."""


def is_calibration(directory: Path) -> bool:
    """``directory`` holds a calibration's, an episode conditioning's or a backcast's results."""
    return any((Path(directory) / f).is_file() for f in ("calibration.json", "conditioning.json", "backcast.json"))


def render_report(directory: Path) -> Path:
    """Rebuild ``report.html`` and ``report.md`` of a calibration, conditioning or backcast results directory."""
    from calibration.report import render
    if (Path(directory) / "conditioning.json").is_file():
        from calibration.nowcast_report import render_conditioning

        return render_conditioning(directory)
    if (Path(directory) / "backcast.json").is_file():
        from calibration.backcast import render_backcast

        return render_backcast(directory)
    return render(directory)


def check_defaults_path(path: Path | None) -> None:
    """Refuse a ``--write-defaults`` that is a directory or lies in a missing one (before any work is done)."""
    if path is not None and path.exists() and path.is_dir():
        raise InputError("option", "--write-defaults", "must be a file path, not a directory", str(path))
    if path is not None and not path.absolute().parent.is_dir():
        raise InputError("option", "--write-defaults", "must be in an existing directory", str(path))


def write_defaults_file(path: Path, post: dict[str, object]) -> None:
    """Write a fitted sample (the layout ``calibration.posterior`` names) through the store (one rename), and say so."""
    from simulator.runs.store import write_json

    write_json(path, post, indent=1, newline=True)
    click.echo(f"calibrated defaults written to {path}")


def _write_manifest(directory: Path, fmt: str, sc: Scenario, **keys: Any) -> None:
    """The store's manifest (``manifest.json``) of a calibration's, a conditioning's or a backcast's (staged) directory.

    ``fmt`` is the layout of its results document, ``sc`` the scenario it ran (the first target's, the episode's),
    ``keys`` the random streams (seed, paths, engine) and the kind's own; its files are those written so far.
    """
    from simulator.runs.store import listing, manifest, write_json

    write_json(directory / "manifest.json", manifest(fmt, sc, files=[*listing(directory), "manifest.json"], **keys))


def _choose_free(targets: list[Target], n_base: int, seed: int, say: object, workers: int = 1) -> tuple[list[str], SobolResult]:
    """The candidates whose total Sobol index of the GDP loss is >= MIN_ST in some fitted target's scenario, largest
    first: at most three, plus one for each further stop length the targets cover (so a 1-year target can free an
    adaptation lever a 3-month one does not see). Returns the names and the first scenario's Sobol result."""
    from calibration.model import load_free
    from calibration.sensitivity import sobol
    from simulator.model.schema_prior import Prior
    cands = load_free()
    pri = {p.path: Prior(dist=p.dist, low=p.low, high=p.high, source=p.basis) for p in cands.values()}  # type: ignore[arg-type]
    by_path = {p.path: n for n, p in cands.items()}
    best: dict[str, float] = {}
    first: SobolResult | None = None
    seen: list[str] = []
    for t in targets:
        key = f"{t.scenario}|{sorted(t.overrides.items())!r}"
        if key in seen:
            continue
        seen.append(key)
        sc = simulator.load_scenario(t.scenario, overrides=t.overrides or None, calibrated=False)
        sc = sc.model_copy(update={"uncertainty": {**sc.uncertainty, **pri}})
        if callable(say):
            say(f"sensitivity on {t.scenario}: Sobol indices, N = {n_base} ({n_base * (len(sc.uncertainty) + 2):,} paths)")
        res = sobol(sc, n_base=n_base, seed=seed, workers=workers)
        first = first or res
        for name, st, _ in res.ranking("gdp_loss_pct"):
            if name in by_path:
                best[by_path[name]] = max(best.get(by_path[name], 0.0), st)
    if first is None:
        raise ValueError("no targets")
    ranked = sorted(best.items(), key=lambda x: -x[1])
    chosen = [n for n, st in ranked if st >= MIN_ST][:3 + len(seen) - 1]
    return (chosen or [ranked[0][0]]), first


@click.command("calibrate")
@click.option("--target", "target_names", multiple=True, metavar="NAME",
              help="Fit this target (repeatable) [default: the targets marked fit = true in calibration/data/targets.toml: nri-3m].")
@click.option("--targets-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Read targets from this TOML file (the layout of calibration/data/targets.toml) instead of the built-in ones.")
@click.option("--free", "free_names", multiple=True, metavar="NAME",
              help="Free this parameter (repeatable; candidates in calibration/data/free.toml) [default: the candidates "
                   "with a total Sobol index of the GDP loss >= 0.01].")
@click.option("--paths", "n_paths", type=int, default=1000, show_default=True, help="Paths per parameter vector.")
@click.option("--design", "n_design", type=int, default=64, show_default=True, help="Design points (a power of two).")
@click.option("--seed", type=int, default=20260107, show_default=True, help="The one seed of the whole calibration.")
@click.option("--steps", type=int, default=None,
              help="emcee steps per walker, the first quarter burn-in [default: 4000; with --episode 8000, as its "
                   "levers often press on a prior's bound, where the walkers mix more slowly].")
@click.option("--sensitivity-samples", "n_base", type=int, default=256, show_default=True,
              help="Sobol base samples N when choosing the free parameters.")
@click.option("--curve-paths", type=int, default=2000, show_default=True,
              help="Paths per duration of the report's loss-versus-duration curve (0: no curve).")
@click.option("--predictive-paths", type=int, default=5000, show_default=True,
              help="Paths of every published estimate's posterior and prior predictive distribution (>= 50).")
@click.option("--backcast-paths", type=int, default=500, show_default=True,
              help="Paths of the backcast of each shipped episode with the fitted sample (0: no backcasts).")
@click.option("--no-reconcile", is_flag=True, help="Skip the reconciliation with the other published estimates.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("calibration-results"), show_default=True,
              help="Results directory (calibration.json, posterior.json, design.csv, report.html, report.md, figures/).")
@OVERWRITE
@click.option("--write-defaults", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the posterior to this file (the layout an economy's [calibration] posterior names); "
                   "refused unless the fit converged.")
@click.option("--episode", default=None, metavar="EPISODE",
              help="Condition on an observed episode (a built-in name or an episode file) instead: its levers' posterior "
                   "given its observations, and the nowcast month by month. Alone unless --target is given (then jointly).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, metavar="DATE",
              help="With --episode: use the observations that ended on or before DATE (YYYY-MM-DD) [default: all].")
@click.option("--uncalibrated", is_flag=True,
              help="With --episode alone: the priors as written (ignore the economy's fitted sample).")
@click.option("--workers", type=int, default=None, metavar="K",
              help="Processes the simulations run on; the results are identical for any number "
                   "[default: the cores this process may use].")
@click.option("--quiet", is_flag=True, help="No progress messages.")
def calibrate_cmd(target_names: tuple[str, ...], targets_file: Path | None, free_names: tuple[str, ...], n_paths: int, n_design: int, seed: int,
                  steps: int | None, n_base: int, curve_paths: int, predictive_paths: int, backcast_paths: int, no_reconcile: bool, out: Path, overwrite: bool, write_defaults: Path | None,
                  episode: str | None, until: datetime.datetime | None, uncalibrated: bool, workers: int | None, quiet: bool) -> int:
    """Fit free parameters to published estimates, or condition them on an observed episode; write the results and
    the report.

    Exit codes: 0 converged, 1 not converged (results written for review, no
    defaults), 2 bad input.
    """
    say = _progress(quiet)
    if episode is None and (until is not None or uncalibrated):
        raise fail(InputError("option", "--until" if until is not None else "--uncalibrated", "applies with --episode only",
                              until.date().isoformat() if until is not None else True))
    if episode is not None:
        return _episode(episode, until.date() if until else None, list(target_names), targets_file, list(free_names), n_paths,
                           n_design, seed, 8000 if steps is None else steps, out, overwrite, write_defaults, not uncalibrated, say)
    try:
        opts = _fit_options(n_paths, n_design, seed, steps, n_base, curve_paths, predictive_paths, backcast_paths,
                            no_reconcile, workers)
        from calibration.model import pick_free
        from simulator.runs.store import check_out_dir

        targets, all_t = _fit_targets(list(target_names), targets_file)
        free = pick_free(list(free_names)) if free_names else None
        check_defaults_path(write_defaults)
        check_out_dir(out, overwrite)
        fit, recon, sens, free, others = _fit(targets, all_t, free, opts, say)
        doc, post, snap, sc = _review(targets, others, free, fit, recon, sens, opts, say)
        _write_calibration(out, overwrite, doc, post, snap, sc, fit, targets, free, opts)
        _print_calibration(out, doc)
        if not fit.converged:
            click.echo("not converged: see the report; no defaults written", err=True)
            return 1
        if write_defaults is not None:
            write_defaults_file(write_defaults, post)
        return 0
    except InputError as exc:
        raise fail(exc) from None


def _progress(quiet: bool) -> Callable[[str], None]:
    """The command's progress messages: on stderr, each after the seconds since this call; none when ``quiet``."""
    t0 = time.monotonic()

    def say(msg: str) -> None:
        if not quiet:
            click.echo(f"[{time.monotonic() - t0:6.1f} s] {msg}", err=True)

    return say


@dataclass(frozen=True)
class _FitOptions:
    """The options of ``calibrate`` without ``--episode``, checked: ``steps`` and ``workers`` resolved to numbers."""

    n_paths: int
    n_design: int
    seed: int
    steps: int
    n_base: int
    curve_paths: int
    predictive_paths: int
    backcast_paths: int
    no_reconcile: bool
    workers: int


def _fit_options(n_paths: int, n_design: int, seed: int, steps: int | None, n_base: int, curve_paths: int,
                 predictive_paths: int, backcast_paths: int, no_reconcile: bool, workers: int | None) -> _FitOptions:
    """Check the fit's options, then resolve ``steps`` (default 4000) and ``workers`` (default the usable cores).

    Raises
    ------
    InputError
        An option out of range (the first, in the order of the checks below).
    """
    if n_paths < 50:
        raise InputError("option", "--paths", "must be >= 50 (a median over fewer paths is mostly noise)", n_paths)
    if n_design < 8 or n_design & (n_design - 1):
        raise InputError("option", "--design", "must be a power of two >= 8", n_design)
    if n_base < 16 or n_base & (n_base - 1):  # checked here too, so a bad value stops before any work
        raise InputError("option", "--sensitivity-samples", "must be a power of two >= 16", n_base)
    steps = 4000 if steps is None else steps
    if steps < 200:
        raise InputError("option", "--steps", "must be >= 200", steps)
    if curve_paths < 0:
        raise InputError("option", "--curve-paths", "must be >= 0", curve_paths)
    if predictive_paths < 50:
        raise InputError("option", "--predictive-paths", "must be >= 50 (quantiles over fewer paths are mostly noise)",
                         predictive_paths)
    if backcast_paths != 0 and backcast_paths < 50:
        raise InputError("option", "--backcast-paths", "must be 0 or >= 50", backcast_paths)
    if seed < 0:
        raise InputError("option", "--seed", "must be >= 0", seed)
    if workers is not None and workers < 1:
        raise InputError("option", "--workers", "must be >= 1", workers)
    # the options are checked before the calibration machinery (emcee, SALib, matplotlib) is imported
    from calibration.parallel import available_workers

    workers = available_workers() if workers is None else workers
    return _FitOptions(n_paths=n_paths, n_design=n_design, seed=seed, steps=steps, n_base=n_base, curve_paths=curve_paths,
                       predictive_paths=predictive_paths, backcast_paths=backcast_paths, no_reconcile=no_reconcile,
                       workers=workers)


def _fit_targets(target_names: list[str], targets_file: Path | None) -> tuple[list[Target], dict[str, Target]]:
    """The fitted targets (those named, else those marked ``fit = true``) and every target of the file, by name.

    Raises
    ------
    InputError
        An unreadable targets file, an unknown name, or no target to fit.
    """
    from calibration.targets import load_targets, pick

    all_t = load_targets(targets_file)
    targets = pick(target_names, all_t) if target_names else [t for t in all_t.values() if t.fit]
    if not targets:
        raise InputError(str(targets_file or "targets.toml"), "targets", "must mark at least one target fit = true (or give --target)", 0)
    return targets, all_t


def _fit(targets: list[Target], all_t: dict[str, Target], free: list[FreeParam] | None, opts: _FitOptions,
         say: Callable[[str], None]) -> tuple[FitResult, list[Reconciliation], SobolResult | None, list[FreeParam], list[Target]]:
    """Choose the free parameters (when not given), fit them, and reconcile the other targets with the fit.

    Returns
    -------
    fit, reconciliations, sensitivity, free, others
        The fit, the other targets' reconciliations (none with ``no_reconcile``), the Sobol result that chose the
        free parameters (None when given), the free parameters and the other targets.
    """
    from calibration.fit import calibrate
    from calibration.model import pick_free
    from calibration.reconcile import reconcile

    sens = None
    if free is None:
        chosen, sens = _choose_free(targets, opts.n_base, opts.seed, say, opts.workers)
        free = pick_free(chosen)
        say("free parameters (by total Sobol index): " + ", ".join(p.name for p in free))
    others = [] if opts.no_reconcile else [t for n, t in all_t.items() if n not in {x.name for x in targets}]
    # the others on a fitted target's scenario are read from the fit's own runs
    fit = calibrate(targets, free, n_paths=opts.n_paths, seed=opts.seed, n_design=opts.n_design, steps=opts.steps,
                    burn=opts.steps // 4, progress=say, workers=opts.workers, also=others)
    recon = reconcile(fit, others, progress=say, workers=opts.workers) if others else []
    return fit, recon, sens, free, others


def _review(targets: list[Target], others: list[Target], free: list[FreeParam], fit: FitResult,
            recon: list[Reconciliation], sens: SobolResult | None, opts: _FitOptions,
            say: Callable[[str], None]) -> tuple[dict[str, Any], dict[str, Any], str, Scenario]:
    """The results document: provenance, the posterior, the predictives, the first target's calibrated run, the
    backcasts, the register's snapshot.

    Returns
    -------
    document, posterior, snapshot, scenario
        The results document, the posterior (``calibration.posterior``'s layout), the first target's scenario as
        JSON, and that scenario.
    """
    from calibration.register import SNAPSHOT, snapshot_hash
    from calibration.results import posterior_document, provenance, to_document
    from calibration.review import episode_backcasts, facts, predictive
    from simulator.model.loading import scenario_to_json

    scen = {}
    for t in targets:
        scen[t.name] = simulator.load_scenario(t.scenario, overrides=t.overrides or None, calibrated=False)
    prov = provenance(fit, {t.scenario + (" (with overrides)" if t.overrides else ""): scen[t.name] for t in targets})
    post = posterior_document(fit, prov)
    pred, per = predictive([*targets, *others], free, post, n_paths=opts.predictive_paths, seed=opts.seed, progress=say,
                           workers=opts.workers)
    t = targets[0]
    cal_run = _calibrated_run(t, scen[t.name], free, post, pred, per[t.name], opts, say)
    backs = episode_backcasts(post, n_paths=opts.backcast_paths, seed=opts.seed, progress=say) if opts.backcast_paths else None
    snap = scenario_to_json(scen[t.name])
    doc = to_document(fit, recon, sens, prov, cal_run, predictive=pred, facts=facts([*targets, *others]),
                      backcasts=backs, snapshot={"file": SNAPSHOT, "scenario": t.scenario,
                                                 "sha256": snapshot_hash(scen[t.name])})
    return doc, post, snap, scen[targets[0].name]


def _calibrated_run(t: Target, sc: Scenario, free: list[FreeParam], post: dict[str, Any], pred: dict[str, Any],
                    per: Any, opts: _FitOptions, say: Callable[[str], None]) -> dict[str, Any]:
    """The report's calibrated run of the first target ``t`` (its posterior predictive, per path) and, unless
    ``curve_paths`` is 0, the loss-versus-duration curve."""
    from calibration.review import CURVE_DAYS, CURVE_SCENARIO, duration_curve

    q = pred["targets"][t.name]["posterior"]
    money = sc.economy
    cal_run: dict[str, Any] = {"scenario": t.scenario, "quantity": t.quantity, "unit": t.unit, "target": t.value,
                                  "money_year": money.price_year or money.table_year if t.unit == money.currency
                                  else None, "paths": opts.predictive_paths, "q": q, "per_path": [float(f"{v:.6g}") for v in per]}
    if opts.curve_paths:
        say(f"loss versus duration: {CURVE_SCENARIO}'s stop ended at {len(CURVE_DAYS)} durations, each run past its "
            f"end, posterior and prior predictive ({opts.curve_paths:,} paths each, the same paths)")
        cal_run["curve"] = duration_curve(free, post, n_paths=opts.curve_paths, seed=opts.seed, workers=opts.workers)
    return cal_run


def _write_calibration(out: Path, overwrite: bool, doc: dict[str, Any], post: dict[str, Any], snap: str, sc: Scenario,
                       fit: FitResult, targets: list[Target], free: list[FreeParam], opts: _FitOptions) -> None:
    """Write the results directory through the store (staged, one rename): the results, the report, the manifest."""
    from calibration.report import render
    from calibration.results import FORMAT, write_results
    from simulator.runs.store import staged_dir

    with staged_dir(out, overwrite=overwrite) as tmp:
        write_results(tmp, doc, post, snap)
        render(tmp)
        _write_manifest(tmp, FORMAT, sc, seed=opts.seed, paths=opts.n_paths,
                        targets=[x.name for x in targets], free=[p.name for p in free], design_points=opts.n_design,
                        steps=opts.steps, converged=fit.converged)


def _print_calibration(out: Path, doc: dict[str, Any]) -> None:
    """Say where the results are, and each target's and free parameter's fit."""
    report = out / "report.html"
    click.echo(f"calibration written to {out} (report: {report})")
    for tg in doc["targets"]:
        click.echo(f"  {tg['name']}: published {tg['value']:.4g} {tg['unit']}, uncalibrated {tg['uncalibrated']:.4g} "
                   f"(z {tg['z_uncalibrated']:+.2f}), point fit {tg['point']:.4g} (z {tg['z_point']:+.2f})")
    for f in doc["free"]:
        q = f["posterior_q"]
        click.echo(f"  {f['name']}: point {f['point']:.3f}, posterior median {q[1]:.3f} [5-95 %: {q[0]:.3f}-{q[2]:.3f}], "
                   f"R-hat {f['rhat']:.3f}, ESS {f['ess_bulk']:.0f}")


def _episode(episode: str, until: datetime.date | None, target_names: list[str], targets_file: Path | None,
             free_names: list[str], n_paths: int, n_design: int, seed: int, steps: int, out: Path, overwrite: bool,
             write_defaults: Path | None, calibrated: bool, say: Callable[[str], None]) -> int:
    """``supplyshock calibrate --episode``: condition, write the results directory and report, print the nowcast.

    Returns the exit code: 0 when every chain mixed (R-hat < 1.05), 1 otherwise (results written, no defaults).
    """
    from calibration.backcast import json_ready
    from calibration.condition import FORMAT, condition, episode_free, summary_lines
    from calibration.episodes import load_episode
    from calibration.model import load_free
    from calibration.nowcast_report import render_conditioning
    from calibration.targets import load_targets, pick
    from simulator.runs.store import check_out_dir, staged_dir, write_json

    try:
        if n_paths < 50:
            raise InputError("option", "--paths", "must be >= 50 (a likelihood over fewer paths is mostly noise)", n_paths)
        if n_design < 8 or n_design & (n_design - 1):
            raise InputError("option", "--design", "must be a power of two >= 8", n_design)
        if steps < 200:
            raise InputError("option", "--steps", "must be >= 200", steps)
        if seed < 0:
            raise InputError("option", "--seed", "must be >= 0", seed)
        ep = load_episode(episode)
        targets = pick(target_names, load_targets(targets_file)) if target_names else []
        scales = load_free()
        sc = ep.build_scenario(calibrated=False)
        episode_free(ep, sc)  # an episode without levers is refused here
        for n in free_names:
            if n not in ep.free and not (targets and n in scales):
                known = list(ep.free) + (list(scales) if targets else [])
                raise InputError("option", "--free", "must name a lever of the episode ([free] in its file)"
                                 + (" or a candidate scale (with --target)" if targets else "") + suggest(n, known), n)
        lever_names = [n for n in free_names if n in ep.free]
        target_free = [scales[n] for n in free_names if n in scales and n not in ep.free] if free_names else (
            list(scales.values()) if targets else [])
        check_defaults_path(write_defaults)
        check_out_dir(out, overwrite)
        doc, post = condition(ep, until=until, free_names=lever_names, targets=targets, target_free=target_free,
                              n_paths=n_paths, n_design=n_design, seed=seed, steps=steps, calibrated=calibrated, progress=say)
        with staged_dir(out, overwrite=overwrite) as tmp:
            write_json(tmp / "conditioning.json", json_ready(doc), indent=1, newline=True)
            if post is not None:
                write_json(tmp / "posterior.json", post, indent=1, newline=True)
            render_conditioning(tmp)
            _write_manifest(tmp, FORMAT, ep.build_scenario(calibrated=calibrated and not targets), seed=seed,
                            paths=n_paths, episode=ep.name, until=doc["until"], free=[f["name"] for f in doc["free"]],
                            design_points=n_design, steps=steps, calibrated=doc["calibrated"])
    except InputError as exc:
        raise fail(exc) from None
    click.echo(f"conditioning written to {out} (report: {out / 'report.html'})")
    for line in summary_lines(doc):
        click.echo("  " + line)
    if post is None:
        click.echo(f"not converged (R-hat {doc['diagnostics']['rhat_max']:.3f} >= 1.05): see the report; no defaults written",
                   err=True)
        return 1
    if write_defaults is not None:
        write_defaults_file(write_defaults, post)
    return 0


# ------------------------------------------------------------------ command


@click.command("backcast")
@click.argument("episode")
@click.option("--paths", "n_paths", type=int, default=1000, show_default=True, help="Monte Carlo paths.")
@click.option("--seed", type=int, default=20101, show_default=True, help="The one seed (draws and observation errors).")
@click.option("--engine", type=click.Choice(["vectorised", "simpy"]), default="vectorised", show_default=True)
@click.option("--uncalibrated", is_flag=True, help="The priors as written (ignore the economy's fitted sample).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write backcast.json, report.html, report.md and figures/ to this directory.")
@OVERWRITE
def backcast_cmd(episode: str, n_paths: int, seed: int, engine: str, uncalibrated: bool, fmt: str, out: Path | None,
                 overwrite: bool) -> None:
    """Score the model on an observed EPISODE (a built-in name or an episode file).

    Built-in episodes: calibration/data/episodes (embargo-2010, licence-2025).
    Exit codes: 0 done, 2 bad input (nothing written).
    """
    from calibration.backcast import FORMAT, HEADER, backcast, json_ready, render_backcast, table_rows
    from calibration.episodes import load_episode
    from simulator.runs.store import check_out_dir, staged_dir, write_json

    t0 = time.monotonic()
    try:
        if n_paths < 50:
            raise InputError("option", "--paths", "must be >= 50 (quantiles over fewer paths are mostly noise)", n_paths)
        if seed < 0:
            raise InputError("option", "--seed", "must be >= 0", seed)
        ep = load_episode(episode)
        if out is not None:
            check_out_dir(out, overwrite)
        doc = backcast(ep, n_paths=n_paths, seed=seed, engine=engine, calibrated=not uncalibrated)
        if out is not None:
            with staged_dir(out, overwrite=overwrite) as tmp:
                write_json(tmp / "backcast.json", json_ready(doc), indent=1, newline=True)
                render_backcast(tmp)
                _write_manifest(tmp, FORMAT, ep.build_scenario(calibrated=not uncalibrated), seed=seed, paths=n_paths,
                                engine=engine, episode=ep.name, calibrated=doc["calibrated"])
    except InputError as exc:
        raise fail(exc) from None
    if fmt == "json":
        click.echo(json.dumps(json_ready(doc), indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    con = Console()
    tab = Table(title=f"backcast {ep.name}: {doc['scenario']} from {doc['anchor']}, {n_paths:,} paths, seed {seed}, "
                      f"{'calibrated' if doc['calibrated'] else 'uncalibrated'}", title_justify="left")
    for i, h in enumerate(HEADER):
        tab.add_column(h, justify="right" if i >= 3 else "left", overflow="fold")
    for r in table_rows(doc):
        tab.add_row(*r)
    con.print(tab)
    cov = doc["coverage"]
    if cov["n"]:
        con.print(f"coverage of {cov['n']} point observations: {cov['in50']:.0%} in the 50 % band, {cov['in90']:.0%} in "
                  f"the 90 % band; mean quantile {cov['mean_quantile']:.2f}")
    if out is not None:
        con.print(f"written to {out} (report: {out / 'report.html'})")
    con.print(f"[dim]{time.monotonic() - t0:.1f} s[/dim]")
