# %% [markdown]
# # Back through max-pool
#
# The previous page ended with four numbers, one per pooling window: the deltas
# $\delta_{11}, \delta_{12}, \delta_{21}, \delta_{22}$, the derivatives of the error with respect
# to the pooled values *before* the sigmoid. This page carries them one step further down, onto
# the $4\times4$ output of the convolution, which is where the kernel gradient of the next page
# starts.
#
# The numbers are those of the Data Science Stack Exchange question "back propagation in CNN"
# (koryakinp, 2018) and of its answer, which printed the resulting $4\times4$ map as an array
# called `d`. We rebuild that map with cnnbp, compare it with the answer's, and then look at the
# two situations the question's example never meets: ties inside a window and windows that
# overlap.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import cnnbp
from cnnbp import seed
from cnnbp.viz import show_matrix, show_pool_routing

# %% [markdown]
# ## The rule
#
# A max-pool window with entries $z_1, \dots, z_k$ outputs $p = \max_r z_r$. As long as one
# entry, say $z_{r^*}$, is strictly larger than the others, nudging it moves $p$ by the same
# amount and nudging any other entry does nothing:
#
# $$
# \frac{\partial p}{\partial z_r} = \begin{cases} 1 & r = r^* \\ 0 & r \ne r^* \end{cases}
# \qquad\Longrightarrow\qquad
# \frac{\partial E}{\partial z_r} = \frac{\partial E}{\partial p}\,\frac{\partial p}{\partial z_r}
#   = \begin{cases} \delta & r = r^* \\ 0 & \text{otherwise.} \end{cases}
# $$
#
# So the backward pass is pure bookkeeping: each window hands its delta, unchanged, to the cell
# that won the forward pass, and every other cell gets zero. With $2\times2$ windows and
# stride 2 the windows tile the map, each cell belongs to exactly one window, and the result
# has exactly one non-zero per window.
#
# ## The question's map
#
# The forward pass of [page 1](../01_forward/) gives the $4\times4$ convolution output `z`
# (with the reconstructed kernel). The deltas are recomputed here exactly as on
# [page 2](../02_fc_sigmoid/): the FC layer's backward pass, then the sigmoid's, from the
# question's own numbers.

# %%
z = seed.forward_pass().x  # the 4x4 map the kernel produced, before pooling
ds = cnnbp.linear_backward(seed.DELTA_H[None], seed.SIGMOID_OUTPUTS.reshape(1, 4), seed.FC_WEIGHTS)[0]
delta = cnnbp.sigmoid_backward(ds.reshape(2, 2), seed.SIGMOID_OUTPUTS)  # the 2x2 deltas
assert np.allclose(delta, seed.DELTA_POOLED, rtol=0, atol=1e-12)
dz = cnnbp.max_pool2d_backward(delta[None, None], z[None, None], size=2, stride=2)[0, 0]
print("deltas (2x2):\n", delta)
print("gradient on the 4x4 map:\n", dz)

# %% [markdown]
# The picture shows each window in its own colour on the left, the delta it receives in the
# middle, and where that delta lands on the right. The outlined cells are the maxima the forward
# pass selected.

# %%
fig, axes, _ = show_pool_routing(
    z, delta, size=2, stride=2,
    titles=["conv output $z$ and its windows", r"deltas $\delta$", r"$\partial E/\partial z$"],
)
plt.show()

# %% [markdown]
# Four non-zero cells, one per window, each equal to its window's delta; the gradient check
# below perturbs every one of the sixteen cells and agrees (the map has no ties, so the
# derivative is well defined everywhere).

# %%
assert np.count_nonzero(dz) == 4
for (p, q), d_pq in np.ndenumerate(delta):
    window = dz[2 * p : 2 * p + 2, 2 * q : 2 * q + 2]
    assert np.isclose(window.sum(), d_pq) and np.count_nonzero(window) == 1
err = cnnbp.check_gradient(
    lambda _: np.sum(cnnbp.max_pool2d(z[None, None], 2) * delta), z, dz, name="dz"
)
print(f"relative error against central differences: {err:.1e}")

