"""Which phases run compiled, and the fallback to their NumPy code when a compiled phase fails to compile.

A phase runs its compiled loops (:mod:`simulator.engines.compiled`) when
asked to, numba is installed and they compiled (:func:`compiled_ok`); a
compiled phase that fails to compile is noted and warned about once, naming
the phase, and its NumPy code runs instead (the same numbers, slower).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.engines.compiled import jit as _compiled
from simulator.engines.rules import Phase

__all__ = ["CompileFailure", "compiled_ok"]


_FAILED: dict[Phase, str] = {}
"""Phases whose compiled loops failed to compile in this process, with the reason."""


class CompileFailure(RuntimeError):
    """A compiled phase failed to compile and no NumPy fallback was allowed."""


def compiled_ok(phase: Phase) -> bool:
    """Whether ``phase`` runs compiled: numba is installed and its loops compiled (or are not tried yet)."""
    return _compiled.AVAILABLE and phase not in _FAILED


def _run_compiled(phase: Phase, fn: Callable[..., Any], *args: Any) -> bool:
    """Call a compiled phase; on a compilation error note it, warn naming the phase, and return False."""
    return _compiled.attempt(fn, args, f"{phase.name.lower()} phase",
                             "running its NumPy code instead (same numbers, slower)",
                             lambda reason: _FAILED.__setitem__(phase, reason), stacklevel=3)
