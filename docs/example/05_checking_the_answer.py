# %% [markdown]
# # Checking the answer
#
# **What you will learn:** how to test any gradient formula by measuring slopes of the loss,
# which of seven common SciPy spellings of the kernel gradient are right (the comment's double
# rotation among them), where a 180° rotation really belongs, and the verdict on every
# question the thread asked. Letters as on the [notation](../../notation/) page.

# %% tags=["remove-cell"]
# %matplotlib inline
import matplotlib.pyplot as plt

from cnnbp.viz import setup, show_dx_sources, show_grids, show_table

setup()

# %%
import numpy as np
from scipy import signal

import cnnbp
from cnnbp import seed

# %% [markdown]
# ## The idea: a gradient is a slope, so measure it
#
# Each entry of $\partial L/\partial w$ claims how fast the loss changes when one weight is
# nudged. That can be measured without any derivation: nudge the weight by $\pm\varepsilon$,
# recompute the loss, divide the change by $2\varepsilon$. This **central difference** is
# slow, one pair of forward passes per weight, but it knows nothing of the algebra, so it can
# judge any formula. Below, each panel nudges one weight of the kernel; the black line is the
# loss actually measured, the dashed line the slope that the right formula predicts, the red
# line the slope that a plausible wrong one (the swapped correlation of the next sections)
# predicts.

# %% tags=["remove-input"]
x_, dy_, w_ = seed.INPUT, seed.DELTA_MAP, np.array(seed.KERNEL)


def loss_(
    k,
):  # the loss near this point, with the answer's delta map held fixed
    return float(
        np.sum(dy_ * cnnbp.conv2d(x_[None, None], k[None, None])[0, 0])
    )


right_ = signal.correlate2d(x_, dy_, "valid")
wrong_ = signal.correlate2d(dy_, x_, "valid")
t = np.linspace(-1, 1, 5)
fig, axes = plt.subplots(1, 4, figsize=(8, 2.6), sharey=True)
for ax, (p, q) in zip(axes, np.ndindex(2, 2), strict=True):
    bumped = [
        loss_(w_ + s * np.eye(4)[2 * p + q].reshape(2, 2)) - loss_(w_)
        for s in t
    ]
    ax.plot(t, bumped, "k-", lw=3, label="measured")
    ax.plot(
        t,
        right_[p, q] * t,
        "--",
        color="#1e88e5",
        lw=2,
        label="right formula",
    )
    ax.plot(
        t,
        wrong_[p, q] * t,
        ":",
        color="#c2185b",
        lw=2.5,
        label="swapped correlation",
    )
    ax.set_title(f"nudge $w_{{{p},{q}}}$", fontsize=11)
    ax.set_xlabel("nudge", fontsize=10)
    ax.axhline(0, color="0.85", lw=1, zorder=0)
axes[0].set_ylabel("change of $L$", fontsize=10)
fig.legend(
    *axes[0].get_legend_handles_labels(),
    loc="lower center",
    ncol=3,
    fontsize=10,
    frameon=False,
    bbox_to_anchor=(0.5, -0.06),
)
fig.tight_layout(rect=(0, 0.08, 1, 1))
plt.show()

