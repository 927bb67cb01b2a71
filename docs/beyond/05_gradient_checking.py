# %% [markdown]
# # Gradient checking
#
# **What you will learn:** how to test any backward pass without trusting its
# derivation: turn the layer into a scalar with a random upstream gradient, nudge each
# input both ways, and compare. Also how large the nudge should be (the V of truncation
# and round-off), how to compare two tensors with one number, what float64 and float32
# can vouch for, where the check cannot work (kinks), and how to check a tensor too large
# to nudge entry by entry. The letters are those of the [notation page](../../notation/);
# $\varepsilon$ is the step and $\epsilon_\text{mach}$ the machine epsilon of a floating-point type.

# %% tags=["remove-cell"]
# %matplotlib inline
import time

import matplotlib.pyplot as plt

from cnnbp.viz import setup, show_grids, show_markdown, show_table

setup()

# %% [markdown]
# ## The idea: a slope you can measure
#
# A backward pass claims the slope of the loss along every entry of its input. A slope
# can also be *measured*: move one entry a little, to $x \pm \varepsilon$, recompute the loss, and
# divide the change by the distance. If claim and measurement agree for every entry, the
# backward pass is right, whatever its derivation said.
#
# Measure with a step to both sides, not one. In the picture, the one-sided (forward)
# secant from $x$ to $x + \varepsilon$ leans away from the tangent, because the curve bends over
# the step; the two-sided (central) secant from $x - \varepsilon$ to $x + \varepsilon$ is nearly parallel to
# it, because the bending on the two sides cancels.

# %%
import textwrap

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

rng = np.random.default_rng(5)

# %% tags=["remove-input"]
x0, h0 = 1.0, 0.6
slopes = {
    "tangent": np.cos(x0),
    "forward secant": (np.sin(x0 + h0) - np.sin(x0)) / h0,
    "central secant": (np.sin(x0 + h0) - np.sin(x0 - h0)) / (2 * h0),
}
assert abs(slopes["central secant"] - slopes["tangent"]) < 0.2 * abs(
    slopes["forward secant"] - slopes["tangent"])
grid = np.linspace(0.0, 2.0, 200)
fig, ax = plt.subplots(figsize=(6.2, 3.8))
ax.plot(grid, np.sin(grid), color="0.2", lw=2, label="f(x) = sin x")
styles = {"tangent": ("0.5", "--"), "forward secant": ("#d62728", "-"),
          "central secant": ("#1f77b4", "-")}
for name, slope in slopes.items():
    color, ls = styles[name]
    anchor = x0 if name != "central secant" else x0 - h0
    f_anchor = np.sin(anchor)
    ax.plot(grid, f_anchor + slope * (grid - anchor), ls, color=color,
            lw=1.6, label=f"{name}: slope {slope:.3f}")
marks = np.array([x0 - h0, x0, x0 + h0])
ax.plot(marks, np.sin(marks), "o", color="0.2")
ax.set_xticks([x0 - h0, x0, x0 + h0], ["x - ε", "x", "x + ε"])
ax.set_ylim(0, 1.3)
ax.set_yticks([])
ax.legend(loc="lower right", fontsize=10)
plt.show()

