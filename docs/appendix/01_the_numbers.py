# %% [markdown]
# # The question's numbers, audited
#
# The worked example runs the question's network, but the question lost one piece of it: the
# figure that showed the kernel. This appendix is where the project's forensics live, complete
# and checked: how the kernel was reconstructed from what the text still states, and what the
# reconstruction can and cannot be trusted for.

# %%
# %matplotlib inline
import numpy as np

from cnnbp import seed
from cnnbp.viz import show_markdown

o = np.array(seed.INPUT)  # (5, 5): the input, called o in the answer

# %% [markdown]
# ## What the question states, and what it lost
#
# The question showed its network in figures, and the figure with the kernel did not survive.
# The text still pins the kernel down surprisingly well:
#
# - **stated:** the input $o$; the top-left kernel weight $w_{00} = -0.13$ and the top-left
#   convolution output $x_{00} = 0.25$ (the answer mentions both); the four sigmoid outputs
#   $s_{11}, s_{12}, s_{21}, s_{22}$, which appear, rounded to two decimals, inside the delta
#   formulas; the FC weights, which appear in the same formulas;
# - **implied:** which cell of each pooling window held the maximum. The answer's $4\times4$ delta
#   map `d` has exactly one non-zero per window, and max-pool sends a window's gradient to its
#   maximum, so the non-zeros *are* the argmax positions;
# - **unknown:** the other three kernel weights $w_{01}, w_{10}, w_{11}$, a possible bias $b$, the
#   FC bias and the output layer.

# %%
print("w00 =", seed.W00, "  x00 =", seed.X00)
print("sigmoid outputs (two decimals) =\n", seed.SIGMOID_OUTPUTS)
print("answer's delta map d =\n", seed.DELTA_MAP)
argmax = seed.window_argmax(np.abs(seed.DELTA_MAP))  # where each window's delta was sent
print("window maxima read off d (windows 11, 12, 21, 22):", argmax)
assert argmax == seed.ARGMAX_POSITIONS == ((1, 1), (0, 2), (2, 1), (3, 3))

# %% [markdown]
# ### Five equations for three unknowns
#
# A word on indices: positions in the maps count from 0, as in numpy ($x_{00}$ is the top-left
# output), while the four windows keep the question's 1-based names ($s_{11}, \dots, s_{22}$,
# $\delta_{11}, \dots, \delta_{22}$). The convolution computes (cross-correlation, no kernel
# flip)
#
# $$
# x_{ij} = \sum_{m=0}^{1}\sum_{n=0}^{1} w_{mn}\, o_{i+m,\,j+n} + b .
# $$
#
# Each known value of $x$ is one linear equation in the weights. There are five:
#
# - $x_{00} = 0.25$;
# - for each window, the pooled value is the $x$ at its argmax, and the sigmoid is invertible, so
#   the printed output $s$ gives that $x$ back: $x_{\text{argmax}} = \sigma^{-1}(s) =
#   \log\frac{s}{1-s}$. For example window 11, with $s_{11} = 0.58$, has its maximum at row 1,
#   column 1 of the $4\times4$ map, so $x_{11} = \log\frac{0.58}{0.42}$; window 12, with
#   $s_{12} = 0.57$, has it at row 0, column 2, so $x_{02} = \log\frac{0.57}{0.43}$.
#
# Moving the known $w_{00}\, o_{i,j}$ to the right-hand side leaves
#
# $$
# w_{01}\, o_{i,\,j+1} + w_{10}\, o_{i+1,\,j} + w_{11}\, o_{i+1,\,j+1} \;(+\, b)
#   = x_{ij} - w_{00}\, o_{ij}
# $$
#
# at five positions $(i, j)$: five equations, three unknowns (four with a bias). The printed
# numbers are rounded, so no kernel satisfies all five exactly; `seed.reconstruct_kernel` solves
# them by least squares. It weights each equation by how precisely it is known: $s$ is printed to
# $\pm 0.005$, which in units of $x$ is $\pm 0.005 / (s(1-s))$, about four times looser, so the
# four sigmoid equations are multiplied by $s(1-s)$. Every equation then counts in units of its
# own last printed digit.

