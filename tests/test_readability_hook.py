"""The pieces of ``hooks/readability.py`` on small inputs, without building the site.

The built site is held to the same rules by ``test_layout.py``; these tests pin down each
mechanism on its own so that a failure there can be told apart from a page that breaks a rule.
"""

from __future__ import annotations

import base64
import json
import math
import re
import types

import pytest
from site_support import load_hook

readability = load_hook("readability")


def _cell(tags=(), source="x = 1", output="<pre>1</pre>", prompt="In&nbsp;[3]:"):
    """A code cell as mkdocs-jupyter's template renders it (outer wrapper, lab cell inside)."""
    cls = " ".join(f"celltag_{t}" for t in tags)
    toolbar = (
        '<div class="celltoolbar">'
        + "".join(f'<span class="cell-tag">{t}</span>' for t in tags)
        + "</div>"
        if tags
        else ""
    )
    return (
        f'<div class="jp-Cell jp-CodeCell jp-Notebook-cell {cls}">\n'
        f'<div class="jp-Cell jp-CodeCell jp-Notebook-cell {cls}" id="cell-id=1">\n'
        '<div class="jp-Cell-inputWrapper" tabindex="0">\n'
        '<div class="jp-InputArea jp-Cell-inputArea">\n'
        f'<div class="jp-InputPrompt jp-InputArea-prompt">{prompt}</div>'
        '<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">\n'
        f"{toolbar}"
        '<div class="CodeMirror cm-s-jupyter"><div class="zeroclipboard-container">'
        '<clipboard-copy for="cell-1"><div><span class="notice" hidden>Copied!</span></div>'
        "</clipboard-copy></div>"
        f'<div class="highlight-ipynb hl-python"><pre><span></span>{source}</pre></div>'
        f'<div class="clipboard-copy-txt" id="cell-1">{source}</div>'
        "</div></div></div></div>\n"
        '<div class="jp-Cell-outputWrapper"><div class="jp-OutputArea jp-Cell-outputArea">'
        '<div class="jp-OutputArea-child jp-OutputArea-executeResult">'
        '<div class="jp-OutputPrompt jp-OutputArea-prompt">Out[3]:</div>'
        '<div class="jp-RenderedText jp-OutputArea-output jp-OutputArea-executeResult" '
        f'data-mime-type="text/plain">{output}</div>'
        "</div></div></div>\n</div>\n</div>"
    )


MARKDOWN = (
    '<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell"><div class="jp-RenderedMarkdown">'
    '<h2 id="dilation">Dilation<a class="anchor-link" href="#dilation">¶</a></h2>'
    "<p>prose</p></div></div>"
)


@pytest.mark.parametrize(
    "tags, input_shown, output_shown, folded",
    [
        ((), True, True, False),
        (("remove-input",), False, True, False),
        (("remove-cell",), False, False, False),
        (("hide-input",), True, True, True),
    ],
    ids=["untagged", "remove-input", "remove-cell", "hide-input"],
)
def test_cell_tags(tags, input_shown, output_shown, folded):
    page = MARKDOWN + _cell(tags, source="secret_code()", output="<pre>the output</pre>")
    out = readability.apply_cell_tags(page)
    assert out.startswith(MARKDOWN), "the markdown cell around it must be left alone"
    assert ("secret_code()" in out) is input_shown
    assert ("the output" in out) is output_shown
    assert ('<details class="cnnbp-hide-input">' in out) is folded
    assert "celltoolbar" not in out, "the tag names must not be shown to readers"
    if "remove-input" in tags:
        assert "Out[3]:" not in out, "an Out[n] prompt with no input above it"
    if folded:
        details = out[out.index("<details") : out.index("</details>")]
        assert "secret_code()" in details and "the output" not in details


def test_unknown_tags_change_nothing_but_the_toolbar():
    page = _cell(("some-other-tag",))
    out = readability.apply_cell_tags(page)
    assert out == re.sub(r'<div class="celltoolbar">.*?</div>', "", page)


def test_search_markup():
    out = readability.mark_notebook_html(MARKDOWN + _cell(output="<pre>array([1])</pre>"))
    assert 'class="headerlink"' in out and "anchor-link" not in out
    for marked in ("jp-InputPrompt", "jp-OutputPrompt", "highlight-ipynb", "clipboard-copy-txt"):
        assert re.search(rf'<div class="{marked}[^"]*"[^>]*data-search-exclude', out), marked
    assert "<clipboard-copy for=\"cell-1\" data-search-exclude>" in out
    assert "<pre data-search-exclude>array([1])</pre>" in out


def test_search_markup_survives_materials_parser():
    """Material's own parser, on the marked HTML, keeps the prose and drops code and prompts."""
    from material.plugins.search.plugin import Parser

    html = readability.mark_notebook_html(
        MARKDOWN + _cell(source="conv2d_backward(dy)", output="<pre>[[1. 2.]]</pre>") + "<p>after</p>"
    )
    parser = Parser()
    parser.feed(html)
    parser.close()
    text = " ".join("".join(s.title) + " " + "".join(s.text) for s in parser.data)
    assert "Dilation" in text and "prose" in text and "after" in text
    for noise in ("¶", "In&nbsp;[3]", "In [3]", "Out[3]", "Copied!", "conv2d_backward", "[[1. 2.]]"):
        assert noise not in text, noise


def _svg_output(svg: str) -> str:
    data = base64.b64encode(svg.encode()).decode()
    return (
        '<div class="jp-RenderedSVG jp-OutputArea-output" data-mime-type="image/svg+xml">'
        f'<img src="data:image/svg+xml;base64,{data}"></div>'
    )


