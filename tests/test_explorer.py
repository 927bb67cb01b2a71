"""The explorers on the built site, driven in Chromium through their documented contract.

Each explorer's root has ``data-explorer`` and ``data-config``; each cell ``data-grid``,
``data-row``, ``data-col`` (``data-pad`` for padding) and its value as text; a selected cell
lights its factors with ``data-lit`` and shows its sum in ``[data-role=sum]``; the controls
are ``<select>`` elements named after the sizes. What must light up, and every value, is
derived from cnnbp's gradients in ``explorer_support.py``, not from the page's data.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from explorer_support import (
    conv_cfg,
    conv_expected,
    conv_reads_from_dw,
    conv_reads_from_dx,
    conv_unread,
    conv_values,
    pool_cfg,
    pool_expected,
    pool_route,
    pool_values,
)
from site_support import ROOT, url_of

pytestmark = pytest.mark.site

PAGES = {
    "kernel-gradient": "example/04_kernel_gradient.py",
    "stacked": "beyond/01_stacked.py",
    "stride-padding-dilation": "beyond/03_stride_padding_dilation.py",
    "maxpool": "example/03_maxpool.py",
}
KIND = {"maxpool": "pool"}
SELECTED = {"kernel-gradient": ["dw"], "stacked": ["dx"], "maxpool": ["pooled", "dx"]}
# (page, configuration key): conv keys are the digits of H W kh kw stride padding dilation,
# pool keys of H, window, stride; "seed" is the question's numbers.
CASES = [
    ("kernel-gradient", "seed"),
    ("stacked", "seed"),
    ("stacked", "5533101"),  # 3x3 kernel: the rotation in full
    ("stacked", "7733201"),  # stride 2
    ("stacked", "5533111"),  # padding 1
    ("stride-padding-dilation", "seed"),
    ("stride-padding-dilation", "6633211"),  # the start: stride 2, padding 1
    ("stride-padding-dilation", "7733201"),  # stride 2
    ("stride-padding-dilation", "6633102"),  # dilation 2
    ("stride-padding-dilation", "5523111"),  # non-square kernel, padding 1
    ("stride-padding-dilation", "7732212"),  # everything at once, non-square
    ("stride-padding-dilation", "8822301"),  # stride 3 > kernel: unread rows and columns
    ("stride-padding-dilation", "8833121"),  # the largest grids: padding 2 around 8x8
    ("stride-padding-dilation", "4411101"),  # 1x1 kernel
    ("maxpool", "seed"),
    ("maxpool", "632"),  # overlapping 3x3 windows, stride 2
    ("maxpool", "521"),  # 2x2 windows, stride 1: every inner cell in four windows
    ("maxpool", "823"),  # stride 3 > window: cells no window reads
    ("maxpool", "433"),
]
BUDGET = 150 * 1024  # bytes an explorer may add to a page: its HTML and data, script, style

ROOT_SEL = "[data-explorer]"


def _url(server, page):
    return server + url_of(PAGES[page])


class Tab:
    """One open page, with every console error and page error it ever reported."""

    def __init__(self, context, url):
        self.errors: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.ok, url
        self.page.wait_for_selector(ROOT_SEL + "[data-ready=true]")

    def root(self):
        return self.page.locator(ROOT_SEL)


@pytest.fixture(scope="module")
def tabs(browser, server):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    opened: dict[str, Tab] = {}

    def get(page):
        if page not in opened:
            opened[page] = Tab(context, _url(server, page))
        return opened[page]

    try:
        yield get
        errors = {p: t.errors for p, t in opened.items() if t.errors}
        assert not errors, f"console or page errors: {errors}"
    finally:
        context.close()


# ---------------------------------------------------------------- driving the page

_SET_CONFIG = """([key, cfg]) => {
  const root = document.querySelector('[data-explorer]');
  const preset = root.querySelector('select[name=preset]');
  const sizes = root.querySelector('select[name=H]');
  const fire = (s) => s.dispatchEvent(new Event('change'));
  if (!sizes || key === 'seed') {
    if (preset) { preset.value = key; fire(preset); }
  } else {
    if (preset && preset.value !== 'int') { preset.value = 'int'; fire(preset); }
    for (const [name, v] of Object.entries(cfg)) {
      const s = root.querySelector(`select[name=${name}]`);
      if (s) s.value = String(v);
    }
    fire(sizes);
  }
  return root.dataset.config;
}"""

_SWEEP = """(grid) => {
  const root = document.querySelector('[data-explorer]');
  const out = [];
  for (const cell of root.querySelectorAll(`[data-grid=${grid}][data-row]`)) {
    cell.focus();
    const lit = [...root.querySelectorAll('[data-lit]')].map(e => ({
      grid: e.dataset.grid, row: e.dataset.row, col: e.dataset.col, pad: e.dataset.pad || null,
      lit: e.dataset.lit, label: e.dataset.label || null}));
    const sel = [...root.querySelectorAll('[data-selected]')].map(e =>
      [e.dataset.grid, Number(e.dataset.row), Number(e.dataset.col), e.dataset.selected]);
    const argmax = [...root.querySelectorAll('[data-argmax]')].map(e =>
      [e.dataset.grid, Number(e.dataset.row), Number(e.dataset.col)]);
    out.push({row: Number(cell.dataset.row), col: Number(cell.dataset.col), text: cell.textContent,
              sum: root.querySelector('[data-role=sum]').textContent, lit, sel, argmax});
  }
  return out;
}"""

_CELLS = """(grid) => [...document.querySelectorAll(`[data-explorer] [data-grid=${grid}]`)].map(e =>
  ({row: e.dataset.row, col: e.dataset.col, pad: e.dataset.pad || null, text: e.textContent,
    unread: e.dataset.unread || null}))"""


def _controls(kind, key):
    if kind == "pool":
        h, _, k, _, s, _, _ = pool_cfg(key)
        return {"H": h, "kh": k, "stride": s}
    h, _, kh, kw, s, p, d = conv_cfg(key)
    return {"H": h, "kh": kh, "kw": kw, "stride": s, "padding": p, "dilation": d}


def _contract_config(cfg):
    h, w, kh, kw, s, p, d = cfg
    return {"H": h, "W": w, "kh": kh, "kw": kw, "stride": [s, s], "padding": [p, p],
            "dilation": [d, d]}


def _show(tab, page, key):
    """Show configuration `key`, with no cell selected."""
    kind = KIND.get(page, "conv")
    tab.page.mouse.move(0, 0)  # off the grids, so no cell is hovered after they are redrawn
    shown = tab.page.evaluate(_SET_CONFIG, [key, _controls(kind, key)])
    selected = tab.root().locator("[data-selected]")
    if selected.count():
        selected.press("Escape")
    assert tab.root().locator("[data-selected], [data-lit]").count() == 0
    cfg = pool_cfg(key) if kind == "pool" else conv_cfg(key)
    assert json.loads(shown) == _contract_config(cfg), f"{page}: could not show {key}"
    assert tab.root().get_attribute("data-explorer") == kind


def _agrees(text: str, value: float) -> bool:
    """The shown text equals the value at the precision it is shown with."""
    m = re.fullmatch(r"-?\d+(?:\.(\d+))?", text.strip())
    if not m:
        return False
    decimals = len(m.group(1) or "")
    return math.isclose(float(text), value, rel_tol=0, abs_tol=0.5 * 10**-decimals + 1e-9)


def _lit_set(rec):
    return {(e["grid"], int(e["row"]), int(e["col"])) for e in rec["lit"]}


# ---------------------------------------------------------------- every cell of every case


@pytest.mark.parametrize(("page", "key"), CASES, ids=[f"{p}-{k}" for p, k in CASES])
def test_every_cell_lights_what_cnnbp_says_it_is_made_of(tabs, page, key):
    tab = tabs(page)
    _show(tab, page, key)
    kind = KIND.get(page, "conv")
    grids = SELECTED.get(page, ["y", "dw", "dx"])
    values = pool_values(key) if kind == "pool" else conv_values(key)
    problems = []
    # The inputs are shown as they are (the text of each cell is its value).
    for grid in ("x", "w", "delta"):
        for c in tab.page.evaluate(_CELLS, grid):
            if c["pad"]:
                if c["text"] != "0" or c["row"] is not None:
                    problems.append(f"padding cell {c} of {grid}")
            elif not _agrees(c["text"], values[grid][int(c["row"]), int(c["col"])]):
                problems.append(f"{grid}[{c['row']}, {c['col']}] shows {c['text']!r}")
    for grid in grids:
        records = tab.page.evaluate(_SWEEP, grid)
        assert len(records) == values[grid].size, f"{grid}: {len(records)} cells"
        for rec in records:
            r, c = rec["row"], rec["col"]
            where = f"{grid}[{r}, {c}]"
            want = (pool_expected if kind == "pool" else conv_expected)(key, grid, r, c)
            got = _lit_set(rec)
            if any(e["pad"] for e in rec["lit"]) or any(e["lit"] != "true" for e in rec["lit"]):
                problems.append(f"{where}: a padding cell or a bad value is lit: {rec['lit']}")
            if got != want:
                problems.append(f"{where}: lit {sorted(got - want)} too many, "
                                f"{sorted(want - got)} missing")
            if rec["sel"] != [[grid, r, c, "true"]]:
                problems.append(f"{where}: selected cells {rec['sel']}")
            if not _agrees(rec["sum"], values[grid][r, c]) or rec["sum"] != rec["text"]:
                problems.append(f"{where}: sum {rec['sum']!r}, cell {rec['text']!r}, cnnbp "
                                f"{values[grid][r, c]!r}")
            if kind == "conv" and grid in ("dx", "y"):
                problems += _label_problems(key, grid, r, c, rec)
            if kind == "pool" and grid == "pooled":
                if rec["argmax"] != [["x", *pool_route(key, r, c)]]:
                    problems.append(f"{where}: maximum marked at {rec['argmax']}")
    if kind == "conv":
        unread = conv_unread(key)
        for grid in ("x", "dx"):
            marked = {(int(c["row"]), int(c["col"])) for c in tab.page.evaluate(_CELLS, grid)
                      if c["unread"]}
            if marked != unread:
                problems.append(f"{grid}: marked unread {sorted(marked)}, cnnbp {sorted(unread)}")
    assert not problems, f"{page} {key}:\n  " + "\n  ".join(problems[:20])


def _label_problems(key, grid, r, c, rec):
    """Tap labels: for dx on the deltas (they show the 180° rotation), for y on the inputs."""
    cfg = conv_cfg(key)
    out = []
    for e in rec["lit"]:
        i, j = int(e["row"]), int(e["col"])
        if grid == "dx" and e["grid"] == "delta":
            taps = np.argwhere(conv_reads_from_dx(cfg)[i, j, r, c])
        elif grid == "y" and e["grid"] == "x":
            taps = np.argwhere(conv_reads_from_dw(cfg)[r, c, i, j])
        else:
            continue
        want = ",".join(str(int(t)) for t in taps[0]) if len(taps) == 1 else None
        if e["label"] != want:
            out.append(f"{grid}[{r}, {c}]: {e['grid']}[{i}, {j}] labelled {e['label']!r}, "
                       f"cnnbp's tap {want!r}")
    return out


def test_the_rotation_is_visible_on_the_seed(tabs):
    # dx[1, 1] of the question: the four deltas around it carry the taps in reverse order.
    tab = tabs("stacked")
    _show(tab, "stacked", "seed")
    tab.root().locator("[data-grid=dx][data-row='1'][data-col='1']").hover()
    labels = tab.page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
      '[data-explorer] [data-grid=delta][data-label]')].map(e =>
      [e.dataset.row + ',' + e.dataset.col, e.dataset.label]))""")
    assert labels == {"0,0": "1,1", "0,1": "1,0", "1,0": "0,1", "1,1": "0,0"}


