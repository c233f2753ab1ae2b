"""Compiled loops of the vectorised engine's phases (numba, nopython mode, no fastmath), one module per phase group.

Each function ``phase(t, lay, par, state, p0, p1)`` does what the NumPy phase of
the same name in :mod:`simulator.engines.phases` does (see its docstring for
the contract), for paths ``p0 <= p < p1`` of the state's arrays
(:mod:`simulator.engines.state`), with the same IEEE operations in the same
order as the SimPy engine (sums of firms in use order within a cohort, then
cohorts in order; without fastmath, numba keeps that order), so trajectories
stay bit-identical. Paths are independent, so
:func:`simulator.engines.compiled.loop.day` runs every phase on one block of
paths after another. Paths are the innermost, contiguous axis of every loop
over firms; a firm's loop over paths is a small function on rows (``_*_row``)
that LLVM vectorises, and path indices are unsigned so no negative-index check
stands in its way. Scratch arrays live in the state (``State.w_*``), so a day
allocates nothing per firm.

The modules, in the same phase groups (and names) as :mod:`simulator.engines.phases`:

- :mod:`~simulator.engines.compiled.jit`: whether numba is installed (``AVAILABLE``),
  the decorator every function is compiled with, and falling back when one fails to compile;
- :mod:`~simulator.engines.compiled.rules`: the engine's rules compiled (ramps, review days, pass shares);
- :mod:`~simulator.engines.compiled.deliveries`: a material's amount handed to its firms rank by rank;
- :mod:`~simulator.engines.compiled.supply`: ramps, arrivals, stockpile;
- :mod:`~simulator.engines.compiled.firms`: requirements, consume, convert, produce;
- :mod:`~simulator.engines.compiled.orders`: licence decisions, orders, dispatch;
- :mod:`~simulator.engines.compiled.recorders`: a day into per-path totals and histograms;
- :mod:`~simulator.engines.compiled.loop`: a fused day and runs of days (with their recorders).

Functions are compiled once per machine (``cache=True``; numba caches per
module). When numba is not installed, ``AVAILABLE`` is False and the engine
runs the NumPy phases.
"""
