"""The vectorised engine's state: named arrays, paths last, built in one place, one module per job.

Three named tuples hold everything the phases read and write (named tuples of
arrays and numbers, so the compiled phases take them as they are):

- :class:`~simulator.engines.state.layout.Layout`: the structure, the same on every path: supply *edges*
  (source-material pairs a source supplies, grouped by material), *uses*
  (``PathParams.users``: sector-material pairs and domestic conversions'
  inputs, grouped by material), delivery ranks, measures and licence queues,
  the working-day calendar;
- :class:`~simulator.engines.state.parameters.Params`: per-path numbers, constant over the run;
- :class:`~simulator.engines.state.day.State`: what the day's phases change, and the day's flows that the
  recorders see (:class:`~simulator.engines.state.day.DayState` is their view of it).

Axes: ``P`` paths (always last, contiguous), ``C`` firm cohorts, ``M``
materials, ``E`` edges, ``U`` uses, ``Us`` uses by sectors, ``S`` sectors,
``Q`` domestic conversions, ``J`` measures, ``L`` licence queues (one per
licensed measure and edge), ``B`` days of the ring buffer of future arrivals
(indexed by ``day % B``), ``H`` phases of a licence regime. A *firm* is one
cohort of one use; firm arrays are (U, C, P). Quantities are in tonnes (t),
flows in t/day, times in days, money in the scenario's currency.

:func:`~simulator.engines.state.kernel.build` sets up all three for a block of
paths, as a :class:`~simulator.engines.state.kernel.Kernel`, from the parts of
:mod:`~simulator.engines.state.parts`; :mod:`~simulator.engines.state.sums`
holds the sums over firms in the SimPy engine's order.
"""
