"""The Python API: draws, simulation with either engine, assessment."""

from __future__ import annotations

from typing import Literal

from simulator.economics.leontief import price_scale
from simulator.engines.resolve import resolve
from simulator.engines.trajectories import Trajectories
from simulator.model.draws import Draws
from simulator.model.scenario import Scenario

__all__ = ["ENGINES", "simulate"]

Engine = Literal["simpy", "vectorised"]
ENGINES: tuple[str, ...] = ("simpy", "vectorised")


def simulate(scenario: Scenario, draws: Draws, *, engine: Engine = "vectorised", events: bool = False) -> Trajectories:
    """Simulate every path of ``draws`` on ``scenario``.

    Parameters
    ----------
    scenario : Scenario
    draws : Draws
        From :func:`simulator.sample_draws` on the same scenario.
    engine : {"vectorised", "simpy"}
        Both compute the same trajectories; ``simpy`` is the readable reference,
        ``vectorised`` the fast one.
    events : bool
        Keep each path's event log (SimPy engine only).

    Returns
    -------
    Trajectories
    """
    if draws.n_days != scenario.run.horizon_days:
        raise ValueError(f"draws cover {draws.n_days} days but the scenario's horizon is {scenario.run.horizon_days}")
    pp = resolve(scenario, draws.params, draws.n_paths)
    if engine == "simpy":
        from simulator.engines.simpy_engine import simulate_simpy

        tr = simulate_simpy(scenario, pp, draws, events=events)
    elif engine == "vectorised":
        if events:
            raise ValueError("event logs come from the SimPy engine: use engine='simpy'")
        from simulator.engines.vectorised import simulate_vectorised

        tr = simulate_vectorised(scenario, pp, draws)
    else:
        raise ValueError(f"engine must be one of {ENGINES}; got {engine!r}")
    tr.price_scale = price_scale(scenario, draws.params, draws.n_paths)
    return tr