# ---------------------------------------------------------------- mouse, touch, keyboard


FIRST = {"kernel-gradient": "dw", "stacked": "dx", "stride-padding-dilation": "dw",
         "maxpool": "pooled"}


@pytest.mark.parametrize("page", PAGES)
def test_hover_previews_and_a_click_pins(tabs, page):
    tab = tabs(page)
    kind = KIND.get(page, "conv")
    key = "seed"
    _show(tab, page, key)
    grid = FIRST[page]
    expect = pool_expected if kind == "pool" else conv_expected
    root = tab.root()
    a = root.locator(f"[data-grid={grid}][data-row='1'][data-col='1']")
    b = root.locator(f"[data-grid={grid}][data-row='0'][data-col='0']")
    lit = """() => [...document.querySelectorAll('[data-explorer] [data-lit]')]
      .map(e => [e.dataset.grid, +e.dataset.row, +e.dataset.col])"""

    def lit_now():
        return {tuple(x) for x in tab.page.evaluate(lit)}

    a.hover()
    assert lit_now() == expect(key, grid, 1, 1)
    tab.page.mouse.move(1, 1)  # off the grids: nothing pinned, nothing lit
    assert lit_now() == set() and root.locator("[data-selected]").count() == 0
    b.click()
    tab.page.mouse.move(1, 1)  # the clicked cell stays selected
    assert lit_now() == expect(key, grid, 0, 0)
    a.hover()
    assert lit_now() == expect(key, grid, 1, 1)
    tab.page.mouse.move(1, 1)
    assert lit_now() == expect(key, grid, 0, 0)
    b.press("Escape")
    assert lit_now() == set()


