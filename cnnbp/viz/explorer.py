r"""Build-time data and HTML for the site's interactive explorers.

A reader points at a cell of :math:`y`, :math:`\partial L/\partial w` or :math:`\delta^x`
(or at a max-pool output and its gradient) and sees which products add up to it. Every number
an explorer shows is computed here, by cnnbp, when the page is built, and embedded in the page
as JSON; ``docs/javascripts/explorer.js`` only displays and highlights. It never multiplies,
adds or works out which input cell a window reads: it looks these up in tables built here.

The data formats are described in the Notes of :func:`conv_explorer_data` and
:func:`pool_explorer_data`. Each configuration is checked when it is built: the 2-D terms
are the product of the two axis tables, and the sums the explorer lists (every product, read
from the tables) equal cnnbp's ``y``, ``dw`` and ``dx``.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from .. import conv2d, conv2d_backward, conv2d_terms, max_pool2d, max_pool2d_backward
from .text import format_value

__all__ = [
    "CONV_GRIDS",
    "CONV_OPTIONS",
    "INT_DELTA",
    "INT_W",
    "INT_X",
    "POOL_DELTA",
    "POOL_GRIDS",
    "POOL_OPTIONS",
    "POOL_X",
    "conv_explorer_data",
    "explorer_html",
    "pool_explorer_data",
    "show_explorer",
]

CONV_GRIDS = ("x", "w", "y", "delta", "dw", "dx")
"""Grids of the convolution explorer: input, kernel, output, δʸ, ∂L/∂w, δˣ."""
POOL_GRIDS = ("x", "pooled", "delta", "dx")
"""Grids of the max-pool explorer: its input, its output m, δᵐ, and the input's δ."""

CONV_OPTIONS = {
    "H": (4, 5, 6, 7, 8),
    "kh": (1, 2, 3),
    "kw": (1, 2, 3),
    "stride": (1, 2, 3),
    "padding": (0, 1, 2),
    "dilation": (1, 2),
}
"""The convolution explorer's controls and their values (input H x H; the same stride,
padding and dilation along both axes)."""
POOL_OPTIONS = {"H": (4, 5, 6, 7, 8), "kh": (2, 3), "stride": (1, 2, 3)}
"""The max-pool explorer's controls: input H x H, window kh x kh, stride."""


def _frozen(a) -> np.ndarray:
    a = np.array(a, dtype=np.int64)
    a.setflags(write=False)
    return a


