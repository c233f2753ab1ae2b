"""Economics: per-path metrics from the engines' output (and the recorders that keep them while a run
streams), input-output maths (:mod:`~simulator.economics.leontief`), the quarter calendar, and the
impact in money and in % of GDP.

Above the engines (it reads their trajectories and state), below the runs layer.
"""
