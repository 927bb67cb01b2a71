# %% [markdown]
# # Performance against PyTorch
#
# cnnbp is first of all a teaching package, but a slow reference is one nobody uses. Its default
# convolution and pooling functions therefore take a fast path: the windows of the input are laid
# out as the columns of a matrix (im2col), so that each convolution, forward or backward, becomes
# a few large matrix products handed to BLAS. This page compares that path with PyTorch's CPU
# autograd on the same shapes, against goals that were set in advance, from a throwaway
# prototype.
#
# **Nothing is timed while this page is built**: benchmarks take minutes and a documentation build
# must stay quick and reproducible. The page reads the results that `benchmarks/run.py` recorded
# in `benchmarks/results.json`, on the machine described below.
#
# ## How the numbers were taken
#
# For every case the script times one forward pass plus the backward pass (all input, weight and
# bias gradients) of cnnbp and of PyTorch, in the same process, on the same arrays, with one
# thread each. The two libraries' batches of calls alternate, so a noisy neighbour on the machine
# disturbs both alike, and each time is a median over many batches. The clock is the CPU time of
# the thread doing the work, which leaves out the moments the operating system gave the CPU to
# other programs; wall-clock medians are recorded too, and shown in the table. The *ratio* is
# cnnbp's CPU time divided by PyTorch's: below 1, cnnbp is faster. The script's own one-line
# summary of its method is printed below.

# %%
# %matplotlib inline
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from cnnbp.viz import show_markdown


def find_results(name="benchmarks/results.json"):
    """The recorded results, looked up from the working directory upwards (the repository root)."""
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{name} not found: run `python benchmarks/run.py` first")


results = json.loads(find_results().read_text())
assert results["schema"] == 1, f"this page reads schema 1, got {results['schema']}"
cases, machine = results["cases"], results["machine"]
print(f"recorded {results['created']}: {len(cases)} cases")
print(results["method"])

# %% [markdown]
# ## The machine and the versions

# %%
for key, value in machine.items():
    print(f"{key:>17}: {value:.3g}" if isinstance(value, float) else f"{key:>17}: {value}")

# %% [markdown]
# ## The results
#
# One row per case: the shapes (NCHW input `x`, weights `w` as (out, in, kh, kw)), the dtype, the
# median CPU time per forward + backward call of each library (wall-clock medians in brackets),
# their ratio and the goal. Most goals are ratios; the seed's tiny convolution also has an
# absolute goal (forward + backward in at most 35 µs), and the seed's convolution followed by
# its max-pool is held to the same 35 µs, a stricter reading of that goal. The column
# "products ÷ PyTorch" is explained below the plot. The last column shows how many times
# faster the fast path is than the equation-shaped loops of `cnnbp.loops` (timed once, and only
# on cases small enough for the loops to finish quickly).


# %%
# the paragraph above names the absolute goal; fail the build if the recording disagrees
assert {c["goal_us"] for c in cases if c["goal_us"] is not None} == {35.0}
NONE = "n/a"  # shown where a value was not measured or does not apply


def fmt(value, spec, missing=NONE):
    return missing if value is None else format(value, spec)


def goal_text(case):
    parts = []
    if case["goal"] is not None:
        parts.append(f"ratio ≤ {case['goal']:.2f}")
    if case["goal_us"] is not None:
        parts.append(f"≤ {case['goal_us']:.0f} µs")
    return ", ".join(parts) or NONE


header = ("| case | shapes | dtype | cnnbp µs | PyTorch µs | ratio | goal | met? "
          "| products ÷ PyTorch | loops ÷ cnnbp |\n"
          "|---|---|---|--:|--:|--:|---|:-:|--:|--:|\n")
