# %% [markdown]
# # The kernel gradient and the update
#
# **What you will learn:** how the $4\times4$ delta $\delta^y$ becomes the gradient of the four
# kernel weights and of the bias, why that gradient is the input cross-correlated with
# $\delta^y$, and how one step of gradient descent updates the kernel. This is the question's
# "how do I update the kernel weights from there?". Letters as on the
# [notation](../../notation/) page.

# %% tags=["remove-cell"]
# %matplotlib inline
import matplotlib.pyplot as plt

from cnnbp.viz import setup, show_dw_sources, show_grids, show_table

setup()

# %%
import numpy as np

import cnnbp
from cnnbp import seed

# %% [markdown]
# ## The idea: one weight, sixteen shares
#
# The kernel is shared: the same four weights are used at all sixteen positions of the
# output. So a weight $w_{p,q}$ touched all sixteen outputs, and its gradient collects sixteen
# shares, one per output: that output's delta times the input cell the weight multiplied
# there. Here only four of the sixteen deltas are non-zero (the window maxima), so each
# weight's gradient is a sum of four products. In the picture, each panel is one weight: the
# shaded block is the part of the input it touches, and the outlined cells are the four
# whose delta counts, each labelled with that delta.

# %% tags=["remove-input"]
fig, axes = show_dw_sources(
    seed.INPUT, seed.DELTA_MAP, (2, 2), size=0.68, note_size=7.5
)
plt.show()

# %% [markdown]
# The four outlined cells keep their arrangement from panel to panel, shifted by one cell
# right or down: it is the pattern of $\delta^y$, laid over the input at the offset of the
# weight.

# %% [markdown]
# ### Try it
#
# Point at a cell of $\partial L/\partial w$ below (tap it on a phone, or tab to it and move
# with the arrow keys). The input cells and the deltas whose products add up to it light up,
# all sixteen products are listed, and ▶ plays the sum one product at a time. cnnbp computed
# every number when this page was built.

# %% tags=["remove-input"]
from cnnbp.viz import conv_explorer_data, show_explorer

show_explorer(conv_explorer_data(("x", "delta", "dw"), controls=False))

# %% [markdown]
# ## The derivation
#
# One weight touched all sixteen outputs, so its gradient collects sixteen shares: the loss
# depends on $w_{p,q}$ only through the outputs $y_{i,j}$, and the chain rule sums over them:
#
# $$
# \frac{\partial L}{\partial w_{p,q}}
#   = \sum_{i=0}^{3}\sum_{j=0}^{3} \delta^y_{i,j}\, \frac{\partial y_{i,j}}{\partial w_{p,q}} .
# $$
#
# In $y_{i,j} = \sum_{p',q'} w_{p',q'}\, x_{i+p',\,j+q'} + b$, only the term with $p' = p$ and
# $q' = q$ contains $w_{p,q}$, and its coefficient is $x_{i+p,\,j+q}$. So
#
# $$
# \frac{\partial L}{\partial w_{p,q}} = \sum_{i=0}^{3}\sum_{j=0}^{3} \delta^y_{i,j}\,
#   x_{i+p,\,j+q} .
# $$
#
# Put it next to the forward pass. There a $2\times2$ kernel slides over $x$ and the offset
# $(i, j)$ names the output; here the $4\times4$ map $\delta^y$ slides over $x$ and the offset
# $(p, q)$ names the weight. It is the same operation, a valid cross-correlation, with
# $\delta^y$ in the kernel's place:
#
# $$
# \frac{\partial L}{\partial w} = x \star \delta^y ,
# $$
#
# of shape $(5-4+1)\times(5-4+1) = 2\times2$, the kernel's. The index is $i + p$ in both
# formulas: **nothing is flipped**.
#
# **The bias.** A convolution layer has one bias per output channel, added at every position,
# so $\partial y_{i,j}/\partial b = 1$ for all sixteen outputs and
# $\partial L/\partial b = \sum_{i,j} \delta^y_{i,j}$, the sum of the delta map. The answer
# writes a separate bias for every output position instead (see the
# [translation box](../01_forward/)). That is another model, a *locally connected* one:
# sixteen biases, tied to a $4\times4$ output, and each one's gradient is simply
# $\delta^y_{i,j}$. It is not what a convolution layer, or PyTorch's `Conv2d`, does.
#
# **The update.** Gradient descent moves every parameter against its gradient, with a
# learning rate $\eta$ chosen by hand: $w \leftarrow w - \eta\, \partial L/\partial w$ and
# $b \leftarrow b - \eta\, \partial L/\partial b$.
#
# ## The numbers
#
# $\delta^y$ is the answer's map `d`, which holds the question's deltas with four decimals
# (the [appendix](../../appendix/01_the_numbers/) measures what the dropped digits cost: less
# than 0.1 %). `conv2d_backward` returns the gradients of the input, the kernel and the bias;
# `conv2d` with $\delta^y$ as the kernel computes $x \star \delta^y$ directly.

