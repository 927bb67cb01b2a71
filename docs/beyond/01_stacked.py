# %% [markdown]
# # Stacked convolutions
#
# Near the end of the question that started this site (Data Science Stack Exchange, "back
# propagation in CNN", 2018, by koryakinp), its author asks a follow-up that the answer leaves
# open: if the network had another convolutional layer *before* the $5 \times 5$ map, which
# values would update that layer's kernel?
#
# Its kernel gradient has the same form as the one the answer derives; what it needs is its
# own delta, the gradient of the loss with respect to *its* output. This page derives that
# delta from the index form of the convolution. It turns out to be a **full convolution of
# the upper layer's delta with the upper kernel**, which `conv2d` computes as a
# cross-correlation of the zero-padded delta with the kernel **rotated by 180°**, times the
# derivative of the activation in between. Then it runs the numbers on the question's network
# with one invented layer added below it, and checks every gradient against finite differences.
#
# **Notation on this page.** It keeps the answer's letters, like the worked example: $x^l$ is
# the output of convolution layer $l$ (before its activation), $o^l$ the activated output that
# feeds the next layer, and $(m, n)$ a kernel tap. $(p, q)$ is a position in $o^1$, the input
# of layer 2. From the next page on, $x$ is a layer's *input* instead.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from cnnbp import (
    check_gradient,
    conv2d,
    conv2d_backward,
    conv2d_matrix,
    delta_full_conv,
    linear,
    linear_backward,
    max_pool2d,
    max_pool2d_backward,
    sigmoid,
    sigmoid_backward,
)
from cnnbp.seed import BIAS, DELTA_H, DELTA_MAP, FC_WEIGHTS, INPUT, KERNEL
from cnnbp.viz import show_dx_sources, show_markdown, show_matrices

