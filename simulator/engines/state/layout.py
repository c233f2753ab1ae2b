"""The structure of a block of paths, the same on every path: :class:`Layout` (sizes and index arrays).

Supply edges, uses, delivery ranks, measures and licence queues, the
working-day calendar, and the rows that ramp; see
:mod:`simulator.engines.state` for the axes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = ["Layout"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Layout(NamedTuple):
    """The structure of a block: sizes and index arrays, the same on every path.

    Attributes
    ----------
    P, C, T, B, M, K, S, U, E, Q, J, L : int
        Paths, cohorts, days, ring days, materials, sources, sectors, uses,
        edges, conversions, measures, licence queues.
    n_ranks : int
        Distinct delivery ranks.
    edge_k, edge_m : ndarray of shape (E,), int
        Source and material of each edge, grouped by material (sources in order).
    e_lo, e_hi : ndarray of shape (M,), int
        Edges ``[e_lo[m], e_hi[m])`` are material m's.
    is_conv_edge : ndarray of shape (E,), bool
        The edge is a domestic conversion's product.
    u_mat, u_sec, u_conv : ndarray of shape (U,), int
        Each use's material, sector (-1 for a conversion's input), conversion (-1 for a sector).
    u_lo, u_hi : ndarray of shape (M,), int
        Uses ``[u_lo[m], u_hi[m])`` are material m's (sectors in order, then conversions).
    rank_of : ndarray of shape (U,), int
        Index of each use's delivery rank among the distinct ranks (0 served first).
    srow, s_sec, s_mat : ndarray of shape (Us,), int
        Uses by sectors: their row, sector and material.
    urow_s : ndarray of shape (U,), int
        Index of a use among ``srow`` (-1 for a conversion's input).
    crow, c_conv : ndarray of shape (Uc,), int
        Conversions' inputs: their row and conversion.
    conv_edge, conv_mat : ndarray of shape (Q,), int
        Each conversion's edge and product.
    g_lo, g_hi : ndarray of shape (M x n_ranks,), int
        With triage, rows ``[g_lo, g_hi)`` of ``Params.value_order`` are the uses of (material, rank).
    meas_kind : ndarray of shape (J,), int
        :class:`~simulator.engines.rules.MeasureKind` of each measure.
    me_lo, me_hi : ndarray of shape (J,), int; me_rows : ndarray, int
        Edges ``me_rows[me_lo[j]:me_hi[j]]`` are under measure j.
    measured : ndarray, int
        Edges under some measure.
    lic_meas, lic_edge : ndarray of shape (L,), int
        Measure and edge of each licence queue.
    reg_days : ndarray of shape (J, H), int
        Day each licence phase starts (padded with a day that never comes).
    limited : ndarray of shape (J,), bool
        Some phase of the regime has a capacity limit.
    cum, nth : ndarray, int
        The working-day calendar (:func:`simulator.engines.rules.licence_calendar`).
    working : ndarray of shape (T,), bool
        Day t is a working day.
    ramp_rows, thrift_rows, subst_rows, prem_rows : ndarray, int
        Edges whose capacity can ramp up; sector uses that can thrift; sector
        uses whose criticality can fall; edges that charge a premium.
    ramp_first, ramp_done, thrift_first, thrift_done, subst_first, subst_done : float
        The days between which each kind of ramp can move (see :meth:`~simulator.engines.rules.Ramp.moving`).
    """

    P: int
    C: int
    T: int
    B: int
    M: int
    K: int
    S: int
    U: int
    E: int
    Q: int
    J: int
    L: int
    n_ranks: int
    edge_k: IntArray
    edge_m: IntArray
    e_lo: IntArray
    e_hi: IntArray
    is_conv_edge: BoolArray
    u_mat: IntArray
    u_sec: IntArray
    u_conv: IntArray
    u_lo: IntArray
    u_hi: IntArray
    rank_of: IntArray
    srow: IntArray
    s_sec: IntArray
    s_mat: IntArray
    urow_s: IntArray
    crow: IntArray
    c_conv: IntArray
    conv_edge: IntArray
    conv_mat: IntArray
    g_lo: IntArray
    g_hi: IntArray
    meas_kind: IntArray
    me_lo: IntArray
    me_hi: IntArray
    me_rows: IntArray
    measured: IntArray
    lic_meas: IntArray
    lic_edge: IntArray
    reg_days: IntArray
    limited: BoolArray
    cum: IntArray
    nth: IntArray
    working: BoolArray
    ramp_rows: IntArray
    thrift_rows: IntArray
    subst_rows: IntArray
    prem_rows: IntArray
    ramp_first: float
    ramp_done: float
    thrift_first: float
    thrift_done: float
    subst_first: float
    subst_done: float
