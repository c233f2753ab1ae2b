"""Deliveries: an amount of each material handed to the firms using it, rank by rank (:func:`deliver`).

What the arrivals and the stockpile's releases (:mod:`simulator.engines.phases.supply`)
give each firm: gaps filled rank by rank, a rank's shortfall shared pro rata
to its gaps and by triage in order of value; the SimPy engine's ``deliver``
for every path at once. Compiled twin: :mod:`simulator.engines.compiled.deliveries`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.engines.state.kernel import Kernel
from simulator.engines.state.sums import csum, msum

__all__ = ["deliver"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _triage_gives(k: Kernel, gap: FloatArray, part: BoolArray, rem: FloatArray, ri: int) -> FloatArray:
    """What each firm (U, C, P) t of rank ``ri`` gets by value where its material's paths share (``part`` (M, P)).

    The uses of each (material, rank) in order of value, highest first
    (``par.value_order``): each use's gap (``gap`` (U, C, P) t over its
    cohorts, in cohort order) in full while the amount left ``rem`` (M, P) t
    lasts; a use's cohorts pro rata to their gaps. 0 outside the rank.
    """
    lay, par = k.lay, k.par
    greedy = np.zeros_like(gap)
    for m in range(lay.M):
        gi = m * lay.n_ranks + ri
        a, b = int(lay.g_lo[gi]), int(lay.g_hi[gi])
        if b == a or not part[m].any():
            continue
        by_row = par.value_order[a:b]  # (n, P) the group's uses by value, highest first
        rows = np.sort(by_row[:, 0])
        by_value = np.searchsorted(rows, by_row)
        Gu = csum(gap[rows])  # (n, P)
        sortedG = np.take_along_axis(Gu, by_value, axis=0)
        before = np.zeros_like(sortedG)
        if len(rows) > 1:
            before[1:] = np.cumsum(sortedG[:-1], axis=0)
        give_s = np.minimum(sortedG, np.maximum(rem[m] - before, 0.0))
        give = np.empty_like(give_s)
        np.put_along_axis(give, by_value, give_s, axis=0)
        Gt = np.broadcast_to(Gu[:, np.newaxis, :], gap[rows].shape)
        greedy[rows] = give[:, np.newaxis, :] * np.divide(gap[rows], Gt, out=np.zeros_like(Gt), where=Gt > 0.0)
    return greedy


def deliver(k: Kernel, amount: FloatArray, gap: FloatArray, share: FloatArray | None) -> FloatArray:
    """Share deliveries ``amount`` (M, P) t among the firms: what each firm gets, (U, C, P) t.

    Rank by rank, each firm's ``gap`` (U, C, P) t is filled when the amount
    left covers the rank's gaps; otherwise the amount left is shared within
    the rank, ``1 - triage`` of it pro rata to the gaps and ``triage`` to the
    uses in order of value (each use's gap in full before the next; its
    cohorts pro rata to their gaps). With ``share`` (U, P), what is left
    after every gap goes to the firms by cohort weight x ``share``. The SimPy
    engine's ``deliver``, for every path at once.
    """
    lay, par = k.lay, k.par
    um = lay.u_mat
    x = np.zeros_like(gap)
    rem = amount.copy()
    for ri in range(lay.n_ranks):
        mask = (lay.rank_of == ri)[:, np.newaxis, np.newaxis]
        G = csum(msum(gap if lay.n_ranks == 1 else np.where(mask, gap, 0.0), lay.u_lo, lay.u_hi))  # (M, P)
        has = G > 0.0
        if not has.any():
            continue
        fill = has & (rem >= G)
        part = has & ~fill
        fill_u = np.broadcast_to(fill[um][:, np.newaxis, :], gap.shape)
        part_u = np.broadcast_to(part[um][:, np.newaxis, :], gap.shape)
        if lay.n_ranks > 1:
            fill_u = fill_u & mask
            part_u = part_u & mask
        x = np.where(fill_u, gap, x)
        if part.any():
            G_u = np.broadcast_to(G[um][:, np.newaxis, :], gap.shape)
            pro = rem[um][:, np.newaxis, :] * np.divide(gap, G_u, out=np.zeros_like(gap), where=G_u > 0.0)
            if lay.g_hi.size and bool((lay.g_hi > lay.g_lo).any()):
                tri = par.triage[np.newaxis, np.newaxis, :]
                pro = np.where(tri > 0.0, (1.0 - tri) * pro + tri * _triage_gives(k, gap, part, rem, ri), pro)
            x = np.where(part_u, pro, x)
        rem = np.where(fill, rem - G, np.where(part, 0.0, rem))
    if share is not None:
        left = rem[um][:, np.newaxis, :]
        w = par.cohort_w[np.newaxis, :, np.newaxis]
        x = np.where(left > 0.0, x + left * (w * share[:, np.newaxis, :]), x)
    return x