# %% [markdown]
# With $\delta^y$ held fixed the loss changes along a straight line, so the measured slope is
# exact up to rounding; the right formula lies on it, the wrong one does not, in all four
# panels, although its numbers have the right size and sign.
#
# ## The derivation: which spellings flip, and why
#
# [Page 4](../04_kernel_gradient/) derived
# $\partial L/\partial w_{p,q} = \sum_{i,j} x_{p+i,\,q+j}\, \delta^y_{i,j}$. SciPy has two
# functions for this kind of sum, and they differ in one index. In `'valid'` mode, with a
# second argument $k$ of size $K\times K'$,
#
# $$
# \operatorname{correlate}(a, k)_{p,q} = \sum_{i,j} a_{p+i,\,q+j}\, k_{i,j}, \qquad
# \operatorname{convolve}(a, k)_{p,q} = \sum_{i,j} a_{p+i,\,q+j}\, k_{K-1-i,\,K'-1-j} :
# $$
#
# convolution is correlation with the second argument turned by 180°. So the kernel gradient
# is `correlate2d(x, dy, 'valid')`, with no flip at all. Written as a convolution, $\delta^y$
# has to be turned by 180° *before* the convolution turns it back, and the two turns cancel.
# Two quarter turns, `np.rot90(np.rot90(dy))`, are one half turn: that is the comment's line.
# (It also puts `dy` first. Convolution is commutative, so the order does not matter there,
# and SciPy swaps the arguments itself in `'valid'` mode when the first is the smaller one.)
#
# Correlation is *not* commutative. Swapping its arguments mirrors the offsets, so
# $\operatorname{correlate}(\delta^y, x) = \operatorname{rot180}(\operatorname{correlate}(x,
# \delta^y))$: the right four numbers in the wrong places, the gradients of $w_{0,0}$ and
# $w_{1,1}$ traded, and those of $w_{0,1}$ and $w_{1,0}$. That is the red line above.


# %% tags=["remove-cell"]
def rot180(a):
    return np.rot90(a, 2)


assert np.allclose(
    signal.convolve2d(x_, dy_, "valid"),
    signal.correlate2d(x_, rot180(dy_), "valid"),
)
assert np.allclose(
    signal.convolve2d(rot180(dy_), x_, "valid"),
    signal.convolve2d(x_, rot180(dy_), "valid"),
)
assert np.allclose(wrong_, rot180(right_)) and not np.allclose(
    wrong_, right_
)
assert np.allclose(np.rot90(np.rot90(dy_)), rot180(dy_))
assert np.allclose(rot180(rot180(dy_)), dy_)
assert np.isclose(wrong_[0, 0], right_[1, 1]) and np.isclose(
    wrong_[0, 1], right_[1, 0]
)

# %% [markdown]
# ## The numbers: seven spellings, judged
#
# Seven expressions that people write for the kernel gradient, run on the question's input
# and the answer's delta map. The copy of the thread this project works from keeps the
# answer's arrays and its printed result, but not the line that computed it; the first
# expression is the plainest one that prints exactly that result. The second is the comment's
# line (with this site's names for the arrays). The judge is the central difference; the
# table numbers the spellings in the order of the list.

# %%
x = np.array(seed.INPUT)  # (5, 5)
dy = np.array(seed.DELTA_MAP)  # (4, 4): the answer's map
spellings = [
    "signal.correlate2d(x, dy, 'valid')",  # 1
    "signal.convolve2d(np.rot90(np.rot90(dy)), x, 'valid')",  # 2
    "signal.convolve2d(x, np.rot90(dy, 2), 'valid')",  # 3
    "signal.convolve2d(x, dy, 'valid')",  # 4
    "signal.correlate2d(dy, x, 'valid')",  # 5
    "signal.convolve2d(x, np.rot90(dy), 'valid')",  # 6
    "signal.correlate2d(x, np.rot90(dy, 2), 'valid')",  # 7
]
results = [eval(s) for s in spellings]


def loss(w):  # the loss near this point, with dy held fixed
    return np.sum(dy * cnnbp.conv2d(x[None, None], w[None, None])[0, 0])


measured = cnnbp.numerical_gradient(loss, np.array(seed.KERNEL))
errors = [cnnbp.relative_error(g, measured) for g in results]

# %% tags=["remove-input"]
what = [
    "the plain correlation",
    "the comment's line",
    "flip, then convolve",
    "convolve, no flip",
    "correlate, swapped",
    "one quarter turn",
    "flip, then correlate",
]
right = [e < 1e-8 for e in errors]
verdicts = ["right" if r else "**wrong**" for r in right]
show_table(
    zip(range(1, 8), what, errors, verdicts, strict=True),
    ["", "the spelling", "relative error", "verdict"],
    fmt=["{}", "{}", "{:.1g}", "{}"],
)

