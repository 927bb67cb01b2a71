r"""2-D convolution (cross-correlation, as in PyTorch): forward and backward.

:func:`conv2d` and :func:`conv2d_backward` are the default path: the windows of the input
are laid out as the columns of a matrix (im2col) and each pass is a few matrix products.
The same computations written as plain loops live in :mod:`cnnbp.loops`, and other views
of the same linear map (the matrix :math:`C`, transposed convolution, the delta as a full
convolution) in :mod:`cnnbp.views`; the tests prove them all equal. ``benchmarks/`` times
this path against PyTorch.

Index conventions used throughout: ``x`` is ``(N, C_in, H, W)``, ``w`` is
``(C_out, C_in, kh, kw)``, ``y`` and ``dy`` are ``(N, C_out, H_out, W_out)``; stride
:math:`(s_h, s_w)`, padding :math:`(p_h, p_w)` (zeros on both sides), dilation
:math:`(d_h, d_w)`.
"""

from __future__ import annotations

import numpy as np

from ._im2col import batch_last, col2im, im2col
from ._validate import as_pair, conv_args, conv_hyper, out_hw

__all__ = ["conv2d", "conv2d_backward", "conv2d_output_shape"]


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
    in_hw, kernel_hw = as_pair(in_hw, "in_hw", 1), as_pair(kernel_hw, "kernel_hw", 1)
    return out_hw(in_hw, kernel_hw, *conv_hyper(stride, padding, dilation), "conv2d_output_shape")


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
    whole layer is the product ``w.reshape(C_out, -1) @ cols``: one per image, or one for the
    whole batch when the images are small (the batch is then the columns' innermost axis).

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
    x, w, b, _, st, pad, dil, hw = conv_args(x, w, b, stride, padding, dilation)
    last = batch_last(x.shape[0], hw)
    cols = im2col(x, w.shape[2:], st, pad, dil, hw, last)  # (N, K, P), batch last (K, P*N)
    y = w.reshape(len(w), -1) @ cols  # (N, C_out, P), batch last (C_out, P*N)
    if b is not None:
        y += b[:, None]
    if last:
        return y.reshape(len(w), *hw, -1).transpose(3, 0, 1, 2).copy()
    return y.reshape(*y.shape[:2], *hw)


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
    x, w, _, dy, st, pad, dil, hw = conv_args(x, w, None, stride, padding, dilation, dy)
    last = batch_last(x.shape[0], hw)
    cols = im2col(x, w.shape[2:], st, pad, dil, hw, last)  # (N, K, P), batch last (K, P*N)
    # dy in the columns' layout: (N, C_out, P), batch last (C_out, P*N)
    dyc = dy.transpose(1, 2, 3, 0).reshape(len(w), -1) if last else dy.reshape(*dy.shape[:2], -1)
    # dw transposed, (K, C_out): BLAS runs this product up to 1.2x faster than (C_out, K)
    dw_t, db = cols @ dyc.swapaxes(-1, -2), dyc.sum(axis=-1)
    if not last:
        dw_t, db = dw_t.sum(axis=0), db.sum(axis=0)  # one product per image
    # the input-gradient columns overwrite the input's, which are no longer needed
    dcols = np.matmul(w.reshape(len(w), -1).T, dyc, out=cols)
    dx = col2im(dcols, x.shape, w.shape[2:], st, pad, dil, hw, last)
    return dx, dw_t.T.reshape(w.shape), db
