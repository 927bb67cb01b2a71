r"""2-D convolution (cross-correlation, as in PyTorch): forward, backward, and its equivalent views.

The fast default path builds the *im2col* matrix from a strided view (no Python loop over
positions) and multiplies it with the weights in one matrix product; the backward pass reuses
one im2col-sized buffer for both the weight gradient and the input-gradient columns, and adds
those columns back with one vectorised add per kernel offset. The same computations written as
plain loops live in :mod:`cnnbp.loops`; ``benchmarks/`` times this path against PyTorch.

Three more views of the same linear map, each proven equal to :func:`conv2d_backward` by the
tests:

* :func:`conv2d_matrix` — the dense matrix :math:`C` with ``y = C @ x`` (per image);
  the input gradient is then :math:`C^\top \delta`.
* :func:`conv_transpose2d` — the adjoint of the convolution, i.e. multiplication by
  :math:`C^\top` without forming :math:`C`.
* :func:`delta_full_conv` — the input gradient as a *full* convolution of the (stride-dilated)
  delta with the 180°-rotated kernel.

Index conventions used throughout: ``x`` is ``(N, C_in, H, W)``, ``w`` is
``(C_out, C_in, kh, kw)``, ``y`` and ``dy`` are ``(N, C_out, H_out, W_out)``; stride
:math:`(s_h, s_w)`, padding :math:`(p_h, p_w)` (zeros on both sides), dilation
:math:`(d_h, d_w)`.
"""

from __future__ import annotations

import functools

import numpy as np

from ._validate import as_array, as_int, as_pair, check_ndim, check_shape, common_dtype

__all__ = [
    "col2im",
    "conv2d",
    "conv2d_backward",
    "conv2d_matrix",
    "conv2d_output_shape",
    "conv_transpose2d",
    "delta_full_conv",
    "im2col",
]


# --------------------------------------------------------------------------------------------
# argument handling shared with cnnbp.loops
# --------------------------------------------------------------------------------------------


def _out_len(n: int, k: int, s: int, p: int, d: int, axis: str, what: str) -> int:
    """Output length along one axis; ValueError if the dilated kernel overhangs the padded input."""
    extent = d * (k - 1) + 1
    if n + 2 * p < extent:
        raise ValueError(
            f"{what}: the kernel's {axis} extent {extent} (size {k}, dilation {d}) is larger than "
            f"the padded input {axis} {n} + 2*{p} = {n + 2 * p}"
        )
    return (n + 2 * p - extent) // s + 1


def _hyper(stride, padding, dilation):
    """Normalise stride, padding and dilation to pairs of ints, validating each."""
    # Plain ints are by far the common case; as_pair's general checks cost a few µs per call,
    # which matters when a whole tiny layer takes ~20 µs.
    if (
        type(stride) is int
        and type(padding) is int
        and type(dilation) is int
        and stride >= 1
        and padding >= 0
        and dilation >= 1
    ):
        return (stride, stride), (padding, padding), (dilation, dilation)
    return (
        as_pair(stride, "stride", 1),
        as_pair(padding, "padding", 0),
        as_pair(dilation, "dilation", 1),
    )


_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _as_array(a, name):
    """``as_array`` with a shortcut for float32/float64 ndarrays (they pass unchanged)."""
    if type(a) is np.ndarray and (a.dtype is _F64 or a.dtype is _F32):
        return a
    return as_array(a, name)


def _check_nonempty(a: np.ndarray, name: str) -> None:
    if 0 in a.shape:
        raise ValueError(f"{name} has an empty dimension: shape {a.shape}")


# Outcomes of _conv_args for argument signatures already seen. With exact ndarrays and plain
# int hyper-parameters, every check depends only on the shapes, dtypes and those ints, so a
# signature that once passed without any conversion passes again unchanged: a repeat call
# costs one dict lookup (~1 µs) instead of the ~6 µs of checks, which is most of a tiny
# layer's time. Failures and converting calls are never stored, so errors are unchanged.
_SEEN_CONV: dict = {}
_SEEN_MAX = 256


def _conv_key(x, w, b, dy, stride, padding, dilation):
    """Hashable signature of a call, or None when the fast path does not apply."""
    if (
        type(x) is np.ndarray
        and type(w) is np.ndarray
        and (b is None or type(b) is np.ndarray)
        and (dy is None or type(dy) is np.ndarray)
        and type(stride) is int
        and type(padding) is int
        and type(dilation) is int
    ):
        return (
            x.shape, x.dtype, w.shape, w.dtype,
            None if b is None else b.shape, None if b is None else b.dtype,
            None if dy is None else dy.shape, None if dy is None else dy.dtype,
            stride, padding, dilation,
        )  # fmt: skip
    return None


def _conv_args(x, w, b=None, stride=1, padding=0, dilation=1, dy=None):
    """Validate and normalise the arguments of a convolution (forward or backward).

    Returns ``(x, w, b, dy, stride, padding, dilation, out_hw)``; arrays converted to one
    common float dtype (never modified in place), hyper-parameters as pairs of ints. `b` and
    `dy` stay ``None`` when not given. Shared by :mod:`cnnbp.conv` and :mod:`cnnbp.loops`
    so that both raise the same errors.
    """
    key = _conv_key(x, w, b, dy, stride, padding, dilation)
    seen = _SEEN_CONV.get(key)  # a None key is never stored
    if seen is not None:
        return (x, w, b, dy, *seen)
    out = _check_conv_args(x, w, b, stride, padding, dilation, dy)
    if key is not None and out[0] is x and out[1] is w and out[2] is b and out[3] is dy:
        if len(_SEEN_CONV) >= _SEEN_MAX:
            _SEEN_CONV.clear()
        _SEEN_CONV[key] = out[4:]
    return out


