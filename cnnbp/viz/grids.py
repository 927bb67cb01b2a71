r"""The multi-panel figure of the site: small arrays side by side, optionally joined by arrows.

:func:`show_grids` lays out any number of arrays in rows, every cell the same size in every
panel (a smaller array looks smaller), each drawn by :func:`cnnbp.viz.show_matrix`. Panels that
compare values share one colour scale by default, so that equal colours mean equal values;
`scale` gives every panel its own, or groups of panels one each.

matplotlib is imported inside the function, so ``import cnnbp.viz`` works without it.
"""

from __future__ import annotations

import numpy as np

from .matrix import show_matrix
from .style import SMALL, TITLE

__all__ = ["show_grids"]


def _limits(arrays, scale) -> list[float]:
    """The colour limit of every panel: shared, per panel, or per group of panels."""
    peak = [float(np.max(np.abs(a))) if a.size else 0.0 for a in arrays]
    if scale == "each":
        keys = list(range(len(arrays)))
    elif scale == "shared":
        keys = [0] * len(arrays)
    else:
        keys = list(scale)
        if len(keys) != len(arrays):
            raise ValueError(f"scale has {len(keys)} group keys for {len(arrays)} arrays")
    group = {}
    for key, p in zip(keys, peak, strict=True):
        group[key] = max(group.get(key, 0.0), p)
    return [group[key] or 1.0 for key in keys]


