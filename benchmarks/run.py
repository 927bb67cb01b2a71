"""Time cnnbp's conv and pooling (forward + backward) against PyTorch CPU autograd.

Usage (from the repository root)::

    python benchmarks/run.py                 # print the table, write benchmarks/results.json
    python benchmarks/run.py --quick         # fewer repeats, for a smoke run
    python benchmarks/run.py --no-write      # print only
    python benchmarks/run.py --threads 2     # allow more BLAS / torch threads

Everything runs single-threaded by default: the BLAS thread variables are set before numpy
(or torch) is imported. Both libraries run in the same process, cnnbp and PyTorch batches
alternate (so a noisy neighbour slows both alike), and the reported time of each is the
median over many batches. Without PyTorch the script prints absolute times and the ratio to
:mod:`cnnbp.loops`. The JSON schema is described in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import os
import sys


def _set_threads(n: int) -> None:
    # must happen before numpy / torch load their BLAS
    for var in (
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "NUMEXPR_NUM_THREADS",
    ):
        os.environ[var] = str(n)


def _parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (default 1)")
    p.add_argument("--quick", action="store_true", help="fewer repeats (noisier)")
    p.add_argument("--no-write", action="store_true", help="do not write results.json")
    p.add_argument("--no-torch", action="store_true", help="time without PyTorch even if installed")
    p.add_argument("--only", default="", help="comma-separated case names to run")
    return p.parse_args()


ARGS = _parse() if __name__ == "__main__" else None
_set_threads(ARGS.threads if ARGS else 1)

import datetime  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import cnnbp  # noqa: E402
from cnnbp import loops  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent

# name, kind, x shape, w shape or pool size, conv / pool params, dtype, goal ratio, goal in µs
CASES = [
    dict(name="tiny conv", kind="conv", x=(1, 1, 5, 5), w=(1, 1, 2, 2), dtype="float64", goal=0.44, goal_us=100.0),
    dict(name="LeNet conv2 f32", kind="conv", x=(64, 6, 14, 14), w=(16, 6, 5, 5), dtype="float32", goal=1.98),
    dict(name="LeNet conv2 f64", kind="conv", x=(64, 6, 14, 14), w=(16, 6, 5, 5), dtype="float64", goal=1.20),
    dict(name="MNIST conv1 f32", kind="conv", x=(64, 1, 28, 28), w=(8, 1, 3, 3), padding=1, dtype="float32", goal=0.39),
    dict(name="32->64 conv f64", kind="conv", x=(8, 32, 32, 32), w=(64, 32, 3, 3), padding=1, dtype="float64", goal=0.88),
    dict(name="32->64 conv s2 f32", kind="conv", x=(8, 32, 32, 32), w=(64, 32, 3, 3), padding=1, stride=2, dtype="float32", goal=1.64),
    dict(name="dilated conv f64", kind="conv", x=(16, 8, 24, 24), w=(16, 8, 3, 3), padding=2, dilation=2, dtype="float64"),
    dict(name="max-pool 2x2 f32", kind="maxpool", x=(64, 8, 28, 28), size=2, dtype="float32", goal=0.88),
    dict(name="max-pool 2x2 f64", kind="maxpool", x=(8, 64, 32, 32), size=2, dtype="float64", goal=0.88),
    dict(name="max-pool 3x3 s2 f32", kind="maxpool", x=(64, 8, 28, 28), size=3, stride=2, dtype="float32"),
    dict(name="seed conv+pool", kind="seed", x=(1, 1, 5, 5), w=(1, 1, 2, 2), dtype="float64", goal_us=100.0),
]  # fmt: skip


_CONV_DEFAULTS = dict(stride=1, padding=0, dilation=1)


def _make(case, rng, with_products=True):
    """Return (cnnbp_step, loops_step, shape text, arrays, products step or None) for one case."""
    dt = np.dtype(case["dtype"])
    x = rng.standard_normal(case["x"]).astype(dt)
    kind = case["kind"]
    if kind == "conv" or kind == "seed":
        w = rng.standard_normal(case["w"]).astype(dt)
        b = rng.standard_normal(case["w"][0]).astype(dt)
        hp = {k: case.get(k, v) for k, v in _CONV_DEFAULTS.items()}
        y = cnnbp.conv2d(x, w, b, **hp)
        dy = rng.standard_normal(y.shape).astype(dt)
        # name every setting that differs from conv2d's default (padding 1 is not a default)
        shape = f"x {case['x']}, w {case['w']}" + "".join(
            f", {k} {v}" for k, v in hp.items() if v != _CONV_DEFAULTS[k]
        )
    else:
        size, stride = case["size"], case.get("stride")
        y = cnnbp.max_pool2d(x, size, stride)
        dy = rng.standard_normal(y.shape).astype(dt)
        shape = f"x {case['x']}, size {size}" + ("" if stride is None else f", stride {stride}")

    if kind == "conv":

        def ours(m=cnnbp):
            m.conv2d(x, w, b, **hp)
            return m.conv2d_backward(dy, x, w, **hp)

    elif kind == "maxpool":

        def ours(m=cnnbp):
            m.max_pool2d(x, size, stride)
            return m.max_pool2d_backward(dy, x, size, stride)

    else:  # the seed's conv -> 2x2 max-pool, forward and backward
        yc = cnnbp.conv2d(x, w, b)
        dyp = rng.standard_normal(cnnbp.max_pool2d(yc).shape).astype(dt)

        def ours(m=cnnbp):
            yc = m.conv2d(x, w, b)
            m.max_pool2d(yc)
            d = m.max_pool2d_backward(dyp, yc)
            return m.conv2d_backward(d, x, w)

    def loop_step():
        return ours(loops)

    return (
        ours,
        loop_step,
        shape,
        (x, w if kind != "maxpool" else None, b if kind != "maxpool" else None, dy),
        _products(case, y.shape, rng) if kind == "conv" and with_products else None,
    )


def _products(case, y_shape, rng):
    """The three matrix products an im2col convolution cannot avoid, alone, at their sizes.

    Forward ``W @ cols``, the weight gradient ``dY @ cols.T`` and the input-gradient columns
    ``W.T @ dY``, with the batch folded into one product each (``cols`` is ``(C_in*kh*kw,
    N*H_out*W_out)``), on preallocated random operands, each in whichever orientation
    (``A @ B`` or ``(B.T @ A.T).T``) BLAS runs faster: a practical floor for any numpy
    implementation of the algorithm, whatever it does around the products.
    """
    dt = np.dtype(case["dtype"])
    co, k = case["w"][0], int(np.prod(case["w"][1:]))
    q = y_shape[0] * y_shape[2] * y_shape[3]
    wmat = rng.standard_normal((co, k)).astype(dt)
    cols = rng.standard_normal((k, q)).astype(dt)
    dyf = rng.standard_normal((co, q)).astype(dt)
    chosen = []
    for a, b in ((wmat, cols), (dyf, cols.T), (wmat.T, dyf)):
        pair = (lambda a=a, b=b: a @ b, lambda a=a, b=b: b.T @ a.T)
        best = [min(_one_call(f) for _ in range(5)) for f in pair]
        chosen.append(pair[int(best[1] < best[0])])

    def step():
        for f in chosen:
            f()

    return step


def _one_call(f):
    t0 = time.thread_time()
    f()
    return time.thread_time() - t0


def _torch_step(case, arrays):
    import torch

    F = torch.nn.functional
    x, w, b, dy = arrays
    xt = torch.tensor(x, requires_grad=True)
    dyt = torch.tensor(dy)
    kind = case["kind"]
    if kind == "conv":
        wt = torch.tensor(w, requires_grad=True)
        bt = torch.tensor(b, requires_grad=True)
        hp = {k: case.get(k, v) for k, v in _CONV_DEFAULTS.items()}

        def step():
            xt.grad = wt.grad = bt.grad = None
            F.conv2d(xt, wt, bt, **hp).backward(dyt)

    elif kind == "maxpool":
        size, stride = case["size"], case.get("stride")

        def step():
            xt.grad = None
            F.max_pool2d(xt, size, stride).backward(dyt)

    else:
        wt = torch.tensor(w, requires_grad=True)
        bt = torch.tensor(b, requires_grad=True)
        yshape = F.max_pool2d(F.conv2d(xt, wt, bt), 2).shape
        dyp = torch.tensor(np.random.default_rng(1).standard_normal(tuple(yshape)).astype(x.dtype))

        def step():
            xt.grad = wt.grad = bt.grad = None
            F.max_pool2d(F.conv2d(xt, wt, bt), 2).backward(dyp)

    return step


def _calls_per_batch(f, target):
    """Calls per timed batch so that a batch lasts about `target` seconds."""
    f()
    t0 = time.thread_time()
    f()
    dt = time.thread_time() - t0
    return max(1, min(5000, int(target / max(dt, 1e-6))))


def _time_interleaved(funcs, repeats, target=0.002):
    """Median seconds per call of each function, timing their batches in alternation.

    Returns ``(cpu, wall)`` lists. ``cpu`` is the calling thread's CPU time
    (``time.thread_time``): everything runs on that one thread, and unlike the wall clock it
    does not count the time the scheduler gives to other processes on a shared machine.
    """
    counts = [_calls_per_batch(f, target) for f in funcs]
    cpu = [[] for _ in funcs]
    wall = [[] for _ in funcs]
    for _ in range(repeats):
        for k, (f, n) in enumerate(zip(funcs, counts, strict=True)):
            w0, c0 = time.perf_counter(), time.thread_time()
            for _ in range(n):
                f()
            c1, w1 = time.thread_time(), time.perf_counter()
            cpu[k].append((c1 - c0) / n)
            wall[k].append((w1 - w0) / n)
    return [float(np.median(s)) for s in cpu], [float(np.median(s)) for s in wall]


def _time_loops(loop_step, case):
    """One call of the loop version (slow: no repeats); None if it would take too long."""
    n_work = np.prod(case["x"]) * (np.prod(case["w"][1:]) * case["w"][0] if "w" in case else 4)
    if n_work > 3e6:
        return None
    t0 = time.thread_time()
    loop_step()
    return time.thread_time() - t0


def machine_info(torch_mod):
    info = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cnnbp": cnnbp.__version__,
        "torch": torch_mod.__version__ if torch_mod else None,
        "threads": int(os.environ["OPENBLAS_NUM_THREADS"]),
    }
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["processor"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    # A yardstick for reading absolute times across machines: one tiny numpy ufunc call.
    a = np.ones((1, 1, 5, 5))
    info["numpy_tiny_add_us"] = _time_interleaved([lambda: np.add(a, a)], 31)[0][0] * 1e6
    try:
        cfg = np.show_config(mode="dicts")
        info["blas"] = (
            f"{cfg['Build Dependencies']['blas']['name']} {cfg['Build Dependencies']['blas']['version']}"
        )
    except Exception:
        info["blas"] = None
    return info


def main(args) -> int:
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None
    if torch is not None:
        torch.set_num_threads(args.threads)
    repeats = 15 if args.quick else 61
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    rng = np.random.default_rng(0)
    rows = []
    for case in CASES:
        if only and case["name"] not in only:
            continue
        ours, loop_step, shape, arrays, products = _make(case, rng)
        row = dict(
            name=case["name"],
            kind=case["kind"],
            shape=shape,
            dtype=case["dtype"],
            goal=case.get("goal"),
            goal_us=case.get("goal_us"),
        )
        if torch is not None:
            theirs = _torch_step(case, arrays)
            steps = [ours, theirs] + ([products] if products else [])
            cpu, wall = _time_interleaved(steps, repeats)
            (t_ours, t_theirs), (w_ours, w_theirs) = cpu[:2], wall[:2]
            t_products = cpu[2] if products else None
            row.update(
                products_us=None if t_products is None else t_products * 1e6,
                products_ratio=None if t_products is None else t_products / t_theirs,
                cnnbp_us=t_ours * 1e6,
                torch_us=t_theirs * 1e6,
                ratio=t_ours / t_theirs,
                cnnbp_wall_us=w_ours * 1e6,
                torch_wall_us=w_theirs * 1e6,
            )
        else:
            steps = [ours] + ([products] if products else [])
            cpu, wall = _time_interleaved(steps, repeats)
            t_ours, w_ours = cpu[0], wall[0]
            row.update(products_us=cpu[1] * 1e6 if products else None, products_ratio=None)
            row.update(cnnbp_us=t_ours * 1e6, torch_us=None, ratio=None, cnnbp_wall_us=w_ours * 1e6)
            row.update(torch_wall_us=None)
        t_loop = _time_loops(loop_step, case)
        row["loops_us"] = None if t_loop is None else t_loop * 1e6
        met = []
        if row["goal"] is not None and row["ratio"] is not None:
            met.append(row["ratio"] <= row["goal"])
        if row["goal_us"] is not None:
            met.append(row["cnnbp_us"] <= row["goal_us"])
        row["met"] = all(met) if met else None
        rows.append(row)
        _print_row(row, torch is not None)
    result = dict(
        schema=1,
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        machine=machine_info(torch),
        method=(
            f"forward + backward per call; thread CPU time (time.thread_time), median over "
            f"{repeats} interleaved cnnbp/torch batches of ~2 ms each; wall-clock medians "
            f"recorded alongside; {args.threads} thread(s); one process"
        ),
        cases=rows,
    )
    if not args.no_write and not only:
        out = HERE / "results.json"
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwrote {out}")
    return 0


def _fmt(v, spec):
    return "-" if v is None else format(v, spec)


def _print_row(row, with_torch):
    global _HEADER_DONE
    if not _HEADER_DONE:
        if with_torch:
            print(
                f"{'case':<20} {'dtype':<8} {'cnnbp µs':>10} {'torch µs':>10} {'ratio':>6} "
                f"{'goal':>12}  met  {'products÷torch':>14}"
            )
        else:
            print(
                f"{'case':<20} {'dtype':<8} {'cnnbp µs':>10} {'loops µs':>12} {'loops÷cnnbp':>12}"
            )
        _HEADER_DONE = True
    goal = (
        " ".join(
            g
            for g in (
                _fmt(row["goal"], ".2f") if row["goal"] is not None else "",
                f"{row['goal_us']:.0f}µs" if row["goal_us"] is not None else "",
            )
            if g
        )
        or "-"
    )
    if with_torch:
        met = {True: "yes", False: "NO", None: "-"}[row["met"]]
        print(
            f"{row['name']:<20} {row['dtype']:<8} {row['cnnbp_us']:>10.1f} {row['torch_us']:>10.1f} "
            f"{_fmt(row['ratio'], '.2f'):>6} {goal:>12}  {met:<4} {_fmt(row['products_ratio'], '.2f'):>14}"
        )
    else:
        speedup = None if row["loops_us"] is None else row["loops_us"] / row["cnnbp_us"]
        print(
            f"{row['name']:<20} {row['dtype']:<8} {row['cnnbp_us']:>10.1f} "
            f"{_fmt(row['loops_us'], '.0f'):>12} {_fmt(speedup, '.0f'):>12}"
        )
    sys.stdout.flush()


_HEADER_DONE = False

if __name__ == "__main__":
    sys.exit(main(ARGS))
