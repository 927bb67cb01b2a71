r"""Lesson figures sized for the content column: value grids, the cells a convolution reads.

Every figure here is drawn at a fixed size per cell, with large labels, so that it stays
legible when a phone shrinks it to its screen. Which cells a convolution reads always comes
from :func:`cnnbp.conv2d_terms`, never from index arithmetic of its own; value labels come
from :func:`cnnbp.viz.format_value` (no "-0.00").

matplotlib is imported inside the functions, so ``import cnnbp.viz`` works without it.
"""

from __future__ import annotations

import numpy as np

from ..views import conv2d_terms
from .text import format_value

__all__ = ["show_cell_readers", "show_chain", "show_grids", "show_reads"]

# One colour per highlighted window or tap, in the order they are given (tab10, lightened by
# the fill's alpha). Fixed here rather than taken from the style, so a legend always matches.
_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if np.ndim(v) == 0 else (int(v[0]), int(v[1]))


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


def _heatmap(ax, a, lim, fmt, mark, fontsize, ticks):
    """One grid of values on a symmetric colour scale of half-width `lim`."""
    from matplotlib.patches import Rectangle

    ax.imshow(a, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="equal")
    for (i, j), v in np.ndenumerate(a):
        # Dark cells get white text so that every label stays readable.
        color = "white" if abs(v) > 0.6 * lim else "black"
        ax.text(j, i, format_value(v, fmt), ha="center", va="center", fontsize=fontsize,
                color=color)
    if mark is not None:
        mark = np.asarray(mark, dtype=bool)
        if mark.shape != a.shape:
            raise ValueError(f"mark has shape {mark.shape}, but the array has shape {a.shape}")
        for i, j in zip(*np.nonzero(mark), strict=True):
            ax.add_patch(Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, lw=2.5,
                                   ec="black"))
    if ticks:
        ax.set_xticks(range(a.shape[1]))
        ax.set_yticks(range(a.shape[0]))
        ax.tick_params(length=0, labelsize=fontsize - 2)
    else:
        ax.set_xticks([])
        ax.set_yticks([])


