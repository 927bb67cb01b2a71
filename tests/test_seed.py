"""cnnbp.seed: the question's numbers are self-consistent, and the reconstructed kernel fits them."""

import numpy as np
import pytest

from cnnbp import conv2d, conv2d_backward, sigmoid, sigmoid_backward
from cnnbp import seed as S
from cnnbp.seed import (
    ARGMAX_POSITIONS,
    DELTA_H,
    DELTA_MAP,
    DELTA_POOLED,
    DW_ANSWER,
    FC_WEIGHTS,
    INPUT,
    KERNEL,
    SIGMOID_OUTPUTS,
    W00,
    X00,
    forward_pass,
    reconstruct_kernel,
    seed_network,
    window_argmax,
)

FITS = [(False, True), (False, False), (True, True), (True, False)]
FIT_IDS = ["nobias-weighted", "nobias-plain", "bias-weighted", "bias-plain"]


def test_given_values_as_typed():
    assert INPUT.shape == (5, 5) and INPUT[0, 0] == 0.51 and INPUT[4, 4] == 0.57
    assert (W00, X00) == (-0.13, 0.25)
    np.testing.assert_array_equal(FC_WEIGHTS[:, 0], [0.61, 0.02])
    np.testing.assert_array_equal(FC_WEIGHTS[:, 3], [-1.00, 0.17])
    np.testing.assert_array_equal(DELTA_H, [0.25, -0.15])
    np.testing.assert_array_equal(SIGMOID_OUTPUTS.ravel(), [0.58, 0.57, 0.65, 0.55])
    np.testing.assert_array_equal(DELTA_POOLED.ravel(), [0.0364182, 0.068628, 0.04675125, -0.06818625])


@pytest.mark.parametrize("name", ["INPUT", "FC_WEIGHTS", "DELTA_H", "SIGMOID_OUTPUTS", "DELTA_POOLED",
                                  "DELTA_MAP", "DW_ANSWER", "KERNEL"])
def test_constants_are_read_only(name):
    a = getattr(S, name)
    assert a.dtype == np.float64
    with pytest.raises(ValueError, match="read-only"):
        a[(0,) * a.ndim] = 1.0


def test_question_deltas_follow_from_its_numbers():
    # delta = (W_fc^T deltaH) * s (1 - s), the question's four sums.
    ds = FC_WEIGHTS.T @ DELTA_H
    delta = sigmoid_backward(ds.reshape(2, 2), SIGMOID_OUTPUTS)
    np.testing.assert_allclose(delta, DELTA_POOLED, rtol=0, atol=1e-15)


def test_delta_map_is_truncated_deltas_at_the_maxima():
    expected = np.zeros((4, 4))
    for (i, j), d in zip(ARGMAX_POSITIONS, DELTA_POOLED.ravel(), strict=True):
        expected[i, j] = np.trunc(d * 1e4) / 1e4
    np.testing.assert_allclose(DELTA_MAP, expected, atol=1e-15)
    assert window_argmax(np.abs(DELTA_MAP)) == ARGMAX_POSITIONS


def test_answer_gradient_is_the_valid_correlation():
    dw = conv2d(INPUT[None, None], DELTA_MAP[None, None])[0, 0]
    np.testing.assert_allclose(dw, DW_ANSWER, atol=5e-7)
    _, dw_b, _ = conv2d_backward(DELTA_MAP[None, None], INPUT[None, None], KERNEL[None, None])
    np.testing.assert_allclose(dw_b[0, 0], DW_ANSWER, atol=5e-7)


@pytest.mark.parametrize(("bias", "weighted"), FITS, ids=FIT_IDS)
def test_every_fit_keeps_w00_and_the_maxima(bias, weighted):
    fit = reconstruct_kernel(bias=bias, weighted=weighted)
    assert fit.kernel.shape == (2, 2) and fit.kernel[0, 0] == W00
    assert (fit.bias != 0.0) == bias
    fw = forward_pass(fit.kernel, fit.bias)
    assert window_argmax(fw.y) == ARGMAX_POSITIONS
    # residuals are fitted - given, in conv-output units
    logits = np.log(SIGMOID_OUTPUTS / (1 - SIGMOID_OUTPUTS)).ravel()
    np.testing.assert_allclose(fit.residuals, np.r_[fw.y[0, 0] - X00, fw.m.ravel() - logits],
                               atol=1e-12)
    np.testing.assert_allclose(fit.printed_residuals,
                               np.r_[fw.y[0, 0] - X00, fw.a.ravel() - SIGMOID_OUTPUTS.ravel()], atol=1e-12)
    assert fit.residual == pytest.approx(np.linalg.norm(fit.residuals))


