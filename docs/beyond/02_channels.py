# %% [markdown]
# # Channels and batches
#
# **What you will learn:** the shape of every gradient of a convolution with several
# channels and images, and why each kernel slice's gradient is the single-channel formula
# of the worked example. This answers the comment the asker left on the answer in October
# 2018: what does $\partial L/\partial w$ look like when the filter has several channels?
# The letters are those of the [notation page](../../notation/).

# %% tags=["remove-cell"]
# %matplotlib inline
import matplotlib.pyplot as plt

from cnnbp.viz import setup, show_channel_wiring, show_grids, show_table

setup()

# %% [markdown]
# ## The idea: each kernel joins one input channel to one output channel
#
# A convolution layer with $C_\text{in}$ input channels and $C_\text{out}$ output channels
# holds one small kernel for every *pair* of them: $w_{o,c}$ reads input channel $c$ and
# adds into output channel $o$. The picture shows $C_\text{in} = 2$, $C_\text{out} = 3$:
# six kernels, every input reaching every output.
#
# Backward, follow the wires. Kernel $w_{2,1}$ (red) only ever saw input channel 1 and only
# ever fed output channel 2, so its gradient needs exactly those two, and nothing from the
# other channels: it is the question's single-channel kernel gradient, applied to that
# pair. An input channel, on the other hand, feeds every output channel, so its delta will
# collect from all of them.

# %% tags=["remove-input"]
c_in, c_out = 2, 3
assert c_in * c_out == 6   # six kernels
fig, ax = plt.subplots(figsize=(4.6, 3.9))
show_channel_wiring(c_in, c_out, ax=ax, highlight_in=1, highlight_out=2,
                    title="∂L/∂w[2, 1] needs only x[:, 1] and δʸ[:, 2]")
plt.show()

# %%
import numpy as np

from cnnbp import check_gradient, conv2d, conv2d_backward, delta_full_conv

# %% [markdown]
# ## The derivation
#
# The intuition first: a gradient sums over every index that its own array does not carry.
# Arrays are NCHW: $x_{n,c,u,v}$ is image $n$, channel $c$, row $u$, column $v$. Output
# channel $o$ adds up what each input channel contributes through its own kernel, plus one
# bias per output channel:
#
# $$
# y_{n,o,i,j} = b_o + \sum_{c} \sum_{p,q} w_{o,c,p,q}\; x_{n,c,\,i+p,\,j+q} .
# $$
#
# With $N = C_\text{in} = C_\text{out} = 1$ this is the worked example's convolution.
# Differentiating once per parameter, exactly as for one channel:
#
# $$
# \begin{aligned}
# \frac{\partial L}{\partial w_{o,c,p,q}} &= \sum_{n,i,j}
#     \delta^y_{n,o,i,j}\; x_{n,c,\,i+p,\,j+q} , \\
# \delta^x_{n,c,u,v} &= \sum_{o,p,q}
#     \delta^y_{n,o,\,u-p,\,v-q}\; w_{o,c,p,q} , \\
# \frac{\partial L}{\partial b_o} &= \sum_{n,i,j} \delta^y_{n,o,i,j} .
# \end{aligned}
# $$
#
# (with $\delta^y = 0$ outside its grid). Read them by the indices that are *missing*
# on the left:
#
# - **$\partial L/\partial w$ has no $n$, $i$, $j$**: one kernel serves every position of
#   every image, so its gradient sums over all of them. It keeps both $o$ and $c$, and
#   there is no sum over channels: $w_{o,c}$ meets only input channel $c$ and feeds only
#   output channel $o$.
# - **$\delta^x$ has no $o$**: input channel $c$ feeds every output channel, so its delta
#   collects from all of them (the figure below). For each $o$ the inner sum is the
#   single-channel full convolution of [stacked convolutions](../01_stacked/).
# - **$\partial L/\partial b$ has only $o$**: one bias per output channel, added at every
#   position. The answer in the question writes $b_{i,j}$, a bias per position; layers in
#   practice, and cnnbp, share one bias over the whole map, which is why its gradient sums
#   over $i$ and $j$.
#
# So, to the comment's question: with several channels, $\partial L/\partial w$ is an
# array of shape $(C_\text{out}, C_\text{in}, k_h, k_w)$, and each $k_h\times k_w$ slice is
#
# $$
# \frac{\partial L}{\partial w_{o,c}} = \sum_{n} x_{n,c} \star \delta^y_{n,o} ,
# $$
#
# the question's single-channel gradient with input channel $c$ in place of its input map
# and delta channel $o$ in place of its delta map, added up over the images of the batch.