# %%
x = np.array(seed.INPUT)[None, None]  # (1, 1, 5, 5)
w = np.array(seed.KERNEL)[None, None]  # (1, 1, 2, 2)
b = np.zeros(1)
dy = np.array(seed.DELTA_MAP)[None, None]  # (1, 1, 4, 4): the answer's map

dx, dw, db = cnnbp.conv2d_backward(dy, x, w)
print("dw =\n", dw[0, 0])
print("db =", db)
print("x correlated with dy:\n", cnnbp.conv2d(x, dy)[0, 0])

# %% [markdown]
# **These are the answer's numbers**, $0.044606$, $0.094061$, $0.011262$ and $0.068288$. Each
# is a sum of four products, one per non-zero delta:

# %% tags=["remove-input"]
terms = cnnbp.conv2d_terms((5, 5), (2, 2))  # rows (i, j, p, q, u, v)
i, j, p, q, u, v = terms.T
share = dy[0, 0][i, j] * x[0, 0][u, v]  # one product of the sum per row
counts = share != 0  # only the four non-zero deltas contribute
cells = sorted(
    {(int(a), int(c)) for a, c in zip(i[counts], j[counts], strict=True)}
)
taps = [(0, 0), (0, 1), (1, 0), (1, 1)]
columns = [
    share[counts & (p == p_) & (q == q_)] for p_, q_ in taps
]  # 4 shares per tap
table = [
    [f"from $\\delta^y_{{{a},{c}}}$", *(col[k] for col in columns)]
    for k, (a, c) in enumerate(cells)
]
table.append(["sum: $\\partial L/\\partial w_{p,q}$", *dw[0, 0].flat])
show_table(
    table, ["$(p, q)$", *map(str, taps)], fmt=["{}"] + ["{:.6f}"] * 4
)

# %% tags=["remove-cell"]
answer = [[0.044606, 0.094061], [0.011262, 0.068288]]
assert np.allclose(dw[0, 0], answer, rtol=0, atol=5e-7)
assert np.allclose(dw[0, 0], seed.DW_ANSWER, rtol=0, atol=5e-7)
# x correlated with dy
assert np.allclose(cnnbp.conv2d(x, dy), dw, rtol=1e-12, atol=0)
assert np.isclose(db[0], dy.sum(), rtol=1e-12)
assert cells == [(0, 2), (1, 1), (2, 1), (3, 3)]
assert np.allclose(
    [col.sum() for col in columns], dw[0, 0].ravel(), rtol=1e-12
)
# The sum over all sixteen outputs, term by term: cnnbp's loop version.
import cnnbp.loops

assert np.allclose(
    cnnbp.loops.conv2d_backward(dy, x, w)[1], dw, rtol=1e-12, atol=0
)
assert dw.shape == w.shape == (1, 1, 2, 2)
# "Less than 0.1 %": the gradient from the question's unshortened deltas.
a_q = seed.SIGMOID_OUTPUTS
da_q = cnnbp.linear_backward(
    seed.DELTA_H[None], a_q.reshape(1, 4), seed.FC_WEIGHTS
)[0]
dm_q = cnnbp.sigmoid_backward(da_q.reshape(2, 2), a_q)
dy_q = cnnbp.max_pool2d_backward(dm_q[None, None], cnnbp.conv2d(x, w), 2)
dw_q = cnnbp.conv2d_backward(dy_q, x, w)[1]
assert np.abs((dw - dw_q) / dw_q).max() < 1e-3

