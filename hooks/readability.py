"""MkDocs hooks that make the rendered pages readable and searchable (listed under ``hooks:``).

Runs after mkdocs-jupyter has rendered a notebook page (executed, every cell and output in it):

1. **Cell tags** from the jupytext source (``# %% tags=["remove-input"]``) decide what a reader
   sees of a code cell; nbconvert's lab template puts each tag on the cell's ``<div>`` as a
   ``celltag_<tag>`` class, and that is what is read here:

   - ``remove-input``: the code is dropped, its output stays;
   - ``remove-cell``: the whole cell (code and output) is dropped;
   - ``hide-input``: the code is folded into a ``<details>`` block ("Show code").

   The cells have run by then, in the site build and as a plain script alike; nbconvert's own
   ``TagRemovePreprocessor`` (mkdocs-jupyter's ``remove_tag_config``) is not used because it
   runs *before* the execute preprocessor, so a ``remove-cell`` cell would never run whenever
   the plugin executes the notebook itself.
2. **Figures**: an SVG output (``cnnbp.viz.setup()`` selects SVG) arrives as an ``<img>`` with a
   base64 data URI; it is inlined as ``<svg>`` markup, so that its text is real page text
   (sharp, found by the browser's find, measurable by the layout tests). Ids inside each figure
   get a per-figure prefix, as several figures now share one document.
3. **Search**: lesson pages rank above the API reference (``SEARCH_BOOST``). Code cells,
   prompts, the copy button's "Copied!", plain-text outputs and figures are marked
   ``data-search-exclude`` for Material's search; notebook heading anchors become Material's
   ``headerlink`` (which the index skips, so no "dilation¶"). Once the index is written, the
   TeX of formulas in it is replaced by the plain words and symbols it contains
   (``\\operatorname{rot180}(w)`` becomes ``rot180(w)``): the index holds prose, not TeX.
"""

from __future__ import annotations

import base64
import html as html_lib
import json
import logging
import math
import pathlib
import re
from html.parser import HTMLParser

from notebook_cache import cache_enabled, digest, write_atomically  # hooks/ is on sys.path

log = logging.getLogger("mkdocs.hooks.cnnbp.readability")

TAGS = ("remove-input", "remove-cell", "hide-input")
SHOW_CODE = "Show code"
# matplotlib writes SVG sizes in points; a CSS px is 1/96 in.
PX_PER_PT = 96 / 72
# A figure is never shown so small that its text is under 7 CSS px (the phone limit of
# tests/test_layout.py), nor under 45 % of its own width.
MIN_TEXT_PX = 7.0
MIN_SCALE = 0.45


# -- a minimal element map of an HTML string ---------------------------------------------------

_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
}


class _Node:
    __slots__ = ("attrs", "children", "end", "open_end", "parent", "start", "tag")

    def __init__(self, tag, attrs, start, open_end, parent):
        self.tag, self.attrs, self.start, self.open_end = tag, attrs, start, open_end
        self.end = open_end  # until the end tag is seen
        self.parent = parent
        self.children: list[_Node] = []

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def walk(self):
        for child in self.children:
            yield child
            yield from child.walk()

    def find_all(self, tag=None, cls=None):
        return [
            n for n in self.walk() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
        ]


class _Mapper(HTMLParser):
    """Start and end offsets of every element, without changing a byte of the HTML."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.root = _Node("#root", {}, 0, 0, None)
        self._stack = [self.root]
        self.feed(text)
        self.close()
        for node in self._stack[1:]:
            node.end = len(text)

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        start = self._offset()
        node = _Node(tag, dict(attrs), start, start + len(self.get_starttag_text()), self._stack[-1])
        self._stack[-1].children.append(node)
        if tag not in _VOID:
            self._stack.append(node)

    def handle_startendtag(self, tag, attrs):
        start = self._offset()
        node = _Node(tag, dict(attrs), start, start + len(self.get_starttag_text()), self._stack[-1])
        self._stack[-1].children.append(node)

    def handle_endtag(self, tag):
        if not any(n.tag == tag for n in self._stack[1:]):
            return  # a stray end tag
        start = self._offset()
        end = self.text.index(">", start) + 1
        while self._stack[-1].tag != tag:
            self._stack.pop().end = start  # closed implicitly (e.g. an unclosed <p>)
        self._stack.pop().end = end


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Replace ``text[start:end]`` by each edit's string; edits must not overlap."""
    out, pos = [], 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < pos:
            raise ValueError(f"overlapping HTML edits at offset {start}")
        out += [text[pos:start], new]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _add_attribute(text: str, node: _Node, attribute: str) -> tuple[int, int, str]:
    """An edit that adds ``attribute`` to the start tag of ``node``."""
    tag_text = text[node.start : node.open_end]
    cut = len(tag_text) - (2 if tag_text.endswith("/>") else 1)
    return (node.start, node.open_end, f"{tag_text[:cut]} {attribute}{tag_text[cut:]}")