# %% [markdown]
# The slopes in the legend are computed: with the same $\varepsilon$, the central secant is more
# than five times closer to the tangent than the forward one (asserted).
#
# ## The derivation
#
# The intuition: a difference quotient is a slope you can compute without knowing the
# derivative, and Taylor's theorem says how far it is from the true one.
#
# **A scalar from any layer.** A layer maps a tensor to a tensor, but a slope needs a
# scalar. Pick a random upstream gradient $\delta^y$ of the output's shape and take
#
# $$L(x) = \sum_k y_k(x)\,\delta^y_k .$$
#
# By the chain rule $\partial L/\partial x_u = \sum_k \delta^y_k\,\partial y_k/\partial
# x_u$, which is exactly what the layer's backward function returns when it is handed
# $\delta^y$ as `dy`. Random and non-uniform matters: with $\delta^y$ all ones, a backward
# function that reads the wrong entry of $\delta^y$ (a transposed index, the wrong channel
# or image) still gets the right answer, because every entry it could read is the same.
#
# **Central, not forward.** For a step $\varepsilon$,
#
# $$
# \frac{f(x+\varepsilon)-f(x)}{\varepsilon} = f'(x) + \tfrac{\varepsilon}{2} f''(x) + O(\varepsilon^2),
# $$
#
# $$
# \frac{f(x+\varepsilon)-f(x-\varepsilon)}{2\varepsilon} = f'(x) + \tfrac{\varepsilon^2}{6} f'''(x) + O(\varepsilon^4).
# $$
#
# In the central difference the $f''$ terms of the two sides cancel, so its *truncation*
# error falls like $\varepsilon^2$ instead of $\varepsilon$. But $\varepsilon$ cannot shrink forever: each value of $f$
# is rounded to a relative precision $\epsilon_\text{mach}$, and the difference of two nearly equal
# rounded numbers, divided by $\varepsilon$, carries a *round-off* error of about
# $\epsilon_\text{mach}\,|f|/\varepsilon$. The total is a term that grows with $\varepsilon$ plus one that shrinks with
# it: a V on log-log axes. Balancing the two puts the bottom of the V near
# $\varepsilon \approx \epsilon_\text{mach}^{1/3}$ for central differences and $\varepsilon \approx \epsilon_\text{mach}^{1/2}$
# for forward ones.
#
# **One number for a whole tensor.** cnnbp compares an analytic gradient $a$ with its
# estimate $b$ by the norm-wise relative error
#
# $$\operatorname{err}(a, b) = \frac{\lVert a - b\rVert_2}{\lVert a\rVert_2 + \lVert
#   b\rVert_2} ,$$
#
# which is 0 for equal tensors, at most 1, unchanged when both are scaled, and not thrown
# by individual tiny entries.
#
# **Large tensors.** Nudging every entry costs two evaluations of the loss per entry.
# Along a random unit direction $v$ one number is enough,
#
# $$\frac{L(x + \varepsilon v) - L(x - \varepsilon v)}{2\varepsilon} \approx \langle \nabla L(x),\, v\rangle ,$$
#
# which a claimed gradient $g$ must match with $\sum_u g_u v_u$; so $n$ directions cost $2n$ evaluations whatever the size. A wrong $g$ passes only if
# its error is nearly orthogonal to every $v$, which for random Gaussian directions is
# very unlikely unless the error is tiny.

# %% [markdown]
# ## The numbers
#
# ### One layer, three gradients
#
# The check on a convolution with stride and padding, for all three of its gradients:

# %%
x = rng.standard_normal((2, 3, 7, 6))
w = rng.standard_normal((4, 3, 3, 3))
b = rng.standard_normal(4)
hyper = {"stride": 2, "padding": 1}
dy = rng.standard_normal(conv2d(x, w, b, **hyper).shape)
dx, dw, db = conv2d_backward(dy, x, w, **hyper)


def loss(_):
    return np.sum(conv2d(x, w, b, **hyper) * dy)


errors = {name: check_gradient(loss, a, g, name=name)
          for name, a, g in (("dx", x, dx), ("dw", w, dw), ("db", b, db))}
print({k: f"{e:.1e}" for k, e in errors.items()})

# %% tags=["remove-cell"]
assert 1e-12 < min(errors.values())
assert max(errors.values()) < 1e-8          # "around 1e-10"

# %% [markdown]
# The function ignores its argument: `check_gradient` nudges `x` (or `w`, or `b`) in
# place and restores it afterwards, so a closure over the arrays sees every nudge.
#
# ### The V on a real layer
#
# To see the V we need some curvature (a convolution alone is linear in its weights, so
# its truncation error is exactly zero): a convolution followed by a sigmoid,
# $L(w) = \sum \delta^a \odot \sigma(x \star w + b)$ for a random $\delta^a$, its
# numerical gradient with respect
# to $w$ compared with the analytic one for many steps $\varepsilon$, in float64 and in float32.
# The forward difference is written out here only for the comparison; cnnbp has none.

# %%
xs = rng.standard_normal((1, 1, 6, 6))
ws = 0.5 * rng.standard_normal((2, 1, 3, 3))
bs = 0.5 * rng.standard_normal(2)
a = sigmoid(conv2d(xs, ws, bs))
da = rng.standard_normal(a.shape)
_, dws_true, _ = conv2d_backward(sigmoid_backward(da, a), xs, ws)