def _check_conv_args(x, w, b, stride, padding, dilation, dy):
    """The checks and conversions of :func:`_conv_args`, run on every new signature."""
    x = _as_array(x, "x")
    check_ndim(x, 4, "x", "(N, C_in, H, W)")
    _check_nonempty(x, "x")
    w = _as_array(w, "w")
    check_ndim(w, 4, "w", "(C_out, C_in, kh, kw)")
    _check_nonempty(w, "w")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"channel mismatch: w has C_in={w.shape[1]} (w shape {w.shape}) but x has "
            f"C={x.shape[1]} channels (x shape {x.shape})"
        )
    dtype = x.dtype
    same = w.dtype == dtype
    if b is not None:
        b = _as_array(b, "b")
        if b.shape != (w.shape[0],):
            check_shape(b, (w.shape[0],), "b", f"one bias per output channel of w {w.shape}")
        same = same and b.dtype == dtype
    st, pad, dil = _hyper(stride, padding, dilation)
    try:
        out_hw = (
            _out_len(x.shape[2], w.shape[2], st[0], pad[0], dil[0], "height", "conv2d"),
            _out_len(x.shape[3], w.shape[3], st[1], pad[1], dil[1], "width", "conv2d"),
        )
    except ValueError as err:
        raise ValueError(f"{err} (x shape {x.shape}, w shape {w.shape})") from None
    if dy is not None:
        dy = _as_array(dy, "dy")
        check_ndim(dy, 4, "dy", "(N, C_out, H_out, W_out)")
        expected = (x.shape[0], w.shape[0], *out_hw)
        if dy.shape != expected:  # the message is only formatted when it is needed
            check_shape(
                dy,
                expected,
                "dy",
                f"the forward output's shape for x {x.shape}, w {w.shape}, stride {st}, "
                f"padding {pad}, dilation {dil}",
            )
        same = same and dy.dtype == dtype
    if not same:
        dtype = common_dtype(*(a for a in (x, w, b, dy) if a is not None))
        x = x.astype(dtype, copy=False)
        w = w.astype(dtype, copy=False)
        if b is not None:
            b = b.astype(dtype, copy=False)
        if dy is not None:
            dy = dy.astype(dtype, copy=False)
    return x, w, b, dy, st, pad, dil, out_hw


# --------------------------------------------------------------------------------------------
# fast kernels (no validation)
# --------------------------------------------------------------------------------------------


def _pad(x: np.ndarray, ph: int, pw: int) -> np.ndarray:
    """Zero-pad the last two axes; allocate-and-assign (np.pad costs ~27 µs on tiny arrays)."""
    if ph == 0 and pw == 0:
        return x
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    xp[:, :, ph : ph + h, pw : pw + w] = x
    return xp


def _windows(xp, kh, kw, out_hw, st, dil):
    """Read-only strided view ``(N, C, kh, kw, H_out, W_out)`` of the padded input.

    Built with the ``ndarray`` constructor on `xp`'s buffer (about 1 µs) rather than
    ``as_strided`` (about 10 µs); the buffer needs a C-contiguous array.
    """
    if not xp.flags.c_contiguous:
        xp = np.ascontiguousarray(xp)
    n, c = xp.shape[:2]
    s0, s1, s2, s3 = xp.strides
    win = np.ndarray(
        (n, c, kh, kw, out_hw[0], out_hw[1]),
        xp.dtype,
        xp,
        0,
        (s0, s1, s2 * dil[0], s3 * dil[1], s2 * st[0], s3 * st[1]),
    )
    win.flags.writeable = False
    return win


def _layout(n: int, c_in: int, k: int, p: int) -> str:
    """Which im2col layout the fast path uses for a batch.

    * ``"image"``: ``(N, K, P)``, one product per image, written straight into NCHW; best
      with few input channels (tall per-image products) or a single image.
    * ``"batch"``: ``(K, N*P)`` with columns ordered ``(n, i, j)``: the batch folded into
      one product, for many small images.
    * ``"chwn"``: ``(K, P*N)`` with columns ordered ``(i, j, n)``: also one product, but the
      batch is the innermost axis, so the gather and the scatter-add run over contiguous
      stretches of N entries instead of short image rows (wins for large batches).
    """
    if n == 1 or c_in * k < 16 or p > 256:
        return "image"
    return "chwn" if n >= 32 else "batch"


# Below this many im2col entries, per-call overhead dominates: gather with one `take` and
# scatter with one `bincount` through a cached index map instead of kh*kw strided slices.
_SMALL = 4096


@functools.lru_cache(maxsize=128)
def _index_map(n, c, hp, wp, kh, kw, st, dil, out_hw):
    """Flat indices into a padded ``(n, c, hp, wp)`` array, laid out like im2col's (N, K, P)."""
    ni, ci, p, q, i, j = np.ix_(
        np.arange(n), np.arange(c), np.arange(kh), np.arange(kw),
        np.arange(out_hw[0]), np.arange(out_hw[1]),
    )  # fmt: skip
    flat = ((ni * c + ci) * hp + i * st[0] + p * dil[0]) * wp + j * st[1] + q * dil[1]
    idx = np.ascontiguousarray(
        np.broadcast_to(flat, (n, c, kh, kw, *out_hw)).reshape(n, c * kh * kw, -1)
    )
    idx.flags.writeable = False
    return idx


class _TinyPlan:
    """Everything the small path needs for one shape signature, computed once.

    On tiny inputs each numpy call costs 1-3 µs and so does each layer of Python between the
    public function and the arithmetic, so the small path runs from this precomputed record:
    the gather map (one image's ``(K, P)`` map when N == 1, which `take` turns straight into
    the 2-D operand of ``ndarray.dot``), its 1-D view for ``bincount``, ``ones(P)`` per dtype
    (``db`` as a dot: ~3x cheaper than a ufunc reduce) and the shapes.
    """

    __slots__ = ("co", "entries", "flat", "idx", "n", "ones", "ph", "pw", "w_shape", "x_shape",
                 "xp_len", "xp_shape", "y_shape")  # fmt: skip

    def __init__(self, x_shape, w_shape, st, pad, dil, out_hw):
        n, c, h, wd = x_shape
        co, _, kh, kw = w_shape
        self.n, self.co, (self.ph, self.pw) = n, co, pad
        self.x_shape, self.w_shape = x_shape, w_shape
        self.xp_shape = (n, c, h + 2 * pad[0], wd + 2 * pad[1])
        self.xp_len = n * c * self.xp_shape[2] * self.xp_shape[3]
        self.y_shape = (n, co, *out_hw)
        self.entries = n * c * kh * kw * out_hw[0] * out_hw[1]
        idx = _index_map(n, c, *self.xp_shape[2:], kh, kw, st, dil, out_hw)
        self.idx = idx[0] if n == 1 else idx
        self.flat = idx.reshape(-1)
        self.ones = {dt: np.ones(out_hw[0] * out_hw[1], dt) for dt in (_F32, _F64)}


