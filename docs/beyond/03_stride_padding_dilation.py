# %% [markdown]
# # Stride, padding, dilation
#
# **What you will learn:** what stride, padding and dilation do to the cells an output
# reads; how large the output is; and how each gradient changes: the input's delta by a
# four-step recipe (dilate $\delta^y$ by the stride, dilate the kernel, full convolution,
# crop), the kernel gradient by a convolution in which stride and dilation swap roles.
# The letters are those of the [notation page](../../notation/).

# %% tags=["remove-cell"]
# %matplotlib inline
import matplotlib.pyplot as plt

from cnnbp import conv2d_terms
from cnnbp.viz import setup, show_grids, show_reads, show_table

setup()

# %% [markdown]
# ## The idea: one index says where every tap reads
#
# The question's convolution slides a $2\times2$ kernel one cell at a time over a
# $5\times5$ input, with nothing around the border and no gaps between taps. Real layers
# change all three:
#
# - **stride** $s$: the window jumps $s$ cells between neighbouring outputs;
# - **padding** $P$: $P$ rows and columns of zeros are added on every side first;
# - **dilation** $d$: the kernel's taps are $d$ cells apart instead of adjacent.
#
# All three change one thing only: *which* cell of the padded input $x^\text{pad}$ tap
# $(p, q)$ of output $(i, j)$ reads. It is
#
# $$
# (u, v) = (s_h i + d_h p,\;\; s_w j + d_w q) ,
# $$
#
# and each of $s$, $P$, $d$ may differ between height and width. The pictures show two
# outputs' windows for each setting; a label in a cell is the tap that reads it, grey cells
# are padding, and the axes count input cells from the unpadded corner.

# %% tags=["remove-input"]
panels = [
    dict(in_hw=(7, 7), kernel_hw=3, stride=2, outputs=[(0, 0), (1, 2)],
         title="stride 2: windows jump 2 cells"),
    dict(in_hw=(5, 5), kernel_hw=3, padding=1, outputs=[(0, 0), (2, 3)],
         title="padding 1: windows start in the border"),
    dict(in_hw=(7, 7), kernel_hw=3, dilation=2, outputs=[(0, 0), (2, 1)],
         title="dilation 2: taps 2 cells apart"),
]
for panel in panels:
    fig, ax = plt.subplots(figsize=(4.3, 4.9))
    show_reads(ax=ax, **panel)
    plt.show()

# %%
import numpy as np

from cnnbp import (
    check_gradient,
    conv2d,
    conv2d_backward,
    conv2d_output_shape,
    delta_full_conv,
    numerical_gradient,
)


# %% tags=["remove-cell"]
def support(in_hw, kernel_hw, out, stride=1, padding=0, dilation=1):
    """Cells with a non-zero gradient for a one-hot δʸ at `out`."""
    x0 = np.zeros((1, 1, *in_hw))
    w1 = np.ones((1, 1, *np.broadcast_to(kernel_hw, 2)))
    dy = np.zeros(conv2d(x0, w1, None, stride, padding, dilation).shape)
    dy[0, 0, out[0], out[1]] = 1.0
    dx = conv2d_backward(dy, x0, w1, stride, padding, dilation)[0][0, 0]
    return dx != 0


def by_formula(in_hw, kernel_hw, out, stride=1, padding=0, dilation=1):
    """Cells (s i + d p - P, s j + d q - P) of output `out`, unpadded."""
    settings = (kernel_hw, stride, padding, dilation)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw_) = (
        np.broadcast_to(v, 2) for v in settings)
    mask = np.zeros(in_hw, dtype=bool)
    for p in range(kh):
        for q in range(kw):
            u, v = sh * out[0] + dh * p - ph, sw * out[1] + dw_ * q - pw
            if 0 <= u < in_hw[0] and 0 <= v < in_hw[1]:   # not padding
                mask[u, v] = True
    return mask


