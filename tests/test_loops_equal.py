"""cnnbp.loops (the equations as loops) equals the fast default path on the whole parameter grid."""

import functools
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnbp
from cnnbp import loops

# (N, C_in, C_out, H, W, kh, kw); every one admits padding 0 with dilation 2
CONV_SHAPES = {
    "seed": (1, 1, 1, 5, 5, 2, 2),
    "rect": (2, 3, 2, 7, 6, 3, 2),
    "wide": (3, 2, 4, 6, 8, 2, 3),
    "row-kernel": (1, 4, 3, 5, 7, 1, 3),
    "batch-1ch": (3, 1, 2, 6, 5, 2, 3),
    # more than cnnbp._im2col.SMALL column entries at stride 1: strided copies and adds (not
    # one take and one bincount), one image (the per-image layout), a batch of small planes
    # (batch innermost) and a batch of planes of 256 outputs or more (per image again)
    "large-one-image": (1, 3, 2, 20, 18, 3, 3),
    "large-batch": (4, 3, 2, 12, 10, 3, 3),
    "large-planes": (2, 2, 3, 19, 20, 3, 2),
}
CONV_GRID = [
    pytest.param(shape, s, p, d, id=f"{name}-s{s}-p{p}-d{d}")
    for (name, shape), s, p, d in itertools.product(
        CONV_SHAPES.items(), (1, 2, 3), (0, 1, 2), (1, 2)
    )
]


@functools.cache
def _loop_reference(shape, stride, padding, dilation):
    """Data and the loop version's results for one grid point."""
    n, ci, co, h, w, kh, kw = shape
    rng = np.random.default_rng(hash((shape, stride, padding, dilation)) % 2**32)
    x = rng.standard_normal((n, ci, h, w))
    wt = rng.standard_normal((co, ci, kh, kw))
    b = rng.standard_normal(co)
    hp = dict(stride=stride, padding=padding, dilation=dilation)
    y = loops.conv2d(x, wt, b, **hp)
    dy = rng.standard_normal(y.shape)
    return x, wt, b, dy, hp, y, loops.conv2d_backward(dy, x, wt, **hp)


