"""Running many paths: the one recipe from a scenario and its draws to per-path metrics
(:mod:`~simulator.runs.recipe`), blocks and their merging, memory checks, summaries, execution here or
on Dask, grids and sweeps, duration curves, comparisons, and the results store that owns every file a
run writes.
"""