# The windows drawn above (read off conv2d by conv2d_terms), the index
# formula and the support of cnnbp's input gradient are the same cells.
for panel in panels:
    hyper = {k: panel.get(k, d) for k, d in
             dict(stride=1, padding=0, dilation=1).items()}
    P = panel.get("padding", 0)
    t = conv2d_terms(panel["in_hw"], panel["kernel_hw"], **hyper)
    for out in panel["outputs"]:
        drawn = np.zeros(panel["in_hw"], dtype=bool)
        mine = t[(t[:, 0] == out[0]) & (t[:, 1] == out[1])]
        for u, v in mine[:, 4:] - P:
            if 0 <= u < panel["in_hw"][0] and 0 <= v < panel["in_hw"][1]:
                drawn[u, v] = True
        sizes = (panel["in_hw"], panel["kernel_hw"], out)
        assert np.array_equal(drawn, by_formula(*sizes, **hyper))
        assert np.array_equal(drawn, support(*sizes, **hyper))

# %% [markdown]
# The windows are read off cnnbp's `conv2d` itself (by
# [`conv2d_terms`](../../reference/views/)); a hidden cell checks that they are the cells
# the index formula names, and the cells where cnnbp's input gradient is non-zero when
# $\delta^y$ is 1 at that output only.

# %% [markdown]
# ### Try it
#
# Change the input size, the kernel, stride, padding and dilation, then point at any cell of
# $y$, $\partial L/\partial w$ or $\delta^x$ to light up the products it adds (dashed: taps
# that meet the padding; hatched: input cells no window reads, whose gradient is 0).
# Settings that do not fit are greyed out, with the reason under the controls.

# %% tags=["remove-input"]
from cnnbp.viz import conv_explorer_data, show_explorer

show_explorer(conv_explorer_data())

# %% [markdown]
# ## The derivation
#
# The intuition first: the chain rule does not care how an index was computed. Every
# gradient keeps the form it has at stride 1; only the index that connects an output and
# a tap to an input cell changes. The forward pass, with channels and a batch as on
# [the previous page](../02_channels/):
#
# $$
# y_{n,o,i,j} = b_o + \sum_{c,p,q} w_{o,c,p,q}\; x^\text{pad}_{n,c,u,v},
# $$
#
# $$
# u = s_h i + d_h p, \qquad v = s_w j + d_w q .
# $$
#
# ### How big is the output?
#
# Along the height (drop the subscript $h$ from $s_h$, $P_h$, $d_h$, $k_h$; the width
# works the same way), the last output row $i$ must still find its last tap inside the
# padded input: $s i + d (k - 1) \le H + 2P - 1$. The largest such $i$ is a floor, and
# counting from 0 adds one:
#
# $$
# H' = \left\lfloor \frac{H + 2P - d(k-1) - 1}{s} \right\rfloor + 1 .
# $$
#
# When the division is not exact, its remainder is the number of rows at the bottom of
# the padded input that no window reaches:
#
# $$
# \begin{aligned}
# \text{unread} &= (H + 2P) \\
#   &\quad - \big(s(H'-1) + d(k-1) + 1\big) \\
#   &= \big(H + 2P - d(k-1) - 1\big) \bmod s .
# \end{aligned}
# $$
#
# Those rows take part in nothing, so their gradient is exactly zero.
#
# ### The bias and the kernel
#
# $$
# \frac{\partial L}{\partial b_o} = \sum_{n,i,j} \delta^y_{n,o,i,j},
# $$
#
# $$
# \frac{\partial L}{\partial w_{o,c,p,q}} = \sum_{n,i,j} \delta^y_{n,o,i,j}\;
#     x^\text{pad}_{n,c,u,v}
# $$
#
# with $(u, v)$ as in the forward pass.
#
# The bias does not see the index at all. The kernel gradient reads the input at the
# forward pass's own index, and read as a correlation it holds a surprise: in
# $x^\text{pad}_{d p + s i}$ the gradient's own index $p$ moves in steps of $d$ (a *stride*
# of $d$), while $\delta^y$, now playing the kernel, has its entries $i$ spaced $s$ apart
# (a *dilation* of $s$). **Stride and dilation swap roles.** In the picture, each tap's
# reads are $s = 3$ cells apart, and the next tap's reads start $d = 2$ cells further on:
#
# $$
# \frac{\partial L}{\partial w} = \operatorname{swap}\Big(\operatorname{conv}\big(
#   \operatorname{swap}(x^\text{pad}),\, \operatorname{swap}(\delta^y)\big)\Big)
# $$
#
# with **stride $d$ and dilation $s$**, where swap exchanges the first two axes (as on
# the channels page) and only the first
# $k_h \times k_w$ outputs are kept: with unread trailing rows the convolution produces a
# few more, which belong to no weight.