# Small integers, so that every product can be followed by eye. Fixed arrays rather than a
# random draw, so the pages show the same numbers under any numpy version.
INT_X = _frozen(
    [
        [1, -1, 3, 2, -2, 0, 1, -1],
        [0, 2, 0, -1, 3, 2, 1, -2],
        [-2, 3, -1, 1, 2, -2, 0, 1],
        [2, -2, 1, -1, 0, 3, -1, 2],
        [3, 0, 2, 3, -1, -1, 2, -1],
        [1, 2, -2, 0, 1, 3, 3, 0],
        [-1, -2, 3, 2, -1, 1, -1, 3],
        [2, 0, 1, -1, 3, 2, 0, 1],
    ]
)
"""The integer input, shape (8, 8); an H x H configuration uses ``INT_X[:H, :H]``."""
INT_W = _frozen([[1, -2, 3], [2, 0, -1], [-3, 1, 2]])
"""The integer kernel, shape (3, 3), no two taps alike but 0; a kh x kw kernel is
``INT_W[:kh, :kw]``."""
INT_DELTA = _frozen(
    [
        [1, -1, 2, 0, 1, -2, 1, 1, -1, 2],
        [2, 1, -1, 1, 0, 1, -2, 1, 2, -1],
        [-1, 2, 1, -2, 1, 1, 0, -1, 1, 1],
        [1, 0, -2, 1, 2, -1, 1, 2, -1, 0],
        [-2, 1, 1, 2, -1, 0, 2, 1, 1, -2],
        [1, 2, -1, 0, 1, 2, -1, -2, 0, 1],
        [0, -1, 2, 1, -2, 1, 1, 0, 2, -1],
        [2, 1, 0, -1, 1, -2, 2, 1, -1, 1],
        [-1, 1, 1, 2, 0, 1, -1, 2, 1, 0],
        [1, -2, 1, 0, 2, -1, 1, 1, -2, 2],
    ]
)
"""The integer upstream gradient δʸ, shape (10, 10), the largest output the controls reach;
an output of H' x W' takes ``INT_DELTA[:H', :W']``."""
POOL_X = _frozen(
    [
        [3, 1, 4, 1, 5, 9, 2, 6],
        [5, 3, 5, 8, 9, 7, 9, 3],
        [2, 3, 8, 4, 6, 2, 6, 4],
        [3, 3, 8, 3, 2, 7, 9, 5],
        [0, 2, 8, 8, 4, 1, 9, 7],
        [1, 6, 9, 3, 9, 9, 3, 7],
        [5, 1, 0, 5, 8, 2, 0, 9],
        [7, 4, 9, 4, 4, 5, 9, 2],
    ]
)
"""The max-pool explorer's integer input, shape (8, 8): digits of π, with many ties."""
POOL_DELTA = _frozen(
    [
        [1, -2, 3, 1, -1, 2, 1],
        [2, 1, -1, 3, 2, -2, 1],
        [-1, 3, 2, 1, -2, 1, 2],
        [3, -1, 1, 2, 1, 3, -1],
        [1, 2, -2, -1, 3, 1, 2],
        [-2, 1, 3, 2, 1, -1, 1],
        [2, 3, 1, -1, 2, 1, -2],
    ]
)
"""The max-pool explorer's integer δᵐ, shape (7, 7), the largest pooled output."""

# The question's numbers: formats chosen so that the shown values are those of the pages.
_SEED_FMT = {
    "x": "{:.2f}",
    "w": "{:.4f}",
    "y": "{:.4f}",
    "delta": "{:.4f}",
    "dw": "{:.6f}",
    "dx": "{:.4f}",
    "pooled": "{:.4f}",
}
_SEED_CONV = (5, 5, 2, 2, 1, 0, 1)
_TIMES = "\N{MULTIPLICATION SIGN}"
_SEED_POOL = (4, 4, 2, 2, 2, 0, 1)


# ------------------------------------------------------------------ per-axis lookup tables


@functools.cache
def _axis(n: int, k: int, s: int, p: int, d: int) -> tuple[tuple[int, ...], ...]:
    """``u[i][t]``: the padded index that output ``i``'s tap ``t`` reads along one axis.

    Read off :func:`cnnbp.conv2d_terms` for an ``n x 1`` input: along one axis a 2-D window is
    this table, since ``u`` depends only on ``(i, p)`` and ``v`` only on ``(j, q)``.
    """
    terms = conv2d_terms((n, 1), (k, 1), (s, 1), (p, 0), (d, 1))
    n_out = int(terms[:, 0].max()) + 1
    table = [[-1] * k for _ in range(n_out)]
    for i, _, t, _, u, _ in terms.tolist():
        table[i][t] = u
    assert all(u >= 0 for row in table for u in row), "a tap without a cell"
    return tuple(tuple(row) for row in table)


def _real(n: int, p: int) -> list[int]:
    """``r[u]``: unpadded index of padded index ``u``, or -1 where ``u`` is padding."""
    return [u - p if p <= u < n + p else -1 for u in range(n + 2 * p)]


def _axis_reason(n: int, k: int, p: int, d: int) -> str | None:
    """Why the explorer refuses this axis setting, or None if it shows it."""
    extent = d * (k - 1) + 1
    spans = f"size {k}" + (f" with dilation {d}" if d > 1 else "") + f" spans {extent}"
    if n + 2 * p < extent:
        return f"a kernel of {spans} cells, more than the padded input's {n} + 2·{p}"
    if p > extent - 1:
        # cnnbp computes it, but outputs whose window holds padding only teach nothing.
        return (
            f"padding {p} needs a kernel spanning at least {p + 1} cells (one of {spans}), "
            "else border outputs read nothing but padding"
        )
    return None