# %% [markdown]
# ## Two layers, in the answer's notation
#
# The answer writes layer $l$ as $x^l_{i,j} = \sum_m \sum_n w^l_{m,n}\, o^{l-1}_{i+m,\,j+n} +
# b^l_{i,j}$: the convolution of the previous layer's output $o^{l-1}$, plus a bias for every
# output position. With one bias per channel, as in every convolution layer (see
# [the kernel-gradient page](../../example/04_kernel_gradient/)) and as on this page, the last
# term is a single $b^l$; it plays no part in the deltas below. The answer calls
# $\delta^l_{i,j} = \partial E/\partial x^l_{i,j}$ the delta of layer $l$. Stack two of them,
# with an activation $f$ in between:
#
# $$
# \underbrace{o^0}_{\text{new input}}
# \xrightarrow{\ \star\, w^1 + b^1\ } x^1
# \xrightarrow{\ f\ } \underbrace{o^1}_{\text{the question's } 5\times 5}
# \xrightarrow{\ \star\, w^2 + b^2\ } \underbrace{x^2}_{4\times 4}
# \longrightarrow \text{max-pool} \longrightarrow \cdots
# $$
#
# Layer 2 is the question's convolution, and the answer has already delivered its delta
# $\delta^2$ (the $4\times 4$ map with four non-zero entries). Layer 1 is the hypothetical
# earlier layer. Its kernel gradient, by the answer's own formula, is
#
# $$
# \frac{\partial E}{\partial w^1_{m',n'}} = \sum_{i} \sum_{j} \delta^1_{i,j}\; o^0_{i+m',\,j+n'} ,
# $$
#
# so the missing piece is $\delta^1$.
#
# ## Deriving the delta for the layer below
#
# Every $o^1_{p,q}$ influences $E$ only through the outputs $x^2_{i,j}$ whose window covers it,
# so by the chain rule
#
# $$
# \frac{\partial E}{\partial o^1_{p,q}}
#   = \sum_{i}\sum_{j} \delta^2_{i,j}\, \frac{\partial x^2_{i,j}}{\partial o^1_{p,q}}
#   = \sum_{i}\sum_{j} \delta^2_{i,j} \sum_{m}\sum_{n} w^2_{m,n}\, [\,i+m = p\,]\,[\,j+n = q\,] ,
# $$
#
# where $[\cdot]$ is 1 when the condition holds and 0 otherwise: only a term whose index
# $i+m,\, j+n$ lands on $(p, q)$ contains $o^1_{p,q}$. For each tap $(m, n)$ at most one
# output satisfies both conditions, $i = p - m$ and $j = q - n$ (none if that position falls
# outside the output grid), so the double sum over outputs collapses:
#
# $$
# \frac{\partial E}{\partial o^1_{p,q}} = \sum_{m}\sum_{n} \delta^2_{p-m,\;q-n}\; w^2_{m,n},
# \qquad \delta^2_{i,j} := 0 \text{ outside the } 4 \times 4 \text{ grid.}
# $$
#
# Here the indices *subtract*: this is a convolution in the textbook sense, not the
# cross-correlation of the forward pass. It is a **full** one: it is evaluated at every one of
# the $5\times 5$ positions, including those where the kernel only partly overlaps $\delta^2$
# (the zero convention takes care of the rest).
#
# To write it as a cross-correlation (what `conv2d` computes), turn the kernel index around:
# put $m' = k_1 - 1 - m$ and $n' = k_2 - 1 - n$, and pad $\delta^2$ with $k - 1$ zeros on every
# side, $\hat\delta_{a,b} = \delta^2_{a-(k_1-1),\; b-(k_2-1)}$. Then
# $\hat\delta_{p+m',\,q+n'} = \delta^2_{p-m,\,q-n}$, and
#
# $$
# \frac{\partial E}{\partial o^1_{p,q}}
#   = \sum_{m'}\sum_{n'} \hat\delta_{p+m',\;q+n'}\;
#     \underbrace{w^2_{k_1-1-m',\;k_2-1-n'}}_{\operatorname{rot180}(w^2)_{m',n'}} ,
# $$
#
# the valid cross-correlation of the zero-padded delta with the kernel rotated by 180°.
# The padded map is $4 + 2 = 6$ wide, so the result is $6 - 2 + 1 = 5$ wide: the size of $o^1$.
# The last step goes through the activation, element by element:
#
# $$
# \delta^1_{p,q} = \frac{\partial E}{\partial o^1_{p,q}}\; f'(x^1_{p,q}),
# \qquad\text{for the logistic sigmoid } f'(x^1_{p,q}) = o^1_{p,q}\,(1 - o^1_{p,q}).
# $$
#
# In one line, for any depth (with stride 1 and no padding or dilation, as here):
# $\delta^{l-1} = \big(\operatorname{pad}_{k-1}(\delta^l) \star
# \operatorname{rot180}(w^l)\big) \odot f'(x^{l-1})$, with $\star$ the cross-correlation of the
# forward pass and $\operatorname{pad}_{k-1}$ the ring of $k-1$ zeros; if a pooling layer sits
# in between, route through it first (as the question does for max-pooling). The general form,
# with stride, padding and dilation, is on the
# [Stride, padding, dilation](../03_stride_padding_dilation/) page.
#
# ## The question's numbers
#
# The answer's delta map $\delta^2$ is given in its code (cut to four decimals); the
# kernel is in a figure the text lost, and cnnbp reconstructs it from the numbers that survive
# (only $w^2_{0,0} = -0.13$ is given; see [`cnnbp.seed`](../../reference/seed/)). Three ways
# to get $\partial E/\partial o^1$, all from cnnbp: the input gradient of `conv2d_backward`, the
# full-convolution function `delta_full_conv`, and the recipe just derived (pad, rotate,
# correlate) spelled out with `conv2d`.

# %%
assert KERNEL[0, 0] == -0.13 and np.array_equal(DELTA_H, [0.25, -0.15])  # given in the text
o1 = np.array(INPUT)[None, None]          # (1, 1, 5, 5): the question's 5x5 map
w2 = np.array(KERNEL)[None, None]         # (1, 1, 2, 2): the question's kernel (reconstructed)
delta2 = np.array(DELTA_MAP)[None, None]  # (1, 1, 4, 4): the answer's delta map

