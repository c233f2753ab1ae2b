"""The phases of the vectorised engine's day, one function each, in the order of :data:`~simulator.engines.rules.DAILY_STEP`.

Each phase reads and writes the arrays of a :class:`~simulator.engines.state.kernel.Kernel`
(``k.lay`` the structure, ``k.par`` per-path parameters, ``k.state`` the state;
paths last, firm arrays (U, C, P); see :mod:`simulator.engines.state` for every
array's shape and unit) and does what the SimPy engine's processes do at the
same time of day, adding the same numbers in the same order, so trajectories
are bit-identical.

Each phase has two implementations of one contract: the compiled loops of
:mod:`simulator.engines.compiled` (numba, used when ``compiled`` is true and
numba is installed) and the NumPy code of this package (the fallback and the
reference the compiled loops are tested against). A compiled phase that fails
to compile falls back to its NumPy code with a warning naming the phase.

The modules, in the same phase groups (and names) as :mod:`simulator.engines.compiled`:

- :mod:`~simulator.engines.phases.fallback`: which phases run compiled, and the fallback to NumPy;
- :mod:`~simulator.engines.phases.deliveries`: an amount of a material handed to its firms rank by rank;
- :mod:`~simulator.engines.phases.supply`: ramps, arrivals, stockpile;
- :mod:`~simulator.engines.phases.firms`: requirements, consume, convert, produce;
- :mod:`~simulator.engines.phases.orders`: licence decisions, orders, dispatch;
- :mod:`~simulator.engines.phases.loop`: :data:`~simulator.engines.phases.loop.PHASES`, the day's phases in order.

(The recorders' NumPy code is :mod:`simulator.economics.recorders`; the
NumPy day loop is :func:`simulator.engines.vectorised.run_days`.)

Call a phase alone to test it: build a kernel (:func:`~simulator.engines.state.kernel.build`),
run the phases before it, then the phase, and look at its outputs.
"""
