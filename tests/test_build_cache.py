"""The notebook pages' execution cache (``hooks/notebooks.py``).

First what its key covers, on made-up notebooks (no kernel); then a tiny site built with the
site's own hooks and mkdocs-jupyter settings, edited in each way that matters, to show which
pages each kind of edit executes again and that the edit shows.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import jupytext
import pytest
import yaml
from site_support import JUPYTER, ROOT, load_hook, stop

nbhook = load_hook("notebook_cache")
HOOK = load_hook("notebooks")

SETTINGS = {"kernel_name": "python3", "allow_errors": False}

PAGE = """\
# %% [markdown]
# # A page
#
# Some prose.

# %%
x = 6 * 7

# %% tags=["remove-input"]
print(x)
"""


def _key(text: str, *, tree="tree", environment="env", settings=SETTINGS) -> str:
    code = nbhook.code_digest(jupytext.reads(text, fmt="py:percent"))
    return nbhook.execution_key(
        "nb/page.py", code, tree=tree, environment=environment, settings=settings
    )


# -- what the key covers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "new"),
    [
        (("Some prose.", "Other prose, and $x$."), False),
        (("# # A page", "# # A page, renamed\n#\n# ## A section"), False),
        (("x = 6 * 7", "x = 6 * 8"), True),
        (("print(x)", "print(x)  # a comment"), True),
        (('tags=["remove-input"]', 'tags=["raises-exception"]'), True),
        (("\n# %%\nx", "\n# %%\ny = 0\n\n# %%\nx"), True),  # a new code cell
    ],
    ids=["prose", "headings", "code", "comment", "tags", "new-cell"],
)
def test_the_key_covers_code_cells_and_their_tags_not_prose(edit, new):
    assert (_key(PAGE.replace(*edit)) != _key(PAGE)) is new


@pytest.mark.parametrize(
    "change",
    [
        {"tree": "another tree"},
        {"environment": "another environment"},
        {"settings": {**SETTINGS, "kernel_name": "other"}},
        {"settings": {**SETTINGS, "allow_errors": True}},
    ],
    ids=["watched-files", "installed-versions", "kernel", "allow-errors"],
)
def test_the_key_covers_the_watched_files_the_environment_and_the_settings(change):
    assert _key(PAGE, **change) != _key(PAGE)


def test_the_key_covers_the_code_that_executes_the_pages(monkeypatch):
    before = _key(PAGE)
    monkeypatch.setattr(nbhook, "_CODE", nbhook._CODE + b"# an edit\n")
    assert _key(PAGE) != before


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A two-cell notebook executed in a project folder, with MPLBACKEND=Agg inherited."""
    root = tmp_path_factory.mktemp("sample")
    (root / "data.txt").write_text("42\n")
    nb = jupytext.reads(
        "# %%\nfrom pathlib import Path\nprint(Path('data.txt').read_text())\n\n"
        "# %%\nimport matplotlib.pyplot as plt\n\nplt.plot([0, 1], [1, 0])\n",
        fmt="py:percent",
    )
    env = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    try:
        opened, imported = nbhook.execute(
            nb,
            label="sample.py",
            source_text="",
            root=root,
            skip=[],
            kernel_name="python3",
            allow_errors=False,
        )
    finally:
        if env is None:
            del os.environ["MPLBACKEND"]
        else:
            os.environ["MPLBACKEND"] = env
    return nb, opened, imported


def test_execution_records_the_files_a_page_read(sample):
    nb, opened, _ = sample
    assert nb.cells[0].outputs[0]["text"] == "42\n\n"
    assert opened == ["data.txt"]  # and nothing of Python's or of the installed packages


def test_execution_records_the_distributions_the_kernel_loaded(sample):
    _, _, imported = sample
    from importlib.metadata import packages_distributions

    used = nbhook.distributions_of(imported, packages_distributions())
    # matplotlib (and numpy under it) imported by the page, ipykernel by the kernel itself
    assert {"matplotlib", "numpy", "ipykernel"} <= set(used)
    assert "torch" not in used and "scipy" not in used


def test_figures_survive_an_inherited_mplbackend_agg(sample):
    nb, _, _ = sample
    assert any("image/png" in out.get("data", {}) for out in nb.cells[1].outputs), nb.cells[1]