def loss_in(dtype):
    """L(w) = sum(da * sigmoid(conv2d(x, w, b))), computed in `dtype`."""
    xd, bd, dad = xs.astype(dtype), bs.astype(dtype), da.astype(dtype)
    return lambda wd: np.sum(sigmoid(conv2d(xd, wd, bd)) * dad)


def forward_difference(f, v, eps):
    """(f(v + eps e_u) - f(v)) / eps for every entry u (for comparison)."""
    grad = np.zeros(v.shape)
    f0 = float(f(v))
    flat = v.reshape(-1)
    for u in range(flat.size):
        old = flat[u]
        flat[u] = old + eps
        step = float(flat[u]) - float(old)   # the step, after rounding
        grad.flat[u] = (float(f(v)) - f0) / step
        flat[u] = old
    return grad


# float32 cannot take steps far below its spacing near |w| ~ 1.
steps = {np.float64: np.logspace(-13, 0, 27),
         np.float32: np.logspace(-6, 0, 13)}
sweep = {}
for dtype, epsilons in steps.items():
    f, wd = loss_in(dtype), ws.astype(dtype)
    sweep[dtype] = {
        "central": [relative_error(numerical_gradient(f, wd, eps=eps),
                                   dws_true) for eps in epsilons],
        "forward": [relative_error(forward_difference(f, wd, eps),
                                   dws_true) for eps in epsilons],
    }

# %% tags=["remove-input"]
fig, ax = plt.subplots(figsize=(6.6, 4.4))
line = {np.float64: "-", np.float32: "--"}
color = {"central": "#1f77b4", "forward": "#d62728"}
for dtype, epsilons in steps.items():
    for kind, errs in sweep[dtype].items():
        ax.loglog(epsilons, errs, line[dtype], color=color[kind],
                  marker="o", ms=3,
                  label=f"{kind}, {np.dtype(dtype).name}")
# Guides with the slopes Taylor predicts, beside the float64 curves.
e1, e2 = np.logspace(-6, -2, 10), np.logspace(-4, -1, 10)
ax.loglog(e1, 0.02 * e1, ":", color="gray", lw=2,
          label="slope 1 (error ~ ε)")
ax.loglog(e2, 0.003 * e2**2, "-.", color="gray", lw=1.5,
          label="slope 2 (error ~ ε²)")
ax.set_xlabel("step ε")
ax.set_ylabel("relative error")
ax.legend(fontsize=9, ncol=2, loc="upper center",
          bbox_to_anchor=(0.5, -0.16), frameon=False)
ax.grid(True, which="major", alpha=0.3)
plt.show()

# %% [markdown]
# Read the figure from the right. At large $\varepsilon$ the curves run parallel to the grey
# guides: the forward difference loses one decade of accuracy per decade of $\varepsilon$ (slope
# 1), the central one two (slope 2). Moving left, each curve hits its floor and turns up
# again: round-off, now divided by a small $\varepsilon$, takes over. The bottoms of the V sit where
# the machine epsilon predicts ("best $\varepsilon$" is measured, "predicted $\varepsilon$" is
# $\epsilon_\text{mach}^{1/3}$ for central and $\epsilon_\text{mach}^{1/2}$ for forward differences), and
# the central difference's floor is both lower and reached at a larger, safer step:

# %% tags=["remove-input"]
rows, best = [], {}
for dtype, epsilons in steps.items():
    eps_mach = np.finfo(dtype).eps
    for kind, power in [("central", 1 / 3), ("forward", 1 / 2)]:
        errs = np.array(sweep[dtype][kind])
        k = int(np.argmin(errs))
        best[dtype, kind] = (epsilons[k], errs[k])
        rows.append((f"{kind}, {np.dtype(dtype).name}", epsilons[k],
                     errs[k], eps_mach**power))
show_table(rows,
           ["difference, dtype", "best $\\varepsilon$", "its error",
            "predicted $\\varepsilon$"],
           fmt=["{}", "{:.0e}", "{:.1e}", "{:.0e}"])
# The claims of the prose, checked.
for dtype in steps:
    assert best[dtype, "central"][1] < best[dtype, "forward"][1]
    assert best[dtype, "central"][0] > best[dtype, "forward"][0]
