# %% [markdown]
# # The kernel gradient and the update
#
# The [previous page](../03_maxpool/) ended with the $4\times4$ delta map: the gradient of the
# error with respect to every output of the convolution, zero except where a pooling window had
# its maximum. This page turns that map into the gradient of the four kernel weights and the
# bias, and takes one gradient-descent step.
#
# The numbers are those of the Data Science Stack Exchange question "back propagation in CNN"
# (koryakinp, 2018) and of its answer; they live in `cnnbp.seed`, and every one of them
# below is recomputed by `cnnbp` rather than copied.

# %%
# %matplotlib inline
import numpy as np

import cnnbp
import cnnbp.loops
from cnnbp import seed
from cnnbp.viz import show_dw_sources, show_markdown, show_matrices

o = np.array(seed.INPUT)  # the layer's input, 5x5
w = np.array(seed.KERNEL)  # the reconstructed 2x2 kernel (page 1)
d = np.array(seed.DELTA_MAP)  # the answer's 4x4 delta map, four decimals
print("o =\n", o, "\nw =\n", w.round(4), "\nd =\n", d)

# %% [markdown]
# ## From the index form to a sum over the output
#
# Call the layer's input $o$ ($5\times5$), its kernel $w$ ($2\times2$), its bias $b$ and its output $x$
# ($4\times4$). With stride 1 and no padding the forward pass is
#
# $$x_{ij} = \sum_{m=0}^{1} \sum_{n=0}^{1} w_{mn}\, o_{i+m,\, j+n} + b, \qquad i, j = 0, \dots, 3 .$$
#
# The error $E$ depends on a given weight $w_{m'n'}$ only through the sixteen outputs
# $x_{ij}$, and every one of them uses that weight (the kernel is shared). Write
# $\Delta_{ij} = \partial E / \partial x_{ij}$ for the entries of the $4\times4$ delta map. The
# capital letter keeps them apart from the four window deltas $\delta_{11}, \dots, \delta_{22}$
# of the previous pages: the map holds those four at the window maxima and zeros elsewhere. The
# chain rule sums over all sixteen outputs:
#
# $$\frac{\partial E}{\partial w_{m'n'}} = \sum_{i=0}^{3}\sum_{j=0}^{3} \Delta_{ij}\,
# \frac{\partial x_{ij}}{\partial w_{m'n'}} .$$
#
# In the double sum that defines $x_{ij}$, only the term with $m = m'$ and $n = n'$ contains
# $w_{m'n'}$, and its coefficient is $o_{i+m',\, j+n'}$. So
#
# $$\frac{\partial E}{\partial w_{m'n'}} = \sum_{i=0}^{3}\sum_{j=0}^{3}
# \Delta_{ij}\, o_{i+m',\, j+n'} .$$
#
# Read it next to the forward pass. There, a $2\times2$ window of weights slides over $o$ and the
# offset $(i, j)$ names the output. Here, the $4\times4$ delta map slides over $o$ and the offset
# $(m', n')$ names the weight. Both are the same operation, a *valid cross-correlation*: the
# kernel gradient is the cross-correlation of the layer's input with the delta map,
# $\partial E / \partial w = o \star \Delta$, and its shape is
# $(5 - 4 + 1) \times (5 - 4 + 1) = 2 \times 2$, the kernel's. The index is $i + m'$ in both
# formulas, so nothing is flipped.

# %% [markdown]
# ## The answer's numbers
#
# `cnnbp.conv2d_backward` takes the delta map, the input and the kernel in NCHW layout and
# returns the gradients of input, kernel and bias. Fed the answer's map, it prints the
# answer's result; so does the loop version in `cnnbp.loops`, which adds up the terms
# $\Delta_{ij}\, o_{i+m', j+n'}$ of the double sum one at a time; and so does `cnnbp.conv2d`
# itself with the delta map used as the kernel, which is the cross-correlation statement in
# code.

# %%
_, dw4, db4 = cnnbp.conv2d_backward(d[None, None], o[None, None], w[None, None])
dw_answer = dw4[0, 0]
_, dw4_loops, _ = cnnbp.loops.conv2d_backward(d[None, None], o[None, None], w[None, None])
dw_as_corr = cnnbp.conv2d(o[None, None], d[None, None])[0, 0]
print("conv2d_backward:   ", dw_answer.round(6).tolist())
print("loops:             ", dw4_loops[0, 0].round(6).tolist())
print("conv2d(o, kernel=d):", dw_as_corr.round(6).tolist())

# The answer printed these (also stored as seed.DW_ANSWER).
assert np.allclose(dw_answer, [[0.044606, 0.094061], [0.011262, 0.068288]], atol=5e-7)
assert np.allclose(dw_answer, seed.DW_ANSWER, atol=5e-7)
assert np.allclose(dw4_loops[0, 0], dw_answer, rtol=1e-12, atol=0)
assert np.allclose(dw_as_corr, dw_answer, rtol=1e-12, atol=0)

