r"""Losses and their gradients: the seed's squared error, softmax, softmax cross-entropy.

:func:`mse_loss` is the *sum* :math:`L = \tfrac12 \sum_p (t_p - y_p)^2` used in the seed's
answer, not a mean, so its gradient is simply ``y - t``. :func:`softmax_cross_entropy` is the
usual classification loss, averaged over the batch, with integer class labels.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_ndim, check_shape, common_dtype

__all__ = [
    "mse_loss",
    "mse_loss_backward",
    "softmax",
    "softmax_cross_entropy",
    "softmax_cross_entropy_backward",
]


def _pair(y, t) -> tuple[np.ndarray, np.ndarray]:
    y = as_array(y, "y")
    t = as_array(t, "t")
    # No broadcasting: (N, 1) against (N,) would silently build an (N, N) error matrix.
    check_shape(t, y.shape, "t", "the shape of y")
    return y, t


def mse_loss(y, t) -> float:
    r"""Half the summed squared error :math:`L = \tfrac12 \sum_p (t_p - y_p)^2`.

    Parameters
    ----------
    y : array_like, any shape
        Predictions.
    t : array_like, exactly the shape of `y`
        Targets. Shapes are not broadcast: ``(N, 1)`` against ``(N,)`` is an error.

    Returns
    -------
    float
        The loss, summed (not averaged) over every entry.

    Raises
    ------
    ValueError
        If the shapes of `y` and `t` differ.
    TypeError
        If either is not real numeric data.

    Notes
    -----
    This is the error function of the seed's answer (:math:`E` there, :math:`L` on this
    site). The factor :math:`\tfrac12` cancels the 2 of the derivative; summing instead of
    averaging keeps the gradient free of a :math:`1/N` (see :func:`mse_loss_backward`).

    Examples
    --------
    >>> from cnnbp import mse_loss
    >>> mse_loss([1.0, 2.0], [0.0, 4.0])
    2.5
    """
    y, t = _pair(y, t)
    return float(0.5 * np.sum((t - y) ** 2))


def mse_loss_backward(y, t) -> np.ndarray:
    r"""Gradient of :func:`mse_loss` with respect to the predictions: ``y - t``.

    Parameters
    ----------
    y : array_like, any shape
        Predictions.
    t : array_like, exactly the shape of `y`
        Targets.

    Returns
    -------
    dy : ndarray, shape of `y`
        :math:`\partial L / \partial y`, in the promoted float dtype of `y` and `t`.

    Raises
    ------
    ValueError
        If the shapes of `y` and `t` differ.
    TypeError
        If either is not real numeric data.

    Notes
    -----
    .. math::
        \frac{\partial}{\partial y_p} \frac12 \sum_q (t_q - y_q)^2 = -(t_p - y_p) = y_p - t_p

    Examples
    --------
    >>> from cnnbp import mse_loss_backward
    >>> mse_loss_backward([1.0, 2.0], [0.0, 4.0])
    array([ 1., -2.])
    """
    y, t = _pair(y, t)
    return (y - t).astype(common_dtype(y, t), copy=False)


def softmax(z) -> np.ndarray:
    r"""Softmax along the last axis (for a batch ``(N, K)``: each row sums to 1).

    Parameters
    ----------
    z : array_like, shape (..., K)
        Logits; at least 1-D, with ``K >= 1`` classes on the last axis.

    Returns
    -------
    p : ndarray, shape of `z`
        Probabilities in the float dtype of `z`.

    Raises
    ------
    ValueError
        If `z` is 0-D or its last axis is empty.
    TypeError
        If `z` is not real numeric data.

    Notes
    -----
    Softmax does not change when a constant is subtracted from every logit, so subtracting
    each row's maximum makes every exponent :math:`\le 0` (no overflow, even for logits of
    :math:`\pm 1000`):

    .. math::
        p_k = \frac{e^{z_k}}{\sum_j e^{z_j}} = \frac{e^{z_k - m}}{\sum_j e^{z_j - m}},
        \qquad m = \max_j z_j .

    Examples
    --------
    >>> from cnnbp import softmax
    >>> softmax([[0.0, 0.0], [1000.0, -1000.0]])
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    z = as_array(z, "z")
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(f"z must be at least 1-D with a non-empty class axis (..., K), got shape {z.shape}")
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(z.dtype, copy=False)


