"""cnnbp.gradcheck: the checkers themselves must be right, or every other test is hollow."""

import numpy as np
import pytest

from cnnbp import check_gradient, check_gradient_projection, numerical_gradient, relative_error


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 1, 3, 2), ()], ids=["1d", "2d", "4d", "0d"])
def test_numerical_gradient_of_known_function(shape):
    rng = np.random.default_rng(21)
    x = rng.standard_normal(shape)
    a = rng.standard_normal(shape)
    g = numerical_gradient(lambda v: np.sum(a * v**3), x)
    assert g.shape == x.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, 3 * a * x**2, rtol=1e-7, atol=1e-9)


def test_numerical_gradient_reads_through_closure_and_argument():
    x = np.array([0.3, -0.7])
    by_arg = numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    by_closure = numerical_gradient(lambda _: np.sum(np.sin(x)), x)
    np.testing.assert_array_equal(by_arg, by_closure)


def test_numerical_gradient_restores_x_exactly():
    x = np.array([0.1, 1e-8, 3.3333333333333335, -7.0])
    x0 = x.copy()
    numerical_gradient(lambda v: np.sum(v**2), x)
    np.testing.assert_array_equal(x, x0)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0, 3.0])
    x0 = x.copy()
    calls = []

    def f(v):
        calls.append(v.copy())
        if len(calls) == 3:  # second entry, first evaluation: x[1] is perturbed right now
            raise RuntimeError("boom")
        return float(np.sum(v))

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    assert calls[-1][1] != x0[1]  # the failure happened mid-perturbation
    np.testing.assert_array_equal(x, x0)


def test_numerical_gradient_float32():
    x = np.array([0.5, -1.0], dtype=np.float32)
    g = numerical_gradient(lambda v: float(np.sum(v.astype(np.float64) ** 2)), x, eps=1e-2)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-5)
    assert x.dtype == np.float32


@pytest.mark.parametrize(
    "bad", [[1.0, 2.0], np.array([1, 2]), np.array([True])], ids=["list", "int-array", "bool-array"]
)
def test_numerical_gradient_needs_float_ndarray(bad):
    with pytest.raises(TypeError, match="x must be a float ndarray"):
        numerical_gradient(lambda v: 0.0, bad)


def test_relative_error_values():
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0], [-1.0]) == 1.0
    assert relative_error([3.0, 0.0], [0.0, 4.0]) == pytest.approx(5 / 7)


@pytest.mark.parametrize(
    ("a", "b"),
    [((3,), (3, 1)), ((2, 3), (3, 2)), ((1,), ())],
    ids=["N-vs-N1", "transposed", "1-vs-scalar"],
)
def test_relative_error_shape_mismatch(a, b):
    with pytest.raises(ValueError, match=r"relative_error needs equal shapes"):
        relative_error(np.ones(a), np.ones(b))


def test_check_gradient_accepts_right_and_catches_wrong():
    rng = np.random.default_rng(22)
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal((3, 4))

    def f(_):
        return np.sum(w * np.tanh(x))

    right = w / np.cosh(x) ** 2
    assert check_gradient(f, x, right, name="dx") < 1e-8
    wrong = right.copy()
    wrong[1, 2] *= 1.5  # one wrong entry among twelve
    with pytest.raises(AssertionError, match=r"dx: relative error .* worst entry \(1, 2\)"):
        check_gradient(f, x, wrong, name="dx")
    with pytest.raises(AssertionError, match=r"dx: relative error"):
        check_gradient(f, x, right.T.reshape(3, 4), name="dx")  # right values, wrong layout


def test_check_gradient_shape_mismatch():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"dw has shape \(3, 2\) but the input has shape \(2, 3\)"):
        check_gradient(lambda v: 0.0, x, np.zeros((3, 2)), name="dw")


def test_check_gradient_projection_catches_wrong():
    rng = np.random.default_rng(23)
    x = rng.standard_normal(500)
    assert check_gradient_projection(lambda v: np.sum(v**2), x, 2 * x) < 1e-6
    wrong = 2 * x
    wrong[17] += 1.0
    with pytest.raises(AssertionError, match="directional derivatives disagree"):
        check_gradient_projection(lambda v: np.sum(v**2), x, wrong, n=3, seed=0)


def test_check_gradient_projection_restores_x_and_checks_shape():
    x = np.linspace(-1, 1, 7)
    x0 = x.copy()

    def f(v):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        check_gradient_projection(f, x, np.zeros(7))
    np.testing.assert_array_equal(x, x0)
    with pytest.raises(ValueError, match=r"has shape \(6,\) but the input has shape \(7,\)"):
        check_gradient_projection(lambda v: 0.0, x, np.zeros(6))
    with pytest.raises(TypeError, match="x must be a float ndarray"):
        check_gradient_projection(lambda v: 0.0, [1.0, 2.0], np.zeros(2))


@pytest.mark.parametrize(
    "make",
    [lambda: np.arange(6.0).reshape(2, 3).T, lambda: np.arange(12.0).reshape(3, 4)[:, ::2]],
    ids=["transposed", "strided-slice"],
)
def test_numerical_gradient_of_non_contiguous_input(make):
    """x is perturbed through its own strides: a reshaped copy would give a zero gradient."""
    x = make()
    before = x.copy()
    g = numerical_gradient(lambda v: np.sum(v**2), x)
    np.testing.assert_allclose(g, 2 * before, rtol=1e-8)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("fn", ["numerical_gradient", "check_gradient_projection"])
def test_read_only_input_is_a_clear_type_error(fn):
    x = np.ones(3)
    x.flags.writeable = False
    f = {
        "numerical_gradient": lambda: numerical_gradient(np.sum, x),
        "check_gradient_projection": lambda: check_gradient_projection(np.sum, x, np.ones(3)),
    }[fn]
    with pytest.raises(TypeError, match="read-only"):
        f()
