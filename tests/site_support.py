"""What the site tests share: the pages listed in ``mkdocs.yml`` and where they are built.

The fixtures that build, serve and open the site live in ``conftest.py``; this module holds the
plain helpers that several test files import (``tests/`` is on ``sys.path`` under pytest).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path, PurePath

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _nav_files(nav) -> list[str]:
    out: list[str] = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            out += _nav_files(value)
        else:
            out.append(value)
    return out


def url_of(src: str) -> str:
    """Directory URL of a docs file, relative to the site root (index.md -> '')."""
    stem = src.rsplit(".", 1)[0]
    if stem == "index":
        return ""
    return (stem[: -len("/index")] if stem.endswith("/index") else stem) + "/"


MKDOCS = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
NAV = _nav_files(MKDOCS["nav"])
PAGES = [(src, url_of(src)) for src in NAV]
# The mkdocs-jupyter options; its `include` globs are the one list of the notebook pages.
JUPYTER = next(
    p["mkdocs-jupyter"] for p in MKDOCS["plugins"] if isinstance(p, dict) and "mkdocs-jupyter" in p
)
# Run as a script by tests/test_training.py, which also checks what it computes.
TRAINING_PAGE = "training/01_digits.py"


def is_notebook(src: str) -> bool:
    """A page mkdocs-jupyter renders (the notebook pages are jupytext .py files)."""
    path = PurePath(DOCS / src)
    return src.endswith(".py") and any(path.match(glob) for glob in JUPYTER["include"])


NOTEBOOK_PAGES = [src for src in NAV if is_notebook(src)]


def draws_figures(src: str) -> bool:
    """A notebook page that uses matplotlib (directly or via cnnbp.viz) must show a figure."""
    if not is_notebook(src) or not (DOCS / src).is_file():
        return False  # a missing page fails the strict build, with a clearer message
    text = (DOCS / src).read_text(encoding="utf-8")
    # An import, not the `# %matplotlib inline` magic every page starts with.
    return bool(
        re.search(
            r"^\s*(import|from) (matplotlib|cnnbp\.viz)\b|^from cnnbp import[^\n]*\bviz\b",
            text,
            re.M,
        )
    )


# A figure in built HTML: an image output (PNG, or SVG left as <img>) or an SVG figure that
# hooks/readability.py inlined.
FIGURE_HTML = re.compile(r'<img[^>]+src="data:image/(?:png|svg|jpeg)|<svg class="cnnbp-figure"')
# The same, for a page open in the browser.
FIGURE_SELECTOR = ".jp-OutputArea img, .jp-RenderedImage img, svg.cnnbp-figure"


@functools.cache
def load_hook(name: str):
    """A module of ``hooks/``, imported from its path as MkDocs imports it (with ``hooks/`` on
    ``sys.path`` meanwhile, for the modules it imports from there)."""
    spec = importlib.util.spec_from_file_location(f"hooks_{name}", ROOT / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "hooks"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "hooks"))
    return module


@dataclass
class Build:
    site: Path
    seconds: float
    log: str


def stop(proc: subprocess.Popen, reader) -> None:
    """End a `mkdocs serve` started by a test, and the thread reading its output."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    reader.join(timeout=30)  # it ends at the pipe's EOF; then the pipe can be closed
    proc.stdout.close()


@contextlib.contextmanager
def serve_http(handler, site: Path):
    """Serve the folder `site` on a free local port with `handler`; yields its root URL."""
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(site))
    )
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
