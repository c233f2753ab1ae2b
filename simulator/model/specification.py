"""The model's specification: the daily step and its accounting as equations, each symbol with its field and unit.

One text, three readers: ``docs/model.md`` (written by ``python -m
simulator.model.specification --write``; a test checks it is current), the
calibration report's model section, and the engines' docstrings, which cite
``docs/model.md``. Plain text with Unicode mathematics (no TeX), so it reads the
same in Markdown and HTML. It follows the phases of the engines (see
:mod:`simulator.engines.phases` and the SimPy engine's processes) and
:mod:`simulator.economics.impact`.
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from pathlib import Path
from typing import Any

import markupsafe
from pydantic import BaseModel

from simulator.model.fields import unit_of
from simulator.model.scenario import Scenario

__all__ = ["NOTATION", "PHASES", "SYMBOLS", "document", "field_owner", "specification", "symbol_unit"]

NOTATION = (
    "Every Monte Carlo path p draws its own value of every parameter with a prior (and one row of the fitted sample "
    "for the fitted scales); the paths are independent and p is left out below. Day t = 0 … H−1 (H the horizon); "
    "material m; source k; model sector s (a share io_share_s of table sector j(s)); a use u = (s, m) of material m by "
    "sector s, or an input of a domestic conversion; firm cohort c = 1 … C with weight w_c = 1/C. "
    "ramp(t; a, L) = min(1, max(0, (t − a)/L)) (a step at a when L = 0); [x]⁺ = max(x, 0); t⁰_m is the first start day "
    "of a measure on material m (the day the disruption is known)."
)

PHASES: tuple[tuple[str, str, str], ...] = (
    ("Stocks and scales",
     "Each firm cohort holds its own stock I_{u,c} of each material it uses, starting at its normal stock N_{u,c}. "
     "The fitted scales multiply their groups on every path (capped where stated).",
     "d_m = annual_demand_m / 365                      (t/day)\n"
     "b_u = use_share_u · d_m                           (baseline use, t/day)\n"
     "N_{u,c} = D_m · φ_s · z_{m,c} · w_c · b_u,   D_m = inventory_days_m · cover_scale\n"
     "  φ_s = cover_factor_s (use-weighted mean 1),  z_{m,c} = cohort c's quantile of a lognormal, mean 1, σ = inventory_spread_m\n"
     "κ_{s,m} = min(1, criticality_{s,m} · criticality_scale)\n"
     "γ_s = min(1, catch_up_share_s · catch_up_scale),   o_s = overtime_rate_s"),
    ("1. Arrivals",
     "Shipments due arrive and are delivered to the firms rank by rank (priority): a rank whose gaps the delivery "
     "covers is filled; otherwise the delivery is shared pro rata to the gaps, or with triage θ partly to the uses "
     "that save the most value added per tonne first. What is left after every gap goes to the sectors' firms by "
     "baseline use (their day's use); a conversion's firms are filled up to at least the recipe's inputs (a_u t per "
     "t) for what was ordered from it yesterday (O_q), which it makes today, however little cover they hold.",
     "A_m(t) = Σ_k X_{k,m}(t − τ_k)                    (X shipped, τ_k transit days)\n"
     "G_{u,c}(t) = [N_{u,c} − I_{u,c}(t)]⁺              (gap to normal stock)\n"
     "G_{u,c}(t) = [max(N_{u,c}, w_c · a_u · O_q(t − 1)) − I_{u,c}(t)]⁺   (u an input of conversion q)\n"
     "rank not covered:  δ_{u,c} = (1 − θ) · A_rest · G_{u,c} / Σ_{rank} G  +  θ · (value-ordered share)\n"
     "I_{u,c} ← I_{u,c} + δ_{u,c}"),
    ("2. National stockpile",
     "From the decision lag after the disruption is known, the agency tops the firms up towards the trigger cover, at "
     "most the maximum release a day, shared out as arrivals are.",
     "R_m(t) = min( S_m(t),  ρ_m · d_m,  Σ_{u,c} [T_m · d_m · v_{u,c} − I_{u,c}(t)]⁺ )   for t ≥ t⁰_m + lag_m\n"
     "S_m(t+1) = S_m(t) − R_m(t),   S_m(0) = stockpile.days_m · d_m,   v_{u,c} = w_c · b_u / Σ_u b_u\n"
     "  (T_m trigger_cover_days, ρ_m max_release_per_day)"),
    ("3. Requirements",
     "Firms need their baseline use less thrift; a sector with a backlog of lost output plans catch-up at up to its "
     "overtime rate; a conversion's firms need the recipe's inputs for what was ordered from it yesterday.",
     "h_{s,m}(t) = thrift_{s,m} · ramp(t; t⁰_m + thrift_lag_{s,m}, thrift_ramp_{s,m})\n"
     "n_{u,c}(t) = w_c · b_u · (1 − h_{s,m}(t))\n"
     "e_s(t) = min(o_s, B_s(t)),   n^cu_{u,c}(t) = e_s(t) · n_{u,c}(t)"),
    ("4. Use",
     "Each firm uses its own stock (firms do not pool); catch-up uses only material above the firm's normal stock, so "
     "overtime never eats the buffer that protects tomorrow's output; a conversion makes what its scarcest input "
     "allows.",
     "r_{u,c}(t) = min(1, I_{u,c} / n_{u,c}),   I_{u,c} ← I_{u,c} − min(I_{u,c}, n_{u,c})\n"
     "r^cu_{u,c}(t) = min(1, [I_{u,c} − N_{u,c}]⁺ / n^cu_{u,c})"),
    ("5. Output",
     "Each cohort's output is the minimum over its materials of one less criticality times the share of the need "
     "not met; criticality falls to its floor as products are redesigned.",
     "κ^floor_{s,m} = min(κ_{s,m}, [κ_{s,m} − (κ_{s,m} − min(1, criticality_floor_{s,m} · criticality_scale)) · substitution_scale]⁺)\n"
     "κ_{s,m}(t) = κ_{s,m} − (κ_{s,m} − κ^floor_{s,m}) · ramp(t; t⁰_m + substitution_lag_{s,m}, substitution_days_{s,m})\n"
     "f_{s,c}(t) = min_m [ 1 − κ_{s,m}(t) · (1 − r_{(s,m),c}(t)) ],    f_s(t) = Σ_c w_c · f_{s,c}(t)"),
    ("6. Lost output and catch-up",
     "A share of lost output joins the backlog; catch-up is made by cohorts at full output with material to spare, "
     "until the catch-up window after the disruption starts ends (the backlog left is lost).",
     "g_{s,c}(t) = min_m [ 1 − κ_{s,m}(t) · (1 − r^cu_{(s,m),c}(t)) ]\n"
     "y_s(t) = Σ_c w_c · 1[f_{s,c}(t) = 1] · e_s(t) · g_{s,c}(t)           (made up, share of daily output)\n"
     "B_s(t+1) = [B_s(t) + γ_s · (1 − f_s(t)) − y_s(t)]⁺,   B_s = 0 after t_start + catch_up_window_s\n"
     "L_s(t) = (1 − f_s(t) − y_s(t)) · Y_s,   Y_s = io_share_s · X_{j(s)} / 365  (planned daily output)"),
    ("7. Orders",
     "Licence decisions due are taken; the importer orders up to its target position: cover, the pipeline its "
     "current supply mix needs, the licensed flow times the wait it plans for, the material for the backlog, and "
     "any stockpile released so far. Once the disruption is known, alternative suppliers get the share at risk "
     "first, up to their ramping capacity.",
     "P_m(t) = D_m · d_m + Σ_k q¹_{k,m}(t) · τ_k  [+ licensed flow × planned wait]\n"
     "O_m(t) = [ P_m(t) + Σ_{τ≤t} R_m(τ) + Σ_s b_{s,m} · B_s(t) − I_m(t) − Π_m(t) ]⁺     (Π pipeline in transit)\n"
     "cap_k(t) = baseline_k + extra_capacity_k · capacity_scale · ramp(t; t⁰_m + ramp_lag_k, ramp_days_k)\n"
     "to alternatives: min(Σ_alt cap_k(t), O_m · (1 − share at risk));  the rest by baseline shares"),
    ("8. Measures and shipping",
     "At a source under a measure with coverage c, uncovered users buy as before up to their baseline flow F; the "
     "covered share is dropped (ban), capped (quota) or filed as a licence application; leakage builds up after a "
     "lag. Shipments arrive after the source's transit time.",
     "ℓ(t) = min(1, leakage · leakage_scale) · ramp(t; start + leakage_lag, leakage_days)\n"
     "ban, quota:  ship = min(q, F)·(1 − c) + min(q·c, π(t)·c·F),   π(t) = quota + ℓ(t)·(1 − quota)  (ban: quota = 0)\n"
     "licence:     exempt and leaked shares ship; the rest waits acceptance + a drawn processing time; then\n"
     "             approve share ships, reject share returns to unfilled demand, the rest waits again\n"
     "X_{k,m}(t) arrives on day t + τ_k"),
    ("Accounting (after the horizon)",
     "Gross output lost by model sector is mapped to the table's sectors; a table sector loses the larger of its own "
     "constrained loss and the loss induced by the lost purchases of the others (domestic input coefficients), so "
     "linked sectors are not counted twice; value added lost divides by the GDP base for the share of GDP.",
     "c_s = π_price · Σ_t L_s(t),   π_price = price_index[price_year] / price_index[table_year]\n"
     "c_j = Σ_{s: j(s) = j} c_s,   ℓ = max(c, A_d · ℓ)  (fixed point, elementwise)\n"
     "value added lost  VA = v · ℓ  (v value added per unit of output),   GDP loss (%) = 100 · VA / GDP\n"
     "sectors' output lost (% of plan) = 100 · Σ_{s∈S'} Σ_t L_s(t) / Σ_{s∈S'} Y_s · H"),
)
"""(title, what happens, equations): the phases of a day in order, then the accounting."""

SYMBOLS: tuple[tuple[str, str, str, str], ...] = (
    ("H", "horizon", "run.horizon_days", ""),
    ("d_m", "baseline demand of material m, annual_demand / 365", "materials.M.annual_demand", ""),
    ("b_u", "baseline use of a use u = (s, m), use_share · d_m", "sectors.S.materials.M.use_share", ""),
    ("D_m", "corporate cover, times the fitted cover scale", "materials.M.inventory_days", ""),
    ("", "fitted scale of every cover", "calibration.cover_scale", ""),
    ("φ_s", "a sector's cover relative to the economy's", "sectors.S.cover_factor", ""),
    ("σ_m", "spread of cover across firm cohorts (lognormal sigma)", "materials.M.inventory_spread", ""),
    ("C", "firm cohorts per sector", "firms.cohorts", ""),
    ("", "correlation of a cohort's covers across materials", "firms.cover_correlation", ""),
    ("θ", "triage: share of scarce deliveries to the uses that save the most value added per tonne",
     "firms.triage", ""),
    ("rank", "delivery priority of a use (lower first)", "sectors.S.materials.M.priority", ""),
    ("S_m(0)", "national stockpile at the start", "materials.M.stockpile.days", ""),
    ("T_m", "cover the stockpile tops firms up to", "materials.M.stockpile.trigger_cover_days", ""),
    ("lag_m", "days from the disruption being known to the first release",
     "materials.M.stockpile.decision_lag_days", ""),
    ("ρ_m", "most released a day", "materials.M.stockpile.max_release_per_day", ""),
    ("thrift_{s,m}", "cut in use per unit of output, reached after a lag and a ramp",
     "sectors.S.materials.M.thrift", ""),
    ("", "lag and ramp of thrift", "sectors.S.materials.M.thrift_lag_days, thrift_ramp_days", ""),
    ("κ_{s,m}", "criticality: share of output lost per share of need not met, times the fitted scale",
     "sectors.S.materials.M.criticality", ""),
    ("", "fitted scale of every criticality", "calibration.criticality_scale", ""),
    ("κ^floor_{s,m}", "criticality once products are redesigned", "sectors.S.materials.M.criticality_floor", ""),
    ("", "lag and ramp of substitution", "sectors.S.materials.M.substitution_lag_days, substitution_days", ""),
    ("", "scale of how far substitution lowers criticality", "calibration.substitution_scale", ""),
    ("γ_s", "share of lost output made up later, times the fitted scale", "sectors.S.catch_up_share", ""),
    ("", "fitted scale of every catch-up share", "calibration.catch_up_scale", ""),
    ("o_s", "extra output a day while catching up", "sectors.S.overtime_rate", ""),
    ("", "catch-up ends this long after the disruption starts", "sectors.S.catch_up_window_days", ""),
    ("Y_s", "planned daily output, io_share · the table sector's output / 365", "sectors.S.io_share", ""),
    ("j(s)", "the table sector a model sector is a share of", "sectors.S.io_sector", "code"),
    ("τ_k", "transit time from source k", "sources.K.transit_days", ""),
    ("q¹_{k,m}", "baseline share of material m from source k", "sources.K.supply.M.share", ""),
    ("extra_capacity_k", "capacity an alternative supplier adds, times the capacity scale",
     "sources.K.supply.M.extra_capacity", ""),
    ("", "scale of every extra capacity", "calibration.capacity_scale", ""),
    ("", "lag and ramp of extra capacity", "sources.K.supply.M.ramp_lag_days, ramp_days", ""),
    ("", "price above the baseline paid to an alternative supplier", "sources.K.supply.M.price_premium", ""),
    ("", "tonnes of each input per tonne a domestic conversion makes", "sources.K.supply.M.recipe", "t/t"),
    ("c", "coverage: share of the flow the measure applies to", "policy.J.coverage", ""),
    ("quota", "share of the covered baseline flow a quota lets through", "policy.J.quota_share", ""),
    ("ℓ", "leakage: share of the covered flow that arrives anyway, after a lag and a ramp", "policy.J.leakage", ""),
    ("", "lag and ramp of leakage", "policy.J.leakage_lag_days, leakage_days", ""),
    ("", "scale of every leakage", "calibration.leakage_scale", ""),
    ("", "first and last day of a measure", "policy.J.start_day, end_day", ""),
    ("", "licence: approved, rejected and exempt shares of what is decided",
     "policy.J.approve_share, reject_share, exempt_share", ""),
    ("", "licence: days to accept an application, and the processing time",
     "policy.J.acceptance_days, processing_days", ""),
    ("", "licence: most decided a working day (a backlog builds above it)", "policy.J.capacity", ""),
    ("π_price", "price level of the price year over the table year's",
     "economy.price_index", "currency (nominal GDP level)"),
    ("GDP", "GDP of the price year", "economy.gdp", ""),
    ("A_d, v", "domestic input coefficients and value added per unit of output", "economy.io_table", "table"),
)
"""(symbol, meaning, scenario field with M/S/K/J for a material, sector, source or measure id, unit for a field the
schema gives none, else empty); a symbol left empty is a field the equations use through the symbol above it. The
unit shown is the schema's where it has one (:func:`symbol_unit`), so it cannot drift from the scenario file
reference."""


_IDS = frozenset({"M", "S", "K", "J"})


def field_owner(path: str) -> tuple[type[BaseModel], str] | None:
    """The schema model and field name a dotted path names (ids written ``M``, ``S``, ``K``, ``J``), or None.

    ``"sectors.S.materials.M.criticality"`` -> ``(SectorMaterial, "criticality")``; a measure field
    (``policy.J.…``) is looked up in every kind of measure.
    """
    kinds: list[Any] = [Scenario]
    owner: tuple[type[BaseModel], str] | None = None
    for part in path.split("."):
        nxt: list[Any] = []
        for tp in kinds:
            if part in _IDS:
                nxt += [t for t in _inner(tp) if typing.get_origin(t) is dict for t in _inner(typing.get_args(t)[1])]
            else:
                for cls in _inner(tp):
                    if isinstance(cls, type) and issubclass(cls, BaseModel) and part in cls.model_fields:
                        nxt.append(cls.model_fields[part].annotation)
                        owner = owner if owner and owner[1] == part and owner[0] is cls else (cls, part)
        if not nxt:
            return None
        kinds = nxt
    return owner


def _inner(tp: Any) -> list[Any]:
    """The types a field annotation can hold (Annotated, Optional and unions unwrapped)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _inner(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [x for a in typing.get_args(tp) for x in _inner(a)]
    return [tp]


def symbol_unit(field: str, stated: str) -> str:
    """The unit of a symbol's field: the schema's where the field has one, else ``stated``."""
    owner = field_owner(field.split(",")[0].strip())
    u = unit_of(*owner) if owner is not None else None
    return u.unit if u is not None else stated


def _symbols_md() -> str:
    rows = ["| symbol | meaning | scenario field | unit |", "|---|---|---|---|"]
    rows += [f"| {sym or ''} | {what} | `{field}` | {symbol_unit(field, unit)} |" for sym, what, field, unit in SYMBOLS]
    return "\n".join(rows)


def document() -> str:
    """``docs/model.md``: the model's specification, with every symbol's scenario field and unit."""
    head = ("# The model: one day, as equations\n\n"
            "Written by `python -m simulator.model.specification --write` from `simulator/model/specification.py` (the same text "
            "is the model section of the calibration report). Both engines implement it, phase by phase and in this "
            "order; `tests/test_agreement.py` holds them to the same numbers, and `tests/test_phases.py` each phase.\n\n"
            "## Symbols\n\nA field path has `M`, `S`, `K` or `J` where a material, sector, source or measure id "
            "goes; the units are those of the scenario file (`supplyshock schema --markdown`).\n\n")
    return head + _symbols_md() + "\n\n## The daily step\n\n" + specification(md=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m simulator.model.specification [--write]``: print docs/model.md, or write it."""
    ap = argparse.ArgumentParser(description="Print or write docs/model.md, the model's specification.")
    ap.add_argument("--write", action="store_true", help="write docs/model.md beside the package")
    a = ap.parse_args(argv)
    if a.write:
        path = Path(__file__).resolve().parents[2] / "docs" / "model.md"
        path.write_text(document(), encoding="utf-8")
        print(f"wrote {path}")
    else:
        sys.stdout.write(document())
    return 0


def specification(md: bool) -> str:
    """The notation and every phase's equations, as Markdown (``md``) or HTML."""
    out = []
    if md:
        out.append(NOTATION)
        for title, text, eq in PHASES:
            out.append(f"**{title}.** {text}")
            out.append("```text\n" + eq + "\n```")
        return "\n\n".join(out)
    esc = markupsafe.escape
    out.append(f"<p>{esc(NOTATION)}</p>")
    for title, text, eq in PHASES:
        out.append(f"<p><b>{esc(title)}.</b> {esc(text)}</p>")
        out.append(f"<pre class='eq'>{esc(eq)}</pre>")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
