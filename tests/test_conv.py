"""cnnbp.conv: finite-difference checks, the equivalent views of dx, dtypes and bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbp import (
    check_gradient,
    col2im,
    conv2d,
    conv2d_backward,
    conv2d_matrix,
    conv2d_output_shape,
    conv_transpose2d,
    delta_full_conv,
    im2col,
)

# (N, C_in, C_out, (H, W), (kh, kw), stride, padding, dilation): a covering set rather than the
# full product, so that every value of every parameter appears and finite differences stay fast.
FD_CASES = [
    (1, 1, 1, (5, 5), (2, 2), 1, 0, 1),  # the seed's shape
    (2, 1, 3, (6, 7), (3, 2), 1, 1, 1),
    (3, 2, 1, (7, 5), (2, 3), 2, 0, 1),
    (1, 3, 2, (5, 8), (3, 3), 3, 2, 1),
    (2, 4, 4, (6, 6), (2, 2), 1, 0, 2),
    (1, 2, 3, (8, 7), (3, 2), 2, 1, 2),
    (3, 1, 2, (9, 6), (2, 2), 3, 2, 2),
    (2, 3, 1, (4, 9), (1, 4), (1, 2), (2, 0), (2, 1)),
    (1, 4, 3, (7, 7), (4, 3), (3, 1), (0, 2), (1, 2)),
    (2, 2, 4, (3, 5), (3, 5), 1, 2, 1),  # kernel as big as the input in width
    (1, 1, 1, (1, 1), (1, 1), 2, 1, 1),  # 1x1 input, padding only
]


def _case_id(case):
    n, ci, co, hw, k, s, p, d = case
    return f"N{n}-Cin{ci}-Cout{co}-in{hw[0]}x{hw[1]}-k{k[0]}x{k[1]}-s{s}-p{p}-d{d}"


def _data(rng, case, dtype=np.float64):
    n, ci, co, hw, k, s, p, d = case
    x = rng.standard_normal((n, ci, *hw)).astype(dtype)
    w = rng.standard_normal((co, ci, *k)).astype(dtype)
    b = rng.standard_normal(co).astype(dtype)
    return x, w, b, dict(stride=s, padding=p, dilation=d)


@pytest.mark.parametrize("case", FD_CASES, ids=_case_id)
def test_conv2d_backward_matches_finite_differences(rng, case):
    x, w, b, hp = _data(rng, case)
    y = conv2d(x, w, b, **hp)
    dy = rng.standard_normal(y.shape)
    dx, dw, db = conv2d_backward(dy, x, w, **hp)
    check_gradient(lambda _: np.sum(conv2d(x, w, b, **hp) * dy), x, dx, name="dx")
    check_gradient(lambda _: np.sum(conv2d(x, w, b, **hp) * dy), w, dw, name="dw")
    check_gradient(lambda _: np.sum(conv2d(x, w, b, **hp) * dy), b, db, name="db")


@pytest.mark.parametrize("case", FD_CASES, ids=_case_id)
def test_equivalent_views_of_dx(rng, case):
    """delta_full_conv, conv_transpose2d, col2im(W^T dy) and C^T dy all equal conv2d_backward's dx."""
    x, w, _, hp = _data(rng, case)
    y = conv2d(x, w, **hp)
    dy = rng.standard_normal(y.shape)
    dx, _, _ = conv2d_backward(dy, x, w, **hp)
    np.testing.assert_allclose(delta_full_conv(dy, w, x.shape, **hp), dx, atol=1e-12)
    np.testing.assert_allclose(
        conv_transpose2d(dy, w, output_size=x.shape[2:], **hp), dx, atol=1e-12
    )
    co = w.shape[0]
    cols = np.matmul(w.reshape(co, -1).T, dy.reshape(dy.shape[0], co, -1))
    np.testing.assert_allclose(col2im(cols, x.shape, w.shape[2:], **hp), dx, atol=1e-12)
    mat = conv2d_matrix(w, x.shape[2:], **hp)
    for n in range(x.shape[0]):
        np.testing.assert_allclose(mat @ x[n].ravel(), y[n].ravel(), atol=1e-12)
        np.testing.assert_allclose(mat.T @ dy[n].ravel(), dx[n].ravel(), atol=1e-12)