# -- 1. cell tags ----------------------------------------------------------------------------------


def _outermost(nodes):
    """The nodes that are not inside another node of the list."""
    chosen = set(map(id, nodes))
    out = []
    for n in nodes:
        p = n.parent
        while p is not None and id(p) not in chosen:
            p = p.parent
        if p is None:
            out.append(n)
    return out


def apply_cell_tags(text: str) -> str:
    """Drop or fold the code cells tagged ``remove-cell``, ``remove-input`` or ``hide-input``."""
    root = _Mapper(text).root
    cells = _outermost([n for n in root.walk() if n.tag == "div" and "jp-CodeCell" in n.classes])
    edits = []
    for cell in cells:
        tags = {c[len("celltag_") :] for n in [cell, *cell.walk()] for c in n.classes
                if c.startswith("celltag_")}
        if "remove-cell" in tags:
            edits.append((cell.start, cell.end, ""))
            continue
        # mkdocs-jupyter shows a cell's tags above its code: not for readers.
        edits += [(n.start, n.end, "") for n in cell.find_all("div", "celltoolbar")]
        inputs = cell.find_all("div", "jp-Cell-inputWrapper")
        if "remove-input" in tags:
            edits += [(n.start, n.end, "") for n in inputs]
            # "Out[7]:" with no "In [7]:" above it would point at nothing.
            edits += [
                (p.open_end, p.end - len("</div>"), "")
                for p in cell.find_all("div", "jp-OutputPrompt")
                if p.end - len("</div>") > p.open_end
            ]
        elif "hide-input" in tags:
            for n in inputs:
                edits.append((n.start, n.start, '<details class="cnnbp-hide-input">'
                              f"<summary data-search-exclude>{SHOW_CODE}</summary>"))
                edits.append((n.end, n.end, "</details>"))
    return _apply(text, _dedupe(edits))


def _dedupe(edits):
    """Drop edits that fall inside a larger deletion (e.g. a toolbar inside a removed input)."""
    deletions = [(s, e) for s, e, new in edits if not new and e > s]
    out = []
    for s, e, new in edits:
        inside = any(ds <= s and e <= de and (ds, de) != (s, e) for ds, de in deletions)
        if not inside and (s, e, new) not in out:
            out.append((s, e, new))
    return out


# -- 2. inline SVG figures and 3. search markup ----------------------------------------------------

_SVG_PROLOG = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.S)
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_SVG_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)


def inline_svg(data_uri: str, prefix: str) -> str:
    """The ``<svg>`` markup of a base64 data URI, with every id prefixed by ``prefix``."""
    svg = base64.b64decode(data_uri.split(",", 1)[1]).decode("utf-8")
    svg = _SVG_COMMENT.sub("", _SVG_METADATA.sub("", _SVG_PROLOG.sub("", svg, count=1)))
    # Every reference inside a matplotlib SVG points into the same SVG: prefix them all.
    svg = svg.replace(' id="', f' id="{prefix}').replace("url(#", f"url(#{prefix}")
    svg = svg.replace('href="#', f'href="#{prefix}')
    # Never shrunk so far that its smallest text drops under MIN_TEXT_PX: the box scrolls.
    width = _svg_width_px(svg)
    smallest = min(text_sizes(svg), default=None)
    style = ""
    if width and smallest:
        scale = min(1.0, max(MIN_SCALE, MIN_TEXT_PX / (smallest * PX_PER_PT)))
        # Rounded up: never a fraction of a pixel below the limit.
        style = f' style="min-width: {math.ceil(width * scale)}px"'
    # Search skips it; assistive technology reads it as one image.
    return svg.replace(
        "<svg ", f'<svg class="cnnbp-figure" role="img" data-search-exclude{style} ', 1
    )


def _svg_width_px(svg: str) -> float | None:
    m = re.search(r'<svg\b[^>]*?\bwidth="([\d.]+)(pt|px)?"', svg)
    if not m:
        return None
    return float(m.group(1)) * (PX_PER_PT if m.group(2) == "pt" else 1.0)


def text_sizes(svg: str) -> list[float]:
    """Font size of each <text> of a matplotlib SVG, in user units (points for matplotlib).

    A text's size is its largest: mathtext writes sub- and superscripts as smaller <tspan>s
    of the same <text>, and the text is read at its body size.
    """
    sizes = []
    for block in re.findall(r"<text\b.*?</text>", svg, flags=re.S):
        found = [float(v) for v in re.findall(r"font-size:\s*([\d.]+)px", block)]
        if found:
            sizes.append(max(found))
    return sizes




