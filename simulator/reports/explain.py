"""One path told in words: the event log filtered, or summarised in a line per licence, stoppage and release.

``supplyshock explain`` prints a single path of the SimPy engine. A year of a
licence regime is thousands of events (every application, decision and
shipment), so the command lists the rare ones and counts the routine ones;
:func:`select` filters the log by category, material and day window, and
:func:`summary` folds it into a few lines:

- one line per licence office (measure and material): applications filed,
  tonnes applied for, approved, rejected and still undecided at the horizon;
- one line per sector whose output fell below plan: the days below plan, the
  first and last of them, the lowest share of plan and its day, the most firm
  cohorts stopped at once;
- one line per material the national stockpile released: tonnes, days, first
  and last day, what is left at the horizon;
- the rare events (policy, stock-outs) as they are.

The summary reads the path's daily arrays for stoppages and releases (exact)
and the structured fields of its events for licences.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from simulator.engines.rules import STOPPAGE
from simulator.engines.trajectories import Event, Trajectories
from simulator.model.scenario import Scenario

ROUTINE = frozenset({"shipment", "application", "decision"})
"""Categories counted rather than listed unless asked for (thousands of them on a licence path)."""

_RARE = ("policy", "stock-out", "stockpile")
"""Categories a summary lists one by one."""


@dataclass(frozen=True)
class Window:
    """Which events to keep: a day window, categories and materials (empty = all)."""

    first: int
    last: int
    categories: frozenset[str] = frozenset()
    materials: frozenset[str] = frozenset()


def sectors_using(sc: Scenario, materials: Iterable[str]) -> set[str]:
    """Sector ids that use any of ``materials``."""
    wanted = set(materials)
    return {s for s, sec in sc.sectors.items() if wanted & set(sec.materials)}


def keeps(ev: Event, w: Window, users: set[str]) -> bool:
    """Whether event ``ev`` passes window ``w`` (``users``: sectors using the chosen materials).

    A material filter keeps the events about those materials, the events of the
    sectors that use them, and the events about no material or sector (the
    measures starting and ending).
    """
    if not w.first <= ev.day <= w.last:
        return False
    if w.categories and ev.category not in w.categories:
        return False
    if w.materials:
        if ev.material:
            return not w.materials.isdisjoint(ev.material.split(","))
        if ev.sector:
            return ev.sector in users
    return True


def select(events: Sequence[Event], sc: Scenario, w: Window) -> list[Event]:
    """The events of one path that pass ``w``, in the log's order."""
    users = sectors_using(sc, w.materials)
    return [ev for ev in events if keeps(ev, w, users)]


def summary(tr: Trajectories, sc: Scenario, w: Window, path: int = 0) -> list[str]:
    """A few lines that tell path ``path``: licences, stoppages, releases and the rare events.

    Parameters
    ----------
    tr : Trajectories
        From the SimPy engine with ``events=True``.
    sc : Scenario
        The scenario the path ran.
    w : Window
        Day window and materials to summarise (categories are ignored).
    path : int
        Which path of ``tr``.

    Returns
    -------
    list of str
        Lines under four headings; a heading with nothing under it says "none".
    """
    events = select(tr.events[path], sc, Window(w.first, w.last, frozenset(), w.materials))
    mats = [m for m in tr.materials if not w.materials or m in w.materials]
    users = sectors_using(sc, w.materials)
    secs = [s for s in tr.sectors if not w.materials or s in users]
    out = [f"days {w.first}-{w.last}" + (f", materials {', '.join(sorted(w.materials))}" if w.materials else "")]
    out += _licence_lines(events)
    out += _stoppage_lines(tr, path, w, secs, events)
    out += _release_lines(tr, path, w, mats)
    out += _rare_lines(events)
    return out


def _licence_lines(events: Sequence[Event]) -> list[str]:
    """The summary's licences: a heading, then a line per licence office (measure and material).

    Parameters
    ----------
    events : sequence of Event
        The path's events in the window; those with an ``office`` count
        (applications: their number and tonnes; decisions: tonnes approved and rejected).

    Returns
    -------
    list of str
        The heading, then per office (in order of its first event) applications filed and tonnes
        applied for, approved, rejected and not decided in the window; ``"  none"`` without offices.
    """
    out = ["licences (applications filed; tonnes applied for, approved, rejected, not decided in the window):"]
    offices: dict[str, list[float]] = {}
    for ev in events:
        if not ev.office:
            continue
        row = offices.setdefault(ev.office, [0.0, 0.0, 0.0, 0.0, 0.0])
        if ev.category == "application":
            row[0] += 1
            row[1] += ev.tonnes
        elif ev.category == "decision":
            row[2] += ev.tonnes
            row[3] += ev.rejected
    for name, (n, applied, approved, rejected, _) in offices.items():
        waiting = max(applied - approved - rejected, 0.0)
        out.append(f"  {name}: {int(n):,} applications, {applied:,.1f} t applied for; {approved:,.1f} t approved, "
                   f"{rejected:,.1f} t rejected, {waiting:,.1f} t not decided in the window")
    if not offices:
        out.append("  none")
    return out