@pytest.mark.parametrize("case", FD_CASES, ids=_case_id)
def test_im2col_product_and_output_shape(rng, case):
    x, w, b, hp = _data(rng, case)
    y = conv2d(x, w, b, **hp)
    assert y.shape[2:] == conv2d_output_shape(x.shape[2:], w.shape[2:], **hp)
    cols = im2col(x, w.shape[2:], **hp)
    co = w.shape[0]
    expected = np.matmul(w.reshape(co, -1), cols) + b[:, None]
    np.testing.assert_allclose(y.reshape(y.shape[0], co, -1), expected, atol=1e-12)


def test_bias_is_one_value_per_output_channel(rng):
    x = rng.standard_normal((2, 3, 5, 4))
    w = rng.standard_normal((2, 3, 2, 2))
    b = np.array([1.5, -2.0])
    diff = conv2d(x, w, b) - conv2d(x, w)
    np.testing.assert_allclose(diff[:, 0], 1.5)
    np.testing.assert_allclose(diff[:, 1], -2.0)


def test_db_is_returned_without_bias_and_sums_dy(rng):
    x = rng.standard_normal((3, 2, 5, 6))
    w = rng.standard_normal((4, 2, 3, 3))
    dy = rng.standard_normal((3, 4, 3, 4))
    _, _, db = conv2d_backward(dy, x, w)
    np.testing.assert_allclose(db, dy.sum(axis=(0, 2, 3)))


def test_rows_no_window_reaches_get_zero_gradient(rng):
    # H=6, k=2, stride 3: windows start at rows 0 and 3, so row 5 is never read
    x = rng.standard_normal((1, 1, 6, 6))
    w = rng.standard_normal((1, 1, 2, 2))
    dy = rng.standard_normal((1, 1, 2, 2))
    dx, _, _ = conv2d_backward(dy, x, w, stride=3)
    assert np.all(dx[0, 0, 2] == 0) and np.all(dx[0, 0, 5] == 0)
    assert np.all(dx[0, 0, :, 5] == 0)


def test_seed_shape_by_hand():
    # 5x5 input, 2x2 kernel, stride 1: y[0, 0] is the sum of the top-left 2x2 block times w
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    w = np.array([[[[-0.13, 0.2], [0.1, 0.3]]]])
    y = conv2d(x, w)
    assert y.shape == (1, 1, 4, 4)
    assert np.isclose(y[0, 0, 0, 0], -0.13 * 0 + 0.2 * 1 + 0.1 * 5 + 0.3 * 6)


@pytest.mark.parametrize(
    ("xd", "wd", "expected"),
    [
        (np.float32, np.float32, np.float32),
        (np.float64, np.float64, np.float64),
        (np.float32, np.float64, np.float64),
        (np.int64, np.int64, np.float64),
    ],
    ids=["f32", "f64", "mixed", "int"],
)
@pytest.mark.parametrize("n", [2, 40], ids=["tiny", "large-batch"])
def test_dtypes(rng, xd, wd, expected, n):
    x = (rng.standard_normal((n, 2, 5, 5)) * 3).astype(xd)
    w = (rng.standard_normal((3, 2, 3, 3)) * 3).astype(wd)
    y = conv2d(x, w, stride=2, padding=1)
    assert y.dtype == expected
    dy = np.ones(y.shape, dtype=y.dtype)
    for g in conv2d_backward(dy, x, w, stride=2, padding=1):
        assert g.dtype == expected
    assert delta_full_conv(dy, w, x.shape, stride=2, padding=1).dtype == expected
    assert conv_transpose2d(dy, w, stride=2, padding=1).dtype == expected


def test_float32_agrees_with_float64(rng):
    x = rng.standard_normal((2, 3, 9, 8))
    w = rng.standard_normal((4, 3, 3, 3))
    dy = rng.standard_normal((2, 4, 5, 4))
    hp = dict(stride=2, padding=1, dilation=1)
    g64 = conv2d_backward(dy, x, w, **hp)
    g32 = conv2d_backward(dy.astype(np.float32), x.astype(np.float32), w.astype(np.float32), **hp)
    for a, b_ in zip(g32, g64, strict=True):
        np.testing.assert_allclose(a, b_, rtol=1e-4, atol=1e-4)


def test_lists_are_accepted():
    y = conv2d([[[[1, 2], [3, 4]]]], [[[[1, 1], [1, 1]]]], [1])
    assert y.dtype == np.float64
    assert y.tolist() == [[[[11.0]]]]


