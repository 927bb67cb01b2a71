# %% [markdown]
# # Stride, padding, dilation
#
# The convolution in the question that started this site (Data Science Stack Exchange, "back
# propagation in CNN", 2018, by koryakinp) slides a $2 \times 2$ kernel one cell at a time
# over a $5 \times 5$ input, with nothing around the border and no gaps between kernel taps.
# Real layers change all three:
#
# - **stride** $s$: the window jumps $s$ cells between neighbouring outputs;
# - **padding** $p$: $p$ rows and columns of zeros are added on every side first;
# - **dilation** $d$: the kernel taps are $d$ cells apart instead of adjacent.
#
# This page writes the forward pass and every gradient with all three in place, shows what each
# one does to the cells an output reads, and checks everything against finite differences.
# Channels and batch are kept throughout (see [the previous page](../02_channels/)); they ride
# along unchanged. Each of $s$, $p$, $d$ may differ between height and width, which
# cnnbp allows; the formulas are written for one axis where the other is the same.
#
# **Notation on this page.** As on the previous page, $x$ is the layer's input, $y$ its output,
# $\nu$ the example, $o$ and $c$ the output and input channels and $(m, n)$ the kernel tap; new
# here, $p$ is the padding (on the pages before it was a pooled value or an input row) and
# $(u, v)$ an input position.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from cnnbp import (
    check_gradient,
    conv2d,
    conv2d_backward,
    conv2d_output_shape,
    delta_full_conv,
    numerical_gradient,
)
from cnnbp.viz import show_conv_windows, show_markdown, show_matrices, show_matrix

# %% [markdown]
# ## The forward pass
#
# Let $\tilde x$ be the input with $p_h$ zero rows added above and below and $p_w$ zero columns
# left and right. Output $(i, j)$, kernel tap $(m, n)$ reads $\tilde x$ at row
# $s_h i + d_h m$ and column $s_w j + d_w n$:
#
# $$
# y_{\nu,o,i,j} \;=\; b_o + \sum_{c} \sum_{m=0}^{k_h-1} \sum_{n=0}^{k_w-1} w_{o,c,m,n}\;
#     \tilde x_{\nu,c,\; s_h i + d_h m,\; s_w j + d_w n} .
# $$
#
# With $s = d = 1$ and $p = 0$ this is the question's convolution, $y_{i,j} = \sum_m\sum_n w_{m,n}\,
# x_{i+m,j+n} + b$ (the worked example, following the answer, calls the input $o$ and the output
# $x$). The pictures below show, for two outputs each, which input cells are read (labels are the
# kernel taps $m,n$; grey cells are padding).

# %%
panels = [
    dict(in_shape=(7, 7), kernel_size=3, stride=2, outputs=[(0, 0), (1, 2)],
         title="stride 2: windows jump 2 cells"),
    dict(in_shape=(5, 5), kernel_size=3, padding=1, outputs=[(0, 0), (2, 3)],
         title="padding 1: windows start in the border"),
    dict(in_shape=(7, 7), kernel_size=3, dilation=2, outputs=[(0, 0), (2, 1)],
         title="dilation 2: taps 2 cells apart"),
]
fig, axes = plt.subplots(1, 3, figsize=(9, 3.4))
for ax, kw in zip(axes, panels, strict=True):
    show_conv_windows(ax=ax, **kw)
fig.tight_layout()
plt.show()

# %% [markdown]
# The pictures are drawn from the index formula. To be sure the formula is the one cnnbp
# computes, ask the package itself: the input cells that output $(i, j)$ reads are exactly
# those whose gradient is non-zero when $\delta$ is 1 at $(i, j)$ and 0 elsewhere, and every
# kernel weight is 1.

# %%
def cells_read_by_formula(in_shape, kernel_size, stride=1, padding=0, dilation=1, out=(0, 0)):
    k, s, p, d = (np.broadcast_to(v, 2) for v in (kernel_size, stride, padding, dilation))
    rows = {s[0] * out[0] + d[0] * m - p[0] for m in range(k[0])}
    cols = {s[1] * out[1] + d[1] * n - p[1] for n in range(k[1])}
    mask = np.zeros(in_shape, dtype=bool)
    for r in rows:
        for c in cols:
            if 0 <= r < in_shape[0] and 0 <= c < in_shape[1]:  # padding cells are not inputs
                mask[r, c] = True
    return mask


