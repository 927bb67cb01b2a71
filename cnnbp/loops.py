r"""Convolution and pooling written as plain loops that read like the equations.

These functions have the same names, signatures, validation and results as the fast ones in
:mod:`cnnbp.conv` and :mod:`cnnbp.pool` (the tests prove them equal on a grid of shapes,
strides, paddings and dilations) but every sum is an explicit ``for`` loop over indices, so
each line can be matched with a term of the derivation. They are slow — use them to read,
not to train.

Index names used in every function: ``n`` image in the batch, ``c`` input channel, ``o``
output channel, ``(i, j)`` output position, ``(p, q)`` offset inside the kernel or pooling
window (the seed's :math:`m, n`), ``(u, v)`` input position.
"""

from __future__ import annotations

import numpy as np

from ._validate import conv_args, pool_args

__all__ = [
    "avg_pool2d",
    "avg_pool2d_backward",
    "conv2d",
    "conv2d_backward",
    "max_pool2d",
    "max_pool2d_backward",
]


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    r"""2-D convolution (cross-correlation) as seven nested loops; same API as :func:`cnnbp.conv2d`.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W)
        Input batch.
    w : array_like, shape (C_out, C_in, kh, kw)
        Kernels.
    b : array_like, shape (C_out,), optional
        One bias per output channel.
    stride, padding, dilation : int or (int, int), optional
        As in :func:`cnnbp.conv2d`.

    Returns
    -------
    y : ndarray, shape (N, C_out, H_out, W_out)

    Raises
    ------
    TypeError, ValueError
        Exactly as :func:`cnnbp.conv2d` (the same validation code).

    Notes
    -----
    The seed's single-channel equation
    :math:`x_{ij} = \sum_m \sum_n w_{mn}\, o_{i+m,\,j+n} + b` with batch, channels, stride
    :math:`s`, zero padding and dilation :math:`d`:

    .. math::
        y_{n,o,i,j} = b_o + \sum_{c=0}^{C_\text{in}-1} \sum_{p=0}^{k_h-1} \sum_{q=0}^{k_w-1}
            w_{o,c,p,q}\; x^\text{pad}_{n,\,c,\; i s_h + p d_h,\; j s_w + q d_w}

    with :math:`x^\text{pad}` the input surrounded by :math:`p_h` rows and :math:`p_w`
    columns of zeros (the padding; plain :math:`p, q` are the kernel offsets).

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import loops
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    >>> loops.conv2d(x, w, b=[0.5])[0, 0]
    array([[-4.5, -4.5, -4.5],
           [-4.5, -4.5, -4.5],
           [-4.5, -4.5, -4.5]])
    """
    x, w, b, _, (sh, sw), (ph, pw), (dh, dw), (ho, wo) = conv_args(
        x, w, b, stride, padding, dilation
    )
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n_batch, c_in = x.shape[:2]
    c_out, _, kh, kw = w.shape
    y = np.zeros((n_batch, c_out, ho, wo), dtype=x.dtype)
    for n in range(n_batch):
        for o in range(c_out):
            for i in range(ho):
                for j in range(wo):
                    total = b[o] if b is not None else 0.0
                    for c in range(c_in):
                        for p in range(kh):
                            for q in range(kw):
                                total += w[o, c, p, q] * xp[n, c, i * sh + p * dh, j * sw + q * dw]
                    y[n, o, i, j] = total
    return y


