# %% [markdown]
# # Checking the answer
#
# The question ("back propagation in CNN", koryakinp, Data Science Stack Exchange, 2018) ends
# by asking whether the calculation is correct. Its answer computes the kernel gradient with
# SciPy and prints the result (its code was corrected once); a later comment proposes a
# different line, with a convolution and two 90° rotations, and another asks for the code to be
# reviewed. This page settles all of it with evidence: every step is compared with a
# finite-difference gradient (`cnnbp.gradcheck`), which knows nothing about the derivation.
#
# The steps, in the order the question takes them: the four deltas behind the sigmoid, the
# $4\times4$ map behind the max-pool, the kernel gradient in several spellings, and the whole chain
# at once.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from scipy import signal

import cnnbp
from cnnbp import seed
from cnnbp.viz import show_dx_sources, show_markdown, show_matrix

o = np.array(seed.INPUT)  # the conv layer's input, 5x5
w = np.array(seed.KERNEL)  # the reconstructed kernel (page 1)
d = np.array(seed.DELTA_MAP)  # the answer's delta map
s = np.array(seed.SIGMOID_OUTPUTS)  # as the question prints them
fc_w = np.array(seed.FC_WEIGHTS)  # (2, 4): into H1, into H2
delta_h = np.array(seed.DELTA_H)


def rot180(a):
    """Both axes reversed: the same as np.rot90(np.rot90(a))."""
    return np.rot90(a, 2)


# %% [markdown]
# ## 1. The four deltas behind the sigmoid
#
# Each pooled unit feeds both FC neurons, so its delta collects
# $\delta_{H_1}$ and $\delta_{H_2}$ through the two weights leaving it, and then passes the
# sigmoid, whose derivative is $\sigma(1 - \sigma)$. `linear_backward` and `sigmoid_backward`
# do exactly that. The reference is the finite-difference gradient, with respect to the four
# pooled values $p = \operatorname{logit}(\sigma)$, of
# $L(p) = \delta_{H_1} H_1 + \delta_{H_2} H_2$, whose gradient is by definition what
# backpropagation must return.

# %%
ds, _, _ = cnnbp.linear_backward(delta_h[None], s.reshape(1, 4), fc_w)
deltas = cnnbp.sigmoid_backward(ds.reshape(2, 2), s)

p = np.log(s / (1 - s))  # the pooled values whose sigmoids the question prints


def loss_of_pooled(p):
    return float(delta_h @ cnnbp.linear(cnnbp.sigmoid(p).reshape(1, 4), fc_w)[0])


err = cnnbp.check_gradient(loss_of_pooled, p, deltas, name="deltas")
print("deltas:", deltas.round(10).tolist(), f"  finite differences agree to {err:.0e}")
assert np.allclose(deltas, [[0.0364182, 0.068628], [0.04675125, -0.06818625]], rtol=1e-12, atol=0)

# %% [markdown]
# The question's four deltas are right to every digit it prints.
#
# ## 2. The delta map behind the max-pool
#
# Max-pooling passes each delta to the position of its window's maximum and nothing
# elsewhere. The maxima come from the forward pass through the reconstructed kernel, so this
# check also says whether that kernel puts them where the answer's map has its non-zero
# entries. (Part of that is by construction: the reconstruction on [page 1](../01_forward/)
# used those positions as equations. It did not force the other three cells of each window
# to be smaller, so the check is not empty.) The reference is the finite-difference gradient of
# $L(x) = \sum \delta \odot \operatorname{maxpool}(x)$.

# %%
x = cnnbp.conv2d(o[None, None], w[None, None])  # (1, 1, 4, 4)
d_exact = cnnbp.max_pool2d_backward(deltas[None, None], x, 2)
err = cnnbp.check_gradient(
    lambda x_: np.sum(deltas * cnnbp.max_pool2d(x_, 2)[0, 0]), x, d_exact, name="4x4 map"
)
d_exact = d_exact[0, 0]
assert np.array_equal(d_exact != 0, d != 0)  # same positions as the answer's map
assert np.allclose(np.trunc(d_exact * 1e4) / 1e4, d, rtol=0, atol=1e-12)
print(f"positions match the answer's map; finite differences agree to {err:.0e}")
print("the answer's map is the exact one cut to four decimals:", np.abs(d_exact - d).max() < 1e-4)