def test_default_fit_reproduces_every_printed_number():
    fit = reconstruct_kernel()
    assert fit.bias == 0.0 and S.BIAS == 0.0
    np.testing.assert_array_equal(KERNEL, fit.kernel)
    fw = forward_pass()
    assert round(float(fw.y[0, 0]), 2) == X00
    np.testing.assert_array_equal(fw.a.round(2), SIGMOID_OUTPUTS)
    assert np.abs(fit.printed_residuals).max() < 0.005
    # maxima are strict (no tie decides the routing of the deltas)
    for (i, j) in ARGMAX_POSITIONS:
        r, c = 2 * (i // 2), 2 * (j // 2)
        window = fw.y[r:r + 2, c:c + 2]
        assert np.sum(window == window.max()) == 1


def test_unweighted_no_bias_fit_misses_x00_rounding():
    # why the default weights the equations: plain least squares lets x00 drift to 0.256
    fit = reconstruct_kernel(bias=False, weighted=False)
    assert abs(fit.printed_residuals[0]) > 0.005


def test_bias_lowers_residual_only_slightly():
    without, with_bias = reconstruct_kernel(), reconstruct_kernel(bias=True)
    assert with_bias.residual < without.residual < 2 * with_bias.residual


def test_forward_pass_shapes_and_fc():
    fw = forward_pass()
    assert (fw.y.shape, fw.m.shape, fw.a.shape, fw.h.shape) == ((4, 4), (2, 2), (2, 2), (2,))
    np.testing.assert_allclose(fw.a, sigmoid(fw.m))
    np.testing.assert_allclose(fw.h, FC_WEIGHTS @ fw.a.ravel())


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_seed_network_matches_forward_pass_and_the_question(dtype):
    net = seed_network(dtype=dtype)
    x = INPUT[None, None].astype(dtype)
    h = net.forward(x)
    assert h.dtype == dtype and h.shape == (1, 2)
    fw = forward_pass()
    np.testing.assert_allclose(h[0], fw.h, rtol=1e-6)
    dx = net.backward(DELTA_H[None].astype(dtype))
    assert dx.shape == (1, 1, 5, 5)
    # delta at the sigmoid input: the question's values up to the 2-decimal rounding of s
    delta = sigmoid_backward((FC_WEIGHTS.T @ DELTA_H).reshape(2, 2), fw.a)
    np.testing.assert_allclose(delta, DELTA_POOLED, atol=2e-4)
    dmap = np.zeros((4, 4))
    for (i, j), d in zip(ARGMAX_POSITIONS, delta.ravel(), strict=True):
        dmap[i, j] = d
    dw = net[0].grads["w"][0, 0]
    np.testing.assert_allclose(dw, conv2d(INPUT[None, None], dmap[None, None])[0, 0], rtol=1e-5)
    np.testing.assert_allclose(dw, DW_ANSWER, atol=2e-4)
    np.testing.assert_allclose(net[0].grads["b"], delta.sum(), rtol=1e-5)


def test_seed_network_custom_kernel():
    k = np.array([[-0.13, 0.1], [-0.5, 0.6]])
    net = seed_network(kernel=k, bias=0.1)
    np.testing.assert_array_equal(net[0].params["w"][0, 0], k)
    np.testing.assert_allclose(net.forward(INPUT[None, None])[0], forward_pass(k, 0.1).h)


@pytest.mark.parametrize("fn", [forward_pass, seed_network], ids=["forward_pass", "seed_network"])
def test_bad_kernel_shape(fn):
    with pytest.raises(ValueError, match=r"kernel must have shape \(2, 2\), got \(3, 3\)"):
        fn(kernel=np.zeros((3, 3)))


@pytest.mark.parametrize("fn", [forward_pass, seed_network], ids=["forward_pass", "seed_network"])
@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [({"bias": [0.1, 0.2]}, ValueError, r"bias must be a single number, got shape \(2,\)"),
     ({"bias": "a"}, TypeError, "bias must be a real"),
     ({"kernel": [[1j, 0], [0, 0]]}, TypeError, "kernel must be a real")],
    ids=["bias-two", "bias-str", "kernel-complex"],
)
def test_bad_kernel_or_bias(fn, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fn(**kwargs)


@pytest.mark.parametrize("kwargs", [{"bias": 1}, {"weighted": "yes"}], ids=["bias-int", "weighted-str"])
def test_reconstruct_kernel_flags_must_be_bool(kwargs):
    with pytest.raises(TypeError, match="must be True or False"):
        reconstruct_kernel(**kwargs)


def test_functions_accept_a_numpy_bias_scalar():
    np.testing.assert_array_equal(forward_pass(bias=np.float64(0.1)).h, forward_pass(bias=0.1).h)


@pytest.mark.parametrize(
    ("fmap", "size", "exc", "pattern"),
    [(np.zeros((4, 5)), 2, ValueError, r"\(4, 5\) is not a multiple of size=2"),
     (np.zeros(4), 2, ValueError, r"feature_map must be 2-D"),
     (np.zeros((4, 4)), 0, ValueError, "size must be >= 1"),
     (np.zeros((4, 4)), 2.0, TypeError, "size must be an integer")],
    ids=["not-multiple", "1d", "size-0", "size-float"],
)
def test_window_argmax_bad_input(fmap, size, exc, pattern):
    with pytest.raises(exc, match=pattern):
        window_argmax(fmap, size)


def test_window_argmax_first_maximum_on_ties():
    assert window_argmax(np.ones((2, 4))) == ((0, 0), (0, 2))
    assert window_argmax(np.arange(9.0).reshape(3, 3), size=3) == ((2, 2),)
