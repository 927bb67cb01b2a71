# %% [markdown]
# # Back through the FC layer and the sigmoid
#
# **What you will learn:** how the two deltas of the FC outputs become the four deltas of the
# pooled map, by two rules (multiply by $V^\top$, then by $a(1-a)$), and that the question's
# four deltas are right. Letters as on the [notation](../../notation/) page.

# %% tags=["remove-cell"]
# %matplotlib inline
import matplotlib.pyplot as plt

from cnnbp.viz import setup, show_backward_pass, show_grids, show_table

setup()

# %%
import numpy as np

import cnnbp
from cnnbp import seed

# %% [markdown]
# ## The idea: a delta for every number, from the loss down
#
# The backward pass gives every number of the forward pass a **delta**: how much the loss $L$
# changes when that number is nudged, $\delta^z = \partial L/\partial z$. It starts where the
# question starts, at the two FC outputs, with $\delta^h = (0.25, -0.15)$, and walks the
# network from right to left. The whole walk fits in one picture; this page covers its first
# two arrows, the next three pages the rest.

# %% tags=["remove-input"]
# Every delta of the question's network, computed with cnnbp.
a_, V_, dh_ = seed.SIGMOID_OUTPUTS, seed.FC_WEIGHTS, seed.DELTA_H
x_, w_ = seed.INPUT[None, None], seed.KERNEL[None, None]
da_ = cnnbp.linear_backward(dh_[None], a_.reshape(1, 4), V_)[0].reshape(
    2, 2
)
dm_ = cnnbp.sigmoid_backward(da_, a_)
dy_ = cnnbp.max_pool2d_backward(dm_[None, None], cnnbp.conv2d(x_, w_), 2)
dx_, dw_, _ = cnnbp.conv2d_backward(dy_, x_, w_)
show_backward_pass(
    dh_,
    da_,
    dm_,
    dy_[0, 0],
    dw_[0, 0],
    dx_[0, 0],
    highlight=["fc", "sigmoid"],
)
plt.show()

# %% [markdown]
# Each of the four pooled activations $a$ fed *both* FC outputs, so its delta collects two
# shares, one from each output: the output's delta times the weight that joined them. The
# sigmoid then scales that sum by its own slope, $a(1-a)$. In pictures, for the four windows
# at once (one colour scale for all five panels):

# %% tags=["remove-input"]
share0 = (dh_[0] * V_[0]).reshape(2, 2)
share1 = (dh_[1] * V_[1]).reshape(2, 2)
show_grids(
    [share0, share1, da_, a_ * (1 - a_), dm_],
    [
        "from $h_0$: $\\delta^h_0 V_{0,k}$",
        "from $h_1$: $\\delta^h_1 V_{1,k}$",
        "sum: $\\delta^a$",
        "slope $a(1-a)$",
        "product: $\\delta^m$",
    ],
    ncols=3,
    fmt="{:.4f}",
    cell=0.8,
    fontsize=11,
)
plt.show()

# %% [markdown]
# ## The derivation
#
# Nudge one activation $a_k$ and both outputs move, $h_0$ by $V_{0,k}$ and $h_1$ by
# $V_{1,k}$ times the nudge; the loss feels both moves. With the four activations read in
# row-major order, $a_0, \dots, a_3$ for the windows $(0,0), (0,1), (1,0), (1,1)$, the FC layer
# computes $h_j = \sum_k V_{j,k}\, a_k$, and the chain rule adds the two paths:
#
# $$
# \delta^a_k = \frac{\partial L}{\partial a_k}
#   = \sum_{j=0}^{1} \frac{\partial L}{\partial h_j}\,\frac{\partial h_j}{\partial a_k}
#   = \delta^h_0 V_{0,k} + \delta^h_1 V_{1,k},
# \qquad\text{that is}\qquad \delta^a = V^\top \delta^h .
# $$
#
# The sigmoid acts on each value alone, $a = \sigma(m)$, and its slope can be written with its
# own output: $\sigma'(m) = \sigma(m)\,(1-\sigma(m)) = a(1-a)$. So
#
# $$
# \delta^m = \delta^a \odot a\,(1-a) .
# $$
#
# For the first window this is
# $\delta^m_{0,0} = (0.25 \cdot 0.61 + (-0.15) \cdot 0.02) \cdot 0.58 \cdot (1 - 0.58)$,
# exactly the first line of the question. The backward pass of the sigmoid needs only $a$,
# which the forward pass already computed; nothing has to be stored but that.
#
# ## The numbers
#
# In cnnbp the first step is `linear_backward`, the second `sigmoid_backward`. The question's
# deltas were computed from its sigmoid outputs as printed, with two decimals, so these are
# used here too (the [appendix](../../appendix/01_the_numbers/) compares them with the
# unrounded ones).

