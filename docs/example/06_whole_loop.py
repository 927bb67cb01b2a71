# %% [markdown]
# # The whole loop
#
# **What you will learn:** how the question's network is assembled from `cnnbp.nn` layers, how
# to give it the output layer the question leaves out, and what a training loop runs: forward
# pass, loss, backward pass, update, with every gradient checked at every step. Letters as on
# the [notation](../../notation/) page.

# %% tags=["remove-cell"]
# %matplotlib inline
import matplotlib.pyplot as plt

from cnnbp.viz import setup, show_backward_pass

setup()

# %%
import numpy as np

import cnnbp
from cnnbp import nn, seed

# %% [markdown]
# ## The idea: forward, backward, step, repeat
#
# The previous pages took the backward pass apart one layer at a time. In a training loop the
# pieces run in a fixed order, again and again: a forward pass keeps what each layer saw; the
# loss compares the output with a target; the backward pass hands a delta from layer to layer,
# and each layer, on the way, fills in the gradients of its own parameters; then every
# parameter takes a small step against its gradient. One backward pass of the question's
# network, every delta as its layers hand it down (the colours share one scale, so the paler
# maps really hold smaller numbers):

# %% tags=["remove-input"]
# The overview: the backward pass from the question's dh, layer by layer.
net0 = seed.seed_network()
net0.forward(np.array(seed.INPUT)[None, None])
overview = [seed.DELTA_H[None]]  # what each layer receives, top down
for layer in reversed(net0.layers):
    overview.append(layer.backward(overview[-1]))
d_fc, _, d_sig, d_pool, d_conv, d_x = overview
show_backward_pass(
    d_fc[0],
    d_sig[0, 0],
    d_pool[0, 0],
    d_conv[0, 0],
    net0.layers[0].grads["w"][0, 0],
    d_x[0, 0],
)
plt.show()

# %% [markdown]
# In code the network is five `cnnbp.nn` layers; each has a `forward`, which keeps what it
# saw, and a `backward`, which takes the delta of its output and returns the delta of its
# input.

# %%
x = np.array(seed.INPUT)[None, None]  # one 5x5 image, NCHW
net = seed.seed_network()  # the reconstructed kernel, the FC weights V
for layer in net.layers:
    print(layer)

# %% [markdown]
# ## The derivation: a loss that starts where the question started
#
# The question lists an output layer after the FC layer but never says what it is, or what
# the target is: it starts from $\delta^h$. To have a loss to minimise we choose the simplest
# output that keeps its numbers. The output is the FC layer itself, and the loss is half the
# squared error,
#
# $$
# L = \tfrac12 \sum_j (h_j - t_j)^2, \qquad \delta^h = \frac{\partial L}{\partial h} = h - t .
# $$
#
# Choose the target $t = h^{(0)} - \delta^h$, where $h^{(0)}$ is the first forward pass. Then
# at the start $\delta^h = h^{(0)} - t$ is exactly the question's $(0.25, -0.15)$, and the
# starting loss is $\tfrac12(0.25^2 + 0.15^2) = 0.0425$.

# %%
loss_fn = nn.MSELoss()
h0 = net.forward(x)
t = h0 - seed.DELTA_H[None]
L0 = loss_fn.forward(h0, t)
dh = loss_fn.backward()
print(f"L = {L0:.4f}, dh = {dh[0]}")

# %% tags=["remove-cell"]
assert np.allclose(dh, [[0.25, -0.15]], rtol=1e-12, atol=1e-15)
assert (
    np.isclose(L0, 0.5 * (0.25**2 + 0.15**2), rtol=1e-12)
    and round(L0, 4) == 0.0425
)

# %% [markdown]
# ## The numbers
#
# `net.backward(dh)` runs every layer's backward pass from the top down. Walking it one layer
# at a time shows the delta each layer receives, the maps of the figure above: the same five
# steps as pages 2 to 5, now with the network's own sigmoid outputs instead of the question's
# rounded ones.

# %%
net.zero_grad()
loss_fn.forward(net.forward(x), t)
received = []  # the delta handed to each layer, from the top down
g = loss_fn.backward()
for layer in reversed(net.layers):
    received.append(g)
    g = layer.backward(g)
dx = g  # the delta for a layer below the network
for layer, d in zip(reversed(net.layers), received, strict=True):
    print(f"{type(layer).__name__:<10} receives {d.shape}")

# %% tags=["remove-cell"]
assert [type(layer).__name__ for layer in net.layers] == [
    "Conv2d",
    "MaxPool2d",
    "Sigmoid",
    "Flatten",
    "Linear",
]
conv = net.layers[0]
# The loop's walk hands down exactly the overview's deltas.
for d_loop, d_figure in zip([*received, dx], overview, strict=True):
    assert np.allclose(d_loop, d_figure, rtol=1e-12, atol=1e-15)
assert np.allclose(conv.grads["w"], net0.layers[0].grads["w"], rtol=1e-12)
assert np.allclose(d_fc, seed.DELTA_H[None], rtol=1e-12)
assert np.array_equal(d_conv[0, 0] != 0, seed.DELTA_MAP != 0)
# The first kernel gradient is page 4's, up to the rounding (appendix).
dw_first = conv.grads["w"][0, 0].copy()
assert np.allclose(dw_first, seed.DW_ANSWER, atol=2e-4)
assert cnnbp.relative_error(dw_first, seed.DW_ANSWER) < 1e-3

