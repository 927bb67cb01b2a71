"""sigmoid / relu: values, stability, gradients (finite differences), dtypes, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cnnbp import check_gradient, relu, relu_backward, sigmoid, sigmoid_backward

SHAPES = [(7,), (3, 5), (2, 3, 4, 5), ()]
SHAPE_IDS = ["1d", "2d", "nchw", "scalar"]


def _away_from_zero(rng, shape):
    # ReLU has a kink at 0: keep finite differences on one side of it.
    z = rng.uniform(0.1, 3.0, shape) * rng.choice([-1.0, 1.0], shape)
    return np.asarray(z, dtype=np.float64)


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_sigmoid_gradient(shape):
    rng = np.random.default_rng(1)
    z = rng.normal(0, 3, shape)
    ds = rng.standard_normal(shape)
    dz = sigmoid_backward(ds, sigmoid(z))
    check_gradient(lambda _: np.sum(sigmoid(z) * ds), z, dz, name="dz")


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_relu_gradient(shape):
    rng = np.random.default_rng(2)
    z = _away_from_zero(rng, shape)
    dy = rng.standard_normal(shape)
    dz = relu_backward(dy, z)
    check_gradient(lambda _: np.sum(relu(z) * dy), z, dz, name="dz")


def test_sigmoid_values_and_symmetry():
    z = np.linspace(-30, 30, 61)
    s = sigmoid(z)
    np.testing.assert_allclose(s, 1 / (1 + np.exp(-z)), rtol=1e-15, atol=0)
    np.testing.assert_allclose(s + sigmoid(-z), 1.0, rtol=1e-15)
    assert sigmoid(0.0) == 0.5


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_sigmoid_extremes_exact_no_warning(dtype):
    # filterwarnings=error turns any overflow warning into a failure.
    z = np.array([-1000.0, -800.0, 800.0, 1000.0], dtype=dtype)
    s = sigmoid(z)
    assert s.dtype == dtype
    np.testing.assert_array_equal(s, [0.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(sigmoid_backward(np.ones_like(z), s), 0.0)


def test_sigmoid_backward_is_the_seed_formula():
    # delta_11 of the question: (0.25*0.61 + -0.15*0.02) * 0.58 * (1 - 0.58)
    assert np.isclose(sigmoid_backward(0.25 * 0.61 + -0.15 * 0.02, 0.58), 0.0364182, rtol=0, atol=1e-12)


def test_relu_values_and_kink():
    np.testing.assert_array_equal(relu([-2.0, -0.0, 0.0, 3.5]), [0.0, 0.0, 0.0, 3.5])
    np.testing.assert_array_equal(relu_backward([1.0, 1.0, 1.0], [-1.0, 0.0, 1e-300]), [0.0, 0.0, 1.0])


@pytest.mark.parametrize(
    ("inp", "dtype"),
    [
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.int64, np.float64),
        (np.bool_, np.float64),
        (np.float16, np.float32),
    ],
    ids=["f32", "f64", "int", "bool", "f16"],
)
@pytest.mark.parametrize("fn", [sigmoid, relu], ids=["sigmoid", "relu"])
def test_forward_dtype(fn, inp, dtype):
    assert fn(np.array([[0, 1], [1, 0]], dtype=inp)).dtype == dtype


def test_forward_list_becomes_float64():
    assert sigmoid([[1, 2], [3, 4]]).dtype == np.float64
    assert relu([1, -2]).dtype == np.float64


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(np.float32, np.float32, np.float32), (np.float32, np.float64, np.float64),
     (np.float64, np.float32, np.float64)],
    ids=["f32-f32", "f32-f64", "f64-f32"],
)
@pytest.mark.parametrize("fn", [sigmoid_backward, relu_backward], ids=["sigmoid_bw", "relu_bw"])
def test_backward_dtype(fn, a, b, expected):
    assert fn(np.ones(3, dtype=a), np.full(3, 0.5, dtype=b)).dtype == expected


@pytest.mark.parametrize("fn", [sigmoid, relu], ids=["sigmoid", "relu"])
@pytest.mark.parametrize("bad", [np.array([1 + 2j]), np.array(["a"]), np.array([None], dtype=object)],
                         ids=["complex", "str", "object"])
def test_forward_rejects_non_real(fn, bad):
    with pytest.raises(TypeError, match="z"):
        fn(bad)


@pytest.mark.parametrize(
    ("fn", "second"), [(sigmoid_backward, "s"), (relu_backward, "z")], ids=["sigmoid_bw", "relu_bw"]
)
def test_backward_shape_mismatch(fn, second):
    with pytest.raises(ValueError, match=r"\(3, 1\).*\(3,\)") as err:
        fn(np.ones((3, 1)), np.ones(3))
    assert second in str(err.value)


@pytest.mark.parametrize("fn", [sigmoid_backward, relu_backward], ids=["sigmoid_bw", "relu_bw"])
def test_backward_rejects_complex(fn):
    with pytest.raises(TypeError):
        fn(np.ones(2, dtype=complex), np.ones(2))


def test_no_argument_modified():
    rng = np.random.default_rng(3)
    z, dy = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    z0, dy0 = z.copy(), dy.copy()
    s = sigmoid(z)
    s0 = s.copy()
    sigmoid_backward(dy, s)
    relu(z)
    relu_backward(dy, z)
    np.testing.assert_array_equal(z, z0)
    np.testing.assert_array_equal(dy, dy0)
    np.testing.assert_array_equal(s, s0)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                  elements=st.floats(-1e4, 1e4)))
def test_sigmoid_properties(z):
    s = sigmoid(z)
    assert s.shape == z.shape
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s + sigmoid(-z), 1.0, atol=1e-15)
    d = sigmoid_backward(np.ones_like(z), s)
    assert np.all((d >= 0) & (d <= 0.25))


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                  elements=st.floats(-1e6, 1e6)))
def test_relu_properties(z):
    y = relu(z)
    assert np.all(y >= 0)
    np.testing.assert_array_equal(y - relu(-z), z)  # relu(z) - relu(-z) = z