# %%
fit = seed.reconstruct_kernel()  # the default: weighted, no bias
print("kernel =\n", fit.kernel.round(4))
print("bias =", fit.bias)
print("residuals in x units (x00, then windows 11, 12, 21, 22):", fit.residuals.round(4))
print("residuals in printed units (x00, then s11, s12, s21, s22):", fit.printed_residuals.round(4))
assert fit.kernel[0, 0] == seed.W00
assert np.array_equal(fit.kernel, seed.KERNEL)
assert len(fit.residuals) == len(fit.printed_residuals) == 5  # five equations
# The two examples in the text: windows 11 and 12.
assert seed.SIGMOID_OUTPUTS[0, 0] == 0.58 and seed.ARGMAX_POSITIONS[0] == (1, 1)
assert seed.SIGMOID_OUTPUTS[0, 1] == 0.57 and seed.ARGMAX_POSITIONS[1] == (0, 2)

# %% [markdown]
# The residuals in printed units are what matters: a value that is off by less than $0.005$
# still rounds to the number the question printed. The table compares the fit with the
# alternatives (with a bias, unweighted), all computed by the same function.

# %%
variants = {}
for label, kwargs in [
    ("weighted, no bias (used)", {}),
    ("weighted, with bias", {"bias": True}),
    ("unweighted, no bias", {"weighted": False}),
]:
    f = seed.reconstruct_kernel(**kwargs)
    variants[label] = (f, np.abs(f.printed_residuals).max())
# One column per fit, one row per quantity: narrow enough for the page.
fits = list(variants.values())
rows = [
    "| | " + " | ".join(variants) + " |",
    "|---|" + "---|" * len(variants),
    "| $w_{01}, w_{10}, w_{11}$ | "
    + " | ".join(f"{f.kernel[0, 1]:.4f}, {f.kernel[1, 0]:.4f}, {f.kernel[1, 1]:.4f}" for f, _ in fits) + " |",
    "| bias $b$ | " + " | ".join(f"{f.bias:.4f}" for f, _ in fits) + " |",
    "| residual norm ($x$ units) | " + " | ".join(f"{f.residual:.4f}" for f, _ in fits) + " |",
    "| largest error (printed units) | " + " | ".join(f"{worst:.4f}" for _, worst in fits) + " |",
    "| all five numbers reproduced? | " + " | ".join("yes" if worst < 0.005 else "no" for _, worst in fits) + " |",
]
show_markdown("\n".join(rows))
assert variants["weighted, no bias (used)"][1] < 0.005
assert variants["weighted, with bias"][1] < 0.005  # a different kernel that also fits
assert variants["weighted, with bias"][0].residual < variants["weighted, no bias (used)"][0].residual
assert variants["unweighted, no bias"][1] > 0.005
assert round(seed.X00 + variants["unweighted, no bias"][0].residuals[0], 2) == 0.26  # not 0.25
sensitivity = 1 / (seed.SIGMOID_OUTPUTS * (1 - seed.SIGMOID_OUTPUTS))  # dx/ds at each printed s
assert 4.0 < sensitivity.min() and sensitivity.max() < 4.5  # "about four times looser"

# %% [markdown]
# Without weights, the fit trades accuracy on $x_{00}$ (known to $\pm0.005$) for accuracy on the
# sigmoid equations (known only to about $\pm0.02$ in the same units) and misses the printed
# $0.25$. With weights and no bias, every printed number is reproduced. A bias would lower the
# residual a little, as any fourth unknown fitted to five rounded numbers does, but the data do
# not ask for one, so the reconstruction uses none.
#
# Keep in mind that this kernel is an *estimate*: other kernels reproduce the printed numbers as
# well (the fit with a bias in the table is one). The pages that check the question's
# arithmetic use the question's own numbers (its rounded sigmoid outputs, the answer's map `d`);
# the reconstructed kernel is needed only to run the network forward, for the figures and for
# the pages that train it.

