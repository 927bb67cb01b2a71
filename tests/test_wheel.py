"""The installed package's doctests, run as a user runs them.

The wheel is built from this checkout and installed into a fresh virtual environment that holds
only numpy and pytest; there, ``pytest --doctest-modules --pyargs cnnbp`` must pass. matplotlib
is not installed, so the examples of ``cnnbp.viz`` (its ``viz`` extra) must skip and say why.
"""

import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
COMMAND = ["pytest", "--doctest-modules", "--pyargs", "cnnbp"]


def _run(cmd, cwd, env):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    """``(bin directory, clean environment)`` of a venv with the wheel, numpy and pytest."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # the build backend of the running environment: no download, no copy of the repo's venv
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", tmp / "dist", ROOT], tmp, env)
    (wheel,) = (tmp / "dist").glob("cnnbp-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", tmp / "venv"], tmp, env)
    bin_dir = tmp / "venv" / ("Scripts" if os.name == "nt" else "bin")
    # this environment's pip installs into the new one; the versions already installed here,
    # so that pip finds them in its cache
    _run([sys.executable, "-m", "pip", "--python", bin_dir / "python", "install", "-q",
          f"numpy=={np.__version__}", f"pytest=={pytest.__version__}", wheel], tmp, env)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return bin_dir, env, tmp


def test_the_venv_has_no_matplotlib(wheel_venv):
    bin_dir, env, tmp = wheel_venv
    out = _run([bin_dir / "python", "-c", "import importlib.util as u; print(u.find_spec('matplotlib'))"],
               tmp, env)
    assert out.strip() == "None"


def test_doctests_of_the_installed_wheel_pass(wheel_venv):
    bin_dir, env, tmp = wheel_venv
    out = _run([bin_dir / COMMAND[0], *COMMAND[1:]], tmp, env)  # exactly the user's command
    summary = out.strip().splitlines()[-1]
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|skipped|failed|error)", summary)}
    assert counts.get("passed", 0) > 40 and "failed" not in counts and "error" not in counts, out
    assert counts.get("skipped", 0) > 0, f"the cnnbp.viz examples were not skipped:\n{out}"
    # the same run with the skip reasons reported: every skipped example is a cnnbp.viz one
    reasons = _run([bin_dir / COMMAND[0], *COMMAND[1:], "-rs"], tmp, env)
    skips = [line for line in reasons.splitlines() if line.startswith("SKIPPED")]
    assert skips and all("pip install 'cnnbp[viz]'" in line and "viz" in line for line in skips), reasons