def conv2d_backward(dy, x, w, stride=1, padding=0, dilation=1):
    r"""Gradients of a convolution as loops over every term of the forward sum.

    Parameters
    ----------
    dy : array_like, shape (N, C_out, H_out, W_out)
        Upstream gradient (delta of the output).
    x : array_like, shape (N, C_in, H, W)
        The forward input.
    w : array_like, shape (C_out, C_in, kh, kw)
        The forward kernels.
    stride, padding, dilation : int or (int, int), optional
        As in the forward pass.

    Returns
    -------
    dx : ndarray, shape (N, C_in, H, W)
    dw : ndarray, shape (C_out, C_in, kh, kw)
    db : ndarray, shape (C_out,)

    Raises
    ------
    TypeError, ValueError
        Exactly as :func:`cnnbp.conv2d_backward`.

    Notes
    -----
    Every term :math:`w_{o,c,p,q}\, x^\text{pad}_{n,c,u,v}` of the forward sum, with
    :math:`u = i s_h + p d_h` and :math:`v = j s_w + q d_w`, lands in :math:`y_{n,o,i,j}`.
    By the chain rule it hands :math:`\delta_{n,o,i,j}` (the entry of ``dy``) times its
    *other* factor to each factor:

    .. math::
        \frac{\partial L}{\partial w_{o,c,p,q}} \mathrel{+}= \delta_{n,o,i,j}\,
            x^\text{pad}_{n,c,u,v}, \qquad
        \frac{\partial L}{\partial x^\text{pad}_{n,c,u,v}} \mathrel{+}= \delta_{n,o,i,j}\,
            w_{o,c,p,q}, \qquad
        \frac{\partial L}{\partial b_o} \mathrel{+}= \delta_{n,o,i,j} .

    The loop below visits every term once and does exactly these three updates; ``+=``
    matters because weights are shared across positions and input entries across windows.
    The gradient of the padding is dropped at the end.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import loops
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> dx, dw, db = loops.conv2d_backward(np.ones((1, 1, 2, 2)), x, w)
    >>> dw[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    x, w, _, dy, (sh, sw), (ph, pw), (dh, dw_), (ho, wo) = conv_args(
        x, w, None, stride, padding, dilation, dy=dy
    )
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n_batch, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    dxp = np.zeros(xp.shape, dtype=x.dtype)
    dw = np.zeros(w.shape, dtype=x.dtype)
    db = np.zeros(c_out, dtype=x.dtype)
    for n in range(n_batch):
        for o in range(c_out):
            for i in range(ho):
                for j in range(wo):
                    delta = dy[n, o, i, j]
                    db[o] += delta
                    for c in range(c_in):
                        for p in range(kh):
                            for q in range(kw):
                                u, v = i * sh + p * dh, j * sw + q * dw_
                                dw[o, c, p, q] += delta * xp[n, c, u, v]
                                dxp[n, c, u, v] += delta * w[o, c, p, q]
    dx = dxp[:, :, ph : ph + h, pw : pw + wd].copy()
    return dx, dw, db


def max_pool2d(x, size=2, stride=None) -> np.ndarray:
    r"""Max pooling with a loop over every window; same API as :func:`cnnbp.max_pool2d`.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    size : int or (int, int), optional
        Window ``(kh, kw)``.
    stride : int or (int, int), optional
        Step between windows; ``None`` means `size`.

    Returns
    -------
    y : ndarray, shape (N, C, H_out, W_out)

    Raises
    ------
    TypeError, ValueError
        Exactly as :func:`cnnbp.max_pool2d`.

    Notes
    -----
    .. math::
        y_{n,c,i,j} = \max_{p,q}\; x_{n,\,c,\; i s_h + p,\; j s_w + q}

    NaN counts as larger than every number: a window holding NaN has maximum NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import loops
    >>> loops.max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x, _, (kh, kw), (sh, sw), (ho, wo) = pool_args(x, size, stride, what="max_pool2d")
    n_batch, channels = x.shape[:2]
    y = np.zeros((n_batch, channels, ho, wo), dtype=x.dtype)
    for n in range(n_batch):
        for c in range(channels):
            for i in range(ho):
                for j in range(wo):
                    window = [x[n, c, i * sh + p, j * sw + q] for p in range(kh) for q in range(kw)]
                    # Python's max() would skip a NaN unless it came first
                    y[n, c, i, j] = np.nan if np.isnan(window).any() else max(window)
    return y


