# %% [markdown]
# # The matrix view
#
# For a fixed kernel, a convolution is a linear function of its input, and for a fixed input
# it is a linear function of its kernel. Linear functions are matrices, and the gradient of a
# matrix product is the transposed matrix times the delta. This page makes both matrices
# explicit on the question's layer (its $5 \times 5$ input and $2 \times 2$ kernel, from the
# Data Science Stack Exchange question "back propagation in CNN", 2018, by koryakinp, and its
# answer), then proves that six different ways of computing the backward pass give the same
# numbers.
#
# The question's kernel was in a figure that did not survive; cnnbp reconstructs it from the
# numbers the text does give (see [`cnnbp.seed`](../../reference/seed/)). Only
# $w_{0,0} = -0.13$ is given; the other three weights are inferred.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import cnnbp
from cnnbp import (
    check_gradient,
    col2im,
    conv2d,
    conv2d_backward,
    conv2d_matrix,
    conv_transpose2d,
    delta_full_conv,
    im2col,
    loops,
)
from cnnbp.seed import DELTA_MAP, DW_ANSWER, INPUT, KERNEL, W00
from cnnbp.viz import show_markdown, show_matrices, show_matrix

x = np.array(INPUT)[None, None]        # (1, 1, 5, 5)
w = np.array(KERNEL)[None, None]       # (1, 1, 2, 2)
delta = np.array(DELTA_MAP)[None, None]  # (1, 1, 4, 4): the answer's delta map
assert w[0, 0, 0, 0] == W00 == -0.13

# %% [markdown]
# ## im2col: every window becomes a column
#
# Output $(i, j)$ of the question's layer is $y_{i,j} = \sum_{m,n} w_{m,n}\, x_{i+m,\,j+n}$: a
# dot product between the kernel and the $2 \times 2$ window at $(i, j)$. Write each window,
# flattened, as one column of a matrix (columns ordered like the outputs, row-major). The
# $5\times 5$ input has $16$ windows of $4$ entries, so the matrix is $4 \times 16$. Entries of
# the input appear in up to four columns, because the windows overlap.

# %%
cols = im2col(x, 2)[0]                 # (C_in*kh*kw, H_out*W_out)
assert cols.shape == (4, 16)
# How many columns each input entry appears in: at most four.
assert col2im(im2col(np.ones_like(x), 2), x.shape, 2).max() == 4
fig, ax = plt.subplots(figsize=(11, 2.2))
show_matrix(cols, ax, title=r"im2col of the $5\times 5$ input: column $4i+j$ is window $(i, j)$",
            fontsize=8)
ax.set_yticks(range(4), ["x[i, j]", "x[i, j+1]", "x[i+1, j]", "x[i+1, j+1]"])
plt.show()

# %% [markdown]
# The whole forward pass is then one matrix product, the kernel as a row vector times the
# columns: $y = \operatorname{vec}(w)^\top X_\text{col}$, reshaped to $4 \times 4$.

# %%
y = (w.reshape(1, -1) @ cols).reshape(4, 4)
assert np.allclose(y, conv2d(x, w)[0, 0])
print("y[0, 0] =", round(float(y[0, 0]), 4), "(the question: 0.25)")
assert round(float(y[0, 0]), 2) == 0.25

# %% [markdown]
# Seen from the kernel, the same equation says $y = X_\text{col}^\top \operatorname{vec}(w)$:
# with the input fixed, the layer is the matrix $X_\text{col}^\top$ acting on the four
# weights. The gradient of a matrix product with respect to the vector it acts on is the
# transposed matrix times the delta, so
#
# $$
# \frac{\partial E}{\partial \operatorname{vec}(w)} = X_\text{col}\; \operatorname{vec}(\delta),
# \qquad\text{i.e.}\qquad
# \frac{\partial E}{\partial w_{m,n}} = \sum_{i,j} \delta_{i,j}\; x_{i+m,\,j+n} ,
# $$
#
# the answer's formula, as one matrix-vector product. With the answer's delta map it
# reproduces the gradient the answer printed:

# %%
dw_gemm = (cols @ delta.reshape(-1)).reshape(2, 2)
show_markdown(
    "| | $m, n = 0,0$ | $0,1$ | $1,0$ | $1,1$ |\n|---|---|---|---|---|\n"
    "| $X_\\text{col}\\operatorname{vec}(\\delta)$ | "
    + " | ".join(f"{v:.6f}" for v in dw_gemm.ravel()) + " |\n"
    "| printed by the answer | " + " | ".join(f"{v:.6f}" for v in DW_ANSWER.ravel()) + " |"
)
assert np.allclose(dw_gemm, DW_ANSWER, atol=5e-7)