# %% [markdown]
# The map is right too, up to the four decimals the answer keeps (the
# [previous page](../04_kernel_gradient/) shows that it cuts rather than rounds, and what that
# costs).
#
# ## 3. The kernel gradient, spelled seven ways
#
# [Page 4](../04_kernel_gradient/) derived
# $\partial E / \partial w_{m'n'} = \sum_{ij} \Delta_{ij}\, o_{i+m', j+n'}$, with $\Delta_{ij}$
# the entries of the $4\times4$ delta map (the answer's array `d` holds them to four decimals).
# Below, seven SciPy expressions that people write for it are run on the answer's $o$ and
# $d$. The copy of the thread this project works from keeps the answer's arrays and its
# printed result but not the line that computed it; the first expression is the plainest one
# that prints exactly that result. The second is the comment's line. The reference is the
# finite-difference gradient of
#
# $$L(w) = \sum_{i,j} d_{ij}\, \big(\operatorname{conv}(o, w)\big)_{ij} ,$$
#
# the error as a function of the kernel with the upstream deltas held at the answer's map.
# The verdict (right or wrong) is decided by the relative error alone.

# %%
w_probe = w.copy()  # numerical_gradient perturbs its argument in place
reference = cnnbp.numerical_gradient(
    lambda k: np.sum(d * cnnbp.conv2d(o[None, None], k[None, None])[0, 0]), w_probe
)

variants = [
    ("signal.correlate2d(o, d, 'valid')", "the answer's result", signal.correlate2d(o, d, "valid")),
    (
        "signal.convolve2d(np.rot90(np.rot90(d)), o, 'valid')",
        "the comment",
        signal.convolve2d(np.rot90(np.rot90(d)), o, "valid"),
    ),
    (
        "signal.convolve2d(o, rot180(d), 'valid')",
        "flip, then convolve",
        signal.convolve2d(o, rot180(d), "valid"),
    ),
    (
        "signal.convolve2d(o, d, 'valid')",
        "convolve, no flip",
        signal.convolve2d(o, d, "valid"),
    ),
    (
        "signal.correlate2d(d, o, 'valid')",
        "correlate, swapped",
        signal.correlate2d(d, o, "valid"),
    ),
    (
        "signal.convolve2d(o, np.rot90(d), 'valid')",
        "one 90° turn",
        signal.convolve2d(o, np.rot90(d), "valid"),
    ),
    (
        "signal.correlate2d(o, rot180(d), 'valid')",
        "flip, then correlate",
        signal.correlate2d(o, rot180(d), "valid"),
    ),
]

rows = ["| expression | what it is | result | relative error: verdict |", "|---|---|---|---|"]
verdicts = {}
for code, what, g in variants:
    e = cnnbp.relative_error(g, reference)
    verdicts[what] = e < 1e-8
    result = np.array2string(g, precision=6, separator=", ").replace("\n", "")
    rows.append(
        f"| `{code}` | {what} | `{result}` | {e:.1e}: {'right' if e < 1e-8 else '**wrong**'} |"
    )
show_markdown("\n".join(rows))
assert len(variants) == 7  # "seven ways"

assert [verdicts[what] for _, what, _ in variants] == [True, True, True, False, False, False, False]
# The first expression prints what the answer shows.
assert np.allclose(variants[0][2], [[0.044606, 0.094061], [0.011262, 0.068288]], atol=5e-7)

# %% [markdown]
# The answer's result and the comment's line are both right: they are the same numbers.
# Every wrong variant multiplies the same deltas with cells of the same input, only paired by
# the wrong index arithmetic, so its values have the right size and sign and look plausible;
# the swapped correlation even prints the right four numbers, in the wrong places. Nothing
# but a gradient check catches that. Side by side:

# %%
fig, axes = plt.subplots(2, 4, figsize=(9, 5.4))
panels = [("finite differences", reference)] + [
    (f"{what}\n({'right' if verdicts[what] else 'wrong'})", g) for _, what, g in variants
]
for ax, (title, g) in zip(axes.flat, panels, strict=True):
    show_matrix(g, ax, title=title, fmt="{:.4f}")