@pytest.fixture
def package(tmp_path):
    """A copy of the cnnbp package, to edit."""
    pkg = tmp_path / "cnnbp"
    shutil.copytree(ROOT / "cnnbp", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    return pkg


@pytest.mark.parametrize(
    ("edit", "new"),
    [
        (lambda pkg: (pkg / "conv.py").write_text((pkg / "conv.py").read_text() + "\n#\n"), True),
        (lambda pkg: (pkg / "extra.py").write_text(""), True),
        (lambda pkg: (pkg / "conv.py").rename(pkg / "conv2.py"), True),
        (lambda pkg: (pkg / "viz" / "style.py").write_text("# emptied\n"), True),
        (
            lambda pkg: (
                (pkg / "__pycache__").mkdir() or (pkg / "__pycache__" / "a.pyc").write_bytes(b"0")
            ),
            False,
        ),
    ],
    ids=["edit", "new-file", "rename", "subpackage", "bytecode"],
)
def test_any_change_under_the_package_changes_its_digest(package, edit, new):
    before = nbhook.tree_digest([package])
    edit(package)
    assert (nbhook.tree_digest([package]) != before) is new


def test_the_package_digest_does_not_depend_on_where_the_project_is(package):
    # (a project moved, or a CI cache restored elsewhere, keeps its keys)
    assert nbhook.tree_digest([package]) == nbhook.tree_digest([ROOT / "cnnbp"])


@pytest.mark.parametrize("dist", ["numpy", "nbclient", "jupyter-client", "scikit-learn"])
def test_installed_versions_are_read_right(dist):
    from importlib.metadata import version

    assert nbhook.installed()[dist] == version(dist)


@pytest.mark.parametrize(
    ("change", "valid"),
    [
        (lambda root, versions: None, True),
        (lambda root, versions: (root / "data.txt").write_text("other\n"), False),
        (lambda root, versions: (root / "data.txt").unlink(), False),
        (lambda root, versions: (root / "absent.txt").write_text("here now\n"), False),
        (lambda root, versions: versions.update(numpy="0.0.1"), False),
        (lambda root, versions: versions.pop("numpy"), False),
        (lambda root, versions: versions.update(torch="9.9"), True),  # not loaded by the page
    ],
    ids=["nothing", "file-edited", "file-deleted", "file-created", "upgrade", "uninstall", "other"],
)
def test_a_stored_execution_is_used_only_while_its_deps_are_unchanged(tmp_path, change, valid):
    (tmp_path / "data.txt").write_text("42\n")
    versions = {"numpy": "2.0.0", "matplotlib": "3.9.0"}
    installed = dict(versions)
    deps = {
        "reads": {
            "data.txt": nbhook.file_state(tmp_path / "data.txt"),
            "absent.txt": nbhook.file_state(tmp_path / "absent.txt"),
        },
        "imports": versions,
    }
    assert nbhook.deps_unchanged(deps, root=tmp_path, versions=installed)
    change(tmp_path, installed)
    assert nbhook.deps_unchanged(deps, root=tmp_path, versions=installed) is valid


def test_the_render_copy_has_the_current_prose_and_the_stored_outputs():
    executed = jupytext.reads(PAGE, fmt="py:percent")
    for n, cell in enumerate(c for c in executed.cells if c.cell_type == "code"):
        cell.execution_count = n + 1
        cell.outputs = [{"output_type": "stream", "name": "stdout", "text": f"out {n}\n"}]
    edited = PAGE.replace("Some prose.", "New prose.")
    copies = [
        nbhook.dumps(
            nbhook.render_copy(
                jupytext.reads(edited, fmt="py:percent"),
                executed,
                stamp={"key": "k"},
                kernel_name="python3",
            )
        )
        for _ in range(2)
    ]
    # jupytext gives cells new random ids at every read; the copy must not change with them
    assert copies[0] == copies[1]
    copy = jupytext.reads(copies[0], fmt="ipynb")
    assert "New prose." in copy.cells[0].source
    assert [c.outputs[0]["text"] for c in copy.cells if c.cell_type == "code"] == [
        "out 0\n",
        "out 1\n",
    ]
    assert copy.metadata["cnnbp"]["key"] == "k"


def test_code_cell_lines_point_at_each_cells_first_line():
    nb = jupytext.reads(PAGE, fmt="py:percent")
    lines = PAGE.splitlines()
    found = nbhook.code_cell_lines(PAGE, nb)
    assert [lines[n - 1] for n in found] == ["x = 6 * 7", "print(x)"]


# -- a tiny site, built and edited ---------------------------------------------------------------

PAGE_A = """\
# %% [markdown]
# # Page A
#
# The first version of the prose.

# %%
print("a says", 6 * 7)
"""

PAGE_B = """\
# %% [markdown]
# # Page B

# %%
from pathlib import Path

print("b read", Path("data.txt").read_text().strip())
"""

PAGE_C = """\
# %% [markdown]
# # Page C

# %%
x = 1

# %%
y = x / 0
"""


HOOKS = ("notebooks.py", "notebook_html.py")  # listed under hooks:
HOOK_FILES = (*HOOKS, "notebook_cache.py")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A site with two notebook pages (one reads data.txt), a watched folder, and the site's hooks."""
    root = tmp_path_factory.mktemp("tiny")
    (root / "docs" / "nb").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Tiny\n")
    (root / "docs" / "nb" / "a.py").write_text(PAGE_A)
    (root / "docs" / "nb" / "b.py").write_text(PAGE_B)
    (root / "data.txt").write_text("first data\n")
    (root / "pkg").mkdir()
    (root / "pkg" / "mod.py").write_text("VALUE = 1\n")
    (root / "hooks").mkdir()
    for name in HOOK_FILES:
        shutil.copy(ROOT / "hooks" / name, root / "hooks" / name)
    config = {
        "site_name": "tiny",
        "theme": {"name": "mkdocs"},
        "watch": ["pkg", "hooks"],
        "hooks": [f"hooks/{hook}" for hook in HOOKS],
        # The site's own mkdocs-jupyter settings (render options included), on this folder.
        "plugins": [{"mkdocs-jupyter": {**JUPYTER, "include": ["docs/nb/*"]}}],
    }
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config))
    first = _build(root)
    assert first.returncode == 0, first.log
    return root, first


