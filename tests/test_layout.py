"""Readable on every screen: the built site measured in Chromium, at a desktop and a phone width.

Each page is opened once per width (and once more in dark mode); the measurements are cached for
the session and each rule is its own test, parametrized by page and width, so that a failure
names the page, the width and the rule, and lists the offending elements with the heading they
sit under. The rules, and the numbers behind them:

- **figures** are inline SVG with real text (``cnnbp.viz.setup()``; ``hooks/readability.py``
  inlines them). At 1300 px each is shown at >= 75 % of its own width and its smallest text is
  >= 9 CSS px; at 390 px >= 45 % (or at full size, scrolling sideways in its own box) with text
  >= 7 CSS px. A text's size is its body size: mathtext sub- and superscripts are smaller by
  design.
- **code** blocks, input and output, never wrap a line, and at 1300 px none is wider than its
  box; notebook code lines are at most 75 characters (checked on the sources).
- **tables** are no wider than their box at 1300 px, and no word or number in a cell is broken
  across lines at either width.
- **pages** never scroll sideways, at either width; on a phone no ``In [n]:`` prompt is shown.
- **outputs** hold no matplotlib/IPython reprs (``Text(0.5, 0.98, ...)``) and no warnings.
- **dark mode**: figures sit on a light card with dark text; code, output and table text keep a
  contrast of at least 4.5.
- **search**: at most 2 % of the index's entries carry code, prompts, "Copied!", ¶ or raw TeX,
  and Material's own search box, typed into in the browser, lists first a lesson section whose
  title names the term.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
from urllib.parse import urljoin

import pytest
from site_support import DOCS, PAGES, ROOT, is_notebook, serve_http

pytestmark = pytest.mark.site

WIDTHS = {"desktop": 1300, "phone": 390}
CASES = [(src, url, w) for src, url in PAGES for w in WIDTHS]
CASE_IDS = [f"{src}-{w}" for src, _, w in CASES]
NOTEBOOKS = [src for src, _ in PAGES if is_notebook(src)]

MAX_CODE_LINE = 75  # characters: the code box at 1300 px holds 76 of them
TAG_NAMES = ("remove-input", "remove-cell", "hide-input")

FIGURE_MIN_SCALE = {"desktop": 0.75, "phone": 0.45}
FIGURE_MIN_TEXT_PX = {"desktop": 9.0, "phone": 7.0}


# -- the notebook sources ---------------------------------------------------------------------


@functools.cache
def _notebook(src: str):
    import jupytext

    return jupytext.read(DOCS / src)


def _code_cells(src: str):
    return [c for c in _notebook(src).cells if c.cell_type == "code"]


@pytest.mark.parametrize("src", NOTEBOOKS)
def test_notebook_code_lines_fit_the_code_box(src):
    long = [
        f"cell {k}: {len(line)} chars: {line.strip()[:60]}..."
        for k, cell in enumerate(_code_cells(src), 1)
        for line in cell.source.splitlines()
        if len(line) > MAX_CODE_LINE
    ]
    assert not long, (
        f"{src}: {len(long)} code lines longer than {MAX_CODE_LINE} characters (the width of "
        "the code box at 1300 px); wrap them:\n  " + "\n  ".join(long[:15])
    )


@pytest.mark.parametrize("src", NOTEBOOKS)
def test_cell_tags_are_known(src):
    unknown = sorted(
        {t for cell in _notebook(src).cells for t in cell.metadata.get("tags", []) if t not in TAG_NAMES}
    )
    assert not unknown, f"{src}: unknown cell tags {unknown}; the site knows {TAG_NAMES}"


@pytest.mark.parametrize("src", NOTEBOOKS)
def test_first_cell_is_the_hidden_setup(src):
    """The site's print options and figure style come from one call, hidden, at the top."""
    cells = _code_cells(src)
    first = cells[0] if cells else None
    assert first is not None and "remove-cell" in first.metadata.get("tags", []) and re.search(
        r"\bsetup\(\)", first.source
    ), (
        f"{src}: the first code cell must be tagged remove-cell and call cnnbp.viz.setup() "
        f"(with '# %matplotlib inline'); it is:\n{first.source if first else None}"
    )


