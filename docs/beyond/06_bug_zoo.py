# %% [markdown]
# # Bug zoo
#
# Backward passes fail quietly. A wrong gradient typically has the right shape, the loss usually
# still goes down for a while, and a small hand-made test often passes. This page collects the
# classic mistakes of hand-written CNN backpropagation. Each one is implemented **on purpose**, as a
# small function clearly marked as wrong, and then shown two ways:
#
# 1. a *naive* check that the bug slips through, the kind of test one writes first;
# 2. a *proper* check that catches it: `cnnbp.check_gradient` (central differences of the real
#    forward pass with a random upstream gradient, on shapes that exercise the bug).
#
# The correct reference is always cnnbp itself. The loops mirror those of
# [`cnnbp.loops`](../../reference/loops/); each bug is one line, marked `# BUG`.
#
# **Notation on this page.** The index names are those of `cnnbp.loops`: `n` is the image,
# `o` the output channel, `c` the input channel, `(i, j)` the output position, `(p, q)` the
# offset inside the kernel or pooling window (not padding, as on the
# [stride and padding page](../03_stride_padding_dilation/)) and `(u, v)` the input position.
# $x$ is a layer's input and $\delta$ (`dy` in the code) the gradient of its output, as from
# [Channels and batches](../02_channels/) on; only section 4, which reuses the question's
# arrays, calls the input map `o` and the delta map `d`, as the answer does.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
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
from cnnbp.viz import show_markdown, show_matrices

rng = np.random.default_rng(6)


def verdict(label, run):
    """Run one check; print 'passes' or the failure message a learner would see; return passed."""
    try:
        out = run()
    except (AssertionError, ValueError) as e:
        print(f"{label:<40} FAILS  {type(e).__name__}: {e}")
        return False
    detail = f"(relative error {out:.1e})" if isinstance(out, float) else ""
    print(f"{label:<40} passes {detail}")
    return True


def mean_only_check(f, x, grad):
    """DELIBERATELY WEAK check: compares only the mean of the gradient with the numerical one."""
    num_mean = np.mean(numerical_gradient(f, x))
    if not np.isclose(np.mean(grad), num_mean, rtol=1e-6, atol=1e-9):
        raise AssertionError(f"mean {np.mean(grad):.6g} != numerical mean {num_mean:.6g}")
    return True


# bug -> (naive check, did it pass?), did the mean-only check pass?, (proper check, did it pass?)
results = {}

# %% [markdown]
# ## 1. The stride forgotten in the backward loop
#
# A strided convolution reads its input at $u = i\,s + p$, with $s$ the stride and $p$ the kernel
# row offset. A backward loop written and tested at stride 1 often says $u = i + p$: identical at
# $s = 1$, wrong at every other stride, and the arrays still have the right shapes, so nothing crashes.
# %%
def conv2d_backward_no_stride(dy, x, w, stride=1):
    """DELIBERATELY WRONG: maps output position (i, j) back to the input without the stride."""
    c_in, kh, kw = w.shape[1:]
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    for n, o, i, j in np.ndindex(dy.shape):
        for c, p, q in np.ndindex(c_in, kh, kw):
            u, v = i + p, j + q  # BUG: should be i * stride + p, j * stride + q
            dw[o, c, p, q] += dy[n, o, i, j] * x[n, c, u, v]
            dx[n, c, u, v] += dy[n, o, i, j] * w[o, c, p, q]
    return dx, dw


x1 = rng.standard_normal((1, 2, 7, 7))
w1 = rng.standard_normal((2, 2, 3, 3))
passed = {}
for stride in (1, 2):
    dy1 = rng.standard_normal(conv2d(x1, w1, stride=stride).shape)
    bad_dx1, bad_dw1 = conv2d_backward_no_stride(dy1, x1, w1, stride)

    def f1(_, stride=stride, dy1=dy1):
        return np.sum(conv2d(x1, w1, stride=stride) * dy1)

    passed[stride, "dw"] = verdict(f"stride {stride}, dw", lambda f=f1, g=bad_dw1: check_gradient(f, w1, g, name="dw"))
    passed[stride, "dx"] = verdict(f"stride {stride}, dx", lambda f=f1, g=bad_dx1: check_gradient(f, x1, g, name="dx"))
