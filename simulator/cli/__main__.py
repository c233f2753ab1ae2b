"""``python -m simulator.cli``: the command line."""

from simulator.cli.main import main

main()
