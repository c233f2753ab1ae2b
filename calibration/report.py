"""The calibration report: self-contained HTML (figures embedded) and Markdown (figures beside it).

Rendered from a results directory's ``calibration.json`` (and the fitted
scenario's snapshot stored beside it) alone, so ``supplyshock report DIR`` can
rebuild it at any time. It opens with what was fitted and what the fit
identifies; every model figure carries one of a few labels, each defined once
(section 2), so the same loss computed different ways is never shown as if it
were one number.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from matplotlib.figure import Figure

from calibration.report_context import Context
from calibration.report_figures import FIGURES, caption, figures
from calibration.report_markup import inline
from calibration.report_sections import sections
from simulator.errors import InputError
from simulator.reports.figures import to_png_base64
from simulator.runs.store import write_file

__all__ = ["build_figures", "read_document", "render"]

_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>supplyshock calibration report</title>
<style>body{font-family:system-ui,sans-serif;max-width:1250px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:0.6em 0 1.2em;font-size:0.92em;max-width:100%}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;overflow-wrap:break-word;max-width:38em}
th{background:#f1f4f8;text-align:left}td.n{text-align:right;white-space:nowrap}.bad{color:#b8322a;font-weight:bold}.ok{color:#1c7c3a;font-weight:bold}
.small{font-size:0.85em;color:#555}td.src{overflow-wrap:anywhere;min-width:14em}td:last-child{overflow-wrap:anywhere}img{max-width:100%}h2{border-bottom:1px solid #ddd;padding-bottom:0.2em;margin-top:1.6em}
pre.eq{background:#f7f7f4;border:1px solid #e2e2dc;padding:0.5em 0.8em;overflow-x:auto;font-size:0.9em;line-height:1.5}
.banner{background:#fbeaea;border:1px solid #b8322a;padding:0.6em 0.9em}figure{margin:1em 0}figcaption{font-size:0.9em;color:#444}
ul{margin:0.4em 0 0.8em}li{margin:0.25em 0}</style></head><body>
{{ body }}
</body></html>"""

_BODY = """# Calibration report

{{ banner }}

{{ run_line }}

## 1. What was fitted and what the fit identifies

{{ summary }}

## 2. How to read the model's figures

The model gives several figures for one published estimate. Each label below has one definition and is used for nothing else in this report.

{{ labels_table }}

{{ why_text }}

## 3. Targets: published estimates and the model

A published estimate is another model's output, not an observation: each carries a stated relative standard deviation (sd, a judgement recorded with the estimate), and *z* is the model's distance from it in those sds. {{ targets_intro }}

{{ targets_table }}

{{ fig_targets }}

What each estimate covers, as the publication states it and as the model computes it (the model's side {{ facts_origin }}):

{{ covers_table }}

{{ sector_text }}

## 4. Free parameters: prior, point fit and posterior

Each free parameter is a common scale over a group of judgement parameters: it moves their level and keeps the relative judgements between materials and sectors (1 x = the economy as written). Every other parameter keeps its prior or its fixed value (section 12).

{{ free_table }}

{{ fig_prior_posterior }}

## 5. What the targets pin down (identifiability)

{{ ident_text }}

{{ directions_table }}

{{ fig_pairs }}

Objective profiles: the emulated objective (sum of squared *z* plus the small ridge penalty) at each value of one parameter, minimised over the others (solid) and with the others held at the point fit (dashed); the dotted line is an objective of 1 (one sd off). A solid line flat near 0 means the targets do not pin that parameter down on its own: at every value the others can make up the difference. The dashed line shows how sharply it is pinned once the others are fixed.

{{ fig_profiles }}

## 6. Model specification: the daily step

{{ spec }}

## 7. Method and diagnostics

{{ method_text }}

{{ diagnostics_table }}

Emulator check (posterior draws simulated afresh on the fit's paths):

{{ check_table }}

## 8. Sensitivity (Sobol indices, before fitting)

{{ sensitivity_text }}

{{ sensitivity_tables }}

## 9. The calibrated model

{{ calibrated_text }}

{{ fig_calibrated }}

{{ curve_text }}

{{ fig_curve }}

## 10. Reconciliation with the other published estimates

{{ recon_intro }}

{{ recon_table }}

{{ recon_text }}

What each mechanism contributes: the estimate's quantity simulated at the point fit (first row), and its change with each mechanism switched off (a mechanism that cannot act within the scenario's horizon changes nothing):

{{ mech_table }}

## 11. Backcasts of the shipped episodes

{{ backcasts }}

## 12. Assumptions register: every parameter of the fitted scenario

{{ register_text }}

{{ register_table }}

## 13. Reproducibility

{{ provenance_table }}
"""


def _md_to_html(text: str) -> str:
    """The few Markdown forms the body uses (headings, bold, italics, paragraphs) as HTML; blocks that are already
    HTML pass through."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        b = block.strip()
        if b.startswith("<"):
            out.append(b)
            continue
        h = inline(b)
        if h.startswith("# "):
            out.append(f"<h1>{h[2:]}</h1>")
        elif h.startswith("## "):
            out.append(f"<h2>{h[3:]}</h2>")
        elif h.startswith("### "):
            out.append(f"<h3>{h[4:]}</h3>")
        else:
            out.append(f"<p>{h}</p>")
    return "\n".join(out)


def read_document(directory: Path) -> dict[str, Any]:
    """``calibration.json`` of a results directory.

    Raises
    ------
    InputError
        ``directory`` holds no readable calibration results file.
    """
    path = Path(directory) / "calibration.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(str(path), "(file)", "must be a calibration results file (supplyshock calibrate --out)", str(exc)) from None
    if doc.get("format") != "supplyshock-calibration/1":
        raise InputError(str(path), "format", "must be supplyshock-calibration/1", doc.get("format"))
    return doc  # type: ignore[no-any-return]


def build_figures(directory: Path) -> dict[str, Figure]:
    """The report's figures for a results directory (unsaved), by name."""
    doc = read_document(directory)
    return figures(Context.read(directory, doc))


def render(directory: Path) -> Path:
    """Write ``report.html`` and ``report.md`` (with ``figures/*.png``) for a calibration results directory.

    Raises
    ------
    InputError
        ``directory`` holds no readable ``calibration.json``.
    """
    doc = read_document(directory)
    ctx = Context.read(directory, doc)
    figs = figures(ctx)
    figdir = Path(directory) / "figures"
    figdir.mkdir(exist_ok=True)
    md_figs, html_figs = {}, {}
    for i, (name, fig) in enumerate(figs.items(), start=1):
        write_file(figdir / f"{name}.png", functools.partial(fig.savefig, dpi=110, format="png"))
        cap = f"Figure {i}. {caption(name, ctx)}"
        md_figs[name] = f"![{name}](figures/{name}.png)\n\n*{cap}*"
        html_figs[name] = (f'<figure><img alt="{name}" src="data:image/png;base64,{to_png_base64(fig)}">'
                           f"<figcaption>{markupsafe.escape(cap)}</figcaption></figure>")
    for name in FIGURES:
        md_figs.setdefault(name, "")
        html_figs.setdefault(name, "")
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    md = env.from_string(_BODY).render(**sections(ctx, True, md_figs))
    md = re.sub(r"\n{3,}", "\n\n", md)
    write_file(Path(directory) / "report.md", md)
    body = env.from_string(_BODY).render(**sections(ctx, False, html_figs))
    html = env.from_string(_HTML).render(body=_md_to_html(body))
    out = Path(directory) / "report.html"
    write_file(out, html)
    return out
