# %% [markdown]
# # Gradient checking
#
# Every backward function in cnnbp, and every hand-derived number on this site, is tested the
# same way: nudge one input a little, watch how much the loss moves, and compare with the
# gradient the backward pass claims. This page takes that check apart. Why the nudge goes both
# ways, how big it should be, how to compare two gradient tensors with one number, what
# accuracy to expect in float32 and in float64, where the check cannot work (kinks), and how to
# check a tensor far too large to nudge entry by entry.
#
# Everything here uses [`cnnbp.gradcheck`](../../reference/gradcheck/); nothing is
# re-implemented except, for comparison, the one-sided difference that cnnbp deliberately
# leaves out.

# %%
# %matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np

from cnnbp import (
    check_gradient,
    check_gradient_projection,
    conv2d,
    conv2d_backward,
    max_pool2d,
    max_pool2d_backward,
    numerical_gradient,
    relative_error,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
)
from cnnbp.viz import show_markdown, show_matrices

rng = np.random.default_rng(5)

# %% [markdown]
# ## The pattern: make a layer scalar with a random upstream gradient
#
# A layer maps a tensor to a tensor, but finite differences need a scalar. The trick is to pick
# a random upstream gradient $\delta$ of the output's shape and look at
#
# $$L(x) = \sum_k y_k(x)\,\delta_k .$$
#
# By the chain rule $\partial L/\partial x_i = \sum_k \delta_k\,\partial y_k/\partial x_i$,
# which is exactly what the layer's backward function returns when it is handed $\delta$ as
# `dy`. A random, non-uniform $\delta$ matters: with $\delta$ all ones, a backward function
# that reads the wrong entry of $\delta$ (a transposed index, the wrong output channel or
# image) still produces the right answer, because every entry it could read is the same.
#
# Here is the check on a convolution with stride and padding, for all three gradients.

# %%
x = rng.standard_normal((2, 3, 7, 6))
w = rng.standard_normal((4, 3, 3, 3))
b = rng.standard_normal(4)
conv_args = {"stride": 2, "padding": 1}
y = conv2d(x, w, b, **conv_args)
dy = rng.standard_normal(y.shape)
dx, dw, db = conv2d_backward(dy, x, w, **conv_args)

errors = {
    "dx": check_gradient(lambda _: np.sum(conv2d(x, w, b, **conv_args) * dy), x, dx, name="dx"),
    "dw": check_gradient(lambda _: np.sum(conv2d(x, w, b, **conv_args) * dy), w, dw, name="dw"),
    "db": check_gradient(lambda _: np.sum(conv2d(x, w, b, **conv_args) * dy), b, db, name="db"),
}
for name, err in errors.items():
    print(f"{name}: relative error {err:.1e}")
assert 1e-12 < min(errors.values()) and max(errors.values()) < 1e-8   # "around 1e-10" below

# %% [markdown]
# The lambda ignores its argument: `check_gradient` nudges `x` (or `w`, or `b`) in place and
# restores it afterwards, so a closure over the arrays sees every nudge.

# %% [markdown]
# ## Central, not forward, differences
#
# Taylor's theorem says what each difference quotient measures. For a step $h$,
#
# $$
# \begin{align}
# \frac{f(x+h)-f(x)}{h} &= f'(x) + \tfrac{h}{2} f''(x) + O(h^2), \\
# \frac{f(x+h)-f(x-h)}{2h} &= f'(x) + \tfrac{h^2}{6} f'''(x) + O(h^4).
# \end{align}
# $$
#
# In the central difference the $f''$ terms of the two sides cancel, so its *truncation*
# error falls like $h^2$ instead of $h$. But $h$ cannot shrink forever: each value of $f$ is
# rounded to a relative precision $\varepsilon$ (the machine epsilon of the dtype), and the
# difference of two nearly equal rounded numbers, divided by $h$, carries a *round-off* error
# of about $\varepsilon\,|f|/h$. The total error is the sum of a term that grows with $h$ and
# one that shrinks with it, a V on log-log axes. Balancing the two terms puts the bottom of
# the V near $h \approx \varepsilon^{1/3}$ for central differences and
# $h \approx \varepsilon^{1/2}$ for forward ones.
#
# To see it on a real layer we need some curvature (a convolution alone is linear in its
# weights, so its truncation error is exactly zero): take a convolution followed by a sigmoid,
# $L(w) = \sum \delta \odot \sigma(\mathrm{conv}(x, w, b))$, and compare numerical gradients of
# $L$ with respect to $w$ against the analytic one in float64, for many steps $h$. The forward
# difference below is written out on this page only for the comparison; cnnbp has none.

