"""Time this checkout's conv and max-pool against another checkout of cnnbp, side by side.

Usage (from the repository root)::

    git worktree add ../cnnbp-old <commit>                 # the code to compare against
    python benchmarks/compare.py ../cnnbp-old              # 7 rounds, writes compare.json
    python benchmarks/compare.py ../cnnbp-old --rounds 11 --only "tiny conv,seed conv+pool"

Each round times every case of ``run.py`` (forward + backward, thread CPU time, median over
batches of about 2 ms) once per checkout, each time in a process of its own with the cnnbp of
that checkout first on ``sys.path``, the two processes of a case one after the other in
alternating order (A B, then B A, ...). Processes rather than one interpreter, so that neither
version warms the other's caches or allocator; one case per process and alternation, so that
the two times of a pair are taken seconds apart and a slow spell on a shared machine hits
both alike. Per case the script prints the median
of each version's per-process medians, and the ratio *this ÷ other* of every round's pair:
its median and its range (a wide range says the machine was noisy; re-run). Every case runs
without ``--only``, and ``benchmarks/compare.json`` is written (schema in ``benchmarks/README.md``).
"""

from __future__ import annotations

import argparse
import datetime
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
            ours = run._make(case, np.random.default_rng(0), with_products=False)[0]
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
    p.add_argument("--rounds", type=int, default=7, help="pairs of processes per case (default 7)")
    p.add_argument("--repeats", type=int, default=15, help="timed batches per case and process")
    p.add_argument("--only", default="", help="comma-separated case names (nothing is written)")
    p.add_argument("--no-write", action="store_true", help="do not write compare.json")
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
    times: dict[str, list[dict]] = {"this": [{} for _ in range(args.rounds)],
                                    "other": [{} for _ in range(args.rounds)]}
    for r in range(args.rounds):
        for i, name in enumerate(names):  # one case per process: a pair runs seconds apart
            for label in ("this", "other") if (r + i) % 2 else ("other", "this"):
                times[label][r].update(_run_one(trees[label], [name], args.repeats))
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
                   ratio_min=min(ratios), ratio_max=max(ratios), ratios=ratios)
        rows.append(row)
        print(f"{name:<22} {row['this_us']:>10.1f} {row['other_us']:>10.1f} {row['ratio']:>6.2f} "
              f"{row['ratio_min']:>6.2f} {row['ratio_max']:>6.2f}")
    if not args.no_write and not args.only:
        result = dict(
            schema=1,
            created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            this=_commit(trees["this"]),
            other=_commit(trees["other"]),
            rounds=args.rounds,
            repeats=args.repeats,
            machine=run.machine_info(None),
            method=(
                f"forward + backward per call; thread CPU time, median over {args.repeats} "
                f"batches of ~2 ms in a process per case and checkout; {args.rounds} rounds, "
                "the two processes of a case in alternating order; per case the median of each "
                "checkout's process medians and of the rounds' ratios this/other, with their range"
            ),
            cases=rows,
        )
        (HERE / "compare.json").write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwrote {HERE / 'compare.json'}")
    return 0


def _commit(tree: pathlib.Path) -> str:
    """The checkout's commit, short, marked when the work tree has uncommitted changes."""
    git = ["git", "-C", str(tree)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "cnnbp"], capture_output=True, text=True)
    return head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")


if __name__ == "__main__":
    sys.exit(main())