def cells_read_by_cnnbp(in_shape, kernel_size, stride=1, padding=0, dilation=1, out=(0, 0)):
    k = np.broadcast_to(kernel_size, 2)
    x0 = np.zeros((1, 1, *in_shape))
    w1 = np.ones((1, 1, *k))
    dy = np.zeros((1, 1, *conv2d_output_shape(in_shape, kernel_size, stride, padding, dilation)))
    dy[0, 0, out[0], out[1]] = 1.0
    return conv2d_backward(dy, x0, w1, stride, padding, dilation)[0][0, 0] != 0


for kw in panels:
    hyper = {k: kw.get(k, v) for k, v in dict(stride=1, padding=0, dilation=1).items()}
    for out in kw["outputs"]:
        assert np.array_equal(
            cells_read_by_formula(kw["in_shape"], kw["kernel_size"], out=out, **hyper),
            cells_read_by_cnnbp(kw["in_shape"], kw["kernel_size"], out=out, **hyper),
        )
print("every window drawn above is the support of cnnbp's input gradient for that output")

# %% [markdown]
# ## How big is the output?
#
# The last output row $i$ must still find its last tap inside the padded input:
# $s_h i + d_h (k_h - 1) \le H + 2p_h - 1$. The largest such $i$ is a floor, and counting from
# $0$ adds one:
#
# $$
# H_\text{out} \;=\; \left\lfloor \frac{H + 2p_h - d_h(k_h-1) - 1}{s_h} \right\rfloor + 1 ,
# $$
#
# and the same for $W_\text{out}$ with $p_w, d_w, k_w, s_w$. On the cases in the table, chosen
# to exercise each term, the formula,
# [`cnnbp.conv2d_output_shape`](../../reference/conv/) and the shape that `conv2d` actually
# returns are asserted to agree.

# %%
def out_len(h, k, s, p, d):
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


size_cases = [  # (H, W), (kh, kw), stride, padding, dilation, what it shows
    ((5, 5), (2, 2), 1, 0, 1, "the question's layer"),
    ((7, 7), (3, 3), 2, 0, 1, "stride 2, divides exactly"),
    ((8, 8), (3, 3), 2, 0, 1, "stride 2, the floor drops a row"),
    ((6, 6), (2, 2), 3, 0, 1, "stride larger than the kernel"),
    ((5, 5), (3, 3), 1, 1, 1, "'same' padding"),
    ((7, 7), (2, 2), 1, 0, 3, "dilation 3"),
    ((28, 28), (3, 3), 2, 1, 1, "a typical downsampling layer"),
    ((9, 6), (3, 2), (2, 1), (1, 0), (2, 1), "different per axis"),
]
def case(h, w_, kh, kw_, s, p, d):
    """A compact label for one convolution's sizes and hyper-parameters."""
    return f"${h}\\times{w_}$, $k$ ${kh}\\times{kw_}$, $s$ {s}, $p$ {p}, $d$ {d}"


lines = ["| input, kernel, stride, padding, dilation | $(H_\\text{out}, W_\\text{out})$ "
         "| what it shows |", "|---|---|---|"]
for (h, w_), (kh, kw_), s, p, d, what in size_cases:
    sh, sw = np.broadcast_to(s, 2)
    ph, pw = np.broadcast_to(p, 2)
    dh, dw_ = np.broadcast_to(d, 2)
    formula = (int(out_len(h, kh, sh, ph, dh)), int(out_len(w_, kw_, sw, pw, dw_)))
    api = conv2d_output_shape((h, w_), (kh, kw_), s, p, d)
    real = conv2d(np.zeros((1, 1, h, w_)), np.zeros((1, 1, kh, kw_)), None, s, p, d).shape[2:]
    assert formula == api == real
    lines.append(f"| {case(h, w_, kh, kw_, s, p, d)} | {formula} | {what} |")
show_markdown("\n".join(lines))