# -- the built HTML ---------------------------------------------------------------------------


def _page_html(built_site, url: str) -> str:
    return (built_site.site / url / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("src", NOTEBOOKS)
def test_tagged_cells_reach_the_html_as_tagged(built_site, src):
    page = _page_html(built_site, dict(PAGES)[src])
    # The copy button of every shown cell holds its source (escaped).
    shown_code = {
        html.unescape(m).strip()
        for m in re.findall(r'<div class="clipboard-copy-txt"[^>]*>(.*?)</div>', page, re.S)
    }
    problems = []
    for k, cell in enumerate(_code_cells(src), 1):
        tags = set(cell.metadata.get("tags", []))
        if not cell.source.strip():
            continue
        shown = cell.source.strip() in shown_code
        if tags & {"remove-input", "remove-cell"} and shown:
            problems.append(f"cell {k} is tagged {sorted(tags)} but its code is on the page")
        if not tags & {"remove-input", "remove-cell"} and not shown:
            problems.append(f"cell {k} is not hidden but its code is missing from the page")
    n_hidden = sum("hide-input" in c.metadata.get("tags", []) for c in _code_cells(src))
    n_details = page.count('<details class="cnnbp-hide-input">')
    if n_details != n_hidden:
        problems.append(f"{n_hidden} hide-input cells but {n_details} 'Show code' toggles")
    if "celltoolbar" in page:
        problems.append("cell tag names are shown to readers (celltoolbar)")
    assert not problems, f"{src}:\n  " + "\n  ".join(problems)


# Text a figure, a matplotlib call or IPython leaves behind when a cell's last line has a value.
_REPR = re.compile(
    r"^\s*(?:\[?<(?:matplotlib|Figure|Axes|IPython|function|bound method|module|class|cnnbp)\b"
    r"|<[\w.]+ object at 0x|\[?(?:Text|Line2D|Axes|Figure)\(|<Figure size)",
    re.M,
)
_OUTPUT_PRE = re.compile(
    r'<div class="jp-RenderedText jp-OutputArea-output[^"]*"[^>]*data-mime-type="([^"]+)"[^>]*>'
    r"\s*<pre[^>]*>(.*?)</pre>",
    re.S,
)


@pytest.mark.parametrize("src", NOTEBOOKS)
def test_no_stray_reprs_or_warnings_in_outputs(built_site, src):
    page = _page_html(built_site, dict(PAGES)[src])
    problems = []
    for mime, body in _OUTPUT_PRE.findall(page):
        text = html.unescape(re.sub(r"<[^>]+>", "", body))
        if "stderr" in mime:
            problems.append(f"stderr output (a warning?): {text.strip()[:120]!r}")
        for m in _REPR.finditer(text):
            line = text[m.start() :].strip().splitlines()[0]
            problems.append(f"a repr in the output: {line[:100]!r}")
    assert not problems, (
        f"{src}: end the cell with plt.show() or `_ = ...`, or fix the warning:\n  "
        + "\n  ".join(problems[:10])
    )


# -- the search index ---------------------------------------------------------------------------

_NOISE = {
    "prompt": re.compile(r"\b(?:In|Out)(?:&nbsp;|\s)?\[\d*\]"),
    "Copied!": re.compile(r"Copied!"),
    "¶": re.compile("¶"),
    "raw TeX": re.compile(
        r"\$|\\[()\[\]]|\\(?:begin|end|frac|sum|partial|delta|sigma|mathbf|mathrm|operatorname|"
        r"text|cdot|times|left|right|star|odot|quad)\b"
    ),
}


@functools.cache
def _code_lines() -> frozenset[str]:
    """Distinctive lines of notebook code cells: if the index holds one, it indexed code."""
    lines = set()
    for src in NOTEBOOKS:
        if (DOCS / src).is_file():
            for cell in _code_cells(src):
                lines |= {
                    ln.strip()
                    for ln in cell.source.splitlines()
                    if len(ln.strip()) >= 24 and not ln.strip().startswith("#")
                }
    return frozenset(lines)


def _entry_noise(entry) -> list[str]:
    text = entry["title"] + "\n" + entry["text"]
    # Code blocks of Markdown and API pages are code, not noise; only their TeX-free prose counts.
    prose = re.sub(r"<(pre|code)>.*?</\1>", " ", text, flags=re.S)
    found = [name for name, pat in _NOISE.items() if pat.search(prose)]
    plain = html.unescape(re.sub(r"<[^>]+>", "", prose))
    if any(line in plain for line in _code_lines()):
        found.append("code cell")
    return found


def test_search_index_holds_prose(built_site):
    docs = json.loads((built_site.site / "search" / "search_index.json").read_text("utf-8"))["docs"]
    noisy = [(e["location"], n) for e in docs if (n := _entry_noise(e))]
    share = len(noisy) / len(docs)
    assert share <= 0.02, (
        f"{len(noisy)} of {len(docs)} search entries ({share:.0%}) carry code cells, prompts, "
        f"'Copied!', ¶ or raw TeX (at most 2 %): {noisy[:12]}"
    )


# Query -> words one of which the title of the first hit must contain. The first hit must be on
# a lesson page (Worked example or Beyond the example) and be the section that explains the term:
# the page itself when its title names the term, else the best section the search lists for it.
SEARCHES = {
    "rot180": ("rot180",),
    "dilation": ("dilation",),
    "max-pool": ("max-pool", "max pool", "max-pooling"),
    "im2col": ("im2col",),
}
LESSON_PREFIXES = ("example/", "beyond/")


def _search_results(server, browser, query: str):
    page = browser.new_page(viewport={"width": WIDTHS["desktop"], "height": 900})
    try:
        page.goto(server, wait_until="load")
        page.focus("input.md-search__input")
        page.keyboard.type(query)
        page.wait_for_selector(".md-search-result__item", timeout=15_000)
        # Results arrive from the search worker as the query is typed; let the last one land.
        page.wait_for_function(
            "q => document.querySelector('input.md-search__input').value === q", arg=query
        )
        page.wait_for_timeout(400)
        return page.evaluate(
            """() => [...document.querySelectorAll('.md-search-result__item')].map(li =>
                 [...li.querySelectorAll('a.md-search-result__link')].map(a => ({
                   href: a.getAttribute('href'),
                   title: (a.querySelector('h1, h2') || {textContent: ''}).textContent.trim()})))"""
        )
    finally:
        page.close()


@pytest.mark.parametrize("query", list(SEARCHES))
def test_search_finds_the_explaining_section_first(server, browser, query):
    groups = _search_results(server, browser, query)
    assert groups, f"searching {query!r} found nothing"
    first = groups[0]
    page_url = re.sub(r"[?#].*$", "", first[0]["href"]).replace(server, "")
    page_title, sections = first[0]["title"], first[1:]
    words = SEARCHES[query]
    hit = first[0] if any(w in page_title.lower() for w in words) else (sections or first)[0]
    listed = [
        f"{re.sub(r'[?#].*$', '', g[0]['href']).replace(server, '')}: "
        + " | ".join(x["title"] for x in g[:3])
        for g in groups[:4]
    ]
    assert page_url.startswith(LESSON_PREFIXES) and any(
        w in hit["title"].lower() for w in words
    ), (
        f"searching {query!r}: the first hit is {page_url} '{hit['title']}', not a lesson "
        f"section whose title names {words}. Results:\n  " + "\n  ".join(listed)
    )


# -- the browser, at both widths ------------------------------------------------------------------

_MEASURE_JS = (ROOT / "tests" / "layout_measure.js").read_text(encoding="utf-8")
_measured: dict = {}


def _measure(server, browser, url: str, width: str, scheme: str = "light") -> dict:
    """One page load measures all three views: desktop light, desktop dark, phone light.

    The colour scheme and the viewport change in place (Material follows the media query, the
    layout follows the viewport), so MathJax typesets each page once, not three times.
    """
    if (url, width, scheme) not in _measured:
        context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})
        try:
            page = context.new_page()
            page.goto(urljoin(server, url), wait_until="load", timeout=30_000)
            page.evaluate(
                "async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }"
            )
            for w, sch in (("desktop", "light"), ("desktop", "dark"), ("phone", "light")):
                page.set_viewport_size({"width": WIDTHS[w], "height": 900})
                page.emulate_media(color_scheme=sch)
                # What Material's own toggle does: the palette is this attribute.
                page.evaluate(
                    "s => document.body.setAttribute('data-md-color-scheme', s)",
                    "slate" if sch == "dark" else "default",
                )
                page.wait_for_function(
                    "w => document.documentElement.clientWidth <= w", arg=WIDTHS[w]
                )
                _measured[url, w, sch] = page.evaluate(_MEASURE_JS)
        finally:
            context.close()
    return _measured[url, width, scheme]


