# %% [markdown]
# # Stacked convolutions: the delta for the layer below
#
# **What you will learn:** how the delta of a convolution's output becomes the delta of its
# input, why the kernel shows up there turned by 180°, and how that answers the question's
# second follow-up: which numbers update the kernel of an *earlier* convolution layer.
# The letters are those of the [notation page](../../notation/).

# %% tags=["remove-cell"]
# %matplotlib inline
import matplotlib.pyplot as plt

from cnnbp import conv2d_terms
from cnnbp.viz import (
    setup,
    show_cell_readers,
    show_grids,
    show_markdown,
    show_table,
)

setup()

# %% [markdown]
# ## The idea: every input cell collects from the windows that read it
#
# Put a second convolution layer under the question's one. To train it we need the delta
# of its output, and everything above reaches it through one door: the input $x$ of the
# question's layer. So the job is to turn $\delta^y$, the $4\times4$ delta of the
# question's convolution output, into $\delta^x$, the $5\times5$ delta of its input.
#
# An input cell $x_{u,v}$ was read by several windows, by each through a different kernel
# tap. Nudge it, and every output whose window covers it moves, each by its own weight
# times the nudge. Its delta therefore adds one share per window: that output's delta times
# the tap that met the cell. In the picture, cell $x_{1,2}$ of the question's input is read
# by four outputs. Look at which tap each one uses: the output to the top-left uses the
# bottom-right tap $(1, 1)$, the one to the bottom-right uses $(0, 0)$. Seen from the
# input, the kernel is upside down and back to front.

# %%
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
    seed,
    sigmoid,
    sigmoid_backward,
)

# %% tags=["remove-input"]
fig, _ = show_cell_readers((5, 5), 2, (1, 2), w=seed.KERNEL,
                           dy=seed.DELTA_MAP)
plt.show()
terms = conv2d_terms((5, 5), 2)
readers_of_12 = terms[(terms[:, 4] == 1) & (terms[:, 5] == 2)]
# Four outputs read x[1, 2]; output (i, j) uses tap (1 - i, 2 - j).
assert len(readers_of_12) == 4
assert np.all(readers_of_12[:, 0] + readers_of_12[:, 2] == 1)
assert np.all(readers_of_12[:, 1] + readers_of_12[:, 3] == 2)

# %% [markdown]
# Under each tap is its weight, and under each output its delta (the answer's map). The
# delta of $x_{1,2}$ is the sum of the four products $\delta^y_{i,j}\, w_{p,q}$ over the coloured
# outputs; only two of those deltas are non-zero, because max-pooling left only four
# non-zero entries in the map.

# %% [markdown]
# ### Try it
#
# Point at a cell of $\delta^x$: the deltas and kernel taps it is made of light up. Each lit
# delta is labelled with the tap that multiplies it, and the labels run backwards,
# bottom-right to top-left: the kernel turned by 180°. Switch to the integer examples to see
# it with a $3\times3$ kernel, with stride 2 and with padding.

# %% tags=["remove-input"]
from cnnbp.viz import conv_explorer_data, show_explorer

presets = ["seed", dict(H=5, kh=3), dict(H=7, kh=3, stride=2),
           dict(H=5, kh=3, padding=1)]
show_explorer(conv_explorer_data(("w", "delta", "dx"), controls=False,
                                 presets=presets))