do1_backward = conv2d_backward(delta2, o1, w2)[0]
do1_full = delta_full_conv(delta2, w2, o1.shape)
padded = np.pad(delta2, ((0, 0), (0, 0), (1, 1), (1, 1)))   # k - 1 = 1 zero on each side
rot = w2[:, :, ::-1, ::-1]                                   # 180° rotation
do1_recipe = conv2d(padded, rot)
assert np.allclose(do1_backward, do1_full) and np.allclose(do1_backward, do1_recipe)

show_matrices(
    [padded[0, 0], rot[0, 0], do1_recipe[0, 0]],
    ["δ² padded with one ring of zeros", "w² rotated 180°", "padded δ² ⋆ rot180(w²) = ∂E/∂o¹"],
    fmt="{:.3f}", size=0.55,
)
plt.show()

# %% [markdown]
# The same result, read the other way: for a few cells of $o^1$, which outputs of layer 2 (and
# which kernel taps) feed its gradient. A corner cell is read by one window only, an inner cell
# by four. Each outlined delta is multiplied by the tap printed under it, and the products are
# added; the panel title, `dx[p, q]`, is $\partial E/\partial o^1_{p,q}$.

# %%
cells = [(0, 0), (1, 2), (4, 4)]
fig, axes = show_dx_sources(delta2[0, 0], w2[0, 0], (5, 5), cells, fmt="{:.4f}", size=0.6)
plt.show()
for p, q in cells:
    n_links = sum(0 <= p - m < 4 and 0 <= q - n < 4 for m in range(2) for n in range(2))
    assert n_links == (1 if (p, q) in {(0, 0), (4, 4)} else 4)

# %% [markdown]
# Cell $(1, 2)$ written out. Of its four terms only two meet a non-zero delta, because
# max-pooling left only four non-zero entries in $\delta^2$:

# %%
p, q = 1, 2
terms = [(m, n, delta2[0, 0, p - m, q - n], w2[0, 0, m, n]) for m in range(2) for n in range(2)]
value = sum(d * wt for _, _, d, wt in terms)
symbols = " + ".join(f"\\delta^2_{{{p - m},{q - n}}} w^2_{{{m},{n}}}" for m, n, _, _ in terms)
products = [f"({d:.4f})({wt:.4f})" for _, _, d, wt in terms]
show_markdown(
    "$$\\begin{align}"
    f"\\frac{{\\partial E}}{{\\partial o^1_{{{p},{q}}}}} &= {symbols} \\\\ "
    f"&= {' + '.join(products[:2])} \\\\ &\\quad + {' + '.join(products[2:])} \\\\ "
    f"&= {value:.6f}"
    "\\end{align}$$"
)
assert np.isclose(value, do1_backward[0, 0, p, q])
assert sum(d != 0 for _, _, d, _ in terms) == 2   # "only two meet a non-zero delta"
assert np.count_nonzero(delta2) == 4

# %% [markdown]
# ## Try it
#
# Point at a cell of $\delta^x$ (the input gradient, $\partial E/\partial o^1$ above): the
# deltas and kernel taps it is made of light up. Each lit delta is labelled with the tap that
# multiplies it, and the labels run backwards, bottom-right to top-left: the kernel turned by
# 180°. Switch to the integer examples to see it with a $3\times3$ kernel and with stride 2.

# %% tags=["remove-input"]
from cnnbp.viz import conv_explorer_data, show_explorer

show_explorer(conv_explorer_data(
    ("w", "delta", "dx"), controls=False,
    presets=["seed", dict(H=5, kh=3), dict(H=7, kh=3, stride=2), dict(H=5, kh=3, padding=1)],
))

# %% [markdown]
# ## Through the activation
#
# The values of the question's $5 \times 5$ map all lie strictly between 0 and 1, as they would
# if it were the output of a logistic sigmoid, so let the earlier layer end with one. The
# sigmoid's derivative needs only its output, $f' = o^1(1 - o^1)$, so $\delta^1$ follows from
# the question's numbers and the reconstructed kernel alone, before anything about layer 1 is
# invented:

# %%
assert np.all((o1 > 0) & (o1 < 1))
delta1 = sigmoid_backward(do1_backward, o1)    # = ∂E/∂o¹ · o¹(1 - o¹)
assert np.allclose(delta1, do1_backward * o1 * (1 - o1))
show_matrices([do1_backward[0, 0], (o1 * (1 - o1))[0, 0], delta1[0, 0]],
              ["∂E/∂o¹", "f'(x¹) = o¹(1 - o¹)", "δ¹ (element-wise product)"],
              fmt="{:.3f}", size=0.5)
plt.show()

# %% [markdown]
# ## An invented layer below, and the whole chain checked
#
# To get numbers for $\partial E/\partial w^1$ we need layer 1 itself, which the question
# never had. **Everything in this section marked "invented" is made up for the
# demonstration**: a $2\times 2$ kernel $w^1$, a bias $b^1$, and a $6 \times 6$ input $o^0$.
# The input is not random: it is chosen so that $\sigma(w^1 \star o^0 + b^1)$ reproduces the
# question's $5\times 5$ map *exactly*, so that everything above layer 1 is still the
# question's network. That takes 25 equations (one per cell of the map, after undoing the
# sigmoid) in 36 unknowns; we take the smallest solution, computed with the matrix of the
# convolution from [the matrix view](../04_matrix_view/).

# %%
w1 = np.array([[[[0.8, -0.5], [0.3, 0.6]]]])   # invented
b1 = np.array([0.1])                           # invented
target = np.log(o1 / (1 - o1)).reshape(-1) - b1  # undo the sigmoid and the bias
C1 = conv2d_matrix(w1, (6, 6))                   # x¹ = C1 @ vec(o⁰)
assert C1.shape == (25, 36)                      # 25 equations, 36 unknowns
o0 = (np.linalg.pinv(C1) @ target).reshape(1, 1, 6, 6)   # invented (smallest exact solution)
assert np.allclose(sigmoid(conv2d(o0, w1, b1)), o1, atol=1e-12)
show_matrices([o0[0, 0], w1[0, 0]], ["o⁰ (invented input)", "w¹ (invented)"], size=0.6)
plt.show()

# %% [markdown]
# Now the whole network, from the invented input to the net inputs of the question's hidden
# neurons $H_1, H_2$, with the question's FC weights. The question gives the deltas there,
# $\delta_{H_1} = 0.25$ and $\delta_{H_2} = -0.15$, and nothing beyond, so the loss is
# represented by $E = \delta_{H_1} h_1 + \delta_{H_2} h_2$: its gradient with respect to
# $(h_1, h_2)$ is exactly those two numbers. The backward pass is chained from cnnbp's
# functions, one layer at a time, in the order of the derivation above.

# %%
def forward(o0, w1, b1, w2, b2):
    x1 = conv2d(o0, w1, b1)
    o1 = sigmoid(x1)
    x2 = conv2d(o1, w2, b2)
    pooled = max_pool2d(x2, 2)
    s = sigmoid(pooled)
    h = linear(s.reshape(1, 4), FC_WEIGHTS)
    return o1, x2, pooled, s, h


b2 = np.array([BIAS])
o1_, x2, pooled, s, h = forward(o0, w1, b1, w2, b2)
E = float(np.sum(h * DELTA_H))

ds = linear_backward(DELTA_H[None], s.reshape(1, 4), FC_WEIGHTS)[0].reshape(s.shape)
dpooled = sigmoid_backward(ds, s)
dx2 = max_pool2d_backward(dpooled, x2, 2)                 # δ²: the exact 4x4 delta map
do1, dw2, db2 = conv2d_backward(dx2, o1_, w2)
assert np.allclose(do1, delta_full_conv(dx2, w2, o1_.shape))  # full conv with rot180(w²)
dx1 = sigmoid_backward(do1, o1_)                          # δ¹
do0, dw1, db1 = conv2d_backward(dx1, o0, w1)

