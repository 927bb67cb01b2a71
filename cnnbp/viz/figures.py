"""Figures for the documentation: annotated heatmaps of small arrays.

matplotlib and IPython are imported inside the functions, so ``import cnnbp`` never needs
them; the site's dependencies (``pip install -e .[docs]``) bring them.
"""

from __future__ import annotations

import numpy as np

from .style import CELL, LABEL, SMALL, TITLE

__all__ = [
    "show_channel_wiring",
    "show_conv_windows",
    "show_dw_sources",
    "show_dx_sources",
    "show_matrices",
    "show_matrix",
    "show_pipeline",
    "show_pool_routing",
]


def show_matrix(a, ax=None, *, title=None, fmt="{:.2f}", mark=None, cmap="RdBu_r", fontsize=SMALL):
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
    fontsize : float, optional
        Size of the cell labels, in points; the site's smallest text size by default
        (:data:`cnnbp.viz.style.SMALL`).

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
    ax.tick_params(length=0, labelsize=SMALL)
    if title:
        ax.set_title(title, fontsize=TITLE)
    return ax


def show_matrices(arrays, titles=None, *, fmt="{:.2f}", marks=None, size=CELL, suptitle=None):
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


def show_dw_sources(x, dy, kernel_shape, *, stride=1, dilation=1, fmt="{:.2f}", size=0.62):
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
        The delta map :math:`\partial E / \partial y` of the layer's output (one channel).
    kernel_shape : tuple of int
        ``(kh, kw)``; with `stride` and `dilation` it must map `x` onto `dy`'s shape.
    stride, dilation : int, optional
        The convolution's stride and dilation (the same in both directions).
    fmt : str, optional
        Format of the input values in the cells.
    size : float, optional
        Inches per cell.

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
        \frac{\partial E}{\partial w_{mn}} = \sum_{i,j} \delta_{ij}\, x_{is + md,\; js + nd} ,

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
    from matplotlib.colors import ListedColormap
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
    # Cell colours: 0 = not touched by this weight, 1 = touched, 2 = touched with a non-zero delta.
    colours = ListedColormap(["white", "#fde9a9", "#f4a340"])
    for m in range(kh):
        for n in range(kw):
            ax = axes[m, n]
            # the products w[m, n] * x[r, c] of output (i, j)
            oi, oj, _, _, r, c = terms[(terms[:, 2] == m) & (terms[:, 3] == n)].T
            role = np.zeros(x.shape)
            role[r, c] = np.where(dy[oi, oj] != 0, 2, 1)
            ax.imshow(role, cmap=colours, vmin=0, vmax=2)
            for (i, j), v in np.ndenumerate(x):
                ax.text(j, i - 0.12, fmt.format(v), ha="center", va="center", fontsize=SMALL)
            for delta, ri, cj in zip(dy[oi, oj], r, c, strict=True):
                if delta != 0:
                    ax.add_patch(
                        Rectangle((cj - 0.5, ri - 0.5), 1, 1, fill=False, lw=2, ec="black")
                    )
                    ax.text(cj, ri + 0.3, f"δ {delta:+.3g}", ha="center", va="center", fontsize=SMALL)
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
            ax.set_xticks(range(x.shape[1]))
            ax.set_yticks(range(x.shape[0]))
            ax.tick_params(length=0, labelsize=SMALL)
            ax.set_title(f"dw[{m}, {n}] = {dw[0, 0, m, n]:.6g}", fontsize=TITLE)
    fig.tight_layout()
    return fig, axes