# %% tags=["remove-input"]
fig, ax = plt.subplots(figsize=(4.6, 5.3))
show_reads((8, 8), 2, stride=3, dilation=2, taps=[(0, 0), (0, 1), (1, 1)],
           ax=ax, title="s = 3, d = 2: what each tap reads")
plt.show()
t_swap = conv2d_terms((8, 8), 2, stride=3, dilation=2)
reads00 = t_swap[(t_swap[:, 2] == 0) & (t_swap[:, 3] == 0)][:, 4:]
reads01 = t_swap[(t_swap[:, 2] == 0) & (t_swap[:, 3] == 1)][:, 4:]
assert sorted(set(reads00[:, 1].tolist())) == [0, 3]          # s = 3 apart
assert np.all(reads01 - reads00 == [0, 2])                # d = 2 further

# %% [markdown]
# ### The input's delta, as a full convolution again
#
# For every padded cell $(u, v)$ collect the terms whose index lands on it:
#
# $$
# \delta^{x^\text{pad}}_{n,c,u,v} = \sum_{o,p,q}\;
#   \sum_{\substack{i:\ s_h i + d_h p = u \\ j:\ s_w j + d_w q = v}}
#   \delta^y_{n,o,i,j}\; w_{o,c,p,q},
# $$
#
# $$
# \delta^x_{n,c,u,v} = \delta^{x^\text{pad}}_{n,c,\;u+P_h,\;v+P_w} .
# $$
#
# The second equation is the **padding crop**: the border of $x^\text{pad}$ holds
# constants, not inputs, so its part of the gradient is dropped. The condition
# $s i + d p = u$ is the stride-1 condition $a + \alpha = u$ in disguise, with $a = s i$
# and $\alpha = d p$. So spread both factors out onto those positions:
#
# - **dilate $\delta^y$ by the stride**: put $\delta^y_{i,j}$ at $(s_h i, s_w j)$ with
#   $s - 1$ zeros between neighbours, back where its window started;
# - **dilate the kernel by the dilation**: put $w_{p,q}$ at $(d_h p, d_w q)$, a kernel
#   $d(k-1)+1$ wide with holes.
#
# Then $\delta^{x^\text{pad}}$ is the full convolution of the two, exactly as at stride 1
# ([stacked convolutions](../01_stacked/)): pad the dilated $\delta^y$ with $d(k-1)$ zeros
# on each side and cross-correlate it with the 180°-rotated dilated kernel, input and
# output channel axes swapped. It covers the padded rows up to
# $s_h(H'-1) + d_h(k_h-1)$; unread rows after that get zeros. Then crop the padding.

# %% [markdown]
# ## The numbers
#
# The recipe step by step, on one channel with small integers so that the arithmetic can
# be followed: a $5\times5$ input, a $2\times2$ kernel, stride 2, padding 1, dilation 2.
# The two helpers are the four steps above, with cnnbp's `conv2d` doing the correlation.

# %%
def dilate(a, step):
    """Put step - 1 zeros between neighbours along the last two axes."""
    sh, sw = np.broadcast_to(step, 2)
    h, w = a.shape[-2:]
    out = np.zeros((*a.shape[:-2], (h - 1) * sh + 1, (w - 1) * sw + 1))
    out[..., ::sh, ::sw] = a
    return out