@pytest.mark.parametrize("page", PAGES)
def test_keyboard_moves_the_selection_and_announces_it(tabs, page):
    tab = tabs(page)
    key = "seed"
    _show(tab, page, key)
    grid = FIRST[page]
    root = tab.root()
    n_rows = root.locator(f"[data-grid={grid}][data-col='0']").count()
    n_cols = root.locator(f"[data-grid={grid}][data-row='0']").count()
    # One tab stop per selectable grid (roving tabindex).
    tabbable = tab.page.evaluate(f"""() => [...document.querySelectorAll(
      '[data-explorer] [data-grid={grid}][tabindex="0"]')].length""")
    assert tabbable == 1
    root.locator(f"[data-grid={grid}][data-row='0'][data-col='0']").focus()

    def where():
        return tab.page.evaluate("""() => { const a = document.activeElement;
          const s = document.querySelector('[data-explorer] [data-selected]');
          return [a.dataset.grid, +a.dataset.row, +a.dataset.col, a.tabIndex,
                  s && [s.dataset.grid, +s.dataset.row, +s.dataset.col],
                  document.querySelector('[data-explorer] [data-role=live]').textContent]; }""")

    moves = [("ArrowRight", 0, 1), ("ArrowDown", 1, 1), ("ArrowLeft", 1, 0), ("ArrowLeft", 1, 0),
             ("ArrowUp", 0, 0), ("ArrowUp", 0, 0), ("End", 0, n_cols - 1), ("Home", 0, 0)]
    for k, r, c in moves:
        tab.page.keyboard.press(k)
        g, ar, ac, tabindex, sel, live = where()
        assert (g, ar, ac) == (grid, r, c), f"after {k}: focus on {g}[{ar}, {ac}]"
        assert sel == [grid, r, c] and tabindex == 0
        assert f"[{r}, {c}]" in live, f"after {k}, the live region says {live!r}"
    assert n_rows >= 2
    live_attr = root.locator("[data-role=live]").get_attribute("aria-live")
    assert live_attr == "polite"