mean_1 = verdict("stride 2, dw, mean only", lambda: mean_only_check(f1, w1, bad_dw1))
results["stride missing in the backward loop"] = (
    ("tested at stride 1 only", passed[1, "dw"] and passed[1, "dx"]), mean_1,
    ("`check_gradient` at stride 2", passed[2, "dw"] and passed[2, "dx"]),
)
assert passed[1, "dw"] and passed[1, "dx"] and not passed[2, "dw"] and not passed[2, "dx"]

# %% [markdown]
# What a learner sees when looking at the result instead of the number: at stride 2 the
# buggy `dx` piles everything into the top-left $5 \times 5$ block of the $7 \times 7$ input
# and leaves the last two rows and columns at zero, as if the windows moved one pixel at a
# time.

# %%
good_dx1 = conv2d_backward(dy1, x1, w1, stride=2)[0]
fig, _ = show_matrices([good_dx1[0, 0], bad_dx1[0, 0]], ["cnnbp dx (stride 2)", "buggy dx (stride 2)"],
                       fmt="{:.1f}", marks=[None, bad_dx1[0, 0] == 0])
plt.show()
assert x1.shape[2:] == (7, 7) and np.all(bad_dx1[:, :, 5:, :] == 0) and np.all(bad_dx1[:, :, :, 5:] == 0)
assert np.all(bad_dx1[:, :, :5, :5] != 0)

# %% [markdown]
# ## 2. Assigning instead of adding in the max-pool backward
#
# The slip is `=` where `+=` belongs. With non-overlapping windows (stride equal to the size)
# every input entry belongs to one window, so *writing* each window's gradient into `dx` is as
# good as *adding* it. Once windows overlap (a $3\times3$ pool with stride 2, as in many classic
# networks), a later window overwrites the contributions of an earlier one, including a maximum
# the two windows share.

# %%
def max_pool2d_backward_assign(dy, x, size=2, stride=None):
    """DELIBERATELY WRONG: writes each window's gradient into dx instead of adding it."""
    stride = size if stride is None else stride
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(dy.shape):
        window = np.s_[n, c, i * stride : i * stride + size, j * stride : j * stride + size]
        mask = np.zeros((size, size))
        mask.flat[np.argmax(x[window])] = 1.0  # first maximum, like cnnbp
        dx[window] = mask * dy[n, c, i, j]  # BUG: should be dx[window] += ...
    return dx


x2 = rng.standard_normal((2, 2, 7, 7))  # continuous values: no ties
passed = {}
for size, stride in [(2, 2), (3, 2)]:
    dy2 = rng.standard_normal(max_pool2d(x2, size, stride).shape)
    bad_dx2 = max_pool2d_backward_assign(dy2, x2, size, stride)

    def f2(_, size=size, stride=stride, dy2=dy2):
        return np.sum(max_pool2d(x2, size, stride) * dy2)

    passed[size] = verdict(f"size {size}, stride {stride}: dx",
                           lambda f=f2, g=bad_dx2: check_gradient(f, x2, g, name="dx"))
mean_2 = verdict("size 3, stride 2: dx, mean only", lambda: mean_only_check(f2, x2, bad_dx2))
results["`=` instead of `+=` in the max-pool backward"] = (
    ("non-overlapping windows", passed[2]), mean_2, ("`check_gradient` with overlapping windows", passed[3]),
)
good_dx2 = max_pool2d_backward(dy2, x2, 3, 2)
lost = ~np.isclose(good_dx2, bad_dx2)
print(f"entries of dx that differ from cnnbp's: {lost.sum()} of {np.count_nonzero(good_dx2)} non-zero ones")
assert passed[2] and not passed[3] and lost.any()

# %% [markdown]
# ## 3. No flip: the delta convolved with the kernel as it is
#
# The delta for the layer below is the cross-correlation of the zero-padded $\delta$ with the
# kernel rotated by 180°, i.e. a *full* convolution of $\delta$ with the kernel (derived in
# [stacked convolutions](../01_stacked/)). Forgetting the rotation is a
# common slip, and the classic hand test does not notice: smoothing kernels such as a
# box or a binomial blur are symmetric under a 180° rotation, and so is any $1\times1$ kernel.

