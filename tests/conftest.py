"""Shared pytest fixtures: a seeded generator, and the built, served and opened site.

The site fixtures are session-scoped, so every test file that needs the site shares one build,
one server and one browser (the plain helpers they use are in ``site_support.py``).
"""

from __future__ import annotations

import http.server
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from site_support import CHROMIUM, CHROMIUM_ARGS, ROOT, Build, serve_http


@pytest.fixture
def rng():
    """A freshly seeded generator per test, so every test is reproducible on its own."""
    return np.random.default_rng(20180209)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Build:
    prebuilt = os.environ.get("CNNBP_SITE_PREBUILT")
    if prebuilt:
        # For iterating on these tests only: reuse a site built earlier with the same command.
        return Build(site=Path(prebuilt), seconds=float("nan"), log="")
    site = tmp_path_factory.mktemp("site")
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"  # deliberately: the site's hook must undo it
    env["NO_MKDOCS_2_WARNING"] = "1"
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    seconds = time.perf_counter() - t0
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        lines = re.sub(r"\x1b\[[0-9;]*m", "", log).splitlines()
        # From the first warning or error on: that is what failed the strict build.
        first = next(
            (i for i, ln in enumerate(lines) if re.match(r"(WARNING|ERROR)\b", ln)),
            max(0, len(lines) - 60),
        )
        pytest.fail(
            f"`mkdocs build --strict` failed (exit {proc.returncode}) after {seconds:.1f} s:\n"
            + "\n".join(ln for ln in lines[first : first + 80] if "IPKernelApp" not in ln),
            pytrace=False,
        )
    return Build(site=site, seconds=seconds, log=log)


def _browser_unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"Playwright's Python package is not importable ({exc}); pip install -e '.[test]'"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found; install Debian's chromium (apt-get install -y chromium)"
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def server(built_site):
    with serve_http(_QuietHandler, built_site.site) as root:
        yield root + "/"


@pytest.fixture(scope="session")
def browser():
    reason = _browser_unavailable()
    if reason:
        if os.environ.get("CNNBP_REQUIRE_BROWSER") == "1":
            pytest.fail(
                f"browser tests required (CNNBP_REQUIRE_BROWSER=1) but cannot run: {reason}"
            )
        pytest.skip(f"browser tests not run: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