# %%
xs = rng.standard_normal((1, 1, 6, 6))
ws = 0.5 * rng.standard_normal((2, 1, 3, 3))
bs = 0.5 * rng.standard_normal(2)
s = sigmoid(conv2d(xs, ws, bs))
ds = rng.standard_normal(s.shape)
# Analytic gradient in float64: sigmoid backward, then the convolution's weight gradient.
_, dws_true, _ = conv2d_backward(sigmoid_backward(ds, s), xs, ws)


def loss_in(dtype):
    """L(w) = sum(ds * sigmoid(conv2d(x, w, b))) computed entirely in `dtype`."""
    xd, bd, dsd = xs.astype(dtype), bs.astype(dtype), ds.astype(dtype)
    return lambda wd: np.sum(sigmoid(conv2d(xd, wd, bd)) * dsd)


def forward_difference(f, v, h):
    """One-sided difference (f(v + h e_i) - f(v)) / h, for comparison only."""
    grad = np.zeros(v.shape)
    f0 = float(f(v))
    flat = v.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        step = float(flat[i]) - float(old)  # the step actually taken after rounding
        grad.flat[i] = (float(f(v)) - f0) / step
        flat[i] = old
    return grad


# float32 cannot represent steps much below its spacing near |w| ~ 1, so its sweep stops earlier.
steps = {np.float64: np.logspace(-13, 0, 27), np.float32: np.logspace(-6, 0, 13)}
sweep = {}
for dtype, hs in steps.items():
    f = loss_in(dtype)
    wd = ws.astype(dtype)
    sweep[dtype] = {
        "central": [relative_error(numerical_gradient(f, wd, eps=h), dws_true) for h in hs],
        "forward": [relative_error(forward_difference(f, wd, h), dws_true) for h in hs],
    }

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
styles = {np.float64: "-", np.float32: "--"}
colors = {"central": "C0", "forward": "C3"}
for dtype, hs in steps.items():
    for kind, errs in sweep[dtype].items():
        ax.loglog(hs, errs, styles[dtype], color=colors[kind], marker="o", ms=3,
                  label=f"{kind}, {np.dtype(dtype).name}")
# Guides with the slopes Taylor predicts, drawn beside the float64 curves.
h1, h2 = np.logspace(-6, -2, 10), np.logspace(-4, -1, 10)
ax.loglog(h1, 0.02 * h1, ":", color="gray", lw=2, label="slope 1 (error ~ h)")
ax.loglog(h2, 0.003 * h2**2, "-.", color="gray", lw=1.5, label="slope 2 (error ~ h²)")
ax.set_xlabel("step $h$")
ax.set_ylabel("relative error vs analytic gradient")
ax.set_title("Finite-difference error for dL/dw of sigmoid(conv2d)")
ax.legend(fontsize=8)
ax.grid(True, which="major", alpha=0.3)
plt.show()

# %%
rows = ["| difference, dtype | best $h$ | its error | predicted $h$ |",
        "|---|---|---|---|"]
best = {}
for dtype, hs in steps.items():
    eps_mach = np.finfo(dtype).eps
    for kind, power in [("central", 1 / 3), ("forward", 1 / 2)]:
        errs = np.array(sweep[dtype][kind])
        k = int(np.argmin(errs))
        best[dtype, kind] = (hs[k], errs[k])
        rows.append(f"| {kind}, {np.dtype(dtype).name} | {hs[k]:.0e} | {errs[k]:.1e} | "
                    f"{eps_mach**power:.0e} |")
show_markdown("\n".join(rows))

