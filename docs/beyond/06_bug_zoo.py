# %% [markdown]
# # Bug zoo
#
# **What you will learn:** the classic mistakes of hand-written CNN backpropagation,
# each one line long; why each survives the first test one writes; and what a test must
# exercise to catch it. Every bug is implemented here **on purpose**, in a small function
# marked as wrong, and shown passing a naive check and failing a proper one. The letters
# are those of the [notation page](../../notation/); the loops use the index names of
# [`cnnbp.loops`](../../reference/loops/).

# %% tags=["remove-cell"]
# %matplotlib inline
import matplotlib.pyplot as plt

from cnnbp.viz import setup, show_grids, show_table

setup()

# %% [markdown]
# ## The idea: a wrong gradient usually has the right shape
#
# Backward passes fail quietly. A wrong gradient typically has the right shape, the loss
# usually still goes down for a while, and a small hand-made test often passes. The
# picture is the plainest case. Both panels are a kernel gradient for the question's
# layer and its answer's delta map: on the left the correct one, on the right the same
# correlation with its two arguments swapped. The same four numbers, in the wrong places:
# any test that looks at the shape, the sum or the mean passes it.

# %%
import numpy as np
from scipy.signal import correlate2d

from cnnbp import (
    check_gradient,
    conv2d,
    conv2d_backward,
    delta_full_conv,
    max_pool2d,
    max_pool2d_backward,
    numerical_gradient,
    relative_error,
    seed,
)

rng = np.random.default_rng(6)

# %% tags=["remove-input"]
x_seed, dy_seed = seed.INPUT, seed.DELTA_MAP
right = conv2d_backward(dy_seed[None, None], x_seed[None, None],
                        seed.KERNEL[None, None])[1][0, 0]
swapped = correlate2d(dy_seed, x_seed, "valid")
assert np.allclose(swapped, right[::-1, ::-1])
fig, _ = show_grids([right, swapped],
                    ["correct: x ⋆ δʸ", "swapped: δʸ ⋆ x"],
                    fmt="{:.4f}", cell=1.0, fontsize=12)
plt.show()

# %% [markdown]
# ## The derivation: why summaries are blind
#
# The intuition: a check can only see what it compares. A check that compares one
# summary of the gradient, its mean or its sum, sees one number out of many, and many
# wrong gradients share it.
#
# - **Rearrangements keep the mean.** If a bug puts the right entries in the wrong
#   places, its gradient is $P g$ for a permutation $P$ of the entries, and
#   $\operatorname{mean}(P g) = \operatorname{mean}(g)$. A 180° rotation (the swapped
#   correlation above) and an exchange of the tap indices $p, q$ are such permutations.
# - **A missing flip keeps the sum.** In a full convolution every entry of $\delta^y$
#   meets every kernel entry exactly once, flipped or not, so
#   $\sum_{u,v} \delta^x_{u,v} = \big(\sum \delta^y\big)\big(\sum w\big)$ per pair of
#   channels either way.
# - **A symmetric kernel hides the flip.** If $\operatorname{rot180}(w) = w$ (a box or a
#   binomial blur, or any $1\times1$ kernel), the rotated and the unrotated full
#   convolution are the same.
# - **A test that never exercises the feature cannot see its bug.** At stride 1,
#   $s\,i + p = i + p$; with windows that do not overlap, `=` and `+=` write the same;
#   without ties, every rule for ties agrees.
#
# So a proper check compares **every entry** with finite differences of the real forward
# pass, uses a **random, non-uniform** upstream gradient and random weights, and runs on
# shapes that **exercise the feature**: a stride above 1, overlapping windows, an
# asymmetric kernel, several images and positions, inputs with ties.
#
# ## The numbers
#
# The correct reference is always cnnbp. Each bug is one line, marked `# BUG`. The check
# that compares only a mean is itself the last exhibit; it is defined here because every
# section tries it. The small `verdict` helper (open it below) runs a check and prints
# whether it passed.