def dx_by_recipe(dy, w, x_shape, stride, padding, dilation):
    (ph, pw), (h, w_) = np.broadcast_to(padding, 2), x_shape[2:]
    dy_s = dilate(dy, stride)                       # 1. δʸ dilated by s
    w_d = dilate(w, dilation)                       # 2. w dilated by d
    eh, ew = w_d.shape[2] - 1, w_d.shape[3] - 1
    full = conv2d(np.pad(dy_s, ((0, 0), (0, 0), (eh, eh), (ew, ew))),
                  np.flip(w_d, axis=(2, 3)).transpose(1, 0, 2, 3))  # 3.
    dx_pad = np.zeros((*full.shape[:2], h + 2 * ph, w_ + 2 * pw))
    dx_pad[..., : full.shape[2], : full.shape[3]] = full  # unread rows: 0
    return dx_pad, dx_pad[..., ph : ph + h, pw : pw + w_]   # 4. crop


rng = np.random.default_rng(3)
demo = dict(stride=2, padding=1, dilation=2)
x = rng.standard_normal((1, 1, 5, 5))
w = np.array([[[[1.0, 2.0], [-1.0, 3.0]]]])
y = conv2d(x, w, **demo)
dy = rng.choice([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0], y.shape)   # integers
dx_pad, dx = dx_by_recipe(dy, w, x.shape, **demo)

# %% tags=["remove-input"]
assert x.shape[2:] == (5, 5) and w.shape[2:] == (2, 2)   # as named
assert np.array_equal(dx, conv2d_backward(dy, x, w, **demo)[0])
fig, _ = show_grids(
    [dy[0, 0], dilate(dy, 2)[0, 0], w[0, 0],
     np.flip(dilate(w, 2), axis=(2, 3))[0, 0]],
    [r"$\delta^y$", r"$\delta^y$ dilated by $s$", r"$w$",
     r"$w$ dilated by $d$, rot180"],
    fmt="{:.0f}", scale=[0, 0, 1, 1], ncols=2,
    arrows=["dilate", None, "dilate, turn"],
    cell=0.55,
)
plt.show()
border = np.ones(dx_pad.shape[2:], dtype=bool)
border[1:-1, 1:-1] = False
fig, _ = show_grids(
    [dx_pad[0, 0], dx[0, 0]],
    ["full convolution, padded grid", r"$\delta^x$ (= cnnbp's, asserted)"],
    fmt="{:.0f}", marks=[border, None], arrows=["crop P"], cell=0.55,
)
plt.show()
assert np.all(dx[0, 0, ::2, :] == 0) and np.all(dx[0, 0, :, ::2] == 0)

# %% [markdown]
# The outlined ring on the left is the padding, dropped by the crop. Most of the cropped
# gradient is zero, and not by accident. With stride 2 *and* dilation 2 every tap lands
# on an even row and an even column of the padded grid ($2i + 2p$ is even); with padding
# 1, padded row $2r$ is input row $2r - 1$, so only the odd input rows and columns are
# ever read. Rows and columns 0, 2 and 4 take part in nothing, and their gradient is
# exactly zero. The same happens whenever stride and dilation share a factor above 1.
# [`cnnbp.delta_full_conv`](../../reference/views/) is this recipe in the package.
#
# The kernel gradient by the swapped-roles convolution, on the same numbers:

# %%
def swap(a):
    return a.transpose(1, 0, 2, 3)


def dw_by_swap(dy, x, k, stride, padding, dilation):
    full = conv2d(swap(x), swap(dy), stride=dilation, padding=padding,
                  dilation=stride)
    return swap(full[:, :, : k[0], : k[1]])


dw = dw_by_swap(dy, x, (2, 2), **demo)
print("dw =", dw[0, 0].round(4).tolist())

# %% tags=["remove-cell"]
assert np.allclose(dw, conv2d_backward(dy, x, w, **demo)[1])

# %% [markdown]
# ### Output sizes
#
# On cases chosen to exercise each term of the size formula, the formula,
# [`cnnbp.conv2d_output_shape`](../../reference/conv/) and the shape that `conv2d`
# actually returns agree (asserted for every row):

# %% tags=["remove-input"]
def out_len(h, k, s, p, d):
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


