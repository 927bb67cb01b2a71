"""Project-level checks: lint, and the README's promises that CI relies on."""

import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _ruff():
    exe = shutil.which("ruff") or str(pathlib.Path(sys.executable).with_name("ruff"))
    if not pathlib.Path(exe).exists():
        pytest.fail("ruff is not installed; it comes with the test extra: pip install -e '.[test]'")
    return exe


def test_ruff_clean():
    proc = subprocess.run([_ruff(), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, f"ruff check failed:\n{proc.stdout}\n{proc.stderr}"


def _block_after(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    m = re.search(re.escape(marker) + r"\s*```bash\n(.*?)\n```", text, re.S)
    assert m, f"README.md has no bash block after {marker}"
    return m.group(1).strip()


@pytest.mark.parametrize(
    ("marker", "must_run"),
    [("<!-- serve-command -->", "mkdocs serve"), ("<!-- test-command -->", "pytest")],
    ids=["serve", "test"],
)
def test_readme_command_is_one_line(marker, must_run):
    cmd = _block_after(marker)
    assert "\n" not in cmd, f"the README's {marker} block must be a single command, got:\n{cmd}"
    assert must_run in cmd


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    # .ci/run extracts the command from the README rather than restating it.
    assert "<!-- test-command -->" in ci
    assert 'eval "$cmd"' in ci


def test_readme_example_runs():
    """The README's code sample is the first thing a visitor copies: it must run as printed."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)\n```", text, re.S)
    assert blocks, "README.md has no python code block"
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    # The sample ends in a gradient check; it returns the relative error it measured.
    assert namespace["dw"].shape == namespace["w"].shape


_MODULES = ["activations", "conv", "dense", "gradcheck", "loops", "losses", "nn", "pool", "seed", "views", "viz"]


def _public_callables():
    import importlib
    import inspect

    for name in _MODULES:
        mod = importlib.import_module(f"cnnbp.{name}")
        for attr in mod.__all__:
            obj = getattr(mod, attr)
            if callable(obj):
                yield pytest.param(inspect.getdoc(obj) or "", id=f"{name}.{attr}")


@pytest.mark.parametrize("doc", list(_public_callables()))
def test_public_callable_has_a_doctest_example(doc):
    """Every public function and class shows itself in a runnable Examples section."""
    assert "Examples\n--------" in doc and ">>>" in doc.split("Examples\n--------", 1)[1]
