r"""Gradient checking: central differences, relative error, and checkers for analytic gradients.

This is the one helper that cnnbp's tests and its documentation pages share. The pattern is
always the same: turn any layer into a scalar by weighting its output with a random,
non-uniform upstream gradient ``dy``,

.. math:: L(x) = \sum_k y_k(x)\, dy_k ,

so that :math:`\partial L / \partial x` is exactly what the layer's backward pass returns for
that ``dy``; then compare it with central differences of :math:`L`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "check_gradient",
    "check_gradient_projection",
    "numerical_gradient",
    "relative_error",
]


def _check_perturbable(x, who: str) -> None:
    """Raise ``TypeError`` unless `x` is a float ndarray that `who` can perturb in place."""
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(
            f"{who} perturbs x in place, so x must be a float ndarray, got "
            f"{type(x).__name__}" + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else "")
        )
    if not x.flags.writeable:
        raise TypeError(f"{who} perturbs x in place, but x is read-only; pass a copy")


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    r"""Central-difference gradient of a scalar function, one entry at a time.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar. It may ignore its argument and read `x` through a closure:
        `x` is perturbed in place, so both styles see the perturbation.
    x : ndarray, any shape, float
        The point. Each entry is nudged by ``+eps`` and ``-eps`` and then restored exactly,
        so `x` is unchanged on return (also if `f` raises).
    eps : float, optional
        The step. ``1e-6`` suits float64; float32 needs ``1e-2``-ish and loose tolerances.

    Returns
    -------
    grad : ndarray, float64, same shape as `x`

    Raises
    ------
    TypeError
        If `x` is not a float ndarray (it has to be perturbed in place).

    Notes
    -----
    .. math::
        \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

    The error is :math:`O(h^2)` for smooth `f`; at a kink (the maximum of a max-pool
    window, ReLU at 0) the two sides disagree and the estimate is meaningless, which is why
    tests draw inputs with no ties and no zeros unless ties are the point. The step actually
    taken, ``(x_i + eps) - (x_i - eps)`` as rounded in `x`'s dtype, is the one divided by,
    which matters in float32.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import numerical_gradient
    >>> x = np.array([1.0, -2.0, 3.0])
    >>> g = numerical_gradient(lambda v: np.sum(v ** 3), x)
    >>> bool(np.allclose(g, 3 * x ** 2))
    True
    >>> x  # restored
    array([ 1., -2.,  3.])
    """
    _check_perturbable(x, "numerical_gradient")
    grad = np.zeros(x.shape, dtype=np.float64)
    # Index x itself: a reshaped "flat view" would be a silent copy for non-contiguous x.
    for i in np.ndindex(x.shape):
        old = x[i]
        try:
            x[i] = old + eps
            hi = x[i]
            fp = float(f(x))
            x[i] = old - eps
            lo = x[i]
            fm = float(f(x))
        finally:
            x[i] = old
        grad[i] = (fp - fm) / (float(hi) - float(lo))
    return grad


def relative_error(a, b) -> float:
    r"""Norm-wise relative error :math:`\lVert a-b\rVert_2 / (\lVert a\rVert_2 + \lVert b\rVert_2)`.

    Parameters
    ----------
    a, b : array_like, same shape

    Returns
    -------
    float
        0 when both are zero; at most 1. Around 1e-10 for a correct float64 gradient
        against central differences; 1e-2 or more for a wrong one.

    Raises
    ------
    ValueError
        If the shapes differ (a silently broadcast comparison would hide bugs).

    Notes
    -----
    One number for the whole tensor, not an element-wise maximum: entries whose true value
    is 0 carry finite-difference noise of about :math:`10^{-10}`, which an element-wise
    ratio would blow up to order one.

    Examples
    --------
    >>> from cnnbp import relative_error
    >>> relative_error([3.0, 4.0], [3.0, 4.0])
    0.0
    >>> round(relative_error([1.0, 0.0], [0.0, 1.0]), 4)
    0.7071
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs equal shapes, got {a.shape} and {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    if denom == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)