def _stoppage_lines(tr: Trajectories, path: int, w: Window, secs: Sequence[str], events: Sequence[Event]) -> list[str]:
    """The summary's stoppages: a heading, then a line per sector whose output fell below plan in the window.

    Parameters
    ----------
    tr : Trajectories
        Reads ``output_fraction`` (path x day x sector, a share of plan) of path ``path``.
    path : int
        Which path of ``tr``.
    w : Window
        The day window (``first`` to ``last``, both included).
    secs : sequence of str
        The sectors to tell (those using the window's materials, or all).
    events : sequence of Event
        The path's events in the window, for the most firm cohorts stopped at once.

    Returns
    -------
    list of str
        The heading, then per sector below :data:`STOPPAGE` of plan on some day (in ``tr.sectors``
        order) the days below plan, the first and last of them, the lowest share and its day, and the
        most firm cohorts stopped at once; ``"  none"`` without such sectors.
    """
    out = [f"stoppages (output below {STOPPAGE:.0%} of plan):"]
    frac = tr.output_fraction[path, w.first:w.last + 1]
    stopped_at_once = _most_stopped_at_once(events)
    n_stop = 0
    for j, s in enumerate(tr.sectors):
        if s not in secs:
            continue
        below = np.flatnonzero(frac[:, j] < STOPPAGE)
        if below.size == 0:
            continue
        n_stop += 1
        low = int(np.argmin(frac[:, j]))
        line = (f"  {s}: {below.size} days below plan, day {w.first + int(below[0])} to {w.first + int(below[-1])}; "
                f"lowest {frac[low, j]:.0%} of plan on day {w.first + low}")
        if s in stopped_at_once:
            n = stopped_at_once[s]
            line += f"; at most {n} firm cohort{'s' if n > 1 else ''} stopped at once"
        out.append(line)
    if n_stop == 0:
        out.append("  none")
    return out


def _release_lines(tr: Trajectories, path: int, w: Window, mats: Sequence[str]) -> list[str]:
    """The summary's stockpile releases: a heading, then a line per material released in the window.

    Parameters
    ----------
    tr : Trajectories
        Reads ``release`` (path x day x material, t/day) and ``stockpile`` (the same axes, t at
        the end of each day) of path ``path``.
    path : int
        Which path of ``tr``.
    w : Window
        The day window (``first`` to ``last``, both included).
    mats : sequence of str
        The materials to tell (the window's, or all).

    Returns
    -------
    list of str
        The heading, then per material released on some day (in ``tr.materials`` order) the tonnes
        released, on how many days, the first and last of them, and the tonnes left on the window's
        last day (or the horizon's, if earlier); ``"  none"`` without releases.
    """
    out = ["stockpile releases:"]
    rel = tr.release[path, w.first:w.last + 1]
    n_rel = 0
    for i, m in enumerate(tr.materials):
        if m not in mats:
            continue
        on = np.flatnonzero(rel[:, i] > 0.0)
        if on.size == 0:
            continue
        n_rel += 1
        left = float(tr.stockpile[path, min(w.last, tr.n_days - 1), i])
        out.append(f"  {m}: {float(rel[:, i].sum()):,.1f} t released on {on.size} days, day {w.first + int(on[0])} to "
                   f"{w.first + int(on[-1])}; {left:,.1f} t left on day {min(w.last, tr.n_days - 1)}")
    if n_rel == 0:
        out.append("  none")
    return out


def _rare_lines(events: Sequence[Event]) -> list[str]:
    """The summary's rare events: a heading, then each policy, stockpile and stock-out event as it is.

    Parameters
    ----------
    events : sequence of Event
        The path's events in the window.

    Returns
    -------
    list of str
        The heading, then a line per event of a category in :data:`_RARE` (day, category, text),
        in the log's order; ``"  none"`` without any.
    """
    rare = [ev for ev in events if ev.category in _RARE]
    out = ["policy, stockpile openings and stock-outs:"]
    out.extend(f"  day {ev.day:>4}  {ev.category:<11} {ev.text}" for ev in rare)
    if not rare:
        out.append("  none")
    return out


def _most_stopped_at_once(events: Sequence[Event]) -> dict[str, int]:
    """Sector -> the most firm cohorts stopped at the same time, from the stop and resume events."""
    now: dict[str, int] = {}
    most: dict[str, int] = {}
    for ev in events:
        if ev.category == "firms stop":
            now[ev.sector] = now.get(ev.sector, 0) + 1
            most[ev.sector] = max(most.get(ev.sector, 0), now[ev.sector])
        elif ev.category == "firms resume":
            now[ev.sector] = max(now.get(ev.sector, 0) - 1, 0)
    return most