# %%
def mean_only_check(f, x, grad):
    """DELIBERATELY WEAK: compares only the mean with the numerical one."""
    num_mean = np.mean(numerical_gradient(f, x))
    if not np.isclose(np.mean(grad), num_mean, rtol=1e-6, atol=1e-9):
        raise AssertionError(f"mean {np.mean(grad):.6g} != {num_mean:.6g}")
    return True

# %% tags=["hide-input"]
def verdict(label, run):
    """Run one check; print whether it passed (or why not); return that."""
    try:
        out = run()
    except (AssertionError, ValueError) as e:
        # the check's message up to its first clause: it fits the page
        reason = str(e).split(" (shape")[0]
        reason = reason.split(": ", 1)[-1]
        print(f"{label}: FAILS\n    {reason}")
        return False
    detail = ""
    if isinstance(out, float):
        detail = f" (relative error {out:.1e})"
    print(f"{label}: passes{detail}")
    return True


# bug -> (naive check, passed?), mean-only passed?, (proper check, passed?)
results = {}

# %% [markdown]
# ### 1. The stride forgotten in the backward loop
#
# A strided convolution reads its input at $u = s\,i + p$. A backward loop written and
# tested at stride 1 often says $u = i + p$: identical at $s = 1$, wrong at every other
# stride, and the arrays still have the right shapes, so nothing crashes.

# %%
def conv2d_backward_no_stride(dy, x, w, stride=1):
    """DELIBERATELY WRONG: maps output (i, j) back without the stride."""
    c_in, kh, kw = w.shape[1:]
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    for n, o, i, j in np.ndindex(dy.shape):
        for c, p, q in np.ndindex(c_in, kh, kw):
            u, v = i + p, j + q   # BUG: i * stride + p, j * stride + q
            dw[o, c, p, q] += dy[n, o, i, j] * x[n, c, u, v]
            dx[n, c, u, v] += dy[n, o, i, j] * w[o, c, p, q]
    return dx, dw

# %% tags=["hide-input"]
x1 = rng.standard_normal((1, 2, 7, 7))
w1 = rng.standard_normal((2, 2, 3, 3))
passed = {}
for stride in (1, 2):
    dy1 = rng.standard_normal(conv2d(x1, w1, stride=stride).shape)
    bad_dx1, bad_dw1 = conv2d_backward_no_stride(dy1, x1, w1, stride)

    def f1(_, stride=stride, dy1=dy1):
        return np.sum(conv2d(x1, w1, stride=stride) * dy1)

    for name, a, g in (("dw", w1, bad_dw1), ("dx", x1, bad_dx1)):
        passed[stride, name] = verdict(
            f"stride {stride}, {name}",
            lambda f=f1, a=a, g=g, n=name: check_gradient(f, a, g, name=n))
mean_1 = verdict("stride 2, dw, mean only",
                 lambda: mean_only_check(f1, w1, bad_dw1))
results["stride missing in the backward loop"] = (
    ("tested at stride 1 only", passed[1, "dw"] and passed[1, "dx"]),
    mean_1,
    ("`check_gradient` at stride 2", passed[2, "dw"] and passed[2, "dx"]),
)
assert passed[1, "dw"] and passed[1, "dx"]
assert not passed[2, "dw"] and not passed[2, "dx"]

# %% [markdown]
# What the result looks like: at stride 2 the buggy $\delta^x$ piles everything into the
# top-left $5\times5$ block of the $7\times7$ input and leaves the last two rows and
# columns at zero (outlined), as if the windows moved one cell at a time.

# %% tags=["remove-input"]
good_dx1 = conv2d_backward(dy1, x1, w1, stride=2)[0]
fig, _ = show_grids([good_dx1[0, 0], bad_dx1[0, 0]],
                    ["cnnbp dx (stride 2)", "buggy dx (stride 2)"],
                    fmt="{:.1f}", marks=[None, bad_dx1[0, 0] == 0],
                    cell=0.5, fontsize=11)
plt.show()
assert x1.shape[2:] == (7, 7)
assert np.all(bad_dx1[:, :, 5:, :] == 0)
assert np.all(bad_dx1[:, :, :, 5:] == 0)
assert np.all(bad_dx1[:, :, :5, :5] != 0)

