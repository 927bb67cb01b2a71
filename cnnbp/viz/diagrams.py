r"""Box-and-arrow diagrams: how channels are wired, and how a network's calls chain.

Neither draws an array's values; both show structure, with the site's text sizes
(:mod:`cnnbp.viz.style`). matplotlib is imported inside the functions, so ``import cnnbp.viz``
works without it.
"""

from __future__ import annotations

import numpy as np

from .style import LABEL, TITLE

__all__ = ["show_chain", "show_channel_wiring"]


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
