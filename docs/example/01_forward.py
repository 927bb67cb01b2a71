# %% [markdown]
# # The network and the forward pass
#
# This part of the site follows one small network from start to finish: the one in the Data
# Science Stack Exchange question "back propagation in CNN" (koryakinp, 2018), together with the
# answer it received. The question worked through the backward pass by hand and then asked how to
# update the kernel, what to do with an earlier convolution layer, and whether the calculation was
# right. Over six pages every number of the question and the answer is recomputed with cnnbp and
# each of those questions gets an answer that the page checks numerically.
#
# This first page sets the stage: the network, the one piece of it the question lost (the kernel),
# and the forward pass with every intermediate map.
#
# ## The network
#
# One $5\times5$ single-channel input goes through
#
# 1. a convolution with one $2\times2$ kernel, stride 1, no padding: a $4\times4$ map;
# 2. a $2\times2$ max-pool with stride 2: a $2\times2$ map;
# 3. the logistic sigmoid, element-wise;
# 4. a fully connected layer with two neurons, $H_1$ and $H_2$, fed by the four sigmoid outputs;
# 5. an output layer, which the question never describes. It does not need to: it hands the
#    backward pass two numbers, $\delta_{H_1}$ and $\delta_{H_2}$, and that is where the question
#    (and [page 2](../02_fc_sigmoid/)) starts.
#
# Everything the question states is stored in `cnnbp.seed`, labelled GIVEN, and everything this
# project had to infer is labelled INFERRED.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import cnnbp
from cnnbp import seed
from cnnbp.viz import show_markdown, show_matrices, show_matrix, show_pipeline

o = np.array(seed.INPUT)  # (5, 5): the input, called o in the answer
print("input o =\n", o)

# %% [markdown]
# ## The forward pass
#
# With the kernel in hand, the forward pass is four calls to cnnbp. Arrays are NCHW
# (batch, channel, height, width), so the single $5\times5$ image is `o[None, None]`, of shape
# `(1, 1, 5, 5)`, and the kernel is `(C_out, C_in, kh, kw) = (1, 1, 2, 2)`.

# %%
w = np.array(seed.KERNEL)  # (2, 2)
b = np.array([seed.BIAS])  # one bias per output channel: here 0
x = cnnbp.conv2d(o[None, None], w[None, None], b)  # (1, 1, 4, 4)
pooled = cnnbp.max_pool2d(x, size=2, stride=2)  # (1, 1, 2, 2)
s = cnnbp.sigmoid(pooled)  # (1, 1, 2, 2)
h = cnnbp.linear(s.reshape(1, 4), seed.FC_WEIGHTS)  # (1, 2): net inputs of H1, H2, no FC bias
show_markdown(
    "| step | output shape |\n|---|---|\n"
    + "\n".join(f"| {name} | `{a.shape}` |" for name, a in [
        ("input", o[None, None]), ("conv 2x2, stride 1", x), ("max-pool 2x2, stride 2", pooled),
        ("sigmoid", s), ("FC, 2 neurons", h)])
)
fw = seed.forward_pass()  # the same pass, as the package's reference runs it
assert np.array_equal(fw.x, x[0, 0]) and np.array_equal(fw.h, h[0])

# %% [markdown]
# The reconstructed kernel reproduces what the question states. The top-left output rounds to
# $0.25$, each window's maximum sits where the answer's map says, and the four sigmoid outputs
# round to the printed ones:

# %%
x00 = x[0, 0, 0, 0]
assert round(float(x00), 2) == seed.X00 == 0.25
assert np.isclose(x00, np.sum(w * o[:2, :2]) + b[0])  # the formula above, first window
assert seed.window_argmax(x[0, 0]) == seed.ARGMAX_POSITIONS
assert np.array_equal(np.round(s[0, 0], 2), seed.SIGMOID_OUTPUTS)
print(f"x00 = {x00:.4f} (printed: 0.25)")
print("sigmoid outputs:\n", s[0, 0].round(4), "\nrounded:\n", np.round(s[0, 0], 2))

# %% [markdown]
# The fit was only asked to match the *values* at the five positions, not to make the four
# argmax cells the largest of their windows. That they come out as maxima is a genuine check, and
# the margins over each window's runner-up are comfortable: larger than the uncertainty that
# two-decimal rounding leaves on a pooled value, $0.005 / (s(1-s))$ in units of $x$.