# %% [markdown]
# ### 2. Assigning instead of adding in the max-pool backward
#
# The slip is `=` where `+=` belongs. With windows that do not overlap (stride equal to
# the size) every input entry belongs to one window, so *writing* each window's gradient
# is as good as *adding* it. Once windows overlap (a $3\times3$ pool with stride 2, as in
# many classic networks), a later window overwrites what an earlier one put there,
# including a maximum the two share.

# %%
def max_pool2d_backward_assign(dy, x, size=2, stride=None):
    """DELIBERATELY WRONG: writes each window's gradient, not adds."""
    stride = size if stride is None else stride
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(dy.shape):
        rows = slice(i * stride, i * stride + size)
        cols = slice(j * stride, j * stride + size)
        mask = np.zeros((size, size))
        mask.flat[np.argmax(x[n, c, rows, cols])] = 1.0   # first maximum
        dx[n, c, rows, cols] = mask * dy[n, c, i, j]   # BUG: should be +=
    return dx

# %% tags=["hide-input"]
x2 = rng.standard_normal((2, 2, 7, 7))   # continuous values: no ties
passed = {}
for size, stride in [(2, 2), (3, 2)]:
    dy2 = rng.standard_normal(max_pool2d(x2, size, stride).shape)
    bad_dx2 = max_pool2d_backward_assign(dy2, x2, size, stride)

    def f2(_, size=size, stride=stride, dy2=dy2):
        return np.sum(max_pool2d(x2, size, stride) * dy2)

    passed[size] = verdict(
        f"size {size}, stride {stride}: dx",
        lambda f=f2, g=bad_dx2: check_gradient(f, x2, g, name="dx"))
mean_2 = verdict("size 3, stride 2: dx, mean only",
                 lambda: mean_only_check(f2, x2, bad_dx2))
results["`=` instead of `+=` in the max-pool backward"] = (
    ("non-overlapping windows", passed[2]), mean_2,
    ("`check_gradient` with overlapping windows", passed[3]),
)
good_dx2 = max_pool2d_backward(dy2, x2, 3, 2)
lost = ~np.isclose(good_dx2, bad_dx2)
print(f"entries of dx that differ from cnnbp's: {lost.sum()} "
      f"of {np.count_nonzero(good_dx2)} non-zero ones")
assert passed[2] and not passed[3] and lost.any()

# %% [markdown]
# ### 3. No flip: the delta correlated with the kernel as it is
#
# The delta for the layer below is the zero-padded $\delta^y$ correlated with the kernel
# rotated by 180° ([stacked convolutions](../01_stacked/)). Forgetting the rotation is a
# common slip, and the classic hand test does not notice: smoothing kernels such as a box
# or a binomial blur are symmetric under a 180° rotation, and so is any $1\times1$ kernel.

# %%
def delta_no_flip(dy, w):
    """DELIBERATELY WRONG: full correlation with w, not rotated."""
    kh, kw = w.shape[2:]
    ring = ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1))
    dy_full = np.pad(dy, ring)
    # BUG: the kernel should be turned first, w[:, :, ::-1, ::-1]
    return conv2d(dy_full, w.transpose(1, 0, 2, 3))

# %% tags=["hide-input"]
x3 = rng.standard_normal((2, 2, 6, 5))
blur = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) / 16
kernels = {
    "binomial blur in every channel": np.tile(blur, (3, 2, 1, 1)),
    "random 1x1 kernel": rng.standard_normal((3, 2, 1, 1)),
    "random kernel": rng.standard_normal((3, 2, 3, 3)),
}
passed = {}
for label, w3 in kernels.items():
    dy3 = rng.standard_normal(conv2d(x3, w3).shape)
    bad_dx3 = delta_no_flip(dy3, w3)
    assert np.allclose(delta_full_conv(dy3, w3, x3.shape),
                       conv2d_backward(dy3, x3, w3)[0])

    def f3(_, w3=w3, dy3=dy3):
        return np.sum(conv2d(x3, w3) * dy3)

    passed[label] = verdict(
        f"{label}: dx",
        lambda f=f3, g=bad_dx3: check_gradient(f, x3, g, name="dx"))
