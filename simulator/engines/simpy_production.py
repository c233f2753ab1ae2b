"""The SimPy engine's production: phases REQUIREMENTS, CONSUME, CONVERT and PRODUCE, one method each, named as
the vectorised engine's phases (:mod:`simulator.engines.phases`), run by one process at ``t + 0.50``."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, NamedTuple

import numpy as np

from simulator.engines import event_log
from simulator.engines.formulas import criticality_on
from simulator.engines.rules import ENOUGH, SIMPY_TIME, STOPPAGE, Phase
from simulator.engines.simpy_path import _PathState

# times of day of the processes: the shared daily step (simulator.engines.rules)
_PRODUCE = SIMPY_TIME[Phase.PRODUCE]


class _Needs(NamedTuple):
    """What each firm needs today (phase REQUIREMENTS), per use u (a row of ``PathParams.users``) and cohort c.

    Attributes
    ----------
    catch_up : list of float, length S
        Each sector's planned catch-up ``e_s = min(overtime, backlog)``, share of daily output.
    need : list of list of float, shape (U, C), t/day
        The firm's need ``n_{u,c}`` (its baseline use less thrift, or a conversion's input for its order).
    catch_up_need : list of list of float, shape (U, C), t/day
        The firm's need for catch-up, ``e_s x n_{u,c}`` (0 for a conversion's firm).
    """

    catch_up: list[float]
    need: list[list[float]]
    catch_up_need: list[list[float]]


class _Met(NamedTuple):
    """The shares of each firm's needs met today (phase CONSUME), per use and cohort, shape (U, C), in [0, 1].

    Attributes
    ----------
    need : list of list of float
        ``r_{u,c}``: of its need.
    catch_up : list of list of float
        ``r^cu_{u,c}``: of its catch-up need.
    """

    need: list[list[float]]
    catch_up: list[list[float]]


def _use_own_stock(have: float, need: float, catch_up_need: float, normal: float,
                   catches_up: bool) -> tuple[float, float, float, float]:
    """What one firm cohort uses of its own stock today (phase CONSUME, docs/model.md "The daily step", 4).

    It meets its ``need`` if short by at most ``ENOUGH`` of it, else uses all
    it has; a sector's firm (``catches_up``) then meets its ``catch_up_need``
    from what it holds above its ``normal`` stock only, on the same rule.

    Parameters
    ----------
    have : float
        The firm's stock, t.
    need, catch_up_need : float
        Its needs today, t/day.
    normal : float
        Its normal stock, t.
    catches_up : bool
        A sector's firm (a conversion's firm makes no catch-up).

    Returns
    -------
    used : float
        Taken from its stock, t.
    short : float
        Need and catch-up need not met, t/day.
    need_met, catch_up_met : float
        Shares of its need and of its catch-up need met, in [0, 1].
    """
    need_met, catch_up_met, short = 1.0, 1.0, 0.0
    if need <= have + ENOUGH * need:
        left = max(have - need, 0.0)
    else:
        need_met = have / need
        short = need - have
        left = 0.0
    if catches_up:
        surplus = max(left - normal, 0.0)
        if catch_up_need <= surplus + ENOUGH * catch_up_need:
            left = max(left - catch_up_need, 0.0)
        else:
            catch_up_met = surplus / catch_up_need
            short += catch_up_need - surplus
            left = left - surplus
    return have - left, short, need_met, catch_up_met


class _Production(_PathState):
    """A path's firms at work: what they need, use, convert and produce each day."""

    def production(self) -> Generator[Any, Any, None]:
        """Phases REQUIREMENTS, CONSUME, CONVERT and PRODUCE, in that order, at ``t + 0.50`` each day.

        docs/model.md, "The daily step", 3-6: the vectorised engine's
        :func:`~simulator.engines.phases.firms.requirements`,
        :func:`~simulator.engines.phases.firms.consume`,
        :func:`~simulator.engines.phases.firms.convert` and
        :func:`~simulator.engines.phases.firms.produce`, one method each.
        """
        for t in range(self.T):
            yield self.wait_until(t + _PRODUCE)
            needs = self.requirements(t)
            met = yield from self.consume(t, needs)
            self.convert(t, met)
            self.produce(t, needs, met)

    def requirements(self, t: int) -> _Needs:
        """Phase REQUIREMENTS (docs/model.md, "The daily step", 3): what each firm needs today.

        A sector's backlog is dropped after its catch-up window; it plans to
        make up ``e_s = min(overtime, backlog)``. A sector's firm needs its
        cohort's share of its baseline use less thrift, ``(w_c x b_u) x (1 -
        h_{s,m})``, and for catch-up ``((w_c x b_u) x e_s) x (1 - h_{s,m})``;
        a conversion's firm needs the recipe's input for what was ordered from
        the conversion yesterday, ``(w_c x a_u) x O_q``, and no catch-up.

        Parameters
        ----------
        t : int
            The day, 0-based.

        Returns
        -------
        _Needs
            ``catch_up`` (S,) share of daily output; ``need`` and
            ``catch_up_need`` (U, C) t/day.

        Notes
        -----
        Reads ``window_end`` (S,) day, ``pp.overtime`` (S,) share of daily output, ``pp.thrift`` (S, M) share,
        ``thrift_done`` (S, M) share of the thrift ramp done, ``base`` (U,) t/day, ``pp.user_recipe`` (U,) t per t,
        ``conv_order`` (Q,) t.

        Writes ``backlog`` (S,) days of output (0 after the catch-up window).
        """
        pp, p, users = self.pp, self.p, self.users
        catch_up = [0.0] * self.S
        for s in range(self.S):
            if t > self.window_end[s]:
                self.backlog[s] = 0.0
            catch_up[s] = min(float(pp.overtime[p, s]), self.backlog[s])
        need = [[0.0] * self.C for _ in range(self.U)]
        catch_up_need = [[0.0] * self.C for _ in range(self.U)]
        for u in range(self.U):
            s, q, m = int(users.sector[u]), int(users.conversion[u]), int(users.material[u])
            for c in range(self.C):
                if s >= 0:
                    keep = 1.0 - pp.thrift[p, s, m] * self.thrift_done[s, m]
                    need[u][c] = (self.cohort_weight[c] * self.base[u]) * keep
                    catch_up_need[u][c] = ((self.cohort_weight[c] * self.base[u]) * catch_up[s]) * keep
                else:
                    need[u][c] = (self.cohort_weight[c] * float(pp.user_recipe[p, u])) * self.conv_order[q]
        return _Needs(catch_up, need, catch_up_need)

    def consume(self, t: int, needs: _Needs) -> Generator[Any, Any, _Met]:
        """Phase CONSUME (docs/model.md, "The daily step", 4): each firm uses its own stock (firms do not pool).

        A firm meets its need if it is short by at most ``ENOUGH`` of it, else
        it uses all it has; catch-up uses only material above the firm's
        normal stock, so overtime never eats into the buffer that protects
        tomorrow's output (:func:`_use_own_stock`). Firms take from their
        containers material by material, cohort by cohort, use by use.

        Parameters
        ----------
        t : int
            The day, 0-based.
        needs : _Needs
            Today's :meth:`requirements`.

        Returns
        -------
        _Met
            The shares of each firm's need and catch-up need met, (U, C), in [0, 1].

        Notes
        -----
        Reads and takes from ``inv`` (U, C) t; reads ``normal`` (U, C) t.

        Writes ``out.requirement``, ``out.consumption``, ``out.shortfall`` (M,) t/day on day ``t``: sums over
        the firms of each material in use order within a cohort, then cohorts (:meth:`msum`), as the
        vectorised engine adds them; ``empty`` (M,) (the stock-out event).
        """
        out, p, users = self.out, self.p, self.users
        met = _Met([[1.0] * self.C for _ in range(self.U)], [[1.0] * self.C for _ in range(self.U)])
        required = [[0.0] * self.C for _ in range(self.U)]
        used = [[0.0] * self.C for _ in range(self.U)]
        short = [[0.0] * self.C for _ in range(self.U)]
        for m in range(self.M):
            rows = self.rows_of[m]
            for c in range(self.C):
                for u in rows:
                    need, catch_up_need = needs.need[u][c], needs.catch_up_need[u][c]
                    used[u][c], short[u][c], met.need[u][c], met.catch_up[u][c] = _use_own_stock(
                        self.inventory[u][c].level, need, catch_up_need, self.normal[u][c], bool(users.sector[u] >= 0))
                    if used[u][c] > 0.0:
                        yield self.inventory[u][c].get(used[u][c])
                    required[u][c] = need + catch_up_need
            total_required, total_used, total_short = 0.0, 0.0, 0.0
            if rows:
                total_required = self.msum(required, m)
                total_used = self.msum(used, m)
                total_short = self.msum(short, m)
            out.requirement[p, t, m] = total_required
            out.consumption[p, t, m] = total_used
            out.shortfall[p, t, m] = total_short
            self.watch_stock(t, m, total_required, total_short)
        return met

    def watch_stock(self, t: int, m: int, required: float, short: float) -> None:
        """Event log: every firm's stock of material m has run out while some firm needs it (once until refilled).

        ``required`` and ``short`` are today's requirement and shortfall of the material, t/day.
        """
        level = self.level(m)
        if level == 0.0 and required > 0.0 and not self.empty[m]:
            self.empty[m] = True
            self.tell(event_log.stock_out, t, self.material_ids[m], short)
        elif level > 0.0:
            self.empty[m] = False

    def convert(self, t: int, met: _Met) -> None:
        """Phase CONVERT (docs/model.md, "The daily step", 4): domestic conversions make yesterday's orders.

        Each conversion makes what was ordered from it yesterday as its
        scarcest input allows (:meth:`conversion_output`); what it makes
        ships, arriving after the edge's transit time less the day it took to
        make; what it could not make leaves the pipeline as denied.

        Parameters
        ----------
        t : int
            The day, 0-based.
        met : _Met
            Today's shares of need met (:meth:`consume`), of the conversions' input firms.

        Notes
        -----
        Reads and clears ``conv_order`` (Q,) t; reads ``pp.transit`` (K,) days.

        Writes a :meth:`shipment` of what each conversion makes, t, and adds what it could not make to
        ``out.denied`` (M,) t on day ``t``.
        """
        pp, p, out = self.pp, self.p, self.out
        for q in range(len(self.conv_rows)):
            order = self.conv_order[q]
            self.conv_order[q] = 0.0
            if order <= 0.0:
                continue
            made = self.conversion_output(q, order, met)
            k, m = int(pp.conv_k[q]), int(pp.conv_m[q])
            if made > 0.0:
                self.env.process(self.shipment(k, m, made, t - 1 + int(pp.transit[p, k])))
            out.denied[p, t, m] += order - made  # not made for lack of inputs: leaves the pipeline
            if made < order * STOPPAGE:
                self.tell(event_log.conversion_short, t, self.source_ids[k], self.material_ids[m], made, order)

    def conversion_output(self, q: int, order: float, met: _Met) -> float:
        """What conversion q makes of an ``order`` (t) today, t.

        Each cohort makes its share ``w_c`` of the order times the least share
        of need met over its inputs; the sum, at most the order, is exactly the
        order when no cohort is short of an input and exactly 0 when every
        cohort has none.
        """
        made, full = 0.0, True
        for c in range(self.C):
            scarcest = 1.0
            for u in self.conv_rows[q]:
                scarcest = min(scarcest, met.need[u][c])
            full = full and scarcest == 1.0
            part = (self.cohort_weight[c] * order) * scarcest
            made = part if c == 0 else made + part
        return order if full else min(made, order)

    def produce(self, t: int, needs: _Needs, met: _Met) -> None:
        """Phase PRODUCE (docs/model.md, "The daily step", 5-6): output, lost output and catch-up of each sector.

        A cohort's output is :meth:`cohort_output`; at full output it makes up
        ``e_s`` times its catch-up output. A sector's output fraction and
        catch-up made are the cohorts' weighted sums; ``catch_share`` of the
        loss joins the backlog and the catch-up made leaves it.

        Parameters
        ----------
        t : int
            The day, 0-based.
        needs : _Needs
            Today's :meth:`requirements` (``catch_up``, (S,) share of daily output).
        met : _Met
            Today's shares of need met (:meth:`consume`).

        Notes
        -----
        Reads ``pp.crit``, ``pp.crit_floor`` and ``substitution_done`` (S, M) (today's criticality,
        :func:`~simulator.engines.formulas.criticality_on`), ``pp.catch_share`` (S,), ``pp.daily_output``
        (S,) currency/day.

        Writes ``backlog`` (S,) days of output; ``out.output_fraction`` and ``out.output`` (S,) share of
        daily output and ``out.lost_output`` (S,) currency/day on day ``t``; ``stopped`` and
        ``cohort_stopped`` (the output-cut and firms-stop events).
        """
        pp, p, out = self.pp, self.p, self.out
        for s in range(self.S):
            criticality = criticality_on(pp.crit[p, s], pp.crit_floor[p, s], self.substitution_done[s])
            fraction, made_up = 0.0, 0.0
            for c in range(self.C):
                cohort_fraction, catch_up_fraction = self.cohort_output(s, c, criticality, met)
                cohort_made_up = needs.catch_up[s] * catch_up_fraction if cohort_fraction == 1.0 else 0.0
                if c == 0:
                    fraction, made_up = self.cohort_weight[c] * cohort_fraction, self.cohort_weight[c] * cohort_made_up
                else:
                    fraction += self.cohort_weight[c] * cohort_fraction
                    made_up += self.cohort_weight[c] * cohort_made_up
                self.watch_cohort(t, s, c, cohort_fraction)
            loss = 1.0 - fraction
            self.backlog[s] = max(self.backlog[s] + pp.catch_share[p, s] * loss - made_up, 0.0)
            out.output_fraction[p, t, s] = fraction
            out.output[p, t, s] = fraction + made_up
            out.lost_output[p, t, s] = (loss - made_up) * pp.daily_output[p, s]
            self.watch_sector(t, s, fraction)

    def cohort_output(self, s: int, c: int, criticality: np.ndarray, met: _Met) -> tuple[float, float]:
        """Sector s's cohort c's output and catch-up output today, shares of plan.

        The minimum over the materials it uses of ``1 - κ_{s,m} x (1 - r)``,
        with ``r`` the share of its need met (output, ``f_{s,c}``) or of its
        catch-up need met (catch-up, ``g_{s,c}``); ``criticality`` is today's
        ``κ_{s,m}``, shape (M,).
        """
        fraction, catch_up_fraction = 1.0, 1.0
        for u in self.sector_rows[s]:
            m = int(self.users.material[u])
            fraction = min(fraction, 1.0 - criticality[m] * (1.0 - met.need[u][c]))
            catch_up_fraction = min(catch_up_fraction, 1.0 - criticality[m] * (1.0 - met.catch_up[u][c]))
        return fraction, catch_up_fraction

    def watch_cohort(self, t: int, s: int, c: int, fraction: float) -> None:
        """Event log (with several cohorts): sector s's cohort c stops (output ``fraction`` below ``STOPPAGE``
        of plan) or resumes."""
        if self.C > 1 and fraction < STOPPAGE and not self.cohort_stopped[s][c]:
            self.cohort_stopped[s][c] = True
            self.tell(event_log.cohort_stops, t, self.sector_ids[s], c, self.C, self.covers(s, c), fraction)
        elif self.C > 1 and fraction >= STOPPAGE and self.cohort_stopped[s][c]:
            self.cohort_stopped[s][c] = False
            self.tell(event_log.cohort_resumes, t, self.sector_ids[s], c, self.C, fraction)

    def watch_sector(self, t: int, s: int, fraction: float) -> None:
        """Event log: sector s's output (``fraction`` of plan) falls below ``STOPPAGE`` or recovers."""
        if fraction < STOPPAGE and not self.stopped[s]:
            self.stopped[s] = True
            self.tell(event_log.output_cut, t, self.sector_ids[s], fraction)
        elif fraction >= STOPPAGE and self.stopped[s]:
            self.stopped[s] = False
            self.tell(event_log.recovery, t, self.sector_ids[s], fraction)

    def covers(self, s: int, c: int) -> list[tuple[str, float]]:
        """Sector s's cohort c's normal cover of each material it uses: (material id, days), in use order."""
        return [(self.material_ids[int(self.users.material[u])], float(self.pp.user_cover[self.p, u, c]))
                for u in range(self.U) if self.users.sector[u] == s]