# %% tags=["remove-input"]
fig, ax = plt.subplots(figsize=(4.6, 3.9))
show_channel_wiring(c_in, c_out, ax=ax, highlight_in=1,
                    title="δˣ[:, 1] collects from every output channel")
plt.show()

# %% [markdown]
# ## The numbers
#
# A small layer with every size different, so that no two axes can be confused: $N = 2$
# images, $C_\text{in} = 2$, $C_\text{out} = 3$, a $4\times5$ input and a $2\times3$
# kernel. The values are rounded to one decimal only to keep the printed numbers short;
# $\delta^y$ stands in for what the layers above would send, random and non-uniform so that
# no mistake can hide in a symmetry.

# %%
rng = np.random.default_rng(5)
N, H, W, kh, kw = 2, 4, 5, 2, 3
x = rng.uniform(-1, 1, (N, c_in, H, W)).round(1) + 0.0   # + 0.0: no -0.0
w = rng.uniform(-1, 1, (c_out, c_in, kh, kw)).round(1) + 0.0
b = np.array([0.1, -0.2, 0.3])
y = conv2d(x, w, b)
dy = rng.uniform(-1, 1, y.shape).round(2)
dx, dw, db = conv2d_backward(dy, x, w)

# %% [markdown]
# Every gradient has the shape of the array it belongs to (the table is built from the
# arrays cnnbp returned):

# %% tags=["remove-input"]
assert (N, c_in, c_out, H, W, kh, kw) == (2, 2, 3, 4, 5, 2, 3)  # as named
assert y.shape == dy.shape == (N, c_out, H - kh + 1, W - kw + 1)
assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
show_table(
    [("`x`", "input", "$(N, C_\\text{in}, H, W)$", x.shape),
     ("`w`", "kernels", "$(C_\\text{out}, C_\\text{in}, k_h, k_w)$",
      w.shape),
     ("`b`", "biases", "$(C_\\text{out},)$", b.shape),
     ("`y`", "output", "$(N, C_\\text{out}, H', W')$", y.shape),
     ("`dy`", "$\\delta^y$, from above", "as `y`", dy.shape),
     ("`dx`", "$\\delta^x$, for the layer below", "as `x`", dx.shape),
     ("`dw`", "$\\partial L/\\partial w$", "as `w`", dw.shape),
     ("`db`", "$\\partial L/\\partial b$", "as `b`", db.shape)],
    ["array", "what", "shape", "here"], fmt="{}",
)

# %% [markdown]
# ### One kernel slice is the single-channel formula
#
# Take slice $o = 1$, $c = 0$. The formula says: correlate input channel 0 of each image
# with delta channel 1 of the same image (the delta map acting as the kernel, exactly as in
# the answer), then add the images.

# %%
o, c = 1, 0
parts = [conv2d(x[n, c][None, None], dy[n, o][None, None])[0, 0]
         for n in range(N)]

# %% tags=["remove-input"]
assert np.allclose(sum(parts), dw[o, c])
fig, _ = show_grids(
    [parts[0], parts[1], sum(parts)],
    [r"$x_{0,0} \star \delta^y_{0,1}$", r"$x_{1,0} \star \delta^y_{1,1}$",
     "dw[1, 0] (cnnbp)"],
    fmt="{:.2f}", arrows=["+", "="], cell=0.55,
)
plt.show()

