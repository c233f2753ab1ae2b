"""Monte Carlo precision of a run's headline median.

The median of N independent paths has a standard error that shrinks like
1/sqrt(N). It is estimated here without assumptions on the distribution, from
the order statistics that bound the median's 95 % confidence interval: with
``j = floor(N/2 - 1.96 sqrt(N)/2)`` and ``k = ceil(N/2 + 1.96 sqrt(N)/2)``,
``[x_(j), x_(k)]`` holds the true median with probability ~95 %, and
``(x_(k) - x_(j)) / (2 x 1.96)`` is its standard error.
``benchmarks/mc_error.py`` checks this estimate against the spread of medians
over independent seeds, and measured the default number of paths of the
command line (:data:`simulator.cli.run.DEFAULT_PATHS`).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["median_rel_error", "median_standard_error"]

Z95 = 1.959963984540054


def median_standard_error(x: npt.ArrayLike) -> float:
    """Standard error of the sample median, from its order-statistic confidence interval.

    Parameters
    ----------
    x : array_like of shape (N,)
        Per-path values (any unit).

    Returns
    -------
    float
        Standard error in the unit of ``x``; ``nan`` for fewer than 10 values.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> se = median_standard_error(rng.normal(size=40_000))  # theory: sqrt(pi / 2 / N) = 0.0063
    >>> 0.005 < se < 0.008
    True
    """
    a = np.asarray(x, dtype=np.float64).ravel()
    n = a.size
    if n < 10:
        return math.nan
    half = Z95 * math.sqrt(n) / 2.0
    j = max(math.floor(n / 2.0 - half), 0)
    k = min(math.ceil(n / 2.0 + half), n - 1)
    lo, hi = np.partition(a, (j, k))[[j, k]]
    return float(hi - lo) / (2.0 * Z95)


def median_rel_error(x: npt.ArrayLike) -> float:
    """Standard error of the sample median relative to the median (0.01 = 1 %).

    ``nan`` when the median is 0 or there are fewer than 10 values.
    """
    a = np.asarray(x, dtype=np.float64).ravel()
    med = float(np.median(a)) if a.size else 0.0
    if med == 0.0:
        return math.nan
    return median_standard_error(a) / abs(med)