def _conv_key(cfg) -> str:
    return "".join(str(v) for v in cfg)


def _conv_cfg(spec: Mapping) -> tuple[int, ...]:
    unknown = set(spec) - set(CONV_OPTIONS) - {"label"}
    if unknown:
        raise ValueError(f"unknown configuration keys {sorted(unknown)}; use {list(CONV_OPTIONS)}")
    vals = {**{"kh": 3, "kw": None, "stride": 1, "padding": 0, "dilation": 1}, **spec}
    if "H" not in vals:
        raise ValueError("a configuration needs the input size H")
    vals["kw"] = vals["kh"] if vals["kw"] is None else vals["kw"]
    for name, options in CONV_OPTIONS.items():
        if vals[name] not in options:
            raise ValueError(f"{name}={vals[name]!r} is not one of the explorer's {options}")
    h = vals["H"]
    return (h, h, vals["kh"], vals["kw"], vals["stride"], vals["padding"], vals["dilation"])


def _cfg_json(cfg) -> dict:
    """The contract's data-config: sizes as ints, stride, padding and dilation as [h, w]."""
    h, w, kh, kw, s, p, d = cfg
    return {"H": h, "W": w, "kh": kh, "kw": kw, "stride": [s, s], "padding": [p, p],
            "dilation": [d, d]}


# ------------------------------------------------------------------ convolution explorer


def _conv_values(cfg, x, w, delta):
    """y, dw, dx from cnnbp for one single-channel configuration, checked against the terms."""
    h, wd, kh, kw, s, p, d = cfg
    rows, cols = _axis(h, kh, s, p, d), _axis(wd, kw, s, p, d)
    y = conv2d(x[None, None], w[None, None], None, s, p, d)[0, 0]
    assert y.shape == (len(rows), len(cols)) == delta.shape, (cfg, y.shape, delta.shape)
    dx, dw, _ = conv2d_backward(delta[None, None], x[None, None], w[None, None], s, p, d)
    dx, dw = dx[0, 0], dw[0, 0]
    # The 2-D terms are exactly rows x columns of the per-axis tables ...
    terms = conv2d_terms((h, wd), (kh, kw), s, p, d)
    i, j, tp, tq = np.meshgrid(
        np.arange(len(rows)), np.arange(len(cols)), np.arange(kh), np.arange(kw), indexing="ij"
    )
    u, v = np.array(rows)[i, tp], np.array(cols)[j, tq]
    table = np.stack([a.ravel() for a in (i, j, tp, tq, u, v)], axis=1)
    assert np.array_equal(terms[np.lexsort(terms.T[::-1])], table), f"tables differ: {cfg}"
    # ... and the sums the explorer lists, product by product, are cnnbp's numbers.
    i, j, tp, tq, u, v = terms.T
    x_pad = np.pad(x, p)
    for name, got, want in (
        ("y", np.bincount(i * y.shape[1] + j, w[tp, tq] * x_pad[u, v], y.size), y),
        ("dw", np.bincount(tp * kw + tq, delta[i, j] * x_pad[u, v], dw.size), dw),
        (
            "dx",
            np.bincount(u * x_pad.shape[1] + v, delta[i, j] * w[tp, tq], x_pad.size)
            .reshape(x_pad.shape)[p : p + h, p : p + wd],
            dx,
        ),
    ):
        assert np.allclose(got.reshape(want.shape), want, rtol=1e-12, atol=1e-12), (name, cfg)
    return y, dw, dx


def _ints(a: np.ndarray) -> list[int]:
    r = np.rint(a)
    assert np.array_equal(r, a), "integer inputs must give integer results"
    return [int(v) for v in r.ravel()]


