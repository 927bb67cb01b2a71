# %% [markdown]
# # Channels and batches
#
# The network in the question has one input channel, one kernel and one example. In October
# 2018 its author came back with a comment on the answer: what does $\partial E/\partial w$ look
# like when the filter has several channels? (Data Science Stack Exchange, "back propagation
# in CNN", 2018, by koryakinp.) This page answers it, and adds the batch axis while at it.
#
# The short answer: every index that appears in the forward pass appears in the backward pass
# too, and every index that the *gradient's* array does not have is summed over. Each
# kernel slice $w_{o,c}$ gets the single-channel formula of the worked example, fed with its
# own input channel $c$ and the delta of its own output channel $o$, summed over the examples
# of the batch.
#
# Stride 1 and no padding here; [the next page](../03_stride_padding_dilation/) adds stride,
# padding and dilation to the same sums.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from cnnbp import (
    check_gradient,
    conv2d,
    conv2d_backward,
    delta_full_conv,
)
from cnnbp.viz import show_channel_wiring, show_markdown, show_matrix

# %% [markdown]
# ## The forward pass with channels
#
# A convolution layer maps a batch of $N$ images with $C_\text{in}$ channels to $N$ images with
# $C_\text{out}$ channels. Arrays are NCHW: $x_{\nu,c,i,j}$ is example $\nu$, channel $c$,
# row $i$, column $j$. The layer holds one small kernel for every *pair* of an output channel
# and an input channel, `w[o, c, m, n]`, and one bias per output channel, `b[o]`. Output
# channel $o$ adds up what each input channel contributes through its own kernel:
#
# $$
# y_{\nu,o,i,j} \;=\; b_o \;+\; \sum_{c=0}^{C_\text{in}-1} \sum_{m=0}^{k_h-1} \sum_{n=0}^{k_w-1}
#     w_{o,c,m,n}\; x_{\nu,c,\,i+m,\,j+n} .
# $$
#
# (We write the example index as $\nu$ so that $n$ stays the kernel column, as in the
# question.) With $C_\text{in} = C_\text{out} = N = 1$ this is the worked example's
# convolution, $y_{i,j} = \sum_m \sum_n w_{m,n}\, x_{i+m,j+n} + b$; the worked example,
# following the answer, calls its input $o$ and its output $x$, while on this page $x$ is the
# input, $y$ the output and $o$ only ever an output-channel index.
# The figure shows the wiring for $C_\text{in} = 2$, $C_\text{out} = 3$: six kernels, each
# joining one input channel to one output channel (grey lines: every input reaches every
# output). The red paths preview the backward pass: on the left, everything input channel 1
# feeds, which is what its gradient collects from; on the right, the one kernel between input
# channel 1 and output channel 2.

# %%
c_in, c_out = 2, 3
assert c_in * c_out == 6   # six kernels
fig, axes = plt.subplots(1, 2, figsize=(8, 3.6))
show_channel_wiring(c_in, c_out, ax=axes[0], highlight_in=1,
                    title="dx[:, 1] collects from all outputs")
show_channel_wiring(c_in, c_out, ax=axes[1], highlight_in=1, highlight_out=2,
                    title="dw[2, 1] needs only x[:, 1], δ[:, 2]")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The backward sums
#
# Write $\delta_{\nu,o,i,j} = \partial E/\partial y_{\nu,o,i,j}$. Differentiating the forward
# sum once per parameter, exactly as the answer does for one channel:
#
# $$
# \begin{align}
# \frac{\partial E}{\partial w_{o,c,m,n}} &= \sum_{\nu=0}^{N-1} \sum_{i=0}^{H_\text{out}-1}
#     \sum_{j=0}^{W_\text{out}-1} \delta_{\nu,o,i,j}\; x_{\nu,c,\,i+m,\,j+n} \\
# \frac{\partial E}{\partial x_{\nu,c,p,q}} &= \sum_{o=0}^{C_\text{out}-1} \sum_{m=0}^{k_h-1}
#     \sum_{n=0}^{k_w-1} \delta_{\nu,o,\,p-m,\,q-n}\; w_{o,c,m,n}
#     \qquad (\delta = 0 \text{ outside its grid}) \\
# \frac{\partial E}{\partial b_o} &= \sum_{\nu} \sum_{i} \sum_{j} \delta_{\nu,o,i,j}
# \end{align}
# $$
#
# Read them by which indices are *missing* on the left:
#
# - **dW has no $\nu$, $i$, $j$**: one kernel serves every position of every example, so its
#   gradient sums over all of them (weight sharing, across space and across the batch).
#   It does keep both $o$ and $c$: there is no sum over channels, because $w_{o,c}$ only ever
#   meets input channel $c$ and only ever feeds output channel $o$.
# - **dx has no $o$**: input channel $c$ feeds every output channel, so its gradient collects
#   from all of them. For each $o$ the inner double sum is the single-channel *full*
#   convolution of the [stacked-convolutions page](../01_stacked/).
# - **db has only $o$**: one bias per output channel, added at every position. The answer in
#   the question writes $b_{i,j}$, a bias per position; layers in practice (and cnnbp) share
#   one bias over the whole map, which is why its gradient sums over $i$ and $j$.
#
# So, to the comment's question: with several channels, $\partial E/\partial w$ is an array of
# shape $(C_\text{out}, C_\text{in}, k_h, k_w)$, and each $k_h \times k_w$ slice
# $\partial E/\partial w_{o,c}$ is the question's single-channel gradient with input channel $c$
# in place of the question's input map and delta channel $o$ in place of its delta map, that is
# $\sum_{i,j}\delta_{\nu,o,i,j}\,x_{\nu,c,\,i+m,\,j+n}$ for one example $\nu$, added up over the
# examples of the batch.

