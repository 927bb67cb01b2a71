# %% [markdown]
# # The network and the forward pass
#
# **What you will learn:** the small network that the whole worked example follows, how its
# forward pass turns a $5\times5$ image into two numbers, and how one output of a convolution
# is made. The letters are those of the [notation](../../notation/) page, used on every page.
#
# <div class="admonition note">
# <p class="admonition-title">The question's letters, translated</p>
#
# The worked example is the network of the question
# [*back propagation in CNN*](https://datascience.stackexchange.com/questions/27506/back-propagation-in-cnn)
# on Data Science Stack Exchange, and of the answer it received. They use other letters. This
# box is the only place where theirs appear; every page after it uses ours.
#
# | the question and its answer write | this site writes | what it is |
# |---|---|---|
# | $o$ | $x$ | the $5\times5$ input of the convolution |
# | $x$ | $y$ | the $4\times4$ output of the convolution |
# | $(m, n)$ | $(p, q)$ | a kernel tap: $w_{p,q}$ |
# | $E$ | $L$ | the loss |
# | $b_{i,j}$, one bias per position | $b$, one bias per channel | the bias |
# | $H_1, H_2$ | $h_0, h_1$ | the two FC outputs |
# | $\delta H_1, \delta H_2$ | $\delta^h_0, \delta^h_1$ | their deltas |
# | $\delta_{11}, \delta_{12}, \delta_{21}, \delta_{22}$ (windows counted from 1) | $\delta^m_{0,0}, \delta^m_{0,1}, \delta^m_{1,0}, \delta^m_{1,1}$ | the deltas of the pooled map |
# | `d`, the $4\times4$ array | $\delta^y$ | the delta of the convolution's output |
#
# </div>

# %% tags=["remove-cell"]
# %matplotlib inline
import matplotlib.pyplot as plt

from cnnbp.viz import setup, show_grids, show_table

setup()

# %%
import numpy as np

import cnnbp
from cnnbp import seed

# %% [markdown]
# ## The idea: five steps, each a smaller map
#
# One grey-scale $5\times5$ image $x$ goes through five steps. A $2\times2$ **kernel** $w$
# slides over it one cell at a time and, at each of its $4\times4$ positions, multiplies the
# four cells under it by its four weights and adds them up: that gives the map $y$. A
# **max-pool** cuts $y$ into four $2\times2$ blocks and keeps the largest value of each: $m$.
# The **sigmoid** squashes each of those four numbers into $(0, 1)$: $a$. A **fully connected
# (FC) layer** makes two weighted sums of the four values of $a$: $h_0$ and $h_1$. An output
# layer, which the question never describes, turns them into a loss.
#
# The question lost one piece of this network, the kernel; the one used here is reconstructed
# from the numbers the question still states, as the [appendix](../../appendix/01_the_numbers/)
# shows.

# %% tags=["remove-input"]
# the same pass as the cells below, for the picture
fw = seed.forward_pass()
maxima = np.zeros((4, 4), dtype=bool)
maxima[tuple(np.array(seed.ARGMAX_POSITIONS).T)] = True
show_grids(
    [seed.INPUT, fw.y, fw.m],
    ["input $x$", "conv output $y$", "pooled $m$"],
    arrows=["conv\n$2\\times2$", "max-pool\n$2\\times2$"],
    marks=[None, maxima, None],
    scale="each",
    cell=0.5,
    fontsize=10,
)
plt.show()
show_grids(
    [fw.m, fw.a, fw.a.reshape(4, 1), fw.h.reshape(2, 1)],
    ["pooled $m$", "$a = \\sigma(m)$", "flattened", "$h$"],
    arrows=["sigmoid", "flatten", "FC"],
    scale="each",
    cell=0.5,
    fontsize=10,
)
plt.show()

# %% [markdown]
# Read the two rows as one strip: the second starts from the pooled map that ends the first.
# The outlined cells of $y$ are the four window maxima that the max-pool keeps. The backward
# pass will walk this strip from right to left.
#
# ## How one output is made
#
# Each output of the convolution is the kernel laid over one $2\times2$ patch of the input:
# four products, added up, plus the bias. Output $(i, j)$ uses the patch whose top-left
# corner is input cell $(i, j)$:
#
# $$
# y_{i,j} = \sum_{p=0}^{1} \sum_{q=0}^{1} w_{p,q}\, x_{i+p,\,j+q} + b .
# $$
#
# The patch can start at rows $0, \dots, 3$ and columns $0, \dots, 3$, so an $H\times W$
# input and a $k_h\times k_w$ kernel give an $(H-k_h+1)\times(W-k_w+1)$ output: $4\times4$
# here. The kernel is not turned around before it slides; strictly speaking this is a
# *cross-correlation*, and it is what every convolution layer (PyTorch's included) computes.
# Whether a formula flips the kernel will matter on [page 5](../05_checking_the_answer/).