# %% [markdown]
# When the division in the formula is not exact, its remainder is the number of rows at the
# bottom of the padded input that no window reaches (and the same for columns at the right):
# the last window ends at row $s_h(H_\text{out}-1) + d_h(k_h-1)$, and
#
# $$
# \begin{align}
# \text{unread rows} &= (H + 2p_h) - \big(s_h(H_\text{out}-1) + d_h(k_h-1) + 1\big) \\
#   &= (H + 2p_h - d_h(k_h-1) - 1) \bmod s_h .
# \end{align}
# $$
#
# Those rows take part in nothing, so their gradient is exactly zero; we come back to them at
# the end of the page.

# %%
for (h, _), (kh, _), s, p, d, _ in size_cases:
    s, p, d = (int(np.broadcast_to(v, 2)[0]) for v in (s, p, d))
    ho = out_len(h, kh, s, p, d)
    assert (h + 2 * p) - (s * (ho - 1) + d * (kh - 1) + 1) == (h + 2 * p - d * (kh - 1) - 1) % s

# %% [markdown]
# ## The gradients in general form
#
# Differentiate the forward sum as before. Two of the three gradients only pick up the new
# index arithmetic:
#
# $$
# \begin{align}
# \frac{\partial E}{\partial b_o} &= \sum_{\nu,i,j} \delta_{\nu,o,i,j}, \\
# \frac{\partial E}{\partial w_{o,c,m,n}} &= \sum_{\nu} \sum_{i,j} \delta_{\nu,o,i,j}\;
#     \tilde x_{\nu,c,\; s_h i + d_h m,\; s_w j + d_w n} .
# \end{align}
# $$
#
# The input gradient collects, for every padded cell $(u, v)$, the terms whose index lands on it:
#
# $$
# \frac{\partial E}{\partial \tilde x_{\nu,c,u,v}} \;=\; \sum_{o} \sum_{m,n}
#   \sum_{\substack{i:\ s_h i + d_h m = u \\ j:\ s_w j + d_w n = v}}
#   \delta_{\nu,o,i,j}\; w_{o,c,m,n},
# \qquad
# \frac{\partial E}{\partial x_{\nu,c,u,v}} = \frac{\partial E}{\partial \tilde x_{\nu,c,\;u+p_h,\;v+p_w}} .
# $$
#
# The second equation is the **padding crop**: the border of $\tilde x$ holds constants, not
# inputs, so its part of the gradient is simply dropped.
#
# ### dx as a full convolution again
#
# The condition $s i + d m = u$ looks awkward, but it is the stride-1 condition $a + \alpha = u$
# in disguise, with $a = s i$ and $\alpha = d m$. So spread both factors out onto those
# positions:
#
# - **dilate δ by the stride**: $\delta^{(s)}$ has $\delta_{i,j}$ at $(s_h i, s_w j)$ and zeros
#   in between ($s - 1$ zeros between neighbours), which puts each delta back where its window
#   started;
# - **dilate the kernel by the dilation**: $w^{(d)}$ has $w_{m,n}$ at $(d_h m, d_w n)$ and
#   zeros in between, a $(d(k-1)+1)$-wide kernel with holes.
#
# Then
#
# $$
# \frac{\partial E}{\partial \tilde x_{\nu,c,u,v}} \;=\; \sum_{o} \sum_{\alpha,\beta}
#   \delta^{(s)}_{\nu,o,\;u-\alpha,\;v-\beta}\; w^{(d)}_{o,c,\alpha,\beta},
# $$
#
# the same full convolution as for stride 1 (see [stacked convolutions](../01_stacked/)):
# pad $\delta^{(s)}$ with $d(k-1)$ zeros on each side and cross-correlate it with the
# 180°-rotated $w^{(d)}$, input and output channel axes swapped. It covers the padded rows
# $0 \ldots s_h(H_\text{out}-1) + d_h(k_h-1)$; the unread rows after that get zeros. Then crop
# the padding. Step by step, on one channel with small integers so the arithmetic can be
# followed ($5\times 5$ input, $2\times 2$ kernel, stride 2, padding 1, dilation 2):

# %%
def dilate(a, step):
    """Insert step-1 zeros between neighbouring entries along the last two axes."""
    sh, sw = np.broadcast_to(step, 2)
    out = np.zeros((*a.shape[:-2], (a.shape[-2] - 1) * sh + 1, (a.shape[-1] - 1) * sw + 1))
    out[..., ::sh, ::sw] = a
    return out


