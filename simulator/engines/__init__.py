"""The two engines: the SimPy reference and the vectorised Monte Carlo engine."""