def _strings(a: np.ndarray, fmt: str) -> list[str]:
    return [format_value(float(v), fmt) for v in np.asarray(a).ravel()]


def _conv_int_entry(cfg) -> list[list[int]]:
    h, wd, kh, kw, s, p, d = cfg
    oh, ow = len(_axis(h, kh, s, p, d)), len(_axis(wd, kw, s, p, d))
    x = INT_X[:h, :wd].astype(np.float64)
    w = INT_W[:kh, :kw].astype(np.float64)
    delta = INT_DELTA[:oh, :ow].astype(np.float64)
    return [_ints(a) for a in _conv_values(cfg, x, w, delta)]


def _conv_seed_entry() -> dict:
    from .. import seed

    x, w, delta = (np.array(a, dtype=np.float64) for a in (seed.INPUT, seed.KERNEL, seed.DELTA_MAP))
    y, dw, dx = _conv_values(_SEED_CONV, x, w, delta)
    assert np.allclose(dw, seed.DW_ANSWER, atol=5e-7), "the seed preset must give the answer's dW"
    arrays = {"x": x, "w": w, "delta": delta, "y": y, "dw": dw, "dx": dx}
    return {"cfg": list(_SEED_CONV), **{k: _strings(a, _SEED_FMT[k]) for k, a in arrays.items()}}


def _valid(cfg) -> bool:
    h, wd, kh, kw, _, p, d = cfg
    return _axis_reason(h, kh, p, d) is None and _axis_reason(wd, kw, p, d) is None


def _every_conv_cfg() -> Iterable[tuple[int, ...]]:
    o = CONV_OPTIONS
    for h in o["H"]:
        for kh in o["kh"]:
            for kw in o["kw"]:
                for s in o["stride"]:
                    for p in o["padding"]:
                        for d in o["dilation"]:
                            yield (h, h, kh, kw, s, p, d)


