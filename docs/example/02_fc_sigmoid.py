# %% [markdown]
# # Back through the FC layer and the sigmoid
#
# The question (Data Science Stack Exchange, "back propagation in CNN", koryakinp, 2018) starts
# its backward pass below the output layer: it takes as given the error signals of the two
# fully connected neurons, $\delta_{H_1} = 0.25$ and $\delta_{H_2} = -0.15$, and computes four
# deltas $\delta_{11}, \delta_{12}, \delta_{21}, \delta_{22}$, one per pooled value. This page
# rebuilds those four numbers with cnnbp, names every factor in them, and then looks at a detail
# the question's network hides: the sigmoid sits *after* the max-pool, and it could just as
# well sit before it.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import cnnbp
from cnnbp import seed
from cnnbp.viz import show_markdown, show_matrix

# %% [markdown]
# ## Notation
#
# Call the $2\times2$ output of the max-pool $p$ (these are values of the convolution output, before
# any non-linearity), its sigmoid $s = \sigma(p)$, and the four values of $s$ read in row-major
# order $a = (s_{11}, s_{12}, s_{21}, s_{22})$, so that $a_r$ is the $r$-th of them
# ($r = 1, \dots, 4$); indices here start at 1, as in the question. The FC layer computes the net
# inputs of its two neurons,
#
# $$
# h_k = \sum_{r=1}^{4} W_{kr}\, a_r \qquad (k = 1, 2),
# $$
#
# and the question's $\delta_{H_k}$ is $\partial E / \partial h_k$. (Whatever the output layer
# and the loss are, they only enter through these two numbers, which is why the question can
# start here. An FC bias would not change anything below, so none is used.)
#
# ## Two steps of the chain rule
#
# **FC layer.** Each $a_r$ feeds both neurons, so its gradient collects one term per neuron,
# each the neuron's delta times the weight that connects them:
#
# $$
# \frac{\partial E}{\partial a_r} = \sum_{k=1}^{2} \frac{\partial E}{\partial h_k}\,
# \frac{\partial h_k}{\partial a_r} = \delta_{H_1} W_{1r} + \delta_{H_2} W_{2r},
# \qquad\text{i.e.}\qquad \frac{\partial E}{\partial a} = W^\top \delta_H .
# $$
#
# **Sigmoid.** Element-wise, with $\sigma'(p) = \sigma(p)\,(1 - \sigma(p)) = s\,(1-s)$:
#
# $$
# \delta_{ij} = \frac{\partial E}{\partial p_{ij}}
#   = \frac{\partial E}{\partial s_{ij}}\; s_{ij}\,(1 - s_{ij}) .
# $$
#
# For the first cell ($r = 1$, i.e. $s_{11}$) the two steps give
# $\delta_{11} = (\delta_{H_1} W_{11} + \delta_{H_2} W_{21})\, s_{11}(1 - s_{11})$, which is the
# question's first line. In cnnbp the first step is `linear_backward` (its `dx = dy @ w`) and
# the second is `sigmoid_backward` (it takes the sigmoid's *output* $s$, which is all the
# derivative needs).

# %%
W = seed.FC_WEIGHTS  # (2, 4): row k feeds neuron H_(k+1); columns are s11, s12, s21, s22
s = seed.SIGMOID_OUTPUTS  # (2, 2), as printed in the question (two decimals)
dH = seed.DELTA_H  # (2,): dE/dh_1, dE/dh_2

ds_flat, dW, _ = cnnbp.linear_backward(dH[None], s.reshape(1, 4), W)  # ds_flat: (1, 4)
ds = ds_flat.reshape(2, 2)  # dE/ds, back in the 2x2 layout of the pooled map
delta = cnnbp.sigmoid_backward(ds, s)  # dE/dp, the question's deltas
print("dE/ds =\n", ds)
print("delta =\n", delta)
assert np.allclose(delta, [[0.0364182, 0.068628], [0.04675125, -0.06818625]], rtol=0, atol=1e-12)
assert np.array_equal(delta, cnnbp.sigmoid_backward(ds, s))
assert np.allclose(delta, seed.DELTA_POOLED, rtol=0, atol=1e-12)

# %% [markdown]
# All four agree with the question's values $0.0364182$, $0.068628$, $0.04675125$ and
# $-0.06818625$ to $10^{-12}$: the question's arithmetic is right. The table spells out where
# every factor comes from; it is generated from the arrays above, not typed.

# %%
names = ["11", "12", "21", "22"]


def par(v):
    """Two decimals, in parentheses when negative."""
    return f"{v:.2f}" if v >= 0 else f"({v:.2f})"


rows = [
    "| delta | $\\partial E/\\partial s = \\delta_{H_1} W_{1r} + \\delta_{H_2} W_{2r}$ "
    "| $s\\,(1-s)$ | $\\delta$ |",
    "|---|---|---|---|",
]
for r, name in enumerate(names):
    sr = s.reshape(-1)[r]
    rows.append(
        f"| $\\delta_{{{name}}}$ ($r = {r + 1}$) "
        f"| ${par(dH[0])} \\cdot {par(W[0, r])} + {par(dH[1])} \\cdot {par(W[1, r])} = {ds_flat[0, r]:.4f}$ "
        f"| ${sr:.2f} \\cdot {1 - sr:.2f} = {sr * (1 - sr):.4f}$ | ${delta.reshape(-1)[r]:.8g}$ |"
    )
