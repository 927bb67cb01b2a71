# %% [markdown]
# # The whole loop
#
# The previous pages took the question's network apart one layer at a time. This one puts it
# back together from `cnnbp.nn` layers and runs what a training loop runs: forward pass, loss,
# backward pass, update — several times, with the loss going down and every parameter
# gradient checked against finite differences at every step.
#
# The network and its numbers are those of the Data Science Stack Exchange question "back
# propagation in CNN" (koryakinp, 2018) and of its answer, taken from `cnnbp.seed`.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import cnnbp
from cnnbp import nn, seed
from cnnbp.viz import show_markdown

x = np.array(seed.INPUT)[None, None]  # one 5x5 image, NCHW
net = seed.seed_network()  # reconstructed kernel, the question's FC weights
print(net)

# %% [markdown]
# ## The missing output layer, and a target that reproduces the question
#
# The question lists an output layer after the two FC neurons but never says what it is, nor
# what the target is: it starts the backward pass from $\delta_{H_1}$ and $\delta_{H_2}$. To have
# a loss to minimise we must choose, and we choose the simplest output that keeps the
# question's numbers:
#
# - the output is the FC layer itself, $y = H$ (identity; no FC bias, since none is given);
# - the loss is the answer's squared error $E = \tfrac12 \sum_p (t_p - y_p)^2$, so
#   $\partial E / \partial y = y - t$;
# - the target is $t = y^{(0)} - \delta_H$, where $y^{(0)}$ is the first forward pass.
#
# Then at the start $\partial E / \partial H = y^{(0)} - t = \delta_H$ exactly: the backward
# pass begins with the question's $\delta_{H_1} = 0.25$ and $\delta_{H_2} = -0.15$, and the
# starting loss is $\tfrac12(0.25^2 + 0.15^2)$.

# %%
loss_fn = nn.MSELoss()
y0 = net.forward(x)
t = y0 - seed.DELTA_H[None]
e0 = loss_fn.forward(y0, t)
dy0 = loss_fn.backward()
print("y0 =", y0.round(4), " t =", t.round(4), f" E = {e0:.4f}")
assert np.allclose(dy0, [[0.25, -0.15]], rtol=1e-12, atol=1e-15)
assert np.isclose(e0, 0.5 * (0.25**2 + 0.15**2), rtol=1e-12)

# %% [markdown]
# ## One step, every gradient checked
#
# The backward pass fills each layer's `grads`. For each parameter array the reference is the
# finite-difference gradient of the loss of a full forward pass, perturbing that array in
# place (`cnnbp.check_gradient` restores it).


# %%
def loss_now():
    return loss_fn.forward(net.forward(x), t)


def backward_now():
    """Zero the gradients, run forward and backward once; return the loss."""
    net.zero_grad()
    e = loss_now()
    net.backward(loss_fn.backward())
    return e


def check_all_gradients():
    """Relative error of every parameter gradient of the network, by name."""
    errors = {}
    for i, layer in enumerate(net):
        for key, p in layer.params.items():
            name = f"{type(layer).__name__}[{i}].{key}"
            errors[name] = cnnbp.check_gradient(
                lambda _: loss_now(), p, layer.grads[key].copy(), rtol=1e-7, name=name
            )
    return errors


backward_now()
errors = check_all_gradients()
for name, err in errors.items():
    print(f"{name:<14} relative error vs finite differences: {err:.1e}")

# %% [markdown]
# The kernel gradient of this first step is the one [page 4](../04_kernel_gradient/) computed —
# almost. Page 4 started from the question's deltas, built on sigmoid outputs printed to two
# decimals; the answer's map then cut those deltas to four decimals. Here everything comes from
# the network's own forward pass. Walking the backward pass one layer at a time shows what each
# layer receives.

# %%
net.zero_grad()
loss_now()
received = {}  # layer index -> the delta handed to that layer's backward
g = loss_fn.backward()
for i in reversed(range(len(net))):
    received[i] = g
    g = net[i].backward(g)
for i, layer in enumerate(net):
    print(f"{i} {type(layer).__name__:<10} receives a delta of shape {received[i].shape}")

conv = net[0]
dw_net = conv.grads["w"][0, 0].copy()
deltas_net = received[1][0, 0]  # what the max-pool receives: dE/d(pooled), 2x2
map_net = received[0][0, 0]  # what the convolution receives: the 4x4 map
assert np.allclose(received[4], seed.DELTA_H[None], rtol=1e-12)
assert np.array_equal(map_net != 0, seed.DELTA_MAP != 0)

# Page 4's exact gradient: the question's deltas, routed and correlated.
fw = seed.forward_pass()
d_question = cnnbp.max_pool2d_backward(seed.DELTA_POOLED[None, None], fw.x[None, None], 2)
dw_question = cnnbp.conv2d_backward(d_question, x, conv.params["w"])[1][0, 0]