# The claims of the prose below, checked.
for dtype in steps:
    assert best[dtype, "central"][1] < best[dtype, "forward"][1]
    assert best[dtype, "central"][0] > best[dtype, "forward"][0]
assert best[np.float64, "central"][1] < 1e-8 < best[np.float32, "central"][1]
assert 1e-7 <= best[np.float64, "central"][0] <= 1e-4
assert 1e-4 <= best[np.float32, "central"][0] <= 1e-1
# "What to remember": the measured best central steps and the rounded eps**(1/3).
assert np.isclose(best[np.float64, "central"][0], 1e-5)
assert np.isclose(best[np.float32, "central"][0], 1e-2)
assert f"{np.finfo(np.float64).eps ** (1 / 3):.0e}" == "6e-06"
assert f"{np.finfo(np.float32).eps ** (1 / 3):.0e}" == "5e-03"
for (dtype, kind), (h_best, _) in best.items():  # "where the machine epsilon predicts"
    predicted = np.finfo(dtype).eps ** (1 / 3 if kind == "central" else 1 / 2)
    assert 0.1 <= h_best / predicted <= 10
# The default eps=1e-6: near the bottom in float64, far up the round-off branch in float32.
i64, i32 = np.argmin(abs(steps[np.float64] - 1e-6)), np.argmin(abs(steps[np.float32] - 1e-6))
assert sweep[np.float64]["central"][i64] < 100 * best[np.float64, "central"][1]
assert sweep[np.float32]["central"][i32] > 100 * best[np.float32, "central"][1]

# %% [markdown]
# Read the figure from the right. At large $h$ the curves run parallel to the gray guides:
# the forward difference loses one decade of accuracy per decade of $h$ (slope 1), the central
# one two (slope 2). Moving left, each curve hits its floor and turns up again: round-off, now
# divided by a small $h$, takes over. The bottoms of the V sit where the machine epsilon
# predicts (table above: "best $h$" is measured, "predicted $h$" is $\varepsilon^{1/3}$ for
# central and $\varepsilon^{1/2}$ for forward differences), and the central difference's floor
# is both lower and reached at a larger, safer step. In float64 the default `eps=1e-6` of `numerical_gradient` sits near the bottom of
# the central V; in float32 the same step would be far up the round-off branch, which is why
# float32 checks use a step around $10^{-2}$.
#
# `numerical_gradient` also divides by the step *actually taken*,
# `(x_i + eps) - (x_i - eps)` after rounding to the array's dtype, not by `2 * eps`. In float32
# the two differ noticeably for small steps, which alone would ruin the check:

# %%
w32 = ws.astype(np.float32)
for h in (1e-6, 1e-4, 1e-2):
    taken = (w32 + np.float32(h)).astype(np.float64) - (w32 - np.float32(h)).astype(np.float64)
    print(f"eps = {h:g}: step taken differs from 2*eps by up to {100 * np.max(np.abs(taken / (2 * h) - 1)):.2g} %")

# %% [markdown]
# ## One number for the whole tensor: the relative error
#
# `relative_error(a, b)` is norm-wise:
#
# $$\mathrm{err}(a, b) = \frac{\lVert a - b\rVert_2}{\lVert a\rVert_2 + \lVert b\rVert_2}.$$
#
# It is scale-free (multiplying both gradients by 1000 leaves it unchanged), it is 0 for equal
# tensors and at most 1, and it does not care about individual small entries. The tempting
# alternative, an element-wise ratio $|a_i - b_i| / \max(|a_i|, |b_i|)$ and its maximum, breaks
# exactly where gradients are small. A saturated sigmoid is the everyday example: for a
# pre-activation of $\pm 30$ the true derivative $\sigma(1-\sigma)$ is about $10^{-13}$, far
# below the round-off of the numerical estimate, so the element-wise ratio of such an entry is
# of order one for a perfectly correct backward function.

# %%
z = rng.standard_normal((3, 4))
z[0, :2] = [30.0, -30.0]  # two saturated units
s_z = sigmoid(z)
dsz = rng.standard_normal(z.shape)
dz = sigmoid_backward(dsz, s_z)
num_dz = numerical_gradient(lambda _: np.sum(sigmoid(z) * dsz), z)

