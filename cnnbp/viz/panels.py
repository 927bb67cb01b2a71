"""Heatmaps of small arrays that are meant to be compared: one colour scale for all panels.

:func:`show_heatmaps` lays several arrays out in rows of at most `ncols` panels (narrow enough
for a phone-width page) and colours every panel on one symmetric scale, so that equal colours
mean equal values wherever they appear. Labels go through :func:`cnnbp.viz.format_value`, so a
value that rounds to zero never shows as "-0.00", and an exact zero is written "0".
"""

from __future__ import annotations

import numpy as np

from .style import SMALL
from .text import format_value

__all__ = ["show_heatmaps"]


def _label(v: float, fmt: str) -> str:
    # Exact zeros carry no information but their position: a bare "0" keeps sparse maps calm.
    return "0" if v == 0 else format_value(v, fmt)


def draw_heatmap(ax, a, *, vmax, fmt="{:.2f}", mark=None, fontsize=11, title=None):
    """Draw one 2-D array on `ax` on the colour scale ``[-vmax, vmax]``, values in the cells.

    Parameters
    ----------
    ax : matplotlib Axes
    a : array_like, shape (H, W) or (W,)
        The values; a 1-D array is drawn as one row.
    vmax : float
        Half-width of the colour scale, centred on zero (diverging map: sign at a glance).
    fmt : str, optional
        Number format of the cell labels (see :func:`cnnbp.viz.format_value`).
    mark : array_like of bool, shape (H, W), optional
        Cells to outline.
    fontsize : float, optional
        Size of the cell labels.
    title : str, optional
        Axes title.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from cnnbp.viz import draw_heatmap
    >>> _, ax = plt.subplots()
    >>> ax = draw_heatmap(ax, [[-0.0001, 0.0], [0.5, 1.0]], vmax=1.0)
    >>> [t.get_text() for t in ax.texts]
    ['0.00', '0', '0.50', '1.00']
    """
    from matplotlib.patches import Rectangle

    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"a heatmap draws a 2-D array, got shape {a.shape}")
    vmax = float(vmax) or 1.0
    ax.imshow(a, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    for (i, j), v in np.ndenumerate(a):
        # Dark cells get white text so that every label stays readable.
        color = "white" if abs(v) > 0.6 * vmax else "black"
        ax.text(j, i, _label(v, fmt), ha="center", va="center", fontsize=fontsize, color=color)
    if mark is not None:
        mark = np.asarray(mark, dtype=bool)
        if mark.shape != a.shape:
            raise ValueError(f"mark has shape {mark.shape}, but the array has shape {a.shape}")
        for i, j in zip(*np.nonzero(mark), strict=True):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=3, ec="black"))
    ax.set_xticks(range(a.shape[1]))
    ax.set_yticks(range(a.shape[0]))
    # Index ticks are text a reader has to read too: never below the site's smallest size.
    ax.tick_params(length=0, labelsize=max(fontsize - 2, SMALL))
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title, fontsize=fontsize + 1)
    return ax


def show_heatmaps(
    arrays,
    titles=None,
    *,
    ncols=None,
    fmt="{:.2f}",
    marks=None,
    vmax=None,
    cell=0.62,
    fontsize=11,
    suptitle=None,
):
    """Draw arrays as heatmaps in rows of at most `ncols` panels, on one colour scale.

    Parameters
    ----------
    arrays : sequence of array_like, each of shape (H_k, W_k) or (W_k,)
    titles : sequence of str, optional
        One per array.
    ncols : int, optional
        Panels per row; default all in one row.
    fmt : str or sequence of str, optional
        Label format, for all panels or one per panel.
    marks : sequence of (array_like of bool or None), optional
        Per-panel cells to outline.
    vmax : float, optional
        Half-width of the shared colour scale; default the largest absolute value of all the
        arrays, so that equal colours mean equal values in every panel.
    cell : float, optional
        Inches per cell (every panel's cells have the same size).
    fontsize : float, optional
        Size of the cell labels.
    suptitle : str, optional
        Title of the whole figure.

    Returns
    -------
    fig : matplotlib Figure
    axes : list of matplotlib Axes
        One per array, in order (unused grid slots are removed).

    Raises
    ------
    ValueError
        If `titles`, `marks` or a list of formats does not have one entry per array.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_heatmaps
    >>> fig, axes = show_heatmaps([np.eye(2), -2 * np.eye(3)], ["a", "b"], ncols=1)
    >>> [ax.get_title() for ax in axes], axes[0].images[0].get_clim()
    (['a', 'b'], (-2.0, 2.0))
    """
    import matplotlib.pyplot as plt

    arrays = [np.atleast_2d(np.asarray(a, dtype=np.float64)) for a in arrays]
    k = len(arrays)
    titles = [None] * k if titles is None else list(titles)
    marks = [None] * k if marks is None else list(marks)
    fmts = [fmt] * k if isinstance(fmt, str) else list(fmt)
    for name, seq in (("titles", titles), ("marks", marks), ("fmt", fmts)):
        if len(seq) != k:
            raise ValueError(f"{name} has {len(seq)} entries for {k} arrays")
    ncols = k if ncols is None else max(1, min(int(ncols), k))
    nrows = -(-k // ncols)
    if vmax is None:
        vmax = max(float(np.max(np.abs(a))) for a in arrays)
    # Every column as wide as its widest panel, every row as tall as its tallest: equal cells.
    widths = [max(a.shape[1] for a in arrays[c::ncols]) for c in range(ncols)]
    heights = [max(a.shape[0] for a in arrays[r * ncols : (r + 1) * ncols]) for r in range(nrows)]
    title_room = 0.55 if any(titles) else 0.25
    fig, grid = plt.subplots(
        nrows,
        ncols,
        figsize=(cell * sum(widths) + 0.55 * ncols, cell * sum(heights) + title_room * nrows),
        gridspec_kw={"width_ratios": widths, "height_ratios": heights},
        squeeze=False,
    )
    axes = list(grid.flat)
    for ax in axes[k:]:
        ax.remove()
    axes = axes[:k]
    for ax, a, t, m, f in zip(axes, arrays, titles, marks, fmts, strict=True):
        draw_heatmap(ax, a, vmax=vmax, fmt=f, mark=m, fontsize=fontsize, title=t)
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 2)
    fig.tight_layout()
    return fig, axes