mean_3 = verdict("random kernel: dx, mean only",
                 lambda: mean_only_check(f3, x3, bad_dx3))
symmetric = (passed["binomial blur in every channel"]
             and passed["random 1x1 kernel"])
results["no 180° flip in the delta for the layer below"] = (
    ("symmetric test kernel (blur, 1x1)", symmetric), mean_3,
    ("`check_gradient` with a random kernel", passed["random kernel"]),
)
assert symmetric
assert not passed["random kernel"] and mean_3

# %% [markdown]
# The mean-only check passes here too, as the derivation predicted: flipped or not, the
# sum of $\delta^x$ is $\sum\delta^y \cdot \sum w$ per pair of channels.
#
# ### 4. Swapped arguments in the kernel-gradient correlation
#
# The kernel gradient is the valid cross-correlation of the layer's input with its delta,
# $\partial L/\partial w_{p,q} = \sum_{i,j} \delta^y_{i,j}\, x_{i+p,\,j+q}$. The answer's
# printed result is exactly SciPy's `correlate2d(x, dy, "valid")` for the question's input
# and delta map (see [checking the answer](../../example/05_checking_the_answer/)). Swap
# the two arguments and SciPy, which in `"valid"` mode slides the smaller array over the
# larger, returns the same numbers rotated by 180°: the picture at the top of the page.

# %%
def kernel_grad_swapped(x, dy):
    """DELIBERATELY WRONG: correlates the delta with the input."""
    return correlate2d(dy, x, "valid")   # BUG: correlate2d(x, dy, "valid")

# %% tags=["hide-input"]
w4 = np.array(seed.KERNEL)   # writable: the check nudges it in place
bad_dw4 = kernel_grad_swapped(x_seed, dy_seed)
assert np.allclose(right, seed.DW_ANSWER, atol=1e-6)
# The answer's printed result, to every digit it prints, is
# correlate2d(x, dy, "valid").
printed = correlate2d(x_seed, dy_seed, "valid")
assert np.allclose(printed, seed.DW_ANSWER, rtol=0, atol=5e-7)
assert np.allclose(bad_dw4, right[::-1, ::-1])


def f4(_):
    return np.sum(conv2d(x_seed[None, None], w4[None, None]) * dy_seed)


passed_4 = verdict("seed numbers: dw",
                   lambda: check_gradient(f4, w4, bad_dw4, name="dw"))
mean_4 = verdict("seed numbers: dw, mean only",
                 lambda: mean_only_check(f4, w4, bad_dw4))
results["swapped arguments in the dW correlation"] = (
    ("shape check; sum or mean", mean_4), mean_4,
    ("`check_gradient`", passed_4),
)
assert mean_4 and not passed_4

# %% [markdown]
# ### 5. A bias per position
#
# The question's answer writes the forward pass with $b_{i,j}$, a bias for every output
# position. A convolution layer has one bias per output *channel*, shared by every
# position like the kernel, so its gradient sums the delta over the batch *and* over all
# positions: $\partial L/\partial b_o = \sum_{n,i,j} \delta^y_{n,o,i,j}$. Taking
# $b_{i,j}$ literally gives a gradient of the wrong shape; the quick "fix" that averages
# it down to one number per channel has the right shape, the right sign and the wrong
# size.

# %%
def bias_grad_per_position(dy):
    """DELIBERATELY WRONG: one bias gradient per output position."""
    return dy.sum(axis=0)         # BUG: should be dy.sum(axis=(0, 2, 3))


def bias_grad_averaged(dy):
    """DELIBERATELY WRONG: the per-position gradient averaged to fit."""
    return dy.mean(axis=(0, 2, 3))  # BUG: should be dy.sum(axis=(0, 2, 3))

# %% tags=["hide-input"]
x5 = rng.standard_normal((2, 3, 6, 6))
w5 = rng.standard_normal((4, 3, 3, 3))
b5 = rng.standard_normal(4)
dy5 = rng.standard_normal(conv2d(x5, w5, b5).shape)


def f5(_):
    return np.sum(conv2d(x5, w5, b5) * dy5)