# %%
slack = 0.005 / (seed.SIGMOID_OUTPUTS * (1 - seed.SIGMOID_OUTPUTS))  # (2, 2), in x units
gaps = []
for k, (i, j) in enumerate(seed.ARGMAX_POSITIONS):
    r, c = 2 * (k // 2), 2 * (k % 2)
    window = np.sort(x[0, 0, r : r + 2, c : c + 2].ravel())
    gaps.append(window[-1] - window[-2])
    print(f"window {k // 2 + 1}{k % 2 + 1}: max x[{i},{j}] = {window[-1]:.3f}, "
          f"runner-up {window[-2]:.3f}, gap {gaps[-1]:.3f}, rounding slack {slack.flat[k]:.3f}")
assert min(gaps) > slack.max()
assert np.all(np.abs(slack - 0.02) < 0.003)  # the "about 0.02" of the table above

# %% [markdown]
# ### How one output is made
#
# The first output, $x_{00}$, is the kernel laid on the top-left $2\times2$ patch of the input,
# multiplied cell by cell and summed (plus the bias, here 0). Sliding the kernel one step right or
# down gives the next output; sixteen positions give the $4\times4$ map.

# %%
patch = np.zeros((5, 5), dtype=bool)
patch[:2, :2] = True
first = np.zeros((4, 4), dtype=bool)
first[0, 0] = True
terms = w * o[:2, :2]
# A grid sized to the page's width, so that the cell labels stay readable.
fig, axes = plt.subplots(1, 4, figsize=(8.6, 2.9), gridspec_kw={"width_ratios": [5, 2, 2, 4]})
for ax, a, title, mark in zip(
    axes,
    [o, w, terms, x[0, 0]],
    ["input $o$ (patch outlined)", "kernel $w$", "$w_{mn}\\, o_{mn}$", f"$x$: sum = {x00:.3f}"],
    [patch, None, None, first],
    strict=True,
):
    show_matrix(a, ax, title=title, fmt="{:.3f}", mark=mark)
fig.tight_layout()
plt.show()
print(" + ".join(f"({wi:.4f})({oi:.2f})" for wi, oi in zip(w.ravel(), o[:2, :2].ravel(), strict=True)),
      f"= {terms.sum():.4f}")

# %% [markdown]
# ### The whole pipeline
#
# Every intermediate map, in order, in two rows: the second starts from the pooled map that
# ends the first. The outlined cells of the convolution output are the window
# maxima that the max-pool keeps; the sigmoid outputs are then flattened in row-major order
# $(s_{11}, s_{12}, s_{21}, s_{22})$ and fed to the two FC neurons. The values of $H_1$ and
# $H_2$ shown assume no FC bias: the question gives none, and the backward pass does not need one.

# %%
maxima = np.zeros((4, 4), dtype=bool)
for i, j in seed.ARGMAX_POSITIONS:
    maxima[i, j] = True
# Two rows, so that the labels stay readable at the page's width.
fig, axes = show_pipeline(
    [o, x[0, 0], pooled[0, 0]],
    ["input $o$", "conv output $x$", "pooled $p$"],
    ["conv $2\\times2$\nstride 1", "max-pool\n$2\\times2$\nstride 2"],
    marks=[None, maxima, None],
    size=0.55,
)
plt.show()
fig, axes = show_pipeline(
    [pooled[0, 0], s[0, 0], s.reshape(4, 1), h.reshape(2, 1)],
    ["pooled $p$", "$s = \\sigma(p)$", "flattened", "$H_1, H_2$"],
    ["sigmoid", "flatten", "FC\n2 neurons"],
    size=0.55,
)
plt.show()

# %% [markdown]
# A larger view of the step the backward pass will have to undo: the $4\times4$ map with the four
# windows, the kept maxima outlined, and what survives the pool and the sigmoid.

# %%
fig, axes = show_matrices(
    [x[0, 0], pooled[0, 0], s[0, 0]],
    ["conv output $x$ (maxima outlined)", "pooled $p$", "sigmoid $s$"],
    fmt="{:.3f}", marks=[maxima, None, None], size=0.8,
)
axes[0].axhline(1.5, color="0.3", lw=2, ls="--")  # borders of the four pooling windows
axes[0].axvline(1.5, color="0.3", lw=2, ls="--")
plt.show()
assert np.array_equal(pooled[0, 0], x[0, 0][tuple(np.array(seed.ARGMAX_POSITIONS).T)].reshape(2, 2))

# %% [markdown]
# ## What to remember
#
# - The network: $5\times5$ input, $2\times2$ convolution (stride 1) to $4\times4$, $2\times2$
#   max-pool (stride 2) to $2\times2$, sigmoid, two FC neurons, an output layer that the
#   backward pass sees only through $\delta_{H_1}, \delta_{H_2}$.
# - The question's kernel was lost; the text gives $w_{00}$, $x_{00}$, the rounded sigmoid outputs
#   and, through the answer's delta map, the positions of the maxima. A weighted least-squares fit
#   with no bias reproduces all of them; it is an estimate, used to run the network, while the
#   checks of the question's arithmetic use the question's own numbers.
# - In cnnbp a single image is NCHW `(1, 1, 5, 5)` and the kernel `(1, 1, 2, 2)`; convolution is
#   cross-correlation ($x_{ij} = \sum_{m,n} w_{mn}\, o_{i+m,\,j+n} + b$), as in PyTorch.
# - The max-pool keeps one cell per window; which cell it kept is exactly what its backward pass
#   needs to remember ([page 3](../03_maxpool/)).