assert best[np.float64, "central"][1] < 1e-8
assert best[np.float32, "central"][1] > 1e-8
assert 1e-7 <= best[np.float64, "central"][0] <= 1e-4
assert 1e-4 <= best[np.float32, "central"][0] <= 1e-1
# "What to remember": the best central steps, the rounded eps**(1/3).
assert np.isclose(best[np.float64, "central"][0], 1e-5)
assert np.isclose(best[np.float32, "central"][0], 1e-2)
assert f"{np.finfo(np.float64).eps ** (1 / 3):.0e}" == "6e-06"
assert f"{np.finfo(np.float32).eps ** (1 / 3):.0e}" == "5e-03"
for (dtype, kind), (eps_best, _) in best.items():  # "where eps predicts"
    power = 1 / 3 if kind == "central" else 1 / 2
    predicted = np.finfo(dtype).eps ** power
    assert 0.1 <= eps_best / predicted <= 10
# The default eps=1e-6: near the bottom in float64, far up the round-off
# branch in float32.
i64 = np.argmin(abs(steps[np.float64] - 1e-6))
i32 = np.argmin(abs(steps[np.float32] - 1e-6))
floor64 = best[np.float64, "central"][1]
floor32 = best[np.float32, "central"][1]
assert sweep[np.float64]["central"][i64] < 100 * floor64
assert sweep[np.float32]["central"][i32] > 100 * floor32

# %% [markdown]
# In float64 the default `eps=1e-6` of `numerical_gradient` sits near the bottom of the
# central V; in float32 the same step would be far up the round-off branch, which is why
# float32 checks use a step around $10^{-2}$.
#
# `numerical_gradient` also divides by the step *actually taken*,
# `(x_u + eps) - (x_u - eps)` after rounding to the array's dtype, not by `2 * eps`. In
# float32 the two differ noticeably for small steps, which alone would ruin the check:

# %%
w32 = ws.astype(np.float32)
for eps in (1e-6, 1e-4, 1e-2):
    up = (w32 + np.float32(eps)).astype(np.float64)
    down = (w32 - np.float32(eps)).astype(np.float64)
    off = 100 * np.max(np.abs((up - down) / (2 * eps) - 1))
    print(f"eps = {eps:g}: the step taken is off 2*eps by up to "
          f"{off:.2g} %")

# %% [markdown]
# ### One number for the whole tensor
#
# The tempting alternative to the norm-wise error, an element-wise ratio
# $|a_u - b_u| / \max(|a_u|, |b_u|)$ and its maximum, breaks exactly where gradients are
# small. A saturated sigmoid is the everyday example: for a pre-activation of $\pm 30$ the
# true derivative $\sigma(1-\sigma)$ is about $10^{-13}$, far below the round-off of the
# numerical estimate, so the element-wise ratio of such an entry is of order one for a
# perfectly correct backward function.

# %%
z = rng.standard_normal((3, 4))
z[0, :2] = [30.0, -30.0]                    # two saturated units
az = sigmoid(z)
daz = rng.standard_normal(z.shape)
dz = sigmoid_backward(daz, az)
num_dz = numerical_gradient(lambda _: np.sum(sigmoid(z) * daz), z)
# The element-wise ratio, only to show why cnnbp does not use it.
elementwise = np.abs(dz - num_dz) / np.maximum(np.abs(dz), np.abs(num_dz))
normwise = relative_error(dz, num_dz)

# %% tags=["remove-input"]
worst = np.unravel_index(elementwise.argmax(), z.shape)
worst_at = tuple(int(i) for i in worst)
show_table(
    [("true $\\lvert\\delta^z\\rvert$, unit 0", abs(dz[0, 0])),
     ("true $\\lvert\\delta^z\\rvert$, unit 1", abs(dz[0, 1])),
     ("numerical, units 0 and 1",
      " and ".join(f"{v:g}" for v in num_dz[0, :2])),
     (f"largest element-wise error (at {worst_at})",
      f"{elementwise.max():.2g}"),
     ("norm-wise relative error", normwise)],
    ["", "value"], fmt="{:.1e}",
)
assert elementwise.max() > 1e-2 and normwise < 1e-8
assert 1e-14 < sigmoid(30.0) * (1 - sigmoid(30.0)) < 1e-12  # "about 1e-13"
assert np.all(num_dz[0, :2] == 0) and np.isclose(elementwise.max(), 1.0)