# Plans by call signature (the keys of _SEEN_CONV): a repeat call with the same shapes,
# dtypes and int hyper-parameters goes straight from the public function to the small path.
_PLANS: dict = {}


def _plan_for(key, x, w, st, pad, dil, out_hw):
    """The plan for these (validated) shapes; remembered under `key` when that is safe.

    Safe means `_conv_args` stored the key: the call passed every check without converting
    an array, so the same signature will again.
    """
    plan = _TinyPlan(x.shape, w.shape, st, pad, dil, out_hw)
    if key is not None and key in _SEEN_CONV:
        if len(_PLANS) >= _SEEN_MAX:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def _small(n, k, p):
    return n * k * p <= _SMALL


def _im2col_cols(x, kh, kw, st, pad, dil, out_hw, layout="image"):
    """Im2col matrix in the given layout (see :func:`_layout`); always a fresh array."""
    n, c, h, w = x.shape
    k, p = c * kh * kw, out_hw[0] * out_hw[1]
    if layout == "image" and _small(n, k, p):
        idx = _index_map(n, c, h + 2 * pad[0], w + 2 * pad[1], kh, kw, st, dil, out_hw)
        return _pad(x, *pad).take(idx)
    if layout == "chwn":
        # (C, H+2ph, W+2pw, N): the transposing copy doubles as the padding copy
        xp = np.zeros((c, h + 2 * pad[0], w + 2 * pad[1], n), dtype=x.dtype)
        xp[:, pad[0] : pad[0] + h, pad[1] : pad[1] + w] = x.transpose(1, 2, 3, 0)
        s0, s1, s2, s3 = xp.strides
        win = np.ndarray(
            (c, kh, kw, *out_hw, n),
            xp.dtype,
            xp,
            0,
            (s0, s1 * dil[0], s2 * dil[1], s1 * st[0], s2 * st[1], s3),
        )
        return win.copy().reshape(k, p * n)
    win = _windows(_pad(x, *pad), kh, kw, out_hw, st, dil)
    if layout == "batch":
        return win.transpose(1, 2, 3, 0, 4, 5).copy().reshape(k, n * p)
    # .copy(), not ascontiguousarray: the latter may return the read-only view of x itself
    return win.copy().reshape(n, k, p)


def _scatter(dcols, x_shape, kernel_hw, st, pad, dil, out_hw, layout="image"):
    """Adjoint of the im2col gather: add every kernel offset's slab back where it was read.

    `dcols` is in the im2col layout `layout`. One strided add per kernel offset (kh*kw
    vectorised adds instead of a scatter per entry); tiny inputs use one ``bincount``.
    """
    n, c, h, w = x_shape
    kh, kw = kernel_hw
    ph, pw = pad
    ho, wo = out_hw
    sh, sw = st
    hp, wp = h + 2 * ph, w + 2 * pw
    dtype = dcols.dtype
    if layout == "image" and _small(n, c * kh * kw, ho * wo):
        idx = _index_map(n, c, hp, wp, kh, kw, st, dil, out_hw)
        dxp = np.bincount(idx.ravel(), dcols.ravel(), n * c * hp * wp).reshape(n, c, hp, wp)
        if ph or pw:
            dxp = dxp[:, :, ph : ph + h, pw : pw + w]
        return dxp.astype(dtype, copy=bool(ph or pw))  # bincount works in float64
    if layout == "chwn":
        dc = dcols.reshape(c, kh, kw, ho, wo, n)
        dxp = np.zeros((c, hp, wp, n), dtype=dtype)
    elif layout == "batch":
        dc = dcols.reshape(c, kh, kw, n, ho, wo)
        dxp = np.zeros((c, n, hp, wp), dtype=dtype)
    else:
        dc = dcols.reshape(n, c, kh, kw, ho, wo).transpose(2, 3, 0, 1, 4, 5)
        dxp = np.zeros((n, c, hp, wp), dtype=dtype)
    for i in range(kh):
        r0 = i * dil[0]
        rows = slice(r0, r0 + sh * (ho - 1) + 1, sh)
        for j in range(kw):
            c0 = j * dil[1]
            cols = slice(c0, c0 + sw * (wo - 1) + 1, sw)
            if layout == "chwn":
                target, slab = dxp[:, rows, cols], dc[:, i, j]
            elif layout == "batch":
                target, slab = dxp[:, :, rows, cols], dc[:, i, j]
            else:
                target, slab = dxp[:, :, rows, cols], dc[i, j]
            # np.add with out= skips the copy-back that `target += ...` does via __setitem__
            np.add(target, slab, out=target)
    if layout == "chwn":
        return dxp[:, ph : ph + h, pw : pw + w].transpose(3, 0, 1, 2).copy()
    if layout == "batch":
        return dxp[:, :, ph : ph + h, pw : pw + w].transpose(1, 0, 2, 3).copy()
    if ph or pw:
        return dxp[:, :, ph : ph + h, pw : pw + w].copy()
    return dxp


def _forward_small(x, w, b, plan):
    if plan.ph or plan.pw:
        x = _pad(x, plan.ph, plan.pw)
    wmat = w.reshape(plan.co, -1)
    # ndarray.dot skips matmul's gufunc dispatch for the single image's 2-D product
    y = wmat.dot(x.take(plan.idx)) if plan.n == 1 else np.matmul(wmat, x.take(plan.idx))
    if b is not None:
        y += b[:, None]  # indexing makes this view faster than reshape does
    return y.reshape(plan.y_shape)


