"""The ``supplyshock`` command: the group, its commands and the entry point. No model logic here.

Exit codes: 0 ok, 2 bad input (a message naming the file or option, the field,
the rule and the value given; nothing is written), 1 internal error, 130 interrupted, 143 terminated.
"""

from __future__ import annotations

import signal
import sys
import warnings
from typing import TYPE_CHECKING, Any

import click

from simulator import __version__
from simulator.errors import InputError, InputWarning

if TYPE_CHECKING:

    pass


from simulator.cli.common import Stopped, Terminated, as_option, on_sigterm, plugins
from simulator.cli.run import explain_cmd, run_cmd
from simulator.cli.scenario_cmds import assumptions_cmd, scenarios_cmd, schema_cmd, validate_cmd
from simulator.cli.studies import compare_cmd, curve_cmd
from simulator.cli.sweep import report_cmd, sweep_cmd

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="supplyshock")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """What an export curb on a critical input costs an importing economy."""
    # a warning about the user's input raised anywhere in a command (a sweep loads its scenario once per variant)
    # is printed once, as `warning: file: field: rule; got value`, never as a Python warning with a source line
    shown: set[str] = set()
    previous = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None,
             line: str | None = None) -> None:
        if issubclass(category, InputWarning):
            if str(message) not in shown:
                shown.add(str(message))
                click.echo(f"warning: {message}", err=True)
        else:
            previous(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    ctx.call_on_close(lambda: setattr(warnings, "showwarning", previous))

for _cmd in (scenarios_cmd, schema_cmd, validate_cmd, run_cmd, explain_cmd, curve_cmd, assumptions_cmd, compare_cmd,
             sweep_cmd, report_cmd):
    cli.add_command(_cmd)
for _cmd in plugins("supplyshock.commands"):  # e.g. `calibrate`, from the calibration package
    cli.add_command(_cmd)


def main() -> None:
    """Console-script entry point.

    Exit codes: 0 ok, 2 bad input, 130 interrupted (Ctrl-C), 143 terminated
    (SIGTERM), 1 internal error. Interrupted or terminated, nothing is left
    behind, except a sweep's finished blocks, kept for ``--resume`` (the
    message says so and gives the command).
    """
    signal.signal(signal.SIGTERM, on_sigterm)
    # Ctrl-C means "stop": also when started from a shell that ignores SIGINT for background jobs
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        rv = cli.main(standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("interrupted: nothing written", err=True)
        sys.exit(130)
    except Terminated:
        click.echo("terminated: nothing written", err=True)
        sys.exit(143)
    except Stopped as exc:
        click.echo(exc.message, err=True)
        sys.exit(exc.code)
    except InputError as exc:  # anything not caught at the command level
        click.echo(f"error: {as_option(exc)}", err=True)
        sys.exit(2)
    sys.exit(rv if isinstance(rv, int) else 0)

if __name__ == "__main__":
    main()