# %% [markdown]
# ### Compared with the answer's `d`
#
# The answer typed its map with four decimals. Rounded to four decimals, ours matches two of the
# four non-zeros; the other two differ in the last digit, because the answer *cut off* the
# digits instead of rounding (for example $0.04675125$ became $0.0467$, not $0.0468$). Cutting
# ours off the same way reproduces `d` exactly:

# %%
d = seed.DELTA_MAP
rounded = np.round(dz, 4)
truncated = np.trunc(dz * 1e4) / 1e4
print("answer's d:\n", d)
print("ours, rounded to 4 decimals:\n", rounded)
print("cells where rounding differs from d:", [tuple(map(int, ij)) for ij in np.argwhere(rounded != d)])
assert len(np.argwhere(rounded != d)) == 2
assert np.array_equal(truncated, d)
assert np.isclose(dz[2, 1], 0.04675125) and rounded[2, 1] == 0.0468 and d[2, 1] == 0.0467
assert np.abs(dz - d).max() < 1e-4
print(f"largest |ours - d| = {np.abs(dz - d).max():.2e} (below one unit of the fourth decimal)")

# %% [markdown]
# The positions, which are what the max-pool decides, agree exactly; the values differ from the
# exact deltas by less than $10^{-4}$. The [next page](../04_kernel_gradient/) measures how
# much that small loss of precision changes the kernel gradient.
#
# ## Ties: which maximum gets the gradient?
#
# When two entries of a window share the maximum, the derivative above is not defined: the
# function $\max$ has a kink there. A backward pass still has to send the delta somewhere, and
# libraries choose differently (to every maximum, split evenly, or to one of them). cnnbp follows
# PyTorch on the CPU: **the whole delta goes to the first maximum in row-major order within the
# window** (scan the window's first row left to right, then the next row).

# %%
x_tie = np.array([[1.0, 3.0], [3.0, 2.0]])  # two maxima: (0, 1) comes first in row-major order
g_tie = cnnbp.max_pool2d_backward(np.ones((1, 1, 1, 1)), x_tie[None, None], size=2)[0, 0]
print("analytic (first maximum):\n", g_tie)
assert np.array_equal(g_tie, [[0.0, 1.0], [0.0, 0.0]])

# %% [markdown]
# A finite-difference check does not settle the question, it exposes it. With positions counted
# from 0 as in the code, raising $x_{01}$ by
# $h$ raises the window's maximum by $h$ (slope 1); lowering it by $h$ leaves the maximum at
# $3$, held by $x_{10}$ (slope 0). The central difference averages the two one-sided slopes and
# reports $\tfrac12$ for *both* tied cells:

# %%
num_tie = cnnbp.numerical_gradient(lambda v: float(cnnbp.max_pool2d(v[None, None], 2).sum()), x_tie)
print("central differences:\n", num_tie)
assert np.allclose(num_tie, [[0.0, 0.5], [0.5, 0.0]])
try:
    cnnbp.check_gradient(
        lambda v: float(cnnbp.max_pool2d(v[None, None], 2).sum()), x_tie, g_tie, name="dx at a tie"
    )
except AssertionError as e:
    print("check_gradient refuses:", e)
else:
    raise RuntimeError("a tie should make the finite-difference check fail")

# %% [markdown]
# Both answers are legitimate: at a kink every non-negative weighting of the tied cells that sums to
# one is a valid *subgradient*, and the one-sided derivatives along each cell are what they are. Neither
# is "the" gradient, so a check at a tie tests nothing. This is why the package's tests and this
# site's checks draw tie-free inputs, and why the tie rule is tested on its own, by asserting
# where the delta lands. In practice ties are rare with real-valued activations, but they do
# happen (after a ReLU, many windows are all zeros).
#
# ## Overlapping windows: gradients add up
#
# With a stride smaller than the window, windows overlap, and one cell can be the maximum of
# several of them. It then receives *every* one of their deltas, summed, because the cell's
# value reached the loss along several paths:
#
# $$
# \frac{\partial E}{\partial z_{ij}} = \sum_{\text{windows } w \,:\, (i,j) = \operatorname{argmax}(w)} \delta_w .
# $$
#
# The smallest example: a $3\times3$ map whose centre is the largest value, pooled with size 2
# and stride 1. All four windows contain the centre and all four pick it.