# Elements of a code cell that are code, prompts or chrome. Each is a leaf for its own tag name
# (no <div> inside these <div>s, no <pre> inside a <pre>): Material's search parser tracks
# excluded elements by tag name, so an excluded <div> containing another <div> would end its
# exclusion at the inner </div>.
_EXCLUDED = (
    ("div", "jp-InputPrompt"),
    ("div", "jp-OutputPrompt"),
    ("clipboard-copy", None),
    ("div", "highlight-ipynb"),
    ("div", "clipboard-copy-txt"),
)


def mark_notebook_html(text: str, page_key: str = "") -> str:
    """Inline SVG figures, mark code and plain outputs for exclusion from search, fix anchors."""
    root = _Mapper(text).root
    edits = []
    for cell in _outermost([n for n in root.walk() if n.tag == "div" and "jp-CodeCell" in n.classes]):
        for tag, cls in _EXCLUDED:
            edits += [_add_attribute(text, n, "data-search-exclude") for n in cell.find_all(tag, cls)]
        for out in cell.find_all("div", "jp-OutputArea-output"):
            mime = out.attrs.get("data-mime-type", "")
            if mime == "text/markdown" or "jp-RenderedHTMLCommon" in out.classes:
                continue  # generated prose and tables: searchable like the rest of the page
            edits += [_add_attribute(text, n, "data-search-exclude") for n in out.find_all("pre")]
            edits += [
                _add_attribute(text, n, "data-search-exclude")
                for n in out.find_all("img")
                if not n.attrs.get("src", "").startswith("data:image/svg+xml;base64,")
            ]
    figures = [
        n for n in root.find_all("img")
        if n.attrs.get("src", "").startswith("data:image/svg+xml;base64,")
        and n.parent is not None and "jp-RenderedSVG" in n.parent.classes
    ]
    for k, img in enumerate(figures):
        edits.append((img.start, img.end, inline_svg(img.attrs["src"], f"{page_key}f{k}-")))
    for a in root.find_all("a", "anchor-link"):
        tag_text = text[a.start : a.open_end]
        edits.append((a.start, a.open_end, tag_text.replace('class="anchor-link"', 'class="headerlink"', 1)))
    return _apply(text, edits)


# Search ranks the lessons first: a term explained on a lesson page should lead there, not to
# the API entry that merely documents a function of that name (Material multiplies the score of
# every entry of a page by its boost).
SEARCH_BOOST = {"example/": 2.0, "beyond/": 2.0, "reference/": 0.5}


# The two passes above take about 2 of the ~10 seconds of a build in which nothing changed (two
# html.parser walks over every notebook page), so their result is kept per page, keyed on
# exactly what it is a function of: this module's code, the page's HTML and its figure prefix.
# ``CNNBP_DOCS_CACHE=off`` turns this off with the notebook cache.
CACHE_DIR = ".cache/readability"  # relative to mkdocs.yml; only this build's entries are kept
_CODE = pathlib.Path(__file__).read_bytes()  # the code that runs (mkdocs serve keeps it loaded)
_used: set[pathlib.Path] = set()


def _cache_dir(config) -> pathlib.Path:
    return pathlib.Path(config.config_file_path).resolve().parent / CACHE_DIR


def on_page_content(html, page, config, files, **kwargs):
    for prefix, boost in SEARCH_BOOST.items():
        if page.file.src_uri.startswith(prefix):
            search = page.meta.setdefault("search", {})
            if isinstance(search, dict):
                search.setdefault("boost", boost)
    if not getattr(page, "nb_url", None):
        return html
    key = re.sub(r"[^a-z0-9]+", "-", page.file.src_uri.rsplit(".", 1)[0].lower()).strip("-")
    prefix = key[-24:] + "-"
    if not cache_enabled():
        return mark_notebook_html(apply_cell_tags(html), page_key=prefix)
    entry = _cache_dir(config) / f"{digest(_CODE, prefix, html)}.html"
    _used.add(entry)
    if entry.is_file():
        return entry.read_text(encoding="utf-8")
    marked = mark_notebook_html(apply_cell_tags(html), page_key=prefix)
    write_atomically(entry, marked)
    return marked


# -- 3. TeX out of the search index ----------------------------------------------------------------