@pytest.mark.parametrize("page", PAGES)
def test_a_tap_selects_on_a_touch_screen(browser, server, page):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True, device_scale_factor=2)
    try:
        tab = Tab(context, _url(server, page))
        kind = KIND.get(page, "conv")
        grid = FIRST[page]
        cell = tab.root().locator(f"[data-grid={grid}][data-row='1'][data-col='0']")
        cell.tap()
        got = {tuple(x) for x in tab.page.evaluate("""() => [...document.querySelectorAll(
          '[data-explorer] [data-lit]')].map(e => [e.dataset.grid, +e.dataset.row,
          +e.dataset.col])""")}
        start = "seed" if page != "stride-padding-dilation" else "6633211"
        if kind == "pool":
            assert got == pool_expected(start, grid, 1, 0)
        else:
            assert got == conv_expected(start, grid, 1, 0)
        assert not tab.errors, tab.errors
    finally:
        context.close()


# ---------------------------------------------------------------- controls and play


def test_settings_that_do_not_fit_are_disabled_with_the_reason(tabs):
    page = "stride-padding-dilation"
    tab = tabs(page)
    _show(tab, page, "6633211")
    root = tab.root()

    def option(name, value):
        return root.locator(f"select[name={name}] option[value='{value}']")

    # Padding 1 and a 1-cell kernel: border outputs would read only padding.
    assert option("kh", 1).is_disabled() and "padding 1" in option("kh", 1).get_attribute("title")
    assert "kernel rows 1" in root.locator("[data-role=reasons]").inner_text()
    root.locator("select[name=padding]").select_option("0")
    assert option("kh", 1).is_enabled()
    root.locator("select[name=kh]").select_option("1")
    assert json.loads(root.get_attribute("data-config"))["kh"] == 1
    assert option("padding", 1).is_disabled() and option("padding", 2).is_disabled()
    # A 3-tap kernel with dilation 2 spans 5 cells: too much for a 4x4 input without padding.
    root.locator("select[name=kh]").select_option("3")
    root.locator("select[name=dilation]").select_option("2")
    assert option("H", 4).is_disabled()
    assert "spans 5 cells" in option("H", 4).get_attribute("title")
    # The question's numbers fix every size.
    root.locator("select[name=preset]").select_option("seed")
    assert json.loads(root.get_attribute("data-config")) == _contract_config(conv_cfg("seed"))
    for name in ("H", "kh", "kw", "stride", "padding", "dilation"):
        assert root.locator(f"select[name={name}]").is_disabled()
    root.locator("select[name=preset]").select_option("int")
    assert root.locator("select[name=H]").is_enabled()