def dx_by_recipe(delta, w, x_shape, stride, padding, dilation):
    """The input gradient by the four steps above, with cnnbp.conv2d doing the correlation."""
    (ph, pw), (h, w_) = np.broadcast_to(padding, 2), x_shape[2:]
    d_s = dilate(delta, stride)                                   # 1. δ dilated by the stride
    w_d = dilate(w, dilation)                                     # 2. kernel dilated
    eh, ew = w_d.shape[2] - 1, w_d.shape[3] - 1
    full = conv2d(np.pad(d_s, ((0, 0), (0, 0), (eh, eh), (ew, ew))),  # 3. full convolution
                  np.flip(w_d, axis=(2, 3)).transpose(1, 0, 2, 3))
    dx_pad = np.zeros((*full.shape[:2], h + 2 * ph, w_ + 2 * pw))  # 4. unread rows stay 0,
    dx_pad[..., : full.shape[2], : full.shape[3]] = full           #    then crop the padding
    return dx_pad, dx_pad[..., ph : ph + h, pw : pw + w_]


rng = np.random.default_rng(3)
demo = dict(stride=2, padding=1, dilation=2)
x_demo = rng.standard_normal((1, 1, 5, 5))
w_demo = np.array([[[[1.0, 2.0], [-1.0, 3.0]]]])
assert x_demo.shape[2:] == (5, 5) and w_demo.shape[2:] == (2, 2)   # the sizes named above
# Non-zero integer deltas, so every stamp of the kernel is visible.
delta_demo = rng.choice([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0], conv2d(x_demo, w_demo, **demo).shape)
dx_pad, dx_demo = dx_by_recipe(delta_demo, w_demo, x_demo.shape, **demo)

border = np.ones(dx_pad.shape[2:], dtype=bool)
border[1:-1, 1:-1] = False
show_matrices(
    [delta_demo[0, 0], dilate(delta_demo, 2)[0, 0], w_demo[0, 0],
     np.flip(dilate(w_demo, 2), axis=(2, 3))[0, 0]],
    ["δ", "δ dilated by the stride", "w", "w dilated, rotated 180°"], fmt="{:.0f}", size=0.5,
)
show_matrices(
    [dx_pad[0, 0], dx_demo[0, 0]],
    ["full convolution on the padded grid (border outlined)", "cropped: dx (= cnnbp's, asserted)"],
    fmt="{:.0f}", marks=[border, None], size=0.5,
)
plt.show()
assert np.array_equal(dx_demo, conv2d_backward(delta_demo, x_demo, w_demo, **demo)[0])
assert np.all(dx_demo[0, 0, ::2, :] == 0) and np.all(dx_demo[0, 0, :, ::2] == 0)

# %% [markdown]
# Most of the cropped gradient is zero, and not by accident. With stride 2 *and* dilation 2
# every tap lands on an even row and an even column of the padded grid ($2i + 2m$ is even).
# With padding 1, padded row $2r$ is input row $2r - 1$, so only the odd input rows and
# columns are ever read; rows and columns 0, 2 and 4 take part in nothing, and their gradient
# is exactly zero. The same happens whenever stride and dilation share a factor greater than
# 1: every tap then lands on a multiple of that factor.

# %% [markdown]
# [`cnnbp.delta_full_conv`](../../reference/views/) is this recipe in the package (it lets
# `conv2d`'s own `dilation` argument spread the kernel instead of building $w^{(d)}$).
#
# ### dW is a convolution with stride and dilation swapped
#
# Put $a = s i$ into the weight gradient: $\tilde x$ is read at $d m + s i$. Compared with the
# forward formula ($s i + d m$), the roles have traded places: the gradient's own index $m$
# moves in steps of $d$ (a *stride* of $d$), and the delta, now playing the kernel, has its
# taps $i$ spaced $s$ apart (a *dilation* of $s$). So with batch and channel axes swapped as on
# the channels page,
#
# $$
# \frac{\partial E}{\partial w} = \operatorname{conv}\big(\tilde x^{\top},\, \delta^{\top};\;
#   \text{stride} = d,\ \text{dilation} = s\big)^{\top}
#   \quad\text{(first $k_h \times k_w$ outputs)},
# $$
#
# where $^\top$ exchanges the first two axes. When the input has unread trailing rows, this
# convolution can produce a few more outputs than the kernel has taps; they are not part of the
# gradient and are cut off.

