r"""A small network API: layers with parameters and gradients, a container, losses, SGD.

Each layer keeps its parameters in ``params`` and their gradients in ``grads`` (dicts of
arrays with matching keys and shapes). ``forward(x)`` caches what the backward pass needs;
``backward(dy)`` is one call of the matching cnnbp function, *adds* the parameter gradients
into ``grads`` (as PyTorch does, so shared use accumulates) and returns ``dx``. Call
``zero_grad()`` before each backward pass.

Examples
--------
A small CNN trained for a few steps on random data:

>>> import numpy as np
>>> from cnnbp import nn
>>> rng = np.random.default_rng(0)
>>> net = nn.Sequential(
...     nn.Conv2d(1, 4, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
...     nn.Flatten(), nn.Linear(4 * 4 * 4, 3, rng=rng))
>>> x = rng.standard_normal((5, 1, 8, 8))
>>> labels = np.array([0, 1, 2, 1, 0])
>>> loss_fn, opt = nn.SoftmaxCrossEntropy(), nn.SGD(net, lr=0.1, momentum=0.9)
>>> losses = []
>>> for _ in range(20):
...     opt.zero_grad()
...     losses.append(loss_fn.forward(net.forward(x), labels))
...     _ = net.backward(loss_fn.backward())
...     opt.step()
>>> bool(losses[-1] < 0.1 * losses[0])
True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from . import activations, conv, dense, losses, pool
from ._validate import as_array, as_int, as_pair, check_shape, conv_hyper, pool_hyper

__all__ = [
    "SGD",
    "AvgPool2d",
    "Conv2d",
    "Flatten",
    "Linear",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "SoftmaxCrossEntropy",
]


def _generator(rng) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(as_int(rng, "rng", minimum=0))


def _float_dtype(dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dt}")
    return dt


def _init_weight(shape, fan_in, fan_out, init, rng, dtype) -> np.ndarray:
    if init == "he":
        w = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    elif init == "glorot":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-limit, limit, shape)
    else:
        raise ValueError(f"init must be 'he' or 'glorot', got {init!r}")
    return w.astype(dtype)


class Module:
    """Base class of the layers: ``params`` and ``grads`` dicts, ``forward`` / ``backward``.

    A subclass overrides :meth:`forward` (cache what the backward pass needs) and
    :meth:`backward` (add parameter gradients into ``grads``, return ``dx``).

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp.nn import Module
    >>> class Double(Module):
    ...     def forward(self, x):
    ...         return 2 * x
    ...     def backward(self, dy):
    ...         return 2 * dy
    >>> layer = Double()
    >>> layer(np.array([1.0, -3.0])), layer.backward(np.ones(2))
    (array([ 2., -6.]), array([2., 2.]))
    >>> list(layer.modules()) == [layer], layer.params
    (True, {})
    """

    params: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]

    def __init__(self) -> None:
        self.params = {}
        self.grads = {}

    def forward(self, x) -> np.ndarray:  # pragma: no cover - abstract
        """Compute the output for input `x` and cache what :meth:`backward` needs."""
        raise NotImplementedError

    def backward(self, dy) -> np.ndarray:  # pragma: no cover - abstract
        """Given ``dy`` (shape of the last output), add parameter gradients into ``grads``
        and return ``dx`` (shape of the last input)."""
        raise NotImplementedError

    def __call__(self, x) -> np.ndarray:
        return self.forward(x)

    def modules(self) -> Iterator[Module]:
        """The leaf layers (a layer yields itself; :class:`Sequential` its layers)."""
        yield self

    def zero_grad(self) -> None:
        """Set every gradient to 0 in place."""
        for m in self.modules():
            for g in m.grads.values():
                g.fill(0)

    def _cached(self, value):
        """`value`, what :meth:`forward` cached; ``RuntimeError`` if it has not run yet."""
        if value is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return value

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Conv2d(Module):
    r"""Convolution layer around :func:`cnnbp.conv2d` / :func:`cnnbp.conv2d_backward`.

    Parameters
    ----------
    in_channels, out_channels : int
        :math:`C_\text{in}`, :math:`C_\text{out}`.
    kernel_size : int or (int, int)
        :math:`(k_h, k_w)`.
    stride, padding, dilation : int or (int, int), optional
        As in :func:`cnnbp.conv2d`.
    bias : bool, optional
        Whether to learn one bias per output channel (initialised to 0).
    init : {"he", "glorot"}, optional
        He: normal with std :math:`\sqrt{2/\text{fan}_\text{in}}` (for ReLU networks);
        Glorot: uniform in :math:`\pm\sqrt{6/(\text{fan}_\text{in}+\text{fan}_\text{out})}`,
        with :math:`\text{fan}_\text{in} = C_\text{in} k_h k_w`,
        :math:`\text{fan}_\text{out} = C_\text{out} k_h k_w`.
    rng : int or numpy.random.Generator, optional
        Seed or generator for the initial weights (default: seed 0). Share one generator
        between layers to give them different weights.
    dtype : float32 or float64, optional
        dtype of the parameters.

    Attributes
    ----------
    params : dict
        ``"w"`` of shape (C_out, C_in, kh, kw); ``"b"`` of shape (C_out,) if `bias`.
    grads : dict
        Same keys and shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp.nn import Conv2d
    >>> layer = Conv2d(2, 3, (3, 2), padding=1, rng=0)
    >>> layer.forward(np.ones((4, 2, 5, 5))).shape
    (4, 3, 5, 6)
    >>> layer.backward(np.ones((4, 3, 5, 6))).shape, layer.grads["w"].shape
    ((4, 2, 5, 5), (3, 2, 3, 2))
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 bias=True, init="he", rng=None, dtype=np.float64):
        super().__init__()
        c_in = as_int(in_channels, "in_channels")
        c_out = as_int(out_channels, "out_channels")
        kh, kw = as_pair(kernel_size, "kernel_size")
        self.stride, self.padding, self.dilation = conv_hyper(stride, padding, dilation)
        dt = _float_dtype(dtype)
        fan_in, fan_out = c_in * kh * kw, c_out * kh * kw
        self.params["w"] = _init_weight((c_out, c_in, kh, kw), fan_in, fan_out, init,
                                        _generator(rng), dt)
        if bias:
            self.params["b"] = np.zeros(c_out, dtype=dt)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._x = None

    def forward(self, x) -> np.ndarray:
        self._x = as_array(x, "x")
        return conv.conv2d(self._x, self.params["w"], self.params.get("b"),
                           self.stride, self.padding, self.dilation)

    def backward(self, dy) -> np.ndarray:
        dx, dw, db = conv.conv2d_backward(dy, self._cached(self._x), self.params["w"],
                                          self.stride, self.padding, self.dilation)
        self.grads["w"] += dw
        if "b" in self.grads:
            self.grads["b"] += db
        return dx

    def __repr__(self) -> str:
        c_out, c_in, kh, kw = self.params["w"].shape
        return (f"Conv2d({c_in}, {c_out}, ({kh}, {kw}), stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, bias={'b' in self.params})")