def test_arguments_are_not_modified(rng):
    x = rng.standard_normal((2, 2, 6, 5))
    w = rng.standard_normal((3, 2, 2, 3))
    b = rng.standard_normal(3)
    dy = rng.standard_normal((2, 3, 4, 3))
    hp = dict(stride=(1, 2), padding=(0, 1), dilation=(2, 1))
    arrays = (x, w, b, dy)
    copies = [a.copy() for a in arrays]
    for a in arrays:
        a.flags.writeable = False  # any in-place write would raise
    conv2d(x, w, b, **hp)
    conv2d_backward(dy, x, w, **hp)
    delta_full_conv(dy, w, x.shape, **hp)
    conv_transpose2d(dy, w, output_size=x.shape[2:], **hp)
    im2col(x, (2, 3), **hp)
    conv2d_matrix(w, x.shape[2:], **hp)
    for a, c in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(a, c)


def test_non_contiguous_inputs(rng):
    x = rng.standard_normal((2, 3, 8, 10))[:, :, ::2, 1::2]
    w = rng.standard_normal((3, 2, 4, 4)).transpose(1, 0, 3, 2)
    y = conv2d(x, w, padding=1)
    yc = conv2d(np.ascontiguousarray(x), np.ascontiguousarray(w), padding=1)
    np.testing.assert_array_equal(y, yc)


def test_conv_transpose2d_default_size_and_range():
    dy = np.ones((1, 1, 3, 3))
    w = np.ones((1, 1, 3, 3))
    assert conv_transpose2d(dy, w, stride=2).shape == (1, 1, 7, 7)
    assert conv_transpose2d(dy, w, stride=2, output_size=(8, 7)).shape == (1, 1, 8, 7)
    with pytest.raises(ValueError, match="output_size"):
        conv_transpose2d(dy, w, stride=2, output_size=(9, 7))


