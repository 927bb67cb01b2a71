"""cnnbp.pool: finite differences, overlapping windows, the first-max tie rule, NaN and inf,
bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnbp
from cnnbp import (
    avg_pool2d,
    avg_pool2d_backward,
    check_gradient,
    loops,
    max_pool2d,
    max_pool2d_backward,
)

# (x shape, size, stride): tiling, overlapping, gaps between windows, leftovers, non-square
CASES = [
    ((1, 1, 4, 4), 2, None),
    ((2, 3, 5, 7), 2, None),  # last row / column dropped
    ((1, 2, 6, 5), 3, 1),  # overlapping
    ((3, 1, 7, 6), 3, 2),  # overlapping, stride 2
    ((2, 2, 5, 8), (2, 3), (1, 2)),  # non-square window and stride
    ((1, 1, 8, 7), 2, 3),  # stride > size: gaps
    ((2, 1, 3, 9), (3, 1), None),
    ((1, 2, 4, 4), 4, None),  # window = whole input
]


def _id(case):
    shape, size, stride = case
    return f"x{'x'.join(map(str, shape))}-size{size}-stride{stride}".replace(" ", "")


def _tie_free(rng, shape):
    """Distinct values far apart (0.37) compared with the finite-difference step."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.37 - 3.0


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_max_pool_backward_matches_finite_differences(rng, case):
    shape, size, stride = case
    x = _tie_free(rng, shape)
    dy = rng.standard_normal(max_pool2d(x, size, stride).shape)
    dx = max_pool2d_backward(dy, x, size, stride)
    check_gradient(lambda _: np.sum(max_pool2d(x, size, stride) * dy), x, dx, name="dx")


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_avg_pool_backward_matches_finite_differences(rng, case):
    shape, size, stride = case
    x = rng.standard_normal(shape)
    dy = rng.standard_normal(avg_pool2d(x, size, stride).shape)
    dx = avg_pool2d_backward(dy, x, size, stride)
    check_gradient(lambda _: np.sum(avg_pool2d(x, size, stride) * dy), x, dx, name="dx")


def test_overlapping_windows_accumulate():
    # one global maximum in the centre is the max of all four 2x2 windows (stride 1)
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0
    dy = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    dx = max_pool2d_backward(dy, x, size=2, stride=1)
    assert dx[0, 0, 1, 1] == 10.0
    assert np.count_nonzero(dx) == 1