fig.tight_layout()

# %% [markdown]
# ## Why the flip comes with convolution and not with correlation
#
# SciPy's two functions differ in one index. In 'valid' mode, with the second argument of
# size $K \times L$,
#
# $$\operatorname{correlate}(a, k)_{pq} = \sum_{i,j} a_{p+i,\, q+j}\, k_{ij}, \qquad
# \operatorname{convolve}(a, k)_{pq} = \sum_{i,j} a_{p+i,\, q+j}\, k_{K-1-i,\, L-1-j} ,$$
#
# that is, convolution is correlation with the second argument turned by 180°. The gradient
# $\sum_{ij} o_{m'+i, n'+j}\, \Delta_{ij}$ is a correlation of $o$ with $\Delta$, which is
# `correlate2d(o, d, 'valid')`, with no flip at all. Written as a convolution it needs $\Delta$
# turned by 180° *before* the convolution turns it back: the two flips cancel. That is the
# comment's `np.rot90(np.rot90(d))` — two quarter turns, one half turn. (The comment also puts
# $\Delta$ first: convolution is commutative, so the order does not matter there, and SciPy
# swaps the arguments itself in 'valid' mode when the first is the smaller one.)
#
# Correlation is *not* commutative: swapping its arguments mirrors the lags, and the result
# comes out turned by 180°, $\operatorname{correlate}(d, o) = \operatorname{rot}_{180}(\operatorname{correlate}(o, d))$ —
# the fifth row, where the gradients of $w_{00}$ and $w_{11}$ trade places, and so do those of
# $w_{01}$ and $w_{10}$.
# The cell checks each identity.

# %%
g = signal.correlate2d(o, d, "valid")
assert np.allclose(signal.convolve2d(o, d, "valid"), signal.correlate2d(o, rot180(d), "valid"))
assert np.allclose(
    signal.convolve2d(rot180(d), o, "valid"), signal.convolve2d(o, rot180(d), "valid")
)
assert np.allclose(signal.correlate2d(d, o, "valid"), rot180(g))
assert np.allclose(rot180(rot180(d)), d) and np.allclose(np.rot90(np.rot90(d)), rot180(d))
print("convolve(a, k) = correlate(a, rot180(k));  convolve commutes;")
print("correlate(d, o) = rot180(correlate(o, d))")

# %% [markdown]
# ## Where the 180° turn does belong
#
# The rotation that so many derivations mention belongs to a *different* gradient: the delta
# handed to the layer below, $\partial E / \partial o$ — the second thing the question asks, about
# an earlier convolution layer. Each input cell $o_{uv}$ met the kernel entry $w_{u-i,\, v-j}$
# at output $(i, j)$, so
#
# $$\frac{\partial E}{\partial o_{uv}} = \sum_{i,j} \Delta_{ij}\, w_{u-i,\, v-j} ,$$
#
# a *full* convolution of $\Delta$ with $w$ — equivalently a full correlation with the kernel
# turned by 180°. Four ways to compute it (cnnbp's backward pass, its full-convolution view
# `delta_full_conv`, and SciPy's full convolution and full correlation), one answer:

# %%
do_cnnbp = cnnbp.conv2d_backward(d[None, None], o[None, None], w[None, None])[0][0, 0]
do_full = cnnbp.delta_full_conv(d[None, None], w[None, None], (1, 1, 5, 5))[0, 0]
do_scipy = signal.convolve2d(d, w, "full")
assert np.allclose(do_full, do_cnnbp) and np.allclose(do_scipy, do_cnnbp)
assert np.allclose(signal.correlate2d(d, rot180(w), "full"), do_cnnbp)
o_probe = o.copy()
err = cnnbp.check_gradient(
    lambda a: np.sum(d * cnnbp.conv2d(a[None, None], w[None, None])[0, 0]),
    o_probe,
    do_cnnbp,
    name="dE/do",
)
print(f"dE/do (5x5), shape {do_cnnbp.shape}; finite differences agree to {err:.0e}")
print(do_cnnbp.round(4))