def conv_explorer_data(
    grids: Sequence[str] = CONV_GRIDS,
    *,
    controls: bool = True,
    presets: Sequence[str | Mapping] = ("seed",),
    start: str | Mapping | None = None,
) -> dict:
    """The data of one convolution explorer, every number computed by cnnbp.

    Parameters
    ----------
    grids : sequence of str, optional
        Which of :data:`CONV_GRIDS` to show, in that order. Cells of ``y``, ``dw`` and ``dx``
        can be selected; ``x``, ``w`` and ``delta`` light up as their factors.
    controls : bool, optional
        Show the size controls (:data:`CONV_OPTIONS`) and embed every integer configuration
        they reach. Without them only the `presets` are embedded.
    presets : sequence of "seed" or mappings, optional
        Configurations offered by name: ``"seed"`` (the question's 5x5 input, reconstructed
        kernel and 4x4 delta map) or a mapping with ``H``, ``kh`` and optionally ``kw``,
        ``stride``, ``padding``, ``dilation`` and a ``label``, using the integer arrays.
    start : str or mapping, optional
        The configuration shown first: ``"seed"`` or a mapping as in `presets`. By default
        the first preset (with `controls`, the integer configuration H=6, 3x3 kernel,
        stride 2, padding 1).

    Returns
    -------
    dict
        JSON-ready; its format is in the Notes.

    Raises
    ------
    ValueError
        An unknown grid, a preset outside the controls' ranges or one the explorer refuses
        (a kernel that overhangs the padded input, or padding beyond the kernel's reach), or
        no configuration at all.

    Notes
    -----
    The dict holds, with every array flat in row-major order:

    - ``kind``: ``"conv"``; ``grids``: the grids shown, in order.
    - ``controls``: ``{name: [values]}`` of the ``<select>`` controls (``{}`` for none).
    - ``presets``: ``[{"key", "label"}]``: ``"int"`` (the controls' small integers),
      ``"seed"`` (the question's numbers) or the key of one integer configuration;
      ``start``: the key shown first.
    - ``int``: ``{"x", "w", "delta"}``, the integer arrays whose top-left corners every
      integer configuration uses (``x[:H, :W]``, ``w[:kh, :kw]``, ``delta[:H', :W']``).
    - ``axes``: ``{"n,k,s,p,d": u}``: along one axis, ``u[i][t]`` is the padded-input index
      that output ``i``'s tap ``t`` reads, read off :func:`cnnbp.conv2d_terms`. A window is
      the rows of one table times the columns of another, since in the terms ``u`` depends
      only on ``(i, p)`` and ``v`` only on ``(j, q)``: this keeps the tables tiny.
    - ``real``: ``{"n,p": r}``: ``r[u]`` is the unpadded index of padded index ``u``, or -1
      in the padding.
    - ``invalid``: ``{"n,k,p,d": reason}``: axis settings the controls refuse, and why (a
      kernel that overhangs the padded input, which cnnbp rejects, or padding beyond the
      kernel's reach, which would give outputs that read nothing but padding).
    - ``configs``: ``{key: [y, dw, dx]}`` for the integer configurations, the key being the
      digits of H, W, kh, kw, stride, padding, dilation; and ``"seed"``: ``{"cfg", "x", "w",
      "delta", "y", "dw", "dx"}`` with the values as display strings.

    Examples
    --------
    >>> from cnnbp.viz import conv_explorer_data
    >>> data = conv_explorer_data(("x", "delta", "dw"), controls=False)
    >>> data["start"], data["configs"]["seed"]["dw"]
    ('seed', ['0.044606', '0.094061', '0.011262', '0.068288'])
    >>> data["axes"]["5,2,1,0,1"]          # rows: output i, tap t reads input row i + t
    [[0, 1], [1, 2], [2, 3], [3, 4]]
    """
    grids = list(grids)
    bad = [g for g in grids if g not in CONV_GRIDS]
    if bad or not grids:
        raise ValueError(f"grids must be a non-empty subset of {CONV_GRIDS}, got {grids}")
    cfgs: dict[str, tuple[int, ...]] = {}
    preset_list: list[dict] = []
    configs: dict = {}
    if controls:
        preset_list.append({"key": "int", "label": "small integers"})
        for cfg in _every_conv_cfg():
            if _valid(cfg):
                cfgs[_conv_key(cfg)] = cfg
    for spec in presets:
        if spec == "seed":
            configs["seed"] = _conv_seed_entry()
            preset_list.append({"key": "seed", "label": "the question's numbers"})
            continue
        if isinstance(spec, str):
            raise ValueError(f"unknown preset {spec!r}: use 'seed' or a mapping")
        cfg = _conv_cfg(spec)
        if not _valid(cfg):
            raise ValueError(f"preset {dict(spec)} is refused by the explorer")
        cfgs[_conv_key(cfg)] = cfg
        if not controls:
            preset_list.append({"key": _conv_key(cfg), "label": spec.get("label", _label(cfg))})
    if not preset_list:
        raise ValueError("an explorer needs controls or at least one preset")
    for key, cfg in cfgs.items():
        configs[key] = _conv_int_entry(cfg)
    if start is None:
        start_key = _conv_key((6, 6, 3, 3, 2, 1, 1)) if controls else preset_list[0]["key"]
    elif start == "seed":
        start_key = "seed"
    else:
        start_key = _conv_key(_conv_cfg(start))
    if start_key not in configs:
        raise ValueError(f"start {start!r} is not among the embedded configurations")
    used = [configs["seed"]["cfg"]] if "seed" in configs else []
    used += list(cfgs.values())
    axes, real, invalid = {}, {}, {}
    for h, wd, kh, kw, s, p, d in used:
        for n, k in ((h, kh), (wd, kw)):
            axes[f"{n},{k},{s},{p},{d}"] = [list(r) for r in _axis(n, k, s, p, d)]
            real[f"{n},{p}"] = _real(n, p)
    if controls:
        o = CONV_OPTIONS
        for n in o["H"]:
            for k in sorted(set(o["kh"]) | set(o["kw"])):
                for p in o["padding"]:
                    for d in o["dilation"]:
                        reason = _axis_reason(n, k, p, d)
                        if reason:
                            invalid[f"{n},{k},{p},{d}"] = reason
    return {
        "kind": "conv",
        "grids": grids,
        "controls": {k: list(v) for k, v in CONV_OPTIONS.items()} if controls else {},
        "presets": preset_list,
        "start": start_key,
        "int": {"x": INT_X.tolist(), "w": INT_W.tolist(), "delta": INT_DELTA.tolist()},
        "axes": axes,
        "real": real,
        "invalid": invalid,
        "configs": configs,
    }


