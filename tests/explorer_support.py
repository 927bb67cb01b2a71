"""What the explorer tests expect, derived from cnnbp's own gradients, never from the embedded data.

Which cells feed which entry is read off :func:`cnnbp.conv2d_backward` and
:func:`cnnbp.max_pool2d_backward` run on one-hot upstream gradients with one-hot inputs or
kernels, and the values come from cnnbp run on the explorers' input arrays (the integer
arrays of :mod:`cnnbp.viz.explorer`, or the question's numbers in :mod:`cnnbp.seed`).
"""

from __future__ import annotations

import functools

import numpy as np

from cnnbp import conv2d, conv2d_backward, conv2d_output_shape, max_pool2d, max_pool2d_backward
from cnnbp import seed as seed_data
from cnnbp.viz import explorer as ex

SEED_CONV = (5, 5, 2, 2, 1, 0, 1)
SEED_POOL = (4, 4, 2, 2, 2, 0, 1)


def conv_cfg(key: str) -> tuple[int, ...]:
    """(H, W, kh, kw, stride, padding, dilation) of a conv explorer configuration key."""
    return SEED_CONV if key == "seed" else tuple(int(c) for c in key)


def pool_cfg(key: str) -> tuple[int, ...]:
    if key == "seed":
        return SEED_POOL
    h, k, s = (int(c) for c in key)
    return (h, h, k, k, s, 0, 1)


def out_hw(cfg) -> tuple[int, int]:
    h, w, kh, kw, s, p, d = cfg
    return conv2d_output_shape((h, w), (kh, kw), s, p, d)


@functools.cache
def conv_reads_from_dw(cfg) -> np.ndarray:
    """T[i, j, u, v, p, q]: output (i, j)'s tap (p, q) multiplies input cell (u, v).

    From the weight gradient: input channel c is one-hot at cell c, upstream channel n is one-hot
    at output n, so ``dw[n, c, p, q]`` is 1 exactly where output n's tap (p, q) read cell c.
    """
    h, w, kh, kw, s, p, d = cfg
    oh, ow = out_hw(cfg)
    x = np.eye(h * w).reshape(1, h * w, h, w)
    dy = np.eye(oh * ow).reshape(1, oh * ow, oh, ow)
    weights = np.zeros((oh * ow, h * w, kh, kw))
    _, dw, _ = conv2d_backward(dy, x, weights, s, p, d)
    assert set(np.unique(dw)) <= {0.0, 1.0}
    return dw.reshape(oh, ow, h, w, kh, kw) == 1


@functools.cache
def conv_reads_from_dx(cfg) -> np.ndarray:
    """The same T, from the input gradient: one-hot upstream gradients and one-hot kernel taps."""
    h, w, kh, kw, s, p, d = cfg
    oh, ow = out_hw(cfg)
    dy = np.eye(oh * ow).reshape(oh * ow, 1, oh, ow)
    weights = np.eye(kh * kw).reshape(1, kh * kw, kh, kw)
    dx, _, _ = conv2d_backward(dy, np.zeros((oh * ow, kh * kw, h, w)), weights, s, p, d)
    assert set(np.unique(dx)) <= {0.0, 1.0}
    return dx.reshape(oh, ow, kh, kw, h, w).transpose(0, 1, 4, 5, 2, 3) == 1


def conv_inputs(key: str):
    """x, w, δ (float arrays) that the explorer's configuration `key` shows."""
    cfg = conv_cfg(key)
    if key == "seed":
        return (np.array(seed_data.INPUT), np.array(seed_data.KERNEL),
                np.array(seed_data.DELTA_MAP))
    h, w, kh, kw = cfg[:4]
    oh, ow = out_hw(cfg)
    return (ex.INT_X[:h, :w].astype(float), ex.INT_W[:kh, :kw].astype(float),
            ex.INT_DELTA[:oh, :ow].astype(float))


def conv_values(key: str) -> dict[str, np.ndarray]:
    """Every grid of configuration `key`, computed by cnnbp."""
    x, w, delta = conv_inputs(key)
    s, p, d = conv_cfg(key)[4:]
    y = conv2d(x[None, None], w[None, None], None, s, p, d)[0, 0]
    dx, dw, _ = conv2d_backward(delta[None, None], x[None, None], w[None, None], s, p, d)
    return {"x": x, "w": w, "delta": delta, "y": y, "dw": dw[0, 0], "dx": dx[0, 0]}


