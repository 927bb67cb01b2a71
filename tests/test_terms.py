"""conv2d_terms: the products it lists add up to conv2d and to every gradient of conv2d_backward."""

import numpy as np
import pytest

from cnnbp import conv2d, conv2d_backward, conv2d_terms

CASES = {
    "seed 5x5 k2": ((5, 5), (2, 2), 1, 0, 1),
    "stride 2": ((7, 6), (3, 2), 2, 0, 1),
    "padding 1": ((4, 5), (3, 3), 1, 1, 1),
    "dilation 2": ((7, 7), (2, 3), 1, 0, 2),
    "all": ((8, 7), (3, 2), (2, 3), (1, 2), (2, 1)),
    "unread cells": ((7, 7), (3, 3), 3, 0, 1),
}


@pytest.mark.parametrize(("in_hw", "k_hw", "stride", "padding", "dilation"), CASES.values(), ids=CASES)
def test_terms_add_up_to_the_forward_and_backward(rng, in_hw, k_hw, stride, padding, dilation):
    x = rng.standard_normal((1, 1, *in_hw))
    w = rng.standard_normal((1, 1, *k_hw))
    y = conv2d(x, w, None, stride, padding, dilation)
    dy = rng.standard_normal(y.shape)
    dx, dw, _ = conv2d_backward(dy, x, w, stride, padding, dilation)
    t = conv2d_terms(in_hw, k_hw, stride, padding, dilation)
    pad = np.broadcast_to(padding, 2)
    xp = np.pad(x[0, 0], [(pad[0], pad[0]), (pad[1], pad[1])])
    i, j, p, q, u, v = t.T
    assert len(t) == y[0, 0].size * w[0, 0].size  # one product per output and tap
    y_sum = np.zeros(y.shape[2:])
    np.add.at(y_sum, (i, j), w[0, 0][p, q] * xp[u, v])
    dw_sum = np.zeros(k_hw)
    np.add.at(dw_sum, (p, q), dy[0, 0][i, j] * xp[u, v])
    dxp_sum = np.zeros(xp.shape)
    np.add.at(dxp_sum, (u, v), dy[0, 0][i, j] * w[0, 0][p, q])
    np.testing.assert_allclose(y_sum, y[0, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw_sum, dw[0, 0], rtol=1e-12, atol=1e-12)
    crop = dxp_sum[pad[0] : pad[0] + in_hw[0], pad[1] : pad[1] + in_hw[1]]
    np.testing.assert_allclose(crop, dx[0, 0], rtol=1e-12, atol=1e-12)


def test_terms_reject_a_kernel_larger_than_the_input():
    with pytest.raises(ValueError, match="kernel"):
        conv2d_terms((2, 2), (3, 3))