# %% [markdown]
# The three panels share one colour scale, and the sum is cnnbp's `dw[1, 0]` (asserted).
# All $C_\text{out} \cdot C_\text{in}$ slices at once: the formula for $\partial L/\partial
# w$ is itself a convolution, with the axes' roles exchanged. Swap the first two axes of
# `x`, so that channel $c$ plays "image" and image $n$ plays "channel"; do the same with
# $\delta^y$, so that $o$ plays "output channel". Correlate, and the sum over the "channel"
# $n$ is the sum over the batch:

# %%
def swap(a):
    return a.transpose(1, 0, 2, 3)


dw_by_swap = swap(conv2d(swap(x), swap(dy)))
print("the swapped convolution equals dw:", np.allclose(dw_by_swap, dw))

# %% tags=["remove-cell"]
assert np.allclose(dw_by_swap, dw)

# %% [markdown]
# ### The input's delta gathers from every output channel
#
# For $\delta^x$ the roles go the other way: input channel $c$ receives, from every output
# channel $o$, the full convolution of $\delta^y_{n,o}$ with $w_{o,c}$. One output channel
# at a time with `delta_full_conv`, for image 0 and input channel 0, then added:

# %%
n = 0
per_output = [
    delta_full_conv(dy[n, o][None, None], w[o, c][None, None],
                    (1, 1, H, W))[0, 0]
    for o in range(c_out)
]

# %% tags=["remove-input"]
assert np.allclose(sum(per_output), dx[n, c])
fig, _ = show_grids(
    [*per_output, sum(per_output)],
    [f"from δʸ[0, {k}]" for k in range(c_out)]
    + ["sum = dx[0, 0] (cnnbp)"],
    fmt="{:.2f}", ncols=2, cell=0.62,
)
plt.show()

# %% [markdown]
# And the biases: one number per output channel, the sum of that channel's deltas over
# the batch and the whole map.

# %% tags=["remove-input"]
assert np.allclose(db, dy.sum(axis=(0, 2, 3)))
show_table(
    [(k, dy[:, k].sum(), db[k]) for k in range(c_out)],
    ["output channel $o$", "$\\sum_{n,i,j}\\delta^y_{n,o,i,j}$",
     "`db[o]` (cnnbp)"],
    fmt=["{:d}", "{:+.4f}", "{:+.4f}"],
)

# %% [markdown]
# ## Check
#
# All of the above could share one mistake, so the last word goes to numbers that know
# nothing about the derivation: nudge each entry of `x`, `w` and `b` both ways and measure
# how much $L = \sum y \odot \delta^y$ moves (its gradient with respect to $y$ is exactly
# $\delta^y$). [`check_gradient`](../../reference/gradcheck/) raises if the relative error
# exceeds the `rtol` it is given, $10^{-7}$ here.

# %%
def loss(_):
    return np.sum(conv2d(x, w, b) * dy)


errors = {
    "dx": check_gradient(loss, x, dx, rtol=1e-7, name="dx"),
    "dw": check_gradient(loss, w, dw, rtol=1e-7, name="dw"),
    "db": check_gradient(loss, b, db, rtol=1e-7, name="db"),
}

# %% tags=["remove-input"]
sizes = {"dx": dx.size, "dw": dw.size, "db": db.size}
show_table([(f"`{k}`", sizes[k], e) for k, e in errors.items()],
           ["gradient", "entries", "relative error"],
           fmt=["{}", "{:d}", "{:.1e}"])

