"""The per-path numbers of a block, stacked paths last and constant over the run: :class:`Params`.

The phases' view of :class:`~simulator.engines.params.PathParams`: each array
laid out along the :class:`~simulator.engines.state.layout.Layout`'s edges,
uses and measures, with paths the last, contiguous axis.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = ["Params"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Params(NamedTuple):
    """Per-path numbers of a block, constant over the run, paths last.

    Attributes
    ----------
    cohort_w : ndarray of shape (C,)
        Each cohort's share of every use.
    demand, target, cover_d : ndarray of shape (M, P), t/day, t, t
        Baseline daily demand; order-up-to position before a disruption is
        known (cover plus baseline pipeline); normal inventory (cover x demand).
    trigger : ndarray of shape (M, P), int, days
        Day a disruption of the material is known (``NEVER``: none).
    stock_open : ndarray of shape (M, P), int, days
        Day the stockpile agency opens (``NEVER``: never).
    stock_trigger, stock_rate : ndarray of shape (M, P), t, t/day
        Release towards this inventory; at most this a day.
    share, share_d : ndarray of shape (E, P), share, t/day
        Baseline share of each edge in its material's supply, and its baseline flow.
    extra : ndarray of shape (E, P), t/day
        Extra capacity once fully ramped up.
    price, premium : ndarray of shape (E, P), currency/t, share
        The material's price and the edge's premium over it.
    transit : ndarray of shape (E, P), int, days; transit_f : the same as float
    ramp_begin, ramp_days : ndarray of shape (R, P), days; ramp_ok : bool
        Capacity ramps of ``Layout.ramp_rows`` (``ramp_ok``: the disruption is ever known).
    ramp_span, thrift_span, subst_span : ndarray of shape (R, 2), days
        Each ramp row's first start and last end over its paths whose disruption is known
        (``inf, -inf`` for none): outside them no path of the row moves.
    base : ndarray of shape (U, P), t/day
        Each use's baseline use (a conversion input's at the conversion's baseline output).
    recipe : ndarray of shape (U, P), t per t
        A conversion input's tonnes per tonne made (0 for a sector).
    cover : ndarray of shape (U, C, P), days
        Each firm's normal cover.
    vshare, xshare : ndarray of shape (U, P)
        A use's share of its material's baseline use (stockpile releases), and
        of the sectors' baseline use (deliveries beyond every gap); a firm's
        share is its cohort's weight times this.
    value_order : ndarray of shape (n, P), int
        With triage, the uses of each (material, rank) in order of value, highest first.
    triage : ndarray of shape (P,)
        Share of scarce deliveries that goes by value first.
    crit : ndarray of shape (Us, P)
        Criticality of each sector use before substitution.
    subst_begin, subst_days : ndarray of shape (Rs, P), days; subst_ok : bool
    subst_drop : ndarray of shape (Rs, P)
        Criticality minus its floor.
    thrift : ndarray of shape (Rt, P), share
    thrift_begin, thrift_days : ndarray of shape (Rt, P), days; thrift_ok : bool
    pair_base : ndarray of shape (Us, P), t/day
        Baseline use of each sector use.
    overtime, catch_share : ndarray of shape (S, P), share of daily output
    daily_output : ndarray of shape (S, P), currency/day
    window_end : ndarray of shape (S, P), days
        Last day catch-up can be made.
    start, end : ndarray of shape (J, P), int, days
        Each measure is active on days ``start <= t < end``.
    coverage, quota, leakage, leak_lag, leak_days : ndarray of shape (J, P)
    approve, reject, pending, exempt, capacity, lead : ndarray of shape (J, H, P)
        Each licence phase's shares of the volume decided, exempt share,
        t per working day (``inf``: no limit), planned wait in calendar days.
    accept : ndarray of shape (J, P), working days
    lic_x : ndarray of shape (L, T, P), working days
        Drawn processing time of an application filed (or decided again) on each day.
    """

    cohort_w: FloatArray
    demand: FloatArray
    target: FloatArray
    cover_d: FloatArray
    trigger: IntArray
    stock_open: IntArray
    stock_trigger: FloatArray
    stock_rate: FloatArray
    share: FloatArray
    share_d: FloatArray
    extra: FloatArray
    price: FloatArray
    premium: FloatArray
    transit: IntArray
    transit_f: FloatArray
    ramp_begin: FloatArray
    ramp_days: FloatArray
    ramp_ok: BoolArray
    ramp_span: FloatArray
    thrift_span: FloatArray
    subst_span: FloatArray
    base: FloatArray
    recipe: FloatArray
    cover: FloatArray
    vshare: FloatArray
    xshare: FloatArray
    value_order: IntArray
    triage: FloatArray
    crit: FloatArray
    subst_begin: FloatArray
    subst_days: FloatArray
    subst_ok: BoolArray
    subst_drop: FloatArray
    thrift: FloatArray
    thrift_begin: FloatArray
    thrift_days: FloatArray
    thrift_ok: BoolArray
    pair_base: FloatArray
    overtime: FloatArray
    catch_share: FloatArray
    daily_output: FloatArray
    window_end: FloatArray
    start: IntArray
    end: IntArray
    coverage: FloatArray
    quota: FloatArray
    leakage: FloatArray
    leak_lag: FloatArray
    leak_days: FloatArray
    approve: FloatArray
    reject: FloatArray
    pending: FloatArray
    exempt: FloatArray
    capacity: FloatArray
    lead: FloatArray
    accept: FloatArray
    lic_x: FloatArray