class _Pool(Module):
    """A pooling layer: `_forward` and `_backward` are the subclass's pair of functions."""

    def __init__(self, size=2, stride=None):
        super().__init__()
        pool_hyper(size, stride)  # bad arguments fail here, with the functions' messages
        self.size = size
        self.stride = stride
        self._x = None

    def forward(self, x) -> np.ndarray:
        self._x = as_array(x, "x")
        return self._forward(self._x, self.size, self.stride)

    def backward(self, dy) -> np.ndarray:
        return self._backward(dy, self._cached(self._x), self.size, self.stride)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, stride={self.stride})"


class MaxPool2d(_Pool):
    """Max-pooling layer around :func:`cnnbp.max_pool2d` (ties: first maximum gets it all).

    Parameters
    ----------
    size : int or (int, int), optional
        Window size.
    stride : int or (int, int), optional
        Defaults to `size` (non-overlapping windows).

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp.nn import MaxPool2d
    >>> MaxPool2d(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """

    _forward = staticmethod(pool.max_pool2d)
    _backward = staticmethod(pool.max_pool2d_backward)


class AvgPool2d(_Pool):
    """Average-pooling layer around :func:`cnnbp.avg_pool2d`.

    Parameters
    ----------
    size : int or (int, int), optional
        Window size.
    stride : int or (int, int), optional
        Defaults to `size`.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp.nn import AvgPool2d
    >>> AvgPool2d(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """

    _forward = staticmethod(pool.avg_pool2d)
    _backward = staticmethod(pool.avg_pool2d_backward)


class Sigmoid(Module):
    """Logistic sigmoid layer; caches its output, which is all the backward pass needs.

    Examples
    --------
    >>> from cnnbp.nn import Sigmoid
    >>> act = Sigmoid()
    >>> act.forward([0.0, 2.0]).round(4)
    array([0.5   , 0.8808])
    >>> act.backward([1.0, 1.0]).round(4)
    array([0.25 , 0.105])
    """

    def __init__(self):
        super().__init__()
        self._s = None

    def forward(self, x) -> np.ndarray:
        self._s = activations.sigmoid(x)
        return self._s

    def backward(self, dy) -> np.ndarray:
        return activations.sigmoid_backward(dy, self._cached(self._s))