# %% [markdown]
# Only four deltas are non-zero, so each weight's gradient is a sum of four products.
# Written out for every weight:

# %%
nonzero = list(zip(*np.nonzero(d), strict=True))
assert len(nonzero) == 4
lines = []
for (mq, nq), g in np.ndenumerate(dw_answer):
    terms = " + ".join(f"({d[i, j]:+.4f})·{o[i + mq, j + nq]:.2f}" for i, j in nonzero)
    lines.append(f"- $\\partial E/\\partial w_{{{mq}{nq}}}$ = {terms} = **{g:.6f}**")
    assert np.isclose(g, sum(d[i, j] * o[i + mq, j + nq] for i, j in nonzero), rtol=1e-12)
show_markdown("\n".join(lines))

# %% [markdown]
# The picture below draws the same sums. Each panel is one kernel weight; the shaded block is
# the $4\times4$ window of $o$ that the weight touches (the input shifted by $(m', n')$), and the
# outlined cells are those where the delta is non-zero, each labelled with its delta. The
# four outlined cells keep the same arrangement from panel to panel, because it is the
# pattern of the delta map, shifted by one cell right or down.

# %%
fig, axes = show_dw_sources(o, d, (2, 2))
_ = fig.suptitle("Which inputs and which deltas feed each dw[m', n']", y=1.02)

# %% [markdown]
# ## Try it
#
# Point at a cell of $\partial L/\partial w$ below (tap it on a phone, or tab to it and move
# with the arrow keys). The input cells and the deltas whose products add up to it light up,
# all sixteen products are listed, and ▶ plays the sum one product at a time. cnnbp computed
# every number when this page was built.

# %% tags=["remove-input"]
from cnnbp.viz import conv_explorer_data, show_explorer

show_explorer(conv_explorer_data(("x", "delta", "dw"), controls=False))

# %% [markdown]
# ## The exact gradient
#
# The answer's map holds the question's four deltas cut to four decimals. Cut, not rounded:
# two of the four were cut toward zero where rounding would have moved them away from it
# ($0.04675125$ became $0.0467$ and $-0.06818625$ became $-0.0681$). The cell below recomputes
# the deltas through `cnnbp` from the question's own numbers (the FC weights,
# $\delta_{H_1}$ and $\delta_{H_2}$, and the sigmoid outputs as the question prints them, to two
# decimals), routes them to the window maxima of the forward pass with `max_pool2d_backward`,
# and correlates again.

# %%
fw = seed.forward_pass()  # conv output x (4x4), pooled, sigmoid, H net inputs
s = np.array(seed.SIGMOID_OUTPUTS)
# dE/ds: the FC layer sends each delta back through its weights.
ds, _, _ = cnnbp.linear_backward(seed.DELTA_H[None], s.reshape(1, 4), seed.FC_WEIGHTS)
delta_pooled = cnnbp.sigmoid_backward(ds.reshape(2, 2), s)
assert np.allclose(delta_pooled, seed.DELTA_POOLED, rtol=1e-12, atol=0)
assert np.allclose(delta_pooled, [[0.0364182, 0.068628], [0.04675125, -0.06818625]], rtol=1e-12)

d_exact = cnnbp.max_pool2d_backward(delta_pooled[None, None], fw.x[None, None], 2)[0, 0]
_, dw4_exact, db4_exact = cnnbp.conv2d_backward(d_exact[None, None], o[None, None], w[None, None])
dw_exact = dw4_exact[0, 0]

# The answer's map is the exact one cut (not rounded) to four decimals.
assert np.array_equal(d_exact != 0, d != 0)
assert np.allclose(np.trunc(d_exact * 1e4) / 1e4, d, rtol=0, atol=1e-12)
# Rounding would differ from the answer's map in exactly two cells.
assert np.sum(~np.isclose(np.round(d_exact, 4), d, rtol=0, atol=1e-12)) == 2
assert np.isclose(d_exact[2, 1], 0.04675125) and d[2, 1] == 0.0467 and round(d_exact[2, 1], 4) == 0.0468
assert np.isclose(d_exact[3, 3], -0.06818625) and d[3, 3] == -0.0681 and round(d_exact[3, 3], 4) == -0.0682

print("exact deltas at the maxima:  ", d_exact[d != 0].round(10).tolist())
print("answer's deltas at the maxima:", d[d != 0].tolist())
print("exact dE/dw:   ", dw_exact.round(7).tolist())
print("answer's dE/dw:", dw_answer.round(7).tolist())
fig, axes = show_matrices(
    [d_exact - d, dw_exact - dw_answer],
    ["exact - answer: deltas", "exact - answer: dE/dw"],
    fmt="{:.2g}",
    marks=[d != 0, None],
    size=0.85,
)
rel = cnnbp.relative_error(dw_answer, dw_exact)
print(f"largest difference {np.abs(dw_exact - dw_answer).max():.2e}, relative error {rel:.1e}")

