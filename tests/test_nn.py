"""cnnbp.nn: every layer's backward against finite differences, the container, losses, SGD."""

import zlib

import numpy as np
import pytest

import cnnbp
from cnnbp import check_gradient, check_gradient_projection, conv2d, linear, mse_loss, nn


def _make(name):
    """A layer and an input for it (inputs avoid ties and ReLU's kink)."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    if name == "conv":
        return nn.Conv2d(2, 3, (3, 2), rng=rng), rng.standard_normal((2, 2, 5, 4))
    if name == "conv-stride-pad-dil":
        layer = nn.Conv2d(3, 2, 2, stride=(2, 1), padding=(1, 2), dilation=(1, 2), rng=rng)
        return layer, rng.standard_normal((1, 3, 6, 5))
    if name == "conv-nobias":
        return nn.Conv2d(1, 2, 2, bias=False, rng=rng), rng.standard_normal((3, 1, 4, 3))
    if name == "maxpool":
        return nn.MaxPool2d(2), rng.permutation(2 * 3 * 4 * 6).reshape(2, 3, 4, 6) * 0.1
    if name == "maxpool-overlap":
        return nn.MaxPool2d(3, stride=1), rng.permutation(5 * 6).reshape(1, 1, 5, 6) * 0.1
    if name == "avgpool":
        return nn.AvgPool2d((2, 3)), rng.standard_normal((2, 2, 4, 6))
    if name == "sigmoid":
        return nn.Sigmoid(), rng.standard_normal((2, 3, 4))
    if name == "relu":
        return nn.ReLU(), rng.uniform(0.1, 2, (3, 5)) * rng.choice([-1, 1], (3, 5))
    if name == "flatten":
        return nn.Flatten(), rng.standard_normal((2, 3, 2, 2))
    if name == "linear":
        return nn.Linear(5, 3, rng=rng), rng.standard_normal((4, 5))
    if name == "linear-nobias":
        return nn.Linear(3, 2, bias=False, init="glorot", rng=rng), rng.standard_normal((1, 3))
    raise KeyError(name)


LAYERS = ["conv", "conv-stride-pad-dil", "conv-nobias", "maxpool", "maxpool-overlap", "avgpool",
          "sigmoid", "relu", "flatten", "linear", "linear-nobias"]


@pytest.mark.parametrize("name", LAYERS)
def test_layer_gradients(name):
    layer, x = _make(name)
    rng = np.random.default_rng(7)
    y = layer.forward(x)
    dy = rng.standard_normal(y.shape)
    dx = layer.backward(dy)
    assert dx.shape == x.shape

    def f(_):
        return np.sum(layer.forward(x) * dy)

    check_gradient(f, x, dx, name=f"{name} dx")
    for key, p in layer.params.items():
        assert layer.grads[key].shape == p.shape
        check_gradient(f, p, layer.grads[key], name=f"{name} d{key}")


def test_layers_are_thin_calls_of_the_functions():
    rng = np.random.default_rng(8)
    conv, fc = nn.Conv2d(2, 3, 2, rng=rng), nn.Linear(4, 2, rng=rng)
    conv.params["b"][...] = rng.standard_normal(3)
    x = rng.standard_normal((2, 2, 3, 3))
    np.testing.assert_array_equal(conv.forward(x), conv2d(x, conv.params["w"], conv.params["b"]))
    z = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(fc.forward(z), linear(z, fc.params["w"], fc.params["b"]))


def _small_cnn(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1, rng=rng, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(3, 2, 2, rng=rng, dtype=dtype), nn.Sigmoid(), nn.AvgPool2d(1),
        nn.Flatten(), nn.Linear(2 * 3 * 3, 4, rng=rng, dtype=dtype))


def test_sequential_end_to_end_gradients():
    net = _small_cnn()
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 1, 8, 8))
    labels = np.array([3, 1])
    loss = nn.SoftmaxCrossEntropy()
    loss.forward(net.forward(x), labels)
    net.zero_grad()
    dx = net.backward(loss.backward())

    def f(_):
        return loss.forward(net.forward(x), labels)

    check_gradient_projection(f, x, dx, n=4, seed=1, name="dx")
    for i, layer in enumerate(net.modules()):
        for key, p in layer.params.items():
            check_gradient(f, p, layer.grads[key], name=f"layer {i} d{key}")


def test_grads_accumulate_and_zero_grad_resets():
    layer, x = _make("linear")
    dy = np.random.default_rng(10).standard_normal((4, 3))
    layer.forward(x)
    layer.backward(dy)
    first = {k: g.copy() for k, g in layer.grads.items()}
    layer.backward(dy)
    for k in first:
        np.testing.assert_allclose(layer.grads[k], 2 * first[k])
    layer.zero_grad()
    assert all(not g.any() for g in layer.grads.values())


def test_sequential_container_protocol():
    net = _small_cnn()
    assert len(net) == 8 and isinstance(net[0], nn.Conv2d) and list(net)[-1] is net[-1]
    assert [type(m).__name__ for m in net.modules()][:3] == ["Conv2d", "ReLU", "MaxPool2d"]
    assert repr(net).startswith("Sequential(Conv2d(1, 3, (3, 3), stride=(1, 1), padding=(1, 1)")
    nested = nn.Sequential(net, nn.ReLU())
    assert len(list(nested.modules())) == 9
    x = np.random.default_rng(11).standard_normal((1, 1, 8, 8))
    np.testing.assert_array_equal(net(x), net.forward(x))


@pytest.mark.parametrize("name", ["conv", "maxpool", "avgpool", "sigmoid", "relu", "flatten", "linear"])
def test_backward_before_forward(name):
    layer, _ = _make(name)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.ones(3))


@pytest.mark.parametrize("loss", [nn.MSELoss(), nn.SoftmaxCrossEntropy()], ids=["mse", "ce"])
def test_loss_backward_before_forward(loss):
    with pytest.raises(RuntimeError, match="backward called before forward"):
        loss.backward()


def test_loss_objects_match_functions():
    y, t = np.array([[0.2, 0.9]]), np.array([[0.0, 1.0]])
    mse = nn.MSELoss()
    assert mse.forward(y, t) == mse_loss(y, t)
    np.testing.assert_array_equal(mse.backward(), y - t)
    with pytest.raises(ValueError, match="t has shape"):
        mse.forward(np.zeros((3, 1)), np.zeros(3))


def test_flatten_checks_dy():
    f = nn.Flatten()
    f.forward(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"dy has shape \(2, 11\).*\(2, 12\)"):
        f.backward(np.zeros((2, 11)))


def test_layer_rejects_wrong_dy_shape():
    layer, x = _make("conv")
    layer.forward(x)
    assert layer.forward(x).shape == (2, 3, 3, 3)
    with pytest.raises(ValueError, match=r"dy.*\(2, 3, 3, 2\)"):
        layer.backward(np.zeros((2, 3, 3, 2)))


# ------------------------------------------------------------------------------ init and dtype


def test_init_is_deterministic():
    a, b = nn.Conv2d(2, 4, 3, rng=5), nn.Conv2d(2, 4, 3, rng=5)
    np.testing.assert_array_equal(a.params["w"], b.params["w"])
    c = nn.Conv2d(2, 4, 3, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a.params["w"], c.params["w"])
    assert not np.array_equal(a.params["w"], nn.Conv2d(2, 4, 3, rng=6).params["w"])
    np.testing.assert_array_equal(nn.Linear(3, 2).params["w"], nn.Linear(3, 2).params["w"])  # seed 0


def test_he_and_glorot_scales():
    he = nn.Conv2d(16, 32, 3, rng=0).params["w"]
    assert he.std() == pytest.approx(np.sqrt(2 / (16 * 9)), rel=0.05)
    glorot = nn.Linear(100, 50, init="glorot", rng=0).params["w"]
    limit = np.sqrt(6 / 150)
    assert np.abs(glorot).max() <= limit and np.abs(glorot).max() > 0.95 * limit
    assert not nn.Linear(3, 2, rng=0).params["b"].any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_dtype_flows_through_the_network(dtype):
    net = _small_cnn(dtype)
    assert all(p.dtype == dtype for m in net.modules() for p in m.params.values())
    x = np.random.default_rng(12).standard_normal((3, 1, 8, 8)).astype(dtype)
    y = net.forward(x)
    assert y.dtype == dtype
    loss = nn.SoftmaxCrossEntropy()
    loss.forward(y, np.array([0, 1, 2]))
    assert net.backward(loss.backward()).dtype == dtype
    opt = nn.SGD(net, lr=0.1, momentum=0.5)
    opt.step()
    opt.step()
    assert all(p.dtype == dtype for m in net.modules() for p in m.params.values())


@pytest.mark.parametrize(
    ("make", "exc", "pattern"),
    [
        (lambda: nn.Conv2d(0, 1, 2), ValueError, "in_channels must be >= 1"),
        (lambda: nn.Conv2d(1, 1, (2, 2, 2)), ValueError, "kernel_size must be an int or an"),
        (lambda: nn.Conv2d(1, 1, 2, padding=-1), ValueError, "padding must be >= 0"),
        (lambda: nn.Conv2d(1, 1, 2, stride=1.5), TypeError, "stride must be an integer"),
        (lambda: nn.Conv2d(1, 1, 2, init="xavier"), ValueError, "init must be 'he' or 'glorot'"),
        (lambda: nn.Linear(2, 2, dtype=np.int32), TypeError, "dtype must be float32 or float64"),
        (lambda: nn.Linear(2.0, 2), TypeError, "in_features must be an integer"),
        (lambda: nn.Linear(2, 2, rng=-1), ValueError, "rng must be >= 0"),
        (lambda: nn.Sequential(nn.ReLU(), np.tanh), TypeError, r"layers\[1\] must be a cnnbp.nn.Module"),
    ],
    ids=["in-channels-0", "kernel-3-tuple", "padding-neg", "stride-float", "init-unknown",
         "dtype-int", "features-float", "rng-negative", "sequential-non-module"],
)
def test_constructor_errors(make, exc, pattern):
    with pytest.raises(exc, match=pattern):
        make()


X4 = np.zeros((1, 1, 6, 6))
# Each bad argument fails at construction, with the message of the function the layer wraps.
SAME_MESSAGE = [
    ("maxpool-stride-0", lambda: nn.MaxPool2d(2, 0), lambda: cnnbp.max_pool2d(X4, 2, 0)),
    ("maxpool-size-pair-3", lambda: nn.MaxPool2d((2, 2, 2)), lambda: cnnbp.max_pool2d(X4, (2, 2, 2))),
    ("maxpool-size-float", lambda: nn.MaxPool2d(2.0), lambda: cnnbp.max_pool2d(X4, 2.0)),
    ("avgpool-size-str", lambda: nn.AvgPool2d(size="a"), lambda: cnnbp.avg_pool2d(X4, "a")),
    ("avgpool-stride-0", lambda: nn.AvgPool2d(2, (1, 0)), lambda: cnnbp.avg_pool2d(X4, 2, (1, 0))),
    ("conv-stride-0", lambda: nn.Conv2d(1, 1, 2, stride=0),
     lambda: cnnbp.conv2d(X4, np.zeros((1, 1, 2, 2)), stride=0)),
    ("conv-dilation-bool", lambda: nn.Conv2d(1, 1, 2, dilation=True),
     lambda: cnnbp.conv2d(X4, np.zeros((1, 1, 2, 2)), dilation=True)),
    ("conv-padding-pair-neg", lambda: nn.Conv2d(1, 1, 2, padding=(0, -1)),
     lambda: cnnbp.conv2d(X4, np.zeros((1, 1, 2, 2)), padding=(0, -1))),
]


@pytest.mark.parametrize(("make", "call"), [c[1:] for c in SAME_MESSAGE], ids=[c[0] for c in SAME_MESSAGE])
def test_layers_validate_at_construction_like_the_functions(make, call):
    with pytest.raises((TypeError, ValueError)) as by_function:
        call()
    with pytest.raises(by_function.type) as by_layer:
        make()
    assert str(by_layer.value) == str(by_function.value)


# ------------------------------------------------------------------------------ SGD


def test_sgd_plain_step_is_the_seed_update():
    fc = nn.Linear(3, 2, rng=0)
    w0, b0 = fc.params["w"].copy(), fc.params["b"].copy()
    fc.grads["w"][...] = np.arange(6.0).reshape(2, 3)
    fc.grads["b"][...] = [1.0, -1.0]
    nn.SGD([fc], lr=0.5).step()
    np.testing.assert_allclose(fc.params["w"], w0 - 0.5 * np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(fc.params["b"], b0 - 0.5 * np.array([1.0, -1.0]))


def test_sgd_momentum_matches_the_recurrence():
    fc = nn.Linear(2, 1, bias=False, rng=0)
    w = fc.params["w"].copy()
    opt = nn.SGD(fc, lr=0.1, momentum=0.9)
    v = np.zeros_like(w)
    grads = [np.array([[1.0, -2.0]]), np.array([[0.5, 0.5]]), np.array([[-1.0, 3.0]])]
    for k, g in enumerate(grads):
        opt.zero_grad()
        fc.grads["w"] += g
        opt.step()
        v = g.copy() if k == 0 else 0.9 * v + g
        w = w - 0.1 * v
        np.testing.assert_allclose(fc.params["w"], w, rtol=1e-14)


def test_sgd_updates_in_place_and_zero_grad():
    net = _small_cnn()
    refs = [p for m in net.modules() for p in m.params.values()]
    for m in net.modules():
        for g in m.grads.values():
            g += 1.0
    opt = nn.SGD(net, lr=0.01)
    opt.step()
    assert [p for m in net.modules() for p in m.params.values()] == refs  # same objects
    opt.zero_grad()
    assert all(not g.any() for m in net.modules() for g in m.grads.values())


@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [({"lr": 0.0}, ValueError, "lr must be a positive number"),
     ({"lr": -1.0}, ValueError, "lr must be a positive number"),
     ({"lr": True}, ValueError, "lr must be a positive number"),
     ({"lr": "0.1"}, ValueError, "lr must be a positive number"),
     ({"lr": 0.1, "momentum": 1.0}, ValueError, r"momentum must be a number in \[0, 1\)"),
     ({"lr": 0.1, "momentum": -0.1}, ValueError, r"momentum must be a number in \[0, 1\)")],
    ids=["lr-0", "lr-neg", "lr-bool", "lr-str", "momentum-1", "momentum-neg"],
)
def test_sgd_bad_hyperparameters(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        nn.SGD(nn.Linear(2, 2), **kwargs)


def test_sgd_rejects_non_modules():
    with pytest.raises(TypeError, match=r"modules\[0\] must be a cnnbp.nn.Module"):
        nn.SGD([np.zeros(3)], lr=0.1)


def test_forward_backward_do_not_modify_arguments():
    net = _small_cnn()
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 1, 8, 8))
    x0 = x.copy()
    y = net.forward(x)
    dy = rng.standard_normal(y.shape)
    dy0 = dy.copy()
    net.backward(dy)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dy, dy0)


def _bars(n, rng):
    """8x8 images of one noisy bar: class 0 horizontal, 1 vertical, 2 diagonal."""
    x = rng.normal(0, 0.3, (n, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 3, n)
    for img, c, k in zip(x[:, 0], labels, rng.integers(1, 7, n), strict=True):
        if c == 0:
            img[k, 1:7] += 1
        elif c == 1:
            img[1:7, k] += 1
        else:
            img[np.arange(8), np.arange(8)] += 1
    return x, labels


def test_training_a_small_cnn_learns_float32():
    rng = np.random.default_rng(0)
    x, labels = _bars(240, rng)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, rng=rng, dtype=np.float32), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3, rng=rng, dtype=np.float32))
    loss, opt = nn.SoftmaxCrossEntropy(), nn.SGD(net, lr=0.1, momentum=0.9)
    for _epoch in range(5):
        for i in range(0, 240, 24):
            opt.zero_grad()
            loss.forward(net.forward(x[i:i + 24]), labels[i:i + 24])
            net.backward(loss.backward())
            opt.step()
    assert net.forward(x).dtype == np.float32
    x_test, labels_test = _bars(200, rng)
    assert np.mean(net.forward(x_test).argmax(axis=1) == labels_test) > 0.85