def max_pool2d_backward(dy, x, size=2, stride=None) -> np.ndarray:
    r"""Max-pool gradient with a loop over every window; first maximum wins ties.

    Parameters
    ----------
    dy : array_like, shape (N, C, H_out, W_out)
    x : array_like, shape (N, C, H, W)
    size, stride : int or (int, int), optional
        As in the forward pass.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)

    Raises
    ------
    TypeError, ValueError
        Exactly as :func:`cnnbp.max_pool2d_backward`.

    Notes
    -----
    For each window, find the position of its maximum scanning rows then columns and
    keeping the *first* one on ties (a strict ``>`` never replaces an equal earlier value);
    NaN counts as larger than every number, so a window holding NaN picks its first NaN:

    .. math::
        (p^*, q^*) = \text{first } \operatorname*{argmax}_{(p,q)}\; x_{n,\,c,\; i s_h + p,\; j s_w + q},
        \qquad
        \frac{\partial L}{\partial x_{n,c,\,i s_h + p^*,\, j s_w + q^*}} \mathrel{+}= \delta_{n,c,i,j} .

    ``+=`` because overlapping windows can share their maximum.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import loops
    >>> x = np.array([[[[1.0, 1.0], [0.0, 1.0]]]])        # a three-way tie
    >>> loops.max_pool2d_backward(np.array([[[[2.0]]]]), x)[0, 0]
    array([[2., 0.],
           [0., 0.]])
    """
    x, dy, (kh, kw), (sh, sw), (ho, wo) = pool_args(
        x, size, stride, dy=dy, what="max_pool2d_backward"
    )
    n_batch, channels = x.shape[:2]
    dx = np.zeros(x.shape, dtype=x.dtype)
    for n in range(n_batch):
        for c in range(channels):
            for i in range(ho):
                for j in range(wo):
                    best_u, best_v = i * sh, j * sw
                    for p in range(kh):
                        for q in range(kw):
                            u, v = i * sh + p, j * sw + q
                            value, best = x[n, c, u, v], x[n, c, best_u, best_v]
                            # NaN beats every number but not an earlier NaN (np.argmax's rule)
                            if value > best or (np.isnan(value) and not np.isnan(best)):
                                best_u, best_v = u, v
                    dx[n, c, best_u, best_v] += dy[n, c, i, j]
    return dx


def avg_pool2d(x, size=2, stride=None) -> np.ndarray:
    r"""Average pooling with a loop over every window; same API as :func:`cnnbp.avg_pool2d`.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    size : int or (int, int), optional
        Window ``(kh, kw)``.
    stride : int or (int, int), optional
        Step between windows; ``None`` means `size`.

    Returns
    -------
    y : ndarray, shape (N, C, H_out, W_out)

    Raises
    ------
    TypeError, ValueError
        Exactly as :func:`cnnbp.avg_pool2d`.

    Notes
    -----
    .. math::
        y_{n,c,i,j} = \frac{1}{k_h k_w} \sum_{p=0}^{k_h-1} \sum_{q=0}^{k_w-1}
            x_{n,\,c,\; i s_h + p,\; j s_w + q}

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import loops
    >>> loops.avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x, _, (kh, kw), (sh, sw), (ho, wo) = pool_args(x, size, stride, what="avg_pool2d")
    n_batch, channels = x.shape[:2]
    y = np.zeros((n_batch, channels, ho, wo), dtype=x.dtype)
    for n in range(n_batch):
        for c in range(channels):
            for i in range(ho):
                for j in range(wo):
                    total = 0.0
                    for p in range(kh):
                        for q in range(kw):
                            total += x[n, c, i * sh + p, j * sw + q]
                    y[n, c, i, j] = total / (kh * kw)
    return y


def avg_pool2d_backward(dy, x, size=2, stride=None) -> np.ndarray:
    r"""Average-pool gradient with a loop over every window.

    Parameters
    ----------
    dy : array_like, shape (N, C, H_out, W_out)
    x : array_like, shape (N, C, H, W)
        Only its shape and dtype are used.
    size, stride : int or (int, int), optional
        As in the forward pass.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)

    Raises
    ------
    TypeError, ValueError
        Exactly as :func:`cnnbp.avg_pool2d_backward`.

    Notes
    -----
    Each of the :math:`k_h k_w` entries of window :math:`(i, j)` gets an equal share:

    .. math::
        \frac{\partial L}{\partial x_{n,c,\,i s_h + p,\, j s_w + q}} \mathrel{+}=
            \frac{\delta_{n,c,i,j}}{k_h k_w} \quad \text{for all } p, q .

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import loops
    >>> loops.avg_pool2d_backward(np.array([[[[4.0]]]]), np.zeros((1, 1, 2, 3)))[0, 0]
    array([[1., 1., 0.],
           [1., 1., 0.]])
    """
    x, dy, (kh, kw), (sh, sw), (ho, wo) = pool_args(
        x, size, stride, dy=dy, what="avg_pool2d_backward"
    )
    n_batch, channels = x.shape[:2]
    dx = np.zeros(x.shape, dtype=x.dtype)
    for n in range(n_batch):
        for c in range(channels):
            for i in range(ho):
                for j in range(wo):
                    share = dy[n, c, i, j] / (kh * kw)
                    for p in range(kh):
                        for q in range(kw):
                            dx[n, c, i * sh + p, j * sw + q] += share
    return dx
