# %% [markdown]
# # Back through max-pool
#
# **What you will learn:** how the four deltas of the pooled map become the $4\times4$ delta of
# the convolution's output, what happens when two cells of a window tie, and why overlapping
# windows add their deltas. Letters as on the [notation](../../notation/) page.

# %% tags=["remove-cell"]
# %matplotlib inline
import matplotlib.pyplot as plt

from cnnbp.viz import setup, show_grids, show_pool_routing

setup()

# %%
import numpy as np

import cnnbp
from cnnbp import seed

# %% [markdown]
# ## The idea: the winner takes the delta
#
# A max-pool window passes on one of its four values, the largest, and ignores the other
# three. Backwards, the window's delta goes to the cell that won, unchanged, and the three
# losers get zero: they had no say in the output, so nudging them changes nothing. With
# $2\times2$ windows and stride 2 the windows tile the map, so $\delta^y$ has exactly one
# non-zero cell per window.

# %% tags=["remove-input"]
y_ = seed.forward_pass().y  # the 4x4 output of the convolution
show_pool_routing(
    y_,
    seed.DELTA_POOLED,
    size=2,
    stride=2,
    titles=["$y$ and its windows", "$\\delta^m$", "$\\delta^y$"],
    fmt="{:.3f}",
    cell=0.7,
)
plt.show()

# %% [markdown]
# Left, each window of $y$ in its own colour, with its maximum outlined; middle, the delta
# each window receives from the sigmoid; right, where that delta lands.

# %% [markdown]
# ### Try it
#
# Point at a pooled cell $m$ to see its window, its maximum and where its delta goes back; point
# at a cell of the gradient below to see which windows sent it their delta. The integer
# examples have ties (the first maximum in row-major order wins) and, with a stride smaller
# than the window, overlapping windows whose deltas add up.

# %% tags=["remove-input"]
from cnnbp.viz import pool_explorer_data, show_explorer

show_explorer(pool_explorer_data(start="seed"))

# %% [markdown]
# ## The derivation
#
# Take one window with values $y_0, \dots, y_3$ and output $m = \max_k y_k$, and say $y_{k^*}$
# is strictly the largest. Raise $y_{k^*}$ a little and $m$ rises by the same amount; raise
# any other $y_k$ a little and $m$ does not move. So
#
# $$
# \frac{\partial m}{\partial y_k} = \begin{cases} 1 & k = k^* \\ 0 & k \ne k^* \end{cases}
# \qquad\Longrightarrow\qquad
# \delta^y_k = \delta^m\, \frac{\partial m}{\partial y_k}
#   = \begin{cases} \delta^m & k = k^* \\ 0 & \text{otherwise.} \end{cases}
# $$
#
# The derivative of a max is a selector: nothing is multiplied, the backward pass only has to
# remember which cell won. Two situations that the question's network never meets need a
# second look.
#
# ### Ties
#
# If two cells share the maximum, $\max$ has a kink and the derivative above does not exist.
# A backward pass must still send the delta somewhere, and libraries differ: to every maximum,
# split evenly, or to one of them. cnnbp does what PyTorch does on the CPU: **the whole delta
# goes to the first maximum in row-major order** (the window's first row left to right, then
# the next row).

# %%
y_tie = np.array([[[[1.0, 3.0], [3.0, 2.0]]]])  # (0, 1) and (1, 0) tie
print(cnnbp.max_pool2d_backward(np.ones((1, 1, 1, 1)), y_tie, 2)[0, 0])

# %% [markdown]
# A finite-difference check cannot settle this; it exposes the kink. Raising $y_{0,1}$ by
# $\varepsilon$ raises the maximum by $\varepsilon$, lowering it leaves the maximum at $3$
# (held by $y_{1,0}$), and the central difference averages the two slopes: it reports
# $\tfrac12$ for *both* tied cells, and `check_gradient` rejects the backward pass.


# %% tags=["hide-input"]
def pool_sum(v):
    return float(cnnbp.max_pool2d(v, 2).sum())


num_tie = cnnbp.numerical_gradient(pool_sum, y_tie)
print("central differences:\n", num_tie[0, 0])
g_tie = cnnbp.max_pool2d_backward(np.ones((1, 1, 1, 1)), y_tie, 2)
try:
    cnnbp.check_gradient(pool_sum, y_tie, g_tie, name="dy at a tie")
except AssertionError as e:
    print("check_gradient fails:\n ", str(e).split(" (shape")[0])
else:
    raise RuntimeError("a tie should make the check fail")

# %% tags=["remove-cell"]
assert np.array_equal(g_tie[0, 0], [[0.0, 1.0], [0.0, 0.0]])
assert np.allclose(num_tie[0, 0], [[0, 0.5], [0.5, 0]])