# %% [markdown]
# The backward function is right. The saturated entries look as bad as possible
# element-wise because their true values lie below what the difference of two rounded
# losses can resolve: nudging $z = \pm 30$ by $\varepsilon$ changes the loss by about $10^{-13} \varepsilon$,
# far less than the rounding of a loss of order one, so the computed loss does not move,
# the estimate is exactly zero and the ratio is 1. The norm-wise error weighs every entry
# by its size and reports the agreement of the tensor as a whole.
#
# ### What tolerances mean in float64 and float32
#
# The thresholds follow from the V. The same handful of layers, checked in both dtypes:
# the backward pass runs in the dtype under test, the numerical gradient nudges arrays of
# that dtype, with `eps=1e-6` in float64 and `eps=1e-2` in float32. For max-pooling the
# inputs are a shuffled grid of values spaced by $0.1$, so that no nudge can change which
# entry of a window is the maximum (see kinks below).

# %%
def layer_cases(dtype):
    """(name, f, input, analytic gradient) for a few layers, in `dtype`."""
    r = np.random.default_rng(0)
    xc = r.standard_normal((2, 2, 6, 5)).astype(dtype)
    wc = r.standard_normal((3, 2, 3, 3)).astype(dtype)
    yc = conv2d(xc, wc, stride=2, padding=1)
    dyc = r.standard_normal(yc.shape).astype(dtype)
    dxc, dwc, _ = conv2d_backward(dyc, xc, wc, stride=2, padding=1)
    xp = r.permutation(2 * 2 * 7 * 7).reshape(2, 2, 7, 7) * 0.1   # no ties
    xp = xp.astype(dtype)
    dyp = r.standard_normal(max_pool2d(xp, 3, 2).shape).astype(dtype)
    zc = r.standard_normal((4, 5)).astype(dtype)
    dac = r.standard_normal(zc.shape).astype(dtype)

    def conv_loss(_):
        return np.sum(conv2d(xc, wc, stride=2, padding=1) * dyc)

    return [
        ("conv2d dx", conv_loss, xc, dxc),
        ("conv2d dw", conv_loss, wc, dwc),
        ("max_pool2d dx", lambda _: np.sum(max_pool2d(xp, 3, 2) * dyp), xp,
         max_pool2d_backward(dyp, xp, 3, 2)),
        ("sigmoid dz", lambda _: np.sum(sigmoid(zc) * dac), zc,
         sigmoid_backward(dac, sigmoid(zc))),
    ]


measured = {}
for dtype, eps in ((np.float64, 1e-6), (np.float32, 1e-2)):
    for name, f, a_in, g in layer_cases(dtype):
        assert g.dtype == dtype          # the backward pass kept the dtype
        num = numerical_gradient(f, a_in, eps=eps)
        measured[name, dtype] = relative_error(num, g)

# %% tags=["remove-input"]
names = [name for name, _, _, _ in layer_cases(np.float64)]
show_table([(n, measured[n, np.float64], measured[n, np.float32])
            for n in names],
           ["layer", "float64, `eps=1e-6`", "float32, `eps=1e-2`"],
           fmt=["{}", "{:.1e}", "{:.1e}"])
worst64 = max(measured[n, np.float64] for n in names)
worst32 = max(measured[n, np.float32] for n in names)
digits64, digits32 = int(-np.log10(worst64)), int(-np.log10(worst32))
show_markdown(
    f"Worst case: {worst64:.1e} in float64, {worst32:.1e} in float32, so "
    f"a passing check vouches for about {digits64} digits in float64 and "
    f"{digits32} in float32. `rtol=1e-6` leaves float64 a margin of "
    f"{1e-6 / worst64:.0f} times; float32 needs `rtol` around `1e-2` "
    f"(margin {1e-2 / worst32:.0f} times)."
)
assert worst64 < 1e-8 and worst32 < 1e-3