# %% [markdown]
# ## What to remember
#
# - Shapes: `x` $(N, C_\text{in}, H, W)$, `w` $(C_\text{out}, C_\text{in}, k_h, k_w)$,
#   `b` $(C_\text{out},)$, `y` and $\delta^y$ $(N, C_\text{out}, H', W')$; every gradient
#   has the shape of the array it belongs to.
# - A gradient sums over every index its array does not carry: $\partial L/\partial w$
#   over images and positions, $\delta^x$ over output channels and taps,
#   $\partial L/\partial b$ over images and positions.
# - Slice $\partial L/\partial w_{o,c} = \sum_n x_{n,c} \star \delta^y_{n,o}$: the
#   single-channel formula on input channel $c$ and delta channel $o$, added over the batch.
#   No sum over channels appears in it.
# - One bias per output channel, so its gradient is the sum of that channel's deltas.
# - In code, $\partial L/\partial w$ is one more convolution with the first two axes
#   swapped, and $\delta^x$ a full convolution of $\delta^y$ with the rotated kernels,
#   summed over output channels.
#
# ## Exercises
#
# 1. A layer has $C_\text{in} = 3$ input channels, $C_\text{out} = 4$ output channels and
#    $3\times3$ kernels. What are the shapes of $\partial L/\partial w$ and
#    $\partial L/\partial b$?
#
# <details>
# <summary>Solution</summary>
#
# $\partial L/\partial w$ has the shape of $w$, $(C_\text{out}, C_\text{in}, k_h, k_w) =
# (4, 3, 3, 3)$: one $3\times3$ slice for each of the 12 pairs of an output and an input
# channel. $\partial L/\partial b$ has the shape of $b$, $(4,)$.
#
# </details>
#
# 2. A batch of $N = 8$ RGB images of $32\times32$ pixels goes through 16 kernels of
#    $3\times3$, no padding. What is the shape of $\delta^y$, and how many products
#    $\delta^y \cdot x$ are added into one entry $\partial L/\partial w_{o,c,p,q}$?
#
# <details>
# <summary>Solution</summary>
#
# The output is $32 - 3 + 1 = 30$ wide, so $\delta^y$ has shape $(8, 16, 30, 30)$. One
# entry of the kernel gradient sums over images and output positions, but over no channel:
# $8 \cdot 30 \cdot 30 = 7200$ products.
#
# </details>
#
# 3. The answer in the question gives its layer a bias $b_{i,j}$ for every output
#    position. How many bias parameters would the question's $4\times4$ output then have,
#    and what would $\partial L/\partial b_{i,j}$ be? What is $\partial L/\partial b$ with
#    one shared bias, for the answer's delta map?
#
# <details>
# <summary>Solution</summary>
#
# Sixteen, and $\partial L/\partial b_{i,j} = \delta^y_{i,j}$: each bias touches one
# output. With one shared bias, $\partial L/\partial b = \sum_{i,j} \delta^y_{i,j}$, the
# sum of the map's four non-zero entries: $0.0686 + 0.0364 + 0.0467 - 0.0681 =
# 0.0836$.
#
# </details>

# %% tags=["remove-cell"]
from cnnbp import seed

x3 = np.zeros((1, 3, 5, 5))
w3 = np.zeros((4, 3, 3, 3))
_, dw3, db3 = conv2d_backward(np.zeros(conv2d(x3, w3).shape), x3, w3)
x_seed, w_seed = seed.INPUT[None, None], seed.KERNEL[None, None]
db_seed = conv2d_backward(seed.DELTA_MAP[None, None], x_seed, w_seed)[2]
assert round(float(db_seed[0]), 4) == 0.0836
assert sorted(seed.DELTA_MAP[seed.DELTA_MAP != 0].tolist()) == [
    -0.0681, 0.0364, 0.0467, 0.0686]
assert dw3.shape == (4, 3, 3, 3) and db3.shape == (4,)
y8 = conv2d(np.zeros((8, 3, 32, 32)), np.zeros((16, 3, 3, 3)))
assert y8.shape == (8, 16, 30, 30)
assert y8.shape[0] * y8.shape[2] * y8.shape[3] == 7200
assert np.isclose(db_seed[0], seed.DELTA_MAP.sum())
assert seed.DELTA_MAP.size == 16
