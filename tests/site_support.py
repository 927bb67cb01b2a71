"""What the site tests share: the pages listed in ``mkdocs.yml`` and where they are built.

The fixtures that build, serve and open the site live in ``conftest.py``; this module holds the
plain helpers that several test files import (``tests/`` is on ``sys.path`` under pytest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

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
NOTEBOOK_DIRS = ("example", "beyond", "training", "performance", "appendix")


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


NAV = _nav_files(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])
PAGES = [(src, url_of(src)) for src in NAV]


def is_notebook(src: str) -> bool:
    return src.endswith(".py") and src.split("/")[0] in NOTEBOOK_DIRS


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


@dataclass
class Build:
    site: Path
    seconds: float
    log: str