# %% tags=["remove-cell"]
assert len(spellings) == 7 and right == [
    True,
    True,
    True,
    False,
    False,
    False,
    False,
]
assert np.allclose(
    results[0], [[0.044606, 0.094061], [0.011262, 0.068288]], atol=5e-7
)
assert np.allclose(results[0], results[1], rtol=1e-12) and np.allclose(
    wrong_, results[4]
)
assert all(e > 1e-2 for e in errors[3:])

# %% [markdown]
# The first three are right: they are the same numbers. Every wrong one multiplies the same
# deltas with cells of the same input, only paired by the wrong offsets, so its values have
# the right size and sign and look plausible; the swapped correlation even prints the right
# four numbers, in the wrong places. Side by side, on one colour scale:

# %% tags=["remove-input"]
show_grids(
    [measured, *results],
    ["measured"]
    + [
        f"{n}. {w}\n{'right' if r else 'WRONG'}"
        for n, (w, r) in enumerate(zip(what, right, strict=True), start=1)
    ],
    ncols=4,
    fmt="{:.4f}",
    cell=0.72,
    fontsize=10,
)
plt.show()

# %% [markdown]
# **Is the answer's code right? Yes**, and so is the comment's line: both compute
# $x \star \delta^y$.
#
# ## Where the 180° turn does belong
#
# The rotation that so many derivations mention belongs to a *different* gradient: the delta
# handed to the layer below, $\delta^x$, which the question asks about when it wonders what an
# earlier convolution layer would use. Input cell $x_{u,v}$ met the kernel weight
# $w_{u-i,\,v-j}$ at output $(i, j)$, so
#
# $$
# \delta^x_{u,v} = \sum_{i,j} \delta^y_{i,j}\, w_{u-i,\,v-j} :
# $$
#
# a *full* convolution of $\delta^y$ with $w$ (full: every overlap, so the result is
# $5\times5$, the input's shape), or equally a full correlation with the kernel turned by
# 180°. The rotation is just the solution of $i + p = u$ for $p$.

# %%
w = np.array(seed.KERNEL)  # (2, 2)
dx = cnnbp.conv2d_backward(dy[None, None], x[None, None], w[None, None])[0]
print(dx[0, 0])
full = signal.convolve2d(dy, w, "full")  # (5, 5)
print("SciPy's full convolution agrees:", np.allclose(full, dx[0, 0]))

# %% tags=["remove-cell"]
dx = dx[0, 0]
assert np.allclose(signal.convolve2d(dy, w, "full"), dx)
assert np.allclose(signal.correlate2d(dy, rot180(w), "full"), dx)
assert np.allclose(
    cnnbp.delta_full_conv(dy[None, None], w[None, None], (1, 1, 5, 5)), dx
)
err_dx = cnnbp.check_gradient(
    lambda v: np.sum(
        dy * cnnbp.conv2d(v[None, None], w[None, None])[0, 0]
    ),
    x.copy(),
    dx,
    name="dx",
)
assert err_dx < 1e-8 and dx.shape == (5, 5)

# %% [markdown]
# cnnbp's backward pass and SciPy's full convolution agree (and so do cnnbp's
# `delta_full_conv` and a full correlation with the rotated kernel, and central differences).
# Two of its cells, drawn: each collects the deltas of the outputs whose window covered it,
# each times the weight that met it there. In the left panel the labels read $w_{1,1}, w_{1,0}$
# over $w_{0,1}, w_{0,0}$: the kernel turned by 180°, because the output further up and to the
# left met the cell with the weight further down and to the right.

# %% tags=["remove-input"]
fig, axes = show_dx_sources(
    dy, w, (5, 5), [(1, 2), (3, 4)], fmt="{:.4f}", size=0.72, note_size=8
)
plt.show()

# %% tags=["remove-cell"]
assert np.isclose(
    dx[1, 2],
    dy[0, 1] * w[1, 1]
    + dy[0, 2] * w[1, 0]
    + dy[1, 1] * w[0, 1]
    + dy[1, 2] * w[0, 0],
)

