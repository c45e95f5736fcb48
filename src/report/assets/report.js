// magloop report: draws the JSON in #data with uPlot (time series) and hand-made SVG
// (network, forest plot, bars). Every chart is a <div class="chart" data-chart="NAME">
// that gets data-points="N" (values drawn) once drawn; the body gets data-status="ok" and
// data-errors="N" at the end, for the browser test.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("data").textContent);
  var app = document.getElementById("app");
  var PALETTE = ["#1b9e77", "#7570b3", "#d95f02", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
    "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6", "#666666"];
  var SVGNS = "http://www.w3.org/2000/svg";

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function add(parent, tag, attrs, text) { var e = el(tag, attrs, text); parent.appendChild(e); return e; }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function fmt(v, d) {
    if (v == null || !isFinite(v)) return "-";
    return Number(v).toLocaleString("en-US", { minimumFractionDigits: d == null ? 1 : d, maximumFractionDigits: d == null ? 1 : d });
  }
  // Three significant digits, thousands grouped: for differences of any size.
  function sig(v) {
    if (v == null || !isFinite(v)) return "-";
    if (v === 0) return "0";
    if (Math.abs(v) < 1e-3) return v.toExponential(2);
    var d = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(v))));
    return fmt(v, d);
  }
  function section(title, note) {
    add(app, "h2", {}, title);
    if (note) add(app, "p", { class: "note" }, note);
  }
  function chartDiv(name) { return add(app, "div", { class: "chart", "data-chart": name }); }
  function countPoints(arrs) {
    var n = 0;
    arrs.forEach(function (a) { (a || []).forEach(function (v) { if (v != null && isFinite(v)) n++; }); });
    return n;
  }
  function width() { return Math.max(600, Math.min(1140, app.clientWidth || 1140)); }

  // Vertical lines with labels at each marker's x (epoch seconds).
  function markerPlugin(markers) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, bottom = u.bbox.top + u.bbox.height;
          ctx.save();
          ctx.font = (10 * devicePixelRatio) + "px system-ui, sans-serif";
          var lastX = -1e9, row = 0;
          markers.forEach(function (m) {
            var x = Math.round(u.valToPos(m.x, "x", true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.strokeStyle = "rgba(200,30,30,0.55)";
            ctx.setLineDash([4, 3]);
            ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
            // Labels of close markers stack in up to three rows; the rest stay unlabelled
            // (the table of actions below lists them all).
            row = x - lastX < 90 * devicePixelRatio ? row + 1 : 0;
            if (row === 0) lastX = x;
            if (row > 2) return;
            ctx.fillStyle = "rgba(160,20,20,0.9)";
            ctx.fillText(m.action, x + 3, top + (12 + 11 * row) * devicePixelRatio);
          });
          ctx.restore();
        }]
      }
    };
  }

  // A uPlot time chart. series: [{label, values, color, fill, raw}], x: epoch seconds.
  function timeChart(name, title, x, series, opts) {
    opts = opts || {};
    var div = chartDiv(name);
    if (!x.length || !series.length) { add(div, "p", { class: "note" }, "nothing recorded"); div.setAttribute("data-points", "0"); return; }
    var data = [x].concat(series.map(function (s) { return s.values; }));
    var useries = [{}].concat(series.map(function (s, i) {
      var o = {
        label: s.label, stroke: s.color || PALETTE[i % PALETTE.length], width: s.width || 1.5,
        fill: s.fill || undefined, dash: s.dash || undefined, show: s.show !== false,
        // A line needs two points: with fewer x values (a one-year batch), draw dots.
        spanGaps: false, points: { show: x.length < 3, size: 7 }
      };
      if (s.raw) o.value = function (u, v, si, i2) { var r = s.raw[i2]; return r == null ? "-" : fmt(r, 1); };
      else o.value = function (u, v) { return v == null ? "-" : fmt(v, opts.decimals == null ? 1 : opts.decimals); };
      return o;
    }));
    var o = {
      title: title, width: width(), height: opts.height || 320,
      series: useries, bands: opts.bands || [],
      scales: { x: { time: true } },
      axes: [{}, { label: opts.yLabel || "", size: 70, values: function (u, ticks) { return ticks.map(function (t) { return fmt(t, 0); }); } }],
      cursor: { drag: { x: true, y: false } },
      plugins: opts.markers && opts.markers.length ? [markerPlugin(opts.markers)] : []
    };
    new uPlot(o, data, div);
    div.setAttribute("data-points", String(countPoints(series.map(function (s) { return s.values; }))));
    if (opts.after) opts.after(div);
  }

  // Stacked areas: each layer drawn as the cumulative sum, the top first so the lower fill over it.
  function stackChart(name, title, x, layers, markers, yLabel) {
    var cum = [], acc = x.map(function () { return 0; });
    layers.forEach(function (l) {
      acc = acc.map(function (a, i) { return a + (l.values[i] || 0); });
      cum.push(acc.slice());
    });
    var colors = { recycled_supply_t: "#1b9e77", domestic_supply_t: "#66a61e", stock_draw_t: "#e6ab02", stockpile_release_t: "#a6761d", shortfall_t: "#d62728" };
    var series = layers.map(function (l, i) {
      var c = colors[l.name] || ["#7570b3", "#1f78b4", "#cab2d6", "#8da0cb"][i % 4];
      return { label: l.name, values: cum[i], raw: l.values, color: c, fill: c + "cc", width: 1 };
    }).reverse();
    timeChart(name, title, x, series, { markers: markers, yLabel: yLabel });
  }

  function table(parent, head, rows, numCols) {
    var t = add(parent, "table");
    var tr = add(add(t, "thead"), "tr");
    head.forEach(function (h, i) { add(tr, "th", { class: numCols && numCols.indexOf(i) >= 0 ? "num" : "" }, h); });
    var tb = add(t, "tbody");
    rows.forEach(function (r) {
      var tr2 = add(tb, "tr");
      r.forEach(function (c, i) { add(tr2, "td", { class: numCols && numCols.indexOf(i) >= 0 ? "num" : "" }, c); });
    });
    return t;
  }

  // ---- the network: columns by depth from the sources, link widths by mass ----
  function networkChart(net) {
    var div = chartDiv("network");
    var ctl = add(div, "div", { class: "controls" }, "mass of: ");
    var sel = add(ctl, "select", { id: "network-element" });
    add(sel, "option", { value: "" }, "all material");
    net.elements.forEach(function (e) { add(sel, "option", { value: e }, e); });
    var holder = add(div, "div");
    var depth = {}, ids = net.nodes.map(function (n) { return n.id; });
    ids.forEach(function (id) { depth[id] = 0; });
    for (var pass = 0; pass < ids.length; pass++) {
      net.links.forEach(function (l) {
        if (depth[l.from] != null && depth[l.to] != null && depth[l.to] < depth[l.from] + 1) depth[l.to] = depth[l.from] + 1;
      });
    }
    var cols = {};
    net.nodes.forEach(function (n) { (cols[depth[n.id]] = cols[depth[n.id]] || []).push(n); });
    var ncol = Object.keys(cols).length, W = width(), colW = W / Math.max(ncol, 1), boxW = Math.min(170, colW - 40), boxH = 40;
    var maxRows = Math.max.apply(null, Object.keys(cols).map(function (k) { return cols[k].length; }));
    var H = Math.max(200, maxRows * 78 + 30), pos = {};
    Object.keys(cols).forEach(function (k) {
      var c = cols[k], gap = H / c.length;
      c.forEach(function (n, i) { pos[n.id] = { x: k * colW + 10, y: gap * i + gap / 2 - boxH / 2 }; });
    });
    function draw() {
      holder.textContent = "";
      var elmt = sel.value;
      var mass = function (l) { return elmt ? (l.elements_t[elmt] || 0) : l.mass_t; };
      var max = Math.max.apply(null, net.links.map(mass).concat([1e-9]));
      var s = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, "data-links": net.links.length });
      var drawn = 0;
      net.links.forEach(function (l) {
        var a = pos[l.from], b = pos[l.to]; if (!a || !b) return;
        var m = mass(l), w = m > 0 ? 1 + 22 * m / max : 0.6;
        var x1 = a.x + boxW, y1 = a.y + boxH / 2, x2 = b.x, y2 = b.y + boxH / 2, mx = (x1 + x2) / 2;
        var p = svg("path", { d: "M" + x1 + "," + y1 + " C" + mx + "," + y1 + " " + mx + "," + y2 + " " + x2 + "," + y2,
          fill: "none", stroke: m > 0 ? "#4c78a8" : "#bbb", "stroke-opacity": 0.55, "stroke-width": w, "stroke-dasharray": m > 0 ? "" : "3,3" });
        p.appendChild(svg("title", {}, l.id + ": " + l.from + " -> " + l.to + ", " + fmt(m, 1) + " t" + (elmt ? " of " + elmt + (l.elements_exact ? "" : " (estimated: in proportion to the mass " + l.from + " sends this way)") : "") + " over the run"));
        s.appendChild(p);
        if (m > 0) drawn++;
      });
      net.nodes.forEach(function (n) {
        var p = pos[n.id], g = svg("g", { transform: "translate(" + p.x + "," + p.y + ")" });
        g.appendChild(svg("rect", { width: boxW, height: boxH, rx: 5, fill: "#f3f6fa", stroke: "#8795a8" }));
        g.appendChild(svg("text", { x: 6, y: 15 }, n.id));
        g.appendChild(svg("text", { x: 6, y: 31, class: "muted" }, n.kind + (n.state ? ", " + n.state : "")));
        g.appendChild(svg("title", {}, n.id + " (" + n.kind + (n.state ? ", " + n.state : "") + "): " + fmt(n.in_t, 1) + " t in, " + fmt(n.inventory_t, 1) + " t held at the end"));
        s.appendChild(g);
      });
      holder.appendChild(s);
      div.setAttribute("data-points", String(net.nodes.length + drawn));
    }
    sel.addEventListener("change", draw);
    draw();
  }

  // ---- horizontal interval rows: forest plot and sensitivity bars ----
  function forestChart(name, rows, label, opts) {
    opts = opts || {};
    var div = chartDiv(name);
    if (!rows.length) { add(div, "p", { class: "note" }, "no rows"); div.setAttribute("data-points", "0"); return; }
    var groups = {}, order = [];
    rows.forEach(function (r) { var g = r.group; if (!groups[g]) { groups[g] = []; order.push(g); } groups[g].push(r); });
    var W = width(), labW = 330, plotW = W - labW - 140, rowH = 18, H = 0;
    order.forEach(function (g) { H += 20 + groups[g].length * rowH; });
    var s = svg("svg", { width: W, height: H + 10 }), y = 0, n = 0;
    order.forEach(function (g) {
      var rs = groups[g];
      var lo = Math.min.apply(null, rs.map(function (r) { return Math.min(r.lo == null ? r.v : r.lo, r.v, 0); }));
      var hi = Math.max.apply(null, rs.map(function (r) { return Math.max(r.hi == null ? r.v : r.hi, r.v, 0); }));
      if (hi - lo < 1e-12) { hi += 1; lo -= 1; }
      var X = function (v) { return labW + (v - lo) / (hi - lo) * plotW; };
      s.appendChild(svg("text", { x: 0, y: y + 14, "font-weight": "600" }, g));
      s.appendChild(svg("line", { x1: X(0), x2: X(0), y1: y + 18, y2: y + 20 + rs.length * rowH, stroke: "#999" }));
      y += 20;
      rs.forEach(function (r) {
        var cy = y + rowH / 2;
        s.appendChild(svg("text", { x: 12, y: cy + 4, class: r.sig ? "sig" : "" }, (r.sig ? "* " : "") + r.label));
        if (r.lo != null && r.hi != null) s.appendChild(svg("line", { x1: X(r.lo), x2: X(r.hi), y1: cy, y2: cy, stroke: r.sig ? "#c0392b" : "#4c78a8", "stroke-width": 2 }));
        if (opts.bars) s.appendChild(svg("rect", { x: Math.min(X(0), X(r.v)), y: cy - 5, width: Math.abs(X(r.v) - X(0)), height: 10, fill: "#4c78a8", "fill-opacity": 0.6 }));
        var c = svg("circle", { cx: X(r.v), cy: cy, r: 4, fill: r.sig ? "#c0392b" : "#4c78a8" });
        c.appendChild(svg("title", {}, r.label + ": " + sig(r.v) + (r.lo != null ? " [" + sig(r.lo) + ", " + sig(r.hi) + "]" : "")));
        s.appendChild(c);
        s.appendChild(svg("text", { x: labW + plotW + 8, y: cy + 4, class: "muted" }, sig(r.v) + (r.lo != null ? " [" + sig(r.lo) + ", " + sig(r.hi) + "]" : "")));
        y += rowH; n++;
      });
    });
    div.appendChild(s);
    div.setAttribute("data-points", String(n));
  }

  // ---- stacked shares (Shapley attribution) ----
  function stackedBars(name, bars) {
    var div = chartDiv(name);
    var W = width(), labW = 330, plotW = W - labW - 40, rowH = 22, shocks = [];
    bars.forEach(function (b) { b.parts.forEach(function (p) { if (shocks.indexOf(p.name) < 0) shocks.push(p.name); }); });
    var s = svg("svg", { width: W, height: bars.length * rowH + 40 }), n = 0;
    bars.forEach(function (b, i) {
      var y = i * rowH, x = labW;
      s.appendChild(svg("text", { x: 0, y: y + 15 }, b.label));
      b.parts.forEach(function (p) {
        var w = Math.max(0, p.share) * plotW;
        var r = svg("rect", { x: x, y: y + 3, width: w, height: rowH - 6, fill: PALETTE[shocks.indexOf(p.name) % PALETTE.length] });
        r.appendChild(svg("title", {}, p.name + ": " + fmt(100 * p.share, 1) + " %" + (p.lo != null ? " [" + fmt(100 * p.lo, 1) + ", " + fmt(100 * p.hi, 1) + "]" : "")));
        s.appendChild(r); x += w; n++;
      });
    });
    shocks.forEach(function (sh, i) {
      var y = bars.length * rowH + 12, x = labW + i * 170;
      s.appendChild(svg("rect", { x: x, y: y, width: 10, height: 10, fill: PALETTE[i % PALETTE.length] }));
      s.appendChild(svg("text", { x: x + 14, y: y + 9 }, sh));
    });
    div.appendChild(s);
    div.setAttribute("data-points", String(n));
  }

  // ---- a run ----
  function runReport() {
    add(app, "h1", {}, D.title);
    add(app, "p", { class: "note" }, "Run folder " + D.folder + "; model " + D.manifest.model_file + ", from " + D.manifest.start + " over " + D.manifest.years + " years; magloop " + D.manifest.magloop_version + ". Drag across a chart to zoom, double-click to reset; click a legend entry to hide a series.");
    section("Key figures", "summary.parquet, one row per KPI.");
    var k = add(app, "div", { "data-chart": "kpis", "class": "chart kpis" });
    table(k, ["KPI", "value", "unit"], D.kpis.map(function (r) { return [r.kpi, r.value, r.unit]; }), [1]);
    k.setAttribute("data-points", String(D.kpis.length));

    section("Supply stack by month", "t per month at the market: recycled, domestic makers, imports by origin (refills of the inventory included), stock draws, stockpile releases, shortfall. Dashed red lines: every action in shocks.parquet at its effective date; hover a line's date to read values.");
    stackChart("supply-monthly", "US NdFeB supply, t/month", D.months, D.supply_monthly, D.markers, "t/month");
    section("Supply stack by year", "yearly.parquet, sector all, t per calendar year.");
    stackChart("supply-yearly", "US NdFeB supply, t/year", D.supply_yearly.x, D.supply_yearly.series, D.markers, "t/year");

    section("Inventories and backlogs", "Month-end levels of every node and link that held anything: material held (inventory_kg), output waiting for a truck (storage_kg), at a full destination's gate (waiting_kg), in t.");
    timeChart("levels-mass", "held at month end, t", D.months, D.levels_t.map(function (s) { return { label: s.name, values: s.values }; }), { markers: D.markers, yLabel: "t" });
    if (D.levels_count.length) {
      add(app, "p", { class: "note" }, "Queues in drives or jobs at month end: a site with no line in service shows as a rising queue.");
      timeChart("levels-queues", "queues at month end", D.months, D.levels_count.map(function (s) { return { label: s.name, values: s.values }; }), { markers: D.markers, decimals: 0 });
    }

    section("HPMS hub output against nameplate and ramp", "Product per month annualised (t/yr = month's t x 365.25 / days), nameplate " + fmt(D.hub.nameplate_t_per_year, 0) + " t/yr (sintered + co-products), and nameplate x the month's mean ramp-up share.");
    var np = D.months.map(function () { return D.hub.nameplate_t_per_year; });
    timeChart("hub", "HPMS output, t/yr", D.months, [
      { label: "output (" + D.hub.hubs.join(", ") + ")", values: D.hub.output_t_per_year, color: "#1b9e77", width: 2 },
      { label: "nameplate x ramp", values: D.hub.ramp_t_per_year, color: "#d95f02", dash: [6, 4] },
      { label: "nameplate", values: np, color: "#777", dash: [2, 3] }
    ], { markers: D.markers, yLabel: "t/yr" });

    section("Network", "Nodes by id, kind and state (read from the id: _sc, _nv, _mo, and dfw for Dallas-Fort Worth, TX); each link's width is the mass that entered it over the run; choose an element to see its flow (links record no elements: a link gets its source's element output in proportion to the mass it carries, exact where the source sends along one link). Hover for figures. " + (D.model_note || ""));
    networkChart(D.network);
    var lk = add(app, "details");
    add(lk, "summary", {}, "Mass per link (t over the run)");
    table(lk, ["link", "from", "to", "t"], D.network.links.map(function (l) { return [l.id, l.from, l.to, fmt(l.mass_t, 1)]; }), [3]);

    section("Actions of the scripts", "shocks.parquet: what each script did, when it took effect.");
    var sh = add(app, "div", { class: "chart", "data-chart": "shocks" });
    table(sh, ["effective", "script:line", "action", "arguments"], D.markers.map(function (m) { return [m.date, m.script + ":" + m.line, m.action, m.arguments]; }));
    sh.setAttribute("data-points", String(D.markers.length));
    if (!D.markers.length) add(sh, "p", { class: "note" }, "no script in this run");

    section("Model and scripts", "");
    table(app, ["file", "SHA-256"], [[D.manifest.model_file, D.manifest.model_sha256]].concat(D.scripts.map(function (s) { return [s.file, s.sha256]; })));
    if (D.model_text) { var d = add(app, "details"); add(d, "summary", {}, "model YAML"); add(d, "pre", {}, D.model_text); }
    D.scripts.forEach(function (s) { if (s.text) { var d2 = add(app, "details"); add(d2, "summary", {}, s.file); add(d2, "pre", {}, s.text); } });
  }

  // ---- a batch ----
  function batchReport() {
    add(app, "h1", {}, D.title);
    add(app, "p", { class: "note" }, "Batch folder " + D.folder + ": " + D.runs + " runs" + (D.failures ? ", " + D.failures + " failed (failures.parquet)" : "") + ", scenarios " + D.scenarios.join(", ") + (D.baseline ? "; baseline " + D.baseline : "") + (D.samples ? "; uncertain inputs sampled: bands cover seeds and samples" : "") + ". magloop " + D.magloop_version + ".");
    var kpis = Object.keys(D.bands);
    var pick = kpis.indexOf("shortfall_t") >= 0 ? "shortfall_t" : kpis[0];
    section("Yearly KPIs per scenario: median and 5-95 % band over " + (D.samples ? "seeds and samples" : "seeds"), "Each scenario's median (line) and the band between its 5 % and 95 % quantiles over its runs (yearly.parquet of each run, sector all). Pick a KPI:");
    var ctl = add(app, "div", { class: "controls" }, "KPI: ");
    var sel = add(ctl, "select", { id: "bands-kpi" });
    kpis.forEach(function (k) { var o = add(sel, "option", { value: k }, k + (D.bands[k].unit ? " (" + D.bands[k].unit + ")" : "")); if (k === pick) o.selected = true; });
    var holder = add(app, "div");
    var tableHolder = add(app, "div");
    function drawBands() {
      holder.textContent = ""; tableHolder.textContent = "";
      var b = D.bands[sel.value], series = [], bands = [];
      D.scenarios.forEach(function (s, i) {
        var sc = b.scenarios[s]; if (!sc) return;
        var c = PALETTE[i % PALETTE.length], base = series.length + 1;
        series.push({ label: s + " p95", values: sc.p95, color: c + "55", width: 0.5 });
        series.push({ label: s + " median (n " + sc.n + ")", values: sc.p50, color: c, width: 2 });
        series.push({ label: s + " p5", values: sc.p5, color: c + "55", width: 0.5 });
        bands.push({ series: [base, base + 2], fill: c + "22" });
      });
      var saved = app; app = holder;
      timeChart("bands", sel.value + (b.unit ? ", " + b.unit : ""), b.x, series, { bands: bands, decimals: 2 });
      app = saved;
      var y = D.yearly[sel.value];
      if (y) {
        add(tableHolder, "p", { class: "note" }, "Yearly means by scenario (comparison.parquet, sector all):");
        var rows = D.scenarios.filter(function (s) { return y.means[s]; }).map(function (s) { return [s].concat(y.means[s].map(function (v) { return fmt(v, 1); })); });
        var t = table(tableHolder, ["scenario"].concat(y.years.map(String)), rows, y.years.map(function (_, i) { return i + 1; }));
        t.setAttribute("data-chart", "yearly-table"); t.setAttribute("data-points", String(rows.length * y.years.length)); t.classList.add("chart");
      }
    }
    sel.addEventListener("change", drawBands);
    drawBands();

    section("Paired differences against the baseline", "Whole-run KPIs: each scenario minus " + (D.baseline || "the baseline") + " for the same seeds (mean and 95 % interval, comparison.parquet); * and red: the interval excludes 0 (and the difference exceeds floating-point rounding, 1e-9 of the mean). Each KPI has its own scale, with 0 marked.");
    forestChart("forest", D.forest.map(function (r) { return { group: r.kpi, label: r.scenario + " (" + r.pairs + " pairs)", v: r.diff_mean, lo: r.lo, hi: r.hi, sig: r.significant }; }));

    if (D.sensitivity) {
      var pref = ["ST", "mu_star", "spearman_rho", "S1", "seed_share"];
      var byGroup = {};
      D.sensitivity.forEach(function (r) { var g = r.scenario + " / " + r.kpi; (byGroup[g] = byGroup[g] || []).push(r); });
      var rows = [];
      Object.keys(byGroup).forEach(function (g) {
        var rs = byGroup[g], idx = pref.filter(function (p) { return rs.some(function (r) { return r.index === p; }); })[0];
        rs.filter(function (r) { return r.index === idx; }).sort(function (a, b) { return Math.abs(b.value) - Math.abs(a.value); })
          .forEach(function (r) { rows.push({ group: g + " (" + idx + ")", label: r.input, v: r.value, lo: r.ci95_low, hi: r.ci95_high, sig: false }); });
      });
      section("Sensitivity of whole-run KPIs to the uncertain inputs", "sensitivity.parquet: per scenario and KPI, the inputs ranked by their index (total Sobol index ST where computed, else Morris mu*, else Spearman's rho), with 95 % intervals.");
      forestChart("sensitivity", rows, "", { bars: true });
    }
    if (D.attribution) {
      var bars = {}, order = [];
      D.attribution.forEach(function (r) {
        var g = r.scenario + " / " + r.kpi;
        if (!bars[g]) { bars[g] = { label: g, parts: [] }; order.push(g); }
        bars[g].parts.push({ name: r.shock, share: r.share || 0, lo: r.share_ci95_low, hi: r.share_ci95_high });
      });
      section("Shapley attribution of the scenarios' effects to their shocks", "attribution.parquet: each shock's share of the combined effect on a whole-run KPI; hover for its interval.");
      stackedBars("attribution", order.map(function (g) { return bars[g]; }));
    }
  }

  try {
    if (D.kind === "run") runReport(); else batchReport();
  } catch (e) {
    window.__errors.push("report: " + (e && e.stack || e));
  }
  var errs = document.getElementById("errors");
  errs.textContent = window.__errors.join("\n");
  if (window.__errors.length) errs.hidden = false;
  document.body.setAttribute("data-errors", String(window.__errors.length));
  document.body.setAttribute("data-status", "ok");
})();