def show_pipeline(arrays, titles=None, labels=None, *, fmt="{:.2f}", marks=None, size=CELL, suptitle=None):
    r"""Draw the maps of a forward pass left to right, joined by labelled arrows.

    Parameters
    ----------
    arrays : sequence of array_like, each of shape (H_k, W_k) or (W_k,)
        The maps in the order the data flows through them; a 1-D array is drawn as one row.
    titles : sequence of str, optional
        One title per map.
    labels : sequence of str, optional
        One label per arrow, i.e. ``len(arrays) - 1`` of them: the operation that turns
        map ``k`` into map ``k + 1``.
    fmt : str, optional
        Format of each cell's label.
    marks : sequence of (array_like of bool or None), optional
        Per-map cells to outline, as in :func:`show_matrix`.
    size : float, optional
        Inches per cell.
    suptitle : str, optional
        Title of the whole figure.

    Returns
    -------
    fig : matplotlib Figure
    axes : list of matplotlib Axes
        The map axes only (the arrow axes are not returned).

    Notes
    -----
    Every map gets an axes whose width is proportional to its number of columns, so cells have
    the same size in every panel and a shrinking map looks smaller. The arrows live in narrow
    axes of their own between the maps.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_pipeline
    >>> fig, axes = show_pipeline([np.ones((3, 3)), np.ones((2, 2))], ["in", "out"], ["pool"])
    >>> [ax.get_title() for ax in axes]
    ['in', 'out']
    """
    import matplotlib.pyplot as plt

    arrays = [np.atleast_2d(np.asarray(a, dtype=np.float64)) for a in arrays]
    k = len(arrays)
    titles = list(titles) if titles is not None else [None] * k
    labels = list(labels) if labels is not None else [""] * (k - 1)
    marks = list(marks) if marks is not None else [None] * k
    if not (len(titles) == k and len(marks) == k and len(labels) == k - 1):
        raise ValueError(
            f"show_pipeline needs one title and mark per map and one label per arrow: got {k} "
            f"maps, {len(titles)} titles, {len(marks)} marks, {len(labels)} labels"
        )
    gap = 2.0  # arrow axes width, in cells: room for a two- or three-line label
    ratios = []
    for a in arrays:
        ratios += [a.shape[1], gap]
    ratios = ratios[:-1]
    height = max(a.shape[0] for a in arrays)
    fig, all_axes = plt.subplots(
        1,
        len(ratios),
        figsize=(size * sum(ratios) + 0.3 * k, size * height + 1.1),
        gridspec_kw={"width_ratios": ratios, "wspace": 0.05},
        squeeze=False,
    )
    all_axes = list(all_axes[0])
    axes = all_axes[::2]
    for ax, a, t, m in zip(axes, arrays, titles, marks, strict=True):
        show_matrix(a, ax, title=t, fmt=fmt, mark=m)
    for ax, label in zip(all_axes[1::2], labels, strict=True):
        ax.axis("off")
        ax.annotate(
            "", xy=(1.0, 0.5), xytext=(0.0, 0.5), xycoords="axes fraction",
            arrowprops={"arrowstyle": "-|>", "lw": 1.5, "color": "0.3"},
        )
        ax.text(0.5, 0.56, label, ha="center", va="bottom", fontsize=SMALL, transform=ax.transAxes)
    if suptitle:
        fig.suptitle(suptitle)
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


