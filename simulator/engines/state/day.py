"""What the day's phases change: the mutable :class:`State`, and :class:`DayState`, the recorders' view of it.

Stocks, flows, ring buffers of future arrivals and licence applications,
output and its losses, and the compiled phases' scratch arrays, paths last.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from simulator.engines.state.layout import Layout

__all__ = ["DayState", "State"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class State(NamedTuple):
    """What the phases change, paths last. Stocks are in t, flows in t/day.

    Attributes
    ----------
    stock : ndarray of shape (U, C, P), t
        Each firm's stock.
    normal : ndarray of shape (U, C, P), t
        Each firm's normal stock (cover x use; a conversion's follows its capacity).
    ratio, cu_ratio : ndarray of shape (U, C, P)
        Share of today's need, and of today's catch-up need, each firm met (``CONSUME``).
    stockpile, pipeline, released : ndarray of shape (M, P), t
        National stockpile; ordered and not arrived; stockpile released so far.
    inventory : ndarray of shape (M, P), t
        Firms' stock of each material after today's production.
    release, requirement, consumption, shortfall, placed, denied : ndarray of shape (M, P), t/day
        The day's flows (denied: rejected by licence decisions or not made by a conversion).
    arrivals : ndarray of shape (E, P), t/day
        The day's arrivals on each edge.
    capacity : ndarray of shape (E, P), t/day
        Each edge's capacity: baseline flow plus the extra capacity ramped up.
    orders, ship, apply : ndarray of shape (E, P), t
        Today's orders; what of them ships; what applies for a licence.
    cov, passing, leak, exempt, ahead : ndarray of shape (E, P)
        The measure in force on each edge today: coverage; a ban's or quota's
        pass share; a licence's leakage and exempt shares; days ordered ahead
        per unit of a day's order.
    kind : ndarray of shape (E, P), int
        Its :class:`~simulator.engines.rules.MeasureKind`, or -1.
    ring : ndarray of shape (B, E, P), t
        Arrivals scheduled on each future day ``d`` at ``ring[d % B]``.
    lic_due : ndarray of shape (L, B, P), t
        Applications due for a decision on day ``d`` at ``lic_due[:, d % B]``.
    lic_waiting : ndarray of shape (L, P), t
        Volume waiting for the ministry's capacity.
    conv_order : ndarray of shape (Q, P), t
        Ordered from each conversion, made the next day.
    backlog : ndarray of shape (S, P), days of output
        Lost output still to be made up.
    catch_up : ndarray of shape (S, P), share of daily output
        Catch-up planned today.
    fraction, output : ndarray of shape (S, P), share of daily output
        Output before and after catch-up.
    made_up : ndarray of shape (S, P), share of daily output
    lost : ndarray of shape (S, P), currency/day
    thrift_factor : ndarray of shape (Us, P)
        Use per unit of output relative to baseline.
    criticality : ndarray of shape (Us, P)
        Today's criticality of each sector use.
    premium : ndarray of shape (P,), currency/day
        Extra cost paid today.
    w_gap, w_inner, w_total, w_G, w_rem_r, w_mode, w_rem, w_give, w_gsum, w_acc, w_f, w_g : ndarray
        Scratch of the compiled phases, by path (so blocks of paths use their own
        columns): a material's firms' gaps (width, C, P), their sums by rank (R, C, P)
        and over all firms (C, P); each rank's total gap, amount left and mode (R, P);
        the amount left (P,); triage's give and per-use gaps (U, P); consumption's sums
        (4, C, P); each sector cohort's output and catch-up fractions (S, C, P). Not state:
        a phase writes what it reads.
    """

    stock: FloatArray
    normal: FloatArray
    ratio: FloatArray
    cu_ratio: FloatArray
    stockpile: FloatArray
    pipeline: FloatArray
    released: FloatArray
    inventory: FloatArray
    release: FloatArray
    requirement: FloatArray
    consumption: FloatArray
    shortfall: FloatArray
    placed: FloatArray
    denied: FloatArray
    arrivals: FloatArray
    capacity: FloatArray
    orders: FloatArray
    ship: FloatArray
    apply: FloatArray
    cov: FloatArray
    passing: FloatArray
    leak: FloatArray
    exempt: FloatArray
    ahead: FloatArray
    kind: IntArray
    ring: FloatArray
    lic_due: FloatArray
    lic_waiting: FloatArray
    conv_order: FloatArray
    backlog: FloatArray
    catch_up: FloatArray
    fraction: FloatArray
    output: FloatArray
    made_up: FloatArray
    lost: FloatArray
    thrift_factor: FloatArray
    criticality: FloatArray
    premium: FloatArray
    w_gap: FloatArray
    w_inner: FloatArray
    w_total: FloatArray
    w_G: FloatArray
    w_rem_r: FloatArray
    w_mode: IntArray
    w_rem: FloatArray
    w_give: FloatArray
    w_gsum: FloatArray
    w_acc: FloatArray
    w_f: FloatArray
    w_g: FloatArray

    def copy(self) -> State:
        """A deep copy (every array copied)."""
        return State._make(np.array(a, copy=True) for a in self)


class DayState:
    """The recorders' view of one day, paths last. Arrays are reused: copy to keep.

    Attributes (shapes with P last): ``inv, stock, pipe`` (M, P) end of day;
    ``arrivals_e`` (E, P) arrivals on each supply edge (a source-material pair
    listed in ``edge_k, edge_m``); ``release, requirement, consumption,
    shortfall, placed, denied`` (M, P); ``f, output, lost`` (S, P);
    ``premium`` (P,).
    """

    __slots__ = (
        "arrivals_e",
        "consumption",
        "denied",
        "edge_k",
        "edge_m",
        "f",
        "inv",
        "lost",
        "output",
        "pipe",
        "placed",
        "premium",
        "release",
        "requirement",
        "shortfall",
        "stock",
    )

    def __init__(self, M: int, K: int, S: int, P: int, edge_k: IntArray | None = None,
                 edge_m: IntArray | None = None) -> None:
        if edge_k is None or edge_m is None:
            edge_k, edge_m = np.repeat(np.arange(K), M), np.tile(np.arange(M), K)
        self.edge_k, self.edge_m = edge_k, edge_m
        self.inv = np.zeros((M, P))
        self.stock = np.zeros((M, P))
        self.pipe = np.zeros((M, P))
        self.arrivals_e = np.zeros((len(edge_k), P))
        self.release = np.zeros((M, P))
        self.requirement = np.zeros((M, P))
        self.shortfall = np.zeros((M, P))
        self.consumption = np.zeros((M, P))
        self.placed = np.zeros((M, P))
        self.denied = np.zeros((M, P))
        self.f = np.ones((S, P))
        self.output = np.ones((S, P))
        self.lost = np.zeros((S, P))
        self.premium = np.zeros(P)

    @classmethod
    def view(cls, lay: Layout, state: State) -> DayState:
        """The recorders' view of a kernel's state (no copy: the arrays are the state's)."""
        ds = cls.__new__(cls)
        ds.edge_k, ds.edge_m = lay.edge_k, lay.edge_m
        ds.inv, ds.stock, ds.pipe = state.inventory, state.stockpile, state.pipeline
        ds.arrivals_e = state.arrivals
        ds.release, ds.requirement, ds.consumption = state.release, state.requirement, state.consumption
        ds.shortfall, ds.placed, ds.denied = state.shortfall, state.placed, state.denied
        ds.f, ds.output, ds.lost, ds.premium = state.fraction, state.output, state.lost, state.premium
        return ds