def label(hw, k, s, p, d):
    """A short name: input, kernel, the settings that are not 1 or 0."""
    def pair(v):
        return f"{v}" if np.ndim(v) == 0 else f"({v[0]}, {v[1]})"
    parts = [f"${hw[0]}\\times{hw[1]}$", f"$k$ ${k[0]}\\times{k[1]}$"]
    for name, v, default in (("s", s, 1), ("P", p, 0), ("d", d, 1)):
        if np.any(np.asarray(v) != default):
            parts.append(f"${name}$ {pair(v)}")
    return ", ".join(parts)


size_cases = [  # (H, W), (kh, kw), stride, padding, dilation, what
    ((5, 5), (2, 2), 1, 0, 1, "the question's layer"),
    ((7, 7), (3, 3), 2, 0, 1, "stride 2, divides exactly"),
    ((8, 8), (3, 3), 2, 0, 1, "stride 2, the floor drops a row"),
    ((6, 6), (2, 2), 3, 0, 1, "stride larger than the kernel"),
    ((5, 5), (3, 3), 1, 1, 1, "'same' padding"),
    ((7, 7), (2, 2), 1, 0, 3, "dilation 3"),
    ((28, 28), (3, 3), 2, 1, 1, "a typical downsampling layer"),
    ((9, 6), (3, 2), (2, 1), (1, 0), (2, 1), "different per axis"),
]
rows = []
for hw, k, s, p, d, what in size_cases:
    (sh, sw), (ph, pw), (dh, dw_) = (np.broadcast_to(v, 2)
                                     for v in (s, p, d))
    formula = (int(out_len(hw[0], k[0], sh, ph, dh)),
               int(out_len(hw[1], k[1], sw, pw, dw_)))
    api = conv2d_output_shape(hw, k, s, p, d)
    real = conv2d(np.zeros((1, 1, *hw)), np.zeros((1, 1, *k)), None,
                  s, p, d).shape[2:]
    assert formula == api == real
    size = f"${formula[0]}\\times{formula[1]}$"
    rows.append((label(hw, k, s, p, d), size, what))
    # The unread trailing rows are the remainder of the division.
    ho = formula[0]
    assert (hw[0] + 2 * ph) - (sh * (ho - 1) + dh * (k[0] - 1) + 1) == \
        (hw[0] + 2 * ph - dh * (k[0] - 1) - 1) % sh
show_table(rows, ["layer", "$H'\\times W'$", "what it shows"], fmt="{}")

# %% [markdown]
# ### Cells nobody reads get zero gradient
#
# Two ways to leave input cells out. A $6\times6$ input with a $3\times3$ kernel and
# stride 2 has $\lfloor 3/2 \rfloor + 1 = 2$ outputs per axis: the windows end at row 4,
# and row 5 is never read (the floor). A $5\times5$ input with a $2\times2$ kernel and
# stride 3 reads rows 0-1 and 3-4 and jumps over row 2 (a stride larger than the kernel).
# The crossed-out cells are those no window touches. Their gradient from cnnbp is exactly
# zero, and so is the finite-difference estimate: nudging them changes nothing at all.

# %%
unread_cases = [((6, 6), 3, 2), ((5, 5), 2, 3)]    # input, kernel, stride
layers = []
for hw, k, s in unread_cases:
    x_u = rng.standard_normal((1, 1, *hw))
    w_u = rng.standard_normal((1, 1, k, k))
    dy_u = rng.standard_normal(conv2d(x_u, w_u, stride=s).shape)
    dx_u = conv2d_backward(dy_u, x_u, w_u, stride=s)[0]
    layers.append((x_u, w_u, s, dy_u, dx_u))

# %% tags=["remove-input"]
assert out_len(6, 3, 2, 0, 1) == 2 and out_len(5, 2, 3, 0, 1) == 2
fig, axes = plt.subplots(1, 2, figsize=(6.6, 4.3),
                         gridspec_kw={"width_ratios": [6, 5]})