def conv_expected(key: str, grid: str, r: int, c: int) -> set[tuple[str, int, int]]:
    """The cells that must light up when cell (r, c) of `grid` is selected."""
    cfg = conv_cfg(key)
    if grid == "dx":
        t = conv_reads_from_dx(cfg)[:, :, r, c]  # (i, j, p, q)
        return {("delta", i, j) for i, j in zip(*np.nonzero(t.any(axis=(2, 3))), strict=True)} | {
            ("w", p, q) for p, q in zip(*np.nonzero(t.any(axis=(0, 1))), strict=True)
        }
    t = conv_reads_from_dw(cfg)
    if grid == "dw":
        t = t[:, :, :, :, r, c]  # (i, j, u, v)
        return {("delta", i, j) for i, j in zip(*np.nonzero(t.any(axis=(2, 3))), strict=True)} | {
            ("x", u, v) for u, v in zip(*np.nonzero(t.any(axis=(0, 1))), strict=True)
        }
    assert grid == "y", grid
    t = t[r, c]  # (u, v, p, q)
    return {("x", u, v) for u, v in zip(*np.nonzero(t.any(axis=(2, 3))), strict=True)} | {
        ("w", p, q) for p, q in zip(*np.nonzero(t.any(axis=(0, 1))), strict=True)
    }


def conv_unread(key: str) -> set[tuple[int, int]]:
    """Input cells that no window reads (their gradient is structurally zero)."""
    t = conv_reads_from_dw(conv_cfg(key))
    return {(int(u), int(v)) for u, v in np.argwhere(~t.any(axis=(0, 1, 4, 5)))}


def pool_inputs(key: str):
    if key == "seed":
        return np.array(seed_data.forward_pass().y), np.array(seed_data.DELTA_POOLED)
    h, _, k, _, s, _, _ = pool_cfg(key)
    oh, ow = out_hw((h, h, k, k, s, 0, 1))
    return ex.POOL_X[:h, :h].astype(float), ex.POOL_DELTA[:oh, :ow].astype(float)


@functools.cache
def pool_windows(key: str) -> np.ndarray:
    """W[i, j, u, v]: cell (u, v) lies in window (i, j), read off max_pool2d_backward.

    Image c is -1 everywhere and +1 at cell c: a window holding c has c as its only maximum
    and routes its delta there; a window without it routes elsewhere.
    """
    h, w, k, _, s, _, _ = pool_cfg(key)
    oh, ow = out_hw((h, w, k, k, s, 0, 1))
    x = 2 * np.eye(h * w).reshape(h * w, 1, h, w) - 1
    out = np.zeros((oh, ow, h, w), dtype=bool)
    for i in range(oh):
        for j in range(ow):
            dy = np.zeros((h * w, 1, oh, ow))
            dy[:, 0, i, j] = 1
            routed = max_pool2d_backward(dy, x, k, s)[:, 0].reshape(h * w, h * w)
            out[i, j] = (np.diag(routed) == 1).reshape(h, w)
    return out


def pool_values(key: str) -> dict[str, np.ndarray]:
    x, delta = pool_inputs(key)
    _, _, k, _, s, _, _ = pool_cfg(key)
    m = max_pool2d(x[None, None], k, s)[0, 0]
    dx = max_pool2d_backward(delta[None, None], x[None, None], k, s)[0, 0]
    return {"x": x, "delta": delta, "pooled": m, "dx": dx}


@functools.cache
def pool_route(key: str, i: int, j: int) -> tuple[int, int]:
    """Where window (i, j) sends its delta: one-hot upstream gradient through cnnbp."""
    x, delta = pool_inputs(key)
    _, _, k, _, s, _, _ = pool_cfg(key)
    dy = np.zeros((1, 1, *delta.shape))
    dy[0, 0, i, j] = 1
    (r,), (c,) = np.nonzero(max_pool2d_backward(dy, x[None, None], k, s)[0, 0])
    return int(r), int(c)


def pool_expected(key: str, grid: str, r: int, c: int) -> set[tuple[str, int, int]]:
    if grid == "pooled":
        return {("x", int(u), int(v)) for u, v in np.argwhere(pool_windows(key)[r, c])}
    assert grid == "dx", grid
    _, delta = pool_inputs(key)
    return {
        ("delta", i, j) for i, j in np.ndindex(delta.shape) if pool_route(key, i, j) == (r, c)
    }