def test_col2im_counts_window_reads():
    x = np.ones((1, 1, 4, 4))
    counts = col2im(im2col(x, 2, stride=1), x.shape, 2)[0, 0]
    np.testing.assert_array_equal(counts, [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 3),
    ci=st.integers(1, 3),
    co=st.integers(1, 3),
    h=st.integers(1, 8),
    w=st.integers(1, 8),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    p=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    d=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    seed=st.integers(0, 2**31 - 1),
)
def test_adjoint_identities_on_random_shapes(n, ci, co, h, w, kh, kw, s, p, d, seed):
    """<conv(x, w), dy> = <x, dx> = <w, dw> (the map is bilinear), and the dx views agree."""
    if h + 2 * p[0] < d[0] * (kh - 1) + 1 or w + 2 * p[1] < d[1] * (kw - 1) + 1:
        with pytest.raises(ValueError, match="kernel"):
            conv2d(
                np.zeros((n, ci, h, w)), np.zeros((co, ci, kh, kw)), stride=s, padding=p, dilation=d
            )
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, ci, h, w))
    wt = rng.standard_normal((co, ci, kh, kw))
    hp = dict(stride=s, padding=p, dilation=d)
    y = conv2d(x, wt, **hp)
    assert y.shape == (n, co, *conv2d_output_shape((h, w), (kh, kw), **hp))
    dy = rng.standard_normal(y.shape)
    dx, dw, db = conv2d_backward(dy, x, wt, **hp)
    inner = np.sum(y * dy)
    assert np.isclose(inner, np.sum(x * dx), rtol=1e-9, atol=1e-9)
    assert np.isclose(inner, np.sum(wt * dw), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(db, dy.sum(axis=(0, 2, 3)))
    np.testing.assert_allclose(delta_full_conv(dy, wt, x.shape, **hp), dx, atol=1e-10)
    np.testing.assert_allclose(conv_transpose2d(dy, wt, output_size=(h, w), **hp), dx, atol=1e-10)


# ---------------------------------------------------------------------------------------------
# bad input: every case raises a cnnbp error naming the parameter
# ---------------------------------------------------------------------------------------------

X = np.zeros((2, 3, 5, 5))
W = np.zeros((4, 3, 2, 2))
DY = np.zeros((2, 4, 4, 4))

BAD = [
    ("x-ndim", lambda: conv2d(X[0], W), ValueError, r"x must be 4-D .*\(3, 5, 5\)"),
    ("w-ndim", lambda: conv2d(X, W[0]), ValueError, r"w must be 4-D .*\(3, 2, 2\)"),
    (
        "channels",
        lambda: conv2d(X, W[:, :2]),
        ValueError,
        r"channel mismatch.*\(4, 2, 2, 2\).*\(2, 3, 5, 5\)",
    ),
    (
        "kernel-too-big",
        lambda: conv2d(X, np.zeros((1, 3, 6, 2))),
        ValueError,
        r"kernel's height extent 6",
    ),
    (
        "dilated-too-big",
        lambda: conv2d(X, W, dilation=(1, 5)),
        ValueError,
        r"width extent 6 .*dilation 5",
    ),
    (
        "padding-fixes-it",
        lambda: conv2d(X, np.zeros((1, 3, 7, 2)), padding=0),
        ValueError,
        r"padded input height 5",
    ),
    ("stride-0", lambda: conv2d(X, W, stride=0), ValueError, r"stride must be >= 1"),
    ("stride-float", lambda: conv2d(X, W, stride=1.5), TypeError, r"stride must be an integer"),
    ("stride-float-int", lambda: conv2d(X, W, stride=2.0), TypeError, r"stride must be an integer"),
    ("stride-bool", lambda: conv2d(X, W, stride=True), TypeError, r"stride must be an integer"),
    (
        "stride-triple",
        lambda: conv2d(X, W, stride=(1, 1, 1)),
        ValueError,
        r"stride must be an int or an \(h, w\) pair",
    ),
    (
        "dilation-0",
        lambda: conv2d(X, W, dilation=(1, 0)),
        ValueError,
        r"dilation\[1\] must be >= 1",
    ),
    ("padding-neg", lambda: conv2d(X, W, padding=-1), ValueError, r"padding must be >= 0"),
    ("bias-len", lambda: conv2d(X, W, np.zeros(3)), ValueError, r"b has shape \(3,\).*\(4,\)"),
    ("bias-2d", lambda: conv2d(X, W, np.zeros((4, 1))), ValueError, r"b has shape \(4, 1\)"),
    ("complex-x", lambda: conv2d(X + 0j, W), TypeError, r"x must be a real numeric array"),
    (
        "string-w",
        lambda: conv2d(X, np.full(W.shape, "a")),
        TypeError,
        r"w must be a real numeric array",
    ),
    ("empty-x", lambda: conv2d(np.zeros((0, 3, 5, 5)), W), ValueError, r"x has an empty dimension"),
    (
        "dy-shape",
        lambda: conv2d_backward(DY[:, :, :3], X, W),
        ValueError,
        r"dy has shape \(2, 4, 3, 4\).*\(2, 4, 4, 4\)",
    ),
    ("dy-ndim", lambda: conv2d_backward(DY[0], X, W), ValueError, r"dy must be 4-D"),
    (
        "dy-stride",
        lambda: conv2d_backward(DY, X, W, stride=2),
        ValueError,
        r"dy has shape .*\(2, 4, 2, 2\)",
    ),
    ("bwd-channels", lambda: conv2d_backward(DY, X[:, :2], W), ValueError, r"channel mismatch"),
    (
        "out-shape-kernel",
        lambda: conv2d_output_shape((3, 3), (4, 1)),
        ValueError,
        r"height extent 4",
    ),
    (
        "out-shape-float",
        lambda: conv2d_output_shape((3.0, 3), 1),
        TypeError,
        r"in_hw\[0\] must be an integer",
    ),
    ("im2col-kernel", lambda: im2col(X, (2, 2, 2)), ValueError, r"kernel_hw must be an int or"),
    (
        "col2im-shape",
        lambda: col2im(np.zeros((2, 12, 15)), X.shape, 2),
        ValueError,
        r"cols has shape \(2, 12, 15\).*\(2, 12, 16\)",
    ),
    (
        "col2im-xshape",
        lambda: col2im(np.zeros((2, 12, 16)), (5, 5), 2),
        ValueError,
        r"x_shape must be",
    ),
    ("matrix-w", lambda: conv2d_matrix(W[0], (5, 5)), ValueError, r"w must be 4-D"),
    (
        "transpose-channels",
        lambda: conv_transpose2d(DY[:, :3], W),
        ValueError,
        r"channel mismatch: dy has 3",
    ),
    (
        "transpose-size",
        lambda: conv_transpose2d(DY, W, output_size=(6, 5)),
        ValueError,
        r"output_size: height 6",
    ),
    ("full-xshape", lambda: delta_full_conv(DY, W, (2, 3, 5)), ValueError, r"x_shape must be"),
    ("full-dy", lambda: delta_full_conv(DY, W, (2, 3, 6, 5)), ValueError, r"dy has shape"),
]


@pytest.mark.parametrize(("make", "exc", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_raises_a_named_error(make, exc, match):
    with pytest.raises(exc, match=match):
        make()
