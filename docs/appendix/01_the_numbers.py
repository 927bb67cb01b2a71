# %% [markdown]
# # The question's numbers, audited
#
# The worked example runs the question's network, but the question lost one piece of it, and
# the numbers it and its answer print are rounded in two different ways. The lesson pages say
# so once and link here; this appendix holds the forensics, complete and checked:
#
# 1. how the lost kernel was reconstructed from what the text still states;
# 2. how the answer shortened its deltas to four decimals (it cut them, it did not round);
# 3. every printed number next to ours, and what each rounding costs downstream.
#
# Letters as on the [notation](../../notation/) page; the translation of the question's own
# letters is on the [first worked-example page](../../example/01_forward/).

# %% tags=["remove-cell"]
# %matplotlib inline
import matplotlib.pyplot as plt

from cnnbp.viz import setup, show_table

setup()

# %%
import numpy as np

import cnnbp
from cnnbp import seed

x = np.array(seed.INPUT)  # (5, 5): the input

# %% [markdown]
# ## 1. The lost kernel
#
# ### What the question states, and what it lost
#
# The question showed its network in figures, and the figure with the kernel did not survive.
# The text still pins the kernel down surprisingly well:
#
# - **stated:** the input $x$; the top-left kernel weight $w_{0,0} = -0.13$ and the top-left
#   convolution output $y_{0,0} = 0.25$ (the answer mentions both); the four sigmoid outputs
#   $a$, which appear, rounded to two decimals, inside the question's delta formulas; the FC
#   weights $V$, which appear in the same formulas;
# - **implied:** which cell of each pooling window held the maximum. The answer's $4\times4$
#   delta map has exactly one non-zero per window, and a max-pool sends a window's delta to its
#   maximum, so the non-zeros *are* the positions of the maxima;
# - **unknown:** the other three kernel weights $w_{0,1}, w_{1,0}, w_{1,1}$, a possible bias
#   $b$, the FC bias and the output layer.

# %%
print("w00 =", seed.W00, "  y00 =", seed.X00)
print("sigmoid outputs a (two decimals) =\n", seed.SIGMOID_OUTPUTS)
print("the answer's delta map =\n", seed.DELTA_MAP)
# where the deltas went
argmax = seed.window_argmax(np.abs(seed.DELTA_MAP))
print("window maxima read off the map:", argmax)

# %% tags=["remove-cell"]
assert argmax == seed.ARGMAX_POSITIONS == ((1, 1), (0, 2), (2, 1), (3, 3))
assert seed.W00 == -0.13 and seed.X00 == 0.25

# %% [markdown]
# ### Five equations for three unknowns
#
# The convolution computes $y_{i,j} = \sum_{p,q} w_{p,q}\, x_{i+p,\,j+q} + b$ (no kernel flip).
# Each known value of $y$ is one linear equation in the weights, and there are five:
#
# - $y_{0,0} = 0.25$;
# - for each window, the pooled value is the $y$ at its maximum, and the sigmoid can be
#   inverted, so the printed output $a$ gives that $y$ back: $y = \log\frac{a}{1-a}$. Window
#   $(0, 0)$, with $a_{0,0} = 0.58$, has its maximum at $y_{1,1}$, so
#   $y_{1,1} = \log\frac{0.58}{0.42}$; window $(0, 1)$, with $a_{0,1} = 0.57$, has it at
#   $y_{0,2}$, so $y_{0,2} = \log\frac{0.57}{0.43}$; and so on.
#
# Moving the known $w_{0,0}\, x_{i,j}$ to the right-hand side leaves
#
# $$
# w_{0,1}\, x_{i,\,j+1} + w_{1,0}\, x_{i+1,\,j} + w_{1,1}\, x_{i+1,\,j+1} \;(+\, b)
#   = y_{i,j} - w_{0,0}\, x_{i,j}
# $$
#
# at five positions $(i, j)$: five equations, three unknowns (four with a bias). The printed
# numbers are rounded, so no kernel satisfies all five exactly; `seed.reconstruct_kernel`
# solves them by least squares. It weights each equation by how precisely it is known: $a$ is
# printed to $\pm 0.005$, which in units of $y$ is $\pm 0.005 / (a(1-a))$, about four times
# looser, so the four sigmoid equations are multiplied by $a(1-a)$. Every equation then
# counts in units of its own last printed digit.