class _Built:
    def __init__(self, root, proc):
        self.root, self.returncode = root, proc.returncode
        self.log = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
        self.executed = set(re.findall(r"Executed (\S+) in", self.log))

    def page(self, name: str) -> str:
        return (self.root / "site" / "nb" / name / "index.html").read_text(encoding="utf-8")


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != nbhook.CACHE_ENV}
    return {**env, "NO_MKDOCS_2_WARNING": "1", "MPLBACKEND": "Agg", **extra}


def _build(root, **env) -> _Built:
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", "site"]
    proc = subprocess.run(
        cmd, cwd=root, env=_env(**env), capture_output=True, text=True, timeout=600, check=False
    )
    return _Built(root, proc)


@contextlib.contextmanager
def _edited(path, old: str, new: str):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    try:
        yield
    finally:
        path.write_text(text)


# Each edit is made to its own copy of the tiny site, caches included, as the first build left
# it; the copies are built two at a time. (file, old, new) replaces text; (file, None, text)
# writes a new file.
SCENARIOS = {
    "code-and-hook": [
        ("docs/nb/a.py", "6 * 7", "6 * 8"),
        ("hooks/notebook_html.py", '"""Tidy', '"""Still tidy'),
    ],
    "input-file": [("data.txt", "first data", "second data")],
    "watched-file": [("pkg/mod.py", "VALUE = 1", "VALUE = 2")],
    "cache-off": [],
    "raising-cell": [("docs/nb/c.py", None, PAGE_C)],
}


def _edited_copy(root, name: str, edits):
    copy = root.parent / f"{root.name}-{name}"
    shutil.copytree(root, copy)
    for file, old, new in edits:
        path = copy / file
        path.write_text(new if old is None else path.read_text().replace(old, new))
    return copy


@pytest.fixture(scope="module")
def edited(tiny):
    """Scenario name -> a future of the build of the tiny site with that edit."""
    root, _ = tiny
    copies = {name: _edited_copy(root, name, edits) for name, edits in SCENARIOS.items()}
    off = {nbhook.CACHE_ENV: "off"}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="tiny-build") as pool:
        yield {
            name: pool.submit(_build, copy, **(off if name == "cache-off" else {}))
            for name, copy in copies.items()
        }