def _label(cfg) -> str:
    h, wd, kh, kw, s, p, d = cfg
    parts = [f"{h}{_TIMES}{wd} input", f"{kh}{_TIMES}{kw} kernel"]
    parts += [f"{name} {v}" for name, v, default in (("stride", s, 1), ("padding", p, 0),
                                                      ("dilation", d, 1)) if v != default]
    return ", ".join(parts)


# ------------------------------------------------------------------ max-pool explorer


def _pool_values(cfg, x, delta):
    """m, the cell each window routes its delta to, ties, and dx — all from cnnbp."""
    h, wd, k, _, s, _, _ = cfg
    rows, cols = _axis(h, k, s, 0, 1), _axis(wd, k, s, 0, 1)
    m = max_pool2d(x[None, None], k, s)[0, 0]
    oh, ow = m.shape
    assert (oh, ow) == (len(rows), len(cols)) == delta.shape, (cfg, m.shape)
    dx = max_pool2d_backward(delta[None, None], x[None, None], k, s)[0, 0]
    # Where each window's delta goes: one-hot upstream gradients, one window per image.
    onehot = np.eye(oh * ow).reshape(oh * ow, 1, oh, ow)
    routes = max_pool2d_backward(onehot, np.broadcast_to(x, (oh * ow, 1, h, wd)), k, s)[:, 0]
    arg, ties = [], []
    routed = np.zeros_like(x)
    for n, (i, j) in enumerate(np.ndindex(oh, ow)):
        (r,), (c,) = np.nonzero(routes[n])
        window = [(u, v) for u in rows[i] for v in cols[j]]  # row-major, as the package scans
        assert (r, c) in window and x[r, c] == m[i, j], (cfg, i, j)
        first = next(cell for cell in window if x[cell] == m[i, j])
        assert (r, c) == first, f"the delta must go to the first maximum: {cfg}, window {i, j}"
        arg += [int(r), int(c)]
        ties += [v for cell in window if cell != first and x[cell] == m[i, j]
                 for v in (n, int(cell[0]), int(cell[1]))]
        routed[r, c] += delta[i, j]
    assert np.allclose(routed, dx, rtol=1e-12, atol=1e-12), f"routing differs from dx: {cfg}"
    return m, arg, ties, dx


def _pool_key(cfg) -> str:
    h, _, k, _, s, _, _ = cfg
    return f"{h}{k}{s}"


