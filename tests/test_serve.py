"""The README's first command: ``mkdocs serve`` serves the site at the address the README gives.

``tests/test_site.py`` checks a static build page by page; this starts the development server
the way a reader does (on a free port instead of 8000, which may be taken) and fetches a few
pages from it, so that a hook or setting that only breaks ``serve`` fails here. It starts after
the static build, so every notebook page comes from the execution cache that build filled.
(``tests/test_build_cache.py`` edits a page under ``mkdocs serve`` on a small site of its own.)
"""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from site_support import load_hook, stop

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = load_hook("notebook_cache")


def _readme_url() -> str:
    """The address the README tells readers to open after `mkdocs serve`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"\*\*Serve the site\*\* at <(http://127\.0\.0\.1:8000/[^>]*)>", text)
    assert found, "README.md must name the served address as **Serve the site** at <http://...>"
    return found.group(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.status, r.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def served(built_site):
    """Base URL of a running `mkdocs serve` (with the README's path) and its log so far."""
    port = _free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout], daemon=True)
    reader.start()
    log: list[str] = []
    deadline = time.monotonic() + 600
    try:
        while not any("Serving on" in ln for ln in log):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("`mkdocs serve` did not start:\n" + "".join(log[-60:]), pytrace=False)
            try:
                log.append(lines.get(timeout=1))
            except queue.Empty:
                pass
        yield _readme_url().replace(":8000/", f":{port}/"), log
    finally:
        stop(proc, reader)


def test_serve_announces_the_readme_address(served):
    url, log = served
    assert any(f"Serving on {url}" in ln for ln in log), "".join(log[-20:])


def test_serve_reuses_what_the_static_build_executed(built_site, served):
    if not built_site.log:
        pytest.xfail("CNNBP_SITE_PREBUILT: the static build did not run here")
    if not NOTEBOOKS.cache_enabled():
        pytest.xfail(f"{NOTEBOOKS.CACHE_ENV} is off: every build executes every page")
    _, log = served
    summary = next((ln for ln in log if "Notebooks:" in ln), "")
    assert "Notebooks: 0 executed" in summary, "".join(log[-40:])


@pytest.mark.parametrize(
    ("page", "must_contain"),
    [
        ("", "cnnbp"),
        ("example/01_forward/", "jp-OutputArea"),  # a notebook page, executed
        ("reference/conv/", "conv2d_backward"),  # an API page from the docstrings
        ("javascripts/mathjax/tex-chtml.js", "MathJax"),  # the math renderer, served locally
    ],
    ids=["home", "notebook", "api", "mathjax"],
)
def test_serve_serves_the_pages(served, page, must_contain):
    url, _ = served
    status, body = _get(url + page)
    assert status == 200
    assert must_contain in body