# %% [markdown]
# ## The derivation: where rot180 comes from
#
# The intuition in one line: $x_{u,v}$ reaches the loss only through the outputs that read
# it, so the chain rule adds one term per output. With stride 1 and no padding the layer
# computes $y_{i,j} = \sum_{p,q} w_{p,q}\, x_{i+p,\,j+q} + b$, hence
#
# $$
# \delta^x_{u,v} = \frac{\partial L}{\partial x_{u,v}}
#   = \sum_{i,j} \delta^y_{i,j}\, \frac{\partial y_{i,j}}{\partial x_{u,v}} ,
# $$
#
# $$
# \frac{\partial y_{i,j}}{\partial x_{u,v}}
#   = \sum_{p,q} w_{p,q}\, [\,i+p = u\,]\,[\,j+q = v\,] ,
# $$
#
# where $[\cdot]$ is 1 when the condition holds and 0 otherwise: a product contains
# $x_{u,v}$ only if its index $i+p,\ j+q$ lands on $(u, v)$. For each tap $(p, q)$ at most
# one output satisfies both conditions, the one at $i = u - p$, $j = v - q$, so the sum
# over outputs collapses (with $\delta^y_{i,j} := 0$ outside its $4\times4$ grid):
#
# $$
# \delta^x_{u,v} = \sum_{p,q} \delta^y_{u-p,\;v-q}\; w_{p,q} .
# $$
#
# The indices *subtract*: this is a convolution in the textbook sense ($\delta^y * w$),
# not the cross-correlation of the forward pass, and it is a **full** one, evaluated at all
# $5\times5$ positions, including those where the kernel only partly overlaps $\delta^y$.
#
# To compute it with the forward pass's own operation, a cross-correlation, turn the
# kernel around. Write $\operatorname{rot180}(w)_{p,q} = w_{k_h-1-p,\;k_w-1-q}$ and pad
# $\delta^y$ with $k-1$ zeros on every side, $\delta^\text{full}$ (notation page). Then
#
# $$
# \delta^x = \delta^\text{full} \star \operatorname{rot180}(w) ,
# $$
#
# a valid cross-correlation: the padded map is $4 + 2 = 6$ wide, the result
# $6 - 2 + 1 = 5$ wide, the size of $x$.
#
# **Where the rotation comes from.** Both gradients of a convolution come from the same
# sum $\sum_{p,q} w_{p,q}\, x_{i+p,\,j+q}$. For $\partial L/\partial w_{p,q}$ the tap is
# fixed and the sum runs over outputs; the indices *add* in $x_{i+p,\,j+q}$, a
# cross-correlation, so nothing turns. For $\delta^x_{u,v}$ the cell is fixed, and solving
# $i + p = u$ for the output gives $i = u - p$: the indices subtract, and a subtraction read
# as a correlation walks the kernel backwards. **The rotation is just solving
# $i + p = u$.**
#
# **Into the layer below.** If the input $x$ is the output $a^{(1)} = \sigma(y^{(1)})$ of
# an earlier convolution layer with a sigmoid, one more step goes through the activation,
# entry by entry (see [the FC and sigmoid page](../../example/02_fc_sigmoid/)):
#
# $$
# \delta^{y^{(1)}} = \delta^{x} \odot a^{(1)} \odot \big(1 - a^{(1)}\big) ,
# $$
#
# $$
# \frac{\partial L}{\partial w^{(1)}} = x^{(1)} \star \delta^{y^{(1)}} ,
# $$
#
# and the kernel gradient of the earlier layer is the same formula as for the question's
# layer: its own input correlated with its own delta, no rotation. A pooling layer in
# between would be routed through first, as the question does for max-pooling. With
# stride, padding and dilation the recipe gains two dilations and a crop:
# [stride, padding, dilation](../03_stride_padding_dilation/).

# %% [markdown]
# ## The numbers
#
# The question's layer, with the answer's $4\times4$ delta map. Three ways to get
# $\delta^x$, all from cnnbp: the input gradient of `conv2d_backward`, the full-convolution
# function `delta_full_conv`, and the recipe just derived (pad, rotate, correlate) spelled
# out with `conv2d`. (The kernel is the one the [appendix](../../appendix/01_the_numbers/)
# reconstructs, because the question's figure of it is lost.)

# %%
x = np.array(seed.INPUT)[None, None]        # (1, 1, 5, 5)
w = np.array(seed.KERNEL)[None, None]       # (1, 1, 2, 2)
dy = np.array(seed.DELTA_MAP)[None, None]   # (1, 1, 4, 4): answer's map

dx = conv2d_backward(dy, x, w)[0]
padded = np.pad(dy, ((0, 0), (0, 0), (1, 1), (1, 1)))   # k - 1 = 1 ring
dx_recipe = conv2d(padded, w[:, :, ::-1, ::-1])        # ⋆ rot180(w)

# %% tags=["remove-input"]
assert seed.KERNEL[0, 0] == -0.13         # the one weight the text gives
assert np.array_equal(seed.DELTA_H, [0.25, -0.15])
assert np.allclose(dx, delta_full_conv(dy, w, x.shape))
assert np.allclose(dx, dx_recipe)
fig, _ = show_grids(
    [padded[0, 0], w[0, 0, ::-1, ::-1], dx[0, 0]],
    [r"$\delta^\mathrm{full}$ ($\delta^y$ padded)",
     r"$\mathrm{rot180}(w)$", r"$\delta^x$ (cnnbp's dx)"],
    fmt="{:.3f}", scale=[0, 1, 0], arrows=[r"$\star$", None], ncols=2,
    cell=0.62,
)
plt.show()

# %% [markdown]
# The padded map and the result share one colour scale, so equal colours mean equal
# values.
# Cell $(1, 2)$ written out, with the four outputs of the first picture:

# %% tags=["remove-input"]
u, v = 1, 2
rows = [tuple(int(k) for k in r[:4]) for r in readers_of_12]  # i, j, p, q
value = sum(dy[0, 0, i, j] * w[0, 0, p, q] for i, j, p, q in rows)
symbols = " + ".join(f"\\delta^y_{{{i},{j}}} w_{{{p},{q}}}"
                     for i, j, p, q in rows)
products = [f"({dy[0, 0, i, j]:.4f})({w[0, 0, p, q]:.4f})"
            for i, j, p, q in rows]
show_markdown(
    "$$\\begin{aligned}"
    f"\\delta^x_{{{u},{v}}} &= {symbols} \\\\ "
    f"&= {' + '.join(products[:2])} \\\\ "
    f"&\\quad + {' + '.join(products[2:])} \\\\ "
    f"&= {value:.6f}"
    "\\end{aligned}$$"
)
assert np.isclose(value, dx[0, 0, u, v])
assert sum(dy[0, 0, i, j] != 0 for i, j, _, _ in rows) == 2   # "only two"
assert np.count_nonzero(dy) == 4
# Corner cells are read by one window, inner cells by four.
counts = np.bincount(terms[:, 4] * 5 + terms[:, 5])
assert counts[0] == counts[24] == 1 and counts[1 * 5 + 2] == 4

# %% [markdown]
# Through the activation. The question's $5\times5$ values all lie strictly between 0 and
# 1, as they would if they were the output of a sigmoid, so let the earlier layer end with
# one. Its derivative needs only its output, $a^{(1)} = x$, so $\delta^{y^{(1)}}$ follows
# from the question's numbers alone, before anything about the earlier layer is invented:

# %%
dy1 = sigmoid_backward(dx, x)     # δˣ ⊙ x (1 - x), since x = a⁽¹⁾

# %% tags=["remove-input"]
assert np.all((x > 0) & (x < 1))
assert np.allclose(dy1, dx * x * (1 - x))
fig, _ = show_grids(
    [dx[0, 0], (x * (1 - x))[0, 0], dy1[0, 0]],
    [r"$\delta^x$", r"$a^{(1)}(1 - a^{(1)})$", r"$\delta^{y^{(1)}}$"],
    fmt="{:.3f}", scale=[0, 1, 0], arrows=[r"$\odot$", None], ncols=2,
    cell=0.62,
)
plt.show()
assert np.max(x * (1 - x)) <= 0.25
assert np.all(np.abs(dy1) <= np.abs(dx) / 4)   # "at least fourfold"

# %% [markdown]
# The first and last panels share one colour scale, and the last is pale for a reason:
# $a(1-a)$ is at most $1/4$, so a sigmoid shrinks every delta that passes through it
# at least fourfold. Stacks of sigmoids shrink the delta layer after layer.
#
# ### An invented layer below, and the whole chain
#
# To get numbers for $\partial L/\partial w^{(1)}$ we need layer 1 itself, which the
# question never had. **Everything marked "invented" is made up for the demonstration:** a
# $2\times2$ kernel $w^{(1)}$, a bias $b^{(1)}$ and a $6\times6$ input $x^{(1)}$. The input
# is not random: it is chosen so that $\sigma(x^{(1)} \star w^{(1)} + b^{(1)})$ reproduces
# the question's $5\times5$ map *exactly*, so that everything above layer 1 is still the
# question's network. That is 25 equations (one per cell, after undoing the sigmoid) in 36
# unknowns; we take the smallest solution, with the matrix of the convolution from
# [the matrix view](../04_matrix_view/).

# %%
w1 = np.array([[[[0.8, -0.5], [0.3, 0.6]]]])   # invented
b1 = np.array([0.1])                           # invented
C1 = conv2d_matrix(w1, (6, 6))                 # y1 = C1 @ x1.ravel()
y1 = np.log(x / (1 - x)).reshape(-1)           # undo the sigmoid
x1 = np.linalg.pinv(C1) @ (y1 - b1)            # invented: the smallest
x1 = x1.reshape(1, 1, 6, 6)

# %% tags=["remove-input"]
assert C1.shape == (25, 36)                    # 25 equations, 36 unknowns
assert np.allclose(sigmoid(conv2d(x1, w1, b1)), x, atol=1e-12)
fig, _ = show_grids([x1[0, 0], w1[0, 0]],
                    [r"$x^{(1)}$ (invented)", r"$w^{(1)}$ (invented)"],
                    fmt="{:.2f}", scale="each", cell=0.62)