def _backward_small(dy, x, w, plan):
    n, co, ph, pw = plan.n, plan.co, plan.ph, plan.pw
    if ph or pw:
        x = _pad(x, ph, pw)
    wmat = w.reshape(co, -1)
    if n == 1:
        dy2 = dy.reshape(co, -1)
        db = dy2.dot(plan.ones[dy.dtype])
        dw = dy2.dot(x.take(plan.idx).T)
        dcols = wmat.T.dot(dy2)
    else:
        cols = x.take(plan.idx)  # (N, K, P)
        dy3 = dy.reshape(n, co, -1)
        db = np.add.reduce(dy3, axis=(0, 2))  # skips ndarray.sum's Python-level wrapper
        dw = np.add.reduce(np.matmul(dy3, cols.transpose(0, 2, 1)), axis=0)
        dcols = np.matmul(wmat.T, dy3)
    dxp = np.bincount(plan.flat, dcols.reshape(-1), plan.xp_len).reshape(plan.xp_shape)
    if ph or pw:
        dxp = dxp[:, :, ph : ph + plan.x_shape[2], pw : pw + plan.x_shape[3]]
    # bincount works in float64; the copy also drops the cropped padding's buffer
    return dxp.astype(dy.dtype, copy=bool(ph or pw)), dw.reshape(plan.w_shape), db


def _forward(x, w, b, st, pad, dil, out_hw, key=None):
    n, c = x.shape[:2]
    co, _, kh, kw = w.shape
    k, p = c * kh * kw, out_hw[0] * out_hw[1]
    layout = _layout(n, c, k, p)
    if n * k * p <= _SMALL and layout == "image":
        return _forward_small(x, w, b, _plan_for(key, x, w, st, pad, dil, out_hw))
    wmat = w.reshape(co, k)
    cols = _im2col_cols(x, kh, kw, st, pad, dil, out_hw, layout)
    if layout == "image":
        y = np.matmul(wmat, cols)
        if b is not None:
            y += b[:, None]
        return y.reshape(n, co, *out_hw)
    if x.dtype == _F32:
        # OpenBLAS's sgemm is much slower on the short, wide product W @ cols (C_out rows)
        # than on its transpose cols.T @ W.T; dgemm shows no such gap.
        yt = cols.T @ wmat.T
        if b is not None:
            yt += b
        if layout == "chwn":
            return yt.reshape(*out_hw, n, co).transpose(2, 3, 0, 1).copy()
        return yt.reshape(n, *out_hw, co).transpose(0, 3, 1, 2).copy()
    y = wmat @ cols
    if b is not None:
        y += b.reshape(co, 1)
    if layout == "chwn":
        return y.reshape(co, *out_hw, n).transpose(3, 0, 1, 2).copy()
    return y.reshape(co, n, *out_hw).transpose(1, 0, 2, 3).copy()


