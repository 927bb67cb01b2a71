"""Optional cross-check against PyTorch autograd: activations, linear, losses, nn + SGD."""

import numpy as np
import pytest

from cnnbp import (
    linear,
    linear_backward,
    mse_loss,
    mse_loss_backward,
    nn,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    softmax_cross_entropy,
    softmax_cross_entropy_backward,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _t(a):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("shape", [(7,), (2, 3, 4, 5)], ids=["1d", "nchw"])
def test_activations_vs_torch(shape):
    rng = np.random.default_rng(31)
    z = rng.normal(0, 4, shape)
    z[0] = 1000.0 if z.ndim == 1 else z[0]
    dy = rng.standard_normal(shape)
    for ours, ours_bw, theirs, uses_output in [(sigmoid, sigmoid_backward, torch.sigmoid, True),
                                               (relu, relu_backward, torch.relu, False)]:
        zt = _t(z)
        yt = theirs(zt)
        yt.backward(torch.from_numpy(dy))
        y = ours(z)
        np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-14, atol=0)
        dz = ours_bw(dy, y if uses_output else z)
        np.testing.assert_allclose(dz, zt.grad.numpy(), rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "nobias"])
def test_linear_vs_torch(with_bias):
    rng = np.random.default_rng(32)
    x, w, b = rng.standard_normal((3, 5)), rng.standard_normal((4, 5)), rng.standard_normal(4)
    dy = rng.standard_normal((3, 4))
    xt, wt, bt = _t(x), _t(w), _t(b)
    yt = F.linear(xt, wt, bt if with_bias else None)
    yt.backward(torch.from_numpy(dy))
    np.testing.assert_allclose(linear(x, w, b if with_bias else None), yt.detach().numpy(), rtol=1e-13)
    dx, dw, db = linear_backward(dy, x, w)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=1e-13)
    if with_bias:
        np.testing.assert_allclose(db, bt.grad.numpy(), rtol=1e-13)


def test_mse_vs_torch():
    rng = np.random.default_rng(33)
    y, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    yt = _t(y)
    loss = 0.5 * F.mse_loss(yt, torch.from_numpy(t), reduction="sum")
    loss.backward()
    assert mse_loss(y, t) == pytest.approx(loss.item(), rel=1e-14)
    np.testing.assert_allclose(mse_loss_backward(y, t), yt.grad.numpy(), rtol=1e-14)


@pytest.mark.parametrize("scale", [1.0, 1000.0], ids=["moderate", "extreme"])
def test_cross_entropy_vs_torch(scale):
    rng = np.random.default_rng(34)
    logits = rng.standard_normal((5, 7)) * scale
    labels = rng.integers(0, 7, 5)
    lt = _t(logits)
    loss = F.cross_entropy(lt, torch.from_numpy(labels))
    loss.backward()
    assert softmax_cross_entropy(logits, labels) == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(softmax_cross_entropy_backward(logits, labels), lt.grad.numpy(),
                               rtol=1e-10, atol=1e-15)


def test_network_and_sgd_momentum_vs_torch():
    rng = np.random.default_rng(35)
    net = nn.Sequential(nn.Conv2d(2, 3, 3, stride=2, padding=1, rng=rng), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Conv2d(3, 4, 1, rng=rng), nn.Sigmoid(),
                        nn.AvgPool2d(1), nn.Flatten(), nn.Linear(4 * 2 * 2, 5, rng=rng))
    for m in net.modules():
        if "b" in m.params:
            m.params["b"][...] = rng.standard_normal(m.params["b"].shape)
    tnet = torch.nn.Sequential(
        torch.nn.Conv2d(2, 3, 3, stride=2, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(3, 4, 1), torch.nn.Sigmoid(), torch.nn.AvgPool2d(1), torch.nn.Flatten(),
        torch.nn.Linear(16, 5)).double()
    ours_with_params = [m for m in net.modules() if m.params]
    theirs_with_params = [m for m in tnet if list(m.parameters())]
    with torch.no_grad():
        for ours, theirs in zip(ours_with_params, theirs_with_params, strict=True):
            theirs.weight.copy_(torch.from_numpy(ours.params["w"]))
            theirs.bias.copy_(torch.from_numpy(ours.params["b"]))
    x = rng.standard_normal((3, 2, 8, 8))
    labels = rng.integers(0, 5, 3)
    loss_fn = nn.SoftmaxCrossEntropy()
    opt = nn.SGD(net, lr=0.05, momentum=0.9)
    topt = torch.optim.SGD(tnet.parameters(), lr=0.05, momentum=0.9)
    xt, lt = torch.from_numpy(x), torch.from_numpy(labels)
    for _ in range(3):
        opt.zero_grad()
        loss = loss_fn.forward(net.forward(x), labels)
        net.backward(loss_fn.backward())
        opt.step()
        topt.zero_grad()
        tloss = F.cross_entropy(tnet(xt), lt)
        tloss.backward()
        topt.step()
        assert loss == pytest.approx(tloss.item(), rel=1e-12)
    for ours, theirs in zip(ours_with_params, theirs_with_params, strict=True):
        np.testing.assert_allclose(ours.params["w"], theirs.weight.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours.params["b"], theirs.bias.detach().numpy(), rtol=1e-10, atol=1e-12)