class ReLU(Module):
    """ReLU layer; caches its input.

    Examples
    --------
    >>> from cnnbp.nn import ReLU
    >>> act = ReLU()
    >>> act.forward([-1.0, 2.0]), act.backward([3.0, 3.0])
    (array([0., 2.]), array([0., 3.]))
    """

    def __init__(self):
        super().__init__()
        self._z = None

    def forward(self, x) -> np.ndarray:
        self._z = as_array(x, "x")
        return activations.relu(self._z)

    def backward(self, dy) -> np.ndarray:
        return activations.relu_backward(dy, self._cached(self._z))


class Flatten(Module):
    """Reshape ``(N, C, H, W)`` (or any ``(N, ...)``) to ``(N, C*H*W)``, row-major.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp.nn import Flatten
    >>> f = Flatten()
    >>> f.forward(np.zeros((2, 3, 4, 5))).shape, f.backward(np.zeros((2, 60))).shape
    ((2, 60), (2, 3, 4, 5))
    """

    def __init__(self):
        super().__init__()
        self._shape = None

    def forward(self, x) -> np.ndarray:
        x = as_array(x, "x")
        if x.ndim < 1:
            raise ValueError(f"x must have a batch axis (N, ...), got shape {x.shape}")
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy) -> np.ndarray:
        shape = self._cached(self._shape)
        dy = as_array(dy, "dy")
        check_shape(dy, (shape[0], int(np.prod(shape[1:]))), "dy", "the forward output's shape")
        return dy.reshape(shape)


class Linear(Module):
    r"""Fully connected layer around :func:`cnnbp.linear` / :func:`cnnbp.linear_backward`.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the input and output vectors.
    bias : bool, optional
        Whether to learn a bias of shape (out_features,) (initialised to 0).
    init : {"he", "glorot"}, optional
        As :class:`Conv2d` with :math:`\text{fan}_\text{in}` = `in_features` and
        :math:`\text{fan}_\text{out}` = `out_features`.
    rng : int or numpy.random.Generator, optional
        Seed or generator for the initial weights (default: seed 0).
    dtype : float32 or float64, optional
        dtype of the parameters.

    Attributes
    ----------
    params : dict
        ``"w"`` of shape (out_features, in_features); ``"b"`` of shape (out_features,).
    grads : dict
        Same keys and shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp.nn import Linear
    >>> fc = Linear(4, 2, bias=False, rng=1)
    >>> fc.params["w"][...] = [[0.61, 0.82, 0.96, -1.00], [0.02, -0.50, 0.23, 0.17]]
    >>> fc.forward(np.ones((1, 4))).round(2)
    array([[ 1.39, -0.08]])
    """

    def __init__(self, in_features, out_features, bias=True, init="he", rng=None,
                 dtype=np.float64):
        super().__init__()
        n_in = as_int(in_features, "in_features")
        n_out = as_int(out_features, "out_features")
        dt = _float_dtype(dtype)
        self.params["w"] = _init_weight((n_out, n_in), n_in, n_out, init, _generator(rng), dt)
        if bias:
            self.params["b"] = np.zeros(n_out, dtype=dt)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._x = None

    def forward(self, x) -> np.ndarray:
        self._x = as_array(x, "x")
        return dense.linear(self._x, self.params["w"], self.params.get("b"))

    def backward(self, dy) -> np.ndarray:
        dx, dw, db = dense.linear_backward(dy, self._cached(self._x), self.params["w"])
        self.grads["w"] += dw
        if "b" in self.grads:
            self.grads["b"] += db
        return dx

    def __repr__(self) -> str:
        n_out, n_in = self.params["w"].shape
        return f"Linear({n_in}, {n_out}, bias={'b' in self.params})"


class Sequential(Module):
    """Layers applied in order; ``backward`` runs them in reverse.

    Parameters
    ----------
    *layers : Module
        The layers, first to last.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp.nn import Linear, ReLU, Sequential
    >>> net = Sequential(Linear(3, 4, rng=0), ReLU(), Linear(4, 2, rng=1))
    >>> net
    Sequential(Linear(3, 4, bias=True), ReLU(), Linear(4, 2, bias=True))
    >>> net.forward(np.ones((5, 3))).shape, net.backward(np.ones((5, 2))).shape
    ((5, 2), (5, 3))
    """

    def __init__(self, *layers: Module):
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"layers[{i}] must be a cnnbp.nn.Module, got {type(layer).__name__}")
        self.layers = list(layers)

    def forward(self, x) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dy) -> np.ndarray:
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    def modules(self) -> Iterator[Module]:
        for layer in self.layers:
            yield from layer.modules()

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i) -> Module:
        return self.layers[i]

    def __repr__(self) -> str:
        return f"Sequential({', '.join(map(repr, self.layers))})"