# %%
def delta_no_flip(dy, w):
    """DELIBERATELY WRONG: full correlation of the delta with the kernel, not rotated by 180°."""
    kh, kw = w.shape[2:]
    dy_full = np.pad(dy, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    return conv2d(dy_full, w.transpose(1, 0, 2, 3))  # BUG: should be w[:, :, ::-1, ::-1]


x3 = rng.standard_normal((2, 2, 6, 5))
blur = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) / 16
kernels = {
    "binomial blur in every channel": np.broadcast_to(blur, (3, 2, 3, 3)).copy(),
    "random 1x1 kernel": rng.standard_normal((3, 2, 1, 1)),
    "random kernel": rng.standard_normal((3, 2, 3, 3)),
}
passed = {}
for label, w3 in kernels.items():
    dy3 = rng.standard_normal(conv2d(x3, w3).shape)
    bad_dx3 = delta_no_flip(dy3, w3)
    assert np.allclose(delta_full_conv(dy3, w3, x3.shape), conv2d_backward(dy3, x3, w3)[0])

    def f3(_, w3=w3, dy3=dy3):
        return np.sum(conv2d(x3, w3) * dy3)

    passed[label] = verdict(f"{label}: dx", lambda f=f3, g=bad_dx3: check_gradient(f, x3, g, name="dx"))
mean_3 = verdict("random kernel: dx, mean only", lambda: mean_only_check(f3, x3, bad_dx3))
results["no 180° flip in the delta for the layer below"] = (
    ("symmetric test kernel (blur, 1x1)",
     passed["binomial blur in every channel"] and passed["random 1x1 kernel"]), mean_3,
    ("`check_gradient` with a random kernel", passed["random kernel"]),
)
assert passed["binomial blur in every channel"] and passed["random 1x1 kernel"]
assert not passed["random kernel"] and mean_3

# %% [markdown]
# The mean-only check passes here too, and not by luck: every entry of $\delta$ meets every
# kernel entry exactly once in a full convolution, flipped or not, so the sum of the buggy
# `dx` is $\sum\delta \cdot \sum w$ per channel pair, the same as the sum of the right one.
#
# ## 4. Swapped arguments in the weight-gradient correlation
#
# The weight gradient is the valid cross-correlation of the layer's input with its delta,
# $\partial E/\partial w_{p,q} = \sum_{i,j} \delta_{i,j}\, o_{i+p,\,j+q}$. The answer's printed result is
# exactly SciPy's `correlate2d(o, d, "valid")` (the line of code that produced it is lost; see
# [Checking the answer](../../example/05_checking_the_answer/)). Swap the two arguments and SciPy,
# which in `"valid"` mode slides the smaller array over the larger, returns the same numbers rotated
# by 180°. Here with the question's own input `o` and delta map `d` (the Data Science Stack Exchange
# question "back propagation in CNN" (2018) by koryakinp, and its answer), against the forward pass
# with the reconstructed kernel.
# %%
def weight_grad_swapped(o, d):
    """DELIBERATELY WRONG: correlates the delta with the input instead of the input with the delta."""
    return correlate2d(d, o, "valid")  # BUG: should be correlate2d(o, d, "valid")


o, d = seed.INPUT, seed.DELTA_MAP
w4 = np.array(seed.KERNEL)  # a writable copy: the check nudges it in place
good_dw4 = conv2d_backward(d[None, None], o[None, None], w4[None, None])[1][0, 0]
bad_dw4 = weight_grad_swapped(o, d)
assert np.allclose(good_dw4, seed.DW_ANSWER, atol=1e-6)
# The answer's printed result, to every digit it prints, is correlate2d(o, d, "valid").
assert np.allclose(correlate2d(o, d, "valid"), seed.DW_ANSWER, rtol=0, atol=5e-7)
assert np.allclose(bad_dw4, good_dw4[::-1, ::-1])


def f4(_):
    return np.sum(conv2d(o[None, None], w4[None, None]) * d)


