r"""2-D max and average pooling: forward and backward, batched and per channel.

Windows of ``size = (kh, kw)`` move by ``stride = (s_h, s_w)`` (default: the window size, so
windows tile the input); there is no padding, and input rows or columns past the last whole
window are dropped (their gradient is zero). Windows may overlap when the stride is smaller
than the window; an input entry then collects gradient from every window that used it.

Few windows are laid out as columns, as :func:`cnnbp.im2col` does for a convolution, and each
column is reduced (gradients go back as :func:`cnnbp.col2im` adds columns back); many are
visited tap by tap through a strided view, each step a whole-array operation over a block of
planes. :mod:`cnnbp.loops` has the same functions written as loops over every window.
"""

from __future__ import annotations

import functools

import numpy as np

from ._im2col import SMALL, col2im, im2col, positions, windows
from ._validate import pool_args

__all__ = ["avg_pool2d", "avg_pool2d_backward", "max_pool2d", "max_pool2d_backward"]

# Large inputs are max-pooled in blocks of whole (n, c) planes of about this many bytes, so that
# a block's taps and temporaries stay in cache across the kh*kw passes over it (forward and
# backward, 2x2 windows over (8, 64, 32, 32) float64: 1.5x faster).
_BLOCK_BYTES = 1 << 20


def _cols(x, size, stride, out_hw) -> np.ndarray:
    """`x`'s windows as ``(N, C, kh*kw, H_out*W_out)``: ``[n, c, k, i*W_out + j]`` is tap ``k``
    (row-major within the window) of window ``(i, j)``."""
    cols = im2col(x, size, stride, (0, 0), (1, 1), out_hw)
    return cols.reshape(*x.shape[:2], -1, out_hw[0] * out_hw[1])


@functools.lru_cache(maxsize=64)
def _window_taps(x_shape, size, stride, out_hw):
    """``(where, rows)``: ``where[r, k]`` is the flat index into `x` of tap ``k`` of window ``r``
    (windows in ``(n, c, i, j)`` order), ``rows`` is ``arange(len(where))``. Cached with
    :func:`cnnbp._im2col.positions`, whose reordering it is."""
    where = positions(x_shape, size, stride, (1, 1), out_hw)
    where = where.reshape(*x_shape[:2], size[0] * size[1], -1).transpose(0, 1, 3, 2)
    where = where.reshape(-1, size[0] * size[1])
    where.flags.writeable = False
    return where, np.arange(len(where))


