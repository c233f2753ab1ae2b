"""The SimPy engine's deliveries to the firms: goods on their way at the start, arrivals (phase ARRIVALS) and
stockpile releases (phase STOCKPILE), each shared among the firms by :meth:`_Deliveries.deliver`."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simulator.engines import event_log
from simulator.engines.params import NEVER
from simulator.engines.rules import SIMPY_TIME, Phase
from simulator.engines.simpy_path import _PathState

# times of day of the processes: the shared daily step (simulator.engines.rules)
_RECEIVE = SIMPY_TIME[Phase.ARRIVALS]

_STOCKPILE = SIMPY_TIME[Phase.STOCKPILE]


class _Deliveries(_PathState):
    """A path's deliveries: the pipeline at the start, the day's arrivals and the stockpile agency's releases."""

    def set_up_pipeline(self) -> None:
        """Goods already on their way on day 0: the baseline flow of each source over its transit time, t/day.

        A conversion's last day of it is the order it makes on day 0.
        """
        pp, p = self.pp, self.p
        for k in range(self.K):
            for m in range(self.M):
                flow = float(pp.share[p, k, m] * self.demand[m])
                if flow > 0.0:
                    n_days = int(pp.transit[p, k])
                    for day in range(n_days):
                        self.pipeline[m] += flow
                        if (k, m) in self.conv_of_edge and day == n_days - 1:
                            self.conv_order[self.conv_of_edge[(k, m)]] = flow
                        else:
                            self.env.process(self.shipment(k, m, flow, day, initial=True))

    def deliver(self, m: int, amount: float, gap: list[list[float]], excess: bool) -> list[list[float]]:
        """Share a delivery of material m among the firms using it.

        Rank by rank (``priority``), each firm's ``gap`` is filled if the
        amount left covers the rank's gaps; otherwise the amount left is
        shared within the rank, ``(1 - triage)`` of it pro rata to the gaps
        and ``triage`` to the uses in order of the value added a tonne saves
        (each use's gap in full before the next; its cohorts pro rata to
        their gaps). With ``excess``, what is left after every gap is shared
        by baseline use among the sectors' firms (``excess_share``).

        Parameters
        ----------
        m : int
            The material.
        amount : float
            The delivery, t.
        gap : list of list of float, shape (U, C), t
            Each firm's gap (rows of material m read).
        excess : bool
            Share what is left after every gap (arrivals) or keep it (stockpile releases).

        Returns
        -------
        list of list of float, shape (U, C), t
            What each firm receives (0 outside material m's rows).
        """
        given = [[0.0] * self.C for _ in range(self.U)]
        left = amount
        for members in self.ranked[m]:
            if not members:
                continue
            in_rank = sorted(members)
            rank_gap = self.msum(gap, m, in_rank)
            if rank_gap <= 0.0:
                continue
            if left >= rank_gap:
                for u in in_rank:
                    for c in range(self.C):
                        given[u][c] = gap[u][c]
                left = left - rank_gap
                continue
            for u in in_rank:
                for c in range(self.C):
                    given[u][c] = left * (gap[u][c] / rank_gap)
            if self.triage > 0.0:
                before = 0.0
                for u in members:  # by value, highest first
                    use_gap = gap[u][0]
                    for c in range(1, self.C):
                        use_gap += gap[u][c]
                    give = min(use_gap, max(left - before, 0.0))
                    before += use_gap
                    for c in range(self.C):
                        greedy = give * (gap[u][c] / use_gap) if use_gap > 0.0 else 0.0
                        given[u][c] = (1.0 - self.triage) * given[u][c] + self.triage * greedy
            left = 0.0
        if excess and left > 0.0:
            for u in self.rows_of[m]:
                for c in range(self.C):
                    given[u][c] = given[u][c] + left * self.excess_share[u][c]
        return given

    def receiving(self) -> Generator[Any, Any, None]:
        """Step 1: the day's arrivals at the dock are delivered to the firms using each material.

        A firm's gap is to its normal stock; a conversion's firm's to the larger of its normal stock and the
        recipe's input for what was ordered from it yesterday (made today): with less than a day of cover it
        still gets its day's input, as a sector's firm gets its day's use from what is left over every gap.
        """
        out, p = self.out, self.p
        for t in range(self.T):
            yield self.wait_until(t + _RECEIVE)
            for m in range(self.M):
                total = 0.0
                for k in range(self.K):
                    total += out.arrivals[p, t, k, m]
                if total > 0.0:
                    rows = self.rows_of[m]
                    gap = [[0.0] * self.C for _ in range(self.U)]
                    for u in rows:
                        q = int(self.users.conversion[u])
                        for c in range(self.C):
                            claim = self.normal_stock(u, c)
                            if q >= 0:  # a conversion's firm: at least the input for what it makes today
                                recipe = float(self.pp.user_recipe[self.p, u])
                                claim = max(claim, (self.cohort_weight[c] * recipe) * self.conv_order[q])
                            gap[u][c] = max(claim - self.inventory[u][c].level, 0.0)
                    given = self.deliver(m, total, gap, excess=True)
                    for u in rows:
                        for c in range(self.C):
                            if given[u][c] > 0.0:
                                yield self.inventory[u][c].put(given[u][c])
                    self.pipeline[m] -= total

    def stockpile_agency(self) -> Generator[Any, Any, None]:
        """Releases the national stockpile.

        The agency opens the stockpile ``decision_lag_days`` after a disruption
        of the material is known (a measure's start day). From then on, on any
        day some firm cohort's inventory is below the trigger cover, it tops
        the cohorts up towards the trigger (pro rata to their gaps), at most
        ``max_release_per_day`` in all, until the stockpile is empty.
        """
        pp, p = self.pp, self.p
        opened = [False] * self.M
        for t in range(self.T):
            yield self.wait_until(t + _STOCKPILE)
            for m in range(self.M):
                if pp.trigger[p, m] >= NEVER or t < pp.trigger[p, m] + pp.stock_lag[p, m]:
                    continue
                if not opened[m] and self.stockpile[m].level > 0.0:
                    opened[m] = True
                    self.tell(event_log.stockpile_opens, t, self.material_ids[m], pp.stock_trigger[p, m] / self.demand[m])
                # each firm's gap to its share of the trigger cover
                rows = self.rows_of[m]
                if not rows:
                    continue
                need = [[0.0] * self.C for _ in range(self.U)]
                for u in rows:
                    for c in range(self.C):
                        trigger = float(pp.stock_trigger[p, m] * self.trigger_share[u][c])
                        need[u][c] = max(trigger - self.inventory[u][c].level, 0.0)
                total_need = self.msum(need, m)
                if total_need > 0.0:
                    release = min(min(self.stockpile[m].level, float(pp.stock_rate[p, m])), total_need)
                    if release > 0.0:
                        yield self.stockpile[m].get(release)
                        given = self.deliver(m, release, need, excess=False)
                        for u in rows:
                            for c in range(self.C):
                                if given[u][c] > 0.0:
                                    yield self.inventory[u][c].put(given[u][c])
                        self.out.release[p, t, m] = release
                        self.released[m] += release
                        self.tell(event_log.release, t, self.material_ids[m], release, self.stockpile[m].level)