rows = []
for c in cases:
    speedup = None if c["loops_us"] is None else c["loops_us"] / c["cnnbp_us"]
    met = {True: "yes", False: "**no**", None: NONE}[c["met"]]
    wall = [c.get(k) for k in ("cnnbp_wall_us", "torch_wall_us")]
    times = [f"{fmt(t, ',.1f')} ({fmt(w, ',.0f')})" if w is not None else fmt(t, ",.1f")
             for t, w in zip((c["cnnbp_us"], c["torch_us"]), wall, strict=True)]
    rows.append(f"| {c['name']} | {c['shape']} | {c['dtype']} | {times[0]} | {times[1]} | "
                f"{fmt(c['ratio'], '.2f')} | {goal_text(c)} | {met} | {fmt(c.get('products_ratio'), '.2f')} "
                f"| {fmt(speedup, '.1f' if speedup and speedup < 10 else ',.0f')} |")
show_markdown(header + "\n".join(rows))

# %% [markdown]
# The same ratios as a picture, on a logarithmic axis so that "twice as fast" and "twice as
# slow" look equally far from parity. Each bar is a measured ratio, each black tick its goal;
# a bar that ends left of its tick met the goal. A grey diamond marks the floor set by the
# matrix products alone (explained in the next section); an absolute goal is written beside
# its bar with the measured time.

# %%
ratio_cases = [c for c in cases if c["ratio"] is not None]
names = [c["name"] for c in ratio_cases]
ratios = np.array([c["ratio"] for c in ratio_cases])
colors = ["tab:green" if c["met"] else "tab:red" if c["met"] is False else "tab:gray"
          for c in ratio_cases]
pos = np.arange(len(ratio_cases))

