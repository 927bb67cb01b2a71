"""The documentation site: built once with ``mkdocs build --strict``, then opened in a browser.

The build runs in a subprocess with ``MPLBACKEND=Agg`` set on purpose: that value silently drops
every notebook figure unless the site's hook removes it, and the figure checks below would fail.

The browser tests serve the built site on 127.0.0.1 from a thread and open every page in
headless Chromium (Debian's ``/usr/bin/chromium``) driven by Playwright's Python package.
Without Chromium or Playwright they are skipped with the reason; with ``CNNBP_REQUIRE_BROWSER=1``
(set in CI) they fail instead.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import yaml

pytestmark = pytest.mark.site

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
NOTEBOOK_DIRS = ("example", "beyond", "training", "performance")


# -- the pages ----------------------------------------------------------------------------------


def _nav_files(nav) -> list[str]:
    out: list[str] = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            out += _nav_files(value)
        else:
            out.append(value)
    return out


def _url_of(src: str) -> str:
    """Directory URL of a docs file, relative to the site root (index.md -> '')."""
    stem = src.rsplit(".", 1)[0]
    if stem == "index":
        return ""
    return (stem[: -len("/index")] if stem.endswith("/index") else stem) + "/"


NAV = _nav_files(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])
PAGES = [(src, _url_of(src)) for src in NAV]


def _is_notebook(src: str) -> bool:
    return src.endswith(".py") and src.split("/")[0] in NOTEBOOK_DIRS


def _draws_figures(src: str) -> bool:
    """A notebook page that uses matplotlib (directly or via cnnbp.viz) must show a figure."""
    if not _is_notebook(src) or not (DOCS / src).is_file():
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


# -- the build ----------------------------------------------------------------------------------


@dataclass
class Build:
    site: Path
    seconds: float
    log: str


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


def test_build_time_is_reported(built_site, capsys):
    # The hook's own line adds CPU seconds, which say more than wall time on a busy machine.
    detail = re.search(r"Site built in .*", built_site.log)
    with capsys.disabled():
        print(
            f"\n[site] mkdocs build --strict (executing every notebook): {built_site.seconds:.1f} s"
            + (f" [{detail.group(0)}]" if detail else "")
        )
    assert built_site.seconds > 0 or os.environ.get("CNNBP_SITE_PREBUILT")


def test_every_nav_page_was_built_and_nothing_else_became_a_page(built_site):
    built = {
        p.parent.relative_to(built_site.site).as_posix()
        for p in built_site.site.rglob("index.html")
    }
    built = {"" if b == "." else b + "/" for b in built}
    expected = {url for _, url in PAGES}
    assert built - {"search/"} == expected, (
        f"missing pages: {sorted(expected - built)}; unexpected pages: {sorted(built - expected)} "
        "(a .py outside the notebook folders must not become a page)"
    )


@pytest.mark.parametrize("src", [s for s, _ in PAGES if _draws_figures(s)])
def test_figures_survive_mplbackend_agg(built_site, src):
    page = (built_site.site / _url_of(src) / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<img[^>]+src="data:image/(png|svg|jpeg)', page), (
        f"{src}: the notebook uses matplotlib but the built page has no figure "
        "(MPLBACKEND=Agg was set for the build; is hooks/site_hooks.py removing it?)"
    )


def test_mathjax_is_served_by_the_site(built_site):
    mj = built_site.site / "javascripts" / "mathjax"
    for part in ("tex-chtml.js", "input/tex/extensions/ams.js", "output/chtml/fonts/woff-v2"):
        assert (mj / part).exists(), f"{part} missing from the built site"


_EXTERNAL_SRC = re.compile(
    r"""<(?:script|img|iframe|source)\b[^>]*\bsrc=["'](?:https?:)?//""", re.I
)
_EXTERNAL_CSS = re.compile(r"""<link\b[^>]*\bhref=["'](?:https?:)?//[^"']*["'][^>]*>""", re.I)