unread_masks = []
for ax, (hw, k, _), layer in zip(axes, unread_cases, layers, strict=True):
    x_u, w_u, s, dy_u, dx_u = layer
    show_reads(hw, k, stride=s, unread=True, ax=ax,
               title=f"${hw[0]}\\times{hw[1]}$, $k$ {k}, $s$ {s}")
    t = conv2d_terms(hw, k, stride=s)
    read = np.zeros(hw, dtype=bool)
    read[t[:, 4], t[:, 5]] = True
    # Finite differences agree: nudging an unread cell changes nothing.
    def loss_u(_, x=x_u, w=w_u, s=s, d=dy_u):
        return np.sum(conv2d(x, w, stride=s) * d)

    num = numerical_gradient(loss_u, x_u)
    assert np.all(dx_u[0, 0][~read] == 0) and np.all(num[0, 0][~read] == 0)
    assert np.all(dx_u[0, 0][read] != 0)
    unread_masks.append(~read)
fig.tight_layout()
plt.show()
fig, _ = show_grids([layer[-1][0, 0] for layer in layers],
                    [r"$\delta^x$, unread outlined"] * 2,
                    fmt="{:.2f}", marks=unread_masks, cell=0.58)
plt.show()
# 6x6, k 3, s 2: the last row and column; 5x5, k 2, s 3: row and column 2.
for axis in (0, 1):
    lines = [np.flatnonzero(m.all(axis=axis)).tolist()
             for m in unread_masks]
    assert lines == [[5], [2]]
n_unread = [int(m.sum()) for m in unread_masks]
print("unread cells per case:", n_unread)

# %% [markdown]
# This is also why a transposed convolution, the map that takes $\delta^y$ back to the
# input's shape, must be told the input size when the stride is above 1: a $6\times6$ and
# a $5\times5$ input give the same $2\times2$ output with a $3\times3$ kernel and stride 2,
# and only the size says whether a zero row belongs at the end. `delta_full_conv` takes
# `x_shape` and `conv_transpose2d` an `output_size` for that reason
# ([the matrix view](../04_matrix_view/) has more).

# %% tags=["remove-cell"]
assert conv2d_output_shape(6, 3, stride=2) == (2, 2)
assert conv2d_output_shape(5, 3, stride=2) == (2, 2)

# %% [markdown]
# ## Check
#
# Now with channels and a batch ($N = 2$, $C_\text{in} = 2$, $C_\text{out} = 3$), on cases
# that exercise each option alone and together, including non-square inputs, per-axis
# values and the floor. For each case, cnnbp's three gradients against central
# differences of $L = \sum y \odot \delta^y$ for a random $\delta^y$; and the dx recipe,
# `delta_full_conv` and the swapped-roles $\partial L/\partial w$ against
# `conv2d_backward`.

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
worst = {}
for hw, k, s, p, d in grad_cases:
    x = rng.standard_normal((2, 2, *hw))
    w = rng.standard_normal((3, 2, *k))
    b = rng.standard_normal(3)
    dy = rng.standard_normal(conv2d(x, w, b, s, p, d).shape)
    dx, dw, db = conv2d_backward(dy, x, w, s, p, d)

    def loss(_, x=x, w=w, b=b, s=s, p=p, d=d, dy=dy):
        return np.sum(conv2d(x, w, b, s, p, d) * dy)

    worst[hw, k, s, p, d] = max(
        check_gradient(loss, x, dx, rtol=1e-7, name="dx"),
        check_gradient(loss, w, dw, rtol=1e-7, name="dw"),
        check_gradient(loss, b, db, rtol=1e-7, name="db"),
    )
    assert np.allclose(dx_by_recipe(dy, w, x.shape, s, p, d)[1], dx)
    assert np.allclose(delta_full_conv(dy, w, x.shape, s, p, d), dx)
    assert np.allclose(dw_by_swap(dy, x, k, s, p, d), dw)

# %% tags=["remove-input"]
show_table([(label(*case), e) for case, e in worst.items()],
           ["layer", "largest relative error of dx, dw, db"],
           fmt=["{}", "{:.0e}"])