def _blocks(*arrays):
    """Views of the arrays as one-channel images ``(N*C, 1, H, W)``, a block of planes at a time."""
    planes = [a.reshape(-1, 1, *a.shape[2:]) for a in arrays]
    per = max(1, _BLOCK_BYTES // planes[0][0].nbytes)
    for start in range(0, len(planes[0]), per):
        yield [p[start : start + per] for p in planes]


def _taps(x, size, stride, out_hw, writeable=False) -> list:
    """The ``kh*kw`` views ``[n, c, i, j]`` = tap ``(p, q)`` of window ``(i, j)``, row-major."""
    win = windows(x, size, stride, (1, 1), out_hw, writeable)
    return [win[..., p, q] for p in range(size[0]) for q in range(size[1])]


def _max(taps, out) -> np.ndarray:
    np.copyto(out, taps[0])
    for t in taps[1:]:
        np.maximum(out, t, out=out)  # propagates NaN: NaN counts as the largest
    return out


def _bits(a) -> np.ndarray:
    """`a` viewed as unsigned ints of its size. ``_bits(dy) * mask`` is ``np.where(mask, dy, 0)``
    bit for bit, inf and NaN included (a float product would give inf * 0 = NaN), without
    np.where's branch per entry (6x slower on random masks)."""
    return a.view({4: np.uint32, 8: np.uint64}[a.itemsize])


def max_pool2d(x, size=2, stride=None) -> np.ndarray:
    r"""Max pooling: the largest entry of each window, per image and channel.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Input batch.
    size : int or (int, int), optional
        Window ``(kh, kw)``; must fit in ``(H, W)``.
    stride : int or (int, int), optional
        Step between windows; ``None`` means `size` (non-overlapping windows).

    Returns
    -------
    y : ndarray, shape (N, C, H_out, W_out)
        :math:`H_\text{out} = \lfloor (H - k_h)/s_h \rfloor + 1`, likewise for the width;
        same dtype as `x` (float32 stays float32).

    Raises
    ------
    TypeError
        Non-numeric `x`, non-integer `size` or `stride`.
    ValueError
        `x` not 4-D, size or stride < 1 or a tuple of the wrong length, or a window larger
        than the input.

    Notes
    -----
    .. math::
        y_{n,c,i,j} = \max_{0 \le p < k_h,\; 0 \le q < k_w} x_{n,\,c,\; i s_h + p,\; j s_w + q}

    Computed as the maximum of each window's column (im2col, as for a convolution) when there
    are few windows, else as :math:`k_h k_w` element-wise maxima of strided views of `x`, over
    blocks of planes that stay in cache.

    **NaN** counts as larger than every number (as in :func:`numpy.argmax`): a window holding
    NaN outputs NaN. Infinities are ordinary values.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import max_pool2d
    >>> x = np.array([[[[1.0, 5.0, 2.0, 0.0],
    ...                 [3.0, 4.0, 1.0, 7.0],
    ...                 [0.0, 2.0, 6.0, 6.0],
    ...                 [1.0, 1.0, 6.0, 6.0]]]])
    >>> max_pool2d(x)
    array([[[[5., 7.],
             [2., 6.]]]])
    >>> max_pool2d(x, size=3, stride=1)
    array([[[[6., 7.],
             [6., 7.]]]])
    """
    x, _, size, stride, hw = pool_args(x, size, stride, what="max_pool2d")
    if x.shape[0] * x.shape[1] * size[0] * size[1] * hw[0] * hw[1] <= SMALL:
        return _cols(x, size, stride, hw).max(axis=2).reshape(*x.shape[:2], *hw)
    y = np.empty((*x.shape[:2], *hw), dtype=x.dtype)
    for xb, yb in _blocks(x, y):
        _max(_taps(xb, size, stride, hw), out=yb)
    return y


def max_pool2d_backward(dy, x, size=2, stride=None) -> np.ndarray:
    r"""Gradient of :func:`max_pool2d`: each window's delta goes to its maximum.

    Parameters
    ----------
    dy : array_like, shape (N, C, H_out, W_out)
        Upstream gradient, exactly the forward output's shape.
    x : array_like, shape (N, C, H, W)
        The input the forward pass saw.
    size, stride : int or (int, int), optional
        As in the forward pass.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Zero except at each window's maximum.

    Raises
    ------
    TypeError, ValueError
        As :func:`max_pool2d`, plus a `dy` whose shape is not the forward output's.

    Notes
    -----
    Within a window the maximum is locally the identity of one entry and the others do not
    matter, so

    .. math::
        \frac{\partial L}{\partial x_{n,c,u,v}} = \sum_{i,j} \delta_{n,c,i,j}\,
            [\,u = i s_h + p^*_{ij},\ v = j s_w + q^*_{ij}\,], \qquad
        (p^*_{ij}, q^*_{ij}) = \operatorname*{argmax}_{(p,q)} x_{n,\,c,\; i s_h + p,\; j s_w + q} ,

    where :math:`[\cdot]` is 1 when the condition holds and 0 otherwise.

    **Ties**: when several entries of a window share the maximum, the *whole* gradient goes
    to the first of them in row-major order within the window (smallest row, then smallest
    column) — PyTorch's rule on CPU. The others get nothing from that window.

    **Overlapping windows** (stride < size): an entry that is the maximum of several windows
    receives the *sum* of their deltas (``+=``, not ``=``).

    **NaN** counts as larger than every number, as in :func:`numpy.argmax`: the whole
    gradient of a window holding NaN goes to its first NaN in row-major order (the tie rule
    again; PyTorch on CPU picks the last NaN instead).

    Computed, with few windows, as :func:`numpy.argmax` over each window's column, whose
    rules these are; with many, tap by tap: a window's first maximum is its first tap equal
    to its maximum, or its first NaN when that is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import max_pool2d_backward
    >>> x = np.array([[[[1.0, 5.0, 2.0, 0.0],
    ...                 [3.0, 4.0, 1.0, 7.0],
    ...                 [0.0, 2.0, 6.0, 6.0],
    ...                 [1.0, 1.0, 6.0, 6.0]]]])
    >>> dy = np.array([[[[0.1, 0.2], [0.3, 0.4]]]])
    >>> max_pool2d_backward(dy, x)          # the 6-6-6-6 tie: first one takes it all
    array([[[[0. , 0.1, 0. , 0. ],
             [0. , 0. , 0. , 0.2],
             [0. , 0.3, 0.4, 0. ],
             [0. , 0. , 0. , 0. ]]]])
    >>> max_pool2d_backward(np.ones((1, 1, 2, 2)), x, size=3, stride=1)[0, 0]  # accumulates
    array([[0., 0., 0., 0.],
           [0., 0., 0., 2.],
           [0., 0., 2., 0.],
           [0., 0., 0., 0.]])
    """
    x, dy, size, stride, hw = pool_args(x, size, stride, dy, "max_pool2d_backward")
    (n, c), k = x.shape[:2], size[0] * size[1]
    if n * c * k * hw[0] * hw[1] <= SMALL:
        # Few windows: argmax over each window (the first maximum; NaN counts as the largest)
        # picks where in x its delta goes; bincount adds the deltas up there.
        where, rows = _window_taps(x.shape, size, stride, hw)
        first = where[rows, x.take(where).argmax(axis=1)]
        dx = np.bincount(first, dy.ravel(), x.size).reshape(x.shape)
        return dx.astype(x.dtype, copy=False)  # bincount adds in float64
    # Many windows: the same rule tap by tap, each step a whole-array operation over a block
    # of planes (np.argmax along the columns' window axis: 1.4x to 2.4x slower, benchmark pools).
    dx = np.empty(x.shape, dtype=x.dtype)
    overlap = stride[0] < size[0] or stride[1] < size[1]
    # windows that tile x write every entry of dx below (forward and backward: 1.06x)
    tiles = stride == size and (hw[0] * size[0], hw[1] * size[1]) == x.shape[2:]
    for xb, dyb, dxb in _blocks(x, dy, dx):
        if not tiles:
            dxb.fill(0)  # block by block, so that the writes below find it in cache
        taps, bits = _taps(xb, size, stride, hw), _bits(dyb)
        y = _max(taps, np.empty(dyb.shape, dtype=x.dtype))
        nan = np.isnan(y).any()
        done = np.zeros(y.shape, dtype=bool)  # windows whose first maximum has been seen
        for t, target in zip(taps, _taps(dxb, size, stride, hw, writeable=True), strict=True):
            first = (t == y) | np.isnan(t) if nan else t == y
            first = np.greater(first, done, out=first)
            done |= first
            if overlap:  # an entry of several windows collects all their deltas
                np.add(target, (bits * first).view(dy.dtype), out=target)
            else:  # each entry is in one window at most: write the delta or 0 straight in
                np.multiply(bits, first, out=_bits(target))
    return dx


def avg_pool2d(x, size=2, stride=None) -> np.ndarray:
    r"""Average pooling: the mean of each window, per image and channel.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Input batch.
    size : int or (int, int), optional
        Window ``(kh, kw)``; must fit in ``(H, W)``.
    stride : int or (int, int), optional
        Step between windows; ``None`` means `size`.

    Returns
    -------
    y : ndarray, shape (N, C, H_out, W_out)
        Sizes as in :func:`max_pool2d`; same dtype as `x`.

    Raises
    ------
    TypeError, ValueError
        As :func:`max_pool2d`.

    Notes
    -----
    .. math::
        y_{n,c,i,j} = \frac{1}{k_h k_w} \sum_{p=0}^{k_h-1} \sum_{q=0}^{k_w-1}
            x_{n,\,c,\; i s_h + p,\; j s_w + q}

    It is a convolution of each channel with a constant kernel :math:`1/(k_h k_w)` and the
    pool's stride.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import avg_pool2d
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> avg_pool2d(x)
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """
    x, _, size, stride, hw = pool_args(x, size, stride, what="avg_pool2d")
    mean = _cols(x, size, stride, hw).sum(axis=2) * (1.0 / (size[0] * size[1]))
    return mean.reshape(*x.shape[:2], *hw)


def avg_pool2d_backward(dy, x, size=2, stride=None) -> np.ndarray:
    r"""Gradient of :func:`avg_pool2d`: each window's delta is shared equally by its entries.

    Parameters
    ----------
    dy : array_like, shape (N, C, H_out, W_out)
        Upstream gradient, exactly the forward output's shape.
    x : array_like, shape (N, C, H, W)
        The input the forward pass saw (only its shape and dtype are used).
    size, stride : int or (int, int), optional
        As in the forward pass.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)

    Raises
    ------
    TypeError, ValueError
        As :func:`avg_pool2d`, plus a `dy` whose shape is not the forward output's.

    Notes
    -----
    Every entry of a window enters its mean with weight :math:`1/(k_h k_w)`, so

    .. math::
        \frac{\partial L}{\partial x_{n,c,u,v}} = \frac{1}{k_h k_w}
            \sum_{(i,j):\ (u,v) \in \text{window}(i,j)} \delta_{n,c,i,j}

    summing over all windows containing :math:`(u, v)` (several when windows overlap, none
    for entries past the last window).

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import avg_pool2d_backward
    >>> x = np.zeros((1, 1, 3, 3))
    >>> avg_pool2d_backward(np.ones((1, 1, 2, 2)), x, size=2, stride=1)[0, 0]
    array([[0.25, 0.5 , 0.25],
           [0.5 , 1.  , 0.5 ],
           [0.25, 0.5 , 0.25]])
    """
    x, dy, size, stride, hw = pool_args(x, size, stride, dy, "avg_pool2d_backward")
    (n, c), k = dy.shape[:2], size[0] * size[1]
    share = (dy * (1.0 / k)).reshape(n, c, 1, -1)  # each tap of a window: an equal share
    dcols = np.broadcast_to(share, (n, c, k, share.shape[3])).reshape(n, c * k, -1)
    return col2im(dcols, x.shape, size, stride, (0, 0), (1, 1), hw)