err_deltas = cnnbp.relative_error(deltas_net, seed.DELTA_POOLED)
err_sigmoid = cnnbp.relative_error(dw_net, dw_question)
err_cut = cnnbp.relative_error(dw_question, seed.DW_ANSWER)
err_answer = cnnbp.relative_error(dw_net, seed.DW_ANSWER)
# The loop's first kernel gradient is page 4's number up to the rounding in the question.
assert np.allclose(seed.DW_ANSWER, [[0.044606, 0.094061], [0.011262, 0.068288]])
assert max(err_deltas, err_sigmoid, err_cut, err_answer) < 1e-3
assert max(err_sigmoid, err_cut) < err_answer < err_sigmoid + err_cut
assert np.allclose(dw_net, seed.DW_ANSWER, atol=2e-4)
show_markdown(
    f"First-step kernel gradient of the reconstructed network: "
    f"`{np.round(dw_net, 6).tolist()}`; the answer printed `{seed.DW_ANSWER.tolist()}`, a "
    f"relative difference of {err_answer:.1e}. Measured against this network, two roundings "
    f"make it up: the question's two-decimal sigmoid outputs move its deltas by "
    f"{err_deltas:.1e} and the kernel gradient by {err_sigmoid:.1e}; the answer's "
    f"four-decimal map moves it by {err_cut:.1e} ([page 4](../04_kernel_gradient/)); the two "
    f"partly cancel. The first two sizes depend on the kernel that [page 1](../01_forward/) "
    f"estimated."
)

# %% [markdown]
# ## Repeating the step
#
# Plain SGD (no momentum), all parameters — the kernel, the conv bias and the eight FC
# weights — and, for comparison, a second copy of the network where only the convolution
# layer learns and the FC weights stay as the question gives them. The gradient check runs
# at every step of the first run.

# %%
lr = 0.2
assert net[-1].params["w"].size == 8 and set(net[0].params) == {"w", "b"}
n_steps = 15
opt = nn.SGD(net, lr=lr)
assert opt.momentum == 0  # plain SGD
history, worst_check = [], 0.0
for _ in range(n_steps):
    history.append(backward_now())
    worst_check = max(worst_check, *check_all_gradients().values())
    opt.step()
history.append(loss_now())

net_conv_only = seed.seed_network()
opt_conv = nn.SGD(net_conv_only[0], lr=lr)
history_conv = []
for _ in range(n_steps):
    net_conv_only.zero_grad()
    history_conv.append(loss_fn.forward(net_conv_only.forward(x), t))
    net_conv_only.backward(loss_fn.backward())
    opt_conv.step()
history_conv.append(loss_fn.forward(net_conv_only.forward(x), t))

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogy(history, "o-", label="all parameters")
ax.semilogy(history_conv, "s-", label="convolution layer only")
ax.set_xlabel("SGD step")
ax.set_ylabel("E (half the squared error)")
ax.set_title(f"Loss of the question's network, SGD with learning rate {lr}")
ax.legend()
fig.tight_layout()

assert np.all(np.diff(history) < 0) and np.all(np.diff(history_conv) < 0)
assert history[-1] < history_conv[-1] < history_conv[0]
assert worst_check < 1e-7
show_markdown(
    f"Over {n_steps} steps the loss falls from {history[0]:.4f} to {history[-1]:.2e} when "
    f"everything learns, and to {history_conv[-1]:.2e} when only the kernel and the conv "
    f"bias do; it decreases at every step in both runs. The worst relative error of any "
    f"parameter gradient against finite differences, over all {n_steps} steps, was "
    f"{worst_check:.0e}."
)

# %% [markdown]
# Where the kernel went:

# %%
w_start = np.array(seed.KERNEL)
print("kernel at the start:\n", w_start.round(4))
print(f"after {n_steps} steps (all parameters):\n", conv.params["w"][0, 0].round(4))
print(f"after {n_steps} steps (conv only):\n", net_conv_only[0].params["w"][0, 0].round(4))

# %% [markdown]
# ## What to remember
#
# - A training step is: zero the gradients, forward, loss, backward (each layer adds its
#   parameter gradients and returns the delta for the layer below), update.
# - The question leaves its output layer unspecified; an identity output with a squared error
#   and the target $t = y^{(0)} - \delta_H$ starts the backward pass from its
#   $\delta_{H_1}, \delta_{H_2}$ exactly.
# - Checking every parameter gradient against finite differences is cheap for a network this
#   small, so do it at every step, not just once.
# - The first kernel gradient of the loop is page 4's, up to the rounding of the question's
#   printed numbers. The kernel alone can lower the loss; training every layer does it far
#   faster.