# %% [markdown]
# One step of gradient descent, with $\eta = 0.5$:

# %%
lr = 0.5
w_new = w - lr * dw
b_new = b - lr * db
print("w_new =\n", w_new[0, 0])
print("b_new =", b_new)

# %% tags=["remove-input"]
show_grids(
    [w[0, 0], dw[0, 0], w_new[0, 0]],
    [
        "kernel $w$",
        "$\\partial L/\\partial w$",
        "$w - 0.5\\,\\partial L/\\partial w$",
    ],
    fmt="{:.4f}",
    cell=0.95,
    fontsize=11,
)
plt.show()

# %% tags=["remove-cell"]
assert lr == 0.5 and np.allclose(w_new, w - 0.5 * dw)
assert np.all(dw > 0) and np.all(w_new < w)
assert np.all(x > 0) and np.sum(dy > 0) == 3 and np.sum(dy < 0) == 1

# %% [markdown]
# All four weights went down, because all four gradients are positive. That is a fact about
# these numbers, not a rule: every input here is positive, and in each sum the products of the
# three positive deltas happen to outweigh the product of the one negative delta. A different
# input, or a larger negative delta, can flip any of the signs (exercise 2). Whether this step
# lowers the loss depends on the output layer, which the question never gives; the
# [last page](../06_whole_loop/) chooses one and watches the loss fall.
#
# ## A check
#
# With $\delta^y$ held fixed, the loss near this point changes like
# $\sum_{i,j} \delta^y_{i,j}\, y_{i,j}$, whose gradient in $w$ is exactly the kernel gradient.
# Central differences, which know nothing of the derivation, agree:


# %%
def loss(w):
    return np.sum(dy * cnnbp.conv2d(x, w))


err = cnnbp.check_gradient(loss, w.copy(), dw, name="dw")
print(f"relative error of dw against central differences: {err:.0e}")

# %% [markdown]
# The bias gradients of both models pass the same test: one bias per channel, with gradient
# $\sum \delta^y$, and one bias per position, with gradient $\delta^y$ itself.

# %% tags=["hide-input"]
y0 = cnnbp.conv2d(x, w)  # no bias


def loss_per_channel(b):
    return np.sum(dy * cnnbp.conv2d(x, w, b))


def loss_per_position(b):
    return np.sum(dy * (y0 + b))


err_b = cnnbp.check_gradient(loss_per_channel, np.zeros(1), db, name="db")
err_bij = cnnbp.check_gradient(
    loss_per_position, np.zeros((1, 1, 4, 4)), dy, name="db per position"
)
print(f"one bias per channel:  db = {db[0]:.4f}, error {err_b:.0e}")
print(f"one bias per position: db = dy, error {err_bij:.0e}")

# %% tags=["remove-cell"]
assert err < 1e-8 and err_b < 1e-8 and err_bij < 1e-8
assert seed.BIAS == 0