# The element-wise ratio, computed here only to show why cnnbp does not use it.
elementwise = np.abs(dz - num_dz) / np.maximum(np.abs(dz), np.abs(num_dz))
normwise = relative_error(dz, num_dz)
print(f"true |dz| of the saturated units: {np.abs(dz[0, :2])}")
worst_at = tuple(int(i) for i in np.unravel_index(elementwise.argmax(), z.shape))
print(f"largest element-wise relative error: {elementwise.max():.2g}  (at {worst_at})")
print(f"norm-wise relative error:            {normwise:.1e}")
print(f"their numerical estimates: {num_dz[0, :2]}")
assert elementwise.max() > 1e-2 and normwise < 1e-8
assert 1e-14 < sigmoid(30.0) * (1 - sigmoid(30.0)) < 1e-12  # "about 1e-13"
assert np.all(num_dz[0, :2] == 0) and np.isclose(elementwise.max(), 1.0)

# %% [markdown]
# The backward function is right. The saturated entries look as bad as possible element-wise
# because their true values lie below what the difference of two rounded losses can resolve:
# nudging $z = \pm 30$ by $h$ changes the loss by about $10^{-13} h$, far less than the
# rounding of a loss of order one, so the computed loss does not move at all, the estimate is
# exactly zero and the ratio is 1. The norm-wise error weighs
# every entry by its size and reports the agreement of the tensor as a whole.

# %% [markdown]
# ## What tolerances mean in float64 and float32
#
# The thresholds follow from the V above. Here the same handful of layers is checked in both
# dtypes: the backward pass runs in the dtype under test, the numerical gradient nudges arrays
# of that dtype, with `eps=1e-6` in float64 and `eps=1e-2` in float32. For max-pooling the
# inputs are a shuffled grid of values spaced by $0.1$, so no nudge can change which entry of
# a window is the maximum (see *kinks* below).

# %%
def layer_cases(dtype):
    """(name, f, input, analytic gradient) for a few layers, all arrays in `dtype`."""
    r = np.random.default_rng(0)
    xc = r.standard_normal((2, 2, 6, 5)).astype(dtype)
    wc = r.standard_normal((3, 2, 3, 3)).astype(dtype)
    yc = conv2d(xc, wc, stride=2, padding=1)
    dyc = r.standard_normal(yc.shape).astype(dtype)
    dxc, dwc, _ = conv2d_backward(dyc, xc, wc, stride=2, padding=1)
    xp = (r.permutation(2 * 2 * 7 * 7).reshape(2, 2, 7, 7) * 0.1).astype(dtype)
    dyp = r.standard_normal(max_pool2d(xp, 3, 2).shape).astype(dtype)
    zc = r.standard_normal((4, 5)).astype(dtype)
    dsc = r.standard_normal(zc.shape).astype(dtype)
    return [
        ("conv2d dx", lambda _: np.sum(conv2d(xc, wc, stride=2, padding=1) * dyc), xc, dxc),
        ("conv2d dw", lambda _: np.sum(conv2d(xc, wc, stride=2, padding=1) * dyc), wc, dwc),
        ("max_pool2d dx", lambda _: np.sum(max_pool2d(xp, 3, 2) * dyp), xp,
         max_pool2d_backward(dyp, xp, 3, 2)),
        ("sigmoid dz", lambda _: np.sum(sigmoid(zc) * dsc), zc,
         sigmoid_backward(dsc, sigmoid(zc))),
    ]


tol = {}
rows = ["| layer | float64, `eps=1e-6` | float32, `eps=1e-2` |", "|---|---|---|"]
measured = {np.float64: [], np.float32: []}
for (name, f64, x64, g64), (_, f32, x32, g32) in zip(layer_cases(np.float64),
                                                      layer_cases(np.float32), strict=True):
    assert g32.dtype == np.float32  # the float32 path really ran in float32
    e64 = relative_error(numerical_gradient(f64, x64, eps=1e-6), g64)
    e32 = relative_error(numerical_gradient(f32, x32, eps=1e-2), g32)
    measured[np.float64].append(e64)
    measured[np.float32].append(e32)
    rows.append(f"| {name} | {e64:.1e} | {e32:.1e} |")