SVG = (
    '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="432pt" height="216pt" '
    'viewBox="0 0 432 216" xmlns="http://www.w3.org/2000/svg" version="1.1">\n'
    "<metadata><dc:date>2026</dc:date></metadata>"
    '<defs><clipPath id="p1"><rect x="0" y="0" width="9" height="9"/></clipPath></defs>'
    '<g id="text_1" clip-path="url(#p1)"><!-- $x$ -->'
    '<text style="font-size: 8px">label</text>'
    '<text><tspan style="font-size: 10px">x</tspan><tspan style="font-size: 7px">i</tspan></text>'
    '</g><use xlink:href="#p1"/></svg>\n'
)


def test_svg_is_inlined_with_unique_ids():
    out = readability.mark_notebook_html(_svg_output(SVG) + _svg_output(SVG), page_key="pg-")
    assert "<img" not in out and out.count("<svg ") == 2
    assert "<?xml" not in out and "DOCTYPE" not in out and "metadata" not in out
    assert "<!--" not in out, "mathtext comments carry raw TeX"
    ids = re.findall(r'\bid="([^"]+)"', out)
    assert len(ids) == len(set(ids)) == 4, ids
    assert 'clip-path="url(#pg-f0-p1)"' in out and 'xlink:href="#pg-f1-p1"' in out
    assert out.count("data-search-exclude") == 2


def test_svg_min_width_keeps_text_legible():
    # Smallest body text 8 pt (the 7 pt tspan is a subscript of a 10 pt text): 8 * 4/3 px at
    # full size, so the figure may shrink to 7 / (8 * 4/3) of its 576 px.
    assert readability.text_sizes(SVG) == [8.0, 10.0]
    out = readability.inline_svg("data:image/svg+xml;base64," + base64.b64encode(SVG.encode()).decode(), "k")
    width = 432 * 96 / 72
    assert f'style="min-width: {math.ceil(width * 7 / (8 * 96 / 72))}px"' in out


@pytest.mark.parametrize(
    "tex, text",
    [
        (r"\operatorname{rot180}(w)", "rot180(w)"),
        (r"\frac{\partial L}{\partial w_{pq}}", "∂L/∂w pq"),
        (r"\delta^{y} \star x", "δ y ⋆ x"),
        (r"\begin{cases} 1 & r = r^* \\ 0 & \text{otherwise} \end{cases}", "1 r = r * 0 otherwise"),
        (r"\quad\text{(first $k_h \times k_w$ outputs)}", "(first k h × k w outputs)"),  # noqa: RUF001
        (r"\mathbb{R}^{H\times W}", "R H × W"),  # noqa: RUF001
    ],
)
def test_tex_to_text(tex, text):
    assert readability.tex_to_text(tex) == text


def test_search_index_cleaning(tmp_path):
    index = tmp_path / "search_index.json"
    docs = [
        {"location": "a/", "title": r"Why \(\operatorname{rot180}\)?", "text": "<p>plain</p>"},
        {"location": "b/", "title": "B", "text": r"<p>so $\delta^y_{ij}$ and $$\sum_i x_i$$</p>"},
        {"location": "c/", "title": "C", "text": "<pre><code>echo $HOME \\n</code></pre><p>$5 and $6</p>"},
    ]
    index.write_text(json.dumps({"config": {}, "docs": docs}), encoding="utf-8")
    readability.clean_search_index(index)
    out = json.loads(index.read_text(encoding="utf-8"))["docs"]
    assert out[0]["title"] == "Why rot180?"
    assert out[1]["text"] == "<p>so δ y ij and Σ i x i</p>"
    assert out[2]["text"].startswith("<pre><code>echo $HOME \\n</code></pre>"), "code is left alone"


def _notebook_page(src_uri="beyond/01_stacked.py"):
    file = types.SimpleNamespace(src_uri=src_uri)
    return types.SimpleNamespace(file=file, meta={}, nb_url="01_stacked.py")


def _render(tmp_path, html, page=None):
    config = types.SimpleNamespace(config_file_path=str(tmp_path / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    return readability.on_page_content(html, page or _notebook_page(), config, files=None), config


def test_marked_pages_are_cached_on_what_they_depend_on(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNBP_DOCS_CACHE", raising=False)
    monkeypatch.setattr(readability, "_used", set())
    html = _cell(tags=["remove-input"])
    first, config = _render(tmp_path, html)
    entries = list((tmp_path / readability.CACHE_DIR).glob("*.html"))
    assert len(entries) == 1 and entries[0].read_text(encoding="utf-8") == first
    assert "x = 1" not in first  # the tag was applied before the result was kept
    # The same page again comes from the cache, not from the two passes.
    passes = readability.apply_cell_tags
    monkeypatch.setattr(readability, "apply_cell_tags", lambda text: pytest.fail("not cached"))
    assert _render(tmp_path, html)[0] == first
    monkeypatch.setattr(readability, "apply_cell_tags", passes)
    # Another HTML, or the same HTML on another page (its figures' id prefix), is another entry.
    _render(tmp_path, _cell(tags=["hide-input"]))
    _render(tmp_path, html, _notebook_page("example/01_forward.py"))
    assert len(list((tmp_path / readability.CACHE_DIR).glob("*.html"))) == 3
    # After the build, only what it used is kept.
    monkeypatch.setattr(readability, "_used", set())
    _render(tmp_path, html)
    readability.on_post_build(config)
    assert list((tmp_path / readability.CACHE_DIR).glob("*.html")) == entries


def test_cache_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNBP_DOCS_CACHE", "off")
    out, _ = _render(tmp_path, _cell(tags=["remove-cell"]))
    assert "x = 1" not in out
    assert not (tmp_path / readability.CACHE_DIR).exists()