# %% [markdown]
# That $5\times5$ map is what an earlier convolution layer receives (times the slope of its
# activation, if it has one), and from it that layer computes its own kernel gradient exactly
# as [page 4](../04_kernel_gradient/) does; [Stacked convolutions](../../beyond/01_stacked/)
# works it through. So there are two rules, easy to mix up: the kernel gradient correlates the
# *input* with $\delta^y$ and never flips; the input gradient convolves $\delta^y$ with the
# *kernel*, and that is where the 180° turn lives.
#
# ## A check of the whole chain
#
# Last, the complete backward pass, from $\delta^h$ through the FC layer, the sigmoid and the
# max-pool to the kernel, against central differences of the network itself: the loss is
# taken as $\sum_j \delta^h_j h_j$, with $h$ from a full forward pass for every nudged kernel.
# Here the backward pass uses the network's own sigmoid outputs, not the question's
# two-decimal ones.

# %% tags=["hide-input"]
fw = seed.forward_pass()
dh = np.array(seed.DELTA_H)
V = np.array(seed.FC_WEIGHTS)
da = cnnbp.linear_backward(dh[None], fw.a.reshape(1, 4), V)[0]
dm = cnnbp.sigmoid_backward(da.reshape(2, 2), fw.a)
dy_net = cnnbp.max_pool2d_backward(dm[None, None], fw.y[None, None], 2)
_, dw_net, _ = cnnbp.conv2d_backward(dy_net, x[None, None], w[None, None])
dw_net = dw_net[0, 0]


def loss_net(k):  # sum of dh times h, h from a full forward pass
    return float(dh @ seed.forward_pass(kernel=k).h)


err_chain = cnnbp.check_gradient(loss_net, w.copy(), dw_net, name="dw")
print(f"whole chain against central differences: error {err_chain:.0e}")

# %% tags=["remove-cell"]
assert err_chain < 1e-8
# How close the answer's printed gradient is: the appendix measures it.
assert cnnbp.relative_error(results[0], dw_net) < 1e-2

# %% [markdown]
# The chain rule and the measurement agree. The answer's printed gradient differs a little
# from this one, because the question rounded its sigmoid outputs and the answer its deltas;
# the [appendix](../../appendix/01_the_numbers/) measures by how much.
#
# ## The verdicts
#
# Every question the thread asked, answered:
#
# | question | answer | where |
# |---|---|---|
# | Is the calculation correct? | **Yes.** The deltas, the map behind the max-pool and the kernel gradient all pass their checks. | pages [2](../02_fc_sigmoid/), [3](../03_maxpool/), [4](../04_kernel_gradient/) |
# | How do I update the kernel weights? | $\partial L/\partial w = x \star \delta^y$, then $w \leftarrow w - \eta\,\partial L/\partial w$. | [page 4](../04_kernel_gradient/) |
# | What would an earlier convolution layer use? | $\delta^x$, the full convolution of $\delta^y$ with $w$, times its activation's slope; then the same kernel rule. | this page, [Stacked convolutions](../../beyond/01_stacked/) |
# | And with several channels? (a comment) | $\partial L/\partial w$ has the kernel's shape $(C_\text{out}, C_\text{in}, k_h, k_w)$; slice $(o, c)$ is $x_c \star \delta^y_o$, summed over the batch. | [Channels and batches](../../beyond/02_channels/) |
# | Is the comment's `convolve2d(rot90(rot90(dy)), x, 'valid')` right? | **Yes**: two quarter turns are one half turn, which the convolution undoes. | this page |
# | Should the answer's code be checked? (a comment) | Checked: it prints the right gradient. | this page |
# | Anything to change? | The bias: one per output channel, with gradient $\sum \delta^y$, not one per position. | [page 4](../04_kernel_gradient/) |

# %% tags=["remove-cell"]
# The channels verdict, on random arrays: the shape (C_out, C_in, kh, kw)
# and the per-slice rule.
rng = np.random.default_rng(5)
xc, wc = (
    rng.standard_normal((2, 3, 6, 5)),
    rng.standard_normal((4, 3, 2, 2)),
)
dyc = rng.standard_normal(cnnbp.conv2d(xc, wc).shape)
dwc = cnnbp.conv2d_backward(dyc, xc, wc)[1]
assert dwc.shape == (4, 3, 2, 2)
for o, c in np.ndindex(4, 3):
    slice_oc = sum(
        signal.correlate2d(xc[n, c], dyc[n, o], "valid") for n in range(2)
    )
    assert np.allclose(dwc[o, c], slice_oc)