def show_grids(
    arrays,
    titles=None,
    *,
    fmt="{:.2f}",
    marks=None,
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
    fmt : str, optional
        Format of the value written in each cell (see :func:`cnnbp.viz.format_value`).
    marks : sequence of array_like of bool, optional
        Cells to outline in each panel: for panel k, None or a boolean array of shape
        (H_k, W_k).
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
        Size of the cell labels; titles are as large, tick labels two points smaller.
    ticks : bool, optional
        Label rows and columns with their indices.

    Returns
    -------
    fig : matplotlib Figure
    axes : list of matplotlib Axes, one per array

    Raises
    ------
    ValueError
        If an array is not 1-D or 2-D, or `titles`, `marks`, `arrows` or `scale` do not have
        one entry per panel (one per gap for `arrows`).

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
    arrows = None if arrows is None else list(arrows)
    if len(titles) != k or len(marks) != k or (arrows is not None and len(arrows) != k - 1):
        raise ValueError(
            f"show_grids needs one title and mark per array and one arrow per gap: got {k} "
            f"arrays, {len(titles)} titles, {len(marks)} marks, "
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
    title_band = 0.3 + 0.02 * fontsize * max(
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
    for ax, a, t, m, lim in zip(axes, arrays, titles, marks, lims, strict=True):
        _heatmap(ax, a, lim, fmt, m, fontsize, ticks)
        if t:
            ax.set_title(t, fontsize=fontsize)
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
            # A one- or two-character label is an operator (+, =, ⋆): drawn large.
            size = fontsize + 8 if len(label) <= 2 else fontsize - 1
            gap_ax.text(0.5, 0.56, label, ha="center", va="bottom", fontsize=size,
                        transform=gap_ax.transAxes)
    return fig, axes


def _grid(ax, hp, wp, ph, pw, h, w, fontsize):
    """The padded input grid: padding grey, input white, thin lines between cells."""
    background = np.full((hp, wp), 0.82)
    background[ph : ph + h, pw : pw + w] = 1.0
    ax.imshow(background, cmap="gray", vmin=0.0, vmax=1.0)
    ax.hlines(np.arange(hp + 1) - 0.5, -0.5, wp - 0.5, colors="0.6", lw=0.6)
    ax.vlines(np.arange(wp + 1) - 0.5, -0.5, hp - 0.5, colors="0.6", lw=0.6)
    ax.set_xlim(-0.5, wp - 0.5)
    ax.set_ylim(hp - 0.5, -0.5)
    ax.set_aspect("equal")
    # Unpadded indices: padding sits at negative indices and at >= H.
    ax.set_xticks(range(wp), [str(c - pw) for c in range(wp)])
    ax.set_yticks(range(hp), [str(r - ph) for r in range(hp)])
    ax.tick_params(length=0, labelsize=fontsize - 2)


def show_reads(
    in_hw,
    kernel_hw,
    *,
    stride=1,
    padding=0,
    dilation=1,
    outputs=(),
    taps=(),
    unread=False,
    ax=None,
    title=None,
    cell=0.5,
    fontsize=11,
):
    r"""Draw which input cells a convolution reads: for chosen outputs, or for chosen taps.

    The input is drawn with its zero padding (grey). Each chosen output ``(i, j)`` colours
    the cells of its window, each labelled with the tap ``p,q`` that reads it; each chosen
    tap ``(p, q)`` colours every cell that tap reads over all outputs, each labelled with the
    output ``i,j`` that reads it. A legend below says which colour belongs to which output or
    tap.

    Parameters
    ----------
    in_hw : int or (int, int)
        ``(H, W)`` of the input, without padding.
    kernel_hw : int or (int, int)
        ``(kh, kw)``.
    stride, padding, dilation : int or (int, int), optional
        As for :func:`cnnbp.conv2d`.
    outputs : sequence of (int, int), optional
        Output positions whose windows are drawn.
    taps : sequence of (int, int), optional
        Kernel taps whose reads are drawn.
    unread : bool, optional
        Cross out the input cells (not padding) that no output reads: their gradient is
        always zero.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made if omitted.
    title : str, optional
        Axes title.
    cell : float, optional
        Inches per cell (for a new figure).
    fontsize : float, optional
        Size of the cell labels.

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    ValueError
        If an output or a tap is outside its grid.

    Notes
    -----
    Output :math:`(i, j)`, tap :math:`(p, q)` reads the padded input at
    :math:`(s_h i + d_h p,\ s_w j + d_w q)`: the rows of :func:`cnnbp.conv2d_terms`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_reads
    >>> ax = show_reads((4, 4), 2, stride=2, outputs=[(0, 0), (1, 1)], title="s=2")
    >>> ax.get_title(), len(ax.texts), [t.get_text() for t in ax.get_legend().texts]
    ('s=2', 8, ['y[0, 0]', 'y[1, 1]'])
    >>> ax = show_reads((5, 5), 2, stride=3, unread=True)
    >>> len(ax.lines) // 2  # crossed-out cells: row 2 and column 2 fall between windows
    9
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    (h, w), (kh, kw), (ph, pw) = _pair(in_hw), _pair(kernel_hw), _pair(padding)
    terms = conv2d_terms((h, w), (kh, kw), stride, padding, dilation)
    ho, wo = int(terms[:, 0].max()) + 1, int(terms[:, 1].max()) + 1
    hp, wp = h + 2 * ph, w + 2 * pw
    for i, j in outputs:
        if not (0 <= i < ho and 0 <= j < wo):
            raise ValueError(f"output {(i, j)} is outside the output grid {(ho, wo)}")
    for p, q in taps:
        if not (0 <= p < kh and 0 <= q < kw):
            raise ValueError(f"tap {(p, q)} is outside the kernel {(kh, kw)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(cell * wp + 0.7, cell * hp + 1.3))
    _grid(ax, hp, wp, ph, pw, h, w, fontsize)
    handles = []
    groups = [("y", (0, 1), (2, 3), o) for o in outputs] + [("w", (2, 3), (0, 1), t)
                                                            for t in taps]
    for n, (letter, key_cols, label_cols, key) in enumerate(groups):
        color = _PALETTE[n % len(_PALETTE)]
        rows = terms[(terms[:, key_cols[0]] == key[0]) & (terms[:, key_cols[1]] == key[1])]
        for row in rows:
            u, v = int(row[4]), int(row[5])
            ax.add_patch(Rectangle((v - 0.5, u - 0.5), 1, 1, fc=color, alpha=0.5, ec=color,
                                   lw=1.5))
            ax.text(v, u, f"{row[label_cols[0]]},{row[label_cols[1]]}", ha="center",
                    va="center", fontsize=fontsize)
        handles.append(Patch(fc=color, alpha=0.5, ec=color, label=f"{letter}[{key[0]}, {key[1]}]"))
    if unread:
        read = np.zeros((hp, wp), dtype=bool)
        read[terms[:, 4], terms[:, 5]] = True
        for u in range(ph, ph + h):
            for v in range(pw, pw + w):
                if not read[u, v]:
                    ax.plot([v - 0.35, v + 0.35], [u - 0.35, u + 0.35], color="crimson", lw=1.5)
                    ax.plot([v - 0.35, v + 0.35], [u + 0.35, u - 0.35], color="crimson", lw=1.5)
        handles.append(Line2D([], [], color="crimson", marker="x", ls="none", ms=9,
                              label="never read"))
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.04),
                  ncol=min(len(handles), 3), fontsize=fontsize, frameon=False,
                  handlelength=1.2, columnspacing=1.0)
    if title:
        ax.set_title(title, fontsize=fontsize + 1)
    return ax


def show_cell_readers(
    in_hw,
    kernel_hw,
    cell,
    *,
    stride=1,
    padding=0,
    dilation=1,
    w=None,
    dy=None,
    fmt="{:.3f}",
    size=0.7,
    fontsize=12,
):
    r"""Draw which outputs read one input cell, and through which kernel tap.

    Left, the kernel, each tap in its own colour. Right, the output grid: every output that
    reads input cell ``(u, v)`` is coloured like the tap it reads it through, and labelled
    with that tap. Because output ``(i, j)`` meets the cell through tap
    ``(u - i, v - j)`` (at stride 1), the taps appear on the right in reverse order: the
    kernel rotated by 180°.

    Parameters
    ----------
    in_hw : int or (int, int)
        ``(H, W)`` of the input.
    kernel_hw : int or (int, int)
        ``(kh, kw)``.
    cell : (int, int)
        The input cell ``(u, v)`` (unpadded index).
    stride, padding, dilation : int or (int, int), optional
        As for :func:`cnnbp.conv2d`.
    w : array_like, shape (kh, kw), optional
        Kernel values, written under the tap labels.
    dy : array_like, shape (H_out, W_out), optional
        Output deltas, written in every output cell.
    fmt : str, optional
        Format of the values.
    size : float, optional
        Inches per cell.
    fontsize : float, optional
        Size of the labels.

    Returns
    -------
    fig : matplotlib Figure
    axes : (matplotlib Axes, matplotlib Axes)
        The kernel panel and the output panel.

    Raises
    ------
    ValueError
        If `cell` is outside the input, or `w` or `dy` has the wrong shape.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_cell_readers
    >>> fig, (k, out) = show_cell_readers((5, 5), 2, (1, 2))
    >>> sorted(t.get_text() for t in out.texts)  # four outputs, one through each tap
    ['0,0', '0,1', '1,0', '1,1']
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    (h, wd), (kh, kw), (ph, pw) = _pair(in_hw), _pair(kernel_hw), _pair(padding)
    u, v = _pair(cell)
    if not (0 <= u < h and 0 <= v < wd):
        raise ValueError(f"cell {(u, v)} is outside the input of shape {(h, wd)}")
    terms = conv2d_terms((h, wd), (kh, kw), stride, padding, dilation)
    ho, wo = int(terms[:, 0].max()) + 1, int(terms[:, 1].max()) + 1
    if w is not None and np.shape(w) != (kh, kw):
        raise ValueError(f"w has shape {np.shape(w)}, the kernel is {(kh, kw)}")
    if dy is not None and np.shape(dy) != (ho, wo):
        raise ValueError(f"dy has shape {np.shape(dy)}, the output is {(ho, wo)}")
    readers = terms[(terms[:, 4] == u + ph) & (terms[:, 5] == v + pw)]
    gap = 1.6
    width = size * (kw + wo + gap) + 0.8
    height = size * max(kh, ho) + 1.0
    fig = plt.figure(figsize=(width, height))
    top = (height - 0.55) / height
    ax_k = fig.add_axes((0.45 / width, top - size * kh / height, size * kw / width,
                         size * kh / height))
    ax_o = fig.add_axes(((0.45 + size * (kw + gap)) / width, top - size * ho / height,
                         size * wo / width, size * ho / height))
    for ax, (rows, cols) in ((ax_k, (kh, kw)), (ax_o, (ho, wo))):
        _grid(ax, rows, cols, 0, 0, rows, cols, fontsize)
    colour = {(p, q): _PALETTE[n % len(_PALETTE)] for n, (p, q) in enumerate(np.ndindex(kh, kw))}
    for (p, q), col in colour.items():
        ax_k.add_patch(Rectangle((q - 0.5, p - 0.5), 1, 1, fc=col, alpha=0.5, ec=col, lw=1.5))
        label = f"{p},{q}" if w is None else f"{p},{q}\n{format_value(w[p][q], fmt)}"
        ax_k.text(q, p, label, ha="center", va="center", fontsize=fontsize)
    for i, j in np.ndindex(ho, wo):
        if dy is not None:
            ax_o.text(j, i + 0.25, format_value(dy[i][j], fmt), ha="center", va="center",
                      fontsize=fontsize - 2, color="0.25")
    for i, j, p, q, _, _ in readers:
        col = colour[int(p), int(q)]
        ax_o.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fc=col, alpha=0.5, ec=col, lw=1.5))
        ax_o.text(j, i - (0.12 if dy is not None else 0), f"{p},{q}", ha="center",
                  va="center", fontsize=fontsize, weight="bold")
    ax_k.set_title("taps (p, q)", fontsize=fontsize)
    ax_o.set_title(f"outputs that read x[{u}, {v}]", fontsize=fontsize)
    return fig, (ax_k, ax_o)


def show_chain(stages, *, forward=None, backward=None, width=6.0, fontsize=11):
    r"""Draw a network as a column of boxes: data flows down, gradients flow back up.

    Parameters
    ----------
    stages : sequence of str
        One box per array, from the input to the loss, e.g. ``"conv  (N, 32, 8, 8)"``.
    forward : sequence of str, optional
        ``len(stages) - 1`` labels for the downward arrows on the left (the forward calls).
    backward : sequence of str, optional
        ``len(stages) - 1`` labels for the upward arrows on the right (the backward calls),
        in the same top-to-bottom order as `stages`.
    width : float, optional
        Width of the figure in inches.
    fontsize : float, optional
        Size of the text.

    Returns
    -------
    fig : matplotlib Figure
    ax : matplotlib Axes

    Raises
    ------
    ValueError
        If `forward` or `backward` does not have one label per gap between stages.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_chain
    >>> fig, ax = show_chain(["x", "y", "L"], forward=["conv2d", "loss"],
    ...                      backward=["conv2d_backward", "loss backward"])
    >>> sorted(t.get_text() for t in ax.texts if t.get_text())[:3]
    ['L', 'conv2d', 'conv2d_backward']
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    k = len(stages)
    for name, labels in (("forward", forward), ("backward", backward)):
        if labels is not None and len(labels) != k - 1:
            raise ValueError(f"{name} needs {k - 1} labels (one per gap), got {len(labels)}")
    step = 0.95
    fig, ax = plt.subplots(figsize=(width, step * (k - 1) + 0.9))
    ax.set_xlim(0, width)
    ax.set_ylim(-0.45, step * (k - 1) + 0.45)
    ax.axis("off")
    mid, box_w = width / 2, 0.5 * width
    ys = [step * (k - 1 - n) for n in range(k)]
    for text, y in zip(stages, ys, strict=True):
        ax.add_patch(FancyBboxPatch((mid - box_w / 2, y - 0.22), box_w, 0.44,
                                    boxstyle="round,pad=0.02", fc="white", ec="0.3", lw=1.2))
        ax.text(mid, y, text, ha="center", va="center", fontsize=fontsize)
    for n in range(k - 1):
        y_hi, y_lo = ys[n] - 0.25, ys[n + 1] + 0.25
        x_f, x_b = mid - 0.3 * box_w, mid + 0.3 * box_w
        ax.annotate("", xy=(x_f, y_lo), xytext=(x_f, y_hi),
                    arrowprops={"arrowstyle": "-|>", "lw": 1.5, "color": "#1f77b4"})
        ax.annotate("", xy=(x_b, y_hi), xytext=(x_b, y_lo),
                    arrowprops={"arrowstyle": "-|>", "lw": 1.5, "color": "#d62728"})
        y_mid = (ys[n] + ys[n + 1]) / 2
        if forward:
            ax.text(x_f - 0.12, y_mid, forward[n], ha="right", va="center",
                    fontsize=fontsize - 1, color="#1f77b4")
        if backward:
            ax.text(x_b + 0.12, y_mid, backward[n], ha="left", va="center",
                    fontsize=fontsize - 1, color="#d62728")
    return fig, ax