# %% [markdown]
# The cut costs a few parts in ten thousand: the answer's gradient is right to the precision
# of its delta map.

# %%
assert 1e-4 < rel < 1e-3
assert np.abs((dw_answer - dw_exact) / dw_exact).max() < 1e-3  # every weight: below 0.1 %
show_markdown(f"Relative error of the answer's gradient: **{rel:.1e}**.")

# %% [markdown]
# ## The bias gradient
#
# A convolution layer has one bias per output channel, added to every output position, so
# $\partial x_{ij} / \partial b = 1$ for all sixteen outputs and
#
# $$\frac{\partial E}{\partial b} = \sum_{i=0}^{3}\sum_{j=0}^{3} \Delta_{ij} ,$$
#
# the sum of the delta map: `conv2d_backward` returns it as `db`, one value per channel.
#
# The answer writes the forward pass with $b_{ij}$, a separate bias at each output position.
# That is a different model: sixteen biases instead of one, no longer shared like the kernel,
# tied to a $4\times4$ output (it cannot be applied to a larger image) and no longer the same at
# every place in the image. It is a legitimate choice in a *locally connected* layer, but not
# what a convolution layer (or PyTorch's `Conv2d`) does. Its gradient is even simpler:
# $x_{ij}$ depends on $b_{ij}$ alone, so $\partial E / \partial b_{ij} = \Delta_{ij}$ — the
# delta map itself. For this network the distinction changes no forward number
# ([page 1](../01_forward/) found that no bias is needed, `seed.BIAS` is 0), but it changes
# what gets updated. Both gradients,
# checked against finite differences of the surrogate loss
# $L = \sum_{ij} \Delta_{ij}\, x_{ij}$ whose gradient is exactly the backward pass's:

# %%
x_nobias = cnnbp.conv2d(o[None, None], w[None, None])[0, 0]
assert seed.BIAS == 0  # page 1: the reconstruction needs no bias
b_shared = np.array([seed.BIAS])
b_per_position = np.zeros((4, 4))


def loss_shared(b):
    return np.sum(d_exact * cnnbp.conv2d(o[None, None], w[None, None], b)[0, 0])


def loss_per_position(b):
    return np.sum(d_exact * (x_nobias + b))


err_shared = cnnbp.check_gradient(loss_shared, b_shared, db4_exact, name="db (one per channel)")
err_untied = cnnbp.check_gradient(loss_per_position, b_per_position, d_exact, name="db_ij")
assert np.isclose(db4_exact[0], d_exact.sum(), rtol=1e-12)
print(f"one bias per channel:   dE/db = {db4_exact[0]:.7f}  (check: {err_shared:.0e})")
print(f"one bias per position: dE/db_ij = delta map  (check: {err_untied:.0e})")

# %% [markdown]
# ## One step of gradient descent
#
# Plain stochastic gradient descent moves every parameter against its gradient,
# $w \leftarrow w - \eta\, \partial E / \partial w$ and $b \leftarrow b - \eta\, \partial E / \partial b$,
# with a learning rate $\eta$ chosen by hand.

# %%
lr = 0.5
w_new = w - lr * dw_exact
b_new = seed.BIAS - lr * db4_exact[0]
show_markdown(
    f"With $\\eta$ = {lr}, the kernel moves by at most {np.abs(w_new - w).max():.4f} per "
    f"weight and the bias from {seed.BIAS:g} to {b_new:.5f}."
)
fig, axes = show_matrices(
    [w, dw_exact, w_new], ["kernel w", "dE/dw", f"w - {lr}·dE/dw"], fmt="{:.4f}"
)
assert np.allclose(w_new, w - lr * dw_exact)

# %% [markdown]
# Every weight went down: all four gradients are positive, since every input is positive and
# the three positive deltas outweigh the negative one in each sum. Whether this step lowers
# the error depends on the output layer, which the question never specifies; the
# [last page of this example](../06_whole_loop/) fixes one and watches the loss fall over several
# steps.

# %%
assert np.all(o > 0) and np.sum(d_exact > 0) == 3
assert np.all(dw_exact > 0) and np.all(w_new < w)

# %% [markdown]
# ## What to remember
#
# - A shared kernel weight receives one contribution per output position:
#   $\partial E / \partial w_{m'n'} = \sum_{ij} \Delta_{ij}\, o_{i+m', j+n'}$.
# - That sum is the valid cross-correlation of the layer's input with the delta map — the
#   forward operation with the delta map in the kernel's place — and it has the kernel's
#   shape. No rotation is involved.
# - With the answer's delta map it gives the answer's numbers; the map's four-decimal deltas
#   (cut, not rounded) shift the gradient by less than 0.1 %.
# - The bias of a convolution is one per output channel and its gradient is the sum of the
#   delta map. A bias per position, as the answer writes it, is another, untied model whose
#   gradient is the delta map itself.
