r"""The numbers of the question that started this project, and the kernel its text lost.

Source: the Data Science Stack Exchange question "back propagation in CNN" (2018) by
koryakinp, and its answer. The network there is

    5x5 input → 2x2 convolution (stride 1) → 4x4 map → 2x2 max-pool (stride 2) → 2x2
    → logistic sigmoid → fully connected layer with two neurons H1, H2 → output layer.

In the site's letters (see the Notation page): input :math:`x`, convolution output :math:`y`,
pooled map :math:`m`, sigmoid output :math:`a`, FC weights :math:`V` and outputs
:math:`h_0, h_1` (the question's H1, H2), deltas :math:`\delta^h, \delta^m, \delta^y`. The
names the question and its answer use are given once per constant, in parentheses, so that
each can be found in the source.

Every constant below is a read-only float64 array (copy it before changing it, e.g. before
handing it to :func:`cnnbp.numerical_gradient`, which perturbs in place).

**GIVEN in the text** (typed there, copied here unchanged):

- :data:`INPUT` — the 5x5 input :math:`x` (the array ``o`` of the answer's code);
- :data:`W00` = -0.13 (top-left kernel weight :math:`w_{0,0}`) and :data:`X00` = 0.25
  (top-left conv output :math:`y_{0,0}`);
- :data:`FC_WEIGHTS` — :math:`V`, the weights from the four sigmoid outputs to H1 and H2;
- :data:`DELTA_H` — :math:`\delta^h` = (0.25, -0.15) (the question's δH1, δH2);
- :data:`SIGMOID_OUTPUTS` — :math:`a` = 0.58, 0.57, 0.65, 0.55 (rounded to two decimals in the
  text);
- :data:`DELTA_POOLED` — :math:`\delta^m` = 0.0364182, 0.068628, 0.04675125, -0.06818625
  (the question's δ11, δ12, δ21, δ22);
- :data:`DELTA_MAP` — :math:`\delta^y`, the answer's rounded 4x4 delta map (its ``d``);
- :data:`DW_ANSWER` — :math:`\partial L/\partial w`, the 2x2 kernel gradient the answer's code
  prints.

**INFERRED here** (not in the text):

- :data:`ARGMAX_POSITIONS` — where each pooling window's maximum sits, read off the non-zero
  entries of :data:`DELTA_MAP`;
- :data:`KERNEL`, :data:`BIAS` — the 2x2 kernel (it was in a figure that the text lost) and
  the decision that no bias is needed; see :func:`reconstruct_kernel`. The bias and weights
  of the FC layer and anything about the output layer are unknown; :func:`seed_network`
  uses no FC bias, since :math:`\delta^h` is all the backward pass needs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "ARGMAX_POSITIONS",
    "BIAS",
    "DELTA_H",
    "DELTA_MAP",
    "DELTA_POOLED",
    "DW_ANSWER",
    "FC_WEIGHTS",
    "INPUT",
    "KERNEL",
    "KERNEL_FIT",
    "SIGMOID_OUTPUTS",
    "W00",
    "X00",
    "KernelFit",
    "SeedForward",
    "forward_pass",
    "reconstruct_kernel",
    "seed_network",
    "window_argmax",
]


def _frozen(values) -> np.ndarray:
    a = np.array(values, dtype=np.float64)
    a.setflags(write=False)
    return a


# ---------------------------------------------------------------- GIVEN in the text
INPUT = _frozen(
    [
        [0.51, 0.90, 0.88, 0.84, 0.05],
        [0.40, 0.62, 0.22, 0.59, 0.10],
        [0.11, 0.20, 0.74, 0.33, 0.14],
        [0.47, 0.01, 0.85, 0.70, 0.09],
        [0.76, 0.19, 0.72, 0.17, 0.57],
    ]
)
"""GIVEN. The 5x5 input :math:`x`, shape (5, 5) (the answer's ``o``). As NCHW:
``INPUT[None, None]``."""

W00 = -0.13
"""GIVEN. The kernel weight :math:`w_{0,0}` (top-left)."""

X00 = 0.25
"""GIVEN. The convolution output :math:`y_{0,0}`, top-left of the 4x4 map (the answer's
:math:`x_{00}`)."""

FC_WEIGHTS = _frozen(
    [
        [0.61, 0.82, 0.96, -1.00],  # into H1
        [0.02, -0.50, 0.23, 0.17],  # into H2
    ]
)
"""GIVEN. FC weights :math:`V`, shape (2, 4) = (out, in) as :func:`cnnbp.linear` wants: row 0
feeds :math:`h_0` (the question's H1), row 1 feeds :math:`h_1` (H2); columns are the sigmoid
outputs in row-major order (windows 11, 12, 21, 22 in the question's 1-based names), i.e. the
order of ``a.reshape(-1)``."""

DELTA_H = _frozen([0.25, -0.15])
"""GIVEN. :math:`\\delta^h`, shape (2,): the loss's gradient with respect to the FC outputs
:math:`h_0, h_1` (the question's δH1, δH2)."""

SIGMOID_OUTPUTS = _frozen([[0.58, 0.57], [0.65, 0.55]])
"""GIVEN. :math:`a = \\sigma(m)`, the sigmoid of the four pooled values, shape (2, 2), rounded
to 0.01 in the text."""

DELTA_POOLED = _frozen([[0.0364182, 0.068628], [0.04675125, -0.06818625]])
"""GIVEN. :math:`\\delta^m`, shape (2, 2) (the question's δ11, δ12, δ21, δ22): the gradient at
the sigmoid's input (= at the pooled maxima), computed in the text from :data:`FC_WEIGHTS`,
:data:`DELTA_H` and the rounded :data:`SIGMOID_OUTPUTS`."""

DELTA_MAP = _frozen(
    [
        [0.0, 0.0, 0.0686, 0.0],
        [0.0, 0.0364, 0.0, 0.0],
        [0.0, 0.0467, 0.0, 0.0],
        [0.0, 0.0, 0.0, -0.0681],
    ]
)
"""GIVEN. :math:`\\delta^y`, the answer's 4x4 delta map (its ``d``), shape (4, 4):
:data:`DELTA_POOLED` truncated to four decimals, routed to each window's maximum, zero
elsewhere."""

DW_ANSWER = _frozen([[0.044606, 0.094061], [0.011262, 0.068288]])
"""GIVEN. The kernel gradient printed by the answer's code, shape (2, 2): the valid
cross-correlation of :data:`INPUT` with :data:`DELTA_MAP`, i.e.
:math:`\\partial L/\\partial w_{p,q} = \\sum_{i,j} \\delta^y_{i,j}\\, x_{i+p,\\,j+q}`."""

# ---------------------------------------------------------------- INFERRED
ARGMAX_POSITIONS = ((1, 1), (0, 2), (2, 1), (3, 3))
"""INFERRED (read off :data:`DELTA_MAP`). ``(row, col)`` in the 4x4 map of the maximum of
each 2x2 pooling window, windows in row-major order (11, 12, 21, 22)."""


def window_argmax(feature_map, size: int = 2) -> tuple[tuple[int, int], ...]:
    r"""Position of the maximum of each non-overlapping ``size x size`` window of a 2-D map.

    Parameters
    ----------
    feature_map : array_like, shape (H, W)
        H and W must be multiples of `size`.
    size : int, optional
        Window side, which is also the stride.

    Returns
    -------
    tuple of (int, int)
        One ``(row, col)`` per window, in row-major window order, as absolute positions in
        `feature_map`. On ties the first maximum in row-major order wins (the rule of
        :func:`cnnbp.max_pool2d_backward`).

    Raises
    ------
    ValueError
        If `feature_map` is not 2-D or its sides are not multiples of `size`.

    Examples
    --------
    >>> from cnnbp.seed import DELTA_MAP, window_argmax
    >>> window_argmax(abs(DELTA_MAP))
    ((1, 1), (0, 2), (2, 1), (3, 3))
    """
    from ._validate import as_array, as_int, check_ndim

    a = as_array(feature_map, "feature_map")
    size = as_int(size, "size")
    check_ndim(a, 2, "feature_map", "(H, W)")
    h, w = a.shape
    if h % size or w % size:
        raise ValueError(f"feature_map shape {a.shape} is not a multiple of size={size}")
    out = []
    for r in range(0, h, size):
        for c in range(0, w, size):
            i, j = np.unravel_index(int(np.argmax(a[r : r + size, c : c + size])), (size, size))
            out.append((r + int(i), c + int(j)))
    return tuple(out)


class KernelFit(NamedTuple):
    """Result of :func:`reconstruct_kernel`; unpacks as ``kernel, bias, residuals``.

    Examples
    --------
    >>> from cnnbp import seed
    >>> kernel, bias, residuals = seed.reconstruct_kernel()
    >>> kernel.shape, bias, residuals.shape
    ((2, 2), 0.0, (5,))
    >>> bool(abs(seed.reconstruct_kernel().printed_residuals).max() < 0.005)
    True
    """

    kernel: np.ndarray
    """shape (2, 2): ``[[W00, w01], [w10, w11]]`` with :data:`W00` fixed."""
    bias: float
    """The conv bias (0.0 when fitted without one)."""
    residuals: np.ndarray
    """shape (5,): fitted - given for the five equations, in conv-output (logit) units:
    :math:`y_{0,0}` first, then the four pooled maxima (windows 11, 12, 21, 22)."""

    @property
    def residual(self) -> float:
        """Euclidean norm of :attr:`residuals`."""
        return float(np.linalg.norm(self.residuals))

    @property
    def printed_residuals(self) -> np.ndarray:
        """shape (5,): fitted - printed in the units the text prints: :math:`y_{0,0}` and the
        four sigmoid outputs. Entries below 0.005 in size round to the text's numbers."""
        fitted_logits = _logit(SIGMOID_OUTPUTS.reshape(-1)) + self.residuals[1:]
        s_fit = 1.0 / (1.0 + np.exp(-fitted_logits))
        return np.concatenate([self.residuals[:1], s_fit - SIGMOID_OUTPUTS.reshape(-1)])


def _logit(s: np.ndarray) -> np.ndarray:
    return np.log(s / (1.0 - s))


def reconstruct_kernel(bias: bool = False, weighted: bool = True) -> KernelFit:
    r"""Least-squares estimate of the 2x2 kernel lost with the question's figure.

    Parameters
    ----------
    bias : bool, optional
        Also fit one conv bias (4 unknowns instead of 3). The default, ``False``, is what the
        data support: see Notes.
    weighted : bool, optional
        Scale each equation by the sensitivity of its printed, rounded value (see Notes).
        ``False`` gives plain least squares in conv-output units.

    Returns
    -------
    KernelFit
        ``(kernel, bias, residuals)``: kernel of shape (2, 2) with ``kernel[0, 0] == W00``,
        the bias (0.0 if not fitted) and the five residuals, shape (5,), fitted - given in
        conv-output units (also ``.residual``, their norm).

    Raises
    ------
    TypeError
        If `bias` or `weighted` is not a bool.

    Notes
    -----
    The conv output is :math:`y_{i,j} = \sum_{p,q} w_{p,q}\, x_{i+p,\,j+q} + b`. Known:
    :math:`w_{0,0} = -0.13` and five values of :math:`y`:

    - :math:`y_{0,0} = 0.25`;
    - for each window :math:`k`, the value at its maximum :math:`(i_k, j_k)` in
      :data:`ARGMAX_POSITIONS`, :math:`y_{i_k,j_k} = \operatorname{logit}(a_k) =
      \log\frac{a_k}{1-a_k}` — max-pool picks the maximum and the sigmoid is invertible, so
      the printed sigmoid outputs give the maxima back.

    That is five linear equations in :math:`w_{0,1}, w_{1,0}, w_{1,1}` (and :math:`b`):

    .. math::
        \sum_{(p,q) \ne (0,0)} w_{p,q}\, x_{i+p,\,j+q} \;[+\, b] = y_{i,j} - w_{0,0}\, x_{i,j}.

    The text rounds :math:`y_{0,0}` and every :math:`a_k` to two decimals, i.e. each is known to
    about :math:`\pm 0.005`. In conv-output units the sigmoid equations are known only to
    :math:`\pm 0.005 / (a_k(1-a_k))`, so with ``weighted=True`` the sigmoid rows are
    multiplied by :math:`a_k (1 - a_k)` (first-order error propagation): every equation is
    then measured in units of its printed last digit.

    **No bias is needed**: without one, the weighted fit already reproduces all five printed
    numbers after rounding to two decimals (every entry of
    :attr:`KernelFit.printed_residuals` is smaller than 0.005 in size) and puts each window's
    maximum where :data:`DELTA_MAP` has it. A bias adds a fourth unknown for the same five
    rounded numbers; it lowers the residual somewhat, as any extra parameter would, but
    nothing in the data calls for it: the residual left without it is within the text's
    rounding.

    Examples
    --------
    >>> from cnnbp.seed import reconstruct_kernel
    >>> kernel, b, residuals = reconstruct_kernel()
    >>> kernel.round(4)
    array([[-0.13  ,  0.1449],
           [-0.5341,  0.6452]])
    >>> b
    0.0
    >>> bool(abs(residuals).max() < 0.012)
    True
    >>> fit = reconstruct_kernel()
    >>> bool(abs(fit.printed_residuals).max() < 0.005)  # rounds to every printed number
    True
    >>> fit.residual > reconstruct_kernel(bias=True).residual
    True
    """
    for name, flag in (("bias", bias), ("weighted", weighted)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    rows = [(0, 0), *ARGMAX_POSITIONS]
    targets = np.concatenate([[X00], _logit(SIGMOID_OUTPUTS.reshape(-1))])
    patches = np.array([INPUT[i : i + 2, j : j + 2].reshape(-1) for i, j in rows])  # (5, 4)
    a = patches[:, 1:]  # coefficients of w01, w10, w11
    if bias:
        a = np.column_stack([a, np.ones(len(rows))])
    rhs = targets - W00 * patches[:, 0]
    s = SIGMOID_OUTPUTS.reshape(-1)
    weights = np.concatenate([[1.0], s * (1 - s)]) if weighted else np.ones(len(rows))
    sol = np.linalg.lstsq(a * weights[:, None], rhs * weights, rcond=None)[0]
    kernel = np.array([[W00, sol[0]], [sol[1], sol[2]]])
    b = float(sol[3]) if bias else 0.0
    kernel.setflags(write=False)
    residuals = a @ sol - rhs
    residuals.setflags(write=False)
    return KernelFit(kernel, b, residuals)


KERNEL_FIT = reconstruct_kernel()
"""INFERRED. The default fit (no bias, weighted); see :func:`reconstruct_kernel`."""

KERNEL = KERNEL_FIT.kernel
"""INFERRED, except ``KERNEL[0, 0] == W00`` (given). The 2x2 kernel, shape (2, 2);
as conv weights ``(C_out, C_in, kh, kw)``: ``KERNEL[None, None]``."""

BIAS = KERNEL_FIT.bias
"""INFERRED. The conv bias: 0.0 (none is needed, see :func:`reconstruct_kernel`)."""


def _kernel_bias(kernel, bias) -> tuple[np.ndarray, float]:
    from ._validate import as_array

    k = KERNEL if kernel is None else as_array(kernel, "kernel").astype(np.float64)
    if k.shape != (2, 2):
        raise ValueError(f"kernel must have shape (2, 2), got {k.shape}")
    if bias is None:
        return k, BIAS
    b = as_array(bias, "bias")
    if b.size != 1:
        raise ValueError(f"bias must be a single number, got shape {b.shape}")
    return k, float(b.reshape(()))


class SeedForward(NamedTuple):
    """The intermediate values of :func:`forward_pass` (single example, no batch axes).

    Examples
    --------
    >>> from cnnbp import seed
    >>> fw = seed.forward_pass()
    >>> fw.y.shape, fw.m.shape, fw.a.shape, fw.h.shape
    ((4, 4), (2, 2), (2, 2), (2,))
    >>> round(float(fw.y[0, 0]), 2)
    0.25
    """

    y: np.ndarray
    """shape (4, 4): convolution output."""
    m: np.ndarray
    """shape (2, 2): max-pooled map."""
    a: np.ndarray
    """shape (2, 2): sigmoid of `m` (compare with :data:`SIGMOID_OUTPUTS`)."""
    h: np.ndarray
    """shape (2,): net inputs of H1 and H2, ``FC_WEIGHTS @ a.reshape(-1)`` (no FC bias)."""


def forward_pass(kernel=None, bias=None) -> SeedForward:
    r"""Run the seed network's forward pass on :data:`INPUT` with cnnbp's functions.

    Parameters
    ----------
    kernel : array_like, shape (2, 2), optional
        Conv kernel; default :data:`KERNEL`.
    bias : float, optional
        Conv bias; default :data:`BIAS`.

    Returns
    -------
    SeedForward
        ``(y, m, a, h)`` with shapes (4, 4), (2, 2), (2, 2), (2,).

    Raises
    ------
    ValueError
        If `kernel` is not (2, 2) or `bias` is not a single number.
    TypeError
        If either is not real numeric data.

    Notes
    -----
    .. math::
        y = x \star w + b, \quad m = \operatorname{maxpool}_{2\times 2}(y), \quad
        a = \sigma(m), \quad h = V\, \operatorname{vec}(a)

    Examples
    --------
    >>> from cnnbp.seed import forward_pass
    >>> fw = forward_pass()
    >>> fw.a.round(2)
    array([[0.58, 0.57],
           [0.65, 0.55]])
    >>> round(float(fw.y[0, 0]), 2)
    0.25
    """
    from . import conv2d, linear, max_pool2d, sigmoid

    k, b = _kernel_bias(kernel, bias)
    y = conv2d(INPUT[None, None], k[None, None], np.array([b]))
    m = max_pool2d(y, 2)
    a = sigmoid(m)
    h = linear(a.reshape(1, 4), FC_WEIGHTS)
    return SeedForward(y[0, 0], m[0, 0], a[0, 0], h[0])


def seed_network(kernel=None, bias=None, dtype=np.float64):
    r"""The question's network as a :class:`cnnbp.nn.Sequential`, up to H1/H2's net inputs.

    Parameters
    ----------
    kernel : array_like, shape (2, 2), optional
        Conv kernel; default :data:`KERNEL`.
    bias : float, optional
        Conv bias; default :data:`BIAS` (0.0).
    dtype : numpy dtype, optional
        float64 (default) or float32.

    Returns
    -------
    cnnbp.nn.Sequential
        ``Conv2d(1, 1, 2) → MaxPool2d(2) → Sigmoid() → Flatten() → Linear(4, 2, bias=False)``
        mapping input of shape (N, 1, 5, 5) to H1/H2 net inputs of shape (N, 2). The output
        layer of the question is unknown and left out: backpropagate ``DELTA_H[None]``.

    Raises
    ------
    ValueError, TypeError
        As :func:`forward_pass`.

    Examples
    --------
    >>> from cnnbp.seed import DELTA_H, INPUT, seed_network
    >>> net = seed_network()
    >>> h = net.forward(INPUT[None, None])
    >>> h.shape
    (1, 2)
    >>> dx = net.backward(DELTA_H[None])
    >>> net.layers[0].grads["w"].shape
    (1, 1, 2, 2)
    """
    from . import nn

    k, b = _kernel_bias(kernel, bias)
    conv = nn.Conv2d(1, 1, 2, dtype=dtype)
    conv.params["w"][...] = k
    conv.params["b"][...] = b
    fc = nn.Linear(4, 2, bias=False, dtype=dtype)
    fc.params["w"][...] = FC_WEIGHTS
    return nn.Sequential(conv, nn.MaxPool2d(2), nn.Sigmoid(), nn.Flatten(), fc)