show_markdown("\n".join(rows))
worst64, worst32 = max(measured[np.float64]), max(measured[np.float32])
digits64, digits32 = int(-np.log10(worst64)), int(-np.log10(worst32))
show_markdown(
    f"Worst case: {worst64:.1e} in float64, {worst32:.1e} in float32, so a passing check vouches "
    f"for about {digits64} digits in float64 and {digits32} in float32. `rtol=1e-6` leaves "
    f"float64 a margin of {1e-6 / worst64:.0f}x; float32 needs `rtol` around `1e-2` "
    f"(margin {1e-2 / worst32:.0f}x)."
)
assert worst64 < 1e-8 and worst32 < 1e-3

# %% [markdown]
# The bugs of the [bug zoo](../06_bug_zoo/) produce relative errors of order one, but a bug
# that touches a single entry, or a gradient that is only slightly off, can sit anywhere down to
# $10^{-4}$ and below (the single corrupted entry at the end of this page is such a case). A
# float64 check separates that from round-off by several orders of magnitude; a float32 check
# does not. Hence the rule cnnbp's tests follow:
# **check gradients in float64**, and test float32 only for what float32 is about (the dtype is
# kept, the values agree with float64 to float32 accuracy).

# %% [markdown]
# ## Kinks: where the numerical gradient is ambiguous
#
# Central differences assume $f$ is smooth on $[x - h, x + h]$. ReLU at $0$ and max-pooling at
# a tie are not: the derivative jumps, and a difference quotient straddling the jump returns a
# blend of the two sides that is neither.
#
# **ReLU.** At $z = 0$ the slope is $0$ on the left and $1$ on the right. The central
# difference at $z_0$ with step $h$ returns $\big(\max(z_0+h, 0) - \max(z_0-h, 0)\big)/2h$, a
# ramp from 0 to 1 across $[-h, h]$, while the analytic derivative is a step.

# %%
h = 1e-6
z0s = np.linspace(-3 * h, 3 * h, 61)
ramp = [numerical_gradient(lambda v: np.sum(relu(v)), np.array([z0]), eps=h)[0] for z0 in z0s]
step_fn = [relu_backward(np.ones(1), np.array([z0]))[0] for z0 in z0s]

fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(z0s / h, step_fn, drawstyle="steps-mid", label="relu_backward (analytic)")
ax.plot(z0s / h, ramp, "o", ms=3, label=f"central difference, h = {h:g}")
ax.axvspan(-1, 1, color="C1", alpha=0.1)
ax.set_xlabel("$z_0 / h$")
ax.set_ylabel("d relu / dz")
ax.legend(fontsize=8)
plt.show()

at_zero = numerical_gradient(lambda v: np.sum(relu(v)), np.array([0.0]))[0]
print(f"numerical derivative at exactly 0: {at_zero}; relu_backward says {relu_backward(np.ones(1), np.zeros(1))[0]}")
assert np.isclose(at_zero, 0.5)

# %% [markdown]
# Exactly at the kink the central difference reports $0.5$, the average of the two one-sided
# slopes, which no rule for ReLU returns. Within $h$ of the kink (the shaded band) it reports
# anything in between. Far from it, both agree.
#
# **Max-pooling at a tie.** When two entries of a window share the maximum, raising either one
# raises the output, lowering either one does not. The central difference therefore gives each
# tied entry *half* of the upstream gradient, while cnnbp sends all of it to the first maximum
# in row-major order, as PyTorch does on the CPU.

# %%
xt = np.array([[[[0.9, 0.3, 0.5, 0.2],
                 [0.9, 0.1, 0.4, 0.5],
                 [0.2, 0.6, 0.8, 0.8],
                 [0.7, 0.6, 0.1, 0.8]]]])