# %% [markdown]
# Both are legitimate. At a kink, any split of the delta among the tied cells that adds up
# to the whole is a valid *subgradient*, so neither answer is "the" gradient, and a check at
# a tie tests nothing. That is why cnnbp's tests draw tie-free inputs and test the tie rule
# on its own, by where the delta lands. Ties are rare with real-valued activations, but they
# do happen: after a ReLU, a window of zeros is a four-way tie.
#
# ### Overlapping windows
#
# With a stride smaller than the window, windows overlap, and one cell can win several of
# them. It then receives all their deltas, **added**, because its value reached the loss along
# several paths. The smallest case: a $3\times3$ map whose centre is the largest value, pooled
# with size 2 and stride 1. All four windows contain the centre, and all four pick it.

# %% tags=["remove-input"]
y_ov = np.array([[0.1, 0.5, 0.2], [0.4, 0.9, 0.3], [0.6, 0.7, 0.8]])
dm_ov = np.array([[0.1, -0.2], [0.3, 0.05]])
_, _, dy_ov = show_pool_routing(
    y_ov,
    dm_ov,
    size=2,
    stride=1,
    fmt="{:.2f}",
    cell=0.7,
    titles=["$y$ and its four windows", "$\\delta^m$", "$\\delta^y$"],
)
plt.show()

# %% tags=["remove-cell"]
assert (
    np.isclose(dy_ov[1, 1], dm_ov.sum()) and np.count_nonzero(dy_ov) == 1
)
assert round(float(dm_ov.sum()), 2) == 0.25

# %% [markdown]
# The centre collects $0.1 - 0.2 + 0.3 + 0.05 = 0.25$. A backward pass that *assigns*
# (`dy[...] = delta`) instead of adding (`dy[...] += delta`) passes every test with
# non-overlapping windows and silently keeps only the last window here; the
# [bug zoo](../../beyond/06_bug_zoo/) shows it failing.
#
# ## The numbers
#
# The deltas of the pooled map, recomputed as on [page 2](../02_fc_sigmoid/), and the forward
# map $y$ they are routed through:

# %%
x = np.array(seed.INPUT)[None, None]  # (1, 1, 5, 5)
w = np.array(seed.KERNEL)[None, None]  # (1, 1, 2, 2)
a = np.array(seed.SIGMOID_OUTPUTS)
dh, V = np.array(seed.DELTA_H), np.array(seed.FC_WEIGHTS)
da = cnnbp.linear_backward(dh[None], a.reshape(1, 4), V)[0]
dm = cnnbp.sigmoid_backward(da.reshape(2, 2), a)  # (2, 2)

y = cnnbp.conv2d(x, w)  # (1, 1, 4, 4)
dy = cnnbp.max_pool2d_backward(dm[None, None], y, size=2, stride=2)
print(dy[0, 0])

# %% [markdown]
# ## A check
#
# Four non-zero cells, one per window, each equal to its window's delta; and central
# differences over all sixteen cells of $y$ agree (this map has no ties, so the derivative
# exists everywhere):

# %%
err = cnnbp.check_gradient(
    lambda v: np.sum(cnnbp.max_pool2d(v, 2) * dm), y, dy, name="dy"
)
print(f"relative error against central differences: {err:.0e}")

