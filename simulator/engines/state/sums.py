"""Sums in the SimPy engine's order of addition: over rows by index range (:func:`msum`) and over cohorts (:func:`csum`).

The order of the additions fixes the bits of the result, so every sum of
firms the vectorised engine takes goes through these two.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["csum", "msum"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def msum(x: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray:
    """Sum rows ``[lo[m], hi[m])`` of ``x`` (n, ...) for each m, one row after another (0 for none).

    Returns an array of shape (len(lo), ...): the order of addition of the SimPy engine.
    """
    out = np.zeros((len(lo), *x.shape[1:]))
    for i in range(len(lo)):
        a, b = int(lo[i]), int(hi[i])
        if b > a:
            acc = out[i]
            acc[...] = x[a]
            for r in range(a + 1, b):
                acc += x[r]
    return out


def csum(x: FloatArray) -> FloatArray:
    """Sum a firm array (..., C, P) over cohorts, in cohort order: (..., P)."""
    acc = np.array(x[..., 0, :], copy=True)
    for c in range(1, x.shape[-2]):
        acc += x[..., c, :]
    return acc