# %% [markdown]
# Two of its cells, drawn (the panel titles call the input gradient `dx`, the package's name
# for it): each input cell collects the deltas of the outputs whose window
# read it, each multiplied by the kernel entry that met the cell there. In the left panel the
# labels read $w_{11}, w_{10}$ over $w_{01}, w_{00}$: the kernel turned by 180°, because the
# output further up and left met the cell with the tap further down and right.

# %%
fig, axes = show_dx_sources(d, w, (5, 5), [(1, 2), (3, 4)], fmt="{:.4f}")
assert np.isclose(
    do_cnnbp[1, 2], d[0, 1] * w[1, 1] + d[0, 2] * w[1, 0] + d[1, 1] * w[0, 1] + d[1, 2] * w[0, 0]
)

# %% [markdown]
# That $5\times5$ map is what an earlier convolution layer would receive as its delta map (through
# its own activation, if it has one), and it would then compute its own kernel gradient
# exactly as [page 4](../04_kernel_gradient/) does. So there are two rules, and they are easy
# to mix up: the kernel gradient correlates the *input* with $\Delta$ and never flips; the
# input gradient convolves $\Delta$ with the *kernel*, and that is where the 180° turn lives.
#
# ## 4. The whole chain at once
#
# Last, the question's complete backward pass — from $\delta_{H_1}, \delta_{H_2}$ through the FC
# layer, the sigmoid and the max-pool to the kernel — against finite differences of the
# network itself: $L(w) = \delta_{H_1} H_1(w) + \delta_{H_2} H_2(w)$, with $H$ computed by a
# full forward pass (`seed.forward_pass`) for each perturbed kernel. The backward pass uses the
# network's own sigmoid outputs, not the two-decimal ones the question prints.

# %%
fw = seed.forward_pass()
ds_net, _, _ = cnnbp.linear_backward(delta_h[None], fw.s.reshape(1, 4), fc_w)
deltas_net = cnnbp.sigmoid_backward(ds_net.reshape(2, 2), fw.s)
d_net = cnnbp.max_pool2d_backward(deltas_net[None, None], fw.x[None, None], 2)
_, dw_net, _ = cnnbp.conv2d_backward(d_net, o[None, None], w[None, None])
dw_net = dw_net[0, 0]

err_chain = cnnbp.check_gradient(
    lambda k: float(delta_h @ seed.forward_pass(kernel=k).h), w.copy(), dw_net, name="dE/dw"
)
err_answer = cnnbp.relative_error(variants[0][2], dw_net)
show_markdown(
    f"The chain rule and the finite differences agree to a relative error of {err_chain:.0e}. "
    f"The answer's printed gradient differs from the reconstructed network's gradient by a "
    f"relative error of {err_answer:.1e}: the cost of the question's two-decimal sigmoid outputs "
    f"(the reconstructed network's are "
    f"{np.array2string(fw.s.reshape(-1), precision=4, separator=', ')}) and of the four-decimal "
    f"deltas. The size of that difference belongs to this reconstruction: it depends on the "
    f"kernel that [page 1](../01_forward/) estimated."
)
assert err_chain < 1e-8 and err_answer < 1e-2

# %% [markdown]
# So, is the calculation correct? Yes. The deltas, the routing through the max-pool and the answer's
# kernel gradient all pass their checks; the comment's convolution with a doubled rotation is the
# same computation written differently; the differences from the values recomputed here come only
# from the rounding of the printed numbers. The one thing to change is the bias: a convolution has
# one bias per channel with gradient $\sum_{ij} \Delta_{ij}$, not one per position
# ([page 4](../04_kernel_gradient/)).
#
# ## What to remember
#
# - Trust a gradient formula only after comparing it with finite differences of the loss it
#   claims to differentiate; wrong index arrangements give plausible-looking numbers.
# - Kernel gradient = `correlate2d(input, delta, 'valid')`. Written with `convolve2d`, the
#   delta must be turned by 180° first; the two flips cancel.
# - Correlation does not commute: swapping its arguments turns the result by 180°.
# - The 180° turn of the *kernel* belongs to the delta for the layer below (a full
#   convolution), not to the kernel gradient.