# %% [markdown]
# ## The matrix C: the convolution acting on the flattened input
#
# With the kernel fixed, the layer is a $16 \times 25$ matrix $C$ acting on the $25$ input
# values (flattened row by row): $\operatorname{vec}(y) = C \operatorname{vec}(x)$. Row
# $i\cdot 4 + j$ of $C$ holds the four kernel weights at the columns of the four input cells
# that window $(i, j)$ reads, and zeros everywhere else:
#
# $$
# C_{(i,j),\,(u,v)} = \begin{cases} w_{u-i,\;v-j} & \text{if } 0 \le u - i < k_h \text{ and }
#     0 \le v - j < k_w \\ 0 & \text{otherwise.}\end{cases}
# $$
#
# Every row holds the same four numbers, shifted: that is weight sharing. Sliding one output to
# the right shifts the pattern one column right; moving down a row of outputs shifts it a whole
# input row (5 columns). The result is a banded matrix made of $4 \times 5$ blocks, each block
# constant along its diagonals (a "doubly block Toeplitz" pattern).

# %%
C = conv2d_matrix(w, (5, 5))           # (16, 25)
lim = np.abs(C).max()
fig, ax = plt.subplots(figsize=(9, 5.2))
im = ax.imshow(C, cmap="RdBu_r", vmin=-lim, vmax=lim)
for r in range(0, 17, 4):              # block boundaries: one block per (output row, input row)
    ax.axhline(r - 0.5, color="0.6", lw=0.6)
for c in range(0, 26, 5):
    ax.axvline(c - 0.5, color="0.6", lw=0.6)
ax.set_xlabel("input cell u·5 + v")
ax.set_ylabel("output cell i·4 + j")
ax.set_title(r"$C$ for the question's layer: $16\times 25$, four nonzeros per row")
fig.colorbar(im, ax=ax, shrink=0.7)
plt.show()
assert C.shape == (16, 25) and np.all(np.count_nonzero(C, axis=1) == 4)
assert np.allclose(C @ x.reshape(-1), conv2d(x, w).reshape(-1))

# %% [markdown]
# ## Backward is multiplication by $C^\top$
#
# From $y_r = \sum_c C_{r,c}\, x_c$ the chain rule gives
# $\partial E/\partial x_c = \sum_r \delta_r\, C_{r,c}$, that is
#
# $$
# \operatorname{vec}\!\left(\frac{\partial E}{\partial x}\right) = C^\top \operatorname{vec}(\delta) .
# $$
#
# Column $c$ of $C$ lists every output that reads input cell $c$, and with which weight; the
# gradient of that cell adds up those outputs' deltas with those weights. Read along a row of
# $C^\top$, the kernel appears back to front, which is where the 180° rotation of the
# [stacked-convolutions page](../01_stacked/) comes from. The delta the question's network sends
# down to its input (the answer's map through the reconstructed kernel):

# %%
dx_ct = (C.T @ delta.reshape(-1)).reshape(5, 5)
dx_fast = conv2d_backward(delta, x, w)[0][0, 0]
show_matrices([delta[0, 0], dx_ct], ["δ (the answer's map)", "Cᵀ δ (= cnnbp's dx, asserted)"],
              fmt="{:.4f}", size=0.6)
plt.show()
assert np.allclose(dx_ct, dx_fast)

# %% [markdown]
# ## Transposed convolution is $C^\top$ without the matrix
#
# $C$ has $16 \cdot 25 = 400$ entries here. For a $224\times 224$ RGB image and 64
# $3\times 3$ kernels with padding 1 it would have the number of entries printed below, nearly
# all of them zero; nobody builds it. Multiplying by $C^\top$
# is done directly instead: each delta entry stamps a copy of the kernel, scaled by itself,
# onto the input grid at its window's position, and overlapping stamps add up. That operation
# is called a **transposed convolution**
# ([`cnnbp.conv_transpose2d`](../../reference/views/)); generator networks use it as an
# upsampling layer, and it is exactly the input-gradient of a convolution.

# %%
ho_big, wo_big = cnnbp.conv2d_output_shape((224, 224), 3, padding=1)
print(f"entries of C for 64 3x3 kernels on a 224x224 RGB image: {64 * ho_big * wo_big * 3 * 224 * 224:.1e}")
assert C.size == 400

# %% [markdown]
# With stride 2 the picture changes in an instructive way. The same kernel over the $5\times 5$
# input with stride 2 has only $2 \times 2$ outputs; $C$ loses three quarters of its rows, and
# the last input row and column get no weight at all (all-zero columns). Going back, $C^\top$
# maps four numbers to 25. `conv_transpose2d` has to be told the input size, because a
# $4\times 4$ input would give the same $2\times 2$ output, and by default it returns the
# smallest such size:

# %%
C2 = conv2d_matrix(w, (5, 5), stride=2)        # (4, 25)
assert C2.shape == (4, 25) and C.shape[0] == 4 * C2.shape[0]   # a quarter of the rows are left
d2 = np.array([[[[1.0, -2.0], [0.5, 3.0]]]])
t_default = conv_transpose2d(d2, w, stride=2)
t_sized = conv_transpose2d(d2, w, stride=2, output_size=(5, 5))
assert np.allclose(t_sized.reshape(-1), C2.T @ d2.reshape(-1))
assert np.allclose(t_sized, conv2d_backward(d2, x, w, stride=2)[0])
assert t_default.shape[2:] == (4, 4) and np.allclose(t_default[0, 0], t_sized[0, 0, :4, :4])

fig, axes = plt.subplot_mosaic([["C", "C"], ["sized", "default"]], figsize=(6.6, 5.2),
                                gridspec_kw={"height_ratios": [1.3, 4]})
axes["C"].imshow(C2, cmap="RdBu_r", vmin=-lim, vmax=lim)
axes["C"].set_title(r"$C$ with stride 2: $4\times 25$ (columns 4, 9, 14, 19-24 are zero)", fontsize=10)
axes["C"].set_yticks(range(4))
axes["C"].set_xticks(range(0, 25, 2))
show_matrix(t_sized[0, 0], axes["sized"], title="conv_transpose2d, output_size (5, 5)")
show_matrix(t_default[0, 0], axes["default"], title="default size: (4, 4)")
fig.tight_layout()
plt.show()
zero_cols = np.flatnonzero(~C2.any(axis=0))
print("input cells no window reads (all-zero columns of C):", zero_cols.tolist())
assert zero_cols.tolist() == [4, 9, 14, 19, 20, 21, 22, 23, 24]

# %% [markdown]
# ## Six views, one set of numbers
#
# Every way of computing a convolution's backward pass that appears on this site, side by
# side. Each is written out in the cell below:
#
# 1. **loops** — [`cnnbp.loops`](../../reference/loops/): the sums of the derivation as nested
#    `for` loops, one `+=` per term;
# 2. **full convolution** — `cnnbp.delta_full_conv`: δ (dilated by the stride), zero-padded
#    and cross-correlated with the 180°-rotated kernel, for dx;
# 3. **im2col GEMM** — `dW` as $\delta\, X_\text{col}^\top$ and `dx` as
#    $\operatorname{col2im}(W^\top\delta)$, with `cnnbp.im2col` / `cnnbp.col2im`;
# 4. **einsum over sliding windows** — a teaching version written here with numpy's
#    `sliding_window_view`: the windows as a 6-D view, the forward pass and `dW` as one
#    `einsum` each, `dx` by adding each tap's share back onto the strided grid;
# 5. **$C^\top$** — the dense matrix of `cnnbp.conv2d_matrix`, transposed, times δ; and
#    `cnnbp.conv_transpose2d`, which is the same map without the matrix;
# 6. **cnnbp's fast path** — `cnnbp.conv2d_backward`, the reference for the differences.
#
# Two cases: the question's layer with the answer's delta map, and a layer with everything
# switched on ($N = 2$, $C_\text{in} = 2$, $C_\text{out} = 3$, a $6 \times 7$ input, a
# $3 \times 2$ kernel, stride 2, padding 1, dilation $(1, 2)$, random δ).

# %%
def einsum_views(x, w, delta, stride, padding, dilation):
    """Forward, dx and dW with sliding windows and einsum (teaching view, not cnnbp's code)."""
    (sh, sw), (ph, pw), (dh, dw_) = (np.broadcast_to(v, 2) for v in (stride, padding, dilation))
    kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    span = (dh * (kh - 1) + 1, dw_ * (kw - 1) + 1)            # the dilated kernel's extent
    win = sliding_window_view(xp, span, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw_]
    y = np.einsum("bcijmn,ocmn->boij", win, w)   # win: (N, C_in, H_out, W_out, kh, kw)
    dw = np.einsum("boij,bcijmn->ocmn", delta, win)
    dwin = np.einsum("boij,ocmn->bcijmn", delta, w)  # each tap's share of each window
    dxp = np.zeros_like(xp)
    ho, wo = delta.shape[2:]
    for m in range(kh):
        for n in range(kw):
            dxp[:, :, dh * m : dh * m + sh * ho : sh, dw_ * n : dw_ * n + sw * wo : sw] += dwin[..., m, n]
    return y, dxp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]], dw