# %% [markdown]
# ## What to remember
#
# - Trust a gradient formula only after comparing it with central differences of the loss it
#   claims to differentiate: wrong offsets give plausible-looking numbers.
# - Kernel gradient: `correlate2d(x, dy, 'valid')`. Written with `convolve2d`, `dy` must be
#   turned by 180° first; the two turns cancel. The comment's line does exactly that.
# - Correlation does not commute: swapping its arguments turns the result by 180°.
# - The 180° turn of the *kernel* belongs to the delta for the layer below, a full
#   convolution, not to the kernel gradient.
#
# ## Exercises
#
# **1.** The swapped correlation `correlate2d(dy, x, 'valid')` prints the right numbers in the
# wrong places. Which entry of the true gradient does it print at position $(0, 0)$?
#
# <details>
# <summary>Solution</summary>
#
# Swapping the arguments turns the result by 180°, so position $(0, 0)$ holds the true
# $\partial L/\partial w_{1,1} = 0.068288$, and position $(1, 1)$ holds
# $\partial L/\partial w_{0,0} = 0.044606$.
#
# </details>
#
# **2.** Central differences usually carry an error of order $\varepsilon^2$. Why does the
# check on this page agree to about $10^{-11}$, whatever $\varepsilon$ is?
#
# <details>
# <summary>Solution</summary>
#
# With $\delta^y$ held fixed, the loss $\sum_{i,j}\delta^y_{i,j}\, y_{i,j}$ is *linear* in $w$,
# as the straight lines of the first figure show. A central difference of a linear function is
# its slope exactly, for any step; only floating-point rounding remains. Even a step of
# $\varepsilon = 0.5$ gives the same gradient to about $10^{-11}$. The
# [gradient-checking page](../../beyond/05_gradient_checking/) shows what happens when the
# loss is curved.
#
# </details>
#
# **3.** Compute $\delta^x_{3,4}$ by hand from the answer's map.
#
# <details>
# <summary>Solution</summary>
#
# Input cell $(3, 4)$ met weight $(p, q)$ at output $(3-p, 4-q)$. Column $4 - 0 = 4$ is outside
# the $4\times4$ output, so only $q = 1$ counts, with the outputs $(3, 3)$ (via $w_{0,1}$)
# and $(2, 3)$ (via $w_{1,1}$). $\delta^y_{2,3} = 0$, so
# $\delta^x_{3,4} = \delta^y_{3,3}\, w_{0,1} = -0.0681 \cdot 0.1449 = -0.0099$, the value in
# the right panel of the figure above.
#
# </details>

# %% tags=["remove-cell"]
# Exercise 1.
assert (
    np.isclose(results[4][0, 0], results[0][1, 1])
    and round(results[0][1, 1], 6) == 0.068288
)
assert (
    np.isclose(results[4][1, 1], results[0][0, 0])
    and round(results[0][0, 0], 6) == 0.044606
)
# Exercise 2: the same gradient with a huge step.
coarse = cnnbp.numerical_gradient(loss, np.array(seed.KERNEL), eps=0.5)
assert cnnbp.relative_error(coarse, measured) < 1e-10
assert 1e-13 < max(errors[:3]) < 1e-10
# Exercise 3.
links = [
    (int(i), int(j), int(p), int(q))
    for i, j, p, q, u, v in cnnbp.conv2d_terms((5, 5), (2, 2))
    if (u, v) == (3, 4)
]
assert sorted(links) == [(2, 3, 1, 1), (3, 3, 0, 1)]
assert (
    dy[2, 3] == 0 and dy[3, 3] == -0.0681 and round(w[0, 1], 4) == 0.1449
)
assert (
    np.isclose(dx[3, 4], dy[3, 3] * w[0, 1])
    and round(dx[3, 4], 4) == -0.0099
)
