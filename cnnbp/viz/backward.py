r"""The whole backward pass of a conv → max-pool → sigmoid → FC network in one figure.

The forward pass runs left to right, from the input $x$ to the FC output $h$; the figure
mirrors it. The top row runs right to left, from $\delta^h$ at the loss end through the FC
layer and the sigmoid to $\delta^m$. An arrow takes it down through the max-pool to $\delta^y$,
and from there the convolution's backward pass forks: $\partial L/\partial w$ to the right (what
the update uses) and $\delta^x$ to the left (what a layer below would use). Every panel is
drawn from arrays the caller computed with cnnbp; nothing here computes a gradient.
"""

from __future__ import annotations

import numpy as np

from .matrix import show_matrix

__all__ = ["BACKWARD_STEPS", "show_backward_pass"]

BACKWARD_STEPS = ("fc", "sigmoid", "max-pool", "kernel", "input")
"""Names of the five arrows of :func:`show_backward_pass`, for its `highlight` argument."""

# Arrow labels (matplotlib mathtext), one per step, in the order of BACKWARD_STEPS.
_LABELS = {
    "fc": "FC layer\n$V^{\\top}\\delta^h$",
    "sigmoid": "sigmoid\n$\\odot\\ a(1-a)$",
    "max-pool": "max-pool: each $\\delta^m$ goes\nto its window's maximum",
    "kernel": "$x \\star \\delta^y$",
    "input": "full conv.\nwith rot180($w$)",
}


def _shape(a) -> str:
    return "\N{MULTIPLICATION SIGN}".join(str(n) for n in a.shape) if a.ndim == 2 and 1 not in a.shape else str(a.size)