# %%
dh = np.array(seed.DELTA_H)  # (2,): the question's deltas of h
a = np.array(seed.SIGMOID_OUTPUTS)  # (2, 2): as printed
V = np.array(seed.FC_WEIGHTS)  # (2, 4)

da, dV, _ = cnnbp.linear_backward(dh[None], a.reshape(1, 4), V)
da = da.reshape(2, 2)  # back in the layout of the pooled map
dm = cnnbp.sigmoid_backward(da, a)  # takes the sigmoid's output
print("da =\n", da)
print("dm =\n", dm)

# %% [markdown]
# Every factor, window by window:

# %% tags=["remove-input"]
show_table(
    [
        ["$\\delta^h_0 V_{0,k}$", *share0.flat],
        ["$\\delta^h_1 V_{1,k}$", *share1.flat],
        ["sum: $\\delta^a$", *da.flat],
        ["$a$", *a.flat],
        ["$a(1-a)$", *(a * (1 - a)).flat],
        ["product: $\\delta^m$", *dm.flat],
    ],
    ["window", "(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)"],
    fmt=["{}"] + ["{:.8g}"] * 4,
)

# %% tags=["remove-cell"]
assert np.array_equal(da_, da) and np.array_equal(dm_, dm)
assert np.allclose(share0 + share1, da, rtol=0, atol=1e-15)
assert np.allclose(dm, da * a * (1 - a), rtol=0, atol=1e-15)
assert dh.tolist() == [0.25, -0.15] and V[:, 0].tolist() == [0.61, 0.02]
assert a[0, 0] == 0.58
# "The slope is at most 1/4"; each delta is a little less than a quarter.
assert (a * (1 - a)).max() <= 0.25
assert np.all((0.2 < dm / da) & (dm / da < 0.25))

# %% [markdown]
# The sigmoid's slope is at most $\tfrac14$, reached at $a = \tfrac12$, and all four $a$ are
# close to $\tfrac12$: each $\delta^m$ is a little less than a quarter of its $\delta^a$.
#
# ## A check
#
# **Is the question's calculation correct? Yes.** Its four deltas are $0.0364182$,
# $0.068628$, $0.04675125$ and $-0.06818625$, and cnnbp's agree with them to $10^{-12}$.
#
# A second check trusts no algebra at all. With $\delta^h$ held fixed, the loss near this
# point changes like $\sum_j \delta^h_j h_j$, so the gradient of that sum with respect to the
# pooled values must be $\delta^m$; central differences measure it directly.

# %%
m = np.log(a / (1 - a))  # the pooled values whose sigmoid is a


def loss(m):
    return np.sum(dh * cnnbp.linear(cnnbp.sigmoid(m).reshape(1, 4), V))


err = cnnbp.check_gradient(loss, m, dm, name="dm")
print(f"relative error of dm against central differences: {err:.0e}")

# %% tags=["remove-cell"]
question = [[0.0364182, 0.068628], [0.04675125, -0.06818625]]
assert np.allclose(dm, question, rtol=0, atol=1e-12)
assert np.allclose(dm, seed.DELTA_POOLED, rtol=0, atol=1e-12)
assert err < 1e-8

# %% [markdown]
# ## What to remember
#
# - Back through an FC layer, a value's delta is the sum, over the outputs it feeds, of each
#   output's delta times the connecting weight: $\delta^a = V^\top\delta^h$ (`linear_backward`).
# - Back through the sigmoid, multiply by its slope, computed from the forward output:
#   $\delta^m = \delta^a \odot a(1-a)$ (`sigmoid_backward`). The slope is at most $\tfrac14$,
#   so a sigmoid shrinks every delta that passes it by a factor of four or more.
# - The question's four deltas are correct.
#
# ## Exercises
#
# **1.** Compute $\delta^m_{0,1}$ by hand, from $\delta^h$, the second column of $V$ and
# $a_{0,1} = 0.57$.
#
# <details>
# <summary>Solution</summary>
#
# The second column of $V$ is $(0.82, -0.50)$, so
# $\delta^a_{0,1} = 0.25 \cdot 0.82 + (-0.15)(-0.50) = 0.205 + 0.075 = 0.28$. The slope is
# $0.57 \cdot 0.43 = 0.2451$, and $\delta^m_{0,1} = 0.28 \cdot 0.2451 = 0.068628$: the
# question's second delta.
#
# </details>
#
# **2.** Suppose the FC layer had a bias $c$, $h = Va + c$. Would the four deltas change? What
# is the gradient of $c$?
#
# <details>
# <summary>Solution</summary>
#
# They would not: $\partial h_j / \partial a_k = V_{j,k}$ whatever $c$ is, so $\delta^a$ and
# $\delta^m$ are the same. The bias enters each output with slope 1, so
# $\partial L/\partial c = \delta^h = (0.25, -0.15)$. (The bias does change $h$ itself, and so
# possibly $\delta^h$; but the question hands us $\delta^h$, so nothing below it depends on
# $c$.) `linear_backward` returns exactly this as its third result.
#
# </details>
#
# **3.** The question applies the max-pool first and the sigmoid second. What changes if the
# sigmoid comes first, on the whole $4\times4$ map $y$, and the pool after it?
#
# <details>
# <summary>Solution</summary>
#
# Nothing that reaches the convolution. The sigmoid is increasing, so the largest value of a
# window is also the one with the largest sigmoid: $\sigma(\max_k y_k) = \max_k \sigma(y_k)$,
# and the pooled map is the same in both orders. Backwards, the swapped order first routes
# $\delta^a$ to the window maxima (a $4\times4$ map with four non-zero cells) and then
# multiplies by the slope of the sigmoid at all sixteen cells, twelve of them times zero. At
# the four maxima that slope is $a(1-a)$ of the very value that was pooled, so $\delta^y$ comes
# out identical, bit for bit; the swap costs sixteen sigmoids instead of four.
#
# The argument needs a max. With average pooling the two orders differ, because the sigmoid
# of a mean is not the mean of the sigmoids: on this $y$ the two pooled maps differ by up to
# $0.0015$. And in floating point the sigmoid is only non-decreasing: in float64 every input
# above about $37$ gives exactly $1.0$, so two different large values can tie after the
# sigmoid. The two orders then send the delta to different cells, but both send zero, because
# the slope there is $1.0 \cdot (1 - 1.0) = 0$.
#
# </details>