def _report(src, width, what, items, advice=""):
    lines = [f"{i['where']}: {i['what']}" for i in items[:12]]
    more = f"\n  ... and {len(items) - 12} more" if len(items) > 12 else ""
    return f"{src} at {WIDTHS[width]} px: {len(items)} {what}{advice}\n  " + "\n  ".join(lines) + more


@pytest.mark.parametrize("src,url,width", CASES, ids=CASE_IDS)
def test_page_does_not_scroll_sideways(server, browser, src, url, width):
    m = _measure(server, browser, url, width)
    assert m["pageScroll"] <= 1, _report(
        src, width, f"elements stick out of the page (it scrolls {m['pageScroll']} px sideways):",
        m["sticking"] or [{"where": "page", "what": "unknown element"}],
    )


@pytest.mark.parametrize("src,url,width", CASES, ids=CASE_IDS)
def test_code_blocks_fit(server, browser, src, url, width):
    m = _measure(server, browser, url, width)
    bad = [c for c in m["code"] if c["wrapped"] or (width == "desktop" and c["overflow"] > 1)]
    for c in bad:
        c["what"] = (
            (f"{c['overflow']} px wider than its box; " if width == "desktop" and c["overflow"] > 1 else "")
            + (f"{c['wrapped']} lines wrapped; " if c["wrapped"] else "")
            + f"longest line {c['longest']} chars: {c['text']!r}"
        )
    assert not bad, _report(
        src, width, "code or output blocks do not fit:", bad,
        " (keep lines to 75 characters; print less per line)",
    )


