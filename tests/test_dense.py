"""linear / linear_backward: finite differences, the seed's FC numbers, dtypes, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbp import check_gradient, linear, linear_backward

CASES = [(1, 4, 2), (3, 5, 7), (2, 1, 1), (4, 6, 3)]
CASE_IDS = [f"N{n}-in{i}-out{o}" for n, i, o in CASES]


@pytest.mark.parametrize(("n", "n_in", "n_out"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "nobias"])
def test_linear_gradients(n, n_in, n_out, with_bias):
    rng = np.random.default_rng(n * 100 + n_in * 10 + n_out)
    x = rng.standard_normal((n, n_in))
    w = rng.standard_normal((n_out, n_in))
    b = rng.standard_normal(n_out) if with_bias else None
    dy = rng.standard_normal((n, n_out))
    dx, dw, db = linear_backward(dy, x, w)
    check_gradient(lambda _: np.sum(linear(x, w, b) * dy), x, dx, name="dx")
    check_gradient(lambda _: np.sum(linear(x, w, b) * dy), w, dw, name="dw")
    bb = rng.standard_normal(n_out)
    check_gradient(lambda _: np.sum(linear(x, w, bb) * dy), bb, db, name="db")
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == (n_out,)


def test_linear_values():
    x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    w = np.array([[1.0, -1.0], [2.0, 0.5], [0.0, 1.0]])
    b = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(linear(x, w, b), x @ w.T + b)
    np.testing.assert_allclose(linear(x, w), x @ w.T)


def test_seed_fc_backward_gives_the_question_sums():
    w_fc = np.array([[0.61, 0.82, 0.96, -1.00], [0.02, -0.50, 0.23, 0.17]])
    dx, _, db = linear_backward(np.array([[0.25, -0.15]]), np.ones((1, 4)), w_fc)
    expected = [0.25 * 0.61 + -0.15 * 0.02, 0.25 * 0.82 + -0.15 * -0.50,
                0.25 * 0.96 + -0.15 * 0.23, 0.25 * -1.00 + -0.15 * 0.17]
    np.testing.assert_allclose(dx[0], expected, rtol=1e-14)
    np.testing.assert_array_equal(db, [0.25, -0.15])


@pytest.mark.parametrize(
    ("dtypes", "expected"),
    [((np.float32, np.float32, np.float32), np.float32),
     ((np.float64, np.float32, np.float32), np.float64),
     ((np.float32, np.float32, np.float64), np.float64),
     ((np.int64, np.int64, np.int64), np.float64)],
    ids=["all-f32", "x-f64", "b-f64", "ints"],
)
def test_dtypes(dtypes, expected):
    tx, tw, tb = dtypes
    x, w, b = np.ones((2, 3), tx), np.ones((4, 3), tw), np.ones(4, tb)
    assert linear(x, w, b).dtype == expected


@pytest.mark.parametrize(
    ("dtypes", "expected"),
    [((np.float32, np.float32, np.float32), np.float32),
     ((np.float64, np.float32, np.float32), np.float64),
     ((np.float32, np.float64, np.float32), np.float64),
     ((np.int64, np.int64, np.int64), np.float64)],
    ids=["all-f32", "dy-f64", "x-f64", "ints"],
)
def test_backward_dtypes(dtypes, expected):
    tdy, tx, tw = dtypes
    grads = linear_backward(np.ones((2, 4), tdy), np.ones((2, 3), tx), np.ones((4, 3), tw))
    assert [g.dtype for g in grads] == [expected] * 3


def test_nested_lists_accepted():
    assert linear([[1, 2]], [[3, 4]]).tolist() == [[11.0]]


@pytest.mark.parametrize(
    ("x", "w", "b", "exc", "pattern"),
    [
        (np.ones(3), np.ones((2, 3)), None, ValueError, r"x must be 2-D \(N, in\), got shape \(3,\)"),
        (np.ones((1, 3)), np.ones(3), None, ValueError, r"w must be 2-D \(out, in\), got shape \(3,\)"),
        (np.ones((1, 3)), np.ones((2, 4)), None, ValueError, r"x has 3 features.*\(1, 3\).*\(2, 4\)"),
        (np.ones((1, 3)), np.ones((2, 3)), np.ones(3), ValueError, r"b has shape \(3,\).*\(2,\)"),
        (np.ones((1, 3)), np.ones((2, 3)), np.ones((2, 1)), ValueError, r"b has shape \(2, 1\)"),
        (np.ones((1, 3), complex), np.ones((2, 3)), None, TypeError, "x must be a real"),
        (np.ones((1, 3)), np.array([["a"] * 3] * 2), None, TypeError, "w must be a real"),
    ],
    ids=["x-1d", "w-1d", "in-mismatch", "b-length", "b-2d", "x-complex", "w-str"],
)
def test_linear_bad_input(x, w, b, exc, pattern):
    with pytest.raises(exc, match=pattern):
        linear(x, w, b)


@pytest.mark.parametrize(
    ("dy", "x", "w", "pattern"),
    [
        (np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 4)), r"dy has shape \(2, 3\).*\(2, 2\)"),
        (np.ones((3, 2)), np.ones((2, 4)), np.ones((2, 4)), r"dy has shape \(3, 2\).*\(2, 2\)"),
        (np.ones(2), np.ones((1, 4)), np.ones((2, 4)), r"dy has shape \(2,\)"),
        (np.ones((1, 2)), np.ones((1, 4)), np.ones((2, 5)), r"x has 4 features"),
        (np.ones((1, 2)), np.ones((1, 1, 4)), np.ones((2, 4)), r"x must be 2-D"),
    ],
    ids=["dy-out", "dy-batch", "dy-1d", "in-mismatch", "x-3d"],
)
def test_linear_backward_bad_input(dy, x, w, pattern):
    with pytest.raises(ValueError, match=pattern):
        linear_backward(dy, x, w)


def test_no_argument_modified():
    rng = np.random.default_rng(5)
    x, w, b, dy = (rng.standard_normal(s) for s in [(3, 4), (2, 4), (2,), (3, 2)])
    copies = [a.copy() for a in (x, w, b, dy)]
    linear(x, w, b)
    linear_backward(dy, x, w)
    for a, c in zip((x, w, b, dy), copies, strict=True):
        np.testing.assert_array_equal(a, c)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_backward_is_the_transpose(n, n_in, n_out, seed):
    # <dy, linear(x, w)> = <linear_backward(dy)[0], x> for every x: dx is the adjoint map.
    rng = np.random.default_rng(seed)
    x, w, dy = rng.standard_normal((n, n_in)), rng.standard_normal((n_out, n_in)), rng.standard_normal((n, n_out))
    dx, dw, db = linear_backward(dy, x, w)
    lhs = np.sum(dy * linear(x, w))
    assert np.isclose(lhs, np.sum(dx * x))
    assert np.isclose(lhs, np.sum(dw * w))
    np.testing.assert_allclose(db, dy.sum(0))
