"""Project-level checks: lint, the code-size budgets, and the README's promises that CI relies on."""

import ast
import io
import pathlib
import re
import shutil
import subprocess
import sys
import tokenize

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


def code_lines(path: pathlib.Path) -> int:
    """Lines of `path` holding code: no blank lines, comments or docstrings (any statement
    that is a bare string, so attribute docstrings too)."""
    source = path.read_text()
    doc = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            doc.update(range(node.lineno, node.end_lineno + 1))
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER}
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in skip:
            lines.update(range(tok.start[0], tok.end[0] + 1))
    return len(lines - doc)


def test_code_lines_counts_code_only(tmp_path):
    f = tmp_path / "m.py"
    f.write_text('"""Doc\nstring."""\n\n# a comment\nx = (1,\n     2)  # why\n"""attribute doc"""\n'
                 'def f():\n    """doc"""\n    return """not a\ndocstring"""\n')
    assert code_lines(f) == 5  # the tuple's two lines, def, and the returned string's two


# Issue 13: the package outside cnnbp.viz (the site's figure and table helpers), and the
# convolution and pooling implementation (conv, pool and their private module).
BUDGETS = {"package outside cnnbp.viz": 1350, "conv + pool + _im2col": 300}


def test_code_line_budgets():
    package = ROOT / "cnnbp"
    counts = {p.relative_to(package).as_posix(): code_lines(p) for p in package.rglob("*.py")}
    totals = {
        "package outside cnnbp.viz": sum(n for f, n in counts.items() if not f.startswith("viz/")),
        "conv + pool + _im2col": sum(counts[f] for f in ("conv.py", "pool.py", "_im2col.py")),
    }
    over = {k: (totals[k], limit) for k, limit in BUDGETS.items() if totals[k] > limit}
    assert not over, f"code lines over budget (count, budget): {over}; per file: {counts}"