_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "Delta": "Δ", "epsilon": "ε",  # noqa: RUF001
    "varepsilon": "ε", "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "pi": "π",
    "rho": "ρ", "sigma": "σ", "Sigma": "Σ", "tau": "τ", "phi": "φ", "varphi": "φ", "psi": "ψ",  # noqa: RUF001
    "omega": "ω", "ell": "ℓ", "partial": "∂", "nabla": "∇", "star": "⋆", "ast": "*",  # noqa: RUF001
    "odot": "⊙", "otimes": "⊗", "circ": "∘", "times": "×", "cdot": "·", "sum": "Σ",  # noqa: RUF001
    "prod": "Π", "ne": "≠", "neq": "≠", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "approx": "≈", "equiv": "≡", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "Rightarrow": "⇒", "Longrightarrow": "⇒", "mapsto": "↦", "infty": "∞", "in": "∈",
    "top": "ᵀ", "pm": "±", "sqrt": "√", "dots": "…", "ldots": "…", "cdots": "⋯",
    "max": "max", "min": "min", "log": "log", "exp": "exp", "sin": "sin", "cos": "cos",
    "tanh": "tanh", "arg": "arg", "argmax": "argmax", "lfloor": "⌊", "rfloor": "⌋",
    "lceil": "⌈", "rceil": "⌉", "{": "{", "}": "}", "%": "%", "$": "$", "_": "_", "#": "#",
    "&": "&",
}
# Commands whose braced argument is text to keep (the command itself is dropped).
_KEEP_ARG = (
    "operatorname", "text", "textrm", "textit", "textbf", "mathrm", "mathbf", "mathit",
    "mathsf", "mathtt", "mathcal", "boldsymbol", "bm", "hat", "tilde", "bar", "vec",
    "overline", "underline", "widehat", "widetilde", "underbrace", "overbrace",
)
_MATH = re.compile(
    r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|(\\begin\{([a-z*]+)\}.*?\\end\{\5\})"
    r"|(?<![\\$\w])\$(?!\s)([^$]+?)(?<![\s\\])\$(?!\w)",
    re.S,
)


def tex_to_text(tex: str) -> str:
    """Plain words and symbols of a TeX formula, for the search index.

    >>> tex_to_text(r"\\frac{\\partial L}{\\partial w_{pq}} = \\delta^y \\star \\operatorname{rot180}(w)")
    '∂L/∂w pq = δ y ⋆ rot180(w)'
    """
    s = re.sub(r"\\begin\{[a-z*]+\}|\\end\{[a-z*]+\}", " ", tex)
    s = re.sub(r"\\(?:left|right|big|Big|bigg|Bigg)[lr]?(?![a-zA-Z])", "", s)
    keep = "|".join(_KEEP_ARG)
    for _ in range(6):  # innermost braces first, until nothing nested is left
        s = re.sub(rf"\\(?:{keep})\s*\{{([^{{}}]*)\}}", r"\1", s)
        s = re.sub(r"[_^]\{([^{}]*)\}", r" \1 ", s)
        s = re.sub(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"\1/\2", s)
    # Known commands become their symbol; spacing and unknown commands become a space.
    s = re.sub(r"\\([a-zA-Z]+|.)", lambda m: f" {_SYMBOLS.get(m.group(1), '')} ", s)
    s = re.sub(r"[{}$]", "", s)  # braces; the $ of math nested in a \text{}
    s = re.sub(r"(?<=\S)[_^]", " ", s).replace("_", " ").replace("^", " ").replace("&", " ")
    s = re.sub(r"\s+", " ", s).strip()
    # Tighten what the spacing above split apart: "∂ L / ∂ w" -> "∂L/∂w".
    s = re.sub(r"\s*/\s*", "/", s)
    s = re.sub(r"([∂∇√])\s+", r"\1", s)
    return s


def _plain(fragment: str) -> str:
    """Replace the formulas in a search entry's text or title, outside <code> and <pre>."""
    parts = re.split(r"(<(pre|code)>.*?</\2>)", fragment, flags=re.S)
    out = []
    for i, part in enumerate(parts):
        if i % 3 == 2:
            continue  # the tag name captured by the inner group
        if i % 3 == 1:
            out.append(part)
            continue

        def repl(m):
            tex = next(g for g in (m.group(1), m.group(2), m.group(3), m.group(4), m.group(6)) if g)
            return html_lib.escape(tex_to_text(html_lib.unescape(tex)), quote=False)

        out.append(_MATH.sub(repl, part))
    return "".join(out)


def clean_search_index(path: pathlib.Path) -> int:
    """Rewrite Material's search index with formulas as plain text; returns entries changed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    changed = 0
    for doc in data.get("docs", []):
        for field in ("title", "text"):
            new = _plain(doc.get(field, ""))
            if new != doc.get(field, ""):
                doc[field] = new
                changed += 1
    path.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    return changed


def on_post_build(config, **kwargs):
    index = pathlib.Path(config.site_dir) / "search" / "search_index.json"
    if index.is_file():
        n = clean_search_index(index)
        log.debug("search index: formulas replaced by plain text in %d fields", n)
    if _used:  # every build renders every page: what it did not use is stale
        for entry in _cache_dir(config).glob("*.html"):
            if entry not in _used:
                entry.unlink(missing_ok=True)
        _used.clear()