# %% tags=["remove-input"]
patch = np.zeros((5, 5), dtype=bool)
patch[:2, :2] = True
first = np.zeros((4, 4), dtype=bool)
first[0, 0] = True
w_ = np.array(seed.KERNEL)
show_grids(
    [seed.INPUT, w_, w_ * seed.INPUT[:2, :2], fw.y],
    [
        "input $x$, one patch",
        "kernel $w$",
        "products",
        f"$y$: their sum, {fw.y[0, 0]:.3f}",
    ],
    fmt="{:.3f}",
    marks=[patch, None, None, first],
    cell=0.55,
    fontsize=10,
)
plt.show()

# %% [markdown]
# The four products of the top-left patch add up to $y_{0,0}$; the question gives this output
# rounded, $0.25$. Slide the patch one cell right and the same four weights meet four new
# input cells: that is $y_{0,1}$, and so on for all sixteen.
#
# ## The numbers
#
# cnnbp's arrays have four axes, NCHW: image in the batch, channel, row, column. One
# single-channel image is therefore `x[None, None]`, of shape `(1, 1, 5, 5)`, and the kernel
# is `(C_out, C_in, kh, kw) = (1, 1, 2, 2)`. The bias has one number per output channel. The
# question gives the FC weights $V$; it gives no FC bias, and none is needed.

# %%
x = np.array(seed.INPUT)  # (5, 5): the image
w = np.array(seed.KERNEL)  # (2, 2): the reconstructed kernel
b = np.zeros(1)  # one bias per output channel
V = np.array(seed.FC_WEIGHTS)  # (2, 4): row k feeds h_k

y = cnnbp.conv2d(x[None, None], w[None, None], b)  # (1, 1, 4, 4)
m = cnnbp.max_pool2d(y, size=2, stride=2)  # (1, 1, 2, 2)
a = cnnbp.sigmoid(m)  # (1, 1, 2, 2)
h = cnnbp.linear(a.reshape(1, 4), V)  # (1, 2)
print("y =\n", y[0, 0])
print("m =\n", m[0, 0])
print("a =\n", a[0, 0])
print("h =", h[0])

# %% tags=["remove-input"]
steps = [
    "input $x$",
    "conv $2\\times2$, stride 1: $y$",
    "max-pool $2\\times2$, stride 2: $m$",
    "sigmoid: $a$",
    "FC, two outputs: $h$",
]
shapes = [x[None, None].shape, y.shape, m.shape, a.shape, h.shape]
show_table(
    zip(steps, shapes, strict=True), ["step", "shape"], fmt=["{}", "`{}`"]
)

# %% tags=["remove-cell"]
assert x[None, None].shape == (1, 1, 5, 5)
assert (
    y.shape == (1, 1, 4, 4)
    and m.shape == a.shape == (1, 1, 2, 2)
    and h.shape == (1, 2)
)
assert w[None, None].shape == (1, 1, 2, 2) and V.shape == (2, 4)
# The page's pass and the package's reference pass agree, so the
# pictures show these maps.
assert np.array_equal(fw.y, y[0, 0]) and np.array_equal(fw.a, a[0, 0])
assert np.array_equal(fw.h, h[0])
# The formula, first window; and the picture's sum.
assert np.isclose(y[0, 0, 0, 0], np.sum(w * x[:2, :2]) + b[0])
assert np.isclose(y[0, 0, 0, 1], np.sum(w * x[:2, 1:3]) + b[0])
assert fw.y.shape == (5 - 2 + 1, 5 - 2 + 1)

# %% [markdown]
# ## A check: the question's numbers come back
#
# The question and its answer state three things that this forward pass must reproduce: the
# top-left output $y_{0,0} = 0.25$ (above it prints as $0.2504$), the four sigmoid outputs
# (printed with two decimals), and, through the answer's delta map, which cell of each window
# holds the maximum.

# %% tags=["remove-input"]
argmax = seed.window_argmax(y[0, 0])
show_table(
    [
        ["$a$, the question", *seed.SIGMOID_OUTPUTS.flat],
        ["$a$, this pass, two decimals", *np.round(a[0, 0], 2).flat],
        ["maximum at, the question", *map(str, seed.ARGMAX_POSITIONS)],
        ["maximum at, this pass", *map(str, argmax)],
    ],
    ["window", "(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)"],
    fmt=["{}"] + ["{:.2f}"] * 4,
)

# %% tags=["remove-cell"]
assert round(float(y[0, 0, 0, 0]), 2) == seed.X00 == 0.25
assert np.array_equal(np.round(a[0, 0], 2), seed.SIGMOID_OUTPUTS)
assert seed.SIGMOID_OUTPUTS.tolist() == [[0.58, 0.57], [0.65, 0.55]]
assert argmax == seed.ARGMAX_POSITIONS
assert round(float(y[0, 0, 0, 0]), 4) == 0.2504 and seed.BIAS == 0