def check_gradient(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    grad,
    *,
    eps: float = 1e-6,
    rtol: float = 1e-6,
    name: str = "grad",
) -> float:
    r"""Compare an analytic gradient with central differences; raise if they disagree.

    Parameters
    ----------
    f : callable
        Scalar function of `x` (see :func:`numerical_gradient`), usually
        ``lambda _: np.sum(layer(x, ...) * dy)`` for a random upstream gradient ``dy``.
    x : ndarray, float
        The input whose gradient is checked (perturbed in place and restored).
    grad : array_like, same shape as `x`
        The analytic gradient, e.g. ``dx`` from a backward function.
    eps : float, optional
        Finite-difference step.
    rtol : float, optional
        Largest accepted :func:`relative_error`.
    name : str, optional
        What `grad` is, for the error message.

    Returns
    -------
    float
        The relative error (at most `rtol`).

    Raises
    ------
    ValueError
        If `grad` and `x` have different shapes.
    AssertionError
        If the relative error exceeds `rtol`; the message gives the error, the shape and the
        worst entry with both values.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import check_gradient
    >>> x = np.array([0.5, -1.5])
    >>> err = check_gradient(lambda v: np.sum(np.sin(v)), x, np.cos(x), name="dx")
    >>> err < 1e-9
    True
    >>> check_gradient(lambda v: np.sum(np.sin(v)), x, -np.cos(x), name="dx")
    Traceback (most recent call last):
    ...
    AssertionError: dx: relative error 1 > rtol 1e-06 (shape (2,)); worst entry (0,): analytic -0.877583, numerical 0.877583
    """
    grad = np.asarray(grad, dtype=np.float64)
    if grad.shape != np.shape(x):
        raise ValueError(f"{name} has shape {grad.shape} but the input has shape {np.shape(x)}")
    num = numerical_gradient(f, x, eps=eps)
    err = relative_error(grad, num)
    if not err <= rtol:
        worst = np.unravel_index(int(np.argmax(np.abs(grad - num))), grad.shape)
        raise AssertionError(
            f"{name}: relative error {err:.3g} > rtol {rtol:g} (shape {grad.shape}); "
            f"worst entry {tuple(int(i) for i in worst)}: analytic {grad[worst]:.6g}, "
            f"numerical {num[worst]:.6g}"
        )
    return err


def check_gradient_projection(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    grad,
    *,
    n: int = 3,
    seed: int = 0,
    eps: float = 1e-6,
    rtol: float = 1e-6,
    name: str = "grad",
) -> float:
    r"""Check a gradient along `n` random directions: two evaluations of `f` each, any size.

    Parameters
    ----------
    f : callable
        Scalar function of `x`.
    x : ndarray, float
        The input (perturbed in place and restored).
    grad : array_like, same shape as `x`
        The analytic gradient.
    n : int, optional
        Number of random directions.
    seed : int, optional
        Seed of the directions, so that a failure can be replayed.
    eps, rtol : float, optional
        Step and largest accepted relative error of the directional derivatives.
    name : str, optional
        What `grad` is, for the error message.

    Returns
    -------
    float
        The relative error between the vector of analytic directional derivatives
        :math:`\langle g, v_k\rangle` and the numerical ones.

    Raises
    ------
    TypeError
        If `x` is not a float ndarray (it is perturbed in place).
    ValueError
        If `grad` and `x` have different shapes.
    AssertionError
        If the relative error exceeds `rtol`.

    Notes
    -----
    For a unit direction :math:`v`,

    .. math::
        \frac{f(x + h v) - f(x - h v)}{2h} \approx \langle \nabla f(x), v \rangle ,

    so a full-size tensor costs :math:`2n` evaluations instead of two per entry. A wrong
    gradient passes only if its error is (nearly) orthogonal to every :math:`v_k`, which
    for random Gaussian directions is very unlikely unless the error is tiny.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import check_gradient_projection
    >>> x = np.linspace(-1.0, 1.0, 1000)
    >>> check_gradient_projection(lambda v: np.sum(v ** 2), x, 2 * x) < 1e-8
    True
    """
    _check_perturbable(x, "check_gradient_projection")
    grad = np.asarray(grad, dtype=np.float64)
    if grad.shape != x.shape:
        raise ValueError(f"{name} has shape {grad.shape} but the input has shape {x.shape}")
    rng = np.random.default_rng(seed)
    old = x.copy()
    analytic, numeric = np.empty(n), np.empty(n)
    try:
        for k in range(n):
            v = rng.standard_normal(x.shape)
            v /= np.linalg.norm(v)
            x[...] = old + eps * v
            fp = float(f(x))
            x[...] = old - eps * v
            fm = float(f(x))
            x[...] = old
            numeric[k] = (fp - fm) / (2 * eps)
            analytic[k] = float(np.sum(grad * v))
    finally:
        x[...] = old
    err = relative_error(analytic, numeric)
    if not err <= rtol:
        raise AssertionError(
            f"{name}: directional derivatives disagree, relative error {err:.3g} > rtol {rtol:g} "
            f"(shape {x.shape}); analytic {np.round(analytic, 6).tolist()}, "
            f"numerical {np.round(numeric, 6).tolist()}"
        )
    return err
