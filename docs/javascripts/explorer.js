// The site's explorers: point at a cell of y, dL/dw or dx (or of a max-pool) and see the
// products that add up to it. Every number, and every table of which cell a window reads, was
// computed at build time by cnnbp (cnnbp/viz/explorer.py) and embedded in the page as JSON;
// this script only draws, looks up and highlights. It never multiplies or adds values, and it
// does no window index arithmetic.
(function () {
  "use strict";

  var TITLES = {
    conv: {
      x: ["x", "input"], w: ["w", "kernel"], y: ["y", "output, x ⋆ w"],
      delta: ["δ<sup>y</sup>", "∂L/∂y, code dy"], dw: ["∂L/∂w", "code dw"],
      dx: ["δ<sup>x</sup>", "∂L/∂x, code dx"],
    },
    pool: {
      x: ["y", "the pool's input"], pooled: ["m", "maxpool(y)"],
      delta: ["δ<sup>m</sup>", "∂L/∂m, code dm"], dx: ["δ<sup>y</sup>", "∂L/∂y, code dy"],
    },
  };
  // Plain-text names, for the list of products and for screen readers.
  var NAMES = {
    conv: { x: "x", w: "w", y: "y", delta: "δʸ", dw: "∂L/∂w", dx: "δˣ" },
    pool: { x: "y", pooled: "m", delta: "δᵐ", dx: "δʸ" },
  };
  var SELECTABLE = { conv: ["y", "dw", "dx"], pool: ["pooled", "dx"] };
  var LABELS = {
    preset: "numbers", H: "input", kh: "kernel rows", kw: "kernel columns",
    stride: "stride", padding: "padding", dilation: "dilation",
  };
  var STEP_MS = 900;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function par(v) { v = String(v); return v.charAt(0) === "-" ? "(" + v + ")" : v; }
  function idx(r, c) { return "[" + r + ", " + c + "]"; }
  function rows2d(flat, nr, nc) {
    var out = [];
    for (var r = 0; r < nr; r++) out.push(flat.slice(r * nc, (r + 1) * nc));
    return out;
  }
  function corner(master, nr, nc) {
    return master.slice(0, nr).map(function (row) { return row.slice(0, nc); });
  }

  function Explorer(root) {
    this.root = root;
    this.data = JSON.parse(root.querySelector("script.cnnbp-explorer-data").textContent);
    this.kind = this.data.kind;
    this.sel = null;      // the cell shown: the hovered one, else the pinned one
    this.pinned = null;   // the cell last focused or tapped
    this.lit = [];        // elements carrying data-lit / data-window / labels
    this.terms = [];
    this.step = -1;
    this.timer = null;
    this.intValues = {};  // the controls' values, kept while a named preset is shown
    this.build();
  }

  Explorer.prototype.build = function () {
    var self = this, d = this.data, root = this.root;
    var fallback = root.querySelector(".cx-fallback");
    if (fallback) fallback.remove();
    var bar = el("div", { class: "cx-bar" });
    this.controls = {};
    var presetNames = d.presets.map(function (p) { return p.key; });
    if (d.presets.length > 1) {
      var ps = this.addSelect(bar, "preset", d.presets.map(function (p) {
        return [p.key, p.label];
      }), Object.keys(d.controls).length ? "numbers" : "example");
      ps.addEventListener("change", function () { self.onPreset(); });
    }
    Object.keys(d.controls).forEach(function (name) {
      var label = self.kind === "pool" && name === "kh" ? "window" : LABELS[name];
      var s = self.addSelect(bar, name, d.controls[name].map(function (v) {
        return [String(v), String(v)];
      }), label);
      s.addEventListener("change", function () { self.onControl(); });
    });
    var play = el("button", { type: "button", class: "cx-btn", "data-role": "play",
      "aria-pressed": "false", disabled: "" }, "▶ Play");
    var next = el("button", { type: "button", class: "cx-btn", "data-role": "step",
      disabled: "" }, "Next ›");
    play.addEventListener("click", function () { self.togglePlay(); });
    next.addEventListener("click", function () { self.stopTimer(); self.advance(); });
    this.play = play;
    this.next = next;
    var reasons = el("p", { class: "cx-reasons", "data-role": "reasons" });
    var grids = el("div", { class: "cx-grids" });
    var legend = this.legend();
    var panel = el("div", { class: "cx-panel" });
    var head = el("p", { class: "cx-title", "data-role": "title" });
    var list = el("ol", { class: "cx-terms", "data-role": "terms" });
    var total = el("p", { class: "cx-total", hidden: "" });
    total.appendChild(el("span", { class: "cx-eq" }, "= "));
    var sum = el("output", { class: "cx-sum", "data-role": "sum" });
    total.appendChild(sum);
    var buttons = el("p", { class: "cx-buttons" });
    buttons.appendChild(play);
    buttons.appendChild(next);
    panel.appendChild(head);
    panel.appendChild(list);
    panel.appendChild(total);
    panel.appendChild(buttons);
    var live = el("div", { class: "cx-live", "aria-live": "polite", "data-role": "live" });
    [bar, reasons, grids, legend, panel, live].forEach(function (e) { root.appendChild(e); });
    this.gridsEl = grids;
    this.head = head;
    this.list = list;
    this.sum = sum;
    this.total = total;
    this.reasons = reasons;
    this.live = live;
    grids.addEventListener("mouseleave", function () { self.show(self.pinned); });
    root.dataset.ready = "true";
    var start = d.start;
    if (this.controls.preset) {
      this.controls.preset.value = presetNames.indexOf(start) >= 0 ? start : "int";
    }
    if (this.controls.H) this.setControls(this.cfgOf(start));
    this.load(start);
  };

  // What the marks mean; swatches use classes only (data-lit is for the cells).
  Explorer.prototype.legend = function () {
    var g = this.data.grids, conv = this.kind === "conv";
    var items = [["lit", conv ? "a factor of the selected cell" : "in the window, or a delta sent here"],
      ["sel", "selected"]];
    if (conv && g.indexOf("x") >= 0) items.push(["pad", "padding (0)"]);
    if (g.indexOf("x") >= 0 || g.indexOf("dx") >= 0) items.push(["unread", "read by no window: gradient 0"]);
    if (!conv) items.push(["max", "the maximum its delta goes to"], ["route", "where the delta goes"]);
    var p = el("p", { class: "cx-legend" });
    items.forEach(function (it) {
      var span = el("span", { class: "cx-key" });
      span.appendChild(el("span", { class: "cx-sw cx-sw-" + it[0], "aria-hidden": "true" }));
      span.appendChild(document.createTextNode(it[1]));
      p.appendChild(span);
    });
    return p;
  };

  Explorer.prototype.addSelect = function (bar, name, options, label) {
    var wrap = el("label", { class: "cx-control" });
    wrap.appendChild(el("span", null, label || LABELS[name]));
    var s = el("select", { name: name });
    options.forEach(function (o) { s.appendChild(el("option", { value: o[0] }, o[1])); });
    wrap.appendChild(s);
    bar.appendChild(wrap);
    this.controls[name] = s;
    return s;
  };

  // -------------------------------------------------------------- configurations

  Explorer.prototype.cfgOf = function (key) {
    var e = this.data.configs[key];
    if (e && !Array.isArray(e)) return e.cfg.slice();
    var v = key.split("").map(Number);
    // Pool keys are H, window, stride; conv keys H W kh kw stride padding dilation.
    return this.kind === "pool" ? [v[0], v[0], v[1], v[1], v[2], 0, 1] : v;
  };

  Explorer.prototype.keyOf = function (cfg) {
    return this.kind === "pool" ? "" + cfg[0] + cfg[2] + cfg[4] : cfg.join("");
  };

  Explorer.prototype.setControls = function (cfg) {
    var c = this.controls, map = { H: cfg[0], kh: cfg[2], kw: cfg[3], stride: cfg[4],
      padding: cfg[5], dilation: cfg[6] };
    Object.keys(map).forEach(function (n) { if (c[n]) c[n].value = String(map[n]); });
  };

  Explorer.prototype.controlCfg = function (override) {
    var c = this.controls, v = {};
    ["H", "kh", "kw", "stride", "padding", "dilation"].forEach(function (n) {
      v[n] = c[n] ? Number(c[n].value) : null;
    });
    if (override) v[override[0]] = override[1];
    if (this.kind === "pool") return [v.H, v.H, v.kh, v.kh, v.stride, 0, 1];
    return [v.H, v.H, v.kh, v.kw, v.stride, v.padding, v.dilation];
  };

  // Why a configuration is refused (the reasons were written at build time), or null.
  Explorer.prototype.refusal = function (cfg) {
    var inv = this.data.invalid || {};
    return inv[cfg[0] + "," + cfg[2] + "," + cfg[5] + "," + cfg[6]] ||
      inv[cfg[1] + "," + cfg[3] + "," + cfg[5] + "," + cfg[6]] || null;
  };

  // Disable the options that would give a refused configuration, and say why.
  Explorer.prototype.updateOptions = function () {
    var self = this, why = {}, order = [], fixed = this.key === "seed" && !!this.controls.H;
    Object.keys(this.data.controls).forEach(function (name) {
      var s = self.controls[name];
      s.disabled = fixed;
      Array.prototype.forEach.call(s.options, function (o) {
        var r = fixed ? null : self.refusal(self.controlCfg([name, Number(o.value)]));
        o.disabled = !!r;
        o.title = r || "";
        if (!r) return;
        if (!why[r]) { why[r] = []; order.push(r); }
        why[r].push(LABELS[name] + " " + o.value);
      });
    });
    var text = order.map(function (r) { return why[r].join(", ") + ": " + r + "."; });
    if (text.length) text.unshift("Not available now:");
    if (fixed) {
      text = ["The question's numbers come with their own sizes (" + this.describe() +
        "); choose small integers to change them."];
    }
    this.reasons.textContent = text.join(" ");
    this.reasons.hidden = text.length === 0;
  };

  Explorer.prototype.onPreset = function () {
    var key = this.controls.preset.value;
    if (this.controls.H) {
      if (key === "int") {
        if (this.intValues.cfg) this.setControls(this.intValues.cfg);
        key = this.keyOf(this.controlCfg());
      } else {
        if (this.key !== "seed") this.intValues.cfg = this.controlCfg();
        this.setControls(this.cfgOf(key));
      }
    }
    this.load(key);
  };

  Explorer.prototype.onControl = function () {
    this.load(this.keyOf(this.controlCfg()));
  };

  // Gather everything one configuration shows; values are strings or integers from cnnbp.
  Explorer.prototype.load = function (key) {
    var d = this.data, e = d.configs[key];
    if (!e) return;
    this.stopTimer();
    this.key = key;
    var cfg = this.cfgOf(key);
    this.cfg = cfg;
    var H = cfg[0], W = cfg[1], kh = cfg[2], kw = cfg[3], s = cfg[4], p = cfg[5], dl = cfg[6];
    var v = {};
    if (this.kind === "conv") {
      this.rows = d.axes[[H, kh, s, p, dl].join(",")];
      this.cols = d.axes[[W, kw, s, p, dl].join(",")];
      this.realR = d.real[H + "," + p];
      this.realC = d.real[W + "," + p];
    } else {
      this.rows = d.axes[[H, kh, s].join(",")];
      this.cols = d.axes[[W, kw, s].join(",")];
    }
    var oh = this.rows.length, ow = this.cols.length;
    this.shape = { x: [H, W], w: [kh, kw], y: [oh, ow], delta: [oh, ow], dw: [kh, kw],
      dx: [H, W], pooled: [oh, ow] };
    if (Array.isArray(e)) {
      if (this.kind === "conv") {
        v = { x: corner(d.int.x, H, W), w: corner(d.int.w, kh, kw),
          delta: corner(d.int.delta, oh, ow), y: rows2d(e[0], oh, ow),
          dw: rows2d(e[1], kh, kw), dx: rows2d(e[2], H, W) };
      } else {
        v = { x: corner(d.int.x, H, W), delta: corner(d.int.delta, oh, ow),
          pooled: rows2d(e[0], oh, ow), dx: rows2d(e[3], H, W) };
        this.route(e[1], e[2]);
      }
    } else {
      Object.keys(this.shape).forEach(function (g) {
        if (e[g]) v[g] = rows2d(e[g], this.shape[g][0], this.shape[g][1]);
      }, this);
      if (this.kind === "pool") this.route(e.arg, e.ties);
    }
    this.values = v;
    this.root.dataset.config = JSON.stringify({ H: H, W: W, kh: kh, kw: kw,
      stride: [s, s], padding: [p, p], dilation: [dl, dl] });
    if (d.presets.length > 1 && this.controls.H) {
      this.controls.preset.value = key === "seed" ? "seed" : "int";
    } else if (this.controls.preset) {
      this.controls.preset.value = key;
    }
    if (Object.keys(d.controls).length) this.updateOptions();
    this.render();
    this.pinned = null;
    this.show(null);
    this.say("Showing " + this.describe() + ".");
  };

  // Where each window sends its delta, and its ties, by window (i, j); windows come in
  // row-major order in the build-time lists.
  Explorer.prototype.route = function (arg, ties) {
    var at = [], tied = [], n = 0, k = 0;
    for (var i = 0; i < this.rows.length; i++) {
      at.push([]);
      tied.push([]);
      for (var j = 0; j < this.cols.length; j++, n++) {
        at[i].push([arg[2 * n], arg[2 * n + 1]]);
        tied[i].push([]);
        for (; k < ties.length && ties[k] === n; k += 3) tied[i][j].push([ties[k + 1], ties[k + 2]]);
      }
    }
    this.argAt = at;
    this.tiesAt = tied;
  };

  Explorer.prototype.describe = function () {
    var c = this.cfg;
    if (this.kind === "pool") {
      return c[0] + " by " + c[1] + " input, " + c[2] + " by " + c[3] + " windows, stride " +
        c[4];
    }
    return c[0] + " by " + c[1] + " input, " + c[2] + " by " + c[3] + " kernel, stride " +
      c[4] + ", padding " + c[5] + ", dilation " + c[6];
  };

  // -------------------------------------------------------------- drawing

  Explorer.prototype.render = function () {
    var self = this, kind = this.kind;
    this.cells = {};
    this.padCells = [];
    this.gridsEl.textContent = "";
    // Rows and columns that some window reads, as unpadded indices (read off the tables):
    // a cell outside them gets zero gradient.
    var readR = {}, readC = {}, realR = this.realR, realC = this.realC;
    this.rows.forEach(function (t) {
      t.forEach(function (u) { readR[realR ? realR[u] : u] = true; });
    });
    this.cols.forEach(function (t) {
      t.forEach(function (u) { readC[realC ? realC[u] : u] = true; });
    });
    this.data.grids.forEach(function (g) {
      var t = TITLES[kind][g];
      var fig = el("figure", { class: "cx-figure cx-fig-" + g });
      var cap = el("figcaption");
      var sub = t[1] + (g === "x" && kind === "conv" && self.cfg[5] ?
        ", padded by " + self.cfg[5] : "");
      cap.innerHTML = '<span class="cx-name">' + t[0] + '</span> <span class="cx-sub">' +
        sub + "</span>";
      var selectable = SELECTABLE[kind].indexOf(g) >= 0;
      var grid = el("div", { class: "cx-grid", role: selectable ? "grid" : "table",
        "aria-label": NAMES[kind][g] + ", " + t[1] });
      var vals = self.values[g];
      var padded = g === "x" && kind === "conv";
      var nr = padded ? realR.length : self.shape[g][0];
      var nc = padded ? realC.length : self.shape[g][1];
      var byPos = [];
      self.cells[g] = byPos;
      if (nc > 9) grid.className += " cx-wide";
      grid.style.setProperty("--cx-cols", String(nc));
      for (var r = 0; r < nr; r++) {
        var row = el("div", { class: "cx-row", role: "row" });
        if (padded) self.padCells[r] = [];
        for (var c = 0; c < nc; c++) {
          var cell = el("div", { class: "cx-cell", role: selectable ? "gridcell" : "cell" });
          cell.dataset.grid = g;
          var rr = padded ? realR[r] : r, cc = padded ? realC[c] : c;
          if (padded) self.padCells[r][c] = cell;
          if (rr < 0 || cc < 0) {
            cell.dataset.pad = "true";
            cell.textContent = "0";
          } else {
            cell.dataset.row = rr;
            cell.dataset.col = cc;
            cell.textContent = String(vals[rr][cc]);
            if (!byPos[rr]) byPos[rr] = [];
            byPos[rr][cc] = cell;
            // The kernel's own tap indices, to read the labels on other grids against.
            if (g === "w") cell.dataset.tap = rr + "," + cc;
            if ((g === "x" || g === "dx") && !(readR[rr] && readC[cc])) {
              cell.dataset.unread = "true";
              cell.title = "no window reads this cell: its gradient is 0";
            }
            if (selectable) {
              cell.tabIndex = r === 0 && c === 0 ? 0 : -1;
              self.wire(cell);
            }
          }
          row.appendChild(cell);
        }
        grid.appendChild(row);
      }
      fig.appendChild(cap);
      fig.appendChild(grid);
      self.gridsEl.appendChild(fig);
    });
  };

  Explorer.prototype.wire = function (cell) {
    var self = this;
    cell.addEventListener("mouseenter", function () { self.show(cell); });
    cell.addEventListener("focus", function () { self.pin(cell); });
    cell.addEventListener("click", function () { if (document.activeElement !== cell) cell.focus(); self.pin(cell); });
    cell.addEventListener("keydown", function (ev) { self.onKey(ev, cell); });
  };

  Explorer.prototype.onKey = function (ev, cell) {
    var g = cell.dataset.grid, r = Number(cell.dataset.row), c = Number(cell.dataset.col);
    var n = this.shape[g], to = null;
    switch (ev.key) {
      case "ArrowUp": to = [r - 1, c]; break;
      case "ArrowDown": to = [r + 1, c]; break;
      case "ArrowLeft": to = [r, c - 1]; break;
      case "ArrowRight": to = [r, c + 1]; break;
      case "Home": to = [r, 0]; break;
      case "End": to = [r, n[1] - 1]; break;
      case "Escape": this.pinned = null; this.show(null); cell.blur(); ev.preventDefault(); return;
      case "Enter": case " ": this.togglePlay(); ev.preventDefault(); return;
      default: return;
    }
    ev.preventDefault();
    var row = this.cells[g][to[0]], target = row && row[to[1]];
    if (target) target.focus();
  };

  Explorer.prototype.pin = function (cell) {
    if (this.pinned === cell && this.sel === cell) return;
    this.pinned = cell;
    var grid = this.cells[cell.dataset.grid];
    grid.forEach(function (row) { row.forEach(function (c) { c.tabIndex = -1; }); });
    cell.tabIndex = 0;
    this.show(cell);
    this.say(this.head.textContent + " = " + this.sum.textContent + ".");
  };

  // -------------------------------------------------------------- what a cell is made of

  Explorer.prototype.cell = function (g, r, c) {
    var rows = this.cells[g];
    return rows && rows[r] ? rows[r][c] || null : null;
  };

  Explorer.prototype.termsOf = function (g, r, c) {
    var self = this, rows = this.rows, cols = this.cols, v = this.values, N = NAMES[this.kind];
    var out = { terms: [], window: [], head: "", note: "" };
    var val = function (grid, i, j) { return v[grid] ? v[grid][i][j] : "?"; };
    var term = function (a, b, label) {
      out.terms.push({
        cells: [a, b],
        label: label,
        names: N[a[0]] + idx(a[1], a[2]) + " · " + N[b[0]] + idx(b[1], b[2]),
        values: par(val(a[0], a[1], a[2])) + " × " + par(val(b[0], b[1], b[2])),
      });
    };
    if (this.kind === "conv") {
      var realR = this.realR, realC = this.realC, pads = 0;
      if (g === "y") {
        rows[r].forEach(function (u, t) {
          cols[c].forEach(function (vv, q) {
            if (realR[u] >= 0 && realC[vv] >= 0) {
              term(["w", t, q], ["x", realR[u], realC[vv]], [1, t + "," + q]);
            } else {
              pads++;
              out.window.push(self.padCells[u][vv]);
            }
          });
        });
        out.head = N.y + idx(r, c) + ": " + out.terms.length + " products w · x";
      } else if (g === "dw") {
        rows.forEach(function (tr, i) {
          cols.forEach(function (tc, j) {
            var u = tr[r], vv = tc[c];
            if (realR[u] >= 0 && realC[vv] >= 0) {
              term(["delta", i, j], ["x", realR[u], realC[vv]], null);
            } else {
              pads++;
              out.window.push(self.padCells[u][vv]);
            }
          });
        });
        out.head = N.dw + idx(r, c) + ": " + out.terms.length + " products δʸ · x";
      } else if (g === "dx") {
        rows.forEach(function (tr, i) {
          tr.forEach(function (u, t) {
            if (realR[u] !== r) return;
            cols.forEach(function (tc, j) {
              tc.forEach(function (vv, q) {
                if (realC[vv] === c) term(["delta", i, j], ["w", t, q], [0, t + "," + q]);
              });
            });
          });
        });
        out.head = N.dx + idx(r, c) + ": " + out.terms.length + " products δʸ · w";
        if (!out.terms.length) out.note = "No window reads x" + idx(r, c) + ": its gradient is 0.";
        else if (out.terms.length > 1) {
          out.note = "Each lit δʸ is labelled with the tap w that multiplies it: read across " +
            "δʸ, the labels run backwards, the kernel turned by 180°.";
        }
      }
      if (pads) {
        out.note = pads + (pads === 1 ? " product meets" : " products meet") +
          " the padding (dashed), whose cells hold 0: " + (pads === 1 ? "it adds" : "they add") +
          " nothing.";
      }
      return out;
    }
    // Max pooling: a window, its maximum, and where its delta goes.
    if (g === "pooled") {
      var am = this.argAt[r][c], ties = this.tiesAt[r][c];
      out.marks = [["x", am[0], am[1], "argmax"], ["delta", r, c, "route"],
        ["dx", am[0], am[1], "route"]];
      ties.forEach(function (tc) { out.marks.push(["x", tc[0], tc[1], "tie"]); });
      rows[r].forEach(function (u) {
        cols[c].forEach(function (vv) {
          var t = { cells: [["x", u, vv]], names: N.x + idx(u, vv), values: String(val("x", u, vv)) };
          if (u === am[0] && vv === am[1]) t.tag = "max";
          ties.forEach(function (tc) { if (tc[0] === u && tc[1] === vv) t.tag = "tie"; });
          out.terms.push(t);
        });
      });
      out.head = N.pooled + idx(r, c) + " = the largest of " + out.terms.length + " cells";
      out.note = "Its delta " + N.delta + idx(r, c) + " = " + val("delta", r, c) +
        " goes back to " + N.x + idx(am[0], am[1]) + " only" +
        (ties.length ? ", the first maximum in row-major order; the tied cells get nothing." : ".");
      return out;
    }
    // dx of the pool: the windows whose delta was routed to this cell.
    this.argAt.forEach(function (row, i) {
      row.forEach(function (am, j) {
        if (am[0] !== r || am[1] !== c) return;
        out.terms.push({ cells: [["delta", i, j]], names: N.delta + idx(i, j),
          values: String(val("delta", i, j)) });
      });
    });
    out.marks = [["x", r, c, "route"]];
    if (!out.terms.length) {
      out.head = N.dx + idx(r, c) + ": no window sends its delta here";
      out.note = "No window picked y" + idx(r, c) + " as its maximum: its gradient is 0.";
    } else {
      out.head = N.dx + idx(r, c) + ": the deltas of " + out.terms.length +
        (out.terms.length === 1 ? " window" : " windows") + " whose maximum is here";
      if (out.terms.length > 1) out.note = "Overlapping windows: their deltas add up.";
    }
    return out;
  };

  // -------------------------------------------------------------- highlighting

  Explorer.prototype.clear = function () {
    this.lit.forEach(function (e) {
      ["lit", "selected", "window", "current", "label", "argmax", "tie", "route"].forEach(
        function (k) { delete e.dataset[k]; });
    });
    this.lit = [];
  };

  Explorer.prototype.mark = function (e, key, value) {
    if (!e) return;
    e.dataset[key] = value;
    this.lit.push(e);
  };

  Explorer.prototype.show = function (cell) {
    var self = this;
    if (cell && !cell.isConnected) cell = null;
    if (cell === this.sel && cell !== null) return;
    this.stopTimer();
    this.clear();
    this.sel = cell;
    this.step = -1;
    this.list.textContent = "";
    if (!cell) {
      this.terms = [];
      this.head.textContent = "Point at, tap or tab to a cell of " +
        SELECTABLE[this.kind].filter(function (g) { return self.data.grids.indexOf(g) >= 0; })
          .map(function (g) { return NAMES[self.kind][g]; }).join(", ") +
        " to see what it is made of.";
      this.sum.textContent = "";
      this.total.hidden = true;
      this.play.disabled = this.next.disabled = true;
      return;
    }
    var g = cell.dataset.grid, r = Number(cell.dataset.row), c = Number(cell.dataset.col);
    var info = this.termsOf(g, r, c);
    this.terms = info.terms;
    this.mark(cell, "selected", "true");
    info.terms.forEach(function (t, k) {
      t.cells.forEach(function (a, n) {
        var e = self.cell(a[0], a[1], a[2]);
        self.mark(e, "lit", "true");
        // Tap labels: on x for y (the kernel as it is), on δ for dx (turned by 180°).
        if (t.label && n === t.label[0] && e) e.dataset.label = t.label[1];
      });
      var li = el("li", { "data-term": String(k) });
      if (t.tag) li.dataset.tag = t.tag;
      li.appendChild(el("span", { class: "cx-n" }, t.names));
      li.appendChild(el("span", { class: "cx-v" }, t.values +
        (t.tag === "max" ? " ← max" : t.tag === "tie" ? " (tie)" : "")));
      self.list.appendChild(li);
    });
    info.window.forEach(function (e) { self.mark(e, "window", "true"); });
    (info.marks || []).forEach(function (m) { self.mark(self.cell(m[0], m[1], m[2]), m[3], "true"); });
    if (info.note) this.list.appendChild(el("li", { class: "cx-note" }, info.note));
    this.head.textContent = info.head;
    this.sum.textContent = String(this.values[g][r][c]);
    this.total.hidden = false;
    this.play.disabled = this.next.disabled = !this.terms.length;
  };

  // -------------------------------------------------------------- playing a sum

  Explorer.prototype.togglePlay = function () {
    if (this.timer) { this.stopTimer(); return; }
    if (!this.terms.length || this.play.disabled) return;
    var self = this;
    if (this.step >= this.terms.length - 1) this.step = -1;
    this.play.setAttribute("aria-pressed", "true");
    this.play.textContent = "⏸ Pause";
    this.advance();
    this.timer = setInterval(function () {
      if (!self.root.isConnected || self.step >= self.terms.length - 1) self.stopTimer();
      else self.advance();
    }, STEP_MS);
  };

  Explorer.prototype.stopTimer = function () {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.play) {
      this.play.setAttribute("aria-pressed", "false");
      this.play.textContent = "▶ Play";
    }
  };

  Explorer.prototype.advance = function () {
    if (!this.terms.length) return;
    var self = this;
    this.step = (this.step + 1) % this.terms.length;
    this.root.querySelectorAll("[data-current]").forEach(function (e) {
      delete e.dataset.current;
    });
    var t = this.terms[this.step];
    t.cells.forEach(function (a) {
      var e = self.cell(a[0], a[1], a[2]);
      if (e) e.dataset.current = "true";
    });
    var li = this.list.children[this.step];
    li.dataset.current = "true";
    this.lit.push(li);
    if (li.scrollIntoView && this.list.scrollHeight > this.list.clientHeight) {
      this.list.scrollTop = li.offsetTop - this.list.offsetTop;
    }
    this.say("Term " + (this.step + 1) + " of " + this.terms.length + ": " + t.names + ", " +
      t.values + (this.step === this.terms.length - 1 ? "; the sum is " +
      this.sum.textContent : ""));
  };

  Explorer.prototype.say = function (text) { this.live.textContent = text; };

  // -------------------------------------------------------------- start-up

  function init() {
    var roots = document.querySelectorAll("[data-explorer]");
    Array.prototype.forEach.call(roots, function (root) {
      if (root.dataset.ready) return;
      try {
        new Explorer(root);
      } catch (err) {
        root.dataset.ready = "error";
        throw err;
      }
    });
  }
  window.cnnbpExplorers = { init: init };
  // Material's document$ emits on every page, including pages loaded by instant navigation.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