# %% tags=["remove-cell"]
assert np.count_nonzero(dy) == 4 and err < 1e-8
for (i, j), d_ij in np.ndenumerate(dm):
    window = dy[0, 0, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
    assert np.isclose(window.sum(), d_ij) and np.count_nonzero(window) == 1
assert np.array_equal(y[0, 0], y_)
assert np.allclose(dm, seed.DELTA_POOLED, rtol=0, atol=1e-12)
# The answer's map d: the same cells, values within 1e-4.
d = seed.DELTA_MAP
assert np.array_equal(dy[0, 0] != 0, d != 0)
assert np.abs(dy[0, 0] - d).max() < 1e-4

# %% [markdown]
# **Is the answer's $4\times4$ map right? Yes.** Its non-zero cells are exactly these four,
# and its values differ from these by less than $10^{-4}$, because it keeps four decimals (the
# [appendix](../../appendix/01_the_numbers/) shows how it dropped the rest).
#
# The same check on random, tie-free inputs with overlapping windows, in two configurations
# (size 3 with stride 2, and size 2 with stride 1), and a picture of the second one: the
# outlined cells won more than one window and hold the sum of those windows' deltas.

# %% tags=["hide-input"]
rng = np.random.default_rng(4)
for size, stride, shape in [(3, 2, (1, 2, 7, 5)), (2, 1, (2, 1, 4, 6))]:
    y_r = rng.standard_normal(shape)  # continuous values: no ties
    dm_r = rng.standard_normal(cnnbp.max_pool2d(y_r, size, stride).shape)
    dy_r = cnnbp.max_pool2d_backward(dm_r, y_r, size, stride)

    def loss(v, size=size, stride=stride, dm_r=dm_r):
        return np.sum(cnnbp.max_pool2d(v, size, stride) * dm_r)

    err_r = cnnbp.check_gradient(loss, y_r, dy_r, name=f"size {size}")
    print(f"size {size}, stride {stride}, y {shape}: error {err_r:.0e}")

# %% tags=["remove-input"]
wins = cnnbp.max_pool2d_backward(np.ones_like(dm_r), y_r, 2, 1)[0, 0]
shared = wins > 1  # cells that won more than one window
show_grids(
    [y_r[0, 0], wins, dm_r[0, 0], dy_r[0, 0]],
    [
        "$y$ (random)",
        "windows won",
        "$\\delta^m$ (random)",
        "$\\delta^y$: sums outlined",
    ],
    ncols=2,
    fmt=["{:.2f}", "{:.0f}", "{:.2f}", "{:.2f}"],
    marks=[shared, shared, None, shared],
    cell=0.62,
    zero="0",
    fontsize=11,
)
plt.show()

# %% tags=["remove-cell"]
assert wins.sum() == dm_r[0, 0].size and shared.any()

# %% [markdown]
# ## What to remember
#
# - Back through a max-pool, each window's delta goes, unchanged, to the cell that held the
#   window's maximum; every other cell gets zero. The derivative of a max is a selector.
# - The question's four deltas land on the four cells of the answer's map `d`.
# - At a tie, cnnbp (like PyTorch on the CPU) gives the whole delta to the first maximum in
#   row-major order. Central differences split it instead, so gradient checks need tie-free
#   inputs.
# - When windows overlap, a cell that wins several windows collects the *sum* of their deltas:
#   `+=`, never `=`.
#
# ## Exercises
#
# **1.** Keep the question's $y$, but let the pooled deltas be
# $\delta^m = \begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}$. Write down $\delta^y$.
#
# <details>
# <summary>Solution</summary>
#
# The maxima sit at $(1,1)$, $(0,2)$, $(2,1)$ and $(3,3)$ for the windows $(0,0)$, $(0,1)$,
# $(1,0)$, $(1,1)$. So $\delta^y_{1,1} = 1$, $\delta^y_{0,2} = 2$, $\delta^y_{2,1} = 3$,
# $\delta^y_{3,3} = 4$, and the other twelve cells are $0$.
#
# </details>
#
# **2.** Replace the max-pool by a $2\times2$ *average* pool. What does $\delta^y$ look like for
# the question's $\delta^m$?
#
# <details>
# <summary>Solution</summary>
#
# Each window's output is the mean of its four cells, so each cell moves the output by a
# quarter of its own nudge: every cell of window $(i, j)$ gets $\delta^m_{i,j}/4$. All sixteen
# cells are non-zero; for example the four cells of window $(0, 0)$ each get
# $0.0364182 / 4 = 0.00910455$. No cell is singled out, so the forward values do not matter.
#
# </details>
#
# **3.** After a ReLU, a window can be all zeros. Where does cnnbp send that window's delta,
# and what do central differences report for its four cells?
#
# <details>
# <summary>Solution</summary>
#
# It is a four-way tie, so cnnbp sends the whole delta to the first cell, $(0, 0)$. Central
# differences report $\tfrac12$ for *every* cell: raising any one of them raises the maximum,
# lowering it leaves the maximum at $0$. The four halves add up to $2$, not $1$: a central
# difference at a kink is not even one of the valid splits.
#
# </details>

# %% tags=["remove-cell"]
# Exercise 1.
dy_1 = cnnbp.max_pool2d_backward(
    np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), y, 2
)[0, 0]
expected = np.zeros((4, 4))
expected[1, 1], expected[0, 2], expected[2, 1], expected[3, 3] = 1, 2, 3, 4
assert np.array_equal(dy_1, expected)
assert seed.ARGMAX_POSITIONS == ((1, 1), (0, 2), (2, 1), (3, 3))
# Exercise 2.
dy_avg = cnnbp.avg_pool2d_backward(dm[None, None], y, 2)[0, 0]
assert np.allclose(
    dy_avg, np.kron(dm, np.ones((2, 2))) / 4, rtol=0, atol=1e-15
)
assert np.isclose(dm[0, 0], 0.0364182, rtol=0, atol=1e-12)
assert np.count_nonzero(dy_avg) == 16 and np.allclose(
    dy_avg[:2, :2], 0.00910455, rtol=0, atol=1e-12
)
# Exercise 3.
zeros = np.zeros((1, 1, 2, 2))
dy_relu = cnnbp.max_pool2d_backward(np.ones((1, 1, 1, 1)), zeros, 2)[0, 0]
assert np.array_equal(dy_relu, [[1.0, 0.0], [0.0, 0.0]])
num = cnnbp.numerical_gradient(pool_sum, zeros.copy())[0, 0]
assert np.allclose(num, 0.5) and np.isclose(num.sum(), 2.0)
