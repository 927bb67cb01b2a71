# %% [markdown]
# # The matrix view
#
# **What you will learn:** that a convolution is a matrix product twice over, once with
# the kernel fixed and once with the input fixed; that its backward pass is the
# transposed matrix times the delta, which is where the rotated kernel and the transposed
# convolution come from; and that six different ways of computing the backward pass give
# the same numbers. The letters are those of the [notation page](../../notation/); the
# matrices $C$ and $X_\text{col}$ are defined here.

# %% tags=["remove-cell"]
# %matplotlib inline
import matplotlib.pyplot as plt

from cnnbp.viz import setup, show_grids, show_table

setup()


def show_matrix_pattern(C, title, *, lim, blocks=None, cell=0.26):
    """A large sparse matrix as a heatmap, with block boundaries."""
    size = (cell * C.shape[1] + 1.6, cell * C.shape[0] + 1.0)
    fig, ax = plt.subplots(figsize=size)
    im = ax.imshow(C, cmap="RdBu_r", vmin=-lim, vmax=lim)
    if blocks:
        for r in range(0, C.shape[0] + 1, blocks[0]):
            ax.axhline(r - 0.5, color="0.6", lw=0.6)
        for c in range(0, C.shape[1] + 1, blocks[1]):
            ax.axvline(c - 0.5, color="0.6", lw=0.6)
    ax.set_title(title)
    fig.colorbar(im, ax=ax, shrink=0.8)
    return fig, ax


# %% [markdown]
# ## The idea: a linear map is a matrix, and its backward pass is the transpose
#
# With the kernel fixed, a convolution is a linear function of its input: every output
# is a weighted sum of input cells. Any linear function of a vector is a matrix. Flatten
# the question's $5\times5$ input into 25 numbers and its $4\times4$ output into 16, and
# the layer is a $16\times25$ matrix $C$: $\operatorname{vec}(y) = C\operatorname{vec}(x)$
# (with the kernel that the [appendix](../../appendix/01_the_numbers/) reconstructs for
# the question).
#
# Row $(i, j)$ of $C$ holds the four kernel weights at the four input cells that window
# $(i, j)$ reads, and zeros elsewhere; every row holds the same four numbers, shifted:
# that is weight sharing. Backward, the chain rule reads $C$ the other way, by columns:
# column $(u, v)$ lists every output that reads cell $(u, v)$ and with which weight, and
# its delta adds up those outputs' deltas with those weights. So
# $\operatorname{vec}(\delta^x) = C^\top \operatorname{vec}(\delta^y)$.

# %%
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnnbp import (
    check_gradient,
    col2im,
    conv2d,
    conv2d_backward,
    conv2d_matrix,
    conv2d_output_shape,
    conv_transpose2d,
    delta_full_conv,
    im2col,
    loops,
    seed,
)

x = np.array(seed.INPUT)[None, None]          # (1, 1, 5, 5)
w = np.array(seed.KERNEL)[None, None]         # (1, 1, 2, 2)
dy = np.array(seed.DELTA_MAP)[None, None]     # (1, 1, 4, 4): answer's map
C = conv2d_matrix(w, (5, 5))                  # (16, 25)

# %% tags=["remove-input"]
assert w[0, 0, 0, 0] == seed.W00 == -0.13
lim = float(np.abs(C).max())
show_matrix_pattern(C, r"$C$ for the question's layer: $16\times25$",
                    lim=lim, blocks=(4, 5))
plt.xlabel("input cell 5u + v")
plt.ylabel("output cell 4i + j")
plt.show()
assert C.shape == (16, 25) and np.all(np.count_nonzero(C, axis=1) == 4)
assert np.allclose(C @ x.reshape(-1), conv2d(x, w).reshape(-1))