def test_play_steps_through_every_term_of_the_sum(tabs):
    page = "stride-padding-dilation"
    tab = tabs(page)
    _show(tab, page, "6633211")
    root = tab.root()
    root.locator("[data-grid=dw][data-row='1'][data-col='2']").click()
    lit = {tuple(x) for x in tab.page.evaluate("""() => [...document.querySelectorAll(
      '[data-explorer] [data-lit]')].map(e => [e.dataset.grid, +e.dataset.row, +e.dataset.col])""")}
    n_terms = root.locator("[data-role=terms] li[data-term]").count()
    seen = set()
    for k in range(n_terms):
        root.locator("[data-role=step]").click()
        current = {tuple(x) for x in tab.page.evaluate("""() => [...document.querySelectorAll(
          '[data-explorer] .cx-cell[data-current]')].map(e =>
          [e.dataset.grid, +e.dataset.row, +e.dataset.col])""")}
        assert len(current) == 2 and current <= lit, f"term {k}: {current}"
        assert root.locator("[data-role=terms] li[data-current]").get_attribute("data-term") == str(k)
        seen |= current
    assert seen == lit  # the steps cover the whole sum
    play = root.locator("[data-role=play]")
    play.click()
    assert play.get_attribute("aria-pressed") == "true"
    tab.page.wait_for_timeout(2000)
    assert root.locator("[data-role=terms] li[data-current]").count() == 1
    play.click()
    assert play.get_attribute("aria-pressed") == "false"


# ---------------------------------------------------------------- widths, weight, navigation


# Phones in dark mode, desktops in light mode: the colours of both schemes, at both widths.
@pytest.mark.parametrize(("width", "scheme"), [(390, "dark"), (1300, "light")])
@pytest.mark.parametrize("page", PAGES)
def test_fits_the_screen_in_both_schemes(browser, server, page, width, scheme):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        tab = Tab(context, _url(server, page))
        keys = [k for p, k in CASES if p == page]
        for key in keys:
            _show(tab, page, key)
            tab.root().locator(f"[data-grid={FIRST[page]}][data-row='0'][data-col='0']").hover()
            m = tab.page.evaluate("""() => { const r = document.querySelector('[data-explorer]');
              const cells = [...r.querySelectorAll('.cx-cell')];
              const lit = r.querySelector('[data-lit]');
              return {page: [document.documentElement.scrollWidth, innerWidth],
                      root: [r.scrollWidth, r.clientWidth],
                      font: Math.min(...cells.map(c => parseFloat(getComputedStyle(c).fontSize))),
                      lit: lit && [getComputedStyle(lit).color, getComputedStyle(lit).backgroundColor],
                      scheme: document.body.getAttribute('data-md-color-scheme')}; }""")
            assert m["page"][0] <= m["page"][1], f"{page} {key}: the page scrolls sideways {m}"
            assert m["root"][0] <= m["root"][1] + 1, f"{page} {key}: grids overflow {m}"
            assert m["font"] >= 10, f"{page} {key}: cell text below 10 px {m}"
            assert m["lit"] and m["lit"][0] != m["lit"][1]
            assert m["scheme"] == ("slate" if scheme == "dark" else "default")
        assert not tab.errors, tab.errors
    finally:
        context.close()


