r"""Where a gradient comes from: the figures that trace one backward step cell by cell.

Each figure draws what cnnbp computes (:func:`cnnbp.conv2d_backward`,
:func:`cnnbp.conv2d_terms`, :func:`cnnbp.max_pool2d_backward`), never a gradient of its own,
and draws every matrix with :func:`cnnbp.viz.show_matrix`.

matplotlib is imported inside the functions, so ``import cnnbp.viz`` works without it.
"""

from __future__ import annotations

import numpy as np

from .matrix import show_matrix
from .style import SMALL
from .text import format_value

__all__ = ["show_dw_sources", "show_dx_sources", "show_pool_routing"]

# Cell fills of the source figures: not read, read, read with a non-zero delta.
_ROLE_FILLS = np.array(["white", "#fde9a9", "#f4a340"])


def show_dw_sources(x, dy, kernel_shape, *, stride=1, dilation=1, fmt="{:.2f}", size=0.62,
                    note_size=SMALL):
    r"""Draw, for every kernel entry ``dw[m, n]``, the input cells and the deltas that feed it.

    One panel per kernel entry, laid out like the kernel. Each panel shows the input `x`;
    the cells that weight ``(m, n)`` touches in the forward pass are shaded and framed by a
    dashed box, and those whose delta is non-zero are outlined and labelled with that delta.
    The panel title gives the resulting gradient.

    Parameters
    ----------
    x : array_like, shape (H, W)
        The layer's input (one channel).
    dy : array_like, shape (H_out, W_out)
        The delta map :math:`\partial L / \partial y` of the layer's output (one channel).
    kernel_shape : tuple of int
        ``(kh, kw)``; with `stride` and `dilation` it must map `x` onto `dy`'s shape.
    stride, dilation : int, optional
        The convolution's stride and dilation (the same in both directions).
    fmt : str, optional
        Format of the input values in the cells.
    size : float, optional
        Inches per cell.
    note_size : float, optional
        Font size of the delta written under each outlined cell's value (points); smaller
        than the site's :data:`cnnbp.viz.style.SMALL` only where small cells need it.

    Returns
    -------
    fig : matplotlib Figure
    axes : ndarray of matplotlib Axes, shape (kh, kw)

    Raises
    ------
    ValueError
        If `x` or `dy` is not 2-D or the shapes do not fit together.

    Notes
    -----
    With :math:`s` the stride and :math:`d` the dilation, the forward pass is
    :math:`y_{ij} = \sum_{m,n} w_{mn}\, x_{is + md,\; js + nd}`, so

    .. math::
        \frac{\partial L}{\partial w_{mn}} = \sum_{i,j} \delta_{ij}\, x_{is + md,\; js + nd} ,

    a sum over the shaded cells of panel ``(m, n)`` in which only the outlined cells (non-zero
    :math:`\delta_{ij}`) count.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_dw_sources
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> dy = np.array([[1.0, 0.0], [0.0, -1.0]])
    >>> fig, axes = show_dw_sources(x, dy, (2, 2))
    >>> axes.shape, axes[0, 0].get_title()
    ((2, 2), 'dw[0, 0] = -4')
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from ..conv import conv2d_backward
    from ..views import conv2d_terms

    x = np.asarray(x, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    if x.ndim != 2 or dy.ndim != 2:
        raise ValueError(f"show_dw_sources needs 2-D x and dy, got shapes {x.shape} and {dy.shape}")
    kh, kw = (int(k) for k in kernel_shape)
    # The gradient and the products behind it, as the package computes them (its errors too).
    w0 = np.zeros((1, 1, kh, kw))
    _, dw, _ = conv2d_backward(dy[None, None], x[None, None], w0, stride=stride, dilation=dilation)
    terms = conv2d_terms(x.shape, (kh, kw), stride=stride, dilation=dilation)
    fig, axes = plt.subplots(
        kh,
        kw,
        figsize=(size * x.shape[1] * kw + 0.6, size * x.shape[0] * kh + 0.8 * kh),
        squeeze=False,
    )
    for m in range(kh):
        for n in range(kw):
            ax = axes[m, n]
            # the products w[m, n] * x[r, c] of output (i, j)
            oi, oj, _, _, r, c = terms[(terms[:, 2] == m) & (terms[:, 3] == n)].T
            role = np.zeros(x.shape, dtype=int)
            role[r, c] = np.where(dy[oi, oj] != 0, 2, 1)
            # A blank second line lifts each value, leaving room for its delta below it.
            labels = [[f"{format_value(v, fmt)}\n " for v in row] for row in x]
            show_matrix(x, ax, labels=labels, colors=_ROLE_FILLS[role],
                        title=f"dw[{m}, {n}] = {dw[0, 0, m, n]:.6g}")
            for delta, ri, cj in zip(dy[oi, oj], r, c, strict=True):
                if delta != 0:
                    # The whole cell outlined: its delta's label needs the room.
                    ax.add_patch(Rectangle((cj - 0.5, ri - 0.5), 1, 1, fill=False, lw=2, ec="black"))
                    ax.text(cj, ri + 0.3, f"δ {delta:+.3g}", ha="center", va="center",
                            fontsize=note_size)
            ax.add_patch(
                Rectangle(
                    (c.min() - 0.5, r.min() - 0.5),
                    c.max() - c.min() + 1,
                    r.max() - r.min() + 1,
                    fill=False,
                    ls="--",
                    lw=1.5,
                    ec="#b35900",
                )
            )
    fig.tight_layout()
    return fig, axes


def show_pool_routing(x, dy, size=2, stride=None, *, fmt="{:.3f}", titles=None, cell=0.75):
    r"""Picture max-pool backward: each upstream gradient travels to its window's maximum.

    Three panels: the input map `x` with every pooling window drawn in its own colour and the
    chosen maximum of each outlined; the upstream gradient `dy`; and the gradient
    ``dx = max_pool2d_backward(dy, x, size, stride)`` with an arrow from each cell of `dy` to
    the cell of `dx` that receives it. Where windows overlap, several arrows may end in one
    cell, whose value is then their sum.

    Parameters
    ----------
    x : array_like, shape (H, W)
        One input map of the max-pool.
    dy : array_like, shape (H_out, W_out)
        The upstream gradient, one value per pooling window.
    size : int or (int, int), optional
        Window size, as for :func:`cnnbp.max_pool2d`.
    stride : int or (int, int), optional
        Window step; defaults to `size`.
    fmt : str, optional
        Format of each cell's label.
    titles : sequence of three str, optional
        Titles of the three panels.
    cell : float, optional
        Inches per cell.

    Returns
    -------
    fig : matplotlib Figure
    axes : list of three matplotlib Axes
    dx : ndarray, shape (H, W)
        The routed gradient that the right panel shows.

    Notes
    -----
    The destination of each window is found by calling :func:`cnnbp.max_pool2d_backward` with
    a one-hot upstream gradient, so the picture follows the package's own tie rule (the first
    maximum in row-major window order) rather than a second implementation of it.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_pool_routing
    >>> x = np.array([[1.0, 4.0], [3.0, 2.0]])
    >>> fig, axes, dx = show_pool_routing(x, np.array([[0.5]]))
    >>> dx
    array([[0. , 0.5],
           [0. , 0. ]])
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import ConnectionPatch, Rectangle

    from ..pool import avg_pool2d_backward, max_pool2d_backward

    x = np.asarray(x, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    if x.ndim != 2 or dy.ndim != 2:
        raise ValueError(f"show_pool_routing draws one map: x and dy must be 2-D, got {x.shape} and {dy.shape}")
    dx = max_pool2d_backward(dy[None, None], x[None, None], size=size, stride=stride)[0, 0]
    # One-hot upstream gradients reveal where each window sends its value, and (through the
    # average, which reads every cell of its window) which cells the window covers.
    targets, boxes = {}, {}
    for p, q in np.ndindex(dy.shape):
        one = np.zeros_like(dy)
        one[p, q] = 1.0
        hit = max_pool2d_backward(one[None, None], x[None, None], size=size, stride=stride)[0, 0]
        targets[p, q] = tuple(int(v) for v in np.argwhere(hit != 0)[0])
        rows, cols = np.nonzero(avg_pool2d_backward(one[None, None], x[None, None], size, stride)[0, 0])
        boxes[p, q] = (cols.min(), rows.min(), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1)
    titles = list(titles) if titles is not None else ["input and windows", "upstream gradient", "routed gradient"]
    widths = [x.shape[1], dy.shape[1], x.shape[1]]
    fig, axes = plt.subplots(
        1, 3,
        figsize=(cell * sum(widths) + 2.4, cell * x.shape[0] + 0.9),
        gridspec_kw={"width_ratios": widths, "wspace": 0.45},
    )
    axes = list(axes)
    colors = plt.get_cmap("tab10").colors
    mark = np.zeros(x.shape, dtype=bool)
    for i, j in targets.values():
        mark[i, j] = True
    show_matrix(x, axes[0], title=titles[0], fmt=fmt, mark=mark)
    show_matrix(dy, axes[1], title=titles[1], fmt=fmt)
    show_matrix(dx, axes[2], title=titles[2], fmt=fmt, mark=mark)
    for n, ((p, q), (i, j)) in enumerate(targets.items()):
        c = colors[n % len(colors)]
        # Inset each window a little, so that overlapping windows stay distinguishable.
        inset = 0.08 + 0.06 * (n % 3)
        left, top, width, height = boxes[p, q]
        axes[0].add_patch(Rectangle(
            (left - 0.5 + inset, top - 0.5 + inset), width - 2 * inset, height - 2 * inset,
            fill=False, lw=2, ec=c, ls="--",
        ))
        axes[1].add_patch(Rectangle((q - 0.45, p - 0.45), 0.9, 0.9, fill=False, lw=2, ec=c))
        # Arrows leave from the panel's right edge so that they never cross a delta's label.
        fig.add_artist(ConnectionPatch(
            xyA=(dy.shape[1] - 0.4, p), coordsA=axes[1].transData, xyB=(j - 0.5, i), coordsB=axes[2].transData,
            arrowstyle="-|>", color=c, lw=1.5, alpha=0.85, mutation_scale=12,
        ))
    return fig, axes, dx


def show_dx_sources(dy, w, in_shape, cells, *, stride=1, padding=0, dilation=1, fmt="{:.3f}",
                    size=0.62, note_size=SMALL):
    r"""Draw, for chosen input cells ``dx[p, q]``, the output deltas and kernel taps that feed them.

    One panel per cell. Each panel shows the delta map `dy`; the outputs whose window reads
    input cell ``(p, q)`` are shaded and outlined, each labelled with the kernel tap
    ``w[m, n]`` that meets the cell. The panel title gives the resulting gradient
    :math:`\sum \delta_{ij}\, w_{mn}` over the outlined outputs.

    Parameters
    ----------
    dy : array_like, shape (H_out, W_out)
        The delta map :math:`\partial L / \partial y` of the layer's output (one channel).
    w : array_like, shape (kh, kw)
        The kernel (one input and one output channel).
    in_shape : (int, int)
        ``(H, W)`` of the layer's input.
    cells : sequence of (int, int)
        Input positions ``(p, q)`` to explain, one panel each.
    stride, padding, dilation : int, optional
        The convolution's stride, zero padding and dilation (the same in both directions).
    fmt : str, optional
        Format of the delta values in the cells.
    size : float, optional
        Inches per cell.
    note_size : float, optional
        Font size of the kernel tap written under each outlined cell's value (points);
        smaller than the site's :data:`cnnbp.viz.style.SMALL` only where small cells need it.

    Returns
    -------
    fig : matplotlib Figure
    axes : list of matplotlib Axes, one per cell

    Raises
    ------
    ValueError
        If `dy` or `w` is not 2-D, the shapes do not fit together, or a cell is outside the input.

    Notes
    -----
    Output :math:`(i, j)` reads input :math:`(p, q)` through tap :math:`(m, n)` when
    :math:`s i + d m - p_\text{pad} = p` and :math:`s j + d n - p_\text{pad} = q`, so

    .. math::
        \frac{\partial L}{\partial x_{pq}} = \sum_{m,n} \delta_{\frac{p + p_\text{pad} - dm}{s},\,
            \frac{q + p_\text{pad} - dn}{s}}\; w_{mn} ,

    summed over the taps for which both indices are integers inside the output grid. With
    :math:`s = d = 1` and no padding this is :math:`\sum_{m,n} \delta_{p-m,\,q-n}\, w_{mn}`,
    the full convolution with the 180°-rotated kernel.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_dx_sources
    >>> dy = np.ones((2, 2))
    >>> w = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> fig, axes = show_dx_sources(dy, w, (3, 3), [(0, 0), (1, 1), (2, 1)])
    >>> [ax.get_title() for ax in axes]
    ['dx[0, 0] = 1', 'dx[1, 1] = 10', 'dx[2, 1] = 7']
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from .._validate import as_pair
    from ..conv import conv2d_backward
    from ..views import conv2d_terms

    dy = np.asarray(dy, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if dy.ndim != 2 or w.ndim != 2:
        raise ValueError(f"show_dx_sources needs 2-D dy and w, got shapes {dy.shape} and {w.shape}")
    h, wd = (int(v) for v in in_shape)
    # The gradient and the products behind it, as the package computes them (its errors too).
    hp = dict(stride=stride, padding=padding, dilation=dilation)
    dx = conv2d_backward(dy[None, None], np.zeros((1, 1, h, wd)), w[None, None], **hp)[0][0, 0]
    terms = conv2d_terms((h, wd), w.shape, **hp)  # rows (i, j, m, n, u, v), (u, v) padded
    ph, pw = as_pair(padding, "padding", 0)
    cells = [(int(p), int(q)) for p, q in cells]
    for p, q in cells:
        if not (0 <= p < h and 0 <= q < wd):
            raise ValueError(f"cell {(p, q)} is outside the input of shape {(h, wd)}")
    fig, axes = plt.subplots(
        1, len(cells), figsize=(size * dy.shape[1] * len(cells) + 0.5 * len(cells), size * dy.shape[0] + 0.9),
        squeeze=False,
    )
    axes = list(axes[0])
    for ax, (p, q) in zip(axes, cells, strict=True):
        # the products w[m, n] * x[p, q] of output (i, j)
        links = terms[(terms[:, 4] == p + ph) & (terms[:, 5] == q + pw)][:, :4]
        role = np.zeros(dy.shape, dtype=int)
        role[links[:, 0], links[:, 1]] = 1
        # A blank second line lifts each value, leaving room for its kernel tap below it.
        labels = [[f"{format_value(v, fmt)}\n " for v in row] for row in dy]
        show_matrix(dy, ax, labels=labels, colors=_ROLE_FILLS[role],
                    title=f"dx[{p}, {q}] = {dx[p, q]:.4g}")
        for i, j, m, n in links:
            # The whole cell outlined: its tap's label needs the room.
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2, ec="black"))
            ax.text(j, i + 0.28, f"w[{m},{n}]", ha="center", va="center", fontsize=note_size)
    fig.tight_layout()
    return fig, axes