# %% [markdown]
# The first kernel gradient is the one [page 4](../04_kernel_gradient/) found, up to the
# rounding of the question's printed numbers (the [appendix](../../appendix/01_the_numbers/)
# separates the two roundings).
#
# Now the loop: plain gradient descent on all parameters (the kernel, the conv bias and the
# eight FC weights), fifteen steps, with learning rate $0.2$. At every step, before the
# update, every parameter gradient is compared with central differences of the full
# network's loss (`check_all`, in the collapsed cell).


# %% tags=["hide-input"]
def check_all(net):
    """Worst relative error of any parameter gradient, against central
    differences of the whole network's loss."""

    def loss(_):  # check_gradient nudges the parameter array in place
        return loss_fn.forward(net.forward(x), t)

    errors = [
        cnnbp.check_gradient(loss, p, layer.grads[k].copy(), rtol=1e-7)
        for layer in net.layers
        for k, p in layer.params.items()
    ]
    return max(errors)


# %%
net = seed.seed_network()
opt = nn.SGD(net, lr=0.2)
history, worst = [], 0.0
for _ in range(15):
    net.zero_grad()
    history.append(loss_fn.forward(net.forward(x), t))
    net.backward(loss_fn.backward())
    worst = max(worst, check_all(net))
    opt.step()
history.append(loss_fn.forward(net.forward(x), t))
print(f"loss {history[0]:.4f} -> {history[-1]:.1e}; check {worst:.0e}")

# %% [markdown]
# For comparison, a second copy of the network in which only the convolution layer learns and
# the FC weights stay as the question gives them:

# %% tags=["remove-input"]
net_conv = seed.seed_network()
opt_conv = nn.SGD(net_conv.layers[0], lr=0.2)
history_conv = []
for _ in range(15):
    net_conv.zero_grad()
    history_conv.append(loss_fn.forward(net_conv.forward(x), t))
    net_conv.backward(loss_fn.backward())
    opt_conv.step()
history_conv.append(loss_fn.forward(net_conv.forward(x), t))

fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.semilogy(history, "o-", lw=2, label="all parameters")
ax.semilogy(history_conv, "s-", lw=2, label="convolution layer only")
ax.set_xlabel("step", fontsize=11)
ax.set_ylabel("loss $L$", fontsize=11)
ax.tick_params(labelsize=10)
ax.legend(fontsize=10)
fig.tight_layout()
plt.show()

# %% tags=["remove-cell"]
assert np.all(np.diff(history) < 0) and np.all(np.diff(history_conv) < 0)
assert history[-1] < history_conv[-1] < history_conv[0]
assert worst < 1e-7 and opt.momentum == 0 and len(history) == 16
assert (
    sum(p.size for layer in net.layers for p in layer.params.values())
    == 13
)
assert sum(p.size for p in net_conv.layers[0].params.values()) == 5

# %% [markdown]
# ## A check
#
# The loss falls at every step in both runs, far faster when every layer learns, and at every
# one of the fifteen steps every parameter gradient agreed with central differences to better
# than $10^{-7}$. Where the kernel went:

# %%
print("kernel at the start:\n", np.array(seed.KERNEL))
print("after 15 steps, all parameters:\n", net.layers[0].params["w"][0, 0])
print("after 15 steps, conv only:\n", net_conv.layers[0].params["w"][0, 0])

# %% [markdown]
# ## What to remember
#
# - A training step: zero the gradients, forward pass, loss, backward pass (each layer adds
#   its parameter gradients and returns the delta for the layer below), update.
# - The question leaves its output layer open; an identity output with half the squared error
#   and the target $t = h^{(0)} - \delta^h$ makes the backward pass start from exactly its
#   $\delta^h$.
# - For a network this small, checking every gradient against central differences costs
#   little, so check at every step, not once.
#
# ## Exercises
#
# **1.** Check the starting loss by hand.
#
# <details>
# <summary>Solution</summary>
#
# At the start $h - t = \delta^h = (0.25, -0.15)$, so
# $L = \tfrac12(0.25^2 + (-0.15)^2) = \tfrac12(0.0625 + 0.0225) = 0.0425$.
#
# </details>
#
# **2.** How many numbers does each run update, and which?
#
# <details>
# <summary>Solution</summary>
#
# With all parameters, 13: the four kernel weights, the one conv bias and the $2\times4 = 8$
# FC weights (the FC layer has no bias). With the convolution layer only, 5: the kernel and
# its bias.
#
# </details>
#
# **3.** Run the loop with learning rate $2$ instead of $0.2$. Does the loss still fall at
# every step?
#
# <details>
# <summary>Solution</summary>
#
# No. The steps are now so long that they overshoot: the loss rises from $0.0425$ for three
# steps, to $0.2044$, before it starts to fall. A gradient says which way is downhill, not how
# far the downhill goes.
#
# </details>

# %% tags=["remove-cell"]
# Exercise 1 is asserted after the loss cell, exercise 2 after the loop.
assert 0.25**2 == 0.0625 and round(0.15**2, 4) == 0.0225
assert net.layers[-1].params.keys() == {"w"} and net.layers[-1].params[
    "w"
].shape == (2, 4)
assert (
    net.layers[0].params["w"].size == 4
    and net.layers[0].params["b"].size == 1
)
# Exercise 3.
net_fast = seed.seed_network()
opt_fast = nn.SGD(net_fast, lr=2)
fast = []
for _ in range(15):
    net_fast.zero_grad()
    fast.append(loss_fn.forward(net_fast.forward(x), t))
    net_fast.backward(loss_fn.backward())
    opt_fast.step()
assert np.all(np.diff(fast[:4]) > 0) and fast[4] < fast[3]
assert round(fast[3], 4) == 0.2044 and round(fast[0], 4) == 0.0425
