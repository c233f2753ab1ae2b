"""Defaults that the command line shows in its help before it loads the model (this module imports nothing)."""

DEFAULT_BLOCK_SIZE = 10_000
"""Paths per block: the unit of streaming, of parallel work and of the random streams (see :mod:`simulator.model.draws`)."""

DEFAULT_DURATIONS = (30, 60, 90, 120, 180, 270, 365)
"""Durations (days) of a loss-versus-duration curve."""