@pytest.mark.parametrize("src,url", PAGES, ids=[s for s, _ in PAGES])
def test_page_loads_nothing_from_outside(built_site, src, url):
    page = (built_site.site / url / "index.html").read_text(encoding="utf-8")
    bad = _EXTERNAL_SRC.findall(page) + [
        m
        for m in _EXTERNAL_CSS.findall(page)
        if re.search(r"rel=[\"'](stylesheet|preload|modulepreload)", m)
    ]
    assert not bad, f"{src}: external resources in the HTML: {bad[:5]}"


class _LinkParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and a.get("href") is not None:
            self.hrefs.append(a["href"])


@functools.cache
def _parsed(path: Path) -> _LinkParser:
    parser = _LinkParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("src,url", PAGES, ids=[s for s, _ in PAGES])
def test_internal_links_resolve(built_site, src, url):
    """Every relative link and anchor on the page exists in the built site.

    MkDocs validates links in Markdown only; this also covers links written in notebook cells
    and in the theme overrides.
    """
    page_file = built_site.site / url / "index.html"
    broken = []
    for href in _parsed(page_file).hrefs:
        parts = urlparse(href)
        if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
            continue
        target_url = urlparse(urljoin(f"http://site/{url}", href))
        target = built_site.site / target_url.path.lstrip("/")
        if target_url.path.endswith("/") or target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"{href} (no {target.relative_to(built_site.site)})")
        elif target_url.fragment and target.suffix == ".html":
            if target_url.fragment not in _parsed(target).ids:
                broken.append(f"{href} (no anchor #{target_url.fragment})")
    assert not broken, f"{src}: broken links: {sorted(set(broken))}"


