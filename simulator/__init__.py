"""supplyshock: what an export curb on a critical input costs an importing economy.

>>> import simulator
>>> sc = simulator.load_scenario("japan-3m-curb")
>>> draws = simulator.sample_draws(sc, n_paths=2, seed=1)
>>> impact = simulator.assess(simulator.simulate(sc, draws, engine="simpy"), sc)
>>> impact.gdp_loss_pct.shape
(2,)

The names below are imported on first use (PEP 562), so that ``import
simulator`` and the command line's ``--help`` do not pay for the engines,
pandas and SciPy until they are needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "simulate": "simulator.api",
    "Draws": "simulator.model.draws",
    "sample_draws": "simulator.model.draws",
    "Impact": "simulator.economics.impact",
    "assess": "simulator.economics.impact",
    "InputError": "simulator.errors",
    "list_scenarios": "simulator.model.loading",
    "load_scenario": "simulator.model.loading",
    "Scenario": "simulator.model.scenario",
    "Trajectories": "simulator.engines.trajectories",
}
"""Public name -> the module that defines it."""

__all__ = [
    "Draws",
    "Impact",
    "InputError",
    "Scenario",
    "Trajectories",
    "assess",
    "list_scenarios",
    "load_scenario",
    "sample_draws",
    "simulate",
]

if TYPE_CHECKING:
    from simulator.api import simulate
    from simulator.economics.impact import Impact, assess
    from simulator.engines.trajectories import Trajectories
    from simulator.errors import InputError
    from simulator.model.draws import Draws, sample_draws
    from simulator.model.loading import list_scenarios, load_scenario
    from simulator.model.scenario import Scenario


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
