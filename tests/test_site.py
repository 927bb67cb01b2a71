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
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from site_support import (
    DOCS,
    FIGURE_HTML,
    FIGURE_SELECTOR,
    NOTEBOOK_PAGES,
    PAGES,
    draws_figures,
    is_notebook,
    url_of,
)

pytestmark = pytest.mark.site


def test_every_notebook_page_went_through_the_execution_cache(built_site, capsys):
    """The build's summary counts every notebook page once, as executed or from the cache."""
    if not built_site.log:
        pytest.xfail("CNNBP_SITE_PREBUILT: no build log to read")
    summary = re.search(r"Notebooks: (\d+) executed, (\d+) from the cache", built_site.log)
    assert summary, "hooks/notebooks.py did not report what it executed"
    executed = set(re.findall(r"Executed docs/(\S+) in", built_site.log))
    assert executed <= set(NOTEBOOK_PAGES) and len(executed) == int(summary[1])
    assert int(summary[1]) + int(summary[2]) == len(NOTEBOOK_PAGES)
    with capsys.disabled():
        print(f"\n[site] mkdocs build --strict: {built_site.seconds:.1f} s ({summary[0]})")


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


@pytest.mark.parametrize("src", [s for s, _ in PAGES if draws_figures(s)])
def test_figures_survive_mplbackend_agg(built_site, src):
    page = (built_site.site / url_of(src) / "index.html").read_text(encoding="utf-8")
    assert FIGURE_HTML.search(page), (
        f"{src}: the notebook uses matplotlib but the built page has no figure "
        "(MPLBACKEND=Agg was set for the build; is hooks/notebooks.py removing it?)"
    )


def test_mathjax_is_served_by_the_site(built_site):
    mj = built_site.site / "javascripts" / "mathjax"
    for part in ("tex-chtml.js", "input/tex/extensions/ams.js", "output/chtml/fonts/woff-v2"):
        assert (mj / part).exists(), f"{part} missing from the built site"


@pytest.mark.parametrize("src", NOTEBOOK_PAGES)
def test_notebook_page_links_the_shared_notebook_css_and_loads_no_mathjax_2(built_site, src):
    page = (built_site.site / url_of(src) / "index.html").read_text(encoding="utf-8")
    head = page[: page.index('<div class="jupyter-wrapper">')]
    assert "<style" not in head, f"{src}: stylesheets inlined into the page"
    links = re.findall(r'<link rel="stylesheet" href="([^"]*/notebook-[0-9a-f]+\.css)">', head)
    files = [(built_site.site / url_of(src) / link).resolve() for link in links]
    assert files and all(f.is_file() for f in files), f"{src}: notebook CSS {links} not served"
    # the JupyterLab stylesheet (hundreds of KB) is among them, served once for all pages
    assert max(f.stat().st_size for f in files) > 100_000
    assert "MathJax.Hub" not in page, f"{src}: nbconvert's MathJax 2 loader is still there"


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


# -- the browser--------------------------------------------------------------------------------


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
  }));
  const figures = document.querySelectorAll(FIGURE_SELECTOR).length;
  return {
    math: containers.length, zeroWidth, merrors, prose: prose.join("\n"), imgs, figures,
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
        info = page.evaluate(_INSPECT_JS.replace("FIGURE_SELECTOR", json.dumps(FIGURE_SELECTOR)))
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
        if draws_figures(src) and not info["figures"]:
            problems.append("notebook uses matplotlib but shows no figure")
        if is_notebook(src):
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
