"""Cross-check conv and pooling, forward and backward, against PyTorch autograd (float64)."""

import itertools

import numpy as np
import pytest

import cnnbp

torch = pytest.importorskip("torch")
F = torch.nn.functional
# tiny tensors: threads only add overhead on a shared machine
torch.set_num_threads(1)


def _t(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


# (N, C_in, C_out, (H, W), (kh, kw)) x stride x padding x dilation
CONV_SHAPES = {"one": (1, 1, 1, (5, 5), (2, 2)), "multi": (2, 3, 4, (7, 9), (3, 2))}
CONV_GRID = [
    pytest.param(shape, s, p, d, id=f"{name}-s{s}-p{p}-d{d}")
    for (name, shape), s, p, d in itertools.product(
        CONV_SHAPES.items(), (1, 2, 3, (2, 1)), (0, 1, 2, (1, 0)), (1, 2, (1, 2))
    )
]


@pytest.mark.parametrize(("shape", "stride", "padding", "dilation"), CONV_GRID)
def test_conv2d_matches_torch(rng, shape, stride, padding, dilation):
    n, ci, co, hw, k = shape
    x = rng.standard_normal((n, ci, *hw))
    w = rng.standard_normal((co, ci, *k))
    b = rng.standard_normal(co)
    hp = dict(stride=stride, padding=padding, dilation=dilation)
    y = cnnbp.conv2d(x, w, b, **hp)
    xt, wt, bt = _t(x), _t(w), _t(b)
    yt = F.conv2d(xt, wt, bt, **hp)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    dy = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(dy))
    dx, dw, db = cnnbp.conv2d_backward(dy, x, w, **hp)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(db, bt.grad.numpy(), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize(
    ("stride", "padding", "dilation"), [(1, 0, 1), (2, 1, 1), (3, 2, 2), ((2, 3), (0, 1), (2, 1))]
)
def test_conv_transpose2d_matches_torch(rng, stride, padding, dilation):
    dy = rng.standard_normal((2, 3, 4, 5))
    w = rng.standard_normal((3, 2, 3, 2))
    ours = cnnbp.conv_transpose2d(dy, w, stride=stride, padding=padding, dilation=dilation)
    theirs = F.conv_transpose2d(
        torch.tensor(dy), torch.tensor(w), stride=stride, padding=padding, dilation=dilation
    )
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-12)


POOL_GRID = [
    pytest.param(
        shape, size, stride, id=f"x{shape[2]}x{shape[3]}-size{size}-stride{stride}".replace(" ", "")
    )
    for shape, size, stride in itertools.product(
        ((2, 3, 6, 6), (1, 2, 7, 5)), (2, 3, (2, 3)), (None, 1, 2, (1, 2))
    )
]


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize(("shape", "size", "stride"), POOL_GRID)
def test_max_pool_matches_torch_including_ties(rng, shape, size, stride, ties):
    if ties:
        x = rng.integers(0, 3, shape).astype(float)  # three levels: ties in most windows
    else:
        x = rng.permutation(int(np.prod(shape))).reshape(shape) * 0.5
    y = cnnbp.max_pool2d(x, size, stride)
    xt = _t(x)
    yt = F.max_pool2d(xt, size, stride)
    np.testing.assert_array_equal(y, yt.detach().numpy())
    dy = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(dy))
    np.testing.assert_allclose(
        cnnbp.max_pool2d_backward(dy, x, size, stride), xt.grad.numpy(), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize(("shape", "size", "stride"), POOL_GRID)
def test_avg_pool_matches_torch(rng, shape, size, stride):
    x = rng.standard_normal(shape)
    y = cnnbp.avg_pool2d(x, size, stride)
    xt = _t(x)
    yt = F.avg_pool2d(xt, size, stride)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    dy = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(dy))
    np.testing.assert_allclose(
        cnnbp.avg_pool2d_backward(dy, x, size, stride), xt.grad.numpy(), rtol=1e-12, atol=1e-12
    )


def test_float32_conv_close_to_torch(rng):
    x = rng.standard_normal((4, 3, 10, 9)).astype(np.float32)
    w = rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    yt = F.conv2d(xt, wt, stride=2, padding=1)
    y = cnnbp.conv2d(x, w, stride=2, padding=1)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-4, atol=1e-4)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    yt.backward(torch.tensor(dy))
    dx, dw, _ = cnnbp.conv2d_backward(dy, x, w, stride=2, padding=1)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize(
    ("xshape", "wshape", "stride", "padding"),
    [
        ((40, 3, 9, 8), (4, 3, 3, 3), 1, 1),
        ((6, 4, 12, 11), (5, 4, 3, 2), 2, 0),
        ((2, 2, 40, 37), (3, 2, 3, 3), 1, 2),
    ],
    ids=["batch-innermost", "batch-folded", "per-image"],
)
def test_large_conv_paths_match_torch(rng, xshape, wshape, stride, padding):
    """Shapes big enough for each im2col layout of the fast path (not the tiny-input path)."""
    x, w = rng.standard_normal(xshape), rng.standard_normal(wshape)
    xt, wt = _t(x), _t(w)
    yt = F.conv2d(xt, wt, stride=stride, padding=padding)
    y = cnnbp.conv2d(x, w, stride=stride, padding=padding)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-11, atol=1e-11)
    dy = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(dy))
    dx, dw, _ = cnnbp.conv2d_backward(dy, x, w, stride=stride, padding=padding)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=1e-11, atol=1e-10)


@pytest.mark.parametrize(
    ("size", "stride"), [(2, None), (3, 2), ((2, 3), 1)], ids=["2x2", "3s2", "2x3s1"]
)
def test_large_max_pool_with_ties_matches_torch(rng, size, stride):
    """Big enough for the sliced, blocked path; three levels so that most windows tie."""
    x = rng.integers(0, 3, (16, 8, 20, 18)).astype(float)
    xt = _t(x)
    yt = F.max_pool2d(xt, size, stride)
    dy = rng.standard_normal(tuple(yt.shape))
    yt.backward(torch.tensor(dy))
    np.testing.assert_array_equal(cnnbp.max_pool2d(x, size, stride), yt.detach().numpy())
    np.testing.assert_allclose(
        cnnbp.max_pool2d_backward(dy, x, size, stride), xt.grad.numpy(), atol=1e-12
    )
