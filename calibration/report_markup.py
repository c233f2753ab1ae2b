"""The calibration report's markup: tables, bullet lists and inline emphasis in Markdown or HTML, and the short
forms its sections write numbers in (percentages, z-scores, bands, a direction's weights, a verdict).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import markupsafe

from calibration.report_context import NOT_COMPUTED, PINNED, WEAK, fmt_band, num

__all__ = ["inline"]


def _table(head: list[str], rows: list[list[str]], md: bool) -> str:
    if md:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in r) + " |" for r in rows]
        return "\n".join(out)
    def esc(c: str) -> markupsafe.Markup:
        """Escaped, with a break opportunity after each dot of a dotted path (long field names wrap)."""
        out = markupsafe.escape(c)
        return markupsafe.Markup(re.sub(r"(?<=[a-z_])\.(?=[a-z_])", ".\u200b", str(out))) if " " not in c else out

    h = "".join(f"<th>{esc(c)}</th>" for c in head)
    body = "".join("<tr>" + "".join(
        f"<td class='n'>{esc(c)}</td>" if (c[:1].isdigit() or c[:1] in "-+−¥–") and len(c) <= 24
        else f"<td class='src'>{esc(c)}</td>" if "/" in c and len(c) > 40 else f"<td>{esc(c)}</td>" for c in r) + "</tr>"
        for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>"


def _bullets(items: Sequence[str], md: bool) -> str:
    if md:
        return "\n".join(f"- {x}" for x in items)
    return "<ul>" + "".join(f"<li>{inline(x)}</li>" for x in items) + "</ul>"


def inline(text: str) -> str:
    """Escape, then the bold and italic forms the report's prose uses."""
    b = str(markupsafe.escape(text))
    b = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", b)
    return re.sub(r"\*(.+?)\*", r"<i>\1</i>", b)


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _combo(d: dict[str, Any]) -> str:
    return " ".join(f"{w:+.2f}·{n}" for n, w in d["weights"].items())


def _verdict(r: float) -> str:
    return "pinned down" if r < PINNED else "weakly constrained" if r < WEAK else "not constrained (prior width)"


def _z(t: dict[str, Any], v: float | None) -> str:
    return "–" if v is None else f"{(v - t['value']) / t['value'] / t['rel_sd']:+.2f}"


def _band(q: Sequence[float] | None, unit: str) -> str:
    return NOT_COMPUTED if q is None else fmt_band(q, unit)


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _prior_nums(text: str) -> str:
    """Large or small numbers of a prior's description as ×10ⁿ."""
    return re.sub(r"-?\d+(?:\.\d+)?e[+-]\d+", lambda m: num(float(m.group(0))), text)
