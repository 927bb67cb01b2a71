r"""Which input cells a convolution reads: the index pictures of the stride, padding and
dilation lessons.

These figures draw grids of positions, not values: a cell is coloured by the output or the
kernel tap that reads it. Which cells are read always comes from :func:`cnnbp.conv2d_terms`,
never from index arithmetic of its own. Every figure is drawn at a fixed size per cell, with
large labels, so that it stays legible when a phone shrinks it to its screen.

matplotlib is imported inside the functions, so ``import cnnbp.viz`` works without it.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_pair
from ..views import conv2d_terms
from .style import SMALL
from .text import format_value

__all__ = ["show_cell_readers", "show_reads"]

# One colour per highlighted window or tap, in the order they are given (tab10, lightened by
# the fill's alpha). Fixed here rather than taken from the style, so a legend always matches.
_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)


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
    ax.tick_params(length=0, labelsize=max(fontsize - 2, SMALL))


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

    (h, w), (kh, kw) = as_pair(in_hw, "in_hw"), as_pair(kernel_hw, "kernel_hw")
    ph, pw = as_pair(padding, "padding", 0)
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

    (h, wd), (kh, kw) = as_pair(in_hw, "in_hw"), as_pair(kernel_hw, "kernel_hw")
    ph, pw = as_pair(padding, "padding", 0)
    u, v = as_pair(cell, "cell", 0)
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
