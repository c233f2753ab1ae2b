"""Compiling with numba, or falling back: :data:`AVAILABLE`, the phases' decorator ``_jit`` and :func:`attempt`.

Every compiled function of :mod:`simulator.engines.compiled` is compiled by
``_jit``: nopython mode, no fastmath (so IEEE order is kept), IEEE division
(``error_model="numpy"``) and ``cache=True`` (compiled once per machine; numba
caches per module, in each module's ``__pycache__``, each function's cache
stamped with a hash of the whole package and the engine's rules, so an edit to
any phase recompiles the fused day that embeds it: :data:`STAMPED`). When numba is not
installed, :data:`AVAILABLE` is False, ``_jit`` returns the function as it is
and the engine runs the NumPy phases. :func:`attempt` calls a compiled
function and, if it fails to compile, warns and lets the caller fall back.
"""

from __future__ import annotations

import functools
import hashlib
import os
import warnings
from pathlib import Path
from typing import Any

__all__ = ["AVAILABLE", "COMPILE_ERRORS", "STAMPED", "attempt"]

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


@functools.cache
def _package_stamp() -> bytes:
    """A hash of every source the compiled functions are made of: this package's modules and the engine's rules.

    numba checks a cached function against its own file only, but a compiled function embeds the compiled
    functions it calls from other modules (the fused day calls every phase): stamping each function's cache
    with the whole package makes an edit to any module recompile every function that may embed it.
    """
    from simulator.engines import rules

    h = hashlib.sha256()
    for f in [*sorted(Path(__file__).parent.glob("*.py")), Path(rules.__file__)]:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.digest()


def _stamp_with_the_package() -> bool:
    """Make numba's cache locators stamp this package's functions with :func:`_package_stamp`.

    Returns whether the locators could be installed: numba keeps its list of
    cache locators on its cache implementation class (``CacheImpl`` from numba
    0.61, ``_CacheImpl`` before); where neither is found, numba's own stamps
    stay and a warning says to clear the cache after editing this package.
    """
    from numba.core import caching

    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    classes = getattr(impl, "_locator_classes", None)
    if not isinstance(classes, list):
        warnings.warn("numba's cache locators were not found: after editing simulator/engines/compiled, delete "
                      "its __pycache__/*.nbi and *.nbc files, or the fused day may run the old code", stacklevel=2)
        return False
    here = os.path.dirname(os.path.abspath(__file__))

    def locator(base: Any) -> Any:
        class PackageLocator(base):  # type: ignore[misc, valid-type]
            def get_source_stamp(self) -> Any:
                return _package_stamp()

            @classmethod
            def from_function(cls, py_func: Any, py_file: str) -> Any:
                if os.path.dirname(os.path.abspath(py_file)) != here:
                    return None
                return super().from_function(py_func, py_file)
        return PackageLocator

    bases = [getattr(caching, n) for n in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")
             if hasattr(caching, n)]
    classes[:0] = [locator(base) for base in bases]
    return True


STAMPED = _stamp_with_the_package() if AVAILABLE else False
"""Whether the compiled functions' caches are stamped with the whole package's sources (:func:`_package_stamp`)."""

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