dyt = np.array([[[[1.0, 2.0], [-1.0, 3.0]]]])
dx_rule = max_pool2d_backward(dyt, xt)
dx_num = numerical_gradient(lambda _: np.sum(max_pool2d(xt) * dyt), xt)
tie_counts = (xt[0, 0].reshape(2, 2, 2, 2) == max_pool2d(xt)[0, 0][:, None, :, None]).sum(axis=(1, 3))
n_tied = int(np.sum(tie_counts > 1))
assert tie_counts.max() == 3   # the bottom-right window has three tied entries
fig, _ = show_matrices([xt[0, 0], dx_rule[0, 0], dx_num[0, 0]],
                       [f"input (ties in {n_tied} windows)", "cnnbp: first maximum", "central difference"],
                       marks=[None, dx_rule[0, 0] != 0, dx_num[0, 0] != 0])
plt.show()
try:
    check_gradient(lambda _: np.sum(max_pool2d(xt) * dyt), xt, dx_rule, name="dx")
except AssertionError as e:
    print("AssertionError:", e)
# Every tied entry gets half of its window's upstream gradient, however many entries tie.
assert np.isclose(dx_num[0, 0, 0, 0], 0.5) and np.isclose(dx_num[0, 0, 3, 3], 1.5)
print(f"bottom-right window: upstream gradient {dyt[0, 0, 1, 1]}, central differences hand out "
      f"{dx_num[0, 0, 2:, 2:].sum():.4g} in total")
assert np.isclose(dx_num[0, 0, 2:, 2:].sum(), 1.5 * dyt[0, 0, 1, 1])

# %% [markdown]
# At a tie the max is not differentiable. Any split of the upstream gradient among the tied entries
# into non-negative fractions that add up to the full amount is a valid choice (a subgradient), and
# cnnbp's, everything to one entry, is one of them. The central difference is not even that: with
# three tied entries its halves add up to one and a half times the window's gradient (printed
# above). The entry-by-entry check simply cannot judge ties; the [bug zoo](../06_bug_zoo/) shows the
# one split that *is* wrong and a check that catches it. Near-ties are as bad: two entries closer
# than $h$ get a blend. That is why cnnbp's tests draw inputs without ties or zeros, or spread them
# on a grid as above, whenever ties are not the point of the test.

# %% [markdown]
# ## Large tensors: check along random directions
#
# A full check costs two evaluations of the layer per input entry. For a batch of images that
# is thousands of forward passes. `check_gradient_projection` instead picks $n$ random
# unit directions $v$ and compares one number per direction:
#
# $$\frac{L(x + h v) - L(x - h v)}{2h} \approx \langle \nabla L(x),\, v\rangle
#   = \sum_i g_i v_i ,$$
#
# which costs $2n$ evaluations whatever the size. A wrong gradient $g$ passes only if its error
# is orthogonal, or nearly so, to every $v$; for random Gaussian directions that is very unlikely
# unless the error is tiny. First, the cost on a medium tensor (where the full check is still
# affordable) and a large one (where it is only estimated from the time of one evaluation):

# %%
def timed(fn, repeat=3):
    best_t = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best_t = min(best_t, time.perf_counter() - t0)
    return out, best_t


cost_rows = ["| input `x` | entries | evaluations, full | time, full | evaluations, projection (n=3) | time, projection |",
             "|---|---|---|---|---|---|"]
big = {}
for shape, run_full in [((1, 2, 8, 8), True), ((2, 4, 32, 32), False)]:
    xb = rng.standard_normal(shape)
    wb = rng.standard_normal((8, shape[1], 3, 3))
    yb = conv2d(xb, wb, padding=1)
    dyb = rng.standard_normal(yb.shape)
    dxb, _, _ = conv2d_backward(dyb, xb, wb, padding=1)

    def fb(_, xb=xb, wb=wb, dyb=dyb):
        return np.sum(conv2d(xb, wb, padding=1) * dyb)

    _, t_eval = timed(lambda fb=fb, xb=xb: fb(xb), repeat=5)
    err_p, t_proj = timed(lambda fb=fb, xb=xb, dxb=dxb: check_gradient_projection(fb, xb, dxb, n=3), repeat=1)
    if run_full:
        _, t_full = timed(lambda fb=fb, xb=xb, dxb=dxb: check_gradient(fb, xb, dxb), repeat=1)
        full_txt = f"{t_full * 1e3:.0f} ms (measured)"
    else:
        full_txt = f"~{2 * xb.size * t_eval:.0f} s (estimated)"
    cost_rows.append(f"| {shape} | {xb.size} | {2 * xb.size} | {full_txt} | 6 | {t_proj * 1e3:.1f} ms |")
    big = {"x": xb, "f": fb, "dx": dxb, "err": err_p}