# -- the browser --------------------------------------------------------------------------------


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
    handler = functools.partial(_QuietHandler, directory=str(built_site.site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


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


# Runs in the page once MathJax has finished. Collects what the assertions need.
_INSPECT_JS = r"""
() => {
  const visible = (el) => el.getClientRects().length > 0;
  const root = document.querySelector("article.md-content__inner") || document.body;
  const containers = [...root.querySelectorAll("mjx-container")];
  const zeroWidth = [];
  for (const c of containers) {
    if (!visible(c)) continue;  // e.g. inside a collapsed details block
    const glyphs = [...c.querySelectorAll("mjx-c")];
    const drawn = glyphs.filter((g) => g.getBoundingClientRect().width > 0).length;
    if (c.getBoundingClientRect().width === 0 || (glyphs.length && drawn === 0)) {
      zeroWidth.push((c.querySelector("mjx-assistive-mml math")?.textContent || c.outerHTML).slice(0, 80));
    }
  }
  const merrors = [...root.querySelectorAll("mjx-merror")].map(
    (e) => (e.getAttribute("data-mjx-error") || e.textContent).slice(0, 120));
  // Text a reader sees, outside code and typeset math.
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight, .jp-CodeCell .jp-InputArea, " +
               ".jp-OutputArea-output pre, .clipboard-copy-txt, .md-nav, .md-search";
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const prose = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (!p || p.closest(skip) || !visible(p)) continue;
    prose.push(n.textContent);
  }
  const imgs = [...document.images].map((i) => ({
    src: i.currentSrc.slice(0, 80), ok: i.complete && i.naturalWidth > 0,
    figure: !!i.closest(".jp-OutputArea, .jp-RenderedImage"),
  }));
  return {
    math: containers.length, zeroWidth, merrors, prose: prose.join("\n"), imgs,
    download: [...document.querySelectorAll("a.cnnbp-download")].map((a) => a.getAttribute("href")),
  };
}
"""

_RAW_TEX = re.compile(
    r"\$\$|\$[^$\n]{1,200}\$|\\begin\{|\\end\{|\\\(|\\\[|"
    r"\\(?:frac|sum|partial|delta|sigma|mathbf|mathrm|cdot|times|left|right|text|sqrt|hat|"
    r"tfrac|dfrac|qquad|quad|in|ast|odot|otimes|top|operatorname)\b"
)


def _expects_math(page_html: str) -> bool:
    """Does the built HTML contain math delimiters in places MathJax processes?"""
    if 'class="arithmatex"' in page_html:
        return True
    text = re.sub(r"<(pre|code|script|style)\b.*?</\1>", "", page_html, flags=re.S | re.I)
    cells = re.findall(r'class="[^"]*jp-RenderedMarkdown[^"]*"[^>]*>(.*?)</div>', text, flags=re.S)
    return any(re.search(r"\$[^$]+\$|\\begin\{", html.unescape(c)) for c in cells)


@pytest.mark.parametrize("src,url", PAGES, ids=[s for s, _ in PAGES])
def test_page_in_browser(built_site, server, browser, src, url):
    base = urlparse(server)
    page_url = urljoin(server, url)
    console, page_errors, outside, failed = [], [], [], []
    context = browser.new_context()
    try:

        def is_outside(u: str) -> bool:
            p = urlparse(u)
            return p.scheme in ("http", "https", "ws", "wss") and p.netloc != base.netloc

        def block(route):
            outside.append(route.request.url)
            route.abort()

        context.route(is_outside, block)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and console.append(m.text))
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
        page.on(
            "response", lambda r: r.status >= 400 and failed.append(f"{r.url} -> HTTP {r.status}")
        )

        response = page.goto(page_url, wait_until="load", timeout=30_000)
        assert response is not None and response.ok, (
            f"{src}: {page_url} answered {response and response.status}"
        )
        has_mathjax = page.evaluate(
            "async () => { if (!window.MathJax || !MathJax.startup) return false;"
            " await MathJax.startup.promise; return true; }"
        )
        info = page.evaluate(_INSPECT_JS)
        problems: list[str] = []
        if not has_mathjax:
            problems.append("MathJax did not load")
        if (
            _expects_math((built_site.site / url / "index.html").read_text(encoding="utf-8"))
            and not info["math"]
        ):
            problems.append("the page has math delimiters but no typeset formula")
        if info["zeroWidth"]:
            problems.append(f"formulas with zero-width glyphs (invisible): {info['zeroWidth'][:5]}")
        if info["merrors"]:
            problems.append(f"MathJax errors: {info['merrors'][:5]}")
        raw = sorted({m.group(0) for m in _RAW_TEX.finditer(info["prose"])})
        if raw:
            ctx = [
                info["prose"][max(0, m.start() - 40) : m.end() + 40].replace("\n", " ")
                for m in list(_RAW_TEX.finditer(info["prose"]))[:3]
            ]
            problems.append(f"raw TeX left in the prose: {raw[:8]}, e.g. {ctx}")
        broken = [i["src"] for i in info["imgs"] if not i["ok"]]
        if broken:
            problems.append(f"images that did not load: {broken[:5]}")
        if _draws_figures(src) and not any(i["figure"] for i in info["imgs"]):
            problems.append("notebook uses matplotlib but shows no figure")
        if _is_notebook(src):
            if len(info["download"]) != 1:
                problems.append(f"expected one source download button, found {info['download']}")
            else:
                r = context.request.get(urljoin(page_url, info["download"][0]))
                want = (DOCS / src).read_bytes()
                if not r.ok or r.body() != want:
                    problems.append(
                        f"download link {info['download'][0]!r} does not serve {src} (HTTP {r.status})"
                    )
            if "Run this page yourself" not in info["prose"]:
                problems.append("no 'run it locally' note")
        if console:
            problems.append(f"console errors: {console[:5]}")
        if page_errors:
            problems.append(f"page errors: {page_errors[:5]}")
        if outside:
            problems.append(f"requests leaving 127.0.0.1: {sorted(set(outside))[:5]}")
        if failed:
            problems.append(f"failed requests: {failed[:5]}")
        assert not problems, f"{src} ({page_url}):\n  " + "\n  ".join(problems)
    finally:
        context.close()
