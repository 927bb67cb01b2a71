r"""2-D max and average pooling: forward and backward, batched and per channel.

Windows of ``size = (kh, kw)`` move by ``stride = (s_h, s_w)`` (default: the window size, so
windows tile the input); there is no padding, and input rows or columns past the last whole
window are dropped (their gradient is zero). Windows may overlap when the stride is smaller
than the window; an input entry then collects gradient from every window that used it.

The fast path below loops over the ``kh*kw`` offsets inside a window, each step a whole-array
operation on a strided slice of the input, over blocks of whole image planes that fit in
cache (tiny inputs instead gather every window with one cached index map);
:mod:`cnnbp.loops` has the same functions written as loops over every window.
"""

from __future__ import annotations

import functools

import numpy as np

from ._fastconv import _as_array
from ._validate import as_pair, check_ndim, check_shape

__all__ = ["avg_pool2d", "avg_pool2d_backward", "max_pool2d", "max_pool2d_backward"]


# Outcomes of _pool_args for signatures already seen (as in cnnbp._fastconv's _conv_args): with
# exact ndarrays and int (or None) size and stride, the checks depend only on shapes, dtypes
# and those ints, so a signature that passed once without conversion passes again. Errors
# and converting calls are never stored.
_SEEN_POOL: dict = {}
_SEEN_MAX = 256


def _pool_key(x, size, stride, dy):
    """Hashable signature of a call, or None when the fast path does not apply."""
    if (
        type(x) is np.ndarray
        and type(size) is int
        and (stride is None or type(stride) is int)
        and (dy is None or type(dy) is np.ndarray)
    ):
        return (x.shape, x.dtype, size, stride, None if dy is None else (dy.shape, dy.dtype))
    return None


def _pool_args(x, size, stride, dy=None, what="pool"):
    """Validate and normalise pooling arguments (shared with :mod:`cnnbp.loops`).

    Returns ``(x, dy, size, stride, out_hw)`` with `size` and `stride` as pairs of ints and
    `dy` converted to `x`'s common dtype (``None`` when not given).
    """
    key = _pool_key(x, size, stride, dy)
    seen = _SEEN_POOL.get(key)  # a None key is never stored
    if seen is not None:
        return (x, dy, *seen)
    out = _check_pool_args(x, size, stride, dy, what)
    if key is not None and out[0] is x and out[1] is dy:
        if len(_SEEN_POOL) >= _SEEN_MAX:
            _SEEN_POOL.clear()
        _SEEN_POOL[key] = out[2:]
    return out


def _check_pool_args(x, size, stride, dy, what):
    """The checks and conversions of :func:`_pool_args`, run on every new signature."""
    x = _as_array(x, "x")
    check_ndim(x, 4, "x", "(N, C, H, W)")
    if 0 in x.shape:
        raise ValueError(f"x has an empty dimension: shape {x.shape}")
    # plain positive ints skip as_pair's general checks (µs matter on tiny inputs)
    kh, kw = (size, size) if type(size) is int and size >= 1 else as_pair(size, "size", 1)
    if stride is None:
        sh, sw = kh, kw
    else:
        sh, sw = (
            (stride, stride)
            if type(stride) is int and stride >= 1
            else as_pair(stride, "stride", 1)
        )
    h, w = x.shape[2:]
    if kh > h or kw > w:
        raise ValueError(
            f"{what}: window size ({kh}, {kw}) is larger than the input's spatial size "
            f"({h}, {w}) (x shape {x.shape})"
        )
    out_hw = ((h - kh) // sh + 1, (w - kw) // sw + 1)
    if dy is not None:
        dy = _as_array(dy, "dy")
        check_ndim(dy, 4, "dy", "(N, C, H_out, W_out)")
        expected = (*x.shape[:2], *out_hw)
        if dy.shape != expected:
            check_shape(
                dy,
                expected,
                "dy",
                f"the forward output's shape for x {x.shape}, size ({kh}, {kw}), stride ({sh}, {sw})",
            )
        if dy.dtype != x.dtype:
            dtype = np.result_type(x, dy)
            x, dy = x.astype(dtype, copy=False), dy.astype(dtype, copy=False)
    return x, dy, (kh, kw), (sh, sw), out_hw


def _offsets(size, stride, out_hw):
    """``(rows, cols)`` slices: the input entries at each window offset, in row-major order."""
    (kh, kw), (sh, sw), (ho, wo) = size, stride, out_hw
    return [
        (slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw))
        for i in range(kh)
        for j in range(kw)
    ]


# Up to this many window entries, one gather through a cached index map beats kh*kw slices.
_SMALL = 4096


def _overlaps(size, stride):
    """Do neighbouring windows share entries (a stride smaller than the window on some axis)?"""
    return stride[0] < size[0] or stride[1] < size[1]