# %%
x_ov = np.array([[0.1, 0.5, 0.2], [0.4, 0.9, 0.3], [0.6, 0.7, 0.8]])
dy_ov = np.array([[0.1, -0.2], [0.3, 0.05]])
fig, axes, g_ov = show_pool_routing(x_ov, dy_ov, size=2, stride=1, fmt="{:.2f}")
plt.show()
assert np.isclose(g_ov[1, 1], dy_ov.sum()) and np.count_nonzero(g_ov) == 1
print(f"centre receives {g_ov[1, 1]:.2f} = sum of the four deltas")

# %% [markdown]
# A backward pass that *assigns* the delta (`dx[...] = delta`) instead of adding it
# (`dx[...] += delta`) passes every test with non-overlapping windows and silently keeps only the
# last window here; the [bug zoo](../../beyond/06_bug_zoo/) shows it failing. cnnbp adds, and
# the finite-difference check confirms it on random tie-free inputs with two overlapping
# configurations: size 3, stride 2 and size 2, stride 1.

# %%
rng = np.random.default_rng(4)
for size, stride, shape in [(3, 2, (1, 2, 7, 5)), (2, 1, (2, 1, 4, 6))]:
    x = rng.standard_normal(shape)  # continuous values: ties have probability zero
    y = cnnbp.max_pool2d(x, size, stride)
    dy = rng.standard_normal(y.shape)
    dx = cnnbp.max_pool2d_backward(dy, x, size, stride)
    err = cnnbp.check_gradient(
        lambda _, size=size, stride=stride, dy=dy: np.sum(cnnbp.max_pool2d(_, size, stride) * dy),
        x, dx, name=f"dx (size {size}, stride {stride})",
    )
    shared = int(np.sum(np.abs(dx) > 0)) < y.size  # fewer receiving cells than windows
    print(f"size {size}, stride {stride}: x {shape} -> y {y.shape}; relative error {err:.1e}; "
          f"some cell won several windows: {shared}")

# %% [markdown]
# The last configuration (size 2, stride 1), first image: sending a gradient of 1 from every
# window counts how many windows each cell won, and the outlined cells, winners of more than one
# window, hold sums of several upstream values.

# %%
wins = cnnbp.max_pool2d_backward(np.ones_like(dy), x, 2, 1)[0, 0]  # windows won by each cell
shared_cells = wins > 1
# Two rows of two, so that the cell labels stay readable at the page's width.
fig, axes = plt.subplots(2, 2, figsize=(8.6, 5.2))
for ax, a, title, mark, fmt in zip(
    axes.flat,
    [x[0, 0], wins, dy[0, 0], dx[0, 0]],
    ["input $x$", "windows won", "upstream $dy$", "$dx$ (outlined: sums)"],
    [shared_cells, shared_cells, None, shared_cells],
    ["{:.2f}", "{:.0f}", "{:.2f}", "{:.2f}"],
    strict=True,
):
    show_matrix(a, ax, title=title, fmt=fmt, mark=mark)
fig.tight_layout()
plt.show()
assert wins.sum() == dy[0, 0].size and shared_cells.any()

# %% [markdown]
# ## Try it
#
# Point at a pooled cell $m$ to see its window, its maximum and where its delta goes back; point
# at a cell of the gradient below to see which windows sent it their delta. The integer
# examples have ties (the first maximum in row-major order wins) and, with a stride smaller
# than the window, overlapping windows whose deltas add up.

# %% tags=["remove-input"]
from cnnbp.viz import pool_explorer_data, show_explorer

show_explorer(pool_explorer_data(start="seed"))

# %% [markdown]
# ## What to remember
#
# - Max-pool backward routes each window's delta, unchanged, to the cell that was the window's
#   maximum; every other cell gets zero. Nothing is multiplied: the "derivative of max" is a
#   selector.
# - For the question, the four deltas land at the four positions of the answer's map `d`; the
#   answer's values are the exact ones cut off (not rounded) after four decimals.
# - At a tie the maximum has a kink. cnnbp, like PyTorch on the CPU, gives the whole delta to
#   the first maximum in row-major window order; a central difference would split it, so
#   gradient checks must use tie-free inputs.
# - With overlapping windows a cell can win several windows and then collects the *sum* of their
#   deltas: `+=`, never `=`.