# %%
fit = seed.reconstruct_kernel()  # the default: weighted, no bias
print("kernel =\n", fit.kernel)
print("bias =", fit.bias)
print("residuals in units of y:", fit.residuals)
print("residuals in printed units:", fit.printed_residuals)

# %% tags=["remove-cell"]
assert fit.kernel[0, 0] == seed.W00
assert np.array_equal(fit.kernel, seed.KERNEL)
# five equations
assert len(fit.residuals) == len(fit.printed_residuals) == 5
assert seed.SIGMOID_OUTPUTS[0, 0] == 0.58 and seed.ARGMAX_POSITIONS[0] == (
    1,
    1,
)
assert seed.SIGMOID_OUTPUTS[0, 1] == 0.57 and seed.ARGMAX_POSITIONS[1] == (
    0,
    2,
)

# %% [markdown]
# The residuals in printed units are what matter: a value that is off by less than $0.005$
# still rounds to the number the question printed (the first residual is that of $y_{0,0}$,
# the others those of the four sigmoid outputs). The table compares the fit with two
# alternatives, all computed by the same function.

# %% tags=["remove-input"]
variants = {
    "weighted, no bias (used)": seed.reconstruct_kernel(),
    "weighted, with bias": seed.reconstruct_kernel(bias=True),
    "unweighted, no bias": seed.reconstruct_kernel(weighted=False),
}
worst = {
    k: float(np.abs(f.printed_residuals).max())
    for k, f in variants.items()
}
fits = list(variants.values())
show_table(
    [
        ["$w_{0,1}$", *(f.kernel[0, 1] for f in fits)],
        ["$w_{1,0}$", *(f.kernel[1, 0] for f in fits)],
        ["$w_{1,1}$", *(f.kernel[1, 1] for f in fits)],
        ["bias $b$", *(f.bias for f in fits)],
        ["residual norm (units of $y$)", *(f.residual for f in fits)],
        ["largest error (printed units)", *worst.values()],
        [
            "all five numbers reproduced?",
            *(v < 0.005 for v in worst.values()),
        ],
    ],
    ["", *variants],
)

# %% tags=["remove-cell"]
assert worst["weighted, no bias (used)"] < 0.005
# a different kernel that also fits
assert worst["weighted, with bias"] < 0.005
assert (
    variants["weighted, with bias"].residual
    < variants["weighted, no bias (used)"].residual
)
assert worst["unweighted, no bias"] > 0.005
unweighted = variants["unweighted, no bias"]
assert round(seed.X00 + unweighted.residuals[0], 2) == 0.26  # not 0.25
# dy/da at each a
sensitivity = 1 / (seed.SIGMOID_OUTPUTS * (1 - seed.SIGMOID_OUTPUTS))
# "about four times looser"
assert 4.0 < sensitivity.min() and sensitivity.max() < 4.5

# %% [markdown]
# The same comparison as a picture: each fit's error on the five printed numbers, in units of
# the last printed digit. Inside the grey band a fitted value still rounds to what the
# question printed.

# %% tags=["remove-input"]
labels = ["$y_{0,0}$", "$a_{0,0}$", "$a_{0,1}$", "$a_{1,0}$", "$a_{1,1}$"]
fig, ax = plt.subplots(figsize=(6.4, 3.4))
ax.axhspan(
    -0.005,
    0.005,
    color="0.88",
    zorder=0,
    label="rounds to the printed value",
)
for k, (name, f) in enumerate(variants.items()):
    ax.bar(
        np.arange(5) + (k - 1) * 0.26,
        f.printed_residuals,
        width=0.26,
        label=name,
    )
ax.set_xticks(range(5), labels, fontsize=11)
ax.set_ylabel("fitted - printed", fontsize=11)
ax.tick_params(axis="y", labelsize=10)
ax.legend(fontsize=9.5, loc="lower left", frameon=False)
fig.tight_layout()
plt.show()

# %% [markdown]
# Without weights, the fit trades accuracy on $y_{0,0}$ (known to $\pm0.005$) for accuracy on
# the sigmoid equations (known only to about $\pm0.02$ in the same units) and misses the
# printed $0.25$: it gives $0.26$. With weights and no bias, every printed number is
# reproduced. A bias lowers the residual a little, as any fourth unknown fitted to five
# rounded numbers does, but the data do not ask for one, so the reconstruction uses none.
#
# ### A check the fit did not aim at
#
# The fit matched the *values* at the five positions; it never asked the four cells it used
# to be the largest of their windows. They are, and by comfortable margins: every window's
# maximum beats its runner-up by more than the uncertainty that two-decimal rounding leaves on
# a pooled value, $0.005 / (a(1-a))$ in units of $y$, about $0.02$.