fig, _ = show_matrices([good_dw4, bad_dw4], ["cnnbp dw", "swapped arguments"], fmt="{:.4f}", size=1.1)
plt.show()
passed_4 = verdict("seed numbers: dw", lambda: check_gradient(f4, w4, bad_dw4, name="dw"))
mean_4 = verdict("seed numbers: dw, mean only", lambda: mean_only_check(f4, w4, bad_dw4))
results["swapped arguments in the dW correlation"] = (
    ("shape check; sum or mean", mean_4), mean_4, ("`check_gradient`", passed_4),
)
assert mean_4 and not passed_4

# %% [markdown]
# ## 5. A bias per position
#
# The question's answer writes the forward pass with $b_{i,j}$, a bias for every output
# position. A convolution layer has one bias per output *channel*, shared by every position
# like the kernel, so its gradient sums the delta over the batch *and* over all positions:
# $\partial E/\partial b_o = \sum_{n,i,j} \delta_{n,o,i,j}$. Taking $b_{i,j}$ literally gives a
# gradient of the wrong shape; the quick "fix" that averages it down to one number per channel
# has the right shape, the right sign and the wrong size.

# %%
def bias_grad_per_position(dy):
    """DELIBERATELY WRONG: one bias gradient per output position, as b_ij suggests."""
    return dy.sum(axis=0)  # BUG: should be dy.sum(axis=(0, 2, 3))


def bias_grad_averaged(dy):
    """DELIBERATELY WRONG: the per-position gradient averaged to fit the bias's shape."""
    return dy.mean(axis=(0, 2, 3))  # BUG: should be dy.sum(axis=(0, 2, 3))


x5 = rng.standard_normal((2, 3, 6, 6))
w5 = rng.standard_normal((4, 3, 3, 3))
b5 = rng.standard_normal(4)
dy5 = rng.standard_normal(conv2d(x5, w5, b5).shape)


def f5(_):
    return np.sum(conv2d(x5, w5, b5) * dy5)


verdict("db per position", lambda: check_gradient(f5, b5, bias_grad_per_position(dy5), name="db"))
passed_5 = verdict("db averaged", lambda: check_gradient(f5, b5, bias_grad_averaged(dy5), name="db"))
mean_5 = verdict("db averaged, mean only", lambda: mean_only_check(f5, b5, bias_grad_averaged(dy5)))

# The naive test: one image whose output is a single position (kernel as large as the input).
x5s, w5s = rng.standard_normal((1, 3, 3, 3)), rng.standard_normal((4, 3, 3, 3))
dy5s = rng.standard_normal((1, 4, 1, 1))
naive_5 = verdict("db averaged, 1 image, 1x1 output", lambda: check_gradient(
    lambda _: np.sum(conv2d(x5s, w5s, b5) * dy5s), b5, bias_grad_averaged(dy5s), name="db"))
good_db5 = conv2d_backward(dy5, x5, w5)[2]
cosine = np.dot(good_db5, bias_grad_averaged(dy5)) / (
    np.linalg.norm(good_db5) * np.linalg.norm(bias_grad_averaged(dy5)))
ratio = good_db5 / bias_grad_averaged(dy5)
print(f"cosine between cnnbp db and averaged db: {cosine:.6f}; ratio per channel: {ratio}")
results["bias per position (averaged to fit)"] = (
    ("one image with a 1x1 output", naive_5), mean_5, ("`check_gradient`", passed_5),
)
assert naive_5 and not passed_5 and np.isclose(cosine, 1.0)
assert np.allclose(ratio, x5.shape[0] * dy5.shape[2] * dy5.shape[3])