# %%
def dw_by_swap(delta, x, k, stride, padding, dilation):
    full = conv2d(x.transpose(1, 0, 2, 3), delta.transpose(1, 0, 2, 3),
                  stride=dilation, padding=padding, dilation=stride)
    return full[:, :, : k[0], : k[1]].transpose(1, 0, 2, 3)


assert np.allclose(dw_by_swap(delta_demo, x_demo, (2, 2), **demo),
                   conv2d_backward(delta_demo, x_demo, w_demo, **demo)[1])

# %% [markdown]
# ## Every gradient against finite differences
#
# Now with channels and a batch ($N = 2$, $C_\text{in} = 2$, $C_\text{out} = 3$), on a grid of
# cases that exercise each option alone and together, including non-square inputs, per-axis
# values and the floor. For each case: cnnbp's `dx`, `dW`, `db` against central differences
# of $E = \sum y \odot \delta$ for a random δ, and the two recipes above (plus
# `delta_full_conv`) against cnnbp's `conv2d_backward`.

# %%
grad_cases = [  # (H, W), (kh, kw), stride, padding, dilation
    ((5, 5), (2, 2), 1, 0, 1),
    ((7, 6), (3, 2), 2, 0, 1),
    ((8, 8), (3, 3), 2, 0, 1),
    ((6, 5), (3, 3), 1, 1, 1),
    ((7, 7), (2, 3), 1, 0, 2),
    ((7, 8), (3, 2), 2, 1, 2),
    ((9, 6), (3, 2), (2, 1), (1, 0), (2, 1)),
]
rows = ["| input, kernel, stride, padding, dilation | output | dx | dW | db |", "|---|---|---|---|---|"]
for (h, w_), k, s, p, d in grad_cases:
    x = rng.standard_normal((2, 2, h, w_))
    w = rng.standard_normal((3, 2, *k))
    b = rng.standard_normal(3)
    y = conv2d(x, w, b, s, p, d)
    delta = rng.standard_normal(y.shape)
    dx, dw, db = conv2d_backward(delta, x, w, s, p, d)

    def energy(_, x=x, w=w, b=b, s=s, p=p, d=d, delta=delta):
        return np.sum(conv2d(x, w, b, s, p, d) * delta)

    errs = [check_gradient(energy, a, g, rtol=1e-7, name=n)
            for a, g, n in ((x, dx, "dx"), (w, dw, "dw"), (b, db, "db"))]
    same = [np.allclose(dx_by_recipe(delta, w, x.shape, s, p, d)[1], dx),
            np.allclose(delta_full_conv(delta, w, x.shape, s, p, d), dx),
            np.allclose(dw_by_swap(delta, x, k, s, p, d), dw)]
    assert all(same)
    rows.append(f"| {case(h, w_, *k, s, p, d)} | ${y.shape[2]}\\times{y.shape[3]}$ | "
                + " | ".join(f"{e:.0e}" for e in errs) + " |")
show_markdown("\n".join(rows))

# %% [markdown]
# The three error columns are relative errors $\lVert g - \hat g\rVert / (\lVert g\rVert +
# \lVert\hat g\rVert)$ between cnnbp's gradient and the central-difference estimate (see
# [gradient checking](../05_gradient_checking/)); `check_gradient` raised if any exceeded
# $10^{-7}$. On every row the cell also asserted that the dx recipe, `delta_full_conv` and the
# swapped-roles dW agree with `conv2d_backward`.
#
# ## Cells nobody reads get zero gradient
#
# Two ways to leave input cells out. With a $6 \times 6$ input, a $3 \times 3$ kernel and
# stride 2, the formula gives $\lfloor 3/2 \rfloor + 1 = 2$ outputs per axis: the windows end
# at row 4 and row 5 is never read (the floor). With a $5 \times 5$ input, a $2 \times 2$
# kernel and stride 3, the windows read rows 0-1 and 3-4 and jump over row 2 (a stride larger
# than the kernel). The crossed-out cells below are those no window
# touches. Their gradient from cnnbp is exactly zero, and so is the finite-difference estimate:
# nudging them changes nothing at all.

