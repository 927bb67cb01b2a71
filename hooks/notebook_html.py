"""Tidy the HTML mkdocs-jupyter makes of each notebook page (an MkDocs hook, see mkdocs.yml).

It works on the rendered page only (``on_page_content``), so it depends on what nbconvert and
mkdocs-jupyter write, not on how they are written:

1. nbconvert's MathJax 2 loader (an empty ``<script src="">`` and a ``MathJax.Hub`` config) is
   removed: the site loads its own MathJax 3, once per page.
2. The stylesheets inlined into every notebook page (~580 KB of JupyterLab CSS) are served once
   per site, as files named by their hash and linked from the same spot (same cascade order).
   The broken duplicate that mkdocs-jupyter appends to ``.ipynb`` pages (a Python list's repr
   inside ``<style>``) is dropped.
3. The table of contents (and the title) is read from the rendered headings. mkdocs-jupyter
   derives it from a second, Markdown rendering with inline code removed, so a heading such as
   "Compared with the answer's `d`" got the anchor ``#compared-with-the-answers`` while the
   heading's id is ``compared-with-the-answers-d``.
"""

from __future__ import annotations

import hashlib
import pathlib
import re
from html.parser import HTMLParser

from mkdocs.structure.toc import get_toc
from mkdocs.utils import get_relative_url

CSS_DIR = "assets/stylesheets"

# nbconvert's base/mathjax.html.j2 wraps its loader in these two comments.
_MATHJAX2 = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", flags=re.DOTALL
)
_HEADING = re.compile(r"<h([1-6])\b.*?</h\1>", flags=re.DOTALL)
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", flags=re.DOTALL)
# mkdocs-jupyter's notebook.html.j2 puts the cells between these two.
_WRAPPER = '<div class="jupyter-wrapper">'
_WRAPPER_END = "</div> <!-- jupyter-wrapper -->"

_css: dict[str, str] = {}


def on_config(config, **kwargs):
    _css.clear()
    return config


def on_page_content(html, page, config, files, **kwargs):
    if not getattr(page, "nb_url", None):  # set by mkdocs-jupyter on notebook pages only
        return html
    html = _MATHJAX2.sub("", html)
    html = _share_stylesheets(html, page.url)
    toc, title = headings(html, config.plugins["mkdocs-jupyter"].config["toc_depth"])
    page.toc = get_toc(toc)
    if title and not config.plugins["mkdocs-jupyter"].config["ignore_h1_titles"]:
        page.title = title
    return html


def _share_stylesheets(html: str, page_url: str) -> str:
    """Replace each ``<style>`` outside the cells by a link to the same CSS, served once."""
    start, end = html.find(_WRAPPER), html.find(_WRAPPER_END)
    if start == -1 or end == -1:
        return html

    def replace(m: re.Match) -> str:
        css = m.group(1).strip()
        if css.startswith("['"):
            return ""
        name = f"{CSS_DIR}/notebook-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
        _css[name] = css
        return f'<link rel="stylesheet" href="{get_relative_url(name, page_url)}">'

    # Styles that outputs bring with them, inside the cells, stay where they are.
    head, cells, tail = html[:start], html[start:end], html[end:]
    return _STYLE.sub(replace, head) + cells + _STYLE.sub(replace, tail)


class _Headings(HTMLParser):
    def __init__(self, depth: int):
        super().__init__(convert_charrefs=True)
        self.depth, self.found, self._open, self._skip = depth, [], None, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag) and a.get("id") and int(tag[1]) <= self.depth:
            self._open = {"level": int(tag[1]), "id": a["id"], "name": "", "children": []}
        elif self._open is not None and tag == "a" and "anchor-link" in (a.get("class") or ""):
            self._skip += 1

    def handle_endtag(self, tag):
        if self._open is not None and tag == "a" and self._skip:
            self._skip -= 1
        elif self._open is not None and tag == f"h{self._open['level']}":
            self._open["name"] = " ".join(self._open["name"].split())
            self.found.append(self._open)
            self._open = None

    def handle_data(self, data):
        if self._open is not None and not self._skip:
            self._open["name"] += data


def headings(html: str, depth: int = 6) -> tuple[list[dict], str | None]:
    """TOC tokens (nested as MkDocs wants them) and the first h1's text, from rendered HTML."""
    parser = _Headings(depth)
    # Only the headings are parsed: the rest of a notebook page is most of its bytes.
    for m in _HEADING.finditer(html):
        parser.feed(m.group(0))
    tokens: list[dict] = []
    stack: list[dict] = []
    for token in parser.found:
        while stack and stack[-1]["level"] >= token["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else tokens).append(token)
        stack.append(token)
    title = next((t["name"] for t in parser.found if t["level"] == 1), None)
    return tokens, title


def on_post_build(config, **kwargs):
    for name, css in _css.items():
        target = pathlib.Path(config.site_dir) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(css, encoding="utf-8")
