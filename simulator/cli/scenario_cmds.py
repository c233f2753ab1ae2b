"""Commands about scenario files: ``scenarios``, ``schema``, ``validate`` and ``assumptions``.
"""

from __future__ import annotations

import csv
import io as _io
import json
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from simulator.cli.options import UNCALIBRATED

if TYPE_CHECKING:

    pass
from simulator.cli.common import load


@click.command("scenarios")
def scenarios_cmd() -> None:
    """List the built-in scenarios and economies (a scenario file ``extends`` an economy)."""
    from simulator.model.loading import list_economies, list_scenarios
    con = Console()
    for title, items in (("Built-in scenarios", list_scenarios()),
                         ("Built-in economies (extends = \"NAME\"; no shock)", list_economies())):
        table = Table(title=title, show_lines=False)
        table.add_column("name", style="bold")
        table.add_column("description")
        for name, desc in items.items():
            table.add_row(name, desc)
        con.print(table)


@click.command("schema")
@click.option("--markdown", "as_markdown", is_flag=True, help="The Markdown reference (docs/scenario-reference.md) instead of JSON Schema.")
def schema_cmd(as_markdown: bool) -> None:
    """Print the scenario file reference: JSON Schema, or Markdown with --markdown.

    Regenerate the documentation page with
    ``supplyshock schema --markdown > docs/scenario-reference.md``.
    """
    from simulator.model.reference import json_schema, markdown

    click.echo(markdown() if as_markdown else json.dumps(json_schema(), indent=2, ensure_ascii=False), nl=not as_markdown)


@click.command("validate")
@click.argument("file")
def validate_cmd(file: str) -> None:
    """Check a scenario file (or built-in scenario or economy name); print a summary and which fields are drawn, from which file's prior."""
    from simulator.model.loading import prior_origins
    sc = load(file)
    click.echo(
        f"{file}: ok: {len(sc.materials)} materials, {len(sc.sources)} sources, {len(sc.sectors)} sectors, "
        f"{len(sc.policy)} measures, {len(sc.uncertainty)} priors, horizon {sc.run.horizon_days} days"
    )
    drawn, overridden = prior_origins(file)
    if sc.uncertainty:
        click.echo("drawn on every path (prior from):")
        for path in sc.uncertainty:
            click.echo(f"  {path}  ({drawn.get(path, '?')})")
    for path, (value_file, prior_file) in overridden.items():
        click.echo(f"not drawn: {path} is set in {value_file}, which removes the prior from {prior_file}")


@click.command("assumptions")
@click.argument("scenario", default="japan-3m-curb")
@click.option("--format", "fmt", type=click.Choice(["markdown", "csv", "json"]), default="markdown", show_default=True)
@click.option("--status", "statuses", multiple=True, type=click.Choice(["fixed", "drawn", "fitted"]),
              help="Only fields of this status (repeatable).")


@UNCALIBRATED
def assumptions_cmd(scenario: str, fmt: str, statuses: tuple[str, ...], uncalibrated: bool) -> None:
    """Every field SCENARIO's run uses: fixed (value and citation), drawn (prior and source) or fitted, with units."""
    from simulator.model.assumptions import assumption_rows
    from simulator.model.fields import calibration_status

    sc = load(scenario, calibrated=not uncalibrated)
    rows = [r for r in assumption_rows(sc) if not statuses or r.status in statuses]
    head = ["field", "status", "value", "prior", "unit", "source"]
    if fmt == "json":
        click.echo(json.dumps({"scenario": sc.name, "calibration": calibration_status(sc),
                               "assumptions": [dict(zip(head, (r.path, r.status, r.value, r.prior, r.unit, r.source), strict=True))
                                               for r in rows]}, indent=1))
    elif fmt == "csv":
        buf = _io.StringIO()
        wr = csv.writer(buf)
        wr.writerow(head)
        for r in rows:
            wr.writerow([r.path, r.status, r.value, r.prior, r.unit, r.source])
        click.echo(buf.getvalue(), nl=False)
    else:
        n = {st: sum(r.status == st for r in rows) for st in ("fitted", "drawn", "fixed")}
        click.echo(f"# Assumptions of {sc.name}\n\n{calibration_status(sc)}; {n['fitted']} fitted, {n['drawn']} drawn on every "
                   f"path, {n['fixed']} fixed (with the adaptation switches and run settings).\n")
        click.echo("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
        for r in rows:
            click.echo("| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in
                                         (f"`{r.path}`", r.status, r.value, r.prior, r.unit, r.source)) + " |")