@pytest.mark.parametrize("src,url,width", CASES, ids=CASE_IDS)
def test_tables_fit(server, browser, src, url, width):
    m = _measure(server, browser, url, width)
    bad = []
    for t in m["tables"]:
        if width == "desktop" and t["overflow"] > 1:
            bad.append({"where": t["where"], "what": f"{t['overflow']} px wider than its box "
                        f"({t['columns']} columns: {t['head']!r})"})
        if t["broken"]:
            bad.append({"where": t["where"], "what": f"tokens broken across lines: {t['broken'][:5]}"})
    assert not bad, _report(
        src, width, "tables do not fit:", bad,
        " (fewer columns, transposed, or a list; not a smaller font)",
    )


@pytest.mark.parametrize("src,url,width", CASES, ids=CASE_IDS)
def test_figures_are_legible(server, browser, src, url, width):
    m = _measure(server, browser, url, width)
    bad = []
    for f in m["figures"]:
        why = []
        if f["kind"] != "svg":
            why.append(f"{f['kind']} image, not SVG with real text (call cnnbp.viz.setup())")
        scale_ok = f["scale"] >= FIGURE_MIN_SCALE[width] or (
            width == "phone" and f["scale"] >= 0.99 and f["scrolls"]
        )
        if f["beyond"] > 1:
            why.append(f"its box reaches {f['beyond']} px past the column (cut off)")
        if not scale_ok:
            why.append(f"shown at {f['scale']:.0%} of its own {f['own']:.0f} px "
                       f"(at least {FIGURE_MIN_SCALE[width]:.0%})")
        if f["kind"] == "svg" and f["minText"] is not None and f["minText"] < FIGURE_MIN_TEXT_PX[width] - 0.05:
            why.append(f"smallest text {f['minText']:.1f} px ({f['minTextSample']!r}; at least "
                       f"{FIGURE_MIN_TEXT_PX[width]:.0f} px)")
        if why:
            bad.append({"where": f["where"], "what": "; ".join(why)})
    assert not bad, _report(
        src, width, "figures are too small to read:", bad,
        " (draw at most cnnbp.viz.style.FIGURE_WIDTH inches wide, text >= SMALL points)",
    )


