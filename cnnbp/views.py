r"""Other views of a convolution's linear map, each proven equal to :func:`cnnbp.conv2d_backward`.

* :func:`im2col` / :func:`col2im` — the windows of the input as the columns of a matrix, and
  its adjoint (adding columns back into an image).
* :func:`conv2d_matrix` — the dense matrix :math:`C` with ``y = C @ x`` (per image);
  the input gradient is then :math:`C^\top \delta`.
* :func:`conv_transpose2d` — the adjoint of the convolution, i.e. multiplication by
  :math:`C^\top` without forming :math:`C`.
* :func:`delta_full_conv` — the input gradient as a *full* convolution of the (stride-dilated)
  delta with the kernel, computed as a cross-correlation with the 180°-rotated kernel.

Index conventions are those of :mod:`cnnbp.conv`.
"""

from __future__ import annotations

import numpy as np

from . import _im2col
from ._validate import (
    as_4d,
    as_array,
    as_pair,
    as_x_shape,
    check_ndim,
    check_shape,
    common_dtype,
    conv_args,
    conv_hyper,
    out_hw,
)
from .conv import conv2d

__all__ = ["col2im", "conv2d_matrix", "conv2d_terms", "conv_transpose2d", "delta_full_conv", "im2col"]


def im2col(x, kernel_hw, stride=1, padding=0, dilation=1) -> np.ndarray:
    r"""Lay out every window of the (padded) input as a column.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        The input whose windows are laid out.
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
    x = as_4d(x, "x", "(N, C, H, W)")
    kernel_hw = as_pair(kernel_hw, "kernel_hw", 1)
    st, pad, dil = conv_hyper(stride, padding, dilation)
    hw = out_hw(x.shape[2:], kernel_hw, st, pad, dil, "im2col")
    return _im2col.im2col(x, kernel_hw, st, pad, dil, hw)


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
    x_shape = as_x_shape(x_shape, "(N, C, H, W)")
    kernel_hw = as_pair(kernel_hw, "kernel_hw", 1)
    st, pad, dil = conv_hyper(stride, padding, dilation)
    hw = out_hw(x_shape[2:], kernel_hw, st, pad, dil, "col2im")
    check_shape(
        cols,
        (x_shape[0], x_shape[1] * kernel_hw[0] * kernel_hw[1], hw[0] * hw[1]),
        "cols",
        f"the im2col shape for x_shape {x_shape} and kernel {kernel_hw}",
    )
    return _im2col.col2im(cols, x_shape, kernel_hw, st, pad, dil, hw)


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
    C : ndarray, shape (M, K)
        With ``M = C_out*H_out*W_out`` rows and ``K = C_in*H*W`` columns. For every image
        ``x[n]`` of shape ``(C_in, H, W)``:
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
    w = as_4d(w, "w", "(C_out, C_in, kh, kw)")
    (h, wd), (co, ci, kh, kw) = as_pair(in_hw, "in_hw", 1), w.shape
    st, (ph, pw), dil = conv_hyper(stride, padding, dilation)
    ho, wo = out_hw((h, wd), (kh, kw), st, (ph, pw), dil, "conv2d_matrix")
    i, j, p, q, u, v = conv2d_terms((h, wd), (kh, kw), st, (ph, pw), dil).T
    u, v = u - ph, v - pw  # conv2d_terms indexes the padded input
    inside = (u >= 0) & (u < h) & (v >= 0) & (v < wd)  # taps on padding meet zeros: no entry
    i, j, p, q, u, v = (a[inside] for a in (i, j, p, q, u, v))
    mat = np.zeros((co, ho, wo, ci, h, wd), dtype=w.dtype)
    # For fixed (o, i, j) distinct taps hit distinct (c, u, v), so plain assignment is exact.
    mat[:, i, j, :, u, v] = w[:, :, p, q].transpose(2, 0, 1)
    return mat.reshape(co * ho * wo, ci * h * wd)


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
        be stated to get a particular one; ``None`` picks the smallest (see Notes).

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

    cropped by the padding. Without `output_size` the height is the smallest that maps to
    :math:`H_\text{out}`, :math:`H = (H_\text{out}-1)s_h + d_h(k_h-1) + 1 - 2p_h`, and
    likewise the width. It is the "deconvolution" layer of generator networks: each
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
    dy = as_4d(dy, "dy", "(N, C_out, H_out, W_out)")
    w = as_4d(w, "w", "(C_out, C_in, kh, kw)")
    if dy.shape[1] != w.shape[0]:
        raise ValueError(
            f"channel mismatch: dy has {dy.shape[1]} channels (dy shape {dy.shape}) but w has "
            f"C_out={w.shape[0]} (w shape {w.shape})"
        )
    st, pad, dil = conv_hyper(stride, padding, dilation)
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
    return _im2col.col2im(dcols, (n, ci, h, wd), (kh, kw), st, pad, dil, (ho, wo))


def delta_full_conv(dy, w, x_shape, stride=1, padding=0, dilation=1) -> np.ndarray:
    r"""The input gradient of a convolution: δ, fully padded, cross-correlated with the rotated kernel.

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
    Stride 1, no padding (any dilation): flipping the kernel by 180° (both spatial axes) and swapping its
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
    n, ci, h, wd = as_x_shape(x_shape, "(N, C_in, H, W)")
    dy, w = as_array(dy, "dy"), as_array(w, "w")
    # A stand-in for x: only its shape and dtype matter, so a zero-stride view costs nothing.
    x_like = np.broadcast_to(np.zeros((), dtype=common_dtype(dy, w)), (n, ci, h, wd))
    _, w, _, dy, st, pad, dil, hw = conv_args(x_like, w, None, stride, padding, dilation, dy)
    co, _, kh, kw = w.shape
    sh, sw = st
    # 1. dilate delta: s-1 zeros between neighbours puts each delta where its window began
    hd, wdd = (hw[0] - 1) * sh + 1, (hw[1] - 1) * sw + 1
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


