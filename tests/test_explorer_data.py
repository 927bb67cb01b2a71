"""The explorers' build-time data (cnnbp.viz.explorer) against cnnbp's own gradients.

The browser tests (test_explorer.py) check what the page shows; these check what it embeds:
the lookup tables, every value of every configuration, the settings it refuses and why, and
the HTML wrapper.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from explorer_support import (
    SEED_CONV,
    conv_cfg,
    conv_reads_from_dw,
    conv_reads_from_dx,
    conv_values,
    out_hw,
    pool_cfg,
    pool_route,
    pool_values,
    pool_windows,
)

from cnnbp import conv2d
from cnnbp import seed as seed_data
from cnnbp.viz import conv_explorer_data, explorer_html, format_value, pool_explorer_data
from cnnbp.viz import explorer as ex

CONV = conv_explorer_data()
POOL = pool_explorer_data()
INT_KEYS = sorted(k for k in CONV["configs"] if k != "seed")
POOL_KEYS = sorted(k for k in POOL["configs"] if k != "seed")


def _table_terms(data, key) -> set[tuple[int, ...]]:
    """(i, j, p, q, u, v) with (u, v) unpadded, for products with a real input cell."""
    h, w, kh, kw, s, p, d = conv_cfg(key)
    rows = data["axes"][f"{h},{kh},{s},{p},{d}"]
    cols = data["axes"][f"{w},{kw},{s},{p},{d}"]
    real_r, real_c = data["real"][f"{h},{p}"], data["real"][f"{w},{p}"]
    return {
        (i, j, tp, tq, real_r[u], real_c[v])
        for i, tr in enumerate(rows)
        for j, tc in enumerate(cols)
        for tp, u in enumerate(tr)
        for tq, v in enumerate(tc)
        if real_r[u] >= 0 and real_c[v] >= 0
    }


def _reads_terms(t: np.ndarray) -> set[tuple[int, ...]]:
    i, j, u, v, p, q = np.nonzero(t)
    return set(zip(*(a.tolist() for a in (i, j, p, q, u, v)), strict=True))


def test_the_controls_reach_hundreds_of_configurations():
    assert len(INT_KEYS) > 400 and "seed" in CONV["configs"]
    assert CONV["start"] in CONV["configs"]


@pytest.mark.parametrize("key", [*INT_KEYS, "seed"])
def test_lookup_tables_are_what_cnnbp_gradients_read(key):
    # Both gradients of cnnbp, on one-hot inputs, name the same products as the tables.
    from_dw = _reads_terms(conv_reads_from_dw(conv_cfg(key)))
    assert _table_terms(CONV, key) == from_dw
    assert from_dw == _reads_terms(conv_reads_from_dx(conv_cfg(key)))


@pytest.mark.parametrize("key", INT_KEYS)
def test_every_integer_configuration_embeds_cnnbp_values(key):
    want = conv_values(key)
    y, dw, dx = CONV["configs"][key]
    for name, got in (("y", y), ("dw", dw), ("dx", dx)):
        assert got == want[name].ravel().tolist(), name
    h, w, kh, kw = conv_cfg(key)[:4]
    oh, ow = want["y"].shape
    # The inputs are the corners of the integer arrays the data carries once.
    assert np.array_equal(np.array(CONV["int"]["x"])[:h, :w], want["x"])
    assert np.array_equal(np.array(CONV["int"]["w"])[:kh, :kw], want["w"])
    assert np.array_equal(np.array(CONV["int"]["delta"])[:oh, :ow], want["delta"])


def test_seed_preset_shows_the_question_and_the_answer():
    entry = CONV["configs"]["seed"]
    assert tuple(entry["cfg"]) == SEED_CONV
    want = conv_values("seed")
    fmts = {"x": "{:.2f}", "w": "{:.4f}", "y": "{:.4f}", "delta": "{:.4f}", "dw": "{:.6f}",
            "dx": "{:.4f}"}
    for name, fmt in fmts.items():
        assert entry[name] == [format_value(v, fmt) for v in want[name].ravel()], name
    assert entry["dw"] == ["0.044606", "0.094061", "0.011262", "0.068288"]  # the answer's
    assert entry["x"] == [f"{v:.2f}" for v in seed_data.INPUT.ravel()]  # shown exactly


def _cnnbp_accepts(h, k, p, d) -> bool:
    try:
        conv2d(np.zeros((1, 1, h, h)), np.zeros((1, 1, k, k)), None, 1, p, d)
    except ValueError:
        return False
    return True


def _every_output_reads_a_real_cell(h, k, p, d) -> bool:
    t = conv_reads_from_dw((h, h, k, k, 1, p, d))  # square: the same along both axes
    return bool(t.any(axis=(2, 3, 4, 5)).all())


@pytest.mark.parametrize("h", ex.CONV_OPTIONS["H"])
def test_refused_settings_are_the_ones_the_reasons_describe(h):
    for k in ex.CONV_OPTIONS["kh"]:
        for p in ex.CONV_OPTIONS["padding"]:
            for d in ex.CONV_OPTIONS["dilation"]:
                reason = CONV["invalid"].get(f"{h},{k},{p},{d}")
                if not _cnnbp_accepts(h, k, p, d):
                    assert reason and "more than the padded input" in reason, (h, k, p, d)
                elif not _every_output_reads_a_real_cell(h, k, p, d):
                    assert reason and "nothing but padding" in reason, (h, k, p, d)
                else:
                    assert reason is None, (h, k, p, d, reason)
    # ... and exactly the configurations with no refused axis are embedded.
    for key in INT_KEYS:
        c = conv_cfg(key)
        assert f"{c[0]},{c[2]},{c[5]},{c[6]}" not in CONV["invalid"]
        assert f"{c[1]},{c[3]},{c[5]},{c[6]}" not in CONV["invalid"]


@pytest.mark.parametrize("key", [*POOL_KEYS, "seed"])
def test_pool_data_is_cnnbp_routing(key):
    entry = POOL["configs"][key]
    want = pool_values(key)
    h, _, k, _, s, _, _ = pool_cfg(key)
    windows = pool_windows(key)
    if key == "seed":
        m, arg, ties, dx = entry["pooled"], entry["arg"], entry["ties"], entry["dx"]
        assert m == [format_value(v, "{:.4f}") for v in want["pooled"].ravel()]
        assert dx == [format_value(v, "{:.4f}") for v in want["dx"].ravel()]
    else:
        m, arg, ties, dx = entry
        assert m == want["pooled"].ravel().tolist() and dx == want["dx"].ravel().tolist()
        rows = POOL["axes"][f"{h},{k},{s}"]
        for i, j in np.ndindex(windows.shape[:2]):
            cells = {(u, v) for u in rows[i] for v in rows[j]}
            assert cells == {tuple(a) for a in np.argwhere(windows[i, j]).tolist()}
    oh, ow = windows.shape[:2]
    routes = [pool_route(key, i, j) for i, j in np.ndindex(oh, ow)]
    assert [tuple(arg[n : n + 2]) for n in range(0, len(arg), 2)] == routes
    want_ties = []
    for n, (i, j) in enumerate(np.ndindex(oh, ow)):
        best = want["pooled"][i, j]
        for u, v in np.argwhere(windows[i, j]).tolist():
            if want["x"][u, v] == best and (u, v) != routes[n]:
                want_ties += [n, u, v]
    assert ties == want_ties


def test_pool_integer_examples_have_ties_and_overlaps():
    tied = [k for k in POOL_KEYS if POOL["configs"][k][2]]
    assert len(tied) > len(POOL_KEYS) // 2
    # With stride 1 some cell wins several windows: its gradient is a sum.
    arg = POOL["configs"]["521"][1]
    pairs = [tuple(arg[n : n + 2]) for n in range(0, len(arg), 2)]
    assert len(set(pairs)) < len(pairs)


def test_pages_embed_only_what_they_need():
    small = conv_explorer_data(("x", "delta", "dw"), controls=False)
    assert list(small["configs"]) == ["seed"] and small["invalid"] == {}
    assert list(small["axes"]) == ["5,2,1,0,1"]
    few = conv_explorer_data(controls=False, presets=[{"H": 5, "kh": 3}, {"H": 7, "kh": 3,
                                                                      "stride": 2}])
    assert sorted(few["configs"]) == ["5533101", "7733201"]
    assert few["start"] == "5533101" and [p["key"] for p in few["presets"]] == sorted(
        few["configs"])


def test_html_carries_the_contract_and_data_that_cannot_end_its_script():
    data = conv_explorer_data(controls=False, presets=[{"H": 4, "kh": 2, "label": "</script>"}])
    markup = explorer_html(data)
    assert markup.count("</script>") == 1
    payload = re.search(r'<script type="application/json"[^>]*>(.*)</script>', markup).group(1)
    assert json.loads(payload) == data
    cfg = json.loads(re.search(r'data-config="([^"]*)"', markup).group(1).replace("&quot;", '"'))
    assert cfg == {"H": 4, "W": 4, "kh": 2, "kw": 2, "stride": [1, 1], "padding": [0, 0],
                   "dilation": [1, 1]}
    assert 'data-explorer="conv"' in markup


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: conv_explorer_data(("x", "z")), "grids must be"),
        (lambda: conv_explorer_data(presets=[{"H": 9, "kh": 2}]), "H=9"),
        (lambda: conv_explorer_data(presets=[{"H": 5, "kh": 1, "padding": 1}]), "refused"),
        (lambda: conv_explorer_data(presets=[{"H": 5, "size": 1}]), "unknown configuration"),
        (lambda: conv_explorer_data(presets=["answer"]), "unknown preset"),
        (lambda: conv_explorer_data(controls=False, presets=[]), "needs controls"),
        (lambda: pool_explorer_data(presets=[{"H": 5, "kh": 4}]), "kh=4"),
        (lambda: explorer_html({"kind": "fc"}), "kind"),
    ],
    ids=["grid", "size", "refused", "key", "preset", "empty", "pool window", "kind"],
)
def test_bad_arguments_say_what_is_wrong(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_output_sizes_match_cnnbp():
    for key in INT_KEYS[::37]:
        cfg = conv_cfg(key)
        y, _, _ = CONV["configs"][key]
        assert len(y) == int(np.prod(out_hw(cfg)))