per_position = bias_grad_per_position(dy5)
averaged = bias_grad_averaged(dy5)
verdict("db per position",
        lambda: check_gradient(f5, b5, per_position, name="db"))
passed_5 = verdict("db averaged",
                   lambda: check_gradient(f5, b5, averaged, name="db"))
mean_5 = verdict("db averaged, mean only",
                 lambda: mean_only_check(f5, b5, averaged))
# The naive test: one image, one output position (kernel as large as x).
x5s = rng.standard_normal((1, 3, 3, 3))
w5s = rng.standard_normal((4, 3, 3, 3))
dy5s = rng.standard_normal((1, 4, 1, 1))


def f5s(_):
    return np.sum(conv2d(x5s, w5s, b5) * dy5s)


naive_5 = verdict(
    "db averaged, 1 image, 1x1 output",
    lambda: check_gradient(f5s, b5, bias_grad_averaged(dy5s), name="db"))
good_db5 = conv2d_backward(dy5, x5, w5)[2]
cosine = np.dot(good_db5, bias_grad_averaged(dy5)) / (
    np.linalg.norm(good_db5) * np.linalg.norm(bias_grad_averaged(dy5)))
ratio = good_db5 / bias_grad_averaged(dy5)
print(f"cosine between cnnbp's db and the averaged one: {cosine:.6f}")
print("ratio per channel:", ratio)
results["bias per position (averaged to fit)"] = (
    ("one image with a 1x1 output", naive_5), mean_5,
    ("`check_gradient`", passed_5),
)
assert naive_5 and not passed_5 and np.isclose(cosine, 1.0)
assert np.allclose(ratio, x5.shape[0] * dy5.shape[2] * dy5.shape[3])

# %% [markdown]
# The averaged gradient points in exactly the right direction (cosine 1) and is too small
# by the factor printed above, the number of terms averaged: images times output
# positions. Plain gradient descent with it still works, only with a bias that learns
# that many times more slowly than intended, which is easy to miss.
#
# ### 6. The gradient sent to every tied maximum
#
# When several entries of a pooling window share the maximum, cnnbp gives the whole
# upstream gradient to the first of them in row-major order, as PyTorch does on the CPU.
# Some hand-written code sends it to each of them instead. With continuous random inputs
# ties never happen and every test passes. With real data they do: pixel values are
# quantized, saturated regions are flat, padded borders are constant.
#
# At a tie the max is not differentiable, and [gradient checking](../05_gradient_checking/)
# showed that central differences give each tied entry half of the gradient, so an
# entry-by-entry check flags cnnbp's first-maximum rule just as much as this bug. One
# direction stays smooth, though: moving *all* tied entries of a window together by $t$
# moves the window's maximum by exactly $t$, for either sign of $t$. Along that direction
# $v$ every valid gradient $g$ must reproduce the forward pass's slope,
# $\langle g, v\rangle$, and `check_gradient` can check it by treating $t$ as the input.

# %%
def max_pool2d_backward_all_ties(dy, x, size=2):
    """DELIBERATELY WRONG: the whole gradient to every maximal entry."""
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(dy.shape):
        rows = slice(i * size, (i + 1) * size)
        cols = slice(j * size, (j + 1) * size)
        window = x[n, c, rows, cols]
        tied = window == window.max()
        dx[n, c, rows, cols] += tied * dy[n, c, i, j]   # BUG: first only
    return dx


def along_ties_check(x, dy, grad, name):
    """Check <grad, v>, v = 1 on every entry equal to its window's max."""
    window_max = np.repeat(np.repeat(max_pool2d(x), 2, axis=2), 2, axis=3)
    v = (x == window_max).astype(float)

    def along(t):
        return np.sum(max_pool2d(x + t[0] * v) * dy)

    return check_gradient(along, np.zeros(1), np.array([np.sum(grad * v)]),
                          name=name)

# %% tags=["hide-input"]
x6_smooth = rng.standard_normal((1, 2, 6, 6))
x6_ties = rng.integers(0, 4, size=(1, 2, 6, 6)).astype(float)  # many ties
dy6 = rng.standard_normal((1, 2, 3, 3))
windows = x6_ties.reshape(1, 2, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5)
windows = windows.reshape(-1, 4)
is_max = windows == windows.max(axis=1, keepdims=True)
n_tied = int(np.sum(is_max.sum(axis=1) > 1))
print(f"windows with a tied maximum: {n_tied} of {len(windows)}")