# %% [markdown]
# All three agree. The kernel was fitted to the first two, so that is only a consistency
# check; the positions of the maxima are a real one, since the fit never asked the maxima to
# win their windows.
#
# ## What to remember
#
# - The network: $x$ ($5\times5$) → convolution with a $2\times2$ kernel → $y$ ($4\times4$) →
#   $2\times2$ max-pool → $m$ ($2\times2$) → sigmoid → $a$ ($2\times2$) → FC → $h$ (2 numbers).
# - Each output of the convolution is one patch of the input times the kernel, summed:
#   $y_{i,j} = \sum_{p,q} w_{p,q}\, x_{i+p,\,j+q} + b$. No flip: a cross-correlation.
# - The max-pool keeps one cell of each window; which one it kept is exactly what its
#   backward pass will need.
# - cnnbp works in NCHW: one image is `(1, 1, 5, 5)`, one kernel `(1, 1, 2, 2)`.
#
# ## Exercises
#
# **1.** Compute $y_{0,1}$ by hand from the kernel $w = \begin{pmatrix} -0.13 & 0.1449 \\
# -0.5341 & 0.6452 \end{pmatrix}$ (four decimals) and the input.
#
# <details>
# <summary>Solution</summary>
#
# The patch of $y_{0,1}$ starts at input cell $(0, 1)$: $x_{0,1} = 0.90$, $x_{0,2} = 0.88$,
# $x_{1,1} = 0.62$, $x_{1,2} = 0.22$. So
# $y_{0,1} = (-0.13)(0.90) + (0.1449)(0.88) + (-0.5341)(0.62) + (0.6452)(0.22)
# = -0.1170 + 0.1275 - 0.3311 + 0.1419 = -0.1787$, the value in the second cell of $y$ above.
#
# </details>
#
# **2.** Feed the same layers a $7\times7$ image instead. What are the shapes of $y$, $m$ and
# $a$, and what shape must $V$ have?
#
# <details>
# <summary>Solution</summary>
#
# $y$ is $(7-2+1)\times(7-2+1) = 6\times6$; the max-pool halves it to $m$, $3\times3$; the
# sigmoid keeps the shape, so $a$ is $3\times3$ too. Flattened, $a$ has 9 values, so $V$ must
# be $2\times9$ (two outputs, nine inputs): the FC layer is the one layer tied to the image
# size.
#
# </details>
#
# **3.** How many outputs of the convolution does input cell $x_{2,3}$ take part in? And the
# corner $x_{0,0}$?
#
# <details>
# <summary>Solution</summary>
#
# $x_{2,3}$ lies in the patches that start at $(1, 2)$, $(1, 3)$, $(2, 2)$ and $(2, 3)$: four
# outputs, one through each kernel weight. The corner lies only in the patch of $y_{0,0}$:
# one output. Every inner cell of the $5\times5$ input feeds four outputs, every edge cell
# two and every corner one. On the backward pass, the gradient of an input cell will collect
# one share from each output it fed.
#
# </details>

# %% tags=["remove-cell"]
# Exercise 1: the kernel as typed, the four products and their sum.
assert np.array_equal(w.round(4), [[-0.13, 0.1449], [-0.5341, 0.6452]])
assert [x[0, 1], x[0, 2], x[1, 1], x[1, 2]] == [0.90, 0.88, 0.62, 0.22]
products = w.round(4) * x[0:2, 1:3]  # the kernel as the exercise types it
assert np.array_equal(
    products.round(4).ravel(), [-0.1170, 0.1275, -0.3311, 0.1419]
)
assert (
    round(float(products.sum()), 4)
    == round(float(y[0, 0, 0, 1]), 4)
    == -0.1787
)
# Exercise 2: the shapes, from cnnbp itself.
x7 = np.random.default_rng(0).random((1, 1, 7, 7))
m7 = cnnbp.max_pool2d(cnnbp.conv2d(x7, w[None, None]), 2)
assert cnnbp.conv2d(x7, w[None, None]).shape[2:] == (6, 6) and m7.shape[
    2:
] == (3, 3)
assert cnnbp.linear(
    cnnbp.sigmoid(m7).reshape(1, -1), np.ones((2, 9))
).shape == (1, 2)
# Exercise 3: how many outputs each input cell feeds (conv2d_terms).
terms = cnnbp.conv2d_terms((5, 5), (2, 2))
fed = np.zeros((5, 5), dtype=int)
np.add.at(fed, (terms[:, 4], terms[:, 5]), 1)
assert fed[2, 3] == 4 and fed[0, 0] == 1
starts = {(int(i), int(j)) for i, j, *_, u, v in terms if (u, v) == (2, 3)}
assert starts == {(1, 2), (1, 3), (2, 2), (2, 3)}
assert (fed[1:4, 1:4] == 4).all() and fed[0, 1:4].tolist() == [2, 2, 2]
assert fed[[0, 0, 4, 4], [0, 4, 0, 4]].tolist() == [1, 1, 1, 1]
