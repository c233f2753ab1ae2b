"""The day's phases in order: :data:`PHASES`, the table the vectorised engine's day loop runs.

:func:`simulator.engines.vectorised.run_days` calls them in the order of
:data:`~simulator.engines.rules.DAILY_STEP`, one day after another (the
compiled fused day is :func:`simulator.engines.compiled.loop.day`).
"""

from __future__ import annotations

from collections.abc import Callable

from simulator.engines.phases.firms import consume, convert, produce, requirements
from simulator.engines.phases.orders import decide, dispatch, order
from simulator.engines.phases.supply import arrivals, ramps, stockpile
from simulator.engines.rules import Phase
from simulator.engines.state.kernel import Kernel

__all__ = ["PHASES"]


PHASES: dict[Phase, Callable[[Kernel, int, bool], None]] = {
    Phase.RAMPS: ramps,
    Phase.ARRIVALS: arrivals,
    Phase.STOCKPILE: stockpile,
    Phase.REQUIREMENTS: requirements,
    Phase.CONSUME: consume,
    Phase.CONVERT: convert,
    Phase.PRODUCE: produce,
    Phase.DECIDE: decide,
    Phase.ORDER: order,
    Phase.DISPATCH: dispatch,
}
"""The phase functions of a day by phase (``RECORD`` is the recorders'), in :data:`DAILY_STEP` order."""