def all_views(x, w, delta, stride=1, padding=0, dilation=1):
    """{view: (y, dx, dW)}; None where a view does not produce that quantity."""
    hyper = dict(stride=stride, padding=padding, dilation=dilation)
    n, _, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    views = {}
    dx_l, dw_l, _ = loops.conv2d_backward(delta, x, w, **hyper)
    views["loops (cnnbp.loops)"] = (loops.conv2d(x, w, **hyper), dx_l, dw_l)
    views["full convolution, rot180"] = (None, delta_full_conv(delta, w, x.shape, **hyper), None)
    cols = im2col(x, (kh, kw), **hyper)                        # (N, C_in*kh*kw, H_out*W_out)
    d_rows = delta.reshape(n, c_out, -1)                       # (N, C_out, H_out*W_out)
    y_g = (w.reshape(c_out, -1) @ cols).reshape(delta.shape)
    dw_g = np.einsum("nok,nck->oc", d_rows, cols).reshape(w.shape)
    dx_g = col2im(w.reshape(c_out, -1).T @ d_rows, x.shape, (kh, kw), **hyper)
    views["im2col GEMM"] = (y_g, dx_g, dw_g)
    views["einsum, sliding windows"] = einsum_views(x, w, delta, **hyper)
    C = conv2d_matrix(w, (h, wd), **hyper)
    views["Cᵀ (dense matrix)"] = (
        (x.reshape(n, -1) @ C.T).reshape(delta.shape),
        (delta.reshape(n, -1) @ C).reshape(x.shape),
        None,
    )
    views["conv_transpose2d"] = (None, conv_transpose2d(delta, w, output_size=(h, wd), **hyper), None)
    dx_f, dw_f, _ = conv2d_backward(delta, x, w, **hyper)
    views["cnnbp fast path"] = (conv2d(x, w, **hyper), dx_f, dw_f)
    return views


rng = np.random.default_rng(4)
general = dict(stride=2, padding=1, dilation=(1, 2))
xb = rng.standard_normal((2, 2, 6, 7))
wb = rng.standard_normal((3, 2, 3, 2))
db_ = rng.standard_normal(conv2d(xb, wb, **general).shape)
assert xb.shape == (2, 2, 6, 7) and wb.shape == (3, 2, 3, 2)   # N, C_in, C_out and sizes as named
cases = {"the question's layer": all_views(x, w, delta),
         "N=2, C 2→3, stride 2, pad 1, dil (1,2)": all_views(xb, wb, db_, **general)}

worst = 0.0
for title, views in cases.items():
    ref = views["cnnbp fast path"]
    table = [f"| view ({title}) | y | dx | dW |", "|---|---|---|---|"]
    for name, got3 in views.items():
        cells = []
        for got, want in zip(got3, ref, strict=True):
            if got is None:
                cells.append("—")
                continue
            diff = float(np.max(np.abs(got - want)))
            worst = max(worst, diff)
            cells.append(f"{diff:.1e}")
        table.append(f"| {name} | " + " | ".join(cells) + " |")
    show_markdown("\n".join(table))
assert worst < 1e-12
print(f"largest difference from cnnbp's fast path anywhere in the table: {worst:.1e}")

# %% [markdown]
# The numbers are maximum absolute differences from cnnbp's fast path; "—" marks a view that
# does not compute that quantity (the full convolution and `conv_transpose2d` compute only the
# input gradient; the dense matrix $C$ gives $y$ and, through $C^\top$, $dx$, but not $dW$). The
# differences are a few units in the last place of float64 (the largest
# is printed under the tables): rounding, because the views add the same terms in different
# orders.
#
# Agreeing with each other is not yet being right: all six could share one mistake. The fast
# path of the general case is therefore also checked against central differences, which know
# nothing about any of the views:

# %%
dxb, dwb, _ = conv2d_backward(db_, xb, wb, **general)


def energy(_):
    return np.sum(conv2d(xb, wb, **general) * db_)


err_x = check_gradient(energy, xb, dxb, rtol=1e-7, name="dx")
err_w = check_gradient(energy, wb, dwb, rtol=1e-7, name="dw")
print(f"relative error vs central differences: dx {err_x:.1e}, dW {err_w:.1e}")

# %% [markdown]
# ## What to remember
#
# - **im2col** turns the convolution into one matrix product, $y = W X_\text{col}$. With the
#   input fixed the layer is the matrix $X_\text{col}^\top$ acting on the weights, so
#   $\partial E/\partial W = \delta\, X_\text{col}^\top$: the answer's formula as a GEMM.
# - With the kernel fixed the layer is a sparse, banded matrix $C$ (the same weights in every
#   row, shifted), and the input gradient is $C^\top\delta$.
# - A **transposed convolution** multiplies by $C^\top$ without building $C$; it is the
#   input-gradient of a convolution, and needs the input size when the stride is above 1.
# - Loops, the rotated full convolution, im2col, sliding-window einsum, $C^\top$ (with or
#   without the matrix) and cnnbp's fast path are six views of the same linear maps; they agree
#   to rounding, and the fast path agrees with finite differences.