# %% [markdown]
# The bugs of the [bug zoo](../06_bug_zoo/) produce relative errors of order one, but a
# bug that touches a single entry, or a gradient that is only slightly off, can sit
# anywhere down to $10^{-4}$ and below (the single corrupted entry at the end of this
# page is such a case). A float64 check separates that from round-off by several orders
# of magnitude; a float32 check does not. Hence the rule cnnbp's tests follow: **check
# gradients in float64**, and test float32 only for what float32 is about (the dtype is
# kept, the values agree with float64 to float32 accuracy).
#
# ### Kinks: where the numerical gradient is ambiguous
#
# Central differences assume the function is smooth on $[x - \varepsilon, x + \varepsilon]$. ReLU at 0 and
# max-pooling at a tie are not: the derivative jumps, and a difference quotient that
# straddles the jump returns a blend of the two sides.
#
# **ReLU.** At $z = 0$ the slope is 0 on the left and 1 on the right. The central
# difference at $z_0$ returns $\big(\max(z_0+\varepsilon, 0) - \max(z_0-\varepsilon, 0)\big)/2\varepsilon$, a ramp from
# 0 to 1 across $[-\varepsilon, \varepsilon]$, while the analytic derivative is a step.

# %%
eps = 1e-6
z0s = np.linspace(-3 * eps, 3 * eps, 61)
def relu_loss(v):
    return np.sum(relu(v))


ramp = [numerical_gradient(relu_loss, np.array([z0]), eps=eps)[0]
        for z0 in z0s]
step = [relu_backward(np.ones(1), np.array([z0]))[0] for z0 in z0s]
at_zero = numerical_gradient(relu_loss, np.array([0.0]))[0]
print(f"at exactly 0: central difference {at_zero}, "
      f"relu_backward {relu_backward(np.ones(1), np.zeros(1))[0]}")

# %% tags=["remove-input"]
assert np.isclose(at_zero, 0.5)
fig, ax = plt.subplots(figsize=(6.2, 3.2))
ax.plot(z0s / eps, step, drawstyle="steps-mid",
        label="relu_backward (analytic)")
ax.plot(z0s / eps, ramp, "o", ms=3,
        label=f"central difference, ε = {eps:g}")
ax.axvspan(-1, 1, color="C1", alpha=0.1)
ax.set_xlabel("z₀ / ε")
ax.set_ylabel("slope of relu")
ax.legend(fontsize=10)
plt.show()

# %% [markdown]
# Exactly at the kink the central difference reports 0.5, the average of the two
# one-sided slopes, which no rule for ReLU returns. Within $\varepsilon$ of the kink (the shaded
# band) it reports anything in between. Far from it, both agree.
#
# **Max-pooling at a tie.** When two entries of a window share the maximum, raising
# either one raises the output and lowering either one does not. The central difference
# therefore gives each tied entry *half* of the upstream gradient, while cnnbp sends all
# of it to the first maximum in row-major order, as PyTorch does on the CPU.

# %%
xt = np.array([[[[0.9, 0.3, 0.5, 0.2],
                 [0.9, 0.1, 0.4, 0.5],
                 [0.2, 0.6, 0.8, 0.8],
                 [0.7, 0.6, 0.1, 0.8]]]])
dyt = np.array([[[[1.0, 2.0], [-1.0, 3.0]]]])
dx_rule = max_pool2d_backward(dyt, xt)
dx_num = numerical_gradient(lambda _: np.sum(max_pool2d(xt) * dyt), xt)
try:
    check_gradient(lambda _: np.sum(max_pool2d(xt) * dyt), xt, dx_rule,
                   name="dx")
except AssertionError as e:
    print(textwrap.fill(f"AssertionError: {e}", 72))

# %% tags=["remove-input"]
tie_counts = (xt[0, 0].reshape(2, 2, 2, 2)
              == max_pool2d(xt)[0, 0][:, None, :, None]).sum(axis=(1, 3))
n_tied = int(np.sum(tie_counts > 1))
assert tie_counts.max() == 3   # the bottom-right window: three tied
fig, _ = show_grids(
    [xt[0, 0], dx_rule[0, 0], dx_num[0, 0]],
    [f"input (ties in {n_tied} windows)", "cnnbp: first maximum",
     "central difference"],
    fmt="{:.2f}", marks=[None, dx_rule[0, 0] != 0, dx_num[0, 0] != 0],
    scale=[0, 1, 1], cell=0.5, fontsize=11,
)
plt.show()
# Every tied entry gets half of its window's gradient, however many tie.
assert np.isclose(dx_num[0, 0, 0, 0], 0.5)
assert np.isclose(dx_num[0, 0, 3, 3], 1.5)
handed_out = float(dx_num[0, 0, 2:, 2:].sum())
assert np.isclose(handed_out, 1.5 * dyt[0, 0, 1, 1])
print(f"bottom-right window: upstream gradient {dyt[0, 0, 1, 1]:g}; "
      f"central differences hand out {handed_out:.4g}")