class MSELoss:
    r"""The seed's loss :math:`L = \tfrac12\sum (t-y)^2` (a sum) around :func:`cnnbp.mse_loss`.

    Examples
    --------
    >>> from cnnbp.nn import MSELoss
    >>> loss = MSELoss()
    >>> loss.forward([[1.0, 2.0]], [[0.0, 4.0]]), loss.backward()
    (2.5, array([[ 1., -2.]]))
    """

    def __init__(self):
        self._yt = None

    def forward(self, y, t) -> float:
        """Loss value (float); caches `y` and `t` (same shape) for :meth:`backward`."""
        value = losses.mse_loss(y, t)
        self._yt = (y, t)
        return value

    def backward(self) -> np.ndarray:
        """:math:`\\partial L/\\partial y`, shape of `y`."""
        if self._yt is None:
            raise RuntimeError("MSELoss.backward called before forward")
        return losses.mse_loss_backward(*self._yt)


class SoftmaxCrossEntropy:
    """Mean softmax cross-entropy around :func:`cnnbp.softmax_cross_entropy`.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp.nn import SoftmaxCrossEntropy
    >>> loss = SoftmaxCrossEntropy()
    >>> round(loss.forward(np.zeros((2, 4)), [1, 2]), 4), loss.backward().shape
    (1.3863, (2, 4))
    """

    def __init__(self):
        self._args = None

    def forward(self, logits, labels) -> float:
        """Loss value (float) for logits (N, K) and int labels (N,); caches both."""
        value = losses.softmax_cross_entropy(logits, labels)
        self._args = (logits, labels)
        return value

    def backward(self) -> np.ndarray:
        """Gradient with respect to the logits, shape (N, K)."""
        if self._args is None:
            raise RuntimeError("SoftmaxCrossEntropy.backward called before forward")
        return losses.softmax_cross_entropy_backward(*self._args)


class SGD:
    r"""Stochastic gradient descent with (heavy-ball) momentum, updating parameters in place.

    Parameters
    ----------
    modules : Module or iterable of Module
        A network (its leaf layers are collected) or a list of layers.
    lr : float
        Learning rate :math:`\eta > 0`.
    momentum : float, optional
        :math:`\mu \in [0, 1)`; 0 is plain SGD.

    Notes
    -----
    PyTorch's form, per parameter :math:`p` with gradient :math:`g`:

    .. math:: v \leftarrow \mu v + g, \qquad p \leftarrow p - \eta v

    With :math:`\mu = 0` this is the seed's update :math:`w \leftarrow w - \eta\,\partial L/\partial w`.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp.nn import SGD, Linear
    >>> fc = Linear(2, 1, bias=False, rng=0)
    >>> fc.params["w"][...] = [[1.0, 1.0]]
    >>> fc.grads["w"][...] = [[0.5, -1.0]]
    >>> opt = SGD(fc, lr=0.1)
    >>> opt.step()
    >>> fc.params["w"]
    array([[0.95, 1.1 ]])
    """

    def __init__(self, modules: Module | Iterable[Module], lr: float, momentum: float = 0.0):
        mods = [modules] if isinstance(modules, Module) else list(modules)
        for i, m in enumerate(mods):
            if not isinstance(m, Module):
                raise TypeError(f"modules[{i}] must be a cnnbp.nn.Module, got {type(m).__name__}")
        if not (isinstance(lr, (int, float, np.floating)) and lr > 0) or isinstance(lr, bool):
            raise ValueError(f"lr must be a positive number, got {lr!r}")
        if not (isinstance(momentum, (int, float, np.floating)) and 0 <= momentum < 1):
            raise ValueError(f"momentum must be a number in [0, 1), got {momentum!r}")
        self.lr = float(lr)
        self.momentum = float(momentum)
        self.modules = [leaf for m in mods for leaf in m.modules()]
        self._velocity: dict[tuple[int, str], np.ndarray] = {}

    def zero_grad(self) -> None:
        """Set every gradient of the optimised layers to 0."""
        for m in self.modules:
            for g in m.grads.values():
                g.fill(0)

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        for i, m in enumerate(self.modules):
            for key, p in m.params.items():
                g = m.grads[key]
                if self.momentum:
                    v = self._velocity.get((i, key))
                    if v is None:
                        v = self._velocity[(i, key)] = g.copy()
                    else:
                        v *= self.momentum
                        v += g
                    g = v
                p -= self.lr * g