def test_the_first_build_executes_every_page(tiny):
    root, first = tiny
    assert first.executed == {"docs/nb/a.py", "docs/nb/b.py"}
    assert "a says 42" in first.page("a")
    assert "b read first data" in first.page("b")
    # the download button's file: the page's source, byte for byte
    assert (root / "site" / "nb" / "a" / "a.py").read_bytes() == (
        root / "docs/nb/a.py"
    ).read_bytes()


def test_a_code_edit_executes_only_that_page_and_a_hook_edit_nothing(edited):
    # (an edit to hooks/notebook_cache.py changes every key: see the key tests above)
    built = edited["code-and-hook"].result()
    assert built.returncode == 0, built.log
    assert built.executed == {"docs/nb/a.py"}
    assert "a says 48" in built.page("a")
    # both are rendered again: the hooks are part of what mkdocs-jupyter's render cache keys on
    assert built.log.count("Cache miss") == 2, built.log


def test_a_changed_input_file_executes_only_the_page_that_read_it(edited):
    built = edited["input-file"].result()
    assert built.returncode == 0, built.log
    assert built.executed == {"docs/nb/b.py"}
    assert "b read second data" in built.page("b")


def test_a_change_under_watch_executes_every_page(edited):
    built = edited["watched-file"].result()
    assert built.returncode == 0, built.log
    assert built.executed == {"docs/nb/a.py", "docs/nb/b.py"}


def test_the_cache_off_variable_executes_every_page_and_stores_nothing(tiny, edited):
    root, _ = tiny
    built = edited["cache-off"].result()
    assert built.returncode == 0, built.log
    assert built.executed == {"docs/nb/a.py", "docs/nb/b.py"}
    assert "Cache hit" not in built.log  # mkdocs-jupyter's render cache is off too

    def entries(site):
        folder = site / HOOK.CACHE_DIR / "executed"
        return {p.relative_to(site): p.stat().st_mtime_ns for p in folder.rglob("*.ipynb")}

    assert entries(built.root) == entries(root)  # the copy's, as copied


def test_a_raising_cell_fails_the_build_naming_the_page_and_the_cell(edited):
    built = edited["raising-cell"].result()
    assert built.returncode != 0
    line = PAGE_C.splitlines().index("y = x / 0") + 1
    assert f"docs/nb/c.py: code cell 2 of 2 (line {line}) raised ZeroDivisionError" in built.log
    assert not list((built.root / HOOK.CACHE_DIR / "executed" / "nb" / "c.py").glob("*.ipynb"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode("utf-8", "replace")


def test_serve_builds_an_unchanged_tree_and_a_prose_edit_without_executing(tiny):
    """Under `mkdocs serve` as with `mkdocs build` (every serve rebuild is a full build)."""
    root, _ = tiny
    port = _free_port()
    cmd = [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(
        cmd, cwd=root, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout], daemon=True)
    reader.start()
    log: list[str] = []

    def wait_for(pattern: str, seconds: float, start: int = 0) -> None:
        deadline = time.monotonic() + seconds
        while not any(re.search(pattern, ln) for ln in log[start:]):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(log[-40:])
            with contextlib.suppress(queue.Empty):
                log.append(lines.get(timeout=0.5))

    try:
        wait_for(r"Serving on", 300)
        # An unchanged tree: nothing executed, and the same render copies (render cache hits).
        assert "Notebooks: 0 executed, 2 from the cache" in "".join(log)
        assert "".join(log).count("Cache hit") == 2
        url = f"http://127.0.0.1:{port}/nb/a/"
        assert "The first version" in _get(url)
        served = len(log)
        with _edited(root / "docs/nb/a.py", "The first version", "An edited version"):
            wait_for(r"Documentation built", 300, start=served)
            page = _get(url)
            assert "An edited version of the prose" in page
            assert "a says 42" in page
        rebuild = "".join(log[served:])
        assert "Notebooks: 0 executed" in rebuild, rebuild
    finally:
        stop(proc, reader)