# %% tags=["remove-input"]
y = seed.forward_pass().y  # (4, 4)
# (2, 2), units of y
slack = 0.005 / (seed.SIGMOID_OUTPUTS * (1 - seed.SIGMOID_OUTPUTS))
runner_up, best = [], []
for i, j in np.ndindex(2, 2):
    window = np.sort(y[2 * i : 2 * i + 2, 2 * j : 2 * j + 2].ravel())
    best.append(window[-1])
    runner_up.append(window[-2])
gaps = np.array(best) - np.array(runner_up)
show_table(
    [
        ["maximum at", *map(str, seed.ARGMAX_POSITIONS)],
        ["maximum", *best],
        ["runner-up", *runner_up],
        ["gap", *gaps],
        ["rounding slack", *slack.flat],
    ],
    ["window", "(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)"],
    fmt=["{}"] + ["{:.3f}"] * 4,
)

# %% tags=["remove-cell"]
assert seed.window_argmax(y) == seed.ARGMAX_POSITIONS
assert gaps.min() > slack.max()
assert np.all(np.abs(slack - 0.02) < 0.003)  # "about 0.02"

# %% [markdown]
# So the kernel is an *estimate*: other kernels reproduce the printed numbers as well (the fit
# with a bias in the table is one). The checks of the question's arithmetic use the question's
# own numbers, its rounded sigmoid outputs and the answer's delta map; the reconstructed
# kernel is needed only to run the network forward, for the figures, and for the pages that
# train it.
#
# ## 2. Cut, not rounded
#
# The answer typed its $4\times4$ delta map with four decimals. From the question's own
# numbers, cnnbp gets the four deltas $0.0364182$, $0.068628$, $0.04675125$ and $-0.06818625$
# ([page 2](../../example/02_fc_sigmoid/)). Rounded to four decimals, two of them match the
# answer's map and two do not; **cut** after four decimals (the rest dropped), all four match.

# %%
a = np.array(seed.SIGMOID_OUTPUTS)
dh, V = np.array(seed.DELTA_H), np.array(seed.FC_WEIGHTS)
da = cnnbp.linear_backward(dh[None], a.reshape(1, 4), V)[0]
dm = cnnbp.sigmoid_backward(da.reshape(2, 2), a)  # the question's deltas
dy = cnnbp.max_pool2d_backward(dm[None, None], y[None, None], 2)[0, 0]
d = seed.DELTA_MAP  # the answer's map
rounded = np.round(dy, 4)
cut = np.trunc(dy * 1e4) / 1e4

# %% tags=["remove-input"]
cells = [tuple(int(v) for v in c) for c in np.argwhere(d != 0)]
show_table(
    [[c, dy[c], d[c], rounded[c], cut[c]] for c in cells],
    ["cell", "exact", "the answer's map", "rounded", "cut"],
    fmt=["{}", "{:.8g}", "{:.4f}", "{:.4f}", "{:.4f}"],
)

# %% tags=["remove-cell"]
assert np.allclose(dm, seed.DELTA_POOLED, rtol=0, atol=1e-12)
assert np.allclose(
    dm,
    [[0.0364182, 0.068628], [0.04675125, -0.06818625]],
    rtol=0,
    atol=1e-12,
)
assert np.array_equal(dy != 0, d != 0)
assert np.array_equal(cut, d)  # cutting reproduces the map exactly
assert len(np.argwhere(rounded != d)) == 2  # rounding misses two cells
assert (
    np.isclose(dy[2, 1], 0.04675125)
    and rounded[2, 1] == 0.0468
    and d[2, 1] == 0.0467
)
assert (
    np.isclose(dy[3, 3], -0.06818625)
    and rounded[3, 3] == -0.0682
    and d[3, 3] == -0.0681
)
assert np.abs(dy - d).max() < 1e-4

# %% [markdown]
# Cutting moves each value toward zero by less than one unit of the fourth decimal: every
# cell of the answer's map is within $10^{-4}$ of the exact delta, and the positions, which
# are what the max-pool decides, agree exactly.
#
# ## 3. Every printed number next to ours
#
# Three sets of numbers appear in the lesson. **Printed**: what the question and its answer
# typed. **From the printed inputs**: what cnnbp computes from the question's own rounded
# sigmoid outputs, as the question did. **Reconstructed network**: what cnnbp computes when
# the network runs forward with the reconstructed kernel and backward from its own unrounded
# sigmoid outputs, as the [last page](../../example/06_whole_loop/) does.

