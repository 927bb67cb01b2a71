"""The one heatmap of the site: a small matrix drawn on an axes, its values written in the cells.

Every figure of :mod:`cnnbp.viz` that shows the values of an array draws it with
:func:`show_matrix`, so that all of them read alike: a diverging colour map centred on zero (the
sign at a glance), labels formatted by :func:`cnnbp.viz.format_value` (no "-0.00"), label ink
chosen for contrast with its cell, and index ticks never below :data:`cnnbp.viz.style.SMALL`.

matplotlib is imported inside the function, so ``import cnnbp.viz`` works without it.
"""

from __future__ import annotations

import numpy as np

from .style import CELL, SMALL, TITLE
from .text import format_value

__all__ = ["CMAP", "show_matrix"]

#: Colour map of every heatmap: red for positive, blue for negative, white for zero.
CMAP = "RdBu_r"


def _ink(rgb) -> str:
    """Black or white, whichever contrasts more with the colour `rgb` (WCAG luminance)."""
    c = np.asarray(rgb, dtype=np.float64)[:3]
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    luminance = float(linear @ (0.2126, 0.7152, 0.0722))
    # Contrast with black (L + 0.05) / 0.05 against contrast with white 1.05 / (L + 0.05).
    return "black" if luminance > 0.179 else "white"


def show_matrix(a, ax=None, *, title=None, fmt="{:.2f}", vmax=None, mark=None, zero=None,
                labels=None, colors=None, ticks=True, fontsize=SMALL):
    """Draw a 2-D array as a heatmap with each value written in its cell.

    Parameters
    ----------
    a : array_like, shape (H, W) or (W,)
        The values; a 1-D array is drawn as one row.
    ax : matplotlib Axes, optional
        Where to draw; a new figure of :data:`cnnbp.viz.style.CELL` inches per cell is made if
        omitted.
    title : str, optional
        Axes title, at the site's title size.
    fmt : str, optional
        Number format of the cell labels (see :func:`cnnbp.viz.format_value`).
    vmax : float, optional
        Half-width of the colour scale ``[-vmax, vmax]``; default the largest absolute value of
        `a`. Panels that pass the same `vmax` share one scale: equal colours, equal values.
    mark : array_like of bool, shape (H, W), optional
        Cells to outline (e.g. the maxima a max-pool picked).
    zero : str, optional
        Label of the cells that are exactly zero (e.g. ``"0"`` to keep a sparse map calm);
        default: formatted like every other value.
    labels : array_like of str, shape (H, W), optional
        The text of each cell, instead of its formatted value (may span two lines).
    colors : array_like, optional
        The fill of each cell, instead of the colour map (e.g. the role a cell plays): colour
        names, shape (H, W), or RGB(A) values, shape (H, W, 3) or (H, W, 4).
    ticks : bool, optional
        Label rows and columns with their indices.
    fontsize : float, optional
        Size of the cell labels; tick labels are two points smaller but never below
        :data:`cnnbp.viz.style.SMALL`.

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    ValueError
        If `a` is not 1-D or 2-D, or `mark`, `labels` or `colors` does not match its shape.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_matrix
    >>> ax = show_matrix([[-2.0, 0.0, -0.001], [1.0, 2.0, 0.5]], title="a", vmax=4,
    ...                  mark=np.eye(2, 3, dtype=bool))
    >>> ax.get_title(), ax.images[0].get_clim(), [t.get_text() for t in ax.texts[:3]]
    ('a', (-4.0, 4.0), ['-2.00', '0.00', '0.00'])
    >>> [t.get_color() for t in show_matrix([[-1.0, 0.1]]).texts]  # ink contrasts with fill
    ['white', 'black']
    >>> ax = show_matrix([[1.0, 2.0]], labels=[["a", "b"]], colors=[["black", "#fde9a9"]])
    >>> [(t.get_text(), t.get_color()) for t in ax.texts]
    [('a', 'white'), ('b', 'black')]
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba_array
    from matplotlib.patches import Rectangle

    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"show_matrix draws 1-D or 2-D arrays, got shape {a.shape}")
    for name, arr in (("labels", labels), ("mark", mark), ("colors", colors)):
        if arr is not None and np.shape(arr)[:2] != a.shape:
            raise ValueError(f"{name} has shape {np.shape(arr)}, but the array has shape {a.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(CELL * a.shape[1] + 0.8, CELL * a.shape[0] + 0.8))
    if colors is None:
        lim = float(np.max(np.abs(a), initial=0.0)) if vmax is None else float(vmax)
        image = ax.imshow(a, cmap=CMAP, vmin=-(lim or 1.0), vmax=lim or 1.0)
        fill = image.to_rgba(a)
    else:
        colors = np.asarray(colors)  # names (H, W) or RGB(A) values (H, W, 3 or 4)
        fill = to_rgba_array(colors.reshape(-1, *colors.shape[2:])).reshape(*a.shape, 4)
        ax.imshow(fill)
    if labels is None:
        labels = [[zero if v == 0 and zero is not None else format_value(v, fmt) for v in row]
                  for row in a]
    labels = np.asarray(labels, dtype=object)
    for (i, j), text in np.ndenumerate(labels):
        ax.text(j, i, text, ha="center", va="center", fontsize=fontsize, color=_ink(fill[i, j]))
    if mark is not None:
        for i, j in zip(*np.nonzero(np.asarray(mark, dtype=bool)), strict=True):
            # Inset, so that neighbouring marked cells stay apart and none is clipped.
            ax.add_patch(Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, lw=2.5, ec="black"))
    if ticks:
        ax.set_xticks(range(a.shape[1]))
        ax.set_yticks(range(a.shape[0]))
        # Index ticks are text a reader has to read too: never below the site's smallest size.
        ax.tick_params(length=0, labelsize=max(fontsize - 2, SMALL))
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=TITLE)
    return ax
