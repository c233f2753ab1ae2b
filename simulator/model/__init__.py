"""The model: a scenario's schema and validation, loading scenario files and input-output tables, the
prior draws, and the generated references (scenario keys, the model specification).

The lowest layer above :mod:`simulator.errors` and :mod:`simulator.defaults`: it imports neither the
engines nor anything above them.
"""