def conv2d_terms(in_hw, kernel_hw, stride=1, padding=0, dilation=1) -> np.ndarray:
    r"""Every product in a single-channel convolution's sum, as rows of indices.

    The forward sum :math:`y_{i,j} = \sum_{p,q} w_{p,q}\, x^\text{pad}_{u,v}` has one product
    per output position and kernel tap; each row names one of them. Read by any one column
    group they answer the backward questions too: the rows with a given ``(p, q)`` are the
    products that add into :math:`\partial L/\partial w_{p,q}` (each as
    :math:`\delta_{i,j}\, x^\text{pad}_{u,v}`), the rows with a given ``(u, v)`` those that add
    into :math:`\partial L/\partial x^\text{pad}_{u,v}` (each as :math:`\delta_{i,j}\, w_{p,q}`).

    The rows are read off :func:`cnnbp.conv2d` itself, run on one-hot inputs and one-hot
    kernels, not computed from an index formula: they are whatever the convolution does.

    Parameters
    ----------
    in_hw : int or (int, int)
        ``(H, W)``, the unpadded input's size.
    kernel_hw : int or (int, int)
        ``(kh, kw)``.
    stride, padding, dilation : int or (int, int), optional
        As for :func:`cnnbp.conv2d`.

    Returns
    -------
    terms : ndarray of int, shape (H_out * W_out * kh * kw, 6)
        Rows ``(i, j, p, q, u, v)``: output ``y[i, j]`` contains ``w[p, q] * x_pad[u, v]``,
        where ``(u, v)`` index the input padded by `padding` on each side (subtract the padding
        to index ``x``; a row whose ``(u, v)`` falls in the padding is a product with zero).
        Sorted by ``(i, j, p, q)``.

    Raises
    ------
    TypeError, ValueError
        As :func:`cnnbp.conv2d` for these sizes.

    Examples
    --------
    >>> from cnnbp import conv2d_terms
    >>> t = conv2d_terms((3, 3), (2, 2))
    >>> t.shape                    # 4 outputs x 4 taps
    (16, 6)
    >>> t[:4].tolist()             # y[0, 0] = w00 x00 + w01 x01 + w10 x10 + w11 x11
    [[0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 1], [0, 0, 1, 0, 1, 0], [0, 0, 1, 1, 1, 1]]
    >>> t[(t[:, 2] == 0) & (t[:, 3] == 1)][:, [0, 1, 4, 5]].tolist()  # what feeds dw[0, 1]
    [[0, 0, 0, 1], [0, 1, 0, 2], [1, 0, 1, 1], [1, 1, 1, 2]]
    """
    h, wd = as_pair(in_hw, "in_hw", 1)
    kh, kw = as_pair(kernel_hw, "kernel_hw", 1)
    ph, pw = as_pair(padding, "padding", 0)
    hp, wp = h + 2 * ph, wd + 2 * pw
    # One image per padded input cell and one kernel per tap, each a single 1: output
    # (cell, tap, i, j) is 1 exactly where that tap met that cell.
    x = np.eye(hp * wp).reshape(hp * wp, 1, hp, wp)
    w = np.eye(kh * kw).reshape(kh * kw, 1, kh, kw)
    y = conv2d(x, w, None, stride, 0, dilation)
    i, j, tap, cell = np.nonzero(y.transpose(2, 3, 1, 0))
    return np.stack([i, j, tap // kw, tap % kw, cell // wp, cell % wp], axis=1)