# %% [markdown]
# Each number is the largest of the three relative errors
# $\lVert g - \hat g\rVert / (\lVert g\rVert + \lVert\hat g\rVert)$ between a cnnbp
# gradient and its central-difference estimate (see
# [gradient checking](../05_gradient_checking/)); `check_gradient` raised if any exceeded
# $10^{-7}$. On every row the cell also asserted that the dx recipe, `delta_full_conv` and
# the swapped-roles kernel gradient agree with `conv2d_backward`.
#
# ## What to remember
#
# - Output $(i,j)$, tap $(p,q)$ reads the padded input at
#   $(s_h i + d_h p,\ s_w j + d_w q)$. Everything else follows from this one index.
# - $H' = \lfloor (H + 2P - d(k-1) - 1)/s \rfloor + 1$; the remainder of that division is
#   the number of trailing rows no window reads, and their gradient is zero. A stride
#   larger than the kernel leaves gaps that get zero gradient too.
# - $\partial L/\partial b$ is unchanged. $\partial L/\partial w$ reads the input at the
#   forward pass's index, which makes it a convolution of the input with $\delta^y$ in
#   which stride and dilation swap roles.
# - $\delta^x$ is the full convolution of $\delta^y$ *dilated by the stride* with the
#   kernel *dilated by the dilation*, zero-filled to the padded size, then cropped by the
#   padding.
#
# ## Exercises
#
# 1. A layer has a $7\times7$ input, a $3\times3$ kernel, stride 3 and no padding. Which
#    input cells get zero gradient, whatever $\delta^y$ is?
#
# <details>
# <summary>Solution</summary>
#
# $H' = \lfloor (7 - 2 - 1)/3 \rfloor + 1 = 2$. The windows read rows 0-2 and 3-5, and
# columns 0-2 and 3-5; row 6 and column 6 are never read. Those 13 cells (7 in the row, 7
# in the column, one shared) get exactly zero gradient; the remainder of the division,
# $4 \bmod 3 = 1$, is the one unread row.
#
# </details>
#
# 2. What is the output size of a layer with a $28\times28$ input, a $5\times5$ kernel,
#    stride 2 and padding 2? And with dilation 2 as well?
#
# <details>
# <summary>Solution</summary>
#
# $\lfloor (28 + 4 - 4 - 1)/2 \rfloor + 1 = 14$, so $14\times14$. With dilation 2 the
# kernel spans $2 \cdot 4 + 1 = 9$ cells:
# $\lfloor (28 + 4 - 8 - 1)/2 \rfloor + 1 = 12$, so $12\times12$.
#
# </details>
#
# 3. A layer has stride 3 and dilation 2. Its kernel gradient is a convolution of the
#    input with $\delta^y$: with which stride and which dilation?
#
# <details>
# <summary>Solution</summary>
#
# Stride 2 and dilation 3: the two swap roles. (A hidden cell checks it against
# `conv2d_backward` on a random $11\times11$ layer with a $3\times3$ kernel.)
#
# </details>

# %% tags=["remove-cell"]
# Exercise 1
t7 = conv2d_terms((7, 7), 3, stride=3)
read7 = np.zeros((7, 7), dtype=bool)
read7[t7[:, 4], t7[:, 5]] = True
assert int((~read7).sum()) == 13
assert not read7[6, :].any() and not read7[:, 6].any()
assert read7[:6, :6].all()
assert (7 - 2 - 1) % 3 == 1
# Exercise 2
assert conv2d_output_shape(28, 5, stride=2, padding=2) == (14, 14)
assert conv2d_output_shape(28, 5, 2, 2, dilation=2) == (12, 12)
# Exercise 3
x_e = rng.standard_normal((1, 1, 11, 11))
w_e = rng.standard_normal((1, 1, 3, 3))
dy_e = rng.standard_normal(conv2d(x_e, w_e, stride=3, dilation=2).shape)
full_e = conv2d(swap(x_e), swap(dy_e), stride=2, dilation=3)
dw_e = conv2d_backward(dy_e, x_e, w_e, stride=3, dilation=2)[1]
assert np.allclose(swap(full_e[:, :, :3, :3]), dw_e)