def f6(_):
    return np.sum(max_pool2d(x6_ties) * dy6)


good6 = max_pool2d_backward(dy6, x6_ties)
bad6 = max_pool2d_backward_all_ties(dy6, x6_ties)


def f6_smooth(_):
    return np.sum(max_pool2d(x6_smooth) * dy6)


naive_6 = verdict("continuous input: dx", lambda: check_gradient(
    f6_smooth, x6_smooth, max_pool2d_backward_all_ties(dy6, x6_smooth),
    name="dx"))
verdict("ties, entry by entry: cnnbp dx",
        lambda: check_gradient(f6, x6_ties, good6, name="dx"))
verdict("ties, entry by entry: buggy dx",
        lambda: check_gradient(f6, x6_ties, bad6, name="dx"))
good_6 = verdict("ties, along the tied entries: cnnbp dx",
                 lambda: along_ties_check(x6_ties, dy6, good6, "<dx, v>"))
passed_6 = verdict("ties, along the tied entries: buggy dx",
                   lambda: along_ties_check(x6_ties, dy6, bad6, "<dx, v>"))
mean_6 = verdict("ties, mean only: buggy dx",
                 lambda: mean_only_check(f6, x6_ties, bad6))
results["gradient to every tied maximum"] = (
    ("continuous random inputs", naive_6), mean_6,
    ("`check_gradient` along the tied entries", passed_6),
)
assert n_tied > 0 and naive_6 and good_6 and not passed_6

# %% [markdown]
# The same disagreement shows up in a one-line sanity check: with non-overlapping windows
# each window hands on exactly its own gradient, so `dx` must sum to what `dy` sums to.

# %%
print(f"sum of dy {dy6.sum():.4f}, of cnnbp's dx {good6.sum():.4f}, "
      f"of the buggy dx {bad6.sum():.4f}")

# %% tags=["remove-cell"]
assert np.isclose(dy6.sum(), good6.sum())
assert not np.isclose(dy6.sum(), bad6.sum())

# %% [markdown]
# cnnbp's `tests/test_pool.py` checks exactly this property on random inputs with only a
# few distinct values (ties in many windows), and `tests/test_torch_conv_pool.py` compares
# the first-maximum rule with PyTorch's on such inputs.
#
# ### 7. A check that compares only a mean
#
# The last exhibit is a bug in the *test*: the `mean_only_check` defined at the top
# compares one number out of many. Every gradient with the right sum passes it:
# rearrangements of the right one, such as the swapped correlation (a 180° rotation) or
# the index mix-up below (a kernel gradient with the taps `p` and `q` exchanged), and the
# missing flip.

# %%
def conv2d_weight_grad_transposed(dy, x, w):
    """DELIBERATELY WRONG: adds tap (p, q)'s term to dw[o, c, q, p]."""
    c_in, kh, kw = w.shape[1:]
    dw = np.zeros_like(w)
    for n, o, i, j in np.ndindex(dy.shape):
        for c, p, q in np.ndindex(c_in, kh, kw):
            term = dy[n, o, i, j] * x[n, c, i + p, j + q]
            dw[o, c, q, p] += term   # BUG: should be dw[o, c, p, q]
    return dw

# %% tags=["hide-input"]
x7 = rng.standard_normal((2, 2, 6, 6))
w7 = rng.standard_normal((3, 2, 3, 3))
dy7 = rng.standard_normal(conv2d(x7, w7).shape)
bad_dw7 = conv2d_weight_grad_transposed(dy7, x7, w7)


def f7(_):
    return np.sum(conv2d(x7, w7) * dy7)


mean_7 = verdict("dw, mean only", lambda: mean_only_check(f7, w7, bad_dw7))
passed_7 = verdict("dw",
                   lambda: check_gradient(f7, w7, bad_dw7, name="dw"))
