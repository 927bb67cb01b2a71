"""Figures for the documentation: annotated heatmaps of small arrays.

matplotlib is imported inside the functions, so ``import cnnbp`` never needs it; the site's
dependencies (``pip install -e .[docs]``) bring it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["show_matrices", "show_matrix"]


def show_matrix(a, ax=None, *, title=None, fmt="{:.2f}", mark=None, cmap="RdBu_r", fontsize=9):
    """Draw a 2-D array as a heatmap with each value written in its cell.

    Parameters
    ----------
    a : array_like, shape (H, W)
        The values; a 1-D array is drawn as one row.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made if omitted.
    title : str, optional
        Axes title.
    fmt : str, optional
        Format of each cell's label.
    mark : array_like of bool, shape (H, W), optional
        Cells to outline (e.g. the maxima a max-pool picked).
    cmap : str, optional
        A diverging map centred on zero, so that sign is visible at a glance.
    fontsize : int, optional
        Size of the cell labels.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_matrix
    >>> ax = show_matrix(np.arange(6.0).reshape(2, 3) - 2, title="a", mark=np.eye(2, 3, dtype=bool))
    >>> ax.get_title(), len(ax.texts)
    ('a', 6)
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"show_matrix draws 2-D arrays, got shape {a.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.6 * a.shape[1] + 1, 0.6 * a.shape[0] + 0.6))
    lim = float(np.max(np.abs(a))) or 1.0
    ax.imshow(a, cmap=cmap, vmin=-lim, vmax=lim)
    for (i, j), v in np.ndenumerate(a):
        # Dark cells get white text so that every label stays readable.
        color = "white" if abs(v) > 0.6 * lim else "black"
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=fontsize, color=color)
    if mark is not None:
        mark = np.asarray(mark, dtype=bool)
        if mark.shape != a.shape:
            raise ValueError(f"mark has shape {mark.shape}, but the array has shape {a.shape}")
        for i, j in zip(*np.nonzero(mark), strict=True):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2.5, ec="black"))
    ax.set_xticks(range(a.shape[1]))
    ax.set_yticks(range(a.shape[0]))
    ax.tick_params(length=0, labelsize=fontsize - 1)
    if title:
        ax.set_title(title, fontsize=fontsize + 1)
    return ax


def show_matrices(arrays, titles=None, *, fmt="{:.2f}", marks=None, size=0.55, suptitle=None):
    """Draw several 2-D arrays side by side with :func:`show_matrix`.

    Parameters
    ----------
    arrays : sequence of array_like, each of shape (H_k, W_k)
    titles : sequence of str, optional
    fmt : str, optional
        Format of each cell's label.
    marks : sequence of (array_like of bool or None), optional
        Per-array cells to outline.
    size : float, optional
        Inches per cell.
    suptitle : str, optional
        Title of the whole figure.

    Returns
    -------
    fig : matplotlib Figure
    axes : list of matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_matrices
    >>> fig, axes = show_matrices([np.ones((2, 2)), np.zeros((3, 3))], ["ones", "zeros"])
    >>> [ax.get_title() for ax in axes]
    ['ones', 'zeros']
    """
    import matplotlib.pyplot as plt

    arrays = [np.atleast_2d(np.asarray(a, dtype=np.float64)) for a in arrays]
    titles = list(titles) if titles is not None else [None] * len(arrays)
    marks = list(marks) if marks is not None else [None] * len(arrays)
    widths = [a.shape[1] for a in arrays]
    height = max(a.shape[0] for a in arrays)
    fig, axes = plt.subplots(
        1,
        len(arrays),
        figsize=(size * sum(widths) + 0.9 * len(arrays), size * height + 0.9),
        gridspec_kw={"width_ratios": widths},
        squeeze=False,
    )
    axes = list(axes[0])
    for ax, a, t, m in zip(axes, arrays, titles, marks, strict=True):
        show_matrix(a, ax, title=t, fmt=fmt, mark=m)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig, axes
