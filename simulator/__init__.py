"""supplyshock: what an export curb on a critical input costs an importing economy.

>>> import simulator
>>> sc = simulator.load_scenario("japan-3m-curb")
>>> draws = simulator.sample_draws(sc, n_paths=2, seed=1)
>>> impact = simulator.assess(simulator.simulate(sc, draws, engine="simpy"), sc)
>>> impact.gdp_loss_pct.shape
(2,)
"""

from simulator.api import simulate
from simulator.draws import Draws, sample_draws
from simulator.economics import Impact, assess
from simulator.errors import InputError
from simulator.io import list_scenarios, load_scenario
from simulator.scenario import Scenario
from simulator.trajectories import Trajectories

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
__version__ = "0.1.0"