fig, ax = plt.subplots(figsize=(8, 0.45 * len(ratio_cases) + 1.3), layout="constrained")
# Bars grow from parity (ratio 1): to the left where cnnbp is faster, to the right where slower.
ax.barh(pos, ratios - 1, left=1, color=colors, alpha=0.8)
for p, c in zip(pos, ratio_cases, strict=True):
    if c["goal"] is not None:
        ax.plot([c["goal"]] * 2, [p - 0.4, p + 0.4], color="black", lw=2.5)
    if c.get("products_ratio") is not None:
        ax.plot(c["products_ratio"], p, marker="D", color="dimgray", ms=6, ls="none")
    if c["goal_us"] is not None:
        ax.annotate(f"goal ≤ {c['goal_us']:.0f} µs: {c['cnnbp_us']:.0f} µs",
                    (max(c["ratio"], 1), p), xytext=(4, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=8)
ax.axvline(1.0, color="grey", lw=1)
goals = [c["goal"] for c in ratio_cases if c["goal"] is not None]
floors = [c["products_ratio"] for c in ratio_cases if c.get("products_ratio") is not None]
low, high = min([*ratios, *goals, *floors, 1.0]), max([*ratios, *goals, *floors, 1.0])
ax.set_xscale("log")
ax.set_xlim(low / 1.6, high * 1.4)
ticks = [t * 10.0**e for e in range(-3, 3) for t in (1, 2, 5) if low / 1.6 <= t * 10.0**e <= high * 1.4]
ax.set_xticks(ticks)
ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
ax.set_yticks(pos, names)
ax.invert_yaxis()
ax.set_xlabel("cnnbp time ÷ PyTorch time (log scale; left of 1: cnnbp faster)")
ax.set_title("ratio per case (green: goal met, red: missed) and its goal (black tick)")
ax.grid(axis="x", which="both", alpha=0.3)
if floors:
    fig.legend(handles=[Line2D([], [], marker="D", color="dimgray", ls="none",
                               label="the three matrix products alone (a floor)")],
               loc="outside lower center", fontsize=8, frameon=False)

# %%
judged = [c for c in cases if c["met"] is not None]
n_met = sum(c["met"] for c in judged)
missed = [c["name"] for c in judged if not c["met"]]
faster = [c["name"] for c in ratio_cases if c["ratio"] < 1]
summary = (f"**{n_met} of {len(judged)} cases met every goal they have** in this recording"
           + (f"; missed: {', '.join(missed)}." if missed else ".")
           + f" cnnbp was faster than PyTorch on {len(faster)} of {len(ratio_cases)} cases.")
speedups = [c["loops_us"] / c["cnnbp_us"] for c in cases if c["loops_us"] is not None]
if speedups:
    summary += (f" Where the loops were timed, the fast path beat them by a factor between"
                f" {min(speedups):.1f} and {max(speedups):,.0f}.")
show_markdown(summary)

# %% [markdown]
# ## How close to the limit?
#
# An im2col convolution cannot avoid three matrix products per forward + backward step: the
# forward `W @ cols`, the weight gradient `dY @ cols.T` and the input-gradient columns
# `W.T @ dY`. The benchmark times exactly these three, alone, with the batch folded into one
# product each, on preallocated operands of the case's sizes, each in whichever orientation
# BLAS runs faster, interleaved with the two libraries. That is the "products ÷ PyTorch"
# column: a practical floor for any numpy implementation of this algorithm, since nothing it
# does around the products (copying windows, adding column gradients back, the bias) makes
# the products themselves faster. The gap between it and the ratio is everything else cnnbp
# does.

# %%
floor_cases = [c for c in cases if c.get("products_ratio") is not None and c["ratio"] is not None]
lines = []
for c in floor_cases:
    floor, rest = c["products_ratio"], c["ratio"] - c["products_ratio"]
    line = (f"- **{c['name']}**: the products alone take {floor:.2f} of PyTorch's time, "
            f"everything else {rest:.2f}, for a ratio of {c['ratio']:.2f}")
    if c["goal"] is not None and c["met"] is False:
        if floor >= c["goal"]:
            line += (f"; the goal {c['goal']:.2f} lies below the products' floor, so no "
                     "arrangement of the work around them could meet it with this BLAS on this machine")
        else:
            line += (f"; to meet the goal {c['goal']:.2f}, everything else would have to fit in "
                     f"{c['goal'] - floor:.2f} of PyTorch's time")
    lines.append(line + ".")
show_markdown("\n".join(lines))

# %% [markdown]
# How to read these numbers:
#
# - On the tiny shapes (the seed's input) both libraries spend their time on per-call
#   overhead, not arithmetic. PyTorch's autograd builds a graph and dispatches every operator; cnnbp
#   makes a few numpy calls, so it can come out ahead.
# - On larger shapes the work is one big matrix product either way, and the ratio approaches
#   what the two BLAS libraries make of it. What remains is memory traffic: copying windows into
#   the column matrix, and adding the column gradients back into the input gradient (col2im).
# - The ratios are more trustworthy than the absolute times: both libraries were timed side by
#   side, so whatever load the machine carried affected both. Absolute times also depend on the
#   processor; the recording keeps the time of one tiny numpy addition (`numpy_tiny_add_us`
#   above) as a yardstick for comparing machines.
#
# ## Re-running the benchmark
#
# From the repository root, with the package installed (`pip install -e .`, plus PyTorch for the
# comparison):
#
# ```bash
# python benchmarks/run.py            # prints the table and rewrites benchmarks/results.json
# python benchmarks/run.py --quick    # fewer repeats: a quick, noisier look
# python benchmarks/run.py --threads 2
# ```
#
# Without PyTorch the script still runs and prints absolute times with the speed-up over
# `cnnbp.loops`. The format of `results.json` is described in `benchmarks/README.md`; rebuilding
# the site after a new recording updates this page.
#
# ## What to remember
#
# - The default cnnbp convolution turns every pass into a few matrix products over im2col columns;
#   that is why it leaves the loops that spell out the equations behind (by the factors in the
#   last column, largest on the largest inputs), while computing the same numbers.
# - Compare libraries in the same process, interleaved, single-threaded, with medians: ratios
#   measured that way survive a noisy machine much better than absolute times.
# - Benchmarks are recorded, not run at build time; the page reads the recording, so every number
#   on it comes from `benchmarks/results.json`.