# %%
fw = seed.forward_pass()  # the reconstructed network's forward pass
dm_net = cnnbp.sigmoid_backward(da.reshape(2, 2), fw.a)  # the same da
dy_net = cnnbp.max_pool2d_backward(dm_net[None, None], y[None, None], 2)
xb, wb = x[None, None], np.array(seed.KERNEL)[None, None]


def kernel_gradient(delta):  # delta: (4, 4) or (1, 1, 4, 4)
    delta = np.reshape(delta, (1, 1, 4, 4))
    return cnnbp.conv2d_backward(delta, xb, wb)[1][0, 0]


dw = kernel_gradient(dy)  # from the question's printed numbers
dw_net = kernel_gradient(dy_net)  # the reconstructed network
dw_answer = kernel_gradient(d)  # from the answer's map
dy_net = dy_net[0, 0]

# %% tags=["remove-input"]
windows = list(np.ndindex(2, 2))
rows = [["$y_{0,0}$", seed.X00, "(given)", fw.y[0, 0]]]
rows += [
    [f"$a_{{{i},{j}}}$", a[i, j], "(given)", fw.a[i, j]]
    for i, j in windows
]
rows += [
    [
        f"$\\delta^m_{{{i},{j}}}$",
        seed.DELTA_POOLED[i, j],
        dm[i, j],
        dm_net[i, j],
    ]
    for i, j in windows
]
rows += [
    [f"$\\delta^y_{{{i},{j}}}$", d[i, j], dy[i, j], dy_net[i, j]]
    for i, j in cells
]
rows += [
    [
        f"$\\partial L/\\partial w_{{{p},{q}}}$",
        seed.DW_ANSWER[p, q],
        dw[p, q],
        dw_net[p, q],
    ]
    for p, q in windows
]
show_table(
    rows,
    [
        "number",
        "printed",
        "from the printed inputs",
        "reconstructed network",
    ],
    fmt=["{}", "{:.8g}", "{:.8g}", "{:.6f}"],
)

# %% tags=["remove-cell"]
assert (
    np.array_equal(np.round(fw.a, 2), a)
    and round(float(fw.y[0, 0]), 2) == seed.X00
)
# the answer's code
assert np.allclose(dw_answer, seed.DW_ANSWER, rtol=0, atol=5e-7)

# %% [markdown]
# What each rounding costs, measured as relative errors of the kernel gradient (norm of the
# difference over the sum of the norms, `cnnbp.relative_error`):

# %%
r = cnnbp.relative_error
costs = {
    "the answer's four decimals": r(dw_answer, dw),
    "the question's two-decimal a": r(dw, dw_net),
    "both together": r(dw_answer, dw_net),
}

# %% tags=["remove-input"]
show_table(
    costs.items(),
    ["rounding", "relative error of the kernel gradient"],
    fmt=["{}", "{:.1e}"],
)

# %% tags=["remove-cell"]
cost_cut, cost_sigmoid, cost_both = costs.values()
gap_deltas = np.abs(dm_net - dm).max()
# the two sets of deltas differ in the fourth decimal at most
assert gap_deltas < 5e-4
assert 1e-4 < cost_cut < 1e-3
# every weight: below 0.1 %
assert np.abs((dw_answer - dw) / dw).max() < 1e-3
# partly cancel
assert max(cost_cut, cost_sigmoid) < cost_both < cost_cut + cost_sigmoid
assert cost_both < 1e-3 and r(dm_net, dm) < 1e-3
assert np.allclose(dw_net, seed.DW_ANSWER, atol=2e-4)

# %% [markdown]
# Each rounding moves the kernel gradient by a few parts in ten thousand, every weight by less
# than 0.1 %; together they move it by a little more than either alone, but less than the
# sum, because they partly cancel. The two sets of deltas, from the printed $a$ and from the
# network's own, differ by less than $5\cdot10^{-4}$.
#
# None of this touches the verdicts. The question's arithmetic is right to every digit it
# prints; the answer's code computes the right gradient from the map it was given; and the
# differences from the reconstructed network come only from rounding, so their size depends
# on the kernel that section 1 estimated.