# %% [markdown]
# ## What to remember
#
# - A shared kernel weight collects one share from every output it touched:
#   $\partial L/\partial w_{p,q} = \sum_{i,j} \delta^y_{i,j}\, x_{i+p,\,j+q}$.
# - That sum is the valid cross-correlation of the layer's input with its delta,
#   $\partial L/\partial w = x \star \delta^y$: the forward operation with $\delta^y$ in the
#   kernel's place. It has the kernel's shape, and nothing is rotated.
# - The bias of a convolution is one number per output channel, and its gradient is the sum
#   of $\delta^y$ over that channel.
# - Update: $w \leftarrow w - \eta\,\partial L/\partial w$. With the answer's map this
#   reproduces the answer's gradient exactly.
#
# ## Exercises
#
# **1.** Compute $\partial L/\partial w_{0,1}$ by hand from the answer's $4\times4$ map.
#
# <details>
# <summary>Solution</summary>
#
# The non-zero deltas are $\delta^y_{0,2} = 0.0686$, $\delta^y_{1,1} = 0.0364$,
# $\delta^y_{2,1} = 0.0467$ and $\delta^y_{3,3} = -0.0681$. Weight $(0, 1)$ met, at output
# $(i, j)$, the input cell $(i, j+1)$: $x_{0,3} = 0.84$, $x_{1,2} = 0.22$, $x_{2,2} = 0.74$ and
# $x_{3,4} = 0.09$. So
# $\partial L/\partial w_{0,1} = 0.0686 \cdot 0.84 + 0.0364 \cdot 0.22 + 0.0467 \cdot 0.74 -
# 0.0681 \cdot 0.09 = 0.057624 + 0.008008 + 0.034558 - 0.006129 = 0.094061$.
#
# </details>
#
# **2.** Keep everything else, but suppose the delta routed to $y_{3,3}$ were $-0.2$ instead
# of $-0.0681$. What is $\partial L/\partial w_{0,0}$ then, and which way does $w_{0,0}$ move?
#
# <details>
# <summary>Solution</summary>
#
# Weight $(0, 0)$ meets $x_{i,j}$ at output $(i, j)$: the three positive shares are
# $0.0686 \cdot 0.88 + 0.0364 \cdot 0.62 + 0.0467 \cdot 0.20 = 0.092276$, and the negative one
# becomes $-0.2 \cdot 0.70 = -0.14$. The gradient is $-0.047724$, negative, so the update now
# *raises* $w_{0,0}$. The sign of a kernel gradient comes from the numbers, not from the rule.
#
# </details>
#
# **3.** A convolution with $C_\text{in} = 3$ input channels, $C_\text{out} = 4$ output
# channels and $2\times2$ kernels: what are the shapes of $w$, $\partial L/\partial w$ and
# $\partial L/\partial b$?
#
# <details>
# <summary>Solution</summary>
#
# $w$ is $(C_\text{out}, C_\text{in}, k_h, k_w) = (4, 3, 2, 2)$ and its gradient has the same
# shape: one $2\times2$ slice for every pair of an output and an input channel, each the
# correlation of that input channel with that output channel's delta. The bias has one number
# per output channel, so $\partial L/\partial b$ is $(4,)$. [Channels and
# batches](../../beyond/02_channels/) derives this.
#
# </details>

# %% tags=["remove-cell"]
# Exercise 1: the answer's map, weight (0, 1).
d = seed.DELTA_MAP
assert [d[0, 2], d[1, 1], d[2, 1], d[3, 3]] == [
    0.0686,
    0.0364,
    0.0467,
    -0.0681,
]
assert [x[0, 0, 0, 3], x[0, 0, 1, 2], x[0, 0, 2, 2], x[0, 0, 3, 4]] == [
    0.84,
    0.22,
    0.74,
    0.09,
]
shares = [0.0686 * 0.84, 0.0364 * 0.22, 0.0467 * 0.74, -0.0681 * 0.09]
assert np.allclose(
    shares, [0.057624, 0.008008, 0.034558, -0.006129], rtol=0, atol=1e-12
)
assert round(float(dw[0, 0, 0, 1]), 6) == 0.094061
# Exercise 2.
dy_2 = dy.copy()
dy_2[0, 0, 3, 3] = -0.2
dw_2 = cnnbp.conv2d_backward(dy_2, x, w)[1][0, 0]
assert [x[0, 0, 0, 2], x[0, 0, 1, 1], x[0, 0, 2, 1], x[0, 0, 3, 3]] == [
    0.88,
    0.62,
    0.20,
    0.70,
]
assert np.isclose(0.0686 * 0.88 + 0.0364 * 0.62 + 0.0467 * 0.20, 0.092276)
assert (
    np.isclose(dw_2[0, 0], -0.047724)
    and (w - lr * dw_2[None, None])[0, 0, 0, 0] > w[0, 0, 0, 0]
)
# Exercise 3.
rng = np.random.default_rng(3)
x3, w3 = (
    rng.standard_normal((2, 3, 6, 5)),
    rng.standard_normal((4, 3, 2, 2)),
)
dy3 = rng.standard_normal(cnnbp.conv2d(x3, w3).shape)
_, dw3, db3 = cnnbp.conv2d_backward(dy3, x3, w3)
assert dw3.shape == (4, 3, 2, 2) and db3.shape == (4,)
assert np.allclose(
    dw3[1, 2],
    sum(
        cnnbp.conv2d(x3[n, 2][None, None], dy3[n, 1][None, None])
        for n in range(2)
    )[0, 0],
)