@pytest.mark.parametrize("src,url", [(s, u) for s, u in PAGES if is_notebook(s)],
                         ids=[s for s, _ in PAGES if is_notebook(s)])
def test_prompts_hidden_on_a_phone(server, browser, src, url):
    m = _measure(server, browser, url, "phone")
    assert m["prompts"] == 0, f"{src} at 390 px: {m['prompts']} 'In [n]:'/'Out[n]:' prompts shown"


def _luminance(rgb):
    def lin(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a, b):
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("src,url", PAGES, ids=[s for s, _ in PAGES])
def test_dark_mode_keeps_figures_and_code_legible(server, browser, src, url):
    m = _measure(server, browser, url, "desktop", "dark")
    bad = []
    for f in m["figures"]:
        if _luminance(f["background"]) < 0.8:
            bad.append({"where": f["where"], "what": f"figure on a dark background {f['background']}"})
        for fill, sample in f["textFills"]:
            if _contrast(fill, (255, 255, 255)) < 3:
                bad.append({"where": f["where"], "what": f"text {sample!r} drawn in {fill} on white"})
                break
    for t in m["texts"]:
        ratio = _contrast(t["color"], t["background"])
        if ratio < 4.5:
            bad.append({"where": t["where"], "what": f"{t['kind']} text {t['color']} on "
                        f"{t['background']}: contrast {ratio:.1f} (at least 4.5)"})
    assert not bad, _report(src, "desktop", "elements hard to read in dark mode:", bad)


# -- the 404 page under the deployed base path ----------------------------------------------------

BASE_PATH = "/cnnbp/"


class _PagesHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under BASE_PATH and answers a missing address with 404.html, as GitHub
    Pages does."""

    def log_message(self, format, *args):
        pass

    def translate_path(self, path):
        if path.startswith(BASE_PATH):
            path = "/" + path[len(BASE_PATH) :]
        else:
            path = "/does-not-exist-outside-the-base-path"
        return super().translate_path(path)

    def send_error(self, code, message=None, explain=None):
        if code != 404:
            return super().send_error(code, message, explain)
        body = (self.site / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="module")
def pages_server(built_site):
    handler = type("Handler", (_PagesHandler,), {"site": built_site.site})
    with serve_http(handler, built_site.site) as root:
        yield root


@pytest.mark.parametrize("missing", ["no-such-page/", "example/no/such/deep/page/"])
def test_404_page_under_the_base_path(pages_server, browser, missing):
    context = browser.new_context(viewport={"width": WIDTHS["phone"], "height": 800})
    failed, errors = [], []
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: failed.append(r.url))
        missing_url = f"{pages_server}{BASE_PATH}{missing}"
        page.on("response", lambda r: r.status >= 400 and r.url != missing_url and failed.append(
            f"{r.url} -> {r.status}"))
        response = page.goto(missing_url, wait_until="load")
        assert response is not None and response.status == 404
        info = page.evaluate(
            """() => ({
              h1: document.querySelector('article h1')?.textContent,
              styled: getComputedStyle(document.querySelector('.md-header')).position,
              links: [...document.querySelectorAll('article a[href], .md-header a[href]')]
                       .map(a => a.href),
              scroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
            })"""
        )
        problems = []
        if not info["h1"] or "not found" not in info["h1"].lower():
            problems.append(f"no 'not found' heading: {info['h1']!r}")
        if info["styled"] not in ("sticky", "fixed"):
            problems.append("the theme's stylesheet did not load (header not styled)")
        home = f"{pages_server}{BASE_PATH}"
        inside = [u for u in info["links"] if u.startswith(pages_server)]
        if home not in inside:
            problems.append(f"no link to the home page {home}: {inside[:5]}")
        for u in inside:
            r = context.request.get(u)
            if not r.ok:
                problems.append(f"link {u} -> HTTP {r.status}")
        if info["scroll"] > 1:
            problems.append(f"the page scrolls {info['scroll']} px sideways at 390 px")
        problems += [f"failed request: {u}" for u in failed] + [f"page error: {e}" for e in errors]
        assert not problems, f"404 page at {missing_url}:\n  " + "\n  ".join(problems)
    finally:
        context.close()