def show_conv_windows(
    in_shape,
    kernel_size,
    *,
    stride=1,
    padding=0,
    dilation=1,
    outputs=((0, 0),),
    ax=None,
    title=None,
    show_unread=False,
    fontsize=SMALL,
):
    r"""Draw an input grid, its zero padding, and the cells that chosen outputs of a convolution read.

    Parameters
    ----------
    in_shape : (int, int)
        ``(H, W)`` of the input, without padding.
    kernel_size : int or (int, int)
        ``(kh, kw)``.
    stride, padding, dilation : int or (int, int), optional
        As in :func:`cnnbp.conv2d`.
    outputs : sequence of (int, int), optional
        Output positions ``(i, j)`` whose windows are drawn, one colour each; a cell read by
        an output is labelled with the kernel tap ``m,n`` that reads it.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made if omitted.
    title : str, optional
        Axes title.
    show_unread : bool, optional
        Cross out the input cells (not padding) that no output of the whole convolution
        reads; their gradient is always zero.
    fontsize : int, optional
        Size of the tap labels.

    Returns
    -------
    ax : matplotlib Axes

    Notes
    -----
    Output :math:`(i, j)`, tap :math:`(m, n)` reads the padded input at row
    :math:`s_h i + d_h m` and column :math:`s_w j + d_w n`; padding cells (grey) hold zeros.
    Rows and columns are labelled with unpadded input indices, so padding is at negative
    indices and at :math:`\ge H`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_conv_windows
    >>> ax = show_conv_windows((4, 4), 2, stride=2, outputs=[(0, 0), (1, 1)], title="s=2")
    >>> ax.get_title(), len(ax.texts)
    ('s=2', 8)
    >>> ax = show_conv_windows((5, 5), 2, stride=3, show_unread=True, outputs=[])
    >>> len(ax.lines) // 2  # crossed-out cells: row 2 and column 2 fall between windows
    9
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from .._validate import as_pair
    from ..conv import conv2d_output_shape
    from ..views import conv2d_terms

    (h, w), (ph, pw) = as_pair(in_shape, "in_shape"), as_pair(padding, "padding", 0)
    hp, wp = h + 2 * ph, w + 2 * pw
    ho, wo = conv2d_output_shape((h, w), kernel_size, stride, padding, dilation)
    # Every product w[m, n] * x_pad[r, c] of output (i, j), as rows (i, j, m, n, r, c).
    terms = conv2d_terms((h, w), kernel_size, stride, padding, dilation)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.42 * wp + 0.8, 0.42 * hp + 0.6))
    # Background in one image (padding grey, input white) and the grid as two line collections:
    # one patch per cell would make large grids slow to draw.
    background = np.full((hp, wp), 0.82)
    background[ph : ph + h, pw : pw + w] = 1.0
    ax.imshow(background, cmap="gray", vmin=0.0, vmax=1.0)
    ax.hlines(np.arange(hp + 1) - 0.5, -0.5, wp - 0.5, colors="0.6", lw=0.6)
    ax.vlines(np.arange(wp + 1) - 0.5, -0.5, hp - 0.5, colors="0.6", lw=0.6)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (i, j) in enumerate(outputs):
        if not (0 <= i < ho and 0 <= j < wo):
            raise ValueError(f"output {(i, j)} is outside the output grid {(ho, wo)}")
        col = colors[k % len(colors)]
        for _, _, m, n, r, c in terms[(terms[:, 0] == i) & (terms[:, 1] == j)]:
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fc=col, alpha=0.45, ec=col, lw=1.5))
            ax.text(c, r, f"{m},{n}", ha="center", va="center", fontsize=fontsize)
    if show_unread:
        read = set(zip(terms[:, 4].tolist(), terms[:, 5].tolist(), strict=True))
        for r in range(ph, ph + h):
            for c in range(pw, pw + w):
                if (r, c) not in read:
                    ax.plot([c - 0.4, c + 0.4], [r - 0.4, r + 0.4], color="crimson", lw=1.2)
                    ax.plot([c - 0.4, c + 0.4], [r + 0.4, r - 0.4], color="crimson", lw=1.2)
    ax.set_xlim(-0.5, wp - 0.5)
    ax.set_ylim(hp - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks(range(wp), [str(c - pw) for c in range(wp)])
    ax.set_yticks(range(hp), [str(r - ph) for r in range(hp)])
    ax.tick_params(length=0, labelsize=fontsize)
    if title:
        ax.set_title(title, fontsize=TITLE)
    return ax


def show_channel_wiring(c_in, c_out, *, ax=None, highlight_in=None, highlight_out=None, title=None):
    r"""Draw how a convolution wires input channels to output channels through its kernels.

    Parameters
    ----------
    c_in, c_out : int
        Number of input and output channels.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made if omitted.
    highlight_in : int, optional
        Input channel ``c`` whose wires are drawn bold: the paths its gradient ``dx[:, c]``
        collects from.
    highlight_out : int, optional
        Output channel ``o`` whose wires are drawn bold. With `highlight_in` too, only the one
        kernel ``w[o, c]`` joining them is bold: the only wire ``dw[o, c]`` depends on.
    title : str, optional
        Axes title.

    Returns
    -------
    ax : matplotlib Axes

    Notes
    -----
    Left: input channels :math:`x_c`; middle: the :math:`C_\text{out} \times C_\text{in}`
    kernels :math:`w_{o,c}`; right: output channels
    :math:`y_o = b_o + \sum_c w_{o,c} \star x_c`. Every input channel reaches every output
    channel through its own kernel.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_channel_wiring
    >>> ax = show_channel_wiring(2, 3, highlight_in=1)
    >>> len(ax.lines)  # two wires through each of the 2 x 3 kernels
    12
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    c_in, c_out = int(c_in), int(c_out)
    if c_in < 1 or c_out < 1:
        raise ValueError(f"c_in and c_out must be at least 1, got {c_in} and {c_out}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 0.9 * c_in * c_out + 0.8))
    n_k = c_in * c_out

    xin, xk, xout = 0.0, 2.0, 4.0
    kernel_y = {}
    for o in range(c_out):
        for c in range(c_in):
            kernel_y[o, c] = n_k - 1 - (o * c_in + c)
    # Input channels spread evenly over the height of the kernel column.
    in_y = {c: (n_k - 1) / 2 + ((c_in - 1) / 2 - c) * n_k / c_in for c in range(c_in)}
    out_y = {o: float(np.mean([kernel_y[o, c] for c in range(c_in)])) for o in range(c_out)}

    def bold(o, c):
        if highlight_in is not None and highlight_out is not None:
            return o == highlight_out and c == highlight_in
        return (highlight_in is not None and c == highlight_in) or (
            highlight_out is not None and o == highlight_out
        )

    any_bold = highlight_in is not None or highlight_out is not None
    for (o, c), yk in kernel_y.items():
        strong = bold(o, c)
        style = {"color": "crimson", "lw": 2.2} if strong else {"color": "0.55", "lw": 1.0}
        if any_bold and not strong:
            style["alpha"] = 0.5
        ax.plot([xin + 0.35, xk - 0.35], [in_y[c], yk], **style)
        ax.plot([xk + 0.35, xout - 0.35], [yk, out_y[o]], **style)

    def box(x, y, text, strong):
        ax.add_patch(
            FancyBboxPatch(
                (x - 0.35, y - 0.3), 0.7, 0.6, boxstyle="round,pad=0.02",
                fc="mistyrose" if strong else "white", ec="crimson" if strong else "0.3", lw=1.2,
            )
        )
        ax.text(x, y, text, ha="center", va="center", fontsize=LABEL)

    for c, y in in_y.items():
        box(xin, y, f"$x_{{{c}}}$", highlight_in == c)
    for (o, c), y in kernel_y.items():
        box(xk, y, f"$w_{{{o},{c}}}$", any_bold and bold(o, c))
    for o, y in out_y.items():
        box(xout, y, f"$y_{{{o}}}$", highlight_out == o)
    ax.set_xlim(-0.6, 4.6)
    ax.set_ylim(-0.7, n_k - 0.3)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=TITLE)
    return ax