# %% [markdown]
# ## Shapes, from real arrays
#
# A small layer with every size different, so no two axes can be confused: $N = 2$ examples,
# $C_\text{in} = 2$, $C_\text{out} = 3$, a $4 \times 5$ input and a $2 \times 3$ kernel. The
# inputs are rounded to one decimal only to keep the printed numbers short. The table is built
# from the arrays that cnnbp returns.

# %%
rng = np.random.default_rng(5)
N, H, W, kh, kw = 2, 4, 5, 2, 3
assert (N, c_in, c_out, H, W, kh, kw) == (2, 2, 3, 4, 5, 2, 3)   # the sizes named above
x = rng.uniform(-1, 1, (N, c_in, H, W)).round(1) + 0.0  # + 0.0 turns -0.0 into 0.0
w = rng.uniform(-1, 1, (c_out, c_in, kh, kw)).round(1) + 0.0
b = np.array([0.1, -0.2, 0.3])
y = conv2d(x, w, b)
# Stand-in for ∂E/∂y: random and non-uniform, so that no mistake can hide in a symmetry.
delta = rng.uniform(-1, 1, y.shape).round(2)
dx, dw, db = conv2d_backward(delta, x, w)

rows = [
    ("x", "input", "(N, C_in, H, W)", x),
    ("w", "kernels", "(C_out, C_in, kh, kw)", w),
    ("b", "biases", "(C_out,)", b),
    ("y", "output", "(N, C_out, H-kh+1, W-kw+1)", y),
    ("δ = ∂E/∂y", "upstream gradient", "same as y", delta),
    ("dx = ∂E/∂x", "to the layer below", "same as x", dx),
    ("dW = ∂E/∂w", "kernel gradient", "same as w", dw),
    ("db = ∂E/∂b", "bias gradient", "same as b", db),
]
table = "| array | what | shape in symbols | shape here |\n|---|---|---|---|\n"
table += "\n".join(f"| `{n}` | {what} | {sym} | {a.shape} |" for n, what, sym, a in rows)
show_markdown(table)
assert y.shape == delta.shape == (N, c_out, H - kh + 1, W - kw + 1)
assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape

# %% [markdown]
# ## One kernel slice is the single-channel formula
#
# Take one slice of the kernel gradient, $\partial E/\partial w_{o,c}$ for $o = 1$, $c = 0$.
# The formula says: correlate input channel 0 of each example with delta channel 1 of the same
# example (the delta map acting as the kernel, exactly as in the answer's formula), then add the
# examples. The figure shows the two contributions and their sum; the cell below checks the
# sum against cnnbp's `dw[1, 0]`, using `conv2d` on single-channel slices as the
# correlation.

# %%
o, c = 1, 0
parts = [conv2d(x[v, c][None, None], delta[v, o][None, None])[0, 0] for v in range(N)]
# One row per example, the sum of the two rows at the end of the second row.
fig, axes = plt.subplots(2, 4, figsize=(10, 5.2), gridspec_kw={"width_ratios": [5, 3, 3, 3]})
for v in range(N):
    show_matrix(x[v, c], axes[v, 0], title=f"x[{v}, {c}]", fontsize=8)
    show_matrix(delta[v, o], axes[v, 1], title=f"δ[{v}, {o}]", fontsize=8)
    show_matrix(parts[v], axes[v, 2], title=f"x[{v},{c}] ⋆ δ[{v},{o}]", fontsize=8)