show_markdown("\n".join(rows))

# %% [markdown]
# The same computation as pictures: $H_1$'s share $\delta_{H_1} W_{1r}$ and $H_2$'s share
# $\delta_{H_2} W_{2r}$ add up to $\partial E/\partial s$, and the sigmoid's slope
# $s(1-s)$ scales it into $\delta$. The slope is at most $\tfrac14$ (at $s = \tfrac12$), and all
# four $s$ are close to $\tfrac12$, so each $\delta$ is roughly a quarter of its
# $\partial E/\partial s$.

# %%
share1 = (dH[0] * W[0]).reshape(2, 2)
share2 = (dH[1] * W[1]).reshape(2, 2)
assert np.allclose(share1 + share2, ds)
slope = s * (1 - s)
assert slope.max() <= 0.25 and np.allclose(delta, ds * slope)
assert np.all((0.2 < delta / ds) & (delta / ds < 0.25))  # "roughly a quarter"
# A grid sized to the page's width, so that the cell labels stay readable.
fig, axes = plt.subplots(1, 5, figsize=(8.6, 2.2))
for ax, a, title in zip(
    axes,
    [share1, share2, ds, slope, delta],
    [r"$\delta_{H_1} W_{1r}$", r"$\delta_{H_2} W_{2r}$", r"sum: $\partial E/\partial s$",
     r"slope $s(1-s)$", r"product: $\delta$"],
    strict=True,
):
    show_matrix(a, ax, title=title, fmt="{:.4f}")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### A check that does not trust the algebra
#
# The deltas are the gradient of $E$ with respect to the pooled values $p$. With
# $p = \sigma^{-1}(s) = \log\frac{s}{1-s}$ (so that the sigmoid reproduces the question's $s$),
# the scalar $L(p) = \sum_k \delta_{H_k} h_k(p)$ has exactly that gradient, and central
# differences can measure it:

# %%
p = np.log(s / (1 - s))  # the pooled values whose sigmoid is the question's s
err = cnnbp.check_gradient(
    lambda v: np.sum(cnnbp.linear(cnnbp.sigmoid(v).reshape(1, 4), W) * dH), p, delta, name="delta"
)
print(f"relative error of the deltas against central differences: {err:.1e}")

# %% [markdown]
# ### Rounded versus reconstructed
#
# The question's $s$ values are printed with two decimals, and its deltas are computed from
# those rounded values. The forward pass of [page 1](../01_forward/), run with the
# reconstructed kernel, gives the unrounded sigmoid outputs; the deltas they produce differ
# slightly. Running the reconstructed network end to end gives these; checking the question's
# arithmetic needs the question's.

# %%
fw = seed.forward_pass()
delta_exact = cnnbp.sigmoid_backward(ds, fw.s)  # dE/ds does not depend on s: same ds
print("sigmoid outputs of the reconstructed forward pass:\n", fw.s.round(5))
print("deltas from them:\n", delta_exact.round(7))
gap = np.abs(delta_exact - delta).max()
print(f"largest difference from the question's deltas: {gap:.1e}")
assert gap < 5e-4

# %% [markdown]
# ## Max-pool and sigmoid commute
#
# The question applies the max-pool first and the sigmoid second. Because the sigmoid is
# strictly increasing, the largest entry of a window is also the entry with the largest sigmoid,
# so
#
# $$
# \sigma\bigl(\max_{r} z_r\bigr) = \max_{r} \sigma(z_r)
# $$
#
# for every window: the two orders produce the same $2\times2$ map. Here it is on the question's
# $4\times4$ convolution output $z$ (from the reconstructed kernel); the two results are equal
# bit for bit.

# %%
z = fw.x[None, None]  # (1, 1, 4, 4): convolution output
pool_then_sigmoid = cnnbp.sigmoid(cnnbp.max_pool2d(z, 2))
sigmoid_then_pool = cnnbp.max_pool2d(cnnbp.sigmoid(z), 2)
print(pool_then_sigmoid[0, 0])
assert np.array_equal(pool_then_sigmoid, sigmoid_then_pool)

# %% [markdown]
# ### What it means for the gradient
#
# The upstream gradient $\partial E/\partial s$ is the same in both orders (the FC layer does not
# care how $s$ was made). The two backward passes then take different routes:
#
# - **pool, then sigmoid** (the question): multiply by $\sigma'$ on the $2\times2$ map, at the
#   four pooled values, and route the four products to the window maxima;
# - **sigmoid, then pool**: route $\partial E/\partial s$ to the window maxima first, giving a
#   sparse $4\times4$ map, then multiply by $\sigma'$ of the whole $4\times4$ map. Twelve of
#   those sixteen slopes multiply a zero.
#
# The maxima are the same cells in both orders and $\sigma'$ at a maximum is $s(1-s)$ of the very
# value that was pooled, so the two gradient maps on $z$ agree, again bit for bit:

# %%
dy = ds[None, None]  # (1, 1, 2, 2): dE/ds from the FC layer
# Order of the question: pool -> sigmoid.
s_a = cnnbp.sigmoid(cnnbp.max_pool2d(z, 2))
dz_a = cnnbp.max_pool2d_backward(cnnbp.sigmoid_backward(dy, s_a), z, 2)
# Swapped: sigmoid -> pool.
s_full = cnnbp.sigmoid(z)
dz_b = cnnbp.sigmoid_backward(cnnbp.max_pool2d_backward(dy, s_full, 2), s_full)
assert np.array_equal(dz_a, dz_b)
assert np.count_nonzero(dz_b) == 4 and s_full.size == 16  # twelve slopes multiply a zero
fig, axes = plt.subplots(1, 3, figsize=(8.6, 3.1))
for ax, a, title in zip(
    axes,
    [dz_a[0, 0], dz_b[0, 0], s_full[0, 0] * (1 - s_full[0, 0])],
    ["pool → sigmoid: $\\partial E/\\partial z$", "sigmoid → pool: $\\partial E/\\partial z$",
     "$\\sigma'(z)$ on the $4\\times4$ map"],
    strict=True,
):
    show_matrix(a, ax, title=title, fmt="{:.4f}", mark=dz_a[0, 0] != 0)
fig.tight_layout()
plt.show()

# %% [markdown]
# So the order changes the *cost* (sixteen sigmoids and slopes instead of four) and the shape of
# the intermediate gradient (a $4\times4$ map at the sigmoid instead of $2\times2$), but not one
# bit of the gradient that reaches the convolution. It does not generalise:
#
# - **Average pooling does not commute with the sigmoid**: the sigmoid of a mean is not the mean
#   of the sigmoids, because the sigmoid is not linear.
# - **A non-monotonic activation** does not commute with max-pool in general either.

# %%
avg_then_sig = cnnbp.sigmoid(cnnbp.avg_pool2d(z, 2))
sig_then_avg = cnnbp.avg_pool2d(cnnbp.sigmoid(z), 2)
print(f"average pooling: largest difference between the two orders {np.abs(avg_then_sig - sig_then_avg).max():.1e}")
assert not np.allclose(avg_then_sig, sig_then_avg, rtol=0, atol=1e-6)

# %% [markdown]
# One more subtlety, for completeness. In floating point the sigmoid is only *non-decreasing*:
# far out in the tail distinct inputs round to the same output (in float64, every $z$ above about
# $37$ gives exactly $1.0$). Then "sigmoid, then pool" sees a tie that "pool, then sigmoid"
# does not, and the two orders send the gradient to different cells. It does not matter: at
# those cells $s(1-s) = 0$, so both send a zero.

# %%
z_sat = np.array([[[[37.0, 40.0], [0.0, 1.0]]]])  # one window; 40 is the true maximum
s_sat = cnnbp.sigmoid(z_sat)
assert s_sat[0, 0, 0, 0] == s_sat[0, 0, 0, 1] == 1.0  # a tie created by rounding
assert cnnbp.sigmoid(36.0) < 1.0 == cnnbp.sigmoid(37.0)
one = np.ones((1, 1, 1, 1))
route_a = cnnbp.max_pool2d_backward(one, z_sat, 2)[0, 0]  # where pool -> sigmoid sends it
route_b = cnnbp.max_pool2d_backward(one, s_sat, 2)[0, 0]  # where sigmoid -> pool sends it
dz_a_sat = cnnbp.max_pool2d_backward(cnnbp.sigmoid_backward(one, cnnbp.sigmoid(cnnbp.max_pool2d(z_sat, 2))), z_sat, 2)
dz_b_sat = cnnbp.sigmoid_backward(cnnbp.max_pool2d_backward(one, s_sat, 2), s_sat)
print("routed to (pool -> sigmoid):", np.argwhere(route_a)[0], " (sigmoid -> pool):", np.argwhere(route_b)[0])
assert not np.array_equal(route_a, route_b)
assert not dz_a_sat.any() and not dz_b_sat.any()

# %% [markdown]
# ## What to remember
#
# - Through a fully connected layer, a unit's gradient is the sum over the neurons it feeds of
#   (the neuron's delta times the connecting weight): $\partial E/\partial a = W^\top \delta_H$, cnnbp's
#   `linear_backward`.
# - Through the sigmoid, multiply element-wise by $s(1-s)$, computed from the forward *output*;
#   it is at most $\tfrac14$, so every sigmoid layer shrinks the gradient passing back through
#   it by at least a factor of four.
# - The question's four deltas are correct; they use its two-decimal sigmoid outputs, so the
#   deltas of the reconstructed network, computed from its unrounded outputs, differ slightly.
# - Max-pool and a monotonic activation commute: swapping them changes the cost and the
#   intermediate shapes, not the gradient that reaches the convolution. Average pooling does not
#   commute with the sigmoid.