def show_backward_pass(dh, da, dm, dy, dw, dx, *, highlight=None, fmt="{:.3f}", cell=0.47,
                       fontsize=9, title=None):
    r"""Draw every delta of the backward pass, from :math:`\delta^h` down to :math:`\delta^x`.

    Parameters
    ----------
    dh : array_like, shape (K,)
        :math:`\delta^h`, the delta of the FC layer's output (drawn as a column).
    da : array_like, shape (H_m, W_m)
        :math:`\delta^a = \partial L / \partial a`, the FC layer's input delta in the layout of
        the pooled map.
    dm : array_like, shape (H_m, W_m)
        :math:`\delta^m`, the delta of the max-pool's output (the sigmoid's input).
    dy : array_like, shape (H', W')
        :math:`\delta^y`, the delta of the convolution's output; its non-zero cells are
        outlined.
    dw : array_like, shape (kh, kw)
        :math:`\partial L / \partial w`, the kernel gradient.
    dx : array_like, shape (H, W)
        :math:`\delta^x`, the delta of the convolution's input.
    highlight : sequence of str, optional
        Names from :data:`BACKWARD_STEPS` whose arrows are drawn in colour (the steps a page
        is about); default: all of them.
    fmt : str, optional
        Number format of the cell labels (see :func:`cnnbp.viz.format_value`).
    cell : float, optional
        Inches per cell.
    fontsize : float, optional
        Size of the cell labels; titles and arrow labels are a little larger.
    title : str, optional
        Title of the whole figure.

    Returns
    -------
    fig : matplotlib Figure
    axes : dict of str to matplotlib Axes
        Keyed ``"dh"``, ``"da"``, ``"dm"``, ``"dy"``, ``"dw"``, ``"dx"``.

    Raises
    ------
    ValueError
        If an array has the wrong number of dimensions, `da` and `dm` differ in shape, or
        `highlight` names an unknown step.

    Notes
    -----
    All six panels share one colour scale, so a paler panel really holds smaller numbers:
    the deltas shrink on their way down (the sigmoid's slope :math:`a(1-a)` is at most
    :math:`\tfrac14`).

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cnnbp.viz import show_backward_pass
    >>> fig, axes = show_backward_pass(
    ...     np.ones(2), np.ones((2, 2)), np.ones((2, 2)), np.eye(4), np.ones((2, 2)),
    ...     np.ones((5, 5)), highlight=["fc"])
    >>> sorted(axes), axes["dh"].get_title()
    (['da', 'dh', 'dm', 'dw', 'dx', 'dy'], '$\\delta^h$ (2)')
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in
              {"dh": dh, "da": da, "dm": dm, "dy": dy, "dw": dw, "dx": dx}.items()}
    if arrays["dh"].ndim != 1:
        raise ValueError(f"dh must be 1-D, got shape {arrays['dh'].shape}")
    for k in ("da", "dm", "dy", "dw", "dx"):
        if arrays[k].ndim != 2:
            raise ValueError(f"{k} must be 2-D, got shape {arrays[k].shape}")
    if arrays["da"].shape != arrays["dm"].shape:
        raise ValueError(f"da {arrays['da'].shape} and dm {arrays['dm'].shape} must match")
    highlight = BACKWARD_STEPS if highlight is None else tuple(highlight)
    unknown = sorted(set(highlight) - set(BACKWARD_STEPS))
    if unknown:
        raise ValueError(f"highlight: unknown steps {unknown}; choose from {BACKWARD_STEPS}")
    column = arrays["dh"][:, None]  # drawn as a column, like the FC layer's output

    # Layout in cell units (x right, y up). Bottom row: dx <- dy -> dw, vertically centred.
    # Top row, right to left: dh -> da -> dm, with dm right above dy.
    gap = 1.9  # between panels of a row: an arrow and its label
    (hx, wx), (hy, wy), (hw, ww) = arrays["dx"].shape, arrays["dy"].shape, arrays["dw"].shape
    (hm, wm), hh = arrays["dm"].shape, column.shape[0]
    bottom = max(hx, hy, hw)
    boxes = {
        "dx": (0.0, (bottom - hx) / 2, wx, hx),
        "dy": (wx + gap, (bottom - hy) / 2, wy, hy),
        "dw": (wx + wy + 2 * gap, (bottom - hw) / 2, ww, hw),
    }
    top = bottom + 2.6  # room for the bottom row's titles and the max-pool arrow
    row1 = max(hm, hh)
    x_dm = boxes["dy"][0] + (wy - wm) / 2
    boxes["dm"] = (x_dm, top + (row1 - hm) / 2, wm, hm)
    boxes["da"] = (x_dm + wm + gap, top + (row1 - hm) / 2, wm, hm)
    boxes["dh"] = (x_dm + 2 * wm + 2 * gap, top + (row1 - hh) / 2, 1, hh)
    margin_l, margin_r, margin_b, margin_t = 0.3, 0.3, 0.3, 1.0 + (0.6 if title else 0.0)
    width = max(x + w for x, _, w, _ in boxes.values()) + margin_l + margin_r
    height = top + row1 + margin_b + margin_t
    fig = plt.figure(figsize=(cell * width, cell * height))

    def fx(x):  # cell units -> figure fraction
        return (x + margin_l) / width

    def fy(y):
        return (y + margin_b) / height

    titles = {
        "dh": f"$\\delta^h$ ({_shape(arrays['dh'])})",
        "da": f"$\\delta^a$ ({_shape(arrays['da'])})",
        "dm": f"$\\delta^m$ ({_shape(arrays['dm'])})",
        "dy": f"$\\delta^y$ ({_shape(arrays['dy'])})",
        "dw": f"$\\partial L/\\partial w$ ({_shape(arrays['dw'])})",
        "dx": f"$\\delta^x$ ({_shape(arrays['dx'])})",
    }
    vmax = max(float(np.max(np.abs(a))) for a in arrays.values())
    axes = {}
    for key, (x, y, w, h) in boxes.items():
        ax = fig.add_axes((fx(x), fy(y), w / width, h / height))
        a = column if key == "dh" else arrays[key]
        # No index ticks: an overview, the arrows need the room more than the indices.
        show_matrix(a, ax, vmax=vmax, fmt=fmt, zero="0", ticks=False, fontsize=fontsize,
                    mark=(a != 0) if key == "dy" else None)
        ax.set_title(titles[key], fontsize=fontsize + 1.5)
        axes[key] = ax

    def arrow(step, start, end, text, text_at, **text_kw):
        on = step in highlight
        color = "#c2185b" if on else "0.6"
        fig.add_artist(FancyArrowPatch(
            (fx(start[0]), fy(start[1])), (fx(end[0]), fy(end[1])), transform=fig.transFigure,
            arrowstyle="-|>", mutation_scale=16, lw=2.2 if on else 1.4, color=color,
        ))
        fig.text(fx(text_at[0]), fy(text_at[1]), text, fontsize=fontsize + 0.5,
                 color="black" if on else "0.45", **text_kw)

    def left(key):
        x, y, _, h = boxes[key]
        return x, y + h / 2

    def right(key):
        x, y, w, h = boxes[key]
        return x + w, y + h / 2

    pad = 0.2  # arrows stop short of the panels
    for step, src, dst in (("fc", "dh", "da"), ("sigmoid", "da", "dm")):
        (x0, y0), (x1, y1) = left(src), right(dst)
        arrow(step, (x0 - pad, y0), (x1 + pad, y1), _LABELS[step],
              ((x0 + x1) / 2, y0 + 0.25), ha="center", va="bottom")
    x_mid = boxes["dy"][0] + wy / 2
    arrow("max-pool", (x_mid, top - 0.55), (x_mid, boxes["dy"][1] + hy + 0.75),
          _LABELS["max-pool"], (x_mid - 0.4, (top + boxes["dy"][1] + hy) / 2 + 0.1),
          ha="right", va="center")
    (x0, y0), (x1, y1) = right("dy"), left("dw")
    arrow("kernel", (x0 + pad, y0), (x1 - pad, y0), _LABELS["kernel"],
          ((x0 + x1) / 2, y0 + 0.25), ha="center", va="bottom")
    (x0, y0), (x1, y1) = left("dy"), right("dx")
    arrow("input", (x0 - pad, y0), (x1 + pad, y0), _LABELS["input"],
          ((x0 + x1) / 2, y0 + 0.25), ha="center", va="bottom")
    if title:
        fig.suptitle(title, fontsize=fontsize + 3, y=1 - 0.35 / height)
    return fig, axes