# %%
assert out_len(6, 3, 2, 0, 1) == 2 and out_len(5, 2, 3, 0, 1) == 2
fig, axes = plt.subplots(2, 2, figsize=(8.5, 8), gridspec_kw={"height_ratios": [6, 5]})
axes = axes.ravel()
unread_masks = []
for k_ax, (shape, k, s) in enumerate((((6, 6), 3, 2), ((5, 5), 2, 3))):
    x = rng.standard_normal((1, 1, *shape))
    w = rng.standard_normal((1, 1, k, k))
    delta = rng.standard_normal(conv2d(x, w, stride=s).shape)
    dx = conv2d_backward(delta, x, w, stride=s)[0]
    num = numerical_gradient(lambda _, x=x, w=w, s=s, d=delta: np.sum(conv2d(x, w, stride=s) * d), x)
    read = np.zeros(shape, dtype=bool)
    for i in range(delta.shape[2]):
        for j in range(delta.shape[3]):
            read |= cells_read_by_formula(shape, k, s, out=(i, j))
    assert np.all(dx[0, 0][~read] == 0) and np.all(num[0, 0][~read] == 0)
    assert np.all(dx[0, 0][read] != 0)
    unread_masks.append(~read)
    show_conv_windows(shape, k, stride=s, outputs=[], show_unread=True, ax=axes[2 * k_ax],
                      title=f"${shape[0]}\\times{shape[1]}$, k={k}, stride {s}: unread cells")
    show_matrix(dx[0, 0], axes[2 * k_ax + 1], mark=~read, fmt="{:.2f}", fontsize=9,
                title="dx (unread cells outlined)")
fig.tight_layout()
plt.show()
print("unread cells per case:", [int(m.sum()) for m in unread_masks])
# 6x6 / k=3 / stride 2: only the last row and column; 5x5 / k=2 / stride 3: only row and column 2.
assert [np.flatnonzero(m.all(axis=1)).tolist() for m in unread_masks] == [[5], [2]]
assert [np.flatnonzero(m.all(axis=0)).tolist() for m in unread_masks] == [[5], [2]]

# %% [markdown]
# This is also why a transposed convolution (the map that takes δ back to the input's shape)
# needs to be told the input size when the stride is above 1: a $6 \times 6$ and a $5 \times 5$
# input give the same $2 \times 2$ output (with the $3 \times 3$ kernel and stride 2), and
# only the size says whether a zero row belongs at the end. `cnnbp.delta_full_conv` takes
# `x_shape` and `cnnbp.conv_transpose2d` an `output_size` for that reason
# ([the matrix view](../04_matrix_view/) has more).

# %%
assert conv2d_output_shape(6, 3, stride=2) == conv2d_output_shape(5, 3, stride=2) == (2, 2)

# %% [markdown]
# ## Try it
#
# Change the input size, the kernel, stride, padding and dilation, then point at any cell of
# $y$, $\partial L/\partial w$ or $\delta^x$ to light up the products it adds (dashed: taps
# that meet the padding; hatched: input cells no window reads, whose gradient is 0).
# Settings that do not fit are greyed out, with the reason under the controls.

# %% tags=["remove-input"]
from cnnbp.viz import conv_explorer_data, show_explorer

show_explorer(conv_explorer_data())

# %% [markdown]
# ## What to remember
#
# - Output $(i,j)$, tap $(m,n)$ reads the padded input at $(s_h i + d_h m,\ s_w j + d_w n)$.
#   Everything else follows from this one index.
# - $H_\text{out} = \lfloor (H + 2p - d(k-1) - 1)/s \rfloor + 1$; the remainder of that
#   division is the number of trailing rows no window reads, and their gradient is zero.
# - $\partial E/\partial b$ is unchanged; $\partial E/\partial w$ reads the input at the same
#   strided, dilated index as the forward pass, which makes it a convolution of the input with δ
#   in which stride and dilation trade places.
# - $\partial E/\partial x$ is the full convolution of δ *dilated by the stride* with the kernel
#   *dilated by the dilation* (a cross-correlation of the zero-padded, dilated δ with that
#   kernel rotated 180°), then zero-filled to the padded size and cropped by the padding.