plt.show()

# %% [markdown]
# Now the whole network, from the invented input to the net inputs $h$ of the question's
# hidden neurons, with the question's FC weights $V$. The question gives the deltas there,
# $\delta^h = (0.25, -0.15)$, and nothing beyond, so the loss is stood in for by
# $L = \delta^h_1 h_1 + \delta^h_2 h_2$, whose gradient with respect to $h$ is exactly
# those two numbers. The backward pass is cnnbp's functions chained, one layer at a time, in
# the order of the derivation.

# %%
V, b2 = seed.FC_WEIGHTS, np.array([seed.BIAS])


def forward(x1, w1, b1, w, b2):
    a1 = sigmoid(conv2d(x1, w1, b1))     # = the question's 5x5 input
    y = conv2d(a1, w, b2)
    m = max_pool2d(y, 2)
    a = sigmoid(m)
    h = linear(a.reshape(1, 4), V)
    return a1, y, m, a, h


a1, y, m, a, h = forward(x1, w1, b1, w, b2)
dh = seed.DELTA_H[None]                                  # given
da = linear_backward(dh, a.reshape(1, 4), V)[0].reshape(a.shape)
dm = sigmoid_backward(da, a)
dy = max_pool2d_backward(dm, y, 2)                       # exact δʸ
dx, dw, db = conv2d_backward(dy, a1, w)
dy1 = sigmoid_backward(dx, a1)                           # δ^y⁽¹⁾
dx1, dw1, db1 = conv2d_backward(dy1, x1, w1)
print("dw1 =\n", dw1[0, 0])
print("db1 =", db1)

# %% tags=["remove-cell"]
assert np.allclose(dx, delta_full_conv(dy, w, a1.shape))   # rot180(w)
# The exact map agrees with the answer's rounded one, at the same places.
gap = float(np.max(np.abs(dy[0, 0] - seed.DELTA_MAP)))
assert gap < 5e-4
assert np.array_equal(dy[0, 0] != 0, seed.DELTA_MAP != 0)
# Every pooling window's maximum is clear of its runner-up, so the finite
# differences below never straddle a switch of the argmax.
windows = y[0, 0].reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)
top2 = np.sort(windows, axis=1)[:, -2:]
margin = float(np.min(top2[:, 1] - top2[:, 0]))
assert margin > 1e-3

# %% [markdown]
# Here $\delta^y$ is computed, not taken from the answer, and it has its non-zero entries
# at the answer's four positions (asserted). The check below does not depend on any of the
# derivation.
#
# ## Check
#
# Nudge every parameter of both layers, and every value of the invented input, both ways;
# recompute $L$ through the whole network; compare the slopes with the backward pass
# ([gradient checking](../05_gradient_checking/) explains the method). The invented input
# keeps every max-pooling window's maximum clear of its runner-up, so the nudges never
# change which entry wins:

# %% tags=["remove-input"]
show_markdown(f"The smallest gap between a window's maximum and its "
              f"runner-up is {margin:.3f}, far wider than the step of "
              f"$10^{{-6}}$.")

# %%
def loss(_):
    return float(np.sum(forward(x1, w1, b1, w, b2)[-1] * seed.DELTA_H))


errors = {
    "dw1": check_gradient(loss, w1, dw1, rtol=1e-6, name="dw1"),
    "db1": check_gradient(loss, b1, db1, rtol=1e-6, name="db1"),
    "dx1": check_gradient(loss, x1, dx1, rtol=1e-6, name="dx1"),
    "dw": check_gradient(loss, w, dw, rtol=1e-6, name="dw"),
    "db": check_gradient(loss, b2, db, rtol=1e-6, name="db"),
}

# %% tags=["remove-input"]
meaning = {
    "dw1": r"$\partial L/\partial w^{(1)}$, invented layer",
    "db1": r"$\partial L/\partial b^{(1)}$, invented layer",
    "dx1": r"$\delta^{x^{(1)}}$, invented input",
    "dw": r"$\partial L/\partial w$, the question's kernel",
    "db": r"$\partial L/\partial b$, the question's bias",
}
show_table([(f"`{k}`", meaning[k], e) for k, e in errors.items()],
           ["code", "gradient", "relative error"],
           fmt=["{}", "{}", "{:.1e}"])