# %% [markdown]
# The grey lines cut $C$ into $4\times5$ blocks, one per pair of an output row and an
# input row; each block is constant along its diagonals (a "doubly block Toeplitz"
# matrix). Sliding one output to the right shifts a row's pattern one column right; moving
# down a row of outputs shifts it a whole input row, five columns.
#
# ## The derivation
#
# The intuition in one line: entry $A_{r,c}$ of a matrix is how much output $r$ moves per
# unit of input $c$, so the chain rule for $y = A x$ sums down a column,
# $\partial L/\partial x_c = \sum_r \delta^y_r A_{r,c}$, which is
# $\delta^x = A^\top \delta^y$. A convolution is such a product in two ways.
#
# **The kernel fixed: the matrix $C$.** From $y_{i,j} = \sum_{p,q} w_{p,q}\,
# x_{i+p,\,j+q}$, the weight that joins output $(i, j)$ to input $(u, v)$ is
#
# $$
# C_{(i,j),\,(u,v)} = w_{u-i,\;v-j}
# $$
#
# when $0 \le u - i < k_h$ and $0 \le v - j < k_w$ (the cell is in the window), and 0
# otherwise; and $\operatorname{vec}(\delta^x) = C^\top\operatorname{vec}(\delta^y)$. Read along
# column $(u, v)$, the tap index $u - i$ *falls* as the output index $i$ rises: the kernel
# appears back to front, the 180° rotation of
# [stacked convolutions](../01_stacked/).
#
# **The input fixed: im2col.** Write each window, flattened, as one column of a matrix
# $X_\text{col}$, columns in the order of the outputs. The $5\times5$ input has 16 windows
# of 4 entries, so $X_\text{col}$ is $4\times16$, and the forward pass is one product,
# $\operatorname{vec}(y)^\top = \operatorname{vec}(w)^\top X_\text{col}$. With the input
# fixed, the layer is the matrix $X_\text{col}^\top$ acting on the four weights, so
#
# $$
# \frac{\partial L}{\partial \operatorname{vec}(w)} = X_\text{col}\,
#   \operatorname{vec}(\delta^y),
# $$
#
# that is,
#
# $$
# \frac{\partial L}{\partial w_{p,q}} = \sum_{i,j} \delta^y_{i,j}\; x_{i+p,\,j+q} ,
# $$
#
# the answer's formula as one matrix-vector product (a GEMM once there are channels and a
# batch).
#
# **Without the matrix: transposed convolution.** $C$ is almost all zeros, and for a real
# image nobody builds it. Multiplying by $C^\top$ is done directly instead: each entry of
# $\delta^y$ stamps a copy of the kernel, scaled by itself, onto the input grid at its
# window's position, and overlapping stamps add up. That operation is a **transposed
# convolution** ([`conv_transpose2d`](../../reference/views/)). Generator networks use it
# to upsample; here it is exactly the input gradient of a convolution.

# %% [markdown]
# ## The numbers
#
# ### im2col on the question's input
#
# Every window becomes a column of $X_\text{col}$. The picture shows its transpose, one
# row per window, in two halves so that it fits; input entries appear in up to four
# windows, because the windows overlap.

# %%
cols = im2col(x, 2)[0]                     # (C_in kh kw, H' W') = (4, 16)
y = (w.reshape(1, -1) @ cols).reshape(4, 4)
dw_gemm = (cols @ dy.reshape(-1)).reshape(2, 2)
print("y[0, 0] =", round(float(y[0, 0]), 4), "(the question: 0.25)")

# %% tags=["remove-input"]
assert cols.shape == (4, 16)
ones = im2col(np.ones_like(x), 2)
assert col2im(ones, x.shape, 2).max() == 4            # up to four windows
assert np.allclose(y, conv2d(x, w)[0, 0])
assert round(float(y[0, 0]), 2) == 0.25
fig, axes = show_grids(
    [cols.T[:8], cols.T[8:]],
    [r"$X_\mathrm{col}^\top$, windows 0-7", "windows 8-15"],
    fmt="{:.2f}", ncols=2, cell=0.5, fontsize=11)
axes[1].set_yticks(range(8), [str(r) for r in range(8, 16)])
for ax in axes:
    ax.set_xticks(range(4), ["0,0", "0,1", "1,0", "1,1"])
plt.show()

# %% [markdown]
# Row $4i + j$ is window $(i, j)$ and the columns are the taps $(p, q)$. With the
# answer's delta map, $X_\text{col}\operatorname{vec}(\delta^y)$ reproduces the kernel
# gradient the answer printed, to the six decimals it printed:

# %% tags=["remove-input"]
assert np.allclose(dw_gemm, seed.DW_ANSWER, atol=5e-7)
show_table(
    [(f"$w_{{{p},{q}}}$", dw_gemm[p, q], seed.DW_ANSWER[p, q])
     for p, q in np.ndindex(2, 2)],
    ["tap", "$X_\\text{col}\\operatorname{vec}(\\delta^y)$",
     "printed by the answer"],
    fmt=["{}", "{:.6f}", "{:.6f}"],
)

