"""The SimPy engine's importer: phases ORDER (orders up to the target position, split over sources; what ships
and what needs a licence) and DISPATCH (shipments leave, applications are filed), named as the vectorised
engine's :func:`~simulator.engines.phases.orders.order` and
:func:`~simulator.engines.phases.orders.dispatch`."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, NamedTuple

import numpy as np

from simulator.engines.formulas import pass_share
from simulator.engines.rules import SIMPY_TIME, Phase
from simulator.engines.simpy_licences import _LicenceOffices

# times of day of the processes: the shared daily step (simulator.engines.rules)
_ORDER = SIMPY_TIME[Phase.ORDER]


class _Orders(NamedTuple):
    """Today's orders (phase ORDER), per material m and source k: what ships and what needs a licence.

    Attributes
    ----------
    measure_on : list of list of int, shape (M, K)
        The measure active on each source and material today (-1: none).
    ship, apply : list of list of float, shape (M, K), t
        What of each order to a source ships and what needs a licence (0 where nothing is ordered).
    """

    measure_on: list[list[int]]
    ship: list[list[float]]
    apply: list[list[float]]


class _Importer(_LicenceOffices):
    """A path's importer: orders, split over sources, shipped or filed at the licence offices (whose queues it
    fills, so it is one of them: :class:`~simulator.engines.simpy_licences._LicenceOffices`)."""

    def split(self, m: int, order: float, measure_on: list[int]) -> np.ndarray:
        """Split an ``order`` (t) of material m over sources once a disruption is known.

        Sources under no measure (alternatives) get the share at risk first, up
        to their capacity (baseline flow plus the extra capacity ramped up so
        far), pro rata to capacity; the rest goes to the sources under a
        measure by baseline share. With no measure active, alternatives are
        every source and the rest is split by baseline share.
        """
        pp, p, demand = self.pp, self.p, float(self.demand[m])
        orders = np.zeros(self.K)
        affected = [k for k in range(self.K) if measure_on[k] >= 0]
        alternatives = [k for k in range(self.K) if measure_on[k] < 0]
        capacity = [pp.share[p, k, m] * demand + pp.extra[p, k, m] * self.capacity_done[k, m] for k in range(self.K)]
        for k in range(self.K):  # a conversion's capacity as importers see it: at most what its input stocks can make
            if (k, m) in self.conv_of_edge:
                for u in self.conv_rows[self.conv_of_edge[(k, m)]]:
                    stock = self.inventory[u][0].level
                    for c in range(1, self.C):
                        stock += self.inventory[u][c].level
                    capacity[k] = min(capacity[k], stock / float(pp.user_recipe[p, u]))
        alternative_capacity = 0.0
        for k in alternatives:
            alternative_capacity += capacity[k]
        if affected:
            at_risk = 0.0
            for k in affected:
                at_risk += pp.share[p, k, m] * (1.0 - pp.coverage[p, measure_on[k]])
            want = order * (1.0 - at_risk)
        else:
            want = order
        to_alternatives = min(alternative_capacity, want)
        if alternative_capacity > 0.0:
            for k in alternatives:
                orders[k] = to_alternatives * (capacity[k] / alternative_capacity)
        rest = order - to_alternatives
        if affected:
            base = 0.0
            for k in affected:
                base += pp.share[p, k, m]
            if base > 0.0:
                for k in affected:
                    orders[k] = rest * (pp.share[p, k, m] / base)
        else:
            for k in range(self.K):
                orders[k] += rest * pp.share[p, k, m]
        return orders

    def ship_or_apply(self, k: int, m: int, order: float, j: int, t: int) -> tuple[float, float]:
        """Step 8: what of an ``order`` (t) to source k ships and what needs a licence (measure j, or -1).

        Under a measure with coverage c, the uncovered users buy as before, up
        to their baseline flow, ``(1 - c) x min(order, baseline)``; the covered
        users' share ``c x order`` is dropped under a ban or quota except for the
        pass share of their baseline flow (quota plus leakage), or becomes a
        licence application (less the share exempted by general licences,
        whose users buy as uncovered users do). What is dropped is not
        re-ordered through the uncovered users: it stays unfilled.
        """
        pp, p, demand = self.pp, self.p, float(self.demand[m])
        ship, apply = order, 0.0
        if j >= 0:
            coverage = float(pp.coverage[p, j])
            base = pp.share[p, k, m] * demand
            covered = order * coverage
            ship = min(order, base) * (1.0 - coverage)
            regime = pp.licences[j]
            if regime is not None:  # licence: users exempted by general licences buy as uncovered users do
                exempt = float(regime.exempt[p, regime.phase(t)])
                leaked = self.leak(j, t)
                ship += min(order, base) * (coverage * exempt)
                # leakage: gets through without a licence
                ship += min(order, base) * ((coverage * (1.0 - exempt)) * leaked)
                apply = (covered * (1.0 - exempt)) * (1.0 - leaked)
            else:  # ban, quota: the covered users' pass share (quota, and leakage of the rest) of their baseline flow
                passing = float(pass_share(t, pp.quota[p, j], pp.leakage[p, j], pp.start[p, j], pp.leak_lag[p, j],
                                           pp.leak_days[p, j]))
                ship += min(covered, passing * coverage * base)
        return ship, apply

    def leak(self, j: int, t: int) -> float:
        """Measure j's leakage share on day t (built up from its lag over its ramp)."""
        pp, p = self.pp, self.p
        return float(pass_share(t, np.zeros(()), pp.leakage[p, j], pp.start[p, j], pp.leak_lag[p, j],
                                pp.leak_days[p, j]))

    def importer(self) -> Generator[Any, Any, None]:
        """Phases ORDER and DISPATCH, in that order, at ``t + 0.80`` each day: :meth:`order`, then :meth:`dispatch`.

        docs/model.md, "The daily step", 7-8: the vectorised engine's
        :func:`~simulator.engines.phases.orders.order` and
        :func:`~simulator.engines.phases.orders.dispatch`, one method each.
        """
        for t in range(self.T):
            yield self.wait_until(t + _ORDER)
            self.dispatch(t, self.order(t))

    def order(self, t: int) -> _Orders:
        """Phase ORDER (steps 7-8): order up to the target position, split over sources; what ships and what applies.

        The target is the order-up-to position until the disruption is known,
        then inventory cover plus the pipeline the current supply mix needs (and,
        under a licence, the wait planned for), plus the stockpile released so
        far and the material for the sectors' backlog. Orders are split over
        sources (:meth:`split`) and each is shipped or applied for
        (:meth:`ship_or_apply`). Material by material, in named steps as the vectorised engine's
        :func:`~simulator.engines.phases.orders.order`: :meth:`_for_backlog`, :meth:`_measures_today`,
        :meth:`_target`, :meth:`_order_sizes`, :meth:`_orders`, :meth:`_ship_and_apply` (with
        :meth:`_premium`).

        Parameters
        ----------
        t : int
            The day, 0-based.

        Returns
        -------
        _Orders
            The measure active on each source and material, and what of each order ships and what needs a
            licence, (M, K) t.

        Notes
        -----
        Takes ``out.denied`` (M,) t on day ``t`` from ``pipeline`` (M,) t; reads ``backlog`` (S,) days of output,
        ``released`` (M,) t, ``target`` (M,) t, the firms' stocks.

        Writes ``out.premium_cost`` currency/day on day ``t`` (extra cost on shipments above a source's
        baseline flow once the disruption is known).
        """
        pp, p, out = self.pp, self.p, self.out
        today = _Orders([], [[0.0] * self.K for _ in range(self.M)], [[0.0] * self.K for _ in range(self.M)])
        premium_cost = 0.0
        for m in range(self.M):
            self.pipeline[m] -= out.denied[p, t, m]
            for_backlog = self._for_backlog(m)
            measure_on = self._measures_today(m, t)
            known = t >= pp.trigger[p, m]
            target = self._target(m, t, measure_on) if known else float(self.target[m])
            orders = self._orders(m, self._order_sizes(m, target, for_backlog), known, measure_on)
            premium_cost = self._ship_and_apply(m, t, orders, measure_on, known, today, premium_cost)
            today.measure_on.append(measure_on)
        out.premium_cost[p, t] = premium_cost
        return today

    def _for_backlog(self, m: int) -> float:
        """Material m for the sectors' backlog of lost output, t: each sector's use of m times its backlog (days of
        output), added sector by sector.

        Released stockpile is a bridge, not a substitute for imports; this material is ordered on top of the
        usual target (:meth:`_order_sizes`).
        """
        pp, p = self.pp, self.p
        for_backlog = 0.0
        for s in range(self.S):
            for_backlog += (pp.use[p, s, m] * self.demand[m]) * self.backlog[s]
        return for_backlog

    def _measures_today(self, m: int, t: int) -> list[int]:
        """The measure active on each source of material m on day ``t``, (K,) (-1: none; :meth:`active_measure`)."""
        return [self.active_measure(k, m, t) for k in range(self.K)]

    def _target(self, m: int, t: int, measure_on: list[int]) -> float:
        """Material m's target position once its disruption is known, t.

        Inventory cover plus the pipeline the current supply mix needs (a day's
        demand split as today's order would be, :meth:`split`, times each
        source's transit days) and, where some source is under a licence, the
        processing time importers plan for on the flow needing one (not
        counting on leakage). Before the disruption is known the target is
        ``target`` (:meth:`order`).
        """
        pp, p = self.pp, self.p
        demand = float(self.demand[m])
        # the pipeline the current supply mix needs: a day's demand split as today's order would be
        day_split = self.split(m, demand, measure_on)
        lead = 0.0
        for k in range(self.K):
            lead += day_split[k] * float(pp.transit[p, k])
        target = pp.cover[p, m] * demand + lead
        # under a licence, importers also order ahead by the processing time they plan for
        ahead, licensed = 0.0, False
        for k in range(self.K):
            regime = pp.licences[measure_on[k]] if measure_on[k] >= 0 else None
            if regime is not None:
                phase = regime.phase(t)
                # importers plan for the wait of the whole flow needing a licence (not counting on leakage)
                exempt = float(regime.exempt[p, phase])
                needs_licence = float(pp.coverage[p, measure_on[k]]) * (1.0 - exempt)
                ahead += day_split[k] * (needs_licence * float(regime.lead[p, phase]))
                licensed = True
        if licensed:
            target = target + ahead
        return target

    def _order_sizes(self, m: int, target: float, for_backlog: float) -> float:
        """Material m's order today, t: the ``target`` plus the stockpile released so far and ``for_backlog``
        (:meth:`_for_backlog`), less inventory (:meth:`level`) and pipeline; at least 0."""
        position = self.level(m) + self.pipeline[m]
        return max(((target + self.released[m]) + for_backlog) - position, 0.0)

    def _orders(self, m: int, order: float, known: bool, measure_on: list[int]) -> np.ndarray:
        """Material m's ``order`` (t) split over its sources, (K,) t: by baseline share until the disruption is
        ``known``, then :meth:`split`; all 0 where the order is 0."""
        pp, p = self.pp, self.p
        orders = np.zeros(self.K)
        if order > 0.0 and not known:
            for k in range(self.K):
                orders[k] = pp.share[p, k, m] * order
        elif order > 0.0:
            orders = self.split(m, order, measure_on)
        return orders

    def _ship_and_apply(self, m: int, t: int, orders: np.ndarray, measure_on: list[int], known: bool,
                        today: _Orders, premium_cost: float) -> float:
        """What of each of material m's ``orders`` (K,) t ships and what needs a licence (:meth:`ship_or_apply`),
        written to ``today.ship[m]`` and ``today.apply[m]``; sources ordered nothing from keep 0.

        Returns ``premium_cost`` (currency/day, the day's total over the materials before m) plus the premium
        on each shipment, source by source (:meth:`_premium`), once the disruption is ``known``.
        """
        for k in range(self.K):
            if orders[k] <= 0.0:
                continue
            j = measure_on[k]
            ship, apply = self.ship_or_apply(k, m, orders[k], j, t)
            if known:
                premium_cost = self._premium(k, m, ship, premium_cost)
            today.ship[m][k], today.apply[m][k] = ship, apply
        return premium_cost

    def _premium(self, k: int, m: int, ship: float, premium_cost: float) -> float:
        """``premium_cost`` (currency/day) plus the extra cost of a shipment ``ship`` (t) from source k above its
        baseline flow of material m (price x premium a tonne); unchanged where the source carries no premium."""
        pp, p = self.pp, self.p
        # extra cost on shipments above the source's baseline flow, once a disruption is known
        if pp.premium[p, k, m] > 0.0:
            above_baseline = max(ship - pp.share[p, k, m] * float(self.demand[m]), 0.0)
            premium_cost += above_baseline * pp.price[p, m] * pp.premium[p, k, m]
        return premium_cost

    def dispatch(self, t: int, today: _Orders) -> None:
        """Phase DISPATCH (step 8): shipments leave for their transit time, applications enter the licence queues.

        An order to a domestic conversion is made tomorrow (``conv_order``); every other shipment is a
        :meth:`shipment` arriving after its source's transit time; an application is filed at its licence
        office (:meth:`file`).

        Parameters
        ----------
        t : int
            The day, 0-based.
        today : _Orders
            Today's :meth:`order`.

        Notes
        -----
        Writes ``out.placed`` (M,) t on day ``t`` (shipped plus applied, each material's sources in order) and
        adds it to ``pipeline`` (M,) t.
        """
        pp, p, out = self.pp, self.p, self.out
        for m in range(self.M):
            shipped, applied = 0.0, 0.0
            for k in range(self.K):
                ship, apply = today.ship[m][k], today.apply[m][k]
                if ship > 0.0:
                    shipped += ship
                    if (k, m) in self.conv_of_edge:  # a domestic conversion makes it tomorrow
                        self.conv_order[self.conv_of_edge[(k, m)]] = ship
                    else:
                        self.env.process(self.shipment(k, m, ship, t + int(pp.transit[p, k])))
                if apply > 0.0:
                    applied += apply
                    self.file(self.office_of[(today.measure_on[m][k], m)], apply, t)
            placed = shipped + applied
            self.pipeline[m] += placed
            out.placed[p, t, m] = placed