# %% [markdown]
# `check_gradient` raises if a relative error exceeds the `rtol` it is given, $10^{-6}$
# here, so every row of the table passed.
#
# ## What to remember
#
# - The delta for the layer below is
#   $\delta^x_{u,v} = \sum_{p,q} \delta^y_{u-p,\,v-q}\, w_{p,q}$ with $\delta^y = 0$
#   outside its grid: a full convolution, computed as
#   $\delta^\text{full} \star \operatorname{rot180}(w)$.
# - Each input cell collects one share from every window that read it: that output's delta
#   times the tap that met the cell. Corner cells get one share, inner cells $k_h k_w$.
# - The rotation is just solving $i + p = u$ for $i$; the kernel gradient, where indices
#   add, has none.
# - Multiply by the activation's derivative to get the delta of the layer below
#   ($a(1-a)$ for a sigmoid), route through any pooling first, and that layer's kernel
#   gradient is again its input correlated with its delta.
#
# ## Exercises
#
# 1. Using the answer's map and the kernel above, compute $\delta^x_{4,4}$ by hand. How
#    many outputs read cell $(4, 4)$, and through which tap?
#
# <details>
# <summary>Solution</summary>
#
# Only output $(3, 3)$ reads the bottom-right corner, through the bottom-right tap
# $(1, 1)$, since $3 + 1 = 4$. So
# $\delta^x_{4,4} = \delta^y_{3,3}\, w_{1,1} = (-0.0681)(0.6452) = -0.0439$, which
# is also cnnbp's value.
#
# </details>
#
# 2. A layer has a $7\times7$ input and a $3\times3$ kernel (stride 1, no padding). How
#    large is $\delta^y$, how many rings of zeros does $\delta^\text{full}$ add, and how
#    large is it? How many outputs read the centre cell $(3, 3)$, and how many the corner
#    $(0, 0)$?
#
# <details>
# <summary>Solution</summary>
#
# $\delta^y$ is $5\times5$; $\delta^\text{full}$ adds $k - 1 = 2$ rings, so it is
# $9\times9$, and correlating it with the $3\times3$ rotated kernel gives
# $9 - 3 + 1 = 7$: the size of $x$. The centre cell is read by all $3 \cdot 3 = 9$ windows
# that contain it, the corner by one.
#
# </details>
#
# 3. Without computing $\delta^x$, say how many of its 25 entries are exactly zero for the
#    answer's map. (Hint: which cells does no window with a non-zero delta cover?)
#
# <details>
# <summary>Solution</summary>
#
# The four non-zero deltas sit at outputs $(0,2)$, $(1,1)$, $(2,1)$ and $(3,3)$; their
# windows cover the cells $\{0,1\}\times\{2,3\}$, $\{1,2\}\times\{1,2\}$,
# $\{2,3\}\times\{1,2\}$ and $\{3,4\}\times\{3,4\}$: 13 distinct cells. The other 12
# cells collect only zero deltas, so 12 entries are exactly zero (no two non-zero terms
# happen to cancel in the other 13).
#
# </details>

# %% tags=["remove-cell"]
# Exercise 1: one reader, through tap (1, 1); the product is cnnbp's value.
dx_map = conv2d_backward(seed.DELTA_MAP[None, None], x, w)[0][0, 0]
t = conv2d_terms((5, 5), 2)
assert t[(t[:, 4] == 4) & (t[:, 5] == 4)][:, :4].tolist() == [[3, 3, 1, 1]]
assert seed.DELTA_MAP[3, 3] == -0.0681
assert round(seed.KERNEL[1, 1], 4) == 0.6452
assert round(dx_map[4, 4], 4) == -0.0439
assert np.isclose(dx_map[4, 4], seed.DELTA_MAP[3, 3] * seed.KERNEL[1, 1])
# Exercise 2: sizes and reader counts for a 7x7 input and a 3x3 kernel.
dy7 = np.ones((1, 1, 5, 5))
w7 = np.ones((1, 1, 3, 3))
assert conv2d(np.zeros((1, 1, 7, 7)), w7).shape == dy7.shape
assert np.pad(dy7, ((0, 0), (0, 0), (2, 2), (2, 2))).shape[2:] == (9, 9)
assert delta_full_conv(dy7, w7, (1, 1, 7, 7)).shape[2:] == (7, 7)
t7 = conv2d_terms((7, 7), 3)
assert np.sum((t7[:, 4] == 3) & (t7[:, 5] == 3)) == 9
assert np.sum((t7[:, 4] == 0) & (t7[:, 5] == 0)) == 1
# Exercise 3: 13 covered cells, 12 exact zeros.
live = t[seed.DELTA_MAP[t[:, 0], t[:, 1]] != 0]
assert len({(int(u), int(v)) for u, v in live[:, 4:]}) == 13
assert np.sum(dx_map == 0) == 12
