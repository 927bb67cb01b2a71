"""mse_loss, softmax, softmax cross-entropy: values, gradients, stability, strict shapes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cnnbp import (
    check_gradient,
    mse_loss,
    mse_loss_backward,
    softmax,
    softmax_cross_entropy,
    softmax_cross_entropy_backward,
)

# ------------------------------------------------------------------------------ mse


@pytest.mark.parametrize("shape", [(5,), (3, 2), (2, 1, 3, 4), ()], ids=["1d", "2d", "nchw", "scalar"])
def test_mse_gradient(shape):
    rng = np.random.default_rng(11)
    y, t = rng.standard_normal(shape), rng.standard_normal(shape)
    check_gradient(lambda _: mse_loss(y, t), y, mse_loss_backward(y, t), name="dy")


def test_mse_is_half_the_sum_not_the_mean():
    y, t = np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2))
    assert mse_loss(y, t) == 0.5 * (1 + 4 + 9 + 16)
    assert isinstance(mse_loss(y, t), float)


@pytest.mark.parametrize(
    ("y_shape", "t_shape"),
    [((4, 1), (4,)), ((4,), (4, 1)), ((2, 3), (3, 2)), ((1,), ()), ((3,), (1,))],
    ids=["N1-vs-N", "N-vs-N1", "transposed", "1-vs-scalar", "3-vs-1"],
)
@pytest.mark.parametrize("fn", [mse_loss, mse_loss_backward], ids=["loss", "backward"])
def test_mse_refuses_to_broadcast(fn, y_shape, t_shape):
    with pytest.raises(ValueError, match=r"t has shape .*but the shape of y is"):
        fn(np.zeros(y_shape), np.zeros(t_shape))


@pytest.mark.parametrize("fn", [mse_loss, mse_loss_backward], ids=["loss", "backward"])
def test_mse_rejects_non_real(fn):
    with pytest.raises(TypeError, match="y must be a real"):
        fn(np.array(["a"]), np.zeros(1))
    with pytest.raises(TypeError, match="t must be a real"):
        fn(np.zeros(1), np.array([1j]))


@pytest.mark.parametrize(
    ("ty", "tt", "expected"),
    [(np.float32, np.float32, np.float32), (np.float32, np.float64, np.float64),
     (np.int64, np.int64, np.float64), (np.bool_, np.float32, np.float64)],
    ids=["f32", "mixed", "ints", "bool-is-f64"],
)
def test_mse_backward_dtype(ty, tt, expected):
    assert mse_loss_backward(np.ones(3, ty), np.zeros(3, tt)).dtype == expected


# ------------------------------------------------------------------------------ softmax


def test_softmax_rows_sum_to_one_and_shift_invariant():
    rng = np.random.default_rng(12)
    z = rng.normal(0, 5, (4, 6))
    p = softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(softmax(z + 123.0), p, rtol=1e-12)
    np.testing.assert_allclose(p, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_softmax_extreme_logits(dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]], dtype=dtype)
    p = softmax(z)
    assert p.dtype == dtype
    np.testing.assert_allclose(p, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)


def test_softmax_last_axis_any_ndim():
    z = np.array([0.0, np.log(3.0)])
    np.testing.assert_allclose(softmax(z), [0.25, 0.75])
    assert softmax(np.zeros((2, 3, 4))).shape == (2, 3, 4)


@pytest.mark.parametrize("bad", [np.float64(1.0), np.zeros((3, 0))], ids=["0d", "no-classes"])
def test_softmax_bad_shape(bad):
    with pytest.raises(ValueError, match=r"z must be at least 1-D.*got shape"):
        softmax(bad)


def test_softmax_rejects_strings():
    with pytest.raises(TypeError, match="z must be a real"):
        softmax(np.array([["a", "b"]]))


# ------------------------------------------------------------------------------ cross-entropy

CE_CASES = [(1, 2), (3, 5), (4, 10), (2, 1)]


@pytest.mark.parametrize(("n", "k"), CE_CASES, ids=[f"N{n}-K{k}" for n, k in CE_CASES])
def test_cross_entropy_gradient(n, k):
    rng = np.random.default_rng(n * 10 + k)
    logits = rng.normal(0, 2, (n, k))
    labels = rng.integers(0, k, n)
    grad = softmax_cross_entropy_backward(logits, labels)
    check_gradient(lambda _: softmax_cross_entropy(logits, labels), logits, grad, name="dlogits")


def test_cross_entropy_value_is_batch_mean():
    logits = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]])
    labels = np.array([0, 1])
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    expected = -np.mean(np.log(p[[0, 1], labels]))
    assert np.isclose(softmax_cross_entropy(logits, labels), expected, rtol=1e-14)
    assert isinstance(softmax_cross_entropy(logits, labels), float)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_cross_entropy_extreme_logits(dtype):
    logits = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [1000.0, 1000.0]], dtype=dtype)
    labels = np.array([1, 1, 0])
    # mistake, certain right, a tie: (2000 + 0 + log 2) / 3
    assert np.isclose(softmax_cross_entropy(logits, labels), (2000 + np.log(2)) / 3, rtol=1e-6)
    g = softmax_cross_entropy_backward(logits, labels)
    assert g.dtype == dtype
    np.testing.assert_allclose(g, np.array([[1, -1], [0, 0], [-0.5, 0.5]]) / 3, atol=1e-7)


def test_cross_entropy_backward_rows_sum_to_zero():
    rng = np.random.default_rng(13)
    g = softmax_cross_entropy_backward(rng.standard_normal((5, 7)), rng.integers(0, 7, 5))
    np.testing.assert_allclose(g.sum(axis=1), 0.0, atol=1e-16)


@pytest.mark.parametrize("labels", [[0, 2], np.array([0, 2], np.uint8), np.array([0, 2], np.int32)],
                         ids=["list", "uint8", "int32"])
def test_cross_entropy_integer_label_types(labels):
    assert softmax_cross_entropy(np.zeros((2, 3)), labels) == pytest.approx(np.log(3))


@pytest.mark.parametrize(
    ("logits", "labels", "exc", "pattern"),
    [
        (np.zeros((2, 3)), np.array([0.0, 1.0]), TypeError, r"labels must be integer.*float64"),
        (np.zeros((2, 3)), np.array([True, False]), TypeError, r"labels must be integer.*bool"),
        (np.zeros((2, 3)), ["a", "b"], TypeError, r"labels must be integer"),
        (np.zeros((2, 3)), [[0], [1, 2]], TypeError, r"labels must be integer.*could not convert"),
        (np.zeros((2, 3)), [0, 3], ValueError, r"labels must lie in \[0, 2\].*\(2, 3\).*\[3\]"),
        (np.zeros((2, 3)), [-1, 0], ValueError, r"labels must lie in \[0, 2\].*\[-1\]"),
        (np.zeros((2, 3)), [0, 1, 2], ValueError, r"labels must have shape \(N,\) = \(2,\).*\(3,\)"),
        (np.zeros((2, 3)), [[0], [1]], ValueError, r"labels must have shape.*\(2, 1\)"),
        (np.zeros((2, 3)), 1, ValueError, r"labels must have shape.*\(\)"),
        (np.zeros(3), [0], ValueError, r"logits must be 2-D \(N, K\), got shape \(3,\)"),
        (np.zeros((0, 3)), np.zeros(0, int), ValueError, r"at least one row.*\(0, 3\)"),
        (np.zeros((2, 3), complex), [0, 1], TypeError, r"logits must be a real"),
    ],
    ids=["float-labels", "bool-labels", "str-labels", "ragged-labels", "label-too-big", "label-negative",
         "count-mismatch", "labels-2d", "labels-scalar", "logits-1d", "empty-batch", "complex"],
)
@pytest.mark.parametrize("fn", [softmax_cross_entropy, softmax_cross_entropy_backward],
                         ids=["loss", "backward"])
def test_cross_entropy_bad_input(fn, logits, labels, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fn(logits, labels)


def test_no_argument_modified():
    rng = np.random.default_rng(14)
    y, t, logits = rng.standard_normal((3, 2)), rng.standard_normal((3, 2)), rng.standard_normal((3, 4))
    labels = np.array([3, 0, 1])
    copies = [a.copy() for a in (y, t, logits, labels)]
    mse_loss(y, t)
    mse_loss_backward(y, t)
    softmax(logits)
    softmax_cross_entropy(logits, labels)
    softmax_cross_entropy_backward(logits, labels)
    for a, c in zip((y, t, logits, labels), copies, strict=True):
        np.testing.assert_array_equal(a, c)


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)),
                  elements=st.floats(-1e3, 1e3)),
       st.integers(0, 2**32 - 1))
def test_cross_entropy_properties(logits, seed):
    labels = np.random.default_rng(seed).integers(0, logits.shape[1], logits.shape[0])
    loss = softmax_cross_entropy(logits, labels)
    assert np.isfinite(loss) and loss >= 0
    p = softmax(logits)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    g = softmax_cross_entropy_backward(logits, labels)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g.sum(axis=1), 0.0, atol=1e-12)
