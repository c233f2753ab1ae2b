"""Compiling with numba, or falling back: :data:`AVAILABLE`, the phases' decorator ``_jit`` and :func:`attempt`.

Every compiled function of :mod:`simulator.engines.compiled` is compiled by
``_jit``: nopython mode, no fastmath (so IEEE order is kept), IEEE division
(``error_model="numpy"``) and ``cache=True`` (compiled once per machine; numba
caches per module, in each module's ``__pycache__``). When numba is not
installed, :data:`AVAILABLE` is False, ``_jit`` returns the function as it is
and the engine runs the NumPy phases. :func:`attempt` calls a compiled
function and, if it fails to compile, warns and lets the caller fall back.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AVAILABLE", "COMPILE_ERRORS", "attempt"]

try:  # numba is a declared dependency; the NumPy phases remain the fallback
    from numba import njit
    from numba.core.errors import NumbaError

    AVAILABLE = True
    COMPILE_ERRORS: tuple[type[BaseException], ...] = (NumbaError,)
except ImportError:  # pragma: no cover - exercised only without numba
    AVAILABLE = False
    COMPILE_ERRORS = ()

    def njit(*args: Any, **kwargs: Any) -> Any:  # type: ignore[no-redef]
        if args and callable(args[0]):
            return args[0]

        def wrap(f: Any) -> Any:
            return f
        return wrap


_jit = njit(cache=True, error_model="numpy")
"""Compile a phase: cached; IEEE semantics for division (``inf``/``nan`` as NumPy gives, never an exception)."""


def attempt(fn: Any, args: tuple[Any, ...], what: str, instead: str, note: Any, stacklevel: int = 2) -> bool:
    """Call compiled ``fn(*args)``; if it fails to compile, ``note(reason)``, warn that the compiled ``what`` failed
    and what runs ``instead``, and return False (the caller falls back). ``stacklevel`` is the warning's, counted
    from the caller of this function."""
    try:
        fn(*args)
    except COMPILE_ERRORS as exc:
        import warnings

        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        note(reason)
        warnings.warn(f"the compiled {what} failed to compile ({reason}); {instead}", RuntimeWarning,
                      stacklevel=stacklevel + 1)
        return False
    return True