def pool_explorer_data(
    *,
    controls: bool = True,
    presets: Sequence[str | Mapping] = ("seed",),
    start: str | Mapping | None = None,
) -> dict:
    """The data of one max-pool explorer, every number computed by cnnbp.

    Parameters
    ----------
    controls : bool, optional
        Show the controls (:data:`POOL_OPTIONS`: input H x H, window kh x kh, stride) and
        embed every integer configuration they reach.
    presets : sequence of "seed" or mappings, optional
        ``"seed"``: the question's 4x4 convolution output (with the reconstructed kernel),
        2x2 windows, stride 2, and its four window deltas; or mappings with ``H``, ``kh``,
        ``stride`` (and a ``label``) using :data:`POOL_X` and :data:`POOL_DELTA`.
    start : str or mapping, optional
        The configuration shown first: ``"seed"`` or a mapping as in `presets`. By default
        the first preset, or with `controls` the overlapping 6x6 input, 3x3 window,
        stride 2.

    Returns
    -------
    dict
        JSON-ready; its format is in the Notes.

    Raises
    ------
    ValueError
        A preset outside the controls' ranges, or no configuration at all.

    Notes
    -----
    As for :func:`conv_explorer_data`, with ``kind`` ``"pool"``; ``int`` holds ``x`` and
    ``delta``; ``axes`` is ``{"n,k,s": u}`` with ``u[i][t]`` the input index of window
    ``i``'s ``t``-th cell; ``configs`` maps the digits of H, window, stride to
    ``[m, arg, ties, dx]``, where ``arg`` lists, flattened, the ``(row, col)`` each window
    sends its delta to (read off :func:`cnnbp.max_pool2d_backward` with one-hot upstream
    gradients: the first maximum in row-major order) and ``ties`` the flattened
    ``(window, row, col)`` of the other cells equal to a window's maximum.

    Examples
    --------
    >>> from cnnbp.viz import pool_explorer_data
    >>> data = pool_explorer_data(controls=False)
    >>> data["configs"]["seed"]["arg"]     # (row, col) of each window's maximum, flattened
    [1, 1, 0, 2, 2, 1, 3, 3]
    """
    cfgs: dict[str, tuple[int, ...]] = {}
    preset_list: list[dict] = []
    configs: dict = {}

    def cfg_of(spec: Mapping) -> tuple[int, ...]:
        unknown = set(spec) - set(POOL_OPTIONS) - {"label"}
        if unknown:
            raise ValueError(f"unknown configuration keys {sorted(unknown)}")
        vals = {"kh": 2, "stride": 2, **spec}
        for name, options in POOL_OPTIONS.items():
            if vals.get(name) not in options:
                raise ValueError(f"{name}={vals.get(name)!r} is not one of {options}")
        h, k, s = vals["H"], vals["kh"], vals["stride"]
        return (h, h, k, k, s, 0, 1)

    if controls:
        preset_list.append({"key": "int", "label": "small integers"})
        o = POOL_OPTIONS
        for h in o["H"]:
            for k in o["kh"]:
                for s in o["stride"]:
                    cfg = (h, h, k, k, s, 0, 1)
                    cfgs[_pool_key(cfg)] = cfg
    for spec in presets:
        if spec == "seed":
            from .. import seed

            x = np.array(seed.forward_pass().y, dtype=np.float64)
            delta = np.array(seed.DELTA_POOLED, dtype=np.float64)
            m, arg, ties, dx = _pool_values(_SEED_POOL, x, delta)
            assert [tuple(arg[i : i + 2]) for i in range(0, 8, 2)] == list(seed.ARGMAX_POSITIONS)
            configs["seed"] = {
                "cfg": list(_SEED_POOL),
                "x": _strings(x, _SEED_FMT["pooled"]),
                "delta": _strings(delta, _SEED_FMT["delta"]),
                "pooled": _strings(m, _SEED_FMT["pooled"]),
                "arg": arg,
                "ties": ties,
                "dx": _strings(dx, _SEED_FMT["dx"]),
            }
            preset_list.append({"key": "seed", "label": "the question's numbers"})
            continue
        if isinstance(spec, str):
            raise ValueError(f"unknown preset {spec!r}: use 'seed' or a mapping")
        cfg = cfg_of(spec)
        cfgs[_pool_key(cfg)] = cfg
        if not controls:
            label = spec.get(
                "label",
                f"{cfg[0]}{_TIMES}{cfg[1]} input, {cfg[2]}{_TIMES}{cfg[3]} window, stride {cfg[4]}",
            )
            preset_list.append({"key": _pool_key(cfg), "label": label})
    if not preset_list:
        raise ValueError("an explorer needs controls or at least one preset")
    for key, cfg in cfgs.items():
        h, _, k, _, s, _, _ = cfg
        oh, ow = len(_axis(h, k, s, 0, 1)), len(_axis(h, k, s, 0, 1))
        x = POOL_X[:h, :h].astype(np.float64)
        m, arg, ties, dx = _pool_values(cfg, x, POOL_DELTA[:oh, :ow].astype(np.float64))
        configs[key] = [_ints(m), arg, ties, _ints(dx)]
    if start is None:
        start_key = "632" if controls else preset_list[0]["key"]
    elif start == "seed":
        start_key = "seed"
    else:
        start_key = _pool_key(cfg_of(start))
    if start_key not in configs:
        raise ValueError(f"start {start!r} is not among the embedded configurations")
    used = [configs["seed"]["cfg"]] if "seed" in configs else []
    axes = {}
    for h, wd, k, _, s, _, _ in [*used, *cfgs.values()]:
        for n in (h, wd):
            axes[f"{n},{k},{s}"] = [list(r) for r in _axis(n, k, s, 0, 1)]
    return {
        "kind": "pool",
        "grids": list(POOL_GRIDS),
        "controls": {k: list(v) for k, v in POOL_OPTIONS.items()} if controls else {},
        "presets": preset_list,
        "start": start_key,
        "int": {"x": POOL_X.tolist(), "delta": POOL_DELTA.tolist()},
        "axes": axes,
        "configs": configs,
    }