def show_grids(
    arrays,
    titles=None,
    *,
    fmt="{:.2f}",
    marks=None,
    zero=None,
    scale="shared",
    arrows=None,
    ncols=None,
    cell=0.6,
    fontsize=12,
    ticks=True,
):
    r"""Draw 2-D arrays as grids of values, on one colour scale, optionally joined by arrows.

    Every cell has the same size in every panel, so a smaller array looks smaller. Panels
    that compare values share one colour scale by default: equal colours mean equal values.

    Parameters
    ----------
    arrays : sequence of array_like
        The grids, left to right, panel k of shape (H_k, W_k); a 1-D array is drawn as one
        row.
    titles : sequence of str, optional
        One title per panel.
    fmt : str or sequence of str, optional
        Format of the value written in each cell (see :func:`cnnbp.viz.format_value`), for
        all panels or one per panel.
    marks : sequence of array_like of bool, optional
        Cells to outline in each panel: for panel k, None or a boolean array of shape
        (H_k, W_k).
    zero : str, optional
        Label of the cells that are exactly zero, as for :func:`cnnbp.viz.show_matrix`.
    scale : {"shared", "each"} or sequence, optional
        ``"shared"``: one colour scale for all panels; ``"each"``: one per panel; or one
        key per panel, panels with equal keys sharing a scale.
    arrows : sequence of (str or None), optional
        ``len(arrays) - 1`` labels: an arrow from each panel to the next, labelled (``None``
        or ``""`` for a bare arrow). Only drawn between panels on the same row.
    ncols : int, optional
        Panels per row (default: all on one row).
    cell : float, optional
        Inches per cell.
    fontsize : float, optional
        Size of the cell labels (and of the arrows' labels); titles are at the site's title
        size, tick labels two points smaller but never below its smallest size.
    ticks : bool, optional
        Label rows and columns with their indices.

    Returns
    -------
    fig : matplotlib Figure
    axes : list of matplotlib Axes, one per array

    Raises
    ------
    ValueError
        If an array is not 1-D or 2-D, or `titles`, `marks`, a list of formats, `arrows` or
        `scale` do not have one entry per panel (one per gap for `arrows`).

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_grids
    >>> fig, axes = show_grids([[[1.0, -2.0]], [[-0.001]]], ["a", "b"], arrows=["double"])
    >>> [ax.get_title() for ax in axes], [t.get_text() for t in axes[1].texts]
    (['a', 'b'], ['0.00'])
    >>> axes[0].images[0].get_clim() == axes[1].images[0].get_clim()  # one colour scale
    True
    >>> fig, axes = show_grids([np.eye(2), -3 * np.eye(2)], fmt=["{:.1f}", "{:.0f}"],
    ...                        zero="0", scale="each", ncols=1)
    >>> [t.get_text() for t in axes[1].texts], axes[1].images[0].get_clim()
    (['-3', '0', '0', '-3'], (-3.0, 3.0))
    """
    import matplotlib.pyplot as plt

    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    arrays = [a[None, :] if a.ndim == 1 else a for a in arrays]
    bad = [a.shape for a in arrays if a.ndim != 2]
    if bad:
        raise ValueError(f"show_grids draws 1-D or 2-D arrays, got shape {bad[0]}")
    k = len(arrays)
    titles = [None] * k if titles is None else list(titles)
    marks = [None] * k if marks is None else list(marks)
    fmts = [fmt] * k if isinstance(fmt, str) else list(fmt)
    arrows = None if arrows is None else list(arrows)
    if len({k, len(titles), len(marks), len(fmts)}) > 1 or (
        arrows is not None and len(arrows) != k - 1
    ):
        raise ValueError(
            f"show_grids needs one title, mark and format per array and one arrow per gap: "
            f"got {k} arrays, {len(titles)} titles, {len(marks)} marks, {len(fmts)} formats, "
            f"{'no' if arrows is None else len(arrows)} arrows"
        )
    lims = _limits(arrays, scale)
    ncols = k if ncols is None else max(1, min(int(ncols), k))
    nrows = -(-k // ncols)
    slots = [(n // ncols, n % ncols) for n in range(k)]
    col_w = [max(a.shape[1] for a, (_, c) in zip(arrays, slots, strict=True) if c == col)
             for col in range(ncols)]
    row_h = [max(a.shape[0] for a, (r, _) in zip(arrays, slots, strict=True) if r == row)
             for row in range(nrows)]
    # Layout in inches: margins for tick labels, a title band above each row, gaps between.
    gap = (2.4 if arrows else 0.9) * cell
    left, right, bottom = 0.45, 0.15, 0.35
    title_band = 0.3 + 0.02 * TITLE * max(
        (t.count("\n") + 1 for t in titles if t), default=1
    )
    width = left + right + cell * sum(col_w) + gap * (ncols - 1)
    height = bottom + sum(cell * h + title_band + 0.15 for h in row_h)
    fig = plt.figure(figsize=(width, height))
    axes = []
    for a, (r, c) in zip(arrays, slots, strict=True):
        x0 = left + cell * sum(col_w[:c]) + gap * c + cell * (col_w[c] - a.shape[1]) / 2
        top = height - sum(cell * h + title_band + 0.15 for h in row_h[:r]) - title_band
        y0 = top - cell * row_h[r] / 2 - cell * a.shape[0] / 2
        axes.append(fig.add_axes((x0 / width, y0 / height, cell * a.shape[1] / width,
                                  cell * a.shape[0] / height)))
    for ax, a, t, m, f, lim in zip(axes, arrays, titles, marks, fmts, lims, strict=True):
        show_matrix(a, ax, title=t, fmt=f, vmax=lim, mark=m, zero=zero, ticks=ticks,
                    fontsize=fontsize)
    for n, label in enumerate(arrows or []):
        (r0, c0), (r1, _) = slots[n], slots[n + 1]
        if r0 != r1:
            continue
        x_start = (left + cell * sum(col_w[: c0 + 1]) + gap * c0 + 0.12 * gap) / width
        # Stop short of the next panel's row labels.
        x_end = (left + cell * sum(col_w[: c0 + 1]) + gap * (c0 + 1) - 0.12 * gap
                 - (0.25 if ticks else 0.0)) / width
        y_mid = (height - sum(cell * h + title_band + 0.15 for h in row_h[:r0]) - title_band
                 - cell * row_h[r0] / 2) / height
        # The arrow lives in an axes of its own over the gap, drawn in that axes'
        # coordinates, so that it stays put when the figure is saved with a tight
        # bounding box (as notebooks do).
        band = 1.2 / height
        gap_ax = fig.add_axes((x_start, y_mid - band / 2, x_end - x_start, band))
        gap_ax.axis("off")
        gap_ax.annotate("", xy=(1.0, 0.5), xytext=(0.0, 0.5), xycoords="axes fraction",
                        arrowprops={"arrowstyle": "-|>", "lw": 1.8, "color": "0.3"})
        if label:
            # A one- or two-character label without letters is an operator (+, =): drawn large.
            operator = len(label) <= 2 and not any(ch.isalpha() for ch in label)
            size = fontsize + 8 if operator else max(fontsize - 1, SMALL)
            gap_ax.text(0.5, 0.56, label, ha="center", va="bottom", fontsize=size,
                        transform=gap_ax.transAxes)
    return fig, axes


