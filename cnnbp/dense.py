r"""The fully connected (affine) layer ``y = x wᵀ + b`` and its backward pass.

Weights are stored ``(out, in)``, as in PyTorch's ``nn.Linear``: row ``k`` holds the weights
into output neuron ``k``. In the seed question, the FC layer maps the four pooled-and-squashed
values to the two neurons H1 and H2, so there ``w`` is ``(2, 4)``.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_ndim, check_shape, common_dtype

__all__ = ["linear", "linear_backward"]


def linear(x, w, b=None) -> np.ndarray:
    r"""Affine map of a batch: ``y = x @ w.T + b``.

    Parameters
    ----------
    x : array_like, shape (N, in)
        A batch of N input vectors.
    w : array_like, shape (out, in)
        Weights; ``w[k, j]`` connects input ``j`` to output ``k``.
    b : array_like, shape (out,), optional
        One bias per output. ``None`` means no bias.

    Returns
    -------
    y : ndarray, shape (N, out)
        In the promoted float dtype of the inputs (float32 only if all are float32).

    Raises
    ------
    ValueError
        If `x` or `w` is not 2-D, their ``in`` sizes differ, or `b` is not ``(out,)``.
    TypeError
        If an input is not real numeric data.

    Notes
    -----
    .. math:: y_{nk} = \sum_j x_{nj}\, w_{kj} + b_k

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import linear
    >>> x = np.array([[1.0, 2.0, 3.0]])
    >>> w = np.array([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]])
    >>> linear(x, w, b=[0.0, 1.0])
    array([[-2.,  4.]])
    """
    x = as_array(x, "x")
    w = as_array(w, "w")
    check_ndim(x, 2, "x", "(N, in)")
    check_ndim(w, 2, "w", "(out, in)")
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"x has {x.shape[1]} features (shape {x.shape}) but w expects {w.shape[1]} "
            f"(shape {w.shape}, layout (out, in))"
        )
    arrays = [x, w]
    if b is not None:
        b = as_array(b, "b")
        check_shape(b, (w.shape[0],), "b", "one bias per output row of w")
        arrays.append(b)
    dtype = common_dtype(*arrays)
    y = x @ w.T
    if b is not None:
        y = y + b
    return y.astype(dtype, copy=False)


def linear_backward(dy, x, w) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of the affine map with respect to its input, weights and bias.

    Parameters
    ----------
    dy : array_like, shape (N, out)
        Upstream gradient :math:`\partial L / \partial y`.
    x : array_like, shape (N, in)
        The forward input.
    w : array_like, shape (out, in)
        The forward weights.

    Returns
    -------
    dx : ndarray, shape (N, in)
    dw : ndarray, shape (out, in)
    db : ndarray, shape (out,)
        Returned whether or not the forward pass used a bias. All three have the promoted
        float dtype of `dy`, `x` and `w`.

    Raises
    ------
    ValueError
        If a shape does not fit ``x (N, in)``, ``w (out, in)``, ``dy (N, out)``.
    TypeError
        If an input is not real numeric data.

    Notes
    -----
    Differentiating :math:`y_{nk} = \sum_j x_{nj} w_{kj} + b_k`:

    .. math::
        \frac{\partial L}{\partial x_{nj}} = \sum_k dy_{nk}\, w_{kj}, \qquad
        \frac{\partial L}{\partial w_{kj}} = \sum_n dy_{nk}\, x_{nj}, \qquad
        \frac{\partial L}{\partial b_k} = \sum_n dy_{nk},

    i.e. ``dx = dy @ w``, ``dw = dy.T @ x``, ``db = dy.sum(0)``. With the seed's numbers the
    four entries of ``dx`` are the sums that start the question's four deltas, the first being
    :math:`0.25 \cdot 0.61 + (-0.15) \cdot 0.02` of :math:`\delta_{11}`.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import linear_backward
    >>> w_fc = np.array([[0.61, 0.82, 0.96, -1.00], [0.02, -0.50, 0.23, 0.17]])
    >>> dx, dw, db = linear_backward(np.array([[0.25, -0.15]]), np.ones((1, 4)), w_fc)
    >>> dx.round(4)
    array([[ 0.1495,  0.28  ,  0.2055, -0.2755]])
    >>> dw.shape, db
    ((2, 4), array([ 0.25, -0.15]))
    """
    dy = as_array(dy, "dy")
    x = as_array(x, "x")
    w = as_array(w, "w")
    check_ndim(x, 2, "x", "(N, in)")
    check_ndim(w, 2, "w", "(out, in)")
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"x has {x.shape[1]} features (shape {x.shape}) but w expects {w.shape[1]} "
            f"(shape {w.shape}, layout (out, in))"
        )
    check_shape(dy, (x.shape[0], w.shape[0]), "dy", "the forward output's shape (N, out)")
    dtype = common_dtype(dy, x, w)
    dx = (dy @ w).astype(dtype, copy=False)
    dw = (dy.T @ x).astype(dtype, copy=False)
    db = dy.sum(axis=0).astype(dtype, copy=False)
    return dx, dw, db