def _logits_labels(logits, labels) -> tuple[np.ndarray, np.ndarray]:
    logits = as_array(logits, "logits")
    check_ndim(logits, 2, "logits", "(N, K)")
    n, k = logits.shape
    if n == 0 or k == 0:
        raise ValueError(f"logits must have at least one row and one class, got shape {logits.shape}")
    try:
        raw = labels if isinstance(labels, np.ndarray) else np.asarray(labels)
    except ValueError as err:  # ragged nested lists
        raise TypeError(f"labels must be integer class indices, could not convert them: {err}") from None
    if raw.dtype.kind not in "iu":
        raise TypeError(
            f"labels must be integer class indices, got dtype {raw.dtype} (shape {raw.shape})"
        )
    if raw.shape != (n,):
        raise ValueError(
            f"labels must have shape (N,) = ({n},), one per row of logits {logits.shape}, "
            f"got shape {raw.shape}"
        )
    if np.any(raw < 0) or np.any(raw >= k):
        bad = raw[(raw < 0) | (raw >= k)]
        raise ValueError(
            f"labels must lie in [0, {k - 1}] for logits of shape {logits.shape}, got {bad.tolist()}"
        )
    return logits, raw.astype(np.intp, copy=False)


def softmax_cross_entropy(logits, labels) -> float:
    r"""Mean cross-entropy of the softmax of `logits` against integer class `labels`.

    Parameters
    ----------
    logits : array_like, shape (N, K)
        Unnormalized scores, one row per example.
    labels : array_like of int, shape (N,)
        The correct class of each row, in ``[0, K)``.

    Returns
    -------
    float
        :math:`L = -\frac1N \sum_n \log p_{n, \ell_n}`.

    Raises
    ------
    ValueError
        If `logits` is not 2-D or is empty, if `labels` is not ``(N,)``, or if a label is
        outside ``[0, K)``.
    TypeError
        If `labels` are not integers (floats such as ``1.0`` included), or `logits` is not
        real numeric data.

    Notes
    -----
    With the row maximum :math:`m_n` subtracted (see :func:`softmax`), the log-probability
    is computed without ever forming a tiny :math:`p`:

    .. math::
        \log p_{nk} = (z_{nk} - m_n) - \log \sum_j e^{z_{nj} - m_n},

    so logits of :math:`\pm 1000` give a finite, exact loss (2000 for a confident mistake).

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import softmax_cross_entropy
    >>> round(softmax_cross_entropy(np.zeros((2, 4)), [0, 3]), 6)  # log 4
    1.386294
    >>> softmax_cross_entropy([[1000.0, -1000.0]], [1])
    2000.0
    """
    logits, labels = _logits_labels(logits, labels)
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.mean(logp[np.arange(logits.shape[0]), labels]))


def softmax_cross_entropy_backward(logits, labels) -> np.ndarray:
    r"""Gradient of :func:`softmax_cross_entropy` with respect to the logits.

    Parameters
    ----------
    logits : array_like, shape (N, K)
        The logits of the forward pass.
    labels : array_like of int, shape (N,)
        The class of each row, in ``[0, K)``.

    Returns
    -------
    dlogits : ndarray, shape (N, K)
        ``(softmax(logits) - onehot(labels)) / N`` in the float dtype of `logits`.

    Raises
    ------
    ValueError
        As :func:`softmax_cross_entropy`.
    TypeError
        As :func:`softmax_cross_entropy`.

    Notes
    -----
    For one row, :math:`-\log p_\ell = -z_\ell + \log \sum_j e^{z_j}`, so
    :math:`\partial(-\log p_\ell)/\partial z_k = p_k - [k = \ell]` (the softmax minus the
    one-hot label); the mean over the batch divides by :math:`N`:

    .. math:: \frac{\partial L}{\partial z_{nk}} = \frac{p_{nk} - [k = \ell_n]}{N}.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import softmax_cross_entropy_backward
    >>> softmax_cross_entropy_backward(np.zeros((2, 2)), [0, 1])
    array([[-0.25,  0.25],
           [ 0.25, -0.25]])
    """
    logits, labels = _logits_labels(logits, labels)
    n = logits.shape[0]
    g = softmax(logits)  # a fresh array: safe to modify
    g[np.arange(n), labels] -= 1
    g /= n
    return g