# ------------------------------------------------------------------ HTML


def _start_cfg(data: Mapping) -> list[int]:
    key = data["start"]
    entry = data["configs"][key]
    if isinstance(entry, dict):
        return entry["cfg"]
    digits = [int(c) for c in key]
    if data["kind"] == "pool":
        h, k, s = digits
        return [h, h, k, k, s, 0, 1]
    return digits


def explorer_html(data: Mapping) -> str:
    """The HTML element of an explorer: its root, the contract's attributes and its data.

    Parameters
    ----------
    data : mapping
        From :func:`conv_explorer_data` or :func:`pool_explorer_data`.

    Returns
    -------
    str
        A ``<div data-explorer="conv|pool" data-config=...>`` holding the data as
        ``<script type="application/json">``; ``explorer.js`` draws the grids into it.

    Examples
    --------
    >>> from cnnbp.viz import explorer_html, pool_explorer_data
    >>> explorer_html(pool_explorer_data(controls=False))[:60]
    '<div class="cnnbp-explorer tex2jax_ignore" data-explorer="po'
    """
    kind = data["kind"]
    if kind not in ("conv", "pool"):
        raise ValueError(f"data['kind'] must be 'conv' or 'pool', got {kind!r}")
    cfg = json.dumps(_cfg_json(_start_cfg(data)), separators=(",", ":"))
    # "</" inside a script element would end it early; JSON allows "<\/" for "</".
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    what = "convolution" if kind == "conv" else "max-pool"
    return (
        f'<div class="cnnbp-explorer tex2jax_ignore" data-explorer="{kind}" '
        f'data-config="{html.escape(cfg)}">'
        f'<script type="application/json" class="cnnbp-explorer-data">{payload}</script>'
        f'<p class="cx-fallback">The interactive {what} explorer needs JavaScript; '
        "the same numbers are computed in the cells of this page.</p></div>"
    )


def show_explorer(data: Mapping) -> None:
    """Show an explorer: its HTML under a notebook kernel, a one-line note in a plain script.

    Parameters
    ----------
    data : mapping
        From :func:`conv_explorer_data` or :func:`pool_explorer_data`.

    Examples
    --------
    >>> from cnnbp.viz import pool_explorer_data, show_explorer
    >>> show_explorer(pool_explorer_data(controls=False))  # no kernel here: a note
    [max-pool explorer: 1 configuration; open the page in a browser to use it]
    """
    markup = explorer_html(data)
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(HTML(markup))
        return
    n = len(data["configs"])
    what = "convolution" if data["kind"] == "conv" else "max-pool"
    print(f"[{what} explorer: {n} configuration{'s' if n != 1 else ''}; "
          "open the page in a browser to use it]")
