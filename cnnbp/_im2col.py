r"""The windows of an input laid out as columns (im2col), and columns added back (col2im).

Nothing here is public API and nothing here validates: :mod:`cnnbp.conv`, :mod:`cnnbp.pool`
and :mod:`cnnbp.views` call these after :mod:`cnnbp._validate` has checked the arguments.
Arrays are NCHW; ``kernel_hw``, ``stride``, ``padding``, ``dilation`` and ``out_hw`` are pairs
of ints. Window ``(i, j)``, tap ``(p, q)`` of channel ``c`` reads
``x_pad[n, c, i*s_h + p*d_h, j*s_w + q*d_w]``; its column entry is

* ``cols[n, (c*kh + p)*kw + q, i*W_out + j]`` in the default layout, ``(N, C*kh*kw, P)`` with
  ``P = H_out*W_out``: one matrix product per image;
* ``cols[(c*kh + p)*kw + q, (i*W_out + j)*N + n]`` with ``batch_last``, ``(C*kh*kw, P*N)``:
  the batch folded into one product, innermost, so that copies and adds run over ``W_out*N``
  entries at a time instead of ``W_out`` (LeNet's second layer, 10x10 outputs: 1.2x to 1.5x
  faster), chosen by :func:`batch_last` for batches of small planes.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["SMALL", "batch_last", "col2im", "im2col", "positions", "windows"]

# Up to this many column entries a call costs numpy's per-call overhead (~1 µs each), not
# arithmetic: the columns are then gathered with one `take` and added back with one `bincount`
# through a flat index map (`positions`), instead of kh*kw strided copies and adds. The seed's
# conv -> max-pool, forward and backward: 3x to 4x faster; caching the maps per shape, 1.6x to
# 2.6x more.
SMALL = 4096


def batch_last(n: int, out_hw) -> bool:
    """The layout for a batch of `n` images with `out_hw` outputs each: batch last if small."""
    return n > 1 and out_hw[0] * out_hw[1] < 256


def windows(x, kernel_hw, stride, dilation, out_hw, writeable=False) -> np.ndarray:
    """View of shape ``(N, C, H_out, W_out, kh, kw)``: ``[n, c, i, j, p, q]`` is
    ``x[n, c, i*s_h + p*d_h, j*s_w + q*d_w]``. No copy, only strides."""
    (sh, sw), (dh, dw), (s0, s1, s2, s3) = stride, dilation, x.strides
    shape = (*x.shape[:2], *out_hw, *kernel_hw)
    return as_strided(x, shape, (s0, s1, s2 * sh, s3 * sw, s2 * dh, s3 * dw), writeable=writeable)


def _zeros(shape, dtype, last: bool) -> np.ndarray:
    """NCHW zeros, stored batch innermost when `last`."""
    n, c, h, w = shape
    return np.zeros((c, h, w, n), dtype).transpose(3, 0, 1, 2) if last else np.zeros(shape, dtype)


def _order(last: bool):
    """Axes of the windows view, ``(n, c, i, j, p, q)``, in the order of the columns' layout."""
    return (1, 4, 5, 2, 3, 0) if last else (0, 1, 4, 5, 2, 3)


def _strided_cols(xp, kernel_hw, stride, dilation, out_hw, last) -> np.ndarray:
    cols = windows(xp, kernel_hw, stride, dilation, out_hw).transpose(_order(last)).copy()
    n, k, p = xp.shape[0], xp.shape[1] * math.prod(kernel_hw), math.prod(out_hw)
    return cols.reshape((k, p * n) if last else (n, k, p))


@functools.lru_cache(maxsize=64)
def positions(xp_shape, kernel_hw, stride, dilation, out_hw, last=False) -> np.ndarray:
    """Where each column entry is read: the columns of an array of `xp_shape` whose entries are
    their own flat indices (read-only, cached per shape)."""
    flat = np.arange(math.prod(xp_shape)).reshape(xp_shape)
    cols = _strided_cols(flat, kernel_hw, stride, dilation, out_hw, last)
    cols.flags.writeable = False
    return cols


def im2col(x, kernel_hw, stride, padding, dilation, out_hw, last=False) -> np.ndarray:
    """The columns of the padded input, in the layout `last` picks (see the module): a fresh array."""
    (n, c, h, w), (ph, pw) = x.shape, padding
    xp_shape = (n, c, h + 2 * ph, w + 2 * pw)
    small = n * c * kernel_hw[0] * kernel_hw[1] * out_hw[0] * out_hw[1] <= SMALL
    xp = x
    if ph or pw or (last and not small):  # one copy pads and, batch last, moves the batch inwards
        xp = _zeros(xp_shape, x.dtype, last and not small)
        xp[:, :, ph : ph + h, pw : pw + w] = x
    if small:
        return xp.take(positions(xp_shape, kernel_hw, stride, dilation, out_hw, last))
    return _strided_cols(xp, kernel_hw, stride, dilation, out_hw, last)


def col2im(cols, x_shape, kernel_hw, stride, padding, dilation, out_hw, last=False) -> np.ndarray:
    """Adjoint of :func:`im2col`: add every column entry back where it was read, crop the padding."""
    (n, c, h, w), (kh, kw), (ph, pw) = x_shape, kernel_hw, padding
    xp_shape = (n, c, h + 2 * ph, w + 2 * pw)
    if cols.size <= SMALL:
        where = positions(xp_shape, kernel_hw, stride, dilation, out_hw, last)
        dxp = np.bincount(where.ravel(), cols.ravel(), math.prod(xp_shape)).reshape(xp_shape)
        # bincount adds in float64; the copy also drops the cropped padding
        return dxp[:, :, ph : ph + h, pw : pw + w].astype(cols.dtype, copy=bool(ph or pw))
    order, dims = _order(last), (n, c, *out_hw, kh, kw)
    slabs = cols.reshape([dims[a] for a in order]).transpose(np.argsort(order))  # like windows
    dxp = _zeros(xp_shape, cols.dtype, last)
    if stride == (1, 1):
        # Each tap's slab is tap (0, 0)'s moved by p*d_h rows and q*d_w columns: write it where
        # tap (0, 0) reads, in a zeroed buffer like dxp, and add the whole buffer shifted by
        # that many strides as one contiguous run (no entry that is not zero leaves its plane).
        # A strided copy and a contiguous add per tap instead of a strided add over rows only
        # W_out long: MNIST's first layer, col2im 2x faster.
        buf = _zeros(xp_shape, cols.dtype, last)
        first = windows(buf, kernel_hw, stride, dilation, out_hw, writeable=True)[..., 0, 0]
        flat, flat_buf = dxp.ravel(order="K"), buf.ravel(order="K")
        rows, columns = (s // dxp.itemsize for s in dxp.strides[2:])
        for p in range(kh):
            for q in range(kw):
                first[...] = slabs[..., p, q]
                shift = p * dilation[0] * rows + q * dilation[1] * columns
                target = flat[shift:]
                np.add(target, flat_buf[: flat.size - shift], out=target)
    else:
        win = windows(dxp, kernel_hw, stride, dilation, out_hw, writeable=True)
        for p in range(kh):
            for q in range(kw):
                target = win[..., p, q]
                np.add(target, slabs[..., p, q], out=target)
    return np.ascontiguousarray(dxp[:, :, ph : ph + h, pw : pw + w])