def _small(x, size, out_hw):
    return x.shape[0] * x.shape[1] * out_hw[0] * out_hw[1] * size[0] * size[1] <= _SMALL


@functools.lru_cache(maxsize=128)
def _window_index(shape, size, stride, out_hw):
    """Flat indices into `x` of every window entry, ``(N, C, H_out, W_out, kh*kw)`` row-major,
    and the same split as window origin ``(N, C, H_out, W_out)`` + offset within it ``(kh*kw,)``.
    """
    n, c, h, w = shape
    (kh, kw), (sh, sw), (ho, wo) = size, stride, out_hw
    ni, ci, i, j = np.ix_(*(np.arange(m) for m in (n, c, ho, wo)))
    origin = np.ascontiguousarray(((ni * c + ci) * h + i * sh) * w + j * sw)
    offset = (np.arange(kh)[:, None] * w + np.arange(kw)).ravel()
    idx = origin[..., None] + offset
    for a in (origin, offset, idx):
        a.flags.writeable = False
    return idx, origin, offset


# Plans for tiny max-pooling calls, by signature (the keys of _SEEN_POOL): a repeat call goes
# straight from the public function to the gather, skipping the layers between (each costs
# ~1 µs, as much as the arithmetic on a 4x4 input).
_PLANS: dict = {}


def _plan_for(key, x, size, stride, out_hw):
    """``(entries, index maps, disjoint)`` for these validated arguments; remembered when safe.

    ``disjoint``: no two windows share an entry (see :func:`_overlaps`).
    """
    plan = (x.shape[0] * x.shape[1] * out_hw[0] * out_hw[1] * size[0] * size[1],
            _window_index(x.shape, size, stride, out_hw),
            not _overlaps(size, stride))  # fmt: skip
    # safe: _pool_args stored the key, so the call passed every check without conversion
    if key is not None and key in _SEEN_POOL:
        if len(_PLANS) >= _SEEN_MAX:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def _max_small(x, maps):
    # the ufunc's own reduce skips ndarray.max's Python-level wrapper
    return np.maximum.reduce(x.take(maps[0]), -1)


def _max_backward_small(dy, x, maps, disjoint):
    idx, origin, offset = maps
    first = x.take(idx).argmax(-1)  # argmax returns the first maximum
    winner = origin + offset.take(first)
    if disjoint:  # every entry wins at most one window: a plain put, no accumulation
        dx = np.zeros(x.shape, x.dtype)
        dx.put(winner, dy)
        return dx
    dx = np.bincount(winner.ravel(), dy.ravel(), x.size).reshape(x.shape)
    return dx.astype(x.dtype, copy=False)  # bincount works in float64


def _gather(x, size, stride, out_hw):
    # `take` without an axis reads the flattened array (no reshape call: µs matter here)
    return x.take(_window_index(x.shape, size, stride, out_hw)[0])


# Large inputs are processed in blocks of whole (n, c) planes of about this many bytes, so
# that a block's slices and temporaries stay in cache between the kh*kw passes over it.
_BLOCK_BYTES = 1 << 19


