"""Every notebook page also runs as a plain script, as "Run one page" in the docs promises.

The site build executes the pages in a Jupyter kernel; a reader who downloads a page's ``.py``
and runs ``python page.py`` has no kernel and no ``%matplotlib inline``, and IPython's
``display`` would print ``<IPython.core.display.Markdown object>`` for generated text (hence
``cnnbp.viz.show_markdown``). Each page runs here in a fresh interpreter from the repository
root, with ``MPLBACKEND=Agg`` so that figures are drawn off-screen. (The training page is run
the same way by ``tests/test_training.py``, which also checks its results.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    p.relative_to(ROOT).as_posix()
    for folder in ("example", "beyond", "performance", "appendix")
    for p in (ROOT / "docs" / folder).glob("*.py")
)


def test_every_notebook_folder_is_covered():
    folders = {p.parent.name for p in (ROOT / "docs").glob("*/*.py")}
    assert folders == {"example", "beyond", "performance", "training", "appendix"}


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_as_a_plain_script(page):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, page], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, f"`python {page}` failed:\n{proc.stderr[-3000:]}"
    assert "Warning" not in proc.stderr, f"`python {page}` warned:\n{proc.stderr[-3000:]}"
    # generated tables and sentences must be readable here too (cnnbp.viz.show_markdown)
    assert "<IPython.core.display" not in proc.stdout, f"`python {page}` printed object reprs"