def show_dx_sources(dy, w, in_shape, cells, *, stride=1, padding=0, dilation=1, fmt="{:.3f}", size=0.62):
    r"""Draw, for chosen input cells ``dx[p, q]``, the output deltas and kernel taps that feed them.

    One panel per cell. Each panel shows the delta map `dy`; the outputs whose window reads
    input cell ``(p, q)`` are shaded and outlined, each labelled with the kernel tap
    ``w[m, n]`` that meets the cell. The panel title gives the resulting gradient
    :math:`\sum \delta_{ij}\, w_{mn}` over the outlined outputs.

    Parameters
    ----------
    dy : array_like, shape (H_out, W_out)
        The delta map :math:`\partial E / \partial y` of the layer's output (one channel).
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
        \frac{\partial E}{\partial x_{pq}} = \sum_{m,n} \delta_{\frac{p + p_\text{pad} - dm}{s},\,
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
    from matplotlib.colors import ListedColormap
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
    # Cell colours: 0 = this output does not read (p, q), 1 = it does.
    colours = ListedColormap(["white", "#fde9a9"])
    for ax, (p, q) in zip(axes, cells, strict=True):
        # the products w[m, n] * x[p, q] of output (i, j)
        links = terms[(terms[:, 4] == p + ph) & (terms[:, 5] == q + pw)][:, :4]
        role = np.zeros(dy.shape)
        for i, j, _, _ in links:
            role[i, j] = 1
        ax.imshow(role, cmap=colours, vmin=0, vmax=1)
        for (i, j), v in np.ndenumerate(dy):
            ax.text(j, i - 0.12, fmt.format(v), ha="center", va="center", fontsize=SMALL)
        for i, j, m, n in links:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2, ec="black"))
            ax.text(j, i + 0.28, f"w[{m},{n}]", ha="center", va="center", fontsize=SMALL)
        grad = dx[p, q]
        ax.set_xticks(range(dy.shape[1]))
        ax.set_yticks(range(dy.shape[0]))
        ax.tick_params(length=0, labelsize=SMALL)
        ax.set_title(f"dx[{p}, {q}] = {grad:.4g}", fontsize=TITLE)
    fig.tight_layout()
    return fig, axes