show_matrix(sum(parts), axes[1, 3], title=f"sum = dW[{o}, {c}]", fontsize=8)
axes[0, 3].axis("off")
fig.tight_layout()
plt.show()
assert np.allclose(sum(parts), dw[o, c])

# %% [markdown]
# All $C_\text{out} \cdot C_\text{in}$ slices at once: the formula for $dW$ is itself a
# convolution, with the roles of the axes exchanged. Move the channel axis of `x` to the front
# (so $c$ plays "example" and $\nu$ plays "channel"), do the same with δ (so $o$ plays "output
# channel" and $\nu$ "input channel"), correlate, and the sum over the "channel" $\nu$ is the
# sum over the batch:

# %%
dw_by_swap = conv2d(x.transpose(1, 0, 2, 3), delta.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
assert np.allclose(dw_by_swap, dw)
print("conv2d(x with N and C swapped, δ with N and C swapped) == dW:", np.allclose(dw_by_swap, dw))

# %% [markdown]
# ## dx gathers from every output channel
#
# For $dx$ the roles go the other way: each input channel $c$ receives, from every output
# channel $o$, the full convolution of $\delta_{\nu,o}$ with $w_{o,c}$ (computed as the
# cross-correlation of the zero-padded delta with $w_{o,c}$ rotated by 180°).
# Doing it one output channel at a time with `delta_full_conv` (single channels in, single
# channel out) and adding the three results gives cnnbp's `dx` (asserted below the figure):

# %%
v = 0  # the first example; the second works the same way
per_output = [
    delta_full_conv(delta[v, o][None, None], w[o, c][None, None], (1, 1, H, W))[0, 0]
    for o in range(c_out)
]
fig, axes = plt.subplots(2, 2, figsize=(7, 4.6))
for ax, a, t in zip(axes.ravel(), [*per_output, sum(per_output)],
                    [f"from δ[0, {o}]" for o in range(c_out)] + ["sum = dx[0, 0]"], strict=True):
    show_matrix(a, ax, title=t, fontsize=8)
fig.tight_layout()
plt.show()
assert np.allclose(sum(per_output), dx[v, c])

# %% [markdown]
# And the biases: one number per output channel, the sum of that channel's deltas over the
# batch and the whole map.

# %%
show_markdown(
    "| output channel $o$ | $\\sum_{\\nu,i,j}\\delta_{\\nu,o,i,j}$ | `db[o]` from cnnbp |\n"
    "|---|---|---|\n"
    + "\n".join(f"| {k} | {delta[:, k].sum():+.4f} | {db[k]:+.4f} |" for k in range(c_out))
)
assert np.allclose(db, delta.sum(axis=(0, 2, 3)))

# %% [markdown]
# ## Checked against finite differences
#
# The derivation could be wrong in a way that all of the above shares, so the last word goes
# to numbers that know nothing about it: nudge each entry of `x`, `w` and `b` both ways and
# measure how much $E = \sum y \odot \delta$ moves (its gradient with respect to $y$ is
# exactly δ). [`cnnbp.check_gradient`](../../reference/gradcheck/) raises if the relative
# error exceeds $10^{-7}$.

# %%
def energy(_):
    return np.sum(conv2d(x, w, b) * delta)


errors = {
    "dx": check_gradient(energy, x, dx, rtol=1e-7, name="dx"),
    "dW": check_gradient(energy, w, dw, rtol=1e-7, name="dw"),
    "db": check_gradient(energy, b, db, rtol=1e-7, name="db"),
}
show_markdown(
    "| gradient | entries | relative error vs. central differences |\n|---|---|---|\n"
    + "\n".join(f"| {k} | {g.size} | {e:.1e} |" for (k, e), g in zip(errors.items(), (dx, dw, db), strict=True))
)

# %% [markdown]
# ## What to remember
#
# - Shapes: `x` $(N, C_\text{in}, H, W)$, `w` $(C_\text{out}, C_\text{in}, k_h, k_w)$,
#   `b` $(C_\text{out})$, `y` and δ $(N, C_\text{out}, H_\text{out}, W_\text{out})$; every
#   gradient has the shape of the thing it is the gradient of.
# - A gradient sums over every index its array does not carry: dW over examples and positions,
#   dx over output channels (and kernel taps), db over examples and positions.
# - Slice $\partial E/\partial w_{o,c}$ is the single-channel formula of the worked example,
#   applied to input channel $c$ and delta channel $o$, added over the batch. No sum over
#   channels appears in it.
# - The bias is one per output channel, so its gradient is the sum of that channel's deltas.
# - In code, dW is one more convolution (with the batch and channel axes swapped) and dx is a
#   full convolution of δ with the kernels (a cross-correlation with the 180°-rotated
#   kernels), summed over output channels.
