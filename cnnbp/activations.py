r"""Element-wise activations and their backward passes: the logistic sigmoid and ReLU.

Both work on arrays of any shape. The backward functions follow the package convention:
they take the upstream gradient and what the forward pass saw (for the sigmoid, its *output*,
which is all its derivative needs), and return the gradient of the forward's input.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_shape, common_dtype

__all__ = ["relu", "relu_backward", "sigmoid", "sigmoid_backward"]


def sigmoid(z) -> np.ndarray:
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, element-wise and overflow-free.

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations. float32 stays float32; integers, bools and lists become float64.

    Returns
    -------
    s : ndarray, same shape and float dtype as `z`
        Values in :math:`[0, 1]`; exactly 0 and 1 far out in the tails.

    Raises
    ------
    TypeError
        If `z` is complex, object or string data.

    Notes
    -----
    The textbook formula overflows :math:`e^{-z}` for large negative `z` (numpy warns). With
    :math:`e = e^{-|z|} \in (0, 1]` nothing can overflow:

    .. math::
        \sigma(z) = \begin{cases} \dfrac{1}{1 + e} & z \ge 0 \\[1ex]
                                  \dfrac{e}{1 + e} & z < 0 \end{cases}

    In float64, :math:`1/(1+e)` rounds to exactly 1 once :math:`e` is below half the spacing
    of floats near 1 (:math:`z \gtrsim 37`), while :math:`e/(1+e)` reaches exactly 0 only
    when :math:`e` underflows (:math:`z \lesssim -745`).

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp import sigmoid
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    >>> round(float(sigmoid(0.3228)), 4)  # the seed's first pooled value, sigmoid output 0.58
    0.58
    """
    z = as_array(z, "z")
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid_backward(ds, s) -> np.ndarray:
    r"""Gradient through the sigmoid, written with its output: ``dz = ds * s * (1 - s)``.

    Parameters
    ----------
    ds : array_like, any shape
        Upstream gradient :math:`\partial L / \partial s`.
    s : array_like, same shape as `ds`
        The sigmoid's *output* from the forward pass (not its input).

    Returns
    -------
    dz : ndarray, same shape as `s`
        :math:`\partial L / \partial z`, in the promoted float dtype of `ds` and `s`.

    Raises
    ------
    ValueError
        If the shapes of `ds` and `s` differ.
    TypeError
        If either is not real numeric data.

    Notes
    -----
    From :math:`\sigma'(z) = \sigma(z)\,(1 - \sigma(z))` and the chain rule,

    .. math:: \frac{\partial L}{\partial z} = \frac{\partial L}{\partial s}\, s\, (1 - s),

    which is the form the seed question uses for its deltas, e.g.
    :math:`\delta_{11} = (0.25 \cdot 0.61 - 0.15 \cdot 0.02) \cdot 0.58 \cdot (1 - 0.58)`.

    Examples
    --------
    >>> from cnnbp import sigmoid_backward
    >>> round(float(sigmoid_backward(0.25 * 0.61 + -0.15 * 0.02, 0.58)), 7)
    0.0364182
    """
    ds = as_array(ds, "ds")
    s = as_array(s, "s")
    check_shape(ds, s.shape, "ds", "the shape of s (the sigmoid's output)")
    dtype = common_dtype(ds, s)
    return (ds * s * (1 - s)).astype(dtype, copy=False)


def relu(z) -> np.ndarray:
    r"""Rectified linear unit :math:`\max(z, 0)`, element-wise.

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations.

    Returns
    -------
    y : ndarray, same shape and float dtype as `z`

    Raises
    ------
    TypeError
        If `z` is complex, object or string data.

    Notes
    -----
    .. math:: \operatorname{relu}(z) = \max(z, 0)

    Examples
    --------
    >>> from cnnbp import relu
    >>> relu([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    z = as_array(z, "z")
    return np.maximum(z, 0).astype(z.dtype, copy=False)


def relu_backward(dy, z) -> np.ndarray:
    r"""Gradient through ReLU: pass `dy` where the forward input was positive, 0 elsewhere.

    Parameters
    ----------
    dy : array_like, any shape
        Upstream gradient :math:`\partial L / \partial y`.
    z : array_like, same shape as `dy`
        The ReLU's *input* from the forward pass.

    Returns
    -------
    dz : ndarray, same shape as `z`
        In the promoted float dtype of `dy` and `z`.

    Raises
    ------
    ValueError
        If the shapes of `dy` and `z` differ.
    TypeError
        If either is not real numeric data.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial z} = \frac{\partial L}{\partial y}\,[z > 0]

    At the kink :math:`z = 0` the derivative is taken to be 0, as PyTorch does.

    Examples
    --------
    >>> from cnnbp import relu_backward
    >>> relu_backward([5.0, 5.0, 5.0], [-1.0, 0.0, 2.0])
    array([0., 0., 5.])
    """
    dy = as_array(dy, "dy")
    z = as_array(z, "z")
    check_shape(dy, z.shape, "dy", "the shape of z (the ReLU's input)")
    dtype = common_dtype(dy, z)
    return np.where(z > 0, dy, 0).astype(dtype, copy=False)