# %% tags=["remove-cell"]
# Exercise 1.
assert np.isclose(share0[0, 1], 0.205) and np.isclose(share1[0, 1], 0.075)
assert V[:, 1].tolist() == [0.82, -0.50] and a[0, 1] == 0.57
assert np.isclose(da[0, 1], 0.28) and round(0.57 * 0.43, 4) == 0.2451
assert np.isclose(dm[0, 1], 0.28 * 0.2451) and np.isclose(
    dm[0, 1], 0.068628
)
# Exercise 2: with a bias c the deltas are the same; c's gradient is dh.
c = np.array([0.3, -0.2])


def loss_c(m, c=c):
    return np.sum(dh * cnnbp.linear(cnnbp.sigmoid(m).reshape(1, 4), V, c))


assert (
    cnnbp.check_gradient(loss_c, m.copy(), dm, name="dm with a bias")
    < 1e-8
)
assert (
    cnnbp.check_gradient(lambda c: loss_c(m, c), c, dh, name="dc") < 1e-8
)
assert np.array_equal(
    cnnbp.linear_backward(dh[None], a.reshape(1, 4), V)[2], dh
)
# Exercise 3: pool then sigmoid, and sigmoid then pool.
y = seed.forward_pass().y[
    None, None
]  # (1, 1, 4, 4): the convolution's output
d_up = da[None, None]  # (1, 1, 2, 2): what the FC layer sends back
a_first = cnnbp.sigmoid(cnnbp.max_pool2d(y, 2))  # the question's order
a_swap = cnnbp.max_pool2d(cnnbp.sigmoid(y), 2)
assert np.array_equal(a_first, a_swap)
dy_first = cnnbp.max_pool2d_backward(
    cnnbp.sigmoid_backward(d_up, a_first), y, 2
)
s_all = cnnbp.sigmoid(y)
routed = cnnbp.max_pool2d_backward(d_up, s_all, 2)
dy_swap = cnnbp.sigmoid_backward(routed, s_all)
assert np.array_equal(dy_first, dy_swap)
# twelve slopes times zero
assert np.count_nonzero(routed) == 4 and s_all.size == 16
# Average pooling does not commute with the sigmoid.
gap = np.abs(
    cnnbp.sigmoid(cnnbp.avg_pool2d(y, 2)) - cnnbp.avg_pool2d(s_all, 2)
).max()
assert round(float(gap), 4) == 0.0015
# Saturation: a tie made by rounding sends the delta elsewhere, but both
# orders send zero.
assert cnnbp.sigmoid(36.0) < 1.0 == cnnbp.sigmoid(37.0)
# one window; 40 is the true maximum
y_sat = np.array([[[[37.0, 40.0], [0.0, 1.0]]]])
s_sat = cnnbp.sigmoid(y_sat)
assert s_sat[0, 0, 0, 0] == s_sat[0, 0, 0, 1] == 1.0
one = np.ones((1, 1, 1, 1))
route_first = cnnbp.max_pool2d_backward(one, y_sat, 2)
route_swap = cnnbp.max_pool2d_backward(one, s_sat, 2)
assert not np.array_equal(route_first, route_swap)
a_sat = cnnbp.sigmoid(cnnbp.max_pool2d(y_sat, 2))
assert not cnnbp.max_pool2d_backward(
    cnnbp.sigmoid_backward(one, a_sat), y_sat, 2
).any()
assert not cnnbp.sigmoid_backward(route_swap, s_sat).any()