@pytest.mark.parametrize(("shape", "stride", "padding", "dilation"), CONV_GRID)
def test_conv_loops_equal_fast(shape, stride, padding, dilation):
    x, wt, b, dy, hp, y_loops, grads_loops = _loop_reference(shape, stride, padding, dilation)
    np.testing.assert_allclose(cnnbp.conv2d(x, wt, b, **hp), y_loops, rtol=1e-12, atol=1e-12)
    grads = cnnbp.conv2d_backward(dy, x, wt, **hp)
    for name, a, f in zip(("dx", "dw", "db"), grads_loops, grads, strict=True):
        np.testing.assert_allclose(f, a, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize(
    ("stride", "padding", "dilation"),
    [((1, 2), (2, 0), (2, 1)), ((3, 1), (0, 1), (1, 2))],
    ids=["mixed-a", "mixed-b"],
)
def test_conv_loops_equal_fast_float32_pairs(rng, stride, padding, dilation):
    x = rng.standard_normal((2, 3, 7, 8)).astype(np.float32)
    wt = rng.standard_normal((2, 3, 3, 2)).astype(np.float32)
    hp = dict(stride=stride, padding=padding, dilation=dilation)
    y = cnnbp.conv2d(x, wt, **hp)
    yl = loops.conv2d(x, wt, **hp)
    assert yl.dtype == y.dtype == np.float32
    np.testing.assert_allclose(yl, y, rtol=1e-5, atol=1e-5)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    for a, f in zip(
        loops.conv2d_backward(dy, x, wt, **hp), cnnbp.conv2d_backward(dy, x, wt, **hp), strict=True
    ):
        assert a.dtype == f.dtype == np.float32
        np.testing.assert_allclose(a, f, rtol=1e-4, atol=1e-4)


# "large": more window entries than cnnbp._im2col.SMALL at stride 1 or with the window as the
# stride: the backward pass goes tap by tap over blocks of planes instead of one argmax
POOL_SHAPES = {"square": (2, 2, 6, 6), "rect": (1, 3, 5, 8), "tall": (3, 1, 9, 4), "large": (2, 4, 24, 24)}
POOL_GRID = [
    pytest.param(shape, size, stride, id=f"{name}-size{size}-stride{stride}".replace(" ", ""))
    for (name, shape), size, stride in itertools.product(
        POOL_SHAPES.items(), (1, 2, 3, (2, 3)), (None, 1, 2, 3)
    )
]


@pytest.mark.parametrize(("shape", "size", "stride"), POOL_GRID)
def test_pool_loops_equal_fast(rng, shape, size, stride):
    x = rng.integers(0, 4, shape).astype(float)  # few distinct values: ties everywhere
    y = cnnbp.max_pool2d(x, size, stride)
    np.testing.assert_array_equal(loops.max_pool2d(x, size, stride), y)
    dy = rng.standard_normal(y.shape)
    np.testing.assert_allclose(
        loops.max_pool2d_backward(dy, x, size, stride),
        cnnbp.max_pool2d_backward(dy, x, size, stride),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        loops.avg_pool2d(x, size, stride), cnnbp.avg_pool2d(x, size, stride), atol=1e-12
    )
    np.testing.assert_allclose(
        loops.avg_pool2d_backward(dy, x, size, stride),
        cnnbp.avg_pool2d_backward(dy, x, size, stride),
        atol=1e-12,
    )


@pytest.mark.parametrize(("shape", "size", "stride"), POOL_GRID)
def test_max_pool_loops_equal_fast_with_nan_and_inf(rng, shape, size, stride):
    """NaN counts as larger than every number on every path: a window holding NaN outputs
    NaN and sends its gradient to its first NaN; infinities are ordinary values."""
    x = rng.integers(0, 3, shape).astype(float)  # ties everywhere
    u = rng.random(shape)
    x[u < 0.15] = np.nan
    x[(u >= 0.15) & (u < 0.2)] = np.inf
    x[(u >= 0.2) & (u < 0.25)] = -np.inf
    y = cnnbp.max_pool2d(x, size, stride)
    np.testing.assert_array_equal(loops.max_pool2d(x, size, stride), y)
    # NaN exactly where a window holds one: the mean of the NaN indicator is > 0 there
    holds_nan = cnnbp.avg_pool2d(np.isnan(x).astype(float), size, stride) > 0
    np.testing.assert_array_equal(np.isnan(y), holds_nan)
    dy = rng.standard_normal(y.shape)
    dx = cnnbp.max_pool2d_backward(dy, x, size, stride)
    np.testing.assert_allclose(loops.max_pool2d_backward(dy, x, size, stride), dx, atol=1e-12)
    # every window's delta lands on a NaN of it if it has one
    assert np.isclose(dx[np.isnan(x)].sum(), dy[holds_nan].sum())


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 2),
    ci=st.integers(1, 3),
    co=st.integers(1, 3),
    h=st.integers(2, 7),
    w=st.integers(2, 7),
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    p=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    d=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    seed=st.integers(0, 2**31 - 1),
)
def test_conv_loops_equal_fast_random_shapes(n, ci, co, h, w, k, s, p, d, seed):
    hp = dict(stride=s, padding=p, dilation=d)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, ci, h, w))
    wt = rng.standard_normal((co, ci, *k))
    try:
        y = cnnbp.conv2d(x, wt, **hp)
    except ValueError as err:
        # both faces reject the same configurations with the same message
        with pytest.raises(ValueError, match=str(err).split(":")[0]):
            loops.conv2d(x, wt, **hp)
        return
    np.testing.assert_allclose(loops.conv2d(x, wt, **hp), y, atol=1e-12)
    dy = rng.standard_normal(y.shape)
    for a, f in zip(
        loops.conv2d_backward(dy, x, wt, **hp), cnnbp.conv2d_backward(dy, x, wt, **hp), strict=True
    ):
        np.testing.assert_allclose(a, f, atol=1e-12)


BAD = [
    (
        "conv-channels",
        lambda m: m.conv2d(np.zeros((1, 2, 4, 4)), np.zeros((1, 3, 2, 2))),
        ValueError,
        "channel mismatch",
    ),
    (
        "conv-stride",
        lambda m: m.conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), stride=0),
        ValueError,
        "stride",
    ),
    (
        "conv-dy",
        lambda m: m.conv2d_backward(
            np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2))
        ),
        ValueError,
        "dy has shape",
    ),
    ("pool-window", lambda m: m.max_pool2d(np.zeros((1, 1, 2, 2)), 3), ValueError, "window size"),
    (
        "pool-size",
        lambda m: m.avg_pool2d(np.zeros((1, 1, 2, 2)), 1.0),
        TypeError,
        "size must be an integer",
    ),
    (
        "pool-dy",
        lambda m: m.avg_pool2d_backward(np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 4, 4))),
        ValueError,
        "dy has shape",
    ),
    (
        "maxpool-dy",
        lambda m: m.max_pool2d_backward(np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 4, 4))),
        ValueError,
        "dy has shape",
    ),
]


@pytest.mark.parametrize("module", [cnnbp, loops], ids=["fast", "loops"])
@pytest.mark.parametrize(("make", "exc", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_both_faces_validate_alike(module, make, exc, match):
    with pytest.raises(exc, match=match):
        make(module)


def test_max_pool_loops_equal_fast_over_several_blocks(rng):
    """An input of more than one block of planes (cnnbp.pool pools large inputs a block of
    about 1 MB at a time), with ties and a NaN in the last block."""
    x = rng.integers(0, 3, (1, 40, 64, 64)).astype(float)  # 40 planes of 32 KB: two blocks
    x[0, 35, 3, 4] = np.nan
    y = cnnbp.max_pool2d(x, 2)
    np.testing.assert_array_equal(loops.max_pool2d(x, 2), y)
    dy = rng.standard_normal(y.shape)
    np.testing.assert_array_equal(loops.max_pool2d_backward(dy, x, 2), cnnbp.max_pool2d_backward(dy, x, 2))