def test_ties_give_everything_to_the_first_max_in_row_major_order():
    x = np.array(
        [
            [
                [
                    [1.0, 1.0, 0.0, 3.0],
                    [1.0, 1.0, 3.0, 3.0],
                    [2.0, 0.0, 0.0, 0.0],
                    [0.0, 2.0, 0.0, 0.0],
                ]
            ]
        ]
    )
    dy = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    dx = max_pool2d_backward(dy, x)
    expected = np.zeros((4, 4))
    expected[0, 0] = 1.0  # four-way tie: top-left
    expected[0, 3] = 2.0  # (0,1) of the window comes before (1,0) and (1,1)
    expected[2, 0] = 3.0  # (0,0) before (1,1)
    expected[2, 2] = 4.0  # all zero: top-left
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_ties_with_overlapping_windows():
    x = np.ones((1, 1, 3, 3))
    dx = max_pool2d_backward(np.ones((1, 1, 2, 2)), x, size=2, stride=1)
    # each window's first entry is its top-left corner
    np.testing.assert_array_equal(dx[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


NAN, INF = np.nan, np.inf

# (x plane, size, stride, expected y plane, expected dx plane for dy = 1, 2, 4, ... by window
# in row-major order). NaN counts as larger than every number: a window holding NaN outputs
# NaN and its whole gradient goes to its first NaN in row-major window order.
NONFINITE = {
    "nan-first": (
        [[NAN, 5, 1, 2], [7, 1, 3, 0]],
        2,
        None,
        [[NAN, 3]],
        [[1, 0, 0, 0], [0, 0, 2, 0]],
    ),
    "nan-middle": (
        [[1, 9, 2], [3, NAN, 8], [4, 0, 5]],
        3,
        None,
        [[NAN]],
        [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    ),
    "nan-last": ([[1, 9, 6, 2], [3, NAN, 0, 6]], 2, None, [[NAN, 6]], [[0, 0, 2, 0], [0, 1, 0, 0]]),
    "two-nans": (
        [[1, NAN, 0, 0], [NAN, 9, 0, 0]],
        2,
        None,
        [[NAN, 0]],
        [[0, 1, 2, 0], [0, 0, 0, 0]],
    ),
    "nan-before-nan": ([[NAN, NAN], [2, NAN]], 2, None, [[NAN]], [[1, 0], [0, 0]]),
    "nan-among-ties": (
        [[5, 5, 5, 5], [NAN, 5, 5, 5]],
        2,
        None,
        [[NAN, 5]],
        [[0, 0, 2, 0], [1, 0, 0, 0]],
    ),
    "nan-beats-inf": ([[INF, 1], [NAN, INF]], 2, None, [[NAN]], [[0, 0], [1, 0]]),
    # stride 1: all four windows hold the centre NaN, which collects 1 + 2 + 4 + 8
    "overlap-shared-nan": (
        [[9, 1, 9], [1, NAN, 1], [9, 1, 9]],
        2,
        1,
        [[NAN, NAN], [NAN, NAN]],
        [[0, 0, 0], [0, 15, 0], [0, 0, 0]],
    ),
    # windows (0, 0) and (0, 1) pick the NaN at (0, 1), windows (1, 0) and (1, 1) the one at (1, 1)
    "overlap-two-nans": (
        [[0, NAN, 0], [0, NAN, 0], [7, 7, 7]],
        2,
        1,
        [[NAN, NAN], [NAN, NAN]],
        [[0, 3, 0], [0, 12, 0], [0, 0, 0]],
    ),
    # stride 1 along a row: windows 0-1 hold the NaN, window 2 does not and keeps its own max
    "overlap-nan-and-numbers": (
        [[1, NAN, 3, 8], [2, 0, 9, 4]],
        2,
        1,
        [[NAN, NAN, 9]],
        [[0, 3, 0, 0], [0, 0, 4, 0]],
    ),
    "inf": ([[1, INF, 3, 2], [INF, 2, 3, -INF]], 2, None, [[INF, 3]], [[0, 1, 2, 0], [0, 0, 0, 0]]),
    "minus-inf-everywhere": (
        [[-INF, -INF, -INF, -INF], [-INF, -INF, -INF, -3]],
        2,
        None,
        [[-INF, -3]],
        [[1, 0, 0, 0], [0, 0, 0, 2]],
    ),
}


@pytest.fixture(params=["fast", "loops"])
def max_pool_impl(request):
    """``(max_pool2d, max_pool2d_backward)`` of the default path and of the loop version."""
    module = loops if request.param == "loops" else cnnbp
    return module.max_pool2d, module.max_pool2d_backward


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize(
    ("plane", "size", "stride", "y_plane", "dx_plane"),
    list(NONFINITE.values()),
    ids=list(NONFINITE),
)
def test_max_pool_nan_and_inf(max_pool_impl, dtype, plane, size, stride, y_plane, dx_plane):
    fwd, bwd = max_pool_impl
    plane = np.array(plane, dtype)
    # channel 0 is all zeros (every window's first entry wins): the NaN sits in one channel
    # next to a NaN-free one
    x = np.stack([np.zeros_like(plane), plane])[None]
    y = fwd(x, size, stride)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y[0, 1], y_plane)  # NaN exactly where expected
    assert not np.isnan(y[0, 0]).any()
    dy = (2.0 ** np.arange(2 * y[0, 0].size)).reshape(y.shape).astype(dtype)
    dx = bwd(dy, x, size, stride)
    assert dx.dtype == dtype
    np.testing.assert_array_equal(dx[0, 1], np.array(dx_plane) * dy[0, 1].min())
    first_entries = np.zeros_like(plane)
    sh, sw = (size, size) if stride is None else (stride, stride)
    for (i, j), d in np.ndenumerate(dy[0, 0]):
        first_entries[i * sh, j * sw] += d
    np.testing.assert_array_equal(dx[0, 0], first_entries)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_max_pool_nan_in_a_window_of_256_offsets(max_pool_impl, dtype):
    # 256 offsets do not fit the sliced path's uint8 offset codes: the wider codes take NaN too
    fwd, bwd = max_pool_impl
    x = np.arange(256.0, dtype=dtype).reshape(1, 1, 16, 16)
    x[0, 0, 12, 8] = x[0, 0, 15, 15] = np.nan  # offsets 200 and 255: the first wins
    assert np.isnan(fwd(x, 16)).all()
    dx = bwd(np.full((1, 1, 1, 1), 3.0, dtype), x, 16)
    expected = np.zeros_like(x)
    expected[0, 0, 12, 8] = 3.0
    np.testing.assert_array_equal(dx, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan], ids=["inf", "-inf", "nan"])
@pytest.mark.parametrize(("size", "stride"), [(2, None), (3, 1)], ids=["tiled", "overlapping"])
def test_max_pool_backward_routes_a_nonfinite_delta_only_to_its_maximum(
    max_pool_impl, dtype, bad, size, stride
):
    # inf * 0 is NaN: multiplying dy by a 0/1 mask would leak NaN onto the losing entries
    _, bwd = max_pool_impl
    x = np.arange(36.0, dtype=dtype)[::-1].reshape(1, 1, 6, 6)  # each window's max: top left
    n_out = len(range(0, 6 - size + 1, stride or size))
    dy = np.ones((1, 1, n_out, n_out), dtype)
    dy[0, 0, 1, 1] = bad
    dx = bwd(dy, x, size, stride)
    s = stride or size
    expected = np.zeros_like(x)
    for (i, j), d in np.ndenumerate(dy[0, 0]):
        expected[0, 0, i * s, j * s] += d
    np.testing.assert_array_equal(dx, expected)  # NaN only where the bad delta lands


def test_known_values():
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    np.testing.assert_array_equal(max_pool2d(x)[0], [[[5.0, 7.0]], [[17.0, 19.0]]])
    np.testing.assert_array_equal(avg_pool2d(x)[0], [[[2.5, 4.5]], [[14.5, 16.5]]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize(
    ("fwd", "bwd"),
    [(max_pool2d, max_pool2d_backward), (avg_pool2d, avg_pool2d_backward)],
    ids=["max", "avg"],
)
@pytest.mark.parametrize("shape", [(2, 3, 6, 6), (4, 8, 20, 20)], ids=["tiny", "large"])
def test_dtype_is_kept(rng, dtype, fwd, bwd, shape):
    x = rng.standard_normal(shape).astype(dtype)
    y = fwd(x, 3, 2)
    assert y.dtype == dtype
    assert bwd(np.ones_like(y), x, 3, 2).dtype == dtype


def test_ints_and_lists_become_float64():
    assert max_pool2d([[[[1, 2], [3, 4]]]]).dtype == np.float64
    assert avg_pool2d(np.ones((1, 1, 2, 2), dtype=int)).dtype == np.float64


def test_arguments_are_not_modified(rng):
    x = _tie_free(rng, (2, 2, 5, 5))
    dy = rng.standard_normal((2, 2, 3, 3))
    xc, dyc = x.copy(), dy.copy()
    x.flags.writeable = False
    dy.flags.writeable = False
    for fwd, bwd in [(max_pool2d, max_pool2d_backward), (avg_pool2d, avg_pool2d_backward)]:
        fwd(x, 3, 1)
        bwd(dy, x, 3, 1)
    np.testing.assert_array_equal(x, xc)
    np.testing.assert_array_equal(dy, dyc)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    size=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.one_of(st.none(), st.tuples(st.integers(1, 4), st.integers(1, 4))),
    levels=st.integers(2, 6),
    seed=st.integers(0, 2**31 - 1),
)
def test_pool_properties_on_random_shapes(n, c, h, w, size, stride, levels, seed):
    """Max: each window's delta lands once, on an entry equal to its max. Avg: it is adjoint."""
    if size[0] > h or size[1] > w:
        with pytest.raises(ValueError, match="window size"):
            max_pool2d(np.zeros((n, c, h, w)), size, stride)
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(0, levels, (n, c, h, w)).astype(float)  # few levels: many ties
    y = max_pool2d(x, size, stride)
    dy = rng.uniform(1.0, 2.0, y.shape)  # positive: contributions cannot cancel
    dx = max_pool2d_backward(dy, x, size, stride)
    assert np.isclose(dx.sum(), dy.sum())
    assert np.count_nonzero(dx) <= y.size
    # every receiving entry is the maximum of some window, so it is >= every window it sits in
    assert np.all(np.isin(x[dx != 0], y))
    ya = avg_pool2d(x, size, stride)
    dya = rng.standard_normal(ya.shape)
    assert np.isclose(np.sum(ya * dya), np.sum(x * avg_pool2d_backward(dya, x, size, stride)))


X = np.zeros((2, 3, 5, 4))

BAD = [
    ("x-ndim", lambda: max_pool2d(X[0]), ValueError, r"x must be 4-D .*\(3, 5, 4\)"),
    (
        "window-too-big",
        lambda: max_pool2d(X, (2, 5)),
        ValueError,
        r"window size \(2, 5\) is larger than .*\(5, 4\)",
    ),
    ("avg-window-too-big", lambda: avg_pool2d(X, 6), ValueError, r"window size \(6, 6\)"),
    ("size-0", lambda: max_pool2d(X, 0), ValueError, r"size must be >= 1"),
    ("stride-0", lambda: avg_pool2d(X, 2, (1, 0)), ValueError, r"stride\[1\] must be >= 1"),
    ("size-float", lambda: max_pool2d(X, 2.0), TypeError, r"size must be an integer"),
    ("stride-float", lambda: max_pool2d(X, 2, 1.5), TypeError, r"stride must be an integer"),
    (
        "size-triple",
        lambda: avg_pool2d(X, (2, 2, 2)),
        ValueError,
        r"size must be an int or an \(h, w\) pair",
    ),
    ("complex", lambda: max_pool2d(X + 1j), TypeError, r"x must be a real numeric array"),
    ("empty", lambda: avg_pool2d(np.zeros((1, 0, 4, 4))), ValueError, r"x has an empty dimension"),
    (
        "dy-shape-max",
        lambda: max_pool2d_backward(np.zeros((2, 3, 2, 1)), X),
        ValueError,
        r"dy has shape \(2, 3, 2, 1\).*\(2, 3, 2, 2\)",
    ),
    (
        "dy-shape-avg",
        lambda: avg_pool2d_backward(np.zeros((2, 3, 2, 2)), X, 3, 1),
        ValueError,
        r"dy has shape .*\(2, 3, 3, 2\)",
    ),
    ("dy-ndim", lambda: max_pool2d_backward(np.zeros((3, 2, 2)), X), ValueError, r"dy must be 4-D"),
]


@pytest.mark.parametrize(("make", "exc", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_raises_a_named_error(make, exc, match):
    with pytest.raises(exc, match=match):
        make()