# %% [markdown]
# The averaged gradient points in exactly the right direction (cosine 1) and is too small by
# the factor printed above, the number of terms averaged: images times output positions. Plain
# gradient descent with it still works, only with a bias that learns that many times more
# slowly than intended, which is easy to miss.
#
# ## 6. The gradient sent to every tied maximum
#
# When several entries of a pooling window share the maximum, cnnbp gives the whole upstream
# gradient to the first of them in row-major order, as PyTorch does on the CPU. Some hand-written
# code sends it to each of them instead (`dx += (window == window.max()) * dy`). With continuous
# random inputs ties never happen and every test passes. With real data they do: pixel values are
# quantized, saturated regions are flat, padded borders are constant.
#
# At a tie the max is not differentiable, and [gradient checking](../05_gradient_checking/)
# showed that central differences give each tied entry half of the gradient, so an
# entry-by-entry check flags cnnbp's first-maximum rule just as much as this bug. One direction
# stays smooth, though: moving *all* tied entries of a window together by $t$ moves the
# window's maximum by exactly $t$, for either sign of $t$. Along that direction $v$ the
# forward pass's sensitivity is well defined, and every valid gradient $g$ must reproduce it:
# $\langle g, v\rangle$ must equal the directional derivative. The central difference along
# $v$ is exact there, and `check_gradient` can check it by treating $t$ as the input.

# %%
def max_pool2d_backward_all_ties(dy, x, size=2):
    """DELIBERATELY WRONG: gives the whole gradient to every entry equal to the window's max."""
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(dy.shape):
        window = np.s_[n, c, i * size : (i + 1) * size, j * size : (j + 1) * size]
        dx[window] += (x[window] == x[window].max()) * dy[n, c, i, j]  # BUG: only one maximum
    return dx


def along_ties_check(x, dy, grad, name):
    """Check <grad, v> for v = 1 on every entry that equals its window's max (2x2 windows)."""
    window_max = np.repeat(np.repeat(max_pool2d(x), 2, axis=2), 2, axis=3)
    v = (x == window_max).astype(float)
    t = np.zeros(1)
    return check_gradient(lambda tt: np.sum(max_pool2d(x + tt[0] * v) * dy), t,
                          np.array([np.sum(grad * v)]), name=name)