def _backward(dy, x, w, st, pad, dil, out_hw, key=None):
    n, c = x.shape[:2]
    co, _, kh, kw = w.shape
    k, p = c * kh * kw, out_hw[0] * out_hw[1]
    layout = _layout(n, c, k, p)
    if n * k * p <= _SMALL and layout == "image":
        return _backward_small(dy, x, w, _plan_for(key, x, w, st, pad, dil, out_hw))
    wmat = w.reshape(co, k)
    cols = _im2col_cols(x, kh, kw, st, pad, dil, out_hw, layout)
    if layout == "image":
        dy3 = dy.reshape(n, co, p)
        if n == 1:
            dy2 = dy.reshape(co, p)
            db = np.add.reduce(dy2, axis=1)  # skips ndarray.sum's Python-level wrapper
            dw = (dy2 @ cols.reshape(k, p).T).reshape(w.shape)
        else:
            db = dy3.sum(axis=(0, 2))
            if x.dtype == _F32:  # the transposed product is faster in sgemm (see _forward)
                dw = np.matmul(cols, dy3.transpose(0, 2, 1)).sum(axis=0).T.reshape(w.shape)
            else:
                dw = np.matmul(dy3, cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
        # The im2col buffer is no longer needed: the input-gradient columns overwrite it.
        np.matmul(wmat.T, dy3, out=cols)
    else:
        order = (1, 2, 3, 0) if layout == "chwn" else (1, 0, 2, 3)
        dyf = dy.transpose(order).reshape(co, n * p)  # a copy: dy is NCHW
        db = dyf.sum(axis=1)
        if x.dtype == _F32:  # the transposed product is faster in sgemm (see _forward)
            dw = (cols @ dyf.T).T.reshape(w.shape)
        else:
            dw = (dyf @ cols.T).reshape(w.shape)
        np.matmul(wmat.T, dyf, out=cols)
    dx = _scatter(cols, x.shape, (kh, kw), st, pad, dil, out_hw, layout)
    return dx, dw, db


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def conv2d_output_shape(in_hw, kernel_hw, stride=1, padding=0, dilation=1) -> tuple[int, int]:
    r"""Spatial size ``(H_out, W_out)`` of a convolution's output.

    Parameters
    ----------
    in_hw : int or (int, int)
        Input height and width ``(H, W)``.
    kernel_hw : int or (int, int)
        Kernel height and width ``(kh, kw)``.
    stride, padding, dilation : int or (int, int), optional
        As in :func:`conv2d`.

    Returns
    -------
    (int, int)
        ``(H_out, W_out)``.

    Raises
    ------
    TypeError
        If a size is not an integer.
    ValueError
        If a size is < 1, padding < 0, or the dilated kernel is larger than the padded input.

    Notes
    -----
    The dilated kernel covers :math:`d(k-1)+1` input positions; it fits
    :math:`\lfloor (H + 2p - d(k-1) - 1)/s \rfloor + 1` times along an axis of length
    :math:`H` padded by :math:`p` on both sides with stride :math:`s`:

    .. math::
        H_\text{out} = \left\lfloor \frac{H + 2p_h - d_h(k_h - 1) - 1}{s_h} \right\rfloor + 1 .

    Input rows past the last window's reach (when the division is not exact) are read by no
    window, so their gradient is zero.

    Examples
    --------
    >>> from cnnbp import conv2d_output_shape
    >>> conv2d_output_shape((5, 5), (2, 2))
    (4, 4)
    >>> conv2d_output_shape((28, 28), 3, stride=2, padding=1)
    (14, 14)
    >>> conv2d_output_shape((7, 9), (3, 2), dilation=(2, 3))
    (3, 6)
    """
    h, w_ = as_pair(in_hw, "in_hw", 1)
    kh, kw = as_pair(kernel_hw, "kernel_hw", 1)
    st, pad, dil = _hyper(stride, padding, dilation)
    return (
        _out_len(h, kh, st[0], pad[0], dil[0], "height", "conv2d_output_shape"),
        _out_len(w_, kw, st[1], pad[1], dil[1], "width", "conv2d_output_shape"),
    )


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    r"""2-D convolution layer (cross-correlation, like PyTorch's ``conv2d``), batched and multi-channel.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W)
        Input batch.
    w : array_like, shape (C_out, C_in, kh, kw)
        Kernels, one ``(C_in, kh, kw)`` stack per output channel.
    b : array_like, shape (C_out,), optional
        One bias per output channel (not per position). ``None``: no bias.
    stride : int or (int, int), optional
        Step between neighbouring windows, >= 1.
    padding : int or (int, int), optional
        Zeros added on both sides of each spatial axis, >= 0.
    dilation : int or (int, int), optional
        Spacing between kernel taps, >= 1 (1 = contiguous kernel).

    Returns
    -------
    y : ndarray, shape (N, C_out, H_out, W_out)
        Sizes from :func:`conv2d_output_shape`. dtype: float32 if all inputs are float32,
        else float64.

    Raises
    ------
    TypeError
        Non-numeric arrays or non-integer hyper-parameters.
    ValueError
        Wrong number of dimensions, channel mismatch, bias of the wrong length, stride or
        dilation < 1, padding < 0, a tuple of the wrong length, or a kernel larger than the
        padded, dilated input. The message names the parameter and the shapes.

    See Also
    --------
    conv2d_backward : the gradients.
    cnnbp.loops.conv2d : the same function as plain loops.

    Notes
    -----
    With :math:`x^\text{pad}` the zero-padded input,

    .. math::
        y_{n,o,i,j} = b_o + \sum_{c}\sum_{p}\sum_{q}
            w_{o,c,p,q}\; x^\text{pad}_{n,\,c,\; i s_h + p d_h,\; j s_w + q d_w} .

    For one channel, stride 1, no padding and no dilation this is the familiar
    :math:`y_{ij} = \sum_m\sum_n w_{mn}\, x_{i+m,\,j+n} + b`: the kernel is *not* flipped
    (cross-correlation).

    Computation: the windows of the padded input are laid out as the columns of a matrix
    (im2col, ``(C_in*kh*kw, H_out*W_out)`` per image, copied from a strided view), and the
    whole layer is the product ``w.reshape(C_out, -1) @ cols``. With few input channels the
    per-image products write NCHW directly; for a batch of small images the batch is folded
    into one product (for large batches with the batch as the innermost axis of the columns,
    so that every copy runs over long contiguous stretches). Tiny inputs gather the columns
    with one ``take`` through a cached index map, since per-call overhead dominates there.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import conv2d
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])   # x[i, j] - x[i+1, j+1]
    >>> conv2d(x, w, b=[0.5])
    array([[[[-4.5, -4.5, -4.5],
             [-4.5, -4.5, -4.5],
             [-4.5, -4.5, -4.5]]]])
    >>> conv2d(x, w, stride=2, padding=1).shape
    (1, 1, 3, 3)
    """
    key = _conv_key(x, w, b, None, stride, padding, dilation)
    plan = _PLANS.get(key)  # a None key is never stored
    # the size test keeps tests that set _SMALL (to force the sliced path) meaningful
    if plan is not None and plan.entries <= _SMALL:
        return _forward_small(x, w, b, plan)
    x, w, b, _, st, pad, dil, out_hw = _conv_args(x, w, b, stride, padding, dilation)
    return _forward(x, w, b, st, pad, dil, out_hw, key)


def conv2d_backward(dy, x, w, stride=1, padding=0, dilation=1):
    r"""Gradients of :func:`conv2d` with respect to its input, kernels and bias.

    Parameters
    ----------
    dy : array_like, shape (N, C_out, H_out, W_out)
        Upstream gradient :math:`\partial L/\partial y` (the delta of the layer's output);
        must have exactly the forward output's shape.
    x : array_like, shape (N, C_in, H, W)
        The input the forward pass saw.
    w : array_like, shape (C_out, C_in, kh, kw)
        The kernels the forward pass used.
    stride, padding, dilation : int or (int, int), optional
        As in the forward pass.

    Returns
    -------
    dx : ndarray, shape (N, C_in, H, W)
        :math:`\partial L/\partial x`, the delta handed to the layer below.
    dw : ndarray, shape (C_out, C_in, kh, kw)
        :math:`\partial L/\partial w`.
    db : ndarray, shape (C_out,)
        :math:`\partial L/\partial b`, returned even if the forward pass had no bias.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d`, plus ``dy`` whose shape is not the forward output's.

    See Also
    --------
    delta_full_conv, conv_transpose2d, conv2d_matrix : other ways to write ``dx``.
    cnnbp.loops.conv2d_backward : the same gradients as plain loops.

    Notes
    -----
    Each tap :math:`w_{o,c,p,q}` multiplies one input entry per output position, so its
    gradient sums :math:`\delta = dy` times the entries it saw, and each input entry collects
    :math:`\delta` times every weight it met:

    .. math::
        \frac{\partial L}{\partial w_{o,c,p,q}} &= \sum_{n,i,j} \delta_{n,o,i,j}\;
            x^\text{pad}_{n,\,c,\; i s_h + p d_h,\; j s_w + q d_w} \\
        \frac{\partial L}{\partial b_o} &= \sum_{n,i,j} \delta_{n,o,i,j} \\
        \frac{\partial L}{\partial x^\text{pad}_{n,c,u,v}} &=
            \sum_{o}\sum_{\substack{i,p:\ i s_h + p d_h = u \\ j,q:\ j s_w + q d_w = v}}
            \delta_{n,o,i,j}\; w_{o,c,p,q}

    and :math:`\partial L/\partial x` is the centre of the last one (padding cropped).
    With the im2col matrix :math:`X_\text{col}` of the forward pass and
    :math:`W = ` ``w.reshape(C_out, -1)``: :math:`dW = \delta\, X_\text{col}^\top` and the
    input-gradient columns are :math:`W^\top \delta`, added back to where each column was
    read (col2im). The columns buffer is reused for :math:`W^\top\delta`, so the backward
    pass holds one im2col-sized buffer.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import conv2d_backward
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> dy = np.ones((1, 1, 2, 2))
    >>> dx, dw, db = conv2d_backward(dy, x, w)
    >>> dx[0, 0]
    array([[ 1.,  3.,  2.],
           [ 4., 10.,  6.],
           [ 3.,  7.,  4.]])
    >>> dw[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    >>> db
    array([4.])
    """
    key = _conv_key(x, w, None, dy, stride, padding, dilation)
    plan = _PLANS.get(key)  # as in conv2d
    if plan is not None and plan.entries <= _SMALL:
        return _backward_small(dy, x, w, plan)
    x, w, _, dy, st, pad, dil, out_hw = _conv_args(x, w, None, stride, padding, dilation, dy=dy)
    return _backward(dy, x, w, st, pad, dil, out_hw, key)


def im2col(x, kernel_hw, stride=1, padding=0, dilation=1) -> np.ndarray:
    r"""Lay out every window of the (padded) input as a column.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_hw : int or (int, int)
        Kernel size ``(kh, kw)``.
    stride, padding, dilation : int or (int, int), optional
        As in :func:`conv2d`.

    Returns
    -------
    cols : ndarray, shape (N, C*kh*kw, H_out*W_out)
        ``cols[n, (c*kh + p)*kw + q, i*W_out + j]`` is the input entry that kernel tap
        ``(c, p, q)`` meets at output position ``(i, j)`` (zero where it falls in padding).

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d`.

    Notes
    -----
    .. math::
        \text{cols}_{n,\,(c,p,q),\,(i,j)} = x^\text{pad}_{n,\,c,\; i s_h + p d_h,\; j s_w + q d_w}

    so the convolution is one matrix product per image,
    ``conv2d(x, w)[n].reshape(C_out, -1) == w.reshape(C_out, -1) @ cols[n]``.
    Entries of `x` appear in several columns when windows overlap.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import im2col
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> im2col(x, 2)[0]
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    x = as_array(x, "x")
    check_ndim(x, 4, "x", "(N, C, H, W)")
    _check_nonempty(x, "x")
    kh, kw = as_pair(kernel_hw, "kernel_hw", 1)
    st, pad, dil = _hyper(stride, padding, dilation)
    out_hw = (
        _out_len(x.shape[2], kh, st[0], pad[0], dil[0], "height", "im2col"),
        _out_len(x.shape[3], kw, st[1], pad[1], dil[1], "width", "im2col"),
    )
    return _im2col_cols(x, kh, kw, st, pad, dil, out_hw)


def col2im(cols, x_shape, kernel_hw, stride=1, padding=0, dilation=1) -> np.ndarray:
    r"""Adjoint of :func:`im2col`: add every column entry back to the input position it came from.

    Parameters
    ----------
    cols : array_like, shape (N, C*kh*kw, H_out*W_out)
        Column matrix laid out as :func:`im2col` returns it (e.g. :math:`W^\top\delta`).
    x_shape : tuple of 4 ints
        ``(N, C, H, W)`` of the input that :func:`im2col` read.
    kernel_hw : int or (int, int)
        Kernel size ``(kh, kw)``.
    stride, padding, dilation : int or (int, int), optional
        As in :func:`conv2d`.

    Returns
    -------
    x : ndarray, shape (N, C, H, W)
        Entries read by several windows receive the sum of their columns; entries read by
        none are 0; contributions that fall in the padding are dropped.

    Raises
    ------
    TypeError, ValueError
        Bad sizes, or `cols` not of the shape that `x_shape` and the hyper-parameters imply.

    Notes
    -----
    :func:`im2col` is a linear map :math:`G` (a gather); ``col2im`` is :math:`G^\top`,
    so :math:`\langle G x, c\rangle = \langle x, G^\top c\rangle` for every ``x`` and ``c``.
    It is *not* an inverse: ``col2im(im2col(x))`` multiplies each entry by the number of
    windows that read it. :func:`conv2d_backward` gets ``dx`` as
    ``col2im(w.reshape(C_out, -1).T @ dy.reshape(N, C_out, -1))``.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import col2im, im2col
    >>> x = np.ones((1, 1, 3, 3))
    >>> col2im(im2col(x, 2), x.shape, 2)[0, 0]   # how many 2x2 windows read each entry
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    cols = as_array(cols, "cols")
    check_ndim(cols, 3, "cols", "(N, C*kh*kw, H_out*W_out)")
    if not isinstance(x_shape, (tuple, list)) or len(x_shape) != 4:
        raise ValueError(f"x_shape must be a tuple (N, C, H, W) of 4 ints, got {x_shape!r}")
    n, c, h, w_ = (as_int(v, f"x_shape[{i}]", 1) for i, v in enumerate(x_shape))
    kh, kw = as_pair(kernel_hw, "kernel_hw", 1)
    st, pad, dil = _hyper(stride, padding, dilation)
    out_hw = (
        _out_len(h, kh, st[0], pad[0], dil[0], "height", "col2im"),
        _out_len(w_, kw, st[1], pad[1], dil[1], "width", "col2im"),
    )
    check_shape(
        cols,
        (n, c * kh * kw, out_hw[0] * out_hw[1]),
        "cols",
        f"the im2col shape for x_shape {tuple(x_shape)} and kernel ({kh}, {kw})",
    )
    return _scatter(cols, (n, c, h, w_), (kh, kw), st, pad, dil, out_hw)


def conv2d_matrix(w, in_hw, stride=1, padding=0, dilation=1) -> np.ndarray:
    r"""The dense matrix :math:`C` of a convolution acting on one flattened input image.

    Parameters
    ----------
    w : array_like, shape (C_out, C_in, kh, kw)
        Kernels.
    in_hw : int or (int, int)
        Input height and width ``(H, W)``.
    stride, padding, dilation : int or (int, int), optional
        As in :func:`conv2d`.

    Returns
    -------
    C : ndarray, shape (C_out*H_out*W_out, C_in*H*W)
        For every image ``x[n]`` of shape ``(C_in, H, W)``:
        ``conv2d(x, w)[n].ravel() == C @ x[n].ravel()`` (C-order ravel, i.e. index
        ``(o*H_out + i)*W_out + j`` for the output and ``(c*H + u)*W + v`` for the input; no
        bias). Hence ``dx[n].ravel() == C.T @ dy[n].ravel()``.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d`.

    Notes
    -----
    .. math::
        C_{(o,i,j),\,(c,u,v)} = \begin{cases}
            w_{o,c,p,q} & \text{if } u = i s_h + p d_h - p_h \text{ and }
                                    v = j s_w + q d_w - p_w \\
            0 & \text{otherwise}\end{cases}

    Taps that land in the padding have no column: padding contributes zeros. Each row holds
    at most ``C_in*kh*kw`` nonzeros, the same numbers in every row (weight sharing); the
    backward pass for the input is multiplication by :math:`C^\top`, which is what
    :func:`conv_transpose2d` computes without forming :math:`C`. Meant for small
    illustrations: the matrix has :math:`(C_\text{out} H_\text{out} W_\text{out})
    (C_\text{in} H W)` entries.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import conv2d_matrix
    >>> w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> conv2d_matrix(w, (2, 3))
    array([[1., 2., 0., 3., 4., 0.],
           [0., 1., 2., 0., 3., 4.]])
    """
    w = as_array(w, "w")
    check_ndim(w, 4, "w", "(C_out, C_in, kh, kw)")
    _check_nonempty(w, "w")
    h, wd = as_pair(in_hw, "in_hw", 1)
    co, ci, kh, kw = w.shape
    st, pad, dil = _hyper(stride, padding, dilation)
    ho = _out_len(h, kh, st[0], pad[0], dil[0], "height", "conv2d_matrix")
    wo = _out_len(wd, kw, st[1], pad[1], dil[1], "width", "conv2d_matrix")
    o, c, i, j, p, q = np.ix_(*(np.arange(s) for s in (co, ci, ho, wo, kh, kw)))
    u = i * st[0] + p * dil[0] - pad[0]
    v = j * st[1] + q * dil[1] - pad[1]
    shape = (co, ci, ho, wo, kh, kw)
    u, v = np.broadcast_to(u, shape), np.broadcast_to(v, shape)
    rows = np.broadcast_to((o * ho + i) * wo + j, shape)
    colidx = np.broadcast_to((c * h + u) * wd + v, shape)
    vals = np.broadcast_to(w[:, :, None, None, :, :], shape)
    inside = (u >= 0) & (u < h) & (v >= 0) & (v < wd)
    mat = np.zeros((co * ho * wo, ci * h * wd), dtype=w.dtype)
    # For fixed (o, i, j) distinct taps hit distinct (c, u, v), so plain assignment is exact.
    mat[rows[inside], colidx[inside]] = vals[inside]
    return mat


def _transpose_out_len(n_out, k, s, p, d, size, axis):
    """Smallest input length giving `n_out`, or check a requested `size` gives it."""
    lo = (n_out - 1) * s + d * (k - 1) + 1 - 2 * p
    if size is None:
        if lo < 1:
            raise ValueError(
                f"conv_transpose2d: output {axis} would be {lo} < 1 (dy {axis} {n_out}, kernel "
                f"{k}, stride {s}, padding {p}, dilation {d})"
            )
        return lo
    hi = lo + s - 1
    if not lo <= size <= hi:
        raise ValueError(
            f"output_size: {axis} {size} is not compatible with dy {axis} {n_out} (kernel {k}, "
            f"stride {s}, padding {p}, dilation {d}); it must lie in [{max(lo, 1)}, {hi}]"
        )
    return size


def conv_transpose2d(dy, w, stride=1, padding=0, dilation=1, output_size=None) -> np.ndarray:
    r"""Transposed convolution: the adjoint of :func:`conv2d` with respect to its input.

    Parameters
    ----------
    dy : array_like, shape (N, C_out, H_out, W_out)
        What to map back (e.g. the delta of a convolution's output).
    w : array_like, shape (C_out, C_in, kh, kw)
        The kernels of the convolution being transposed.
    stride, padding, dilation : int or (int, int), optional
        Those of the convolution being transposed.
    output_size : (int, int), optional
        ``(H, W)`` of the result. With stride > 1 several input sizes give the same
        ``(H_out, W_out)`` (the last rows of a larger input may be skipped), so the size must
        be stated to get a particular one; ``None`` picks the smallest,
        :math:`(H_\text{out}-1)s_h + d_h(k_h-1) + 1 - 2p_h`.

    Returns
    -------
    dx : ndarray, shape (N, C_in, H, W)
        Equal to ``conv2d_backward(dy, x, w, ...)[0]`` for any ``x`` of that shape.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d`; an `output_size` that does not map to ``(H_out, W_out)``.

    Notes
    -----
    If :math:`C` is the matrix of :func:`conv2d_matrix`, this computes :math:`C^\top dy`
    per image:

    .. math::
        dx^\text{pad}_{n,c,u,v} = \sum_{o,i,j,p,q}
            [\,u = i s_h + p d_h\,][\,v = j s_w + q d_w\,]\; w_{o,c,p,q}\; dy_{n,o,i,j}

    cropped by the padding. It is the "deconvolution" layer of generator networks: each
    input entry spreads a kernel-shaped stamp onto a grid that is :math:`s` times finer.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import conv_transpose2d
    >>> dy = np.array([[[[1.0, 2.0]]]])
    >>> w = np.ones((1, 1, 2, 2))
    >>> conv_transpose2d(dy, w, stride=2)[0, 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    >>> conv_transpose2d(dy, w, stride=2, output_size=(3, 5)).shape
    (1, 1, 3, 5)
    """
    dy = as_array(dy, "dy")
    check_ndim(dy, 4, "dy", "(N, C_out, H_out, W_out)")
    _check_nonempty(dy, "dy")
    w = as_array(w, "w")
    check_ndim(w, 4, "w", "(C_out, C_in, kh, kw)")
    _check_nonempty(w, "w")
    if dy.shape[1] != w.shape[0]:
        raise ValueError(
            f"channel mismatch: dy has {dy.shape[1]} channels (dy shape {dy.shape}) but w has "
            f"C_out={w.shape[0]} (w shape {w.shape})"
        )
    st, pad, dil = _hyper(stride, padding, dilation)
    if output_size is None:
        size = (None, None)
    else:
        size = as_pair(output_size, "output_size", 1)
    n, co, ho, wo = dy.shape
    _, ci, kh, kw = w.shape
    h = _transpose_out_len(ho, kh, st[0], pad[0], dil[0], size[0], "height")
    wd = _transpose_out_len(wo, kw, st[1], pad[1], dil[1], size[1], "width")
    dtype = common_dtype(dy, w)
    dy = dy.astype(dtype, copy=False)
    wmat = w.astype(dtype, copy=False).reshape(co, ci * kh * kw)
    dcols = np.matmul(wmat.T, dy.reshape(n, co, ho * wo))
    return _scatter(dcols, (n, ci, h, wd), (kh, kw), st, pad, dil, (ho, wo))


def delta_full_conv(dy, w, x_shape, stride=1, padding=0, dilation=1) -> np.ndarray:
    r"""The input gradient of a convolution as a *full* convolution of δ with the rotated kernel.

    Parameters
    ----------
    dy : array_like, shape (N, C_out, H_out, W_out)
        Delta of the convolution's output, :math:`\delta = \partial L/\partial y`.
    w : array_like, shape (C_out, C_in, kh, kw)
        The convolution's kernels.
    x_shape : tuple of 4 ints
        ``(N, C_in, H, W)``, the shape of the convolution's input (needed when stride > 1:
        several input sizes give the same output size).
    stride, padding, dilation : int or (int, int), optional
        Those of the forward convolution.

    Returns
    -------
    dx : ndarray, shape (N, C_in, H, W)
        Equal to ``conv2d_backward(dy, x, w, ...)[0]``.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d_backward`, with `dy` checked against the output shape that `x_shape`
        implies.

    Notes
    -----
    Stride 1, no padding: flipping the kernel by 180° (both spatial axes) and swapping its
    channel axes turns the backward sum of :func:`conv2d_backward` into an ordinary
    cross-correlation of δ, zero-padded by the dilated kernel extent minus one on every side
    (a "full" convolution):

    .. math::
        dx_{n,c,u,v} = \sum_{o,p,q} \tilde w_{c,o,p,q}\;
            \delta^\text{full}_{n,\,o,\; u + p d_h,\; v + q d_w}, \qquad
        \tilde w_{c,o,p,q} = w_{o,c,\,k_h-1-p,\,k_w-1-q} ,

    where :math:`\delta^\text{full}` is δ padded by :math:`d_h(k_h-1)` rows and
    :math:`d_w(k_w-1)` columns on each side.

    Stride :math:`s > 1`: the forward pass only visited every :math:`s`-th position, so δ is
    first *dilated* — :math:`s-1` zeros inserted between neighbouring entries — which puts
    each δ back at the input position its window started from; then the same full
    convolution applies. The result covers the padded input up to the last row a window
    reached; rows beyond it get zero gradient. Finally the forward padding is cropped
    off (those entries were constants, not inputs).

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import conv2d_backward, delta_full_conv
    >>> x = np.zeros((1, 1, 3, 3))
    >>> w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> dy = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])
    >>> delta_full_conv(dy, w, x.shape)[0, 0]          # one delta stamps the kernel
    array([[1., 2., 0.],
           [3., 4., 0.],
           [0., 0., 0.]])
    >>> bool(np.allclose(delta_full_conv(dy, w, x.shape), conv2d_backward(dy, x, w)[0]))
    True
    """
    if not isinstance(x_shape, (tuple, list)) or len(x_shape) != 4:
        raise ValueError(f"x_shape must be a tuple (N, C_in, H, W) of 4 ints, got {x_shape!r}")
    n, ci, h, wd = (as_int(v, f"x_shape[{i}]", 1) for i, v in enumerate(x_shape))
    dy, w = as_array(dy, "dy"), as_array(w, "w")
    # A stand-in for x: only its shape and dtype matter, so a zero-stride view costs nothing.
    x_like = np.broadcast_to(np.zeros((), dtype=common_dtype(dy, w)), (n, ci, h, wd))
    _, w, _, dy, st, pad, dil, out_hw = _conv_args(
        x_like, w, None, stride, padding, dilation, dy=dy
    )
    co, _, kh, kw = w.shape
    sh, sw = st
    # 1. dilate delta: s-1 zeros between neighbours puts each delta where its window began
    hd, wdd = (out_hw[0] - 1) * sh + 1, (out_hw[1] - 1) * sw + 1
    if sh == 1 and sw == 1:
        dyd = dy
    else:
        dyd = np.zeros((n, co, hd, wdd), dtype=dy.dtype)
        dyd[:, :, ::sh, ::sw] = dy
    # 2. rotate every kernel by 180 degrees and swap its in/out channels
    w_rot = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    # 3. full convolution: pad by the dilated kernel extent - 1 on each side
    eh, ew = dil[0] * (kh - 1), dil[1] * (kw - 1)
    full = conv2d(dyd, w_rot, padding=(eh, ew), dilation=dil)
    # 4. place on the padded input grid (rows no window reached get 0), then crop the padding
    ph, pw = pad
    dxp = np.zeros((n, ci, h + 2 * ph, wd + 2 * pw), dtype=full.dtype)
    dxp[:, :, : full.shape[2], : full.shape[3]] = full
    return np.ascontiguousarray(dxp[:, :, ph : ph + h, pw : pw + wd])