# %% [markdown]
# ### The transpose sends the delta down
#
# The delta that the question's layer sends to its input, from the answer's map:

# %%
dx_ct = (C.T @ dy.reshape(-1)).reshape(5, 5)
dx = conv2d_backward(dy, x, w)[0][0, 0]

# %% tags=["remove-input"]
assert np.allclose(dx_ct, dx)
fig, _ = show_grids([dy[0, 0], dx_ct],
                    [r"$\delta^y$ (the answer's map)",
                     r"$C^\top\delta^y$ (= cnnbp's dx)"],
                    fmt="{:.3f}", arrows=[r"$C^\top$"], cell=0.62)
plt.show()

# %% [markdown]
# For a $224\times224$ RGB image and 64 kernels of $3\times3$ with padding 1, $C$ would
# have the number of entries printed below, nearly all of them zero (here it has
# $16 \cdot 25 = 400$).

# %%
h_out, w_out = conv2d_output_shape((224, 224), 3, padding=1)
print(f"entries of C: {64 * h_out * w_out * 3 * 224 * 224:.1e}")

# %% tags=["remove-cell"]
assert C.size == 400

# %% [markdown]
# ### Stride 2: fewer rows, and a size to remember
#
# The same kernel over the $5\times5$ input with stride 2 has only $2\times2$ outputs:
# $C$ loses three quarters of its rows, and the last input row and column get no weight
# at all (all-zero columns of $C$). Going back, $C^\top$ maps four numbers to 25.
# `conv_transpose2d` has to be told the input size, because a $4\times4$ input would give
# the same $2\times2$ output, and by default it returns the smallest such size:

# %%
C2 = conv2d_matrix(w, (5, 5), stride=2)            # (4, 25)
dy2 = np.array([[[[1.0, -2.0], [0.5, 3.0]]]])
sized = conv_transpose2d(dy2, w, stride=2, output_size=(5, 5))
default = conv_transpose2d(dy2, w, stride=2)
zero_cols = np.flatnonzero(~C2.any(axis=0))
print("input cells no window reads (zero columns):", zero_cols.tolist())

# %% tags=["remove-input"]
assert C2.shape == (4, 25) and C.shape[0] == 4 * C2.shape[0]  # a quarter
assert np.allclose(sized.reshape(-1), C2.T @ dy2.reshape(-1))
assert np.allclose(sized, conv2d_backward(dy2, x, w, stride=2)[0])
assert default.shape[2:] == (4, 4)
assert np.allclose(default[0, 0], sized[0, 0, :4, :4])
assert zero_cols.tolist() == [4, 9, 14, 19, 20, 21, 22, 23, 24]
show_matrix_pattern(C2, r"$C$ with stride 2: $4\times25$", lim=lim,
                    blocks=(4, 5))
plt.xlabel("input cell 5u + v")
plt.yticks(range(4))
plt.show()
fig, _ = show_grids([sized[0, 0], default[0, 0]],
                    ["output_size (5, 5)", "default size (4, 4)"],
                    fmt="{:.2f}", cell=0.62)
plt.show()

# %% [markdown]
# ## Check
#
# ### Six views, one set of numbers
#
# Every way of computing a convolution's backward pass on this site, side by side:
#
# 1. **loops**, [`cnnbp.loops`](../../reference/loops/): the sums of the derivation as
#    nested `for` loops, one `+=` per term;
# 2. **full convolution**, `delta_full_conv`: $\delta^y$ (dilated by the stride),
#    zero-padded and cross-correlated with the rotated kernel, for $\delta^x$;
# 3. **im2col GEMM**: $\partial L/\partial w$ as $\delta^y X_\text{col}^\top$ and
#    $\delta^x$ as $\operatorname{col2im}(W^\top\delta^y)$;
# 4. **einsum over sliding windows**: a teaching version written here with numpy's
#    `sliding_window_view`, the windows as a 6-D view;
# 5. **$C^\top$**: the dense matrix, transposed, times $\delta^y$; and
#    `conv_transpose2d`, the same map without the matrix;
# 6. **cnnbp's fast path**, `conv2d_backward`: the reference for the differences.
#
# Two cases: the question's layer with the answer's map, and a layer with everything
# switched on ($N = 2$, $C_\text{in} = 2$, $C_\text{out} = 3$, a $6\times7$ input, a
# $3\times2$ kernel, stride 2, padding 1, dilation $(1, 2)$, a random $\delta^y$).