# %% [markdown]
# At a tie the max is not differentiable. Any split of the upstream gradient among the
# tied entries into non-negative fractions that add up to the whole is a valid choice (a
# subgradient), and cnnbp's, everything to one entry, is one of them. The central
# difference is not even that: with three tied entries its halves add up to one and a
# half times the window's gradient (printed above). The entry-by-entry check simply
# cannot judge ties; the [bug zoo](../06_bug_zoo/) shows the one split that *is* wrong
# and a check that catches it. Near-ties are as bad: two entries closer than $\varepsilon$ get a
# blend. That is why cnnbp's tests draw inputs without ties or zeros, or spread them on a
# grid as above, whenever ties are not the point of the test.
#
# ### Large tensors: check along random directions
#
# The cost of the full check against `check_gradient_projection` with $n = 3$
# directions, on a medium input (where the full check is still affordable) and a large
# one (where its time is only estimated from the time of one evaluation):

# %%
def timed(fn, repeat=3):
    best_t = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best_t = min(best_t, time.perf_counter() - t0)
    return out, best_t


costs = {}
for shape, run_full in [((1, 2, 8, 8), True), ((2, 4, 32, 32), False)]:
    xb = rng.standard_normal(shape)
    wb = rng.standard_normal((8, shape[1], 3, 3))
    dyb = rng.standard_normal(conv2d(xb, wb, padding=1).shape)
    dxb = conv2d_backward(dyb, xb, wb, padding=1)[0]

    def fb(_, xb=xb, wb=wb, dyb=dyb):
        return np.sum(conv2d(xb, wb, padding=1) * dyb)

    _, t_eval = timed(lambda fb=fb, xb=xb: fb(xb), repeat=5)
    err_p, t_proj = timed(
        lambda fb=fb, xb=xb, dxb=dxb:
        check_gradient_projection(fb, xb, dxb, n=3), repeat=1)
    t_full = None
    if run_full:
        t_full = timed(lambda fb=fb, xb=xb, dxb=dxb:
                       check_gradient(fb, xb, dxb), repeat=1)[1]
    costs[shape] = dict(size=xb.size, t_eval=t_eval, t_full=t_full,
                        t_proj=t_proj)
    big = {"x": xb, "f": fb, "dx": dxb, "err": err_p}

# %% tags=["remove-input"]
assert big["err"] < 1e-6
header = ["check"] + [f"`x` {s}: {c['size']} entries"
                      for s, c in costs.items()]
full_row, proj_row = ["full, two per entry"], ["projection, $n = 3$"]
for c in costs.values():
    full_time = (f"{c['t_full'] * 1e3:.0f} ms" if c["t_full"] is not None
                 else f"~{2 * c['size'] * c['t_eval']:.0f} s (estimated)")
    full_row.append(f"{2 * c['size']} evaluations, {full_time}")
    proj_row.append(f"6 evaluations, {c['t_proj'] * 1e3:.1f} ms")
show_table([full_row, proj_row], header, fmt="{}")

# %% [markdown]
# ## Check
#
# The projection check loses one thing: it says *that* a gradient is wrong, not
# *where*. It does not lose much sensitivity. Corrupt a single entry of the large `dx` by
# one percent, one entry among thousands, and the directional derivatives no longer
# agree, because in float64 the noise floor is far below the damage:

# %%
bad = big["dx"].copy()
bad[1, 2, 3, 4] *= 1.01
try:
    check_gradient_projection(big["f"], big["x"], bad, n=3, name="dx")
    caught = False
except AssertionError as e:
    caught = True
    print(textwrap.fill(f"AssertionError: {e}", 72))
err_one = relative_error(bad, big["dx"])
print(f"relative error of the corrupted dx: {err_one:.1e}")

# %% tags=["remove-cell"]
assert caught
assert err_one < 1e-4   # a real bug, yet below 1e-4 (see the tolerances)