def _blocks(x):
    """``x`` as ``(N*C, H, W)`` planes and the ``(start, stop)`` plane ranges of each block."""
    n, c, h, w = x.shape
    planes = x.reshape(n * c, h, w)
    per = max(1, _BLOCK_BYTES // (h * w * x.itemsize))
    return planes, [(a, min(a + per, n * c)) for a in range(0, n * c, per)]


def _max(x, size, stride, out_hw, key=None):
    if _small(x, size, out_hw):
        return _max_small(x, _plan_for(key, x, size, stride, out_hw)[1])
    offsets = _offsets(size, stride, out_hw)
    xp, blocks = _blocks(x)
    y = np.empty((xp.shape[0], *out_hw), dtype=x.dtype)
    for a, b in blocks:
        xb, yb = xp[a:b], y[a:b]
        np.copyto(yb, xb[:, offsets[0][0], offsets[0][1]])
        for rows, cols in offsets[1:]:
            np.maximum(yb, xb[:, rows, cols], out=yb)
    return y.reshape(*x.shape[:2], *out_hw)


def _max_backward(dy, x, size, stride, out_hw, key=None):
    if _small(x, size, out_hw):
        return _max_backward_small(dy, x, *_plan_for(key, x, size, stride, out_hw)[1:])
    offsets = _offsets(size, stride, out_hw)
    overlap = _overlaps(size, stride)
    code = np.uint8 if len(offsets) < 256 else np.intp
    xp, blocks = _blocks(x)
    dyp = dy.reshape(xp.shape[0], *out_hw)
    # Windows that tile the input exactly write every entry of dx once: no zero fill needed.
    tiles = stride == size and all(
        k * o == n for k, o, n in zip(size, out_hw, x.shape[2:], strict=True)
    )
    dx = (np.empty if tiles else np.zeros)(xp.shape, dtype=x.dtype)
    # dy * hit routes every delta in one pass, but inf * 0 is NaN: an infinite or NaN delta
    # would leak NaN onto the other entries of its window, so such a dy is routed by np.where.
    finite = bool(np.isfinite(dy).all())
    shape = (blocks[0][1] - blocks[0][0], *out_hw)
    best_buf, which_buf = np.empty(shape, dtype=x.dtype), np.empty(shape, dtype=code)
    hit_buf, tmp_buf = np.empty(shape, dtype=bool), np.empty(shape, dtype=code)
    for a, b in blocks:
        xb, dyb, dxb = xp[a:b], dyp[a:b], dx[a:b]
        best, which, hit, tmp = (
            best_buf[: b - a],
            which_buf[: b - a],
            hit_buf[: b - a],
            tmp_buf[: b - a],
        )
        # One scan in row-major window order keeps the running maximum; a strict ">" never
        # lets a later equal value take over (the first-max rule). Offsets only grow, so the
        # offset of the last strict improvement, the first maximum, is max_k(k * improved_k):
        # no masked assignment (where=), which is ~8x slower than a plain ufunc here. `hit`
        # enters products as its uint8 view (bool * uint8 casts every entry: twice as slow).
        np.copyto(best, xb[:, offsets[0][0], offsets[0][1]])
        hit01 = hit.view(np.uint8)
        if len(offsets) == 1:
            which.fill(0)
        for k, (rows, cols) in enumerate(offsets[1:], 1):
            s = xb[:, rows, cols]
            np.greater(s, best, out=hit)
            np.maximum(best, s, out=best)
            if k == 1:  # which is still 0, and max(0, 1 * hit) is hit
                np.copyto(which, hit01)
            else:
                np.multiply(hit01, code(k), out=tmp)
                np.maximum(which, tmp, out=which)
        # NaN counts as larger than every number (as in np.argmax): np.maximum propagates it,
        # so a window holding NaN ends with best = NaN, and its gradient goes to its first
        # NaN. No comparison with NaN is true, so the scan never picked one: redo those
        # windows, last offset to first so that the first NaN stays. NaN-free input pays one
        # isnan + count per block, and the cheaper k == 1 step above makes up for it.
        if len(offsets) > 1 and np.count_nonzero(np.isnan(best, out=hit)):
            for k in range(len(offsets) - 1, -1, -1):
                rows, cols = offsets[k]
                np.isnan(xb[:, rows, cols], out=hit)
                np.copyto(which, code(k), where=hit)
        for k, (rows, cols) in enumerate(offsets):
            np.equal(which, k, out=hit)
            target = dxb[:, rows, cols]
            if not finite:
                routed = np.where(hit, dyb, 0)
                if overlap:
                    np.add(target, routed, out=target)
                else:
                    np.copyto(target, routed)
            elif overlap:  # several windows may share a maximum: accumulate
                np.add(target, dyb * hit, out=target)
            else:  # every entry belongs to at most one window: assign
                np.multiply(dyb, hit, out=target)
    return dx.reshape(x.shape)


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

    Computed as :math:`k_h k_w` element-wise maxima of strided slices of `x`.

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
    key = _pool_key(x, size, stride, None)
    plan = _PLANS.get(key)  # a None key is never stored
    # the size test keeps tests that set _SMALL (to force the sliced path) meaningful
    if plan is not None and plan[0] <= _SMALL:
        return _max_small(x, plan[1])
    x, _, size, stride, out_hw = _pool_args(x, size, stride, what="max_pool2d")
    return _max(x, size, stride, out_hw, key)


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
    key = _pool_key(x, size, stride, dy)
    plan = _PLANS.get(key)  # as in max_pool2d
    if plan is not None and plan[0] <= _SMALL:
        return _max_backward_small(dy, x, plan[1], plan[2])
    x, dy, size, stride, out_hw = _pool_args(x, size, stride, dy=dy, what="max_pool2d_backward")
    return _max_backward(dy, x, size, stride, out_hw, key)


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
    x, _, (kh, kw), stride, out_hw = _pool_args(x, size, stride, what="avg_pool2d")
    if _small(x, (kh, kw), out_hw):
        return _gather(x, (kh, kw), stride, out_hw).mean(axis=-1)
    y = np.zeros((*x.shape[:2], *out_hw), dtype=x.dtype)
    for rows, cols in _offsets((kh, kw), stride, out_hw):
        y += x[:, :, rows, cols]
    y *= 1.0 / (kh * kw)
    return y


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
    x, dy, (kh, kw), stride, out_hw = _pool_args(x, size, stride, dy=dy, what="avg_pool2d_backward")
    dx = np.zeros(x.shape, dtype=x.dtype)
    share = dy * (1.0 / (kh * kw))
    for rows, cols in _offsets((kh, kw), stride, out_hw):
        target = dx[:, :, rows, cols]
        np.add(target, share, out=target)
    return dx