show_markdown("\n".join(cost_rows))
assert big["err"] < 1e-6

# %% [markdown]
# The projection check loses one thing: it says *that* a gradient is wrong, not *where*. It
# does not lose much sensitivity. Corrupt a single entry of the large `dx` by one percent, one
# entry among thousands, and the directional derivatives no longer agree, because in float64
# the noise floor is far below the damage.

# %%
bad = big["dx"].copy()
bad[1, 2, 3, 4] *= 1.01
try:
    check_gradient_projection(big["f"], big["x"], bad, n=3, name="dx")
    caught = False
except AssertionError as e:
    caught = True
    print("AssertionError:", str(e)[:160], "...")
assert caught
err_one = relative_error(bad, big["dx"])
print(f"norm-wise relative error of the corrupted dx against the correct one: {err_one:.1e}")
assert err_one < 1e-4   # a real bug, yet far below 1e-4 (see the tolerances section)

# %% [markdown]
# ## How cnnbp's own tests use it
#
# The test suite calls the same functions as this page; only the bookkeeping differs.
#
# - **One random case per parameter combination, named.** `tests/test_conv.py` lists a covering
#   set of convolution cases (batch, channels, odd and non-square sizes, stride, padding,
#   dilation, including the question's 5x5 input with a 2x2 kernel) and parametrizes one test
#   over them, so a failure reports which case broke. Each case draws `x`, `w`, `b` and a
#   random upstream gradient `dy` from a seeded generator (the `rng` fixture in
#   `tests/conftest.py`) and makes the three calls of the first cell of this page, one each
#   for `dx`, `dw` and `db`, with the default float64 step and tolerance.
# - **No kinks unless they are the point.** `tests/test_pool.py` builds its max-pool inputs
#   as a shuffled grid of distinct values spaced far wider than the step (the trick used above),
#   so finite differences never straddle a tie. Ties get their own tests, which check the
#   first-maximum rule directly and, on random inputs with few distinct levels, properties
#   that hold whatever the ties: each window's gradient lands exactly once, so `dx` sums to
#   what `dy` sums to.
# - **Projections for whole networks.** `tests/test_nn.py` runs a small CNN (convolutions,
#   ReLU, pooling, sigmoid, a linear layer, softmax cross-entropy) end to end, checks the
#   gradient with respect to the input with `check_gradient_projection` and every parameter
#   with `check_gradient`.
# - **The checker is tested too.** `tests/test_gradcheck.py` makes sure the checks reject
#   wrong gradients (including right values in the wrong layout), restore their input, and
#   refuse mismatched shapes.
#
# ## What to remember
#
# - Turn a layer into a scalar with a **random, non-uniform** upstream gradient
#   $\delta$: $L = \sum y \odot \delta$; its gradient is what the backward pass returns for
#   `dy = δ`.
# - Use **central** differences: truncation error $O(h^2)$ instead of $O(h)$. Too small a step
#   drowns in round-off; the best step is near $\varepsilon^{1/3}$, which is about
#   $6\cdot10^{-6}$ in float64 and $5\cdot10^{-3}$ in float32 (the best steps measured above:
#   $10^{-5}$ and $10^{-2}$).
# - Compare with the **norm-wise** relative error; element-wise ratios blow up on tiny entries.
# - In float64 a correct gradient gives around $10^{-10}$ (first cell of this page) and a bug
#   orders of magnitude more: check in float64. Float32 only supports loose tolerances.
# - At **kinks** (ReLU at 0, tied maxima) the numerical gradient is a blend of both sides; keep
#   test inputs away from them unless the kink is the point.
# - For large tensors, **random projections** cost $2n$ evaluations instead of two per entry and
#   still catch a single wrong entry, but do not say which one.