# %% [markdown]
# ### How cnnbp's own tests use it
#
# The test suite calls the same functions as this page; only the bookkeeping differs.
#
# - **One random case per combination, named.** `tests/test_conv.py` lists a covering
#   set of convolution cases (batch, channels, odd and non-square sizes, stride, padding,
#   dilation, including the question's $5\times5$ input with a $2\times2$ kernel) and
#   parametrizes one test over them, so a failure names the case that broke. Each draws
#   `x`, `w`, `b` and a random `dy` from a seeded generator and makes the three calls of
#   the first cell of this page, with the default float64 step and tolerance.
# - **No kinks unless they are the point.** `tests/test_pool.py` builds its max-pool
#   inputs as a shuffled grid of distinct values spaced far wider than the step, so finite
#   differences never straddle a tie. Ties get their own tests, which check the
#   first-maximum rule directly and, on random inputs with few distinct levels, a
#   property that holds whatever the ties: each window's gradient lands exactly once, so
#   `dx` sums to what `dy` sums to.
# - **Projections for whole networks.** `tests/test_nn.py` runs a small CNN end to end
#   and checks the gradient with respect to the input with `check_gradient_projection`
#   and every parameter with `check_gradient`.
# - **The checker is tested too.** `tests/test_gradcheck.py` makes sure the checks reject
#   wrong gradients (including right values in the wrong layout), restore their input,
#   and refuse mismatched shapes.
#
# ## What to remember
#
# - Turn a layer into a scalar with a **random, non-uniform** upstream gradient:
#   $L = \sum y \odot \delta^y$; its gradient is what the backward pass returns for
#   `dy` $= \delta^y$.
# - Use **central** differences: truncation error $O(\varepsilon^2)$ instead of $O(\varepsilon)$. Too small a
#   step drowns in round-off; the best step is near $\epsilon_\text{mach}^{1/3}$, about
#   $6\cdot10^{-6}$ in float64 and $5\cdot10^{-3}$ in float32 (measured above: $10^{-5}$
#   and $10^{-2}$).
# - Compare with the **norm-wise** relative error; element-wise ratios blow up on tiny
#   entries.
# - In float64 a correct gradient gives around $10^{-10}$ and a bug orders of magnitude
#   more: check in float64. Float32 supports only loose tolerances.
# - At **kinks** (ReLU at 0, tied maxima) the numerical gradient is a blend of both
#   sides; keep test inputs away from them unless the kink is the point.
# - For large tensors, **random projections** cost $2n$ evaluations instead of two per
#   entry and still catch a single wrong entry, but do not say which one.
#
# ## Exercises
#
# 1. How many evaluations of the loss does `check_gradient` make for a kernel `w` of
#    shape $(4, 3, 3, 3)$?
#
# <details>
# <summary>Solution</summary>
#
# Two per entry, one on each side: $2 \cdot 4 \cdot 3 \cdot 3 \cdot 3 = 216$ (a hidden
# cell counts the calls).
#
# </details>
#
# 2. In float16 the machine epsilon is $2^{-10}$. Which central-difference step should
#    a float16 check use, roughly?
#
# <details>
# <summary>Solution</summary>
#
# $\epsilon_\text{mach}^{1/3} = 2^{-10/3} \approx 0.099$: a step of about $10^{-1}$, and
# tolerances to match. A float16 check can vouch for very little.
#
# </details>
#
# 3. A backward pass returns exactly twice the right gradient. What relative error does
#    `relative_error` report? And for the right gradient with its sign flipped?
#
# <details>
# <summary>Solution</summary>
#
# $\lVert 2g - g\rVert / (\lVert 2g\rVert + \lVert g\rVert) = 1/3$, and
# $\lVert -g - g\rVert / (2\lVert g\rVert) = 1$, the largest possible value. Both fail
# any sensible tolerance, although the first one points the right way.
#
# </details>

# %% tags=["remove-cell"]
calls = []


def counted(_):
    calls.append(1)
    return loss(_)


check_gradient(counted, w, dw)
g = rng.standard_normal(5)
twice, flipped = relative_error(2 * g, g), relative_error(-g, g)
assert w.shape == (4, 3, 3, 3) and len(calls) == 2 * w.size == 216
assert np.finfo(np.float16).eps == 2.0**-10
assert round(float(np.finfo(np.float16).eps ** (1 / 3)), 3) == 0.099
assert np.isclose(twice, 1 / 3) and np.isclose(flipped, 1.0)