x6_smooth = rng.standard_normal((1, 2, 6, 6))
x6_ties = rng.integers(0, 4, size=(1, 2, 6, 6)).astype(float)  # quantized pixels: many ties
dy6 = rng.standard_normal((1, 2, 3, 3))
windows = x6_ties.reshape(1, 2, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(-1, 4)
n_tied = int(np.sum((windows == windows.max(axis=1, keepdims=True)).sum(axis=1) > 1))
print(f"windows with a tied maximum in the quantized input: {n_tied} of {len(windows)}")

naive_6 = verdict("continuous input: dx", lambda: check_gradient(
    lambda _: np.sum(max_pool2d(x6_smooth) * dy6), x6_smooth,
    max_pool2d_backward_all_ties(dy6, x6_smooth), name="dx"))
verdict("ties, entry by entry: cnnbp dx", lambda: check_gradient(
    lambda _: np.sum(max_pool2d(x6_ties) * dy6), x6_ties, max_pool2d_backward(dy6, x6_ties), name="dx"))
verdict("ties, entry by entry: buggy dx", lambda: check_gradient(
    lambda _: np.sum(max_pool2d(x6_ties) * dy6), x6_ties, max_pool2d_backward_all_ties(dy6, x6_ties), name="dx"))
good_6 = verdict("ties, along the tied entries: cnnbp dx",
                 lambda: along_ties_check(x6_ties, dy6, max_pool2d_backward(dy6, x6_ties), "<dx, v>"))
passed_6 = verdict("ties, along the tied entries: buggy dx",
                   lambda: along_ties_check(x6_ties, dy6, max_pool2d_backward_all_ties(dy6, x6_ties), "<dx, v>"))
mean_6 = verdict("ties, mean only: buggy dx", lambda: mean_only_check(
    lambda _: np.sum(max_pool2d(x6_ties) * dy6), x6_ties, max_pool2d_backward_all_ties(dy6, x6_ties)))
results["gradient to every tied maximum"] = (
    ("continuous random inputs", naive_6), mean_6, ("`check_gradient` along the tied entries", passed_6),
)
assert n_tied > 0 and naive_6 and good_6 and not passed_6

# %% [markdown]
# The same disagreement shows up in a one-line sanity check: with non-overlapping windows each
# window hands on exactly its own gradient, so `dx` must sum to what `dy` sums to.

# %%
sums = {"dy": dy6.sum(), "cnnbp dx": max_pool2d_backward(dy6, x6_ties).sum(),
        "buggy dx": max_pool2d_backward_all_ties(dy6, x6_ties).sum()}
print("  ".join(f"sum of {k}: {v:.4f}" for k, v in sums.items()))
assert np.isclose(sums["dy"], sums["cnnbp dx"]) and not np.isclose(sums["dy"], sums["buggy dx"])

# %% [markdown]
# cnnbp's `tests/test_pool.py` checks exactly this property on random inputs with only a few
# distinct values (ties in many windows), and `tests/test_torch_conv_pool.py` compares the
# first-maximum rule with PyTorch's on such inputs.
#
# ## 7. A check that compares only a mean
#
# The last exhibit is a bug in the *test*. A check like
# `np.isclose(np.mean(dw), np.mean(numerical_dw))` (the `mean_only_check` at the top of the
# page) compares one number out of many. Every gradient with the right sum passes it:
# rearrangements of the right one, such as the swapped correlation (a 180° rotation) or the
# index mix-up below (a weight gradient with the kernel offsets `p` and `q` exchanged), and
# also the missing flip.

# %%
def conv2d_weight_grad_transposed(dy, x, w):
    """DELIBERATELY WRONG: accumulates the term for kernel offset (p, q) into dw[o, c, q, p]."""
    c_in, kh, kw = w.shape[1:]
    dw = np.zeros_like(w)
    for n, o, i, j in np.ndindex(dy.shape):
        for c, p, q in np.ndindex(c_in, kh, kw):
            dw[o, c, q, p] += dy[n, o, i, j] * x[n, c, i + p, j + q]  # BUG: should be dw[o, c, p, q]
    return dw


x7 = rng.standard_normal((2, 2, 6, 6))
w7 = rng.standard_normal((3, 2, 3, 3))
dy7 = rng.standard_normal(conv2d(x7, w7).shape)
bad_dw7 = conv2d_weight_grad_transposed(dy7, x7, w7)


def f7(_):
    return np.sum(conv2d(x7, w7) * dy7)


mean_7 = verdict("dw, mean only", lambda: mean_only_check(f7, w7, bad_dw7))
passed_7 = verdict("dw", lambda: check_gradient(f7, w7, bad_dw7, name="dw"))
print(f"relative error of the transposed dw against cnnbp's: "
      f"{relative_error(bad_dw7, conv2d_backward(dy7, x7, w7)[1]):.2f}")
results["kernel offsets p, q exchanged in dW"] = (
    ("a check of the mean only", mean_7), mean_7, ("`check_gradient`", passed_7),
)
assert mean_7 and not passed_7

# %% [markdown]
# ## Summary
#
# Each row was produced by the cells above: "misses it" means the check accepted the wrong
# gradient, "catches it" that it raised.

# %%
def mark(accepted):
    return "misses it" if accepted else "**catches it**"


rows = ["| bug | naive check | mean-only check | proper check |", "|---|---|---|---|"]
for bug, ((naive, naive_ok), mean_ok, (proper, proper_ok)) in results.items():
    rows.append(f"| {bug} | {naive}: {mark(naive_ok)} | {mark(mean_ok)} | {proper}: {mark(proper_ok)} |")
show_markdown("\n".join(rows))
assert all(naive_ok and not proper_ok for (_, naive_ok), _, (_, proper_ok) in results.values())
assert sum(mean_ok for _, mean_ok, _ in results.values()) == 3

# %% [markdown]
# ## What to remember
#
# - Every bug here except the literal per-position bias keeps the shapes right; most survive the
#   first test one writes. The test has to exercise the feature the bug breaks: a stride above 1,
#   overlapping windows, an asymmetric kernel, more than one image and position, inputs with ties.
# - Compare **every entry** (`check_gradient`), never a summary: means and sums are blind to
#   gradients that are rotated, transposed or flipped.
# - Use a **random, non-uniform** upstream gradient and random weights: uniform ones and
#   symmetric kernels hide rotations and swaps.
# - At kinks the entry-by-entry check cannot judge; check along a direction where the forward
#   pass is smooth (all tied entries together), or a conservation law such as
#   $\sum dx = \sum dy$ for non-overlapping max-pooling.
# - A gradient with the right direction and the wrong size (the averaged bias) still trains,
#   just badly. Only a check of the values catches it.