_STATIC_SIZES = """async () => {
  const html = await (await fetch(location.href)).text();
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const root = doc.querySelector('[data-explorer]');
  const cell = root.closest('.jp-Notebook > .jp-Cell');  // the outermost cell div
  const bytes = (s) => new TextEncoder().encode(s).length;
  return {cell: bytes(cell.outerHTML), intro: bytes(cell.previousElementSibling.outerHTML),
          root: bytes(root.outerHTML), count: doc.querySelectorAll('[data-explorer]').length};
}"""


@pytest.mark.parametrize("page", PAGES)
def test_page_weight_added_by_the_explorer(tabs, built_site, page, capsys):
    tab = tabs(page)
    sizes = tab.page.evaluate(_STATIC_SIZES)
    js = (built_site.site / "javascripts" / "explorer.js").stat().st_size
    css = (built_site.site / "stylesheets" / "explorer.css").stat().st_size
    added = sizes["cell"] + sizes["intro"] + js + css
    with capsys.disabled():
        print(f"\n[explorer] {page}: {added / 1024:.1f} KB added (data and HTML "
              f"{sizes['root'] / 1024:.1f} KB, script {js / 1024:.1f} KB, style "
              f"{css / 1024:.1f} KB)")
    assert sizes["count"] == 1
    assert added <= BUDGET, f"{page}: {added} bytes added, budget {BUDGET}"


def test_still_works_after_an_instant_navigation(tabs, server):
    # Material's navigation.instant swaps the page content in place and emits document$; the
    # explorers must start on the new content, once, and the old one must stop cleanly.
    tab = tabs("kernel-gradient")
    page = tab.page
    page.locator("[data-explorer] [data-grid=dw][data-row='0'][data-col='0']").click()
    page.locator("[data-explorer] [data-role=play]").click()
    swapped = page.evaluate("""async (url) => {
      const html = await (await fetch(url)).text();
      const doc = new DOMParser().parseFromString(html, 'text/html');
      document.querySelector('.md-content').replaceWith(
        document.adoptNode(doc.querySelector('.md-content')));
      history.pushState({}, '', url);
      document$.next(document);
      document$.next(document);  // a second emission must not start it twice
      const root = document.querySelector('[data-explorer]');
      return [root.dataset.ready, root.querySelectorAll('.cx-grids').length,
              JSON.parse(root.dataset.config)];
    }""", _url(server, "stride-padding-dilation"))
    assert swapped == ["true", 1, _contract_config(conv_cfg("6633211"))]
    page.wait_for_timeout(2000)  # the old explorer's timer ran on a removed page
    page.locator("[data-explorer] [data-grid=dw][data-row='0'][data-col='1']").hover()
    got = {tuple(x) for x in page.evaluate("""() => [...document.querySelectorAll(
      '[data-explorer] [data-lit]')].map(e => [e.dataset.grid, +e.dataset.row, +e.dataset.col])""")}
    assert got == conv_expected("6633211", "dw", 0, 1)
    assert not tab.errors, tab.errors
    page.goto(_url(server, "kernel-gradient"))  # leave the tab as the other tests expect it


def test_pages_embed_the_explorers_listed_here():
    for page, src in PAGES.items():
        text = (ROOT / "docs" / src).read_text(encoding="utf-8")
        call = "pool_explorer_data" if KIND.get(page) == "pool" else "conv_explorer_data"
        assert re.search(r'# %% tags=\["remove-input"\]\n(?:.*\n)*?show_explorer\(' + call,
                         text), f"{src} has no explorer cell"