# %%
def einsum_views(x, w, dy, stride, padding, dilation):
    """Forward, dx and dw with sliding windows and einsum."""
    (sh, sw), (ph, pw), (dh, dw_) = (
        np.broadcast_to(v, 2) for v in (stride, padding, dilation))
    kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    span = (dh * (kh - 1) + 1, dw_ * (kw - 1) + 1)      # dilated extent
    win = sliding_window_view(xp, span, axis=(2, 3))
    win = win[:, :, ::sh, ::sw, ::dh, ::dw_]   # (N, C_in, H', W', kh, kw)
    y = np.einsum("ncijpq,ocpq->noij", win, w)
    dw = np.einsum("noij,ncijpq->ocpq", dy, win)
    share = np.einsum("noij,ocpq->ncijpq", dy, w)   # each tap's share
    dxp = np.zeros_like(xp)
    ho, wo = dy.shape[2:]
    for p in range(kh):
        for q in range(kw):
            rows = slice(dh * p, dh * p + sh * ho, sh)
            cols = slice(dw_ * q, dw_ * q + sw * wo, sw)
            dxp[:, :, rows, cols] += share[..., p, q]
    dx = dxp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]]
    return y, dx, dw

# %% tags=["hide-input"]
def all_views(x, w, dy, stride=1, padding=0, dilation=1):
    """{view: (y, dx, dw)}; None where a view does not give one."""
    hyper = dict(stride=stride, padding=padding, dilation=dilation)
    n, _, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    views = {}
    dx_l, dw_l, _ = loops.conv2d_backward(dy, x, w, **hyper)
    views["loops"] = (loops.conv2d(x, w, **hyper), dx_l, dw_l)
    views["full convolution"] = (
        None, delta_full_conv(dy, w, x.shape, **hyper), None)
    cols = im2col(x, (kh, kw), **hyper)       # (N, C_in kh kw, H' W')
    d_rows = dy.reshape(n, c_out, -1)         # (N, C_out, H' W')
    y_g = (w.reshape(c_out, -1) @ cols).reshape(dy.shape)
    dw_g = np.einsum("nok,nck->oc", d_rows, cols).reshape(w.shape)
    dx_g = col2im(w.reshape(c_out, -1).T @ d_rows, x.shape, (kh, kw),
                  **hyper)
    views["im2col GEMM"] = (y_g, dx_g, dw_g)
    views["einsum, sliding windows"] = einsum_views(x, w, dy, **hyper)
    C = conv2d_matrix(w, (h, wd), **hyper)
    views["Cᵀ (dense matrix)"] = (
        (x.reshape(n, -1) @ C.T).reshape(dy.shape),
        (dy.reshape(n, -1) @ C).reshape(x.shape),
        None,
    )
    views["conv_transpose2d"] = (
        None, conv_transpose2d(dy, w, output_size=(h, wd), **hyper), None)
    dx_f, dw_f, _ = conv2d_backward(dy, x, w, **hyper)
    views["cnnbp fast path"] = (conv2d(x, w, **hyper), dx_f, dw_f)
    return views

# %%
rng = np.random.default_rng(4)
general = dict(stride=2, padding=1, dilation=(1, 2))
xb = rng.standard_normal((2, 2, 6, 7))
wb = rng.standard_normal((3, 2, 3, 2))
dyb = rng.standard_normal(conv2d(xb, wb, **general).shape)
cases = {"the question's layer": all_views(x, w, dy),
         "everything switched on": all_views(xb, wb, dyb, **general)}

# %% tags=["remove-input"]
assert xb.shape == (2, 2, 6, 7) and wb.shape == (3, 2, 3, 2)   # as named
worst = 0.0
for title, views in cases.items():
    ref = views["cnnbp fast path"]
    rows = []
    for name, got3 in views.items():
        cells = []
        for got, want in zip(got3, ref, strict=True):
            if got is None:
                cells.append("—")
                continue
            diff = float(np.max(np.abs(got - want)))
            worst = max(worst, diff)
            cells.append("0" if diff == 0 else diff)
        rows.append([name, *cells])
    show_table(rows, [f"view ({title})", "y", "dx", "dw"],
               fmt=["{}"] + ["{:.0e}"] * 3)