print(f"relative error of the transposed dw against cnnbp's: "
      f"{relative_error(bad_dw7, conv2d_backward(dy7, x7, w7)[1]):.2f}")
results["taps p, q exchanged in dW"] = (
    ("a check of the mean only", mean_7), mean_7,
    ("`check_gradient`", passed_7),
)
assert mean_7 and not passed_7

# %% [markdown]
# ## Check
#
# Every row was produced by the cells above: "misses it" means the check accepted the
# wrong gradient, "catches it" that it raised. Each bug slips through its naive test
# (asserted) and is caught by the proper one (asserted); the mean-only check misses
# three: the two rearrangements and the missing flip.

# %% tags=["remove-input"]
def mark(accepted):
    return "misses it" if accepted else "**catches it**"


show_table(
    [(bug, naive, mark(mean_ok), proper)
     for bug, ((naive, _), mean_ok, (proper, _)) in results.items()],
    ["bug", "naive check (misses it)", "mean only",
     "proper check (catches it)"],
    fmt="{}",
)
assert all(naive_ok and not proper_ok
           for (_, naive_ok), _, (_, proper_ok) in results.values())
assert sum(mean_ok for _, mean_ok, _ in results.values()) == 3

# %% [markdown]
# ## What to remember
#
# - Every bug here except the literal per-position bias keeps the shapes right, and most
#   survive the first test one writes. The test has to exercise the feature the bug
#   breaks: a stride above 1, overlapping windows, an asymmetric kernel, more than one
#   image and position, inputs with ties.
# - Compare **every entry** (`check_gradient`), never a summary: means and sums are blind
#   to gradients that are rotated, transposed or flipped.
# - Use a **random, non-uniform** upstream gradient and random weights: uniform ones and
#   symmetric kernels hide rotations and swaps.
# - At kinks the entry-by-entry check cannot judge; check along a direction where the
#   forward pass is smooth (all tied entries together), or a conservation law such as
#   $\sum \delta^x = \sum \delta^y$ for non-overlapping max-pooling.
# - A gradient with the right direction and the wrong size (the averaged bias) still
#   trains, just badly. Only a check of the values catches it.
#
# ## Exercises
#
# 1. A layer sees $N = 4$ images and has an $8\times8$ output. By what factor is the
#    averaged bias gradient of exhibit 5 too small?
#
# <details>
# <summary>Solution</summary>
#
# It averages over images and positions instead of adding them up:
# $4 \cdot 8 \cdot 8 = 256$ (a hidden cell measures the ratio).
#
# </details>
#
# 2. Why does the missing flip of exhibit 3 pass with the binomial blur and with any
#    $1\times1$ kernel?
#
# <details>
# <summary>Solution</summary>
#
# Because both equal their own 180° rotation: the blur is symmetric about its centre, and
# a $1\times1$ kernel has nothing to turn. The rotated and the unrotated full convolution
# are then the same computation (asserted below).
#
# </details>
#
# 3. With $2\times2$ windows and stride 2, does the `=` of exhibit 2 change anything?
#
# <details>
# <summary>Solution</summary>
#
# No. The windows do not overlap, so every input entry receives from at most one window,
# and writing equals adding: the buggy function returns exactly cnnbp's gradient (asserted
# below). The bug needs overlapping windows to show.
#
# </details>

# %% tags=["remove-cell"]
dy_e = rng.standard_normal((4, 2, 8, 8))
x_e, w_e = np.zeros((4, 3, 10, 10)), np.zeros((2, 3, 3, 3))
db_e = conv2d_backward(dy_e, x_e, w_e)[2]
factor = db_e / bias_grad_averaged(dy_e)
assert np.allclose(factor, 256)
assert np.array_equal(blur[::-1, ::-1], blur)
w_1x1 = kernels["random 1x1 kernel"]
assert np.array_equal(w_1x1[:, :, ::-1, ::-1], w_1x1)
x_e = rng.standard_normal((2, 2, 6, 6))
dy_pool = rng.standard_normal((2, 2, 3, 3))
assert np.array_equal(max_pool2d_backward_assign(dy_pool, x_e, 2, 2),
                      max_pool2d_backward(dy_pool, x_e, 2, 2))
