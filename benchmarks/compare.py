"""Time this checkout's conv and max-pool against another checkout of cnnbp, side by side.

Usage (from the repository root)::

    git worktree add ../cnnbp-old <commit>                 # the code to compare against
    python benchmarks/compare.py ../cnnbp-old              # 7 rounds over every case
    python benchmarks/compare.py ../cnnbp-old --rounds 11 --only "tiny conv,seed conv+pool"

Each round runs one process per checkout, in turn (A B, then B A, ...), and each process times
every case of ``run.py`` (forward + backward, thread CPU time, median over batches of about
2 ms) with the cnnbp of its checkout first on ``sys.path``. Processes rather than one
interpreter, so that neither version warms the other's caches or allocator; alternation, so
that a slow spell on a shared machine hits both alike. Per case the script prints the median
of each version's per-process medians, and the ratio *this ÷ other* of every round's pair:
its median and its range (a wide range says the machine was noisy; re-run).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent


def _child(run, names: list[str], repeats: int) -> None:
    """Time the named cases with the cnnbp that ``run`` imported; print ``{name: µs}``."""
    np = run.np
    out = {}
    for case in run.CASES:
        if case["name"] in names:
            ours = run._make(case, np.random.default_rng(0))[0]
            out[case["name"]] = run._time_interleaved([ours], repeats)[0][0] * 1e6
    print(json.dumps(out))


def _run_one(tree: pathlib.Path, names: list[str], repeats: int) -> dict:
    env = dict(os.environ, PYTHONPATH=f"{tree}{os.pathsep}{HERE}")
    cmd = [sys.executable, __file__, "--child", "--only", ",".join(names), "--repeats", str(repeats)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, cwd=HERE)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("other", nargs="?", help="root of the checkout to compare against")
    p.add_argument("--rounds", type=int, default=7, help="pairs of processes (default 7)")
    p.add_argument("--repeats", type=int, default=15, help="timed batches per case and process")
    p.add_argument("--only", default="", help="comma-separated case names")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    sys.path.insert(0, str(HERE))
    import run  # sets one BLAS thread before numpy loads; imports the cnnbp first on the path

    names = [s.strip() for s in args.only.split(",") if s.strip()] or [c["name"] for c in run.CASES]
    if args.child:
        _child(run, names, args.repeats)
        return 0
    if not args.other:
        p.error("give the root of the checkout to compare against")
    trees = {"this": HERE.parent, "other": pathlib.Path(args.other).resolve()}
    times: dict[str, list[dict]] = {"this": [], "other": []}
    for r in range(args.rounds):
        for label in ("this", "other") if r % 2 else ("other", "this"):
            times[label].append(_run_one(trees[label], names, args.repeats))
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    def median(v):
        v = sorted(v)
        return (v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2

    print(f"{'case':<22} {'this µs':>10} {'other µs':>10} {'ratio':>6} {'min':>6} {'max':>6}")
    rows = []
    for name in names:
        this, other = ([t[name] for t in times[k]] for k in ("this", "other"))
        ratios = [a / b for a, b in zip(this, other, strict=True)]
        row = dict(name=name, this_us=median(this), other_us=median(other), ratio=median(ratios),
                   ratio_min=min(ratios), ratio_max=max(ratios))
        rows.append(row)
        print(f"{name:<22} {row['this_us']:>10.1f} {row['other_us']:>10.1f} {row['ratio']:>6.2f} "
              f"{row['ratio_min']:>6.2f} {row['ratio_max']:>6.2f}")
    print(json.dumps(dict(other=str(trees["other"]), rounds=args.rounds, cases=rows)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
