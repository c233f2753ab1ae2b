"""The one error type for bad input, with one message template.

Every problem with a scenario file, a function's argument or a command-line option is reported as
``<file>: <field>: <rule>; got <value>``, so a user can find the line to fix.

A bad argument of a Python function is ``parameter: <name>: <rule>; got <value>``, the parameter named as
the function spells it (:data:`PARAMETER`); the command line shows the same error with its own option for
that parameter (:meth:`InputError.renamed`), e.g. ``option: --paths: must be >= 1; got 0``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MISSING", "PARAMETER", "InputError", "InputWarning", "suggest"]

PARAMETER = "parameter"
"""The ``file`` of an :class:`InputError` about an argument of a Python function.

Its ``field`` is the parameter's name as the function spells it (``n_paths``), optionally followed by a
space and the part of the argument at fault (``grid policy.china_stop.end_day``). Anywhere else in a
message (a rule, or the file or field of another error) a parameter is named in backticks, alone or
starting a snippet of code: ```out```, ```overwrite=True```, ```workers > 1```. Both forms are what
:meth:`InputError.renamed` rewrites."""

_NAMED = re.compile(r"`([A-Za-z_]\w*)(?:[^\w`][^`]*)?`")


class InputError(ValueError):
    """Bad user input: names the file, the field path, the rule and the value given.

    Parameters
    ----------
    file : str
        The file the input came from; :data:`PARAMETER` for an argument of a Python function, ``"option"``
        for a command-line option.
    field : str
        Dotted path of the offending field, e.g. ``materials.dytb.inventory_days``; the parameter's
        name for :data:`PARAMETER`, the option for ``"option"``.
    rule : str
        The rule that was broken, e.g. ``must be >= 0``.
    value : object
        The value that was given.
    more : list of InputError, optional
        Further problems found in the same input; reported after the first.
    """

    def __init__(
        self,
        file: str,
        field: str,
        rule: str,
        value: Any,
        more: list[InputError] | None = None,
    ) -> None:
        self.file = file
        self.field = field
        self.rule = rule
        self.value = value
        self.more = list(more or [])
        super().__init__(self._render())

    def _line(self) -> str:
        return f"{self.file}: {self.field}: {self.rule}; got {_show(self.value)}"

    def _render(self) -> str:
        lines = [self._line()] + [e._line() for e in self.more]
        return "\n".join(lines)

    def with_file(self, file: str) -> InputError:
        """Return the same error attributed to ``file``."""
        return InputError(file, self.field, self.rule, self.value, [m.with_file(file) for m in self.more])

    def renamed(self, names: Mapping[str, str], file: str) -> InputError:
        """The same error told in another interface's words (the command line's options).

        A :data:`PARAMETER` error becomes an error of ``file`` whose field's first word (the parameter)
        is replaced by ``names[parameter]``; in every file, field and rule, a parameter in backticks
        (```out```, or a snippet starting with it: ```resume=True```) is replaced by ``names[parameter]``. A parameter missing from
        ``names`` is left as it is. The value and the further problems (renamed alike) are kept.

        Parameters
        ----------
        names : mapping
            Parameter name -> its name in the other interface, e.g. ``{"n_paths": "--paths"}``.
        file : str
            What stands in for :data:`PARAMETER`, e.g. ``"option"``.

        Examples
        --------
        >>> err = InputError(PARAMETER, "out", "is not empty; use `overwrite=True` to replace it", "o")
        >>> print(err.renamed({"out": "--out", "overwrite": "--overwrite"}, "option"))
        option: --out: is not empty; use --overwrite to replace it; got 'o'
        """
        def words(text: str) -> str:
            return _NAMED.sub(lambda m: names.get(m.group(1), m.group(0)), text)

        where, field = self.file, self.field
        if where == PARAMETER:
            head, sep, rest = field.partition(" ")
            where, field = file, names.get(head, head) + sep + rest
        return InputError(words(where), words(field), words(self.rule), self.value,
                          [m.renamed(names, file) for m in self.more])


class InputWarning(UserWarning):
    """Input that is valid but unusual (outside a field's usual range).

    Issued with :func:`warnings.warn`; the message has the template of
    :class:`InputError` (``file: field: rule; got value``). The command line
    prints it to stderr as ``warning: ...`` and still exits 0.
    """

    def __init__(self, file: str, field: str, rule: str, value: Any) -> None:
        self.file, self.field, self.rule, self.value = file, field, rule, value
        super().__init__(f"{file}: {field}: {rule}; got {_show(value)}")


class _Missing:
    """The value shown for a required field that was left out."""

    def __repr__(self) -> str:
        return "nothing (the field is missing)"


MISSING: Any = _Missing()
"""Pass as an :class:`InputError`'s value when a required field is missing."""


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a table with keys " + ", ".join(repr(k) for k in value)
    return repr(value)


def suggest(word: str, options: list[str], *, cutoff: float = 0.6, listing: bool = True, most: int | None = None) -> str:
    """The "did you mean" of every message: ``"; did you mean 'x'?"`` for the closest option.

    Else, with ``listing``, ``"; expected one of 'a', 'b'"`` (the first ``most`` of them, sorted, then
    ``", ..."``), or nothing.
    """
    close = difflib.get_close_matches(word, options, n=1, cutoff=cutoff)
    if close:
        return f"; did you mean {close[0]!r}?"
    if options and listing:
        shown = sorted(options) if most is None else sorted(options)[:most]
        more = ", ..." if most is not None and len(options) > most else ""
        return "; expected one of " + ", ".join(repr(o) for o in shown) + more
    return ""
