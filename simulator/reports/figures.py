"""Plots every report shares: fan charts, the loss-versus-duration curve, heat maps, bars against a cost band.

Functions draw on a :class:`matplotlib.figure.Figure` (no pyplot state, no
display needed) and :func:`to_png_base64` embeds it in an HTML page. Each
figure gets a title and axis labels with units; captions are the caller's.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["bars_against_band", "duration_curve", "fan_chart", "figure", "heat_map", "to_png_base64"]

FloatArray = npt.NDArray[np.float64]

BLUE = "#1f5fa8"


def figure(width: float = 7.0, height: float = 4.0, ncols: int = 1, nrows: int = 1) -> tuple[Figure, list[Axes]]:
    """A figure with ``nrows x ncols`` axes (returned flat), sized in inches."""
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, [ax for row in axes for ax in row]


def to_png_base64(fig: Figure, dpi: int = 110) -> str:
    """The figure as a base64 PNG, for ``<img src="data:image/png;base64,...">``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def fan_chart(ax: Axes, days: npt.ArrayLike, q: FloatArray, *, title: str, ylabel: str, color: str = BLUE) -> None:
    """Bands of a daily quantity over paths.

    Parameters
    ----------
    days : array of shape (T,)
    q : ndarray of shape (T, 5)
        The 5, 25, 50, 75 and 95 % quantiles on each day.
    """
    d = np.asarray(days)
    ax.fill_between(d, q[:, 0], q[:, 4], color=color, alpha=0.18, lw=0, label="5-95 %")
    ax.fill_between(d, q[:, 1], q[:, 3], color=color, alpha=0.35, lw=0, label="25-75 %")
    ax.plot(d, q[:, 2], color=color, lw=1.6, label="median")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("day")
    ax.set_ylabel(ylabel)
    ax.margins(y=0.06)
    ax.grid(alpha=0.3)


def duration_curve(ax: Axes, x: npt.ArrayLike, mean: npt.ArrayLike, low: npt.ArrayLike, high: npt.ArrayLike, *,
                   label: str, color: str | None = None) -> None:
    """Loss against a measure's duration: the mean with a 5-95 % band."""
    line = ax.plot(x, mean, marker="o", lw=1.8, label=label, color=color)[0]
    ax.fill_between(x, low, high, color=line.get_color(), alpha=0.10, lw=0)
    ax.plot(x, low, color=line.get_color(), lw=0.8, ls=":")
    ax.plot(x, high, color=line.get_color(), lw=0.8, ls=":")


def heat_map(ax: Axes, x: Sequence[object], y: Sequence[object], z: FloatArray, *, xlabel: str, ylabel: str,
             cbar: str, title: str, fmt: str = "{:.3f}") -> None:
    """A grid of values ``z`` of shape (len(y), len(x)), each cell labelled with its value."""
    im = ax.imshow(z, origin="lower", aspect="auto", cmap="YlOrRd")
    ax.set_xticks(range(len(x)), [str(v) for v in x])
    ax.set_yticks(range(len(y)), [str(v) for v in y])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    hi = np.nanmax(z) if np.isfinite(z).any() else 1.0
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            ax.text(j, i, fmt.format(z[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if z[i, j] > 0.6 * hi else "black")
    ax.figure.colorbar(im, ax=ax, label=cbar)  # type: ignore[union-attr]


def bars_against_band(ax: Axes, labels: Sequence[str], values: Sequence[float], low: float, mid: float, high: float, *,
                      ylabel: str, title: str, band_label: str) -> None:
    """Bars (e.g. loss avoided per extra day) beside a horizontal cost band (low, central, high)."""
    xs = np.arange(len(labels))
    ax.bar(xs, values, color=BLUE, alpha=0.8, label="expected loss avoided")
    ax.axhspan(low, high, color="#d95f02", alpha=0.2, label=f"{band_label} (range)")
    ax.axhline(mid, color="#d95f02", lw=1.5, label=f"{band_label} (central)")
    ax.set_xticks(xs, labels, rotation=30, ha="right")
    if max(values, default=0.0) > 20 * high > 0:  # costs far below the bars: a log scale above the cost range keeps both legible
        ax.set_yscale("symlog", linthresh=low if low > 0 else high / 10)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