assert worst < 1e-12
print(f"largest difference from the fast path anywhere: {worst:.1e}")

# %% [markdown]
# The numbers are the largest absolute differences from cnnbp's fast path; "—" marks a
# view that does not compute that quantity (the full convolution and `conv_transpose2d`
# give only the input's delta; the dense $C$ gives $y$ and, through $C^\top$,
# $\delta^x$, but not $\partial L/\partial w$). The differences are a few units in the
# last place of float64: rounding, because the views add the same terms in different
# orders.
#
# Agreeing with each other is not yet being right: all six could share one mistake. So
# the fast path of the general case is also checked against central differences, which
# know nothing about any of the views:

# %%
dxb, dwb, _ = conv2d_backward(dyb, xb, wb, **general)


def loss(_):
    return np.sum(conv2d(xb, wb, **general) * dyb)


err_x = check_gradient(loss, xb, dxb, rtol=1e-7, name="dx")
err_w = check_gradient(loss, wb, dwb, rtol=1e-7, name="dw")
print(f"relative error: dx {err_x:.1e}, dw {err_w:.1e}")

# %% [markdown]
# ## What to remember
#
# - With the kernel fixed, a convolution is a sparse, banded matrix $C$ (the same weights
#   in every row, shifted), and $\delta^x = C^\top\delta^y$; read down a column, the
#   kernel runs backwards, which is the 180° rotation.
# - With the input fixed, **im2col** makes it one product,
#   $\operatorname{vec}(y)^\top = \operatorname{vec}(w)^\top X_\text{col}$, and
#   $\partial L/\partial \operatorname{vec}(w) = X_\text{col}\operatorname{vec}(\delta^y)$:
#   the answer's formula as a GEMM.
# - A **transposed convolution** multiplies by $C^\top$ without building $C$; it is the
#   input gradient of a convolution, and it needs the input size when the stride is
#   above 1.
# - Loops, the rotated full convolution, im2col, sliding-window einsum, $C^\top$ (with or
#   without the matrix) and cnnbp's fast path are six views of the same linear maps; they
#   agree to rounding, and the fast path agrees with finite differences.
#
# ## Exercises
#
# 1. What is the shape of $C$ for a $6\times6$ input and a $3\times3$ kernel (stride 1,
#    no padding), and how many non-zeros does each row have?
#
# <details>
# <summary>Solution</summary>
#
# The output is $4\times4$, so $C$ is $16\times36$: one row per output, one column per
# input cell. Each row holds the nine kernel weights, so it has nine non-zeros (if no
# weight is zero).
#
# </details>
#
# 2. In the question's $C$, how many non-zeros does the column of the corner cell
#    $(0, 0)$ have, and the column of the centre cell $(2, 2)$? Which weights, in which
#    order of the outputs?
#
# <details>
# <summary>Solution</summary>
#
# The corner is read by one window, output $(0, 0)$, through $w_{0,0}$: one non-zero.
# The centre is read by four windows; in the order of the outputs $(1,1), (1,2), (2,1),
# (2,2)$ the weights are $w_{1,1}, w_{1,0}, w_{0,1}, w_{0,0}$: the kernel read backwards,
# the rotation again.
#
# </details>
#
# 3. The question's layer gets $C_\text{in} = 3$ input channels (a $2\times2$ kernel per
#    channel, one output channel). What is the shape of $X_\text{col}$ for one image?
#
# <details>
# <summary>Solution</summary>
#
# Every window now has $3 \cdot 2 \cdot 2 = 12$ entries and there are still 16 windows,
# so $X_\text{col}$ is $12\times16$, and $\operatorname{vec}(w)$ has 12 entries.
#
# </details>

# %% tags=["remove-cell"]
C6 = conv2d_matrix(np.ones((1, 1, 3, 3)), (6, 6))
assert C6.shape == (16, 36) and np.all(np.count_nonzero(C6, axis=1) == 9)
corner, centre = C[:, 0], C[:, 2 * 5 + 2]
assert np.flatnonzero(corner).tolist() == [0]
assert corner[0] == w[0, 0, 0, 0]
assert np.flatnonzero(centre).tolist() == [5, 6, 9, 10]   # (1,1) ... (2,2)
assert np.allclose(centre[[5, 6, 9, 10]], w[0, 0].ravel()[::-1])
assert im2col(np.zeros((1, 3, 5, 5)), 2)[0].shape == (12, 16)
