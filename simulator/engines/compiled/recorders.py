"""Recorders, compiled: a day's state into per-path totals and histograms, and NumPy's row sums.

:func:`record_metrics`, :func:`histogram_values` and
:func:`record_histograms` give the numbers of the NumPy recorders of
:mod:`simulator.economics.recorders`; :func:`pairwise_sum` adds a row as
NumPy does (the same bits).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.engines.compiled.jit import _jit

__all__ = ["histogram_values", "pairwise_sum", "record_histograms", "record_metrics"]


@_jit
def record_metrics(t: int, q: int, f: Any, lost: Any, premium: Any, shortfall: Any, requirement: Any,
                   daily_output: Any, inv_demand: Any, stoppage: float, half_lost: float, tolerance: float,
                   acc_lost: Any, acc_gross: Any, q_lost: Any, q_gross: Any, first: Any, half: Any, stop_days: Any,
                   acc_premium: Any, peak: Any, short_days: Any) -> None:  # pragma: no cover
    """One day into per-path totals (:class:`simulator.economics.recorders.MetricsRecorder`), element by element as its
    NumPy code: output lost and its gross (``(1 - f) x daily output``), by quarter ``q``; the first day
    output is below ``stoppage`` and below ``half_lost``, days below ``stoppage``; premium; the peak share of
    the requirement not met (at most 1) and the days the shortfall exceeds ``tolerance`` of demand."""
    S, P = f.shape
    for s in range(S):
        for p in range(P):
            x = lost[s, p]
            acc_lost[s, p] += x
            g = (1.0 - f[s, p]) * daily_output[s, p]
            acc_gross[s, p] += g
            q_lost[q, s, p] += x
            q_gross[q, s, p] += g
            stopped = f[s, p] < stoppage
            if stopped and np.isinf(first[s, p]):
                first[s, p] = float(t)
            if f[s, p] < half_lost and np.isinf(half[s, p]):
                half[s, p] = float(t)
            if stopped:
                stop_days[s, p] += 1
    for p in range(P):
        acc_premium[p] += premium[p]
    M = shortfall.shape[0]
    for m in range(M):
        for p in range(P):
            sh = shortfall[m, p]
            req = requirement[m, p]
            of_req = sh / req if req > 0.0 else 0.0
            if not (of_req <= 1.0 or of_req != of_req):  # np.minimum(of_req, 1.0)
                of_req = 1.0
            pk = peak[m, p]
            if not (pk >= of_req or pk != pk):  # np.maximum(peak, of_req)
                peak[m, p] = of_req
            if sh * inv_demand[m, p] > tolerance:
                short_days[m, p] += 1


@_jit
def record_histograms(t: int, values: Any, lo: Any, scale: Any, family: Any, counts: Any,
                      bins: int) -> None:  # pragma: no cover
    """Bin each row of ``values`` (n, P) into ``counts[family[row]][t, label]``, as
    :class:`simulator.economics.recorders.HistogramRecorder` does: ``(value - lo) x scale`` truncated towards 0
    (NumPy's cast: NaN or out of range gives the smallest integer), clipped to the bins."""
    n, P = values.shape
    label = 0
    for row in range(n):
        fam = family[row]
        if row > 0 and family[row - 1] != fam:
            label = 0
        cnt = counts[fam]
        for p in range(P):
            v = (values[row, p] - lo[fam]) * scale[fam]
            b = 0
            if v == v and -9.223372036854775808e18 <= v < 9.223372036854775808e18:
                b = int(v)
                if b < 0:
                    b = 0
                elif b > bins - 1:
                    b = bins - 1
            cnt[t, label, b] += 1
        label += 1


@_jit
def histogram_values(output: Any, inv: Any, stock: Any, shortfall: Any, inv_demand: Any,
                     out: Any) -> None:  # pragma: no cover
    """The histograms' daily values, stacked (S + 3 M, P): output; inventory, stockpile and shortfall in
    days (or shares) of baseline demand (each x ``inv_demand``)."""
    S, P = output.shape
    M = inv.shape[0]
    for s in range(S):
        for p in range(P):
            out[s, p] = output[s, p]
    for m in range(M):
        for p in range(P):
            d = inv_demand[m, p]
            out[S + m, p] = inv[m, p] * d
            out[S + M + m, p] = stock[m, p] * d
            out[S + 2 * M + m, p] = shortfall[m, p] * d


@_jit
def _pairwise_leaf(a: Any, lo: int, n: int) -> float:  # pragma: no cover
    """NumPy's sum of a contiguous float64 run of at most 128 values: one running sum under 8 values, else
    eight running sums (every eighth value) added pairwise, then the rest one by one."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    whole = n - n % 8
    while i < whole:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@_jit
def pairwise_sum(a: Any, lo: int, n: int) -> float:  # pragma: no cover
    """``a[lo:lo + n].sum()`` as NumPy adds a contiguous float64 row, the same additions in the same order
    (so the same bits): runs of at most 128 values by :func:`_pairwise_leaf`; a longer run is cut in two
    (the first half a multiple of 8) and the halves' sums added. Walked with an explicit stack (numba's
    cache does not take recursive functions)."""
    if n <= 128:
        return _pairwise_leaf(a, lo, n)
    los = np.empty(64, dtype=np.int64)
    ns = np.empty(64, dtype=np.int64)
    right = np.zeros(64, dtype=np.bool_)  # the node's first half is summed, in acc; its second is on the stack
    acc = np.empty(64)
    top = 0
    los[0], ns[0], right[0] = lo, n, False
    ret = 0.0
    while True:
        m = ns[top]
        if m > 128:  # a node met for the first time: its first half next
            half = m // 2
            half -= half % 8
            los[top + 1], ns[top + 1], right[top + 1] = los[top], half, False
            top += 1
            continue
        ret = _pairwise_leaf(a, los[top], m)
        top -= 1
        while top >= 0:  # hand the sum to the parents
            if not right[top]:
                acc[top] = ret
                right[top] = True
                half = ns[top] // 2
                half -= half % 8
                los[top + 1], ns[top + 1], right[top + 1] = los[top] + half, ns[top] - half, False
                top += 1
                break
            ret = acc[top] + ret
            top -= 1
        if top < 0:
            return ret