print("∂E/∂w¹ =\n", dw1[0, 0].round(6))
print("∂E/∂b¹ =", db1.round(6))

# %% [markdown]
# Here $\delta^2$ is computed, not taken from the answer: it is the exact delta of this
# network, while the answer's map was built from sigmoid outputs rounded to two decimals and
# then truncated to four. They agree to within that rounding:

# %%
gap = float(np.max(np.abs(dx2[0, 0] - DELTA_MAP)))
print(f"largest difference between the exact δ² and the answer's map: {gap:.1e}")
assert gap < 5e-4
assert np.array_equal(dx2[0, 0] != 0, DELTA_MAP != 0)   # same four positions

# %% [markdown]
# Finally, the check that does not depend on any of the derivation: nudge every parameter of
# both layers (and every input value) both ways, recompute $E$ through the whole network, and
# compare the slopes with the backward pass ([gradient checking](../05_gradient_checking/)
# explains the method). The invented input keeps every max-pooling window's maximum clear of
# the runner-up, so the finite differences do not straddle a switch of the argmax.

# %%
windows = x2[0, 0].reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)  # one row per window
top2 = np.sort(windows, axis=1)[:, -2:]
margin = float(np.min(top2[:, 1] - top2[:, 0]))
print(f"smallest gap between a window's maximum and its runner-up: {margin:.3f}")
assert margin > 1e-3


def energy(_):
    return float(np.sum(forward(o0, w1, b1, w2, b2)[-1] * DELTA_H))


results = {
    "∂E/∂w¹ (invented layer)": check_gradient(energy, w1, dw1, rtol=1e-6, name="dw1"),
    "∂E/∂b¹ (invented layer)": check_gradient(energy, b1, db1, rtol=1e-6, name="db1"),
    "∂E/∂o⁰ (invented input)": check_gradient(energy, o0, do0, rtol=1e-6, name="do0"),
    "∂E/∂w² (the question's kernel)": check_gradient(energy, w2, dw2, rtol=1e-6, name="dw2"),
    "∂E/∂b² (the question's bias)": check_gradient(energy, b2, db2, rtol=1e-6, name="db2"),
}
show_markdown("| gradient | relative error vs. central differences |\n|---|---|\n"
              + "\n".join(f"| {k} | {v:.1e} |" for k, v in results.items()))

# %% [markdown]
# ## Why the rotation shows up here and not in the weight gradient
#
# Both gradients come from the same forward sum $\sum_{m,n} w_{m,n}\, o_{i+m,\,j+n}$. For the
# weights, the fixed index is the tap $(m, n)$ and the sum runs over outputs $(i, j)$; the two
# indices *add* in $o_{i+m,\,j+n}$, which is a cross-correlation of the input with the delta,
# so no flip. For the input, the fixed index is the cell $(p, q)$ and solving $i + m = p$ for
# the output gives $i = p - m$: the indices *subtract*, which is a true convolution, and a
# convolution written as a cross-correlation needs its kernel turned around. The rotation is
# nothing but that change of sign.
#
# ## What to remember
#
# - The delta for the layer below is
#   $\partial E/\partial o^{l-1}_{p,q} = \sum_{m,n} \delta^l_{p-m,\,q-n}\, w^l_{m,n}$,
#   with $\delta^l = 0$ outside its grid: a full convolution of $\delta^l$ with $w^l$,
#   computed as the cross-correlation of the zero-padded $\delta^l$ with $w^l$ rotated 180°.
# - Multiply by the activation's derivative at that layer to get $\delta^{l-1}$ (for a
#   sigmoid, $o(1-o)$); route through any pooling in between first.
# - With $\delta^{l-1}$ in hand, the weight gradient of the layer below is the same formula as
#   for the question's layer: the input correlated with the delta, no rotation.
# - The rotation comes from solving $i + m = p$ for $i$; nothing else.
