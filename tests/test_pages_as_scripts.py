"""Every notebook page also runs as a plain script, as "Run one page" in the docs promises.

The site build executes the pages in a Jupyter kernel; a reader who downloads a page's ``.py``
and runs ``python page.py`` has no kernel and no ``%matplotlib inline``, and IPython's
``display`` would print ``<IPython.core.display.Markdown object>`` for generated text (hence
``cnnbp.viz.show_markdown``). Each page runs here in a fresh interpreter from the repository
root, with ``MPLBACKEND=Agg`` so that figures are drawn off-screen, two at a time (the first
test starts them all). The training page is run the same way by ``tests/test_training.py``,
which also checks its results.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from site_support import DOCS, NOTEBOOK_PAGES, ROOT, TRAINING_PAGE

SCRIPT_PAGES = [src for src in NOTEBOOK_PAGES if src != TRAINING_PAGE]


def test_every_py_under_docs_is_a_notebook_page():
    # A .py that is not one would be neither rendered as a notebook nor run below.
    loose = [
        p.relative_to(DOCS).as_posix()
        for p in DOCS.rglob("*.py")
        if p.relative_to(DOCS).as_posix() not in NOTEBOOK_PAGES
    ]
    assert not loose, f"not notebook pages in mkdocs.yml's nav and include globs: {loose}"
    assert TRAINING_PAGE in NOTEBOOK_PAGES


def _run(src: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, f"docs/{src}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def runs(request):
    """The pages selected for this run, started two at a time as soon as the first one is due."""
    selected = [
        item.callspec.params["src"]
        for item in request.session.items
        if getattr(item, "module", None) is request.module and hasattr(item, "callspec")
    ]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="page-script") as pool:
        yield {src: pool.submit(_run, src) for src in selected}


@pytest.mark.parametrize("src", SCRIPT_PAGES)
def test_page_runs_as_a_plain_script(runs, src):
    proc = runs[src].result()
    page = f"docs/{src}"
    assert proc.returncode == 0, f"`python {page}` failed:\n{proc.stderr[-3000:]}"
    assert "Warning" not in proc.stderr, f"`python {page}` warned:\n{proc.stderr[-3000:]}"
    # generated tables and sentences must be readable here too (cnnbp.viz.show_markdown)
    assert "<IPython.core.display" not in proc.stdout, f"`python {page}` printed object reprs"
