// Client-side circuit diagram: the layout embedded by the generator, drawn on a canvas
// (thousands of gates stay fast: only what is in view is drawn, in a few batched paths), with
// an SVG overlay for the highlighted wire (a gate, or a uniform model's input wire), a gate's two
// input wires and their source nodes (a handful of DOM elements, which tests can inspect). Drag
// to pan, wheel to zoom, click a gate (or a uniform model's input) to jump to it. A view model
// with marks(w, writes) (the latent trace: client/latent.ts) also gets changed wires framed and
// final wires dotted. Each box is named by M.nodeName, the name the text lines use.
// The fold menu shows the whole circuit, the cone of the current wire (its transitive fan-in) or
// the wires within k levels of it; a folded view is laid out here by layered.ts's code (LAYERED_JS,
// columns = the levels present) and follows the current wire. #diagram's data-fold and
// data-shown (the number of wires drawn) let tests follow it.

export const DIAGRAM_JS = String.raw`
var DCOL = { one: '#f2b33d', zero: '#5c6f89', bad: '#e03131', unknown: '#ffffff', border: '#98a3b1',
  wire1: '#d39b2a', wire0: '#8a99ae', wireU: '#dde2e8', text: '#1f2933', textOn0: '#ffffff', level: '#66727f',
  changed: '#d6336c', final: '#2f9e44' };
var TEXT_MIN_SCALE = 0.45;

function createDiagram(box, T, L, M, onPick) {
  var canvas = box.querySelector('canvas');
  var svg = box.querySelector('svg');
  var ctx = canvas.getContext('2d');
  var n = M.n, gates = M.gates, W = n + gates.length;
  var nw = L.nodeW, nh = L.nodeH;
  var level = M.level;
  /** What is drawn: the whole layout, or a folded one (hidden wires at NaN, their routes empty). */
  var FULL = withBoxes({ xy: L.xy, routes: L.routes, width: L.width, height: L.height, levels: L.levels, shown: W });
  var V = FULL;
  var xy = V.xy, routes = V.routes, rbox = V.rbox;
  var view = { s: 1, tx: 0, ty: 0, w: 1, h: 1, dpr: 1 };
  var st = { writes: 0, wire: -1, follow: true, queued: false, placed: false, fold: 'all', k: 2, foldedFor: -2 };

  function withBoxes(v) {
    var rb = new Float64Array(v.routes.length * 4);
    v.routes.forEach(function (r, i) {
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (var j = 0; j < r.length; j += 2) {
        x0 = Math.min(x0, r[j]); x1 = Math.max(x1, r[j]); y0 = Math.min(y0, r[j + 1]); y1 = Math.max(y1, r[j + 1]);
      }
      rb[4 * i] = x0; rb[4 * i + 1] = y0; rb[4 * i + 2] = x1; rb[4 * i + 3] = y1;
    });
    v.rbox = rb;
    return v;
  }

  /** The layout of some wires alone (sorted wire indices): layered.ts on the levels they occupy. */
  function foldedLayout(wires) {
    var index = new Map(), cols = new Map();
    wires.forEach(function (w, i) { index.set(w, i); cols.set(level[w], 0); });
    var lv = Array.from(cols.keys()).sort(function (a, b) { return a - b; });
    lv.forEach(function (l, c) { cols.set(l, c); });
    var col = wires.map(function (w) { return cols.get(level[w]); });
    var src = [], dst = [], slot = [];
    wires.forEach(function (w, i) {
      if (w < n) return;
      var g = gates[w - n];
      [g.a, g.b].forEach(function (a, k) {
        if (a >= 0 && index.has(a)) { src.push(index.get(a)); dst.push(i); slot.push(2 * (w - n) + k); }
      });
    });
    var r = layered(wires.length, col, src, dst, LAYERED_OPTIONS);
    var fxy = new Float64Array(2 * W).fill(NaN);
    wires.forEach(function (w, i) { fxy[2 * w] = r.xy[2 * i]; fxy[2 * w + 1] = r.xy[2 * i + 1]; });
    var froutes = L.routes.map(function () { return []; });
    r.routes.forEach(function (pts, e) { froutes[slot[e]] = pts; });
    var levels = [];
    lv.forEach(function (l, c) { levels[l] = r.colX[c]; });
    return withBoxes({ xy: fxy, routes: froutes, width: r.width, height: r.height, levels: levels, shown: wires.length });
  }

  /** Folds to the current wire (or unfolds); true when the drawing changed. */
  function refold() {
    var want = st.fold === 'all' || st.wire < 0 ? -1 : st.wire;
    var key = want < 0 ? -1 : want * 64 + (st.fold === 'cone' ? 63 : st.k);
    if (key === st.foldedFor) return false;
    st.foldedFor = key;
    V = want < 0 ? FULL : foldedLayout(st.fold === 'cone' ? M.coneOf(want) : M.around(want, st.k));
    xy = V.xy; routes = V.routes; rbox = V.rbox;
    box.dataset.fold = want < 0 ? 'all' : st.fold;
    box.dataset.shown = String(V.shown);
    return true;
  }
  var layer = svgEl('g', {});
  svg.appendChild(layer);

  function valueOf(w) { return M.wireValue(w, st.writes); }

  function queueDraw() {
    if (st.queued) return;
    st.queued = true;
    requestAnimationFrame(draw);
  }

  function draw() {
    st.queued = false;
    var s = view.s, dpr = view.dpr;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(dpr * s, 0, 0, dpr * s, dpr * view.tx, dpr * view.ty);
    var x0 = -view.tx / s, y0 = -view.ty / s, x1 = (view.w - view.tx) / s, y1 = (view.h - view.ty) / s;
    // Wires, coloured by the value they carry once it is written.
    var wp = [new Path2D(), new Path2D(), new Path2D()];
    for (var i = 0; i < routes.length; i++) {
      var r = routes[i];
      if (r.length === 0 || rbox[4 * i + 2] < x0 || rbox[4 * i] > x1 || rbox[4 * i + 3] < y0 || rbox[4 * i + 1] > y1) continue;
      var g = gates[i >> 1];
      var v = valueOf((i & 1) ? g.b : g.a);
      var p = wp[v === '1' ? 0 : v === '0' ? 1 : 2];
      p.moveTo(r[0], r[1]);
      for (var j = 2; j < r.length; j += 2) p.lineTo(r[j], r[j + 1]);
    }
    ctx.lineWidth = 1.2 / s;
    [[2, DCOL.wireU], [1, DCOL.wire0], [0, DCOL.wire1]].forEach(function (e) { ctx.strokeStyle = e[1]; ctx.stroke(wp[e[0]]); });
    // Nodes, batched by fill.
    var fills = { one: new Path2D(), zero: new Path2D(), bad: new Path2D(), unknown: new Path2D() };
    var all = new Path2D();
    var shown = [];
    for (var w = 0; w < W; w++) {
      var x = xy[2 * w], y = xy[2 * w + 1];
      if (!(x <= x1 && x + nw >= x0 && y <= y1 && y + nh >= y0)) continue; // off view, or folded away (NaN)
      var val = valueOf(w);
      var key = val === null ? 'unknown' : val === '1' ? 'one' : val === '0' ? 'zero' : 'bad';
      fills[key].rect(x, y, nw, nh);
      all.rect(x, y, nw, nh);
      shown.push(w);
    }
    Object.keys(fills).forEach(function (k) { ctx.fillStyle = DCOL[k]; ctx.fill(fills[k]); });
    ctx.strokeStyle = DCOL.border;
    ctx.lineWidth = 1 / s;
    ctx.stroke(all);
    if (M.marks) drawMarks(shown);
    if (s >= TEXT_MIN_SCALE && shown.length < 4000) drawText(shown);
    drawLevels();
  }

  /** Changed wires: a thick frame; final wires: a dot in the top-right corner. */
  function drawMarks(shown) {
    var ch = new Path2D(), fin = new Path2D();
    shown.forEach(function (w) {
      var k = M.marks(w, st.writes), x = xy[2 * w], y = xy[2 * w + 1];
      if (k.changed) ch.rect(x - 3, y - 3, nw + 6, nh + 6);
      if (k.final) { fin.moveTo(x + nw - 2, y + 5); fin.arc(x + nw - 5, y + 5, 3, 0, 2 * Math.PI); }
    });
    ctx.strokeStyle = DCOL.changed;
    ctx.lineWidth = 3 / Math.max(view.s, 0.5);
    ctx.stroke(ch);
    ctx.fillStyle = DCOL.final;
    ctx.fill(fin);
  }

  function drawText(shown) {
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    shown.forEach(function (w) {
      var x = xy[2 * w], y = xy[2 * w + 1];
      var val = valueOf(w);
      ctx.fillStyle = val === '0' || (val !== null && val !== '1') ? DCOL.textOn0 : DCOL.text;
      ctx.font = '600 9px system-ui, sans-serif';
      ctx.fillText(w < n ? 'input' : gates[w - n].op, x + nw / 2, y + 8, nw - 4);
      ctx.font = '9px system-ui, sans-serif';
      // the wire's name as the text lines write it (a uniform model's: its id #k)
      var name = M.nodeName(w);
      ctx.fillText(val === null ? name : name + ' = ' + val, x + nw / 2, y + 18, nw - 4);
      if (M.outputName.has(w)) {
        ctx.fillStyle = DCOL.level;
        ctx.textAlign = 'left';
        ctx.fillText('\u2192 ' + M.outputName.get(w), x + nw + 3, y + nh / 2);
        ctx.textAlign = 'center';
      }
    });
  }

  /** Level numbers along the top edge, in screen space so they stay visible while panning. */
  function drawLevels() {
    var s = view.s, dpr = view.dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillStyle = 'rgba(251,252,253,0.85)';
    ctx.fillRect(0, 0, view.w, 16);
    ctx.fillStyle = DCOL.level;
    var lastX = -Infinity;
    V.levels.forEach(function (lx, l) {
      if (lx === null || lx === undefined) return;
      var sx = (lx + nw / 2) * s + view.tx;
      if (sx < 0 || sx > view.w || sx - lastX < 44) return;
      lastX = sx;
      ctx.fillText(l === 0 ? 'inputs' : 'level ' + l, sx, 3);
    });
  }

  /** The overlay: the current wire, a gate's input wires and their sources, in head colours. */
  function drawOverlay() {
    layer.setAttribute('transform', 'translate(' + view.tx + ' ' + view.ty + ') scale(' + view.s + ')');
    layer.replaceChildren();
    if (st.wire < 0) return;
    var gi = st.wire - n;
    var g = gi >= 0 ? gates[gi] : { a: -1, b: -1 };
    [[g.a, 'a'], [g.b, 'b']].forEach(function (e, slot) {
      var src = e[0];
      if (src < 0) return;
      var r = routes[2 * gi + slot];
      if (r.length) {
        var pts = [];
        for (var j = 0; j < r.length; j += 2) pts.push(r[j] + ',' + r[j + 1]);
        layer.appendChild(svgEl('polyline', { points: pts.join(' '), 'class': 'wire-' + e[1], 'data-role': 'wire-' + e[1], 'data-from': src, 'vector-effect': 'non-scaling-stroke' }));
      }
      var pad = slot === 0 ? 3 : 6;
      if (isNaN(xy[2 * src])) return; // folded away
      layer.appendChild(svgEl('rect', { x: xy[2 * src] - pad, y: xy[2 * src + 1] - pad, width: nw + 2 * pad, height: nh + 2 * pad, rx: 3,
        'class': 'in-' + e[1], 'data-role': 'input-' + e[1], 'data-wire': src, 'vector-effect': 'non-scaling-stroke' }));
    });
    var w = st.wire;
    layer.appendChild(svgEl('rect', { x: xy[2 * w] - 4, y: xy[2 * w + 1] - 4, width: nw + 8, height: nh + 8, rx: 4,
      'class': 'cur', 'data-role': 'current', 'data-gate': Math.max(-1, gi), 'data-wire': w, 'vector-effect': 'non-scaling-stroke' }));
  }

  function resize() {
    var r = box.getBoundingClientRect();
    view.dpr = window.devicePixelRatio || 1;
    view.w = Math.max(1, r.width);
    view.h = Math.max(1, r.height);
    canvas.width = Math.round(view.w * view.dpr);
    canvas.height = Math.round(view.h * view.dpr);
    svg.setAttribute('viewBox', '0 0 ' + view.w + ' ' + view.h);
    if (!st.placed) place(false);
    drawOverlay();
    queueDraw();
  }

  function centerOn(w) {
    view.tx = view.w / 2 - (xy[2 * w] + nw / 2) * view.s;
    view.ty = view.h / 2 - (xy[2 * w + 1] + nh / 2) * view.s;
  }

  /** Whole drawing when it is legible at that size, else readable scale around the current gate. */
  function place(forceFit) {
    st.placed = true;
    var fit = Math.min(view.w / (V.width + 20), (view.h - 18) / (V.height + 20));
    if (fit >= 0.3 || forceFit || st.wire < 0) {
      view.s = Math.min(1.5, fit);
      view.tx = (view.w - V.width * view.s) / 2;
      view.ty = 18 + (view.h - 18 - V.height * view.s) / 2;
    } else {
      view.s = 1;
      centerOn(st.wire);
    }
  }

  function fitAll() { place(true); changed(); }

  /** Follows the current gate: re-centres only when it would leave the view (or hide under the level labels). */
  function ensureVisible(w) {
    var sx = xy[2 * w] * view.s + view.tx, sy = xy[2 * w + 1] * view.s + view.ty;
    if (sx < 4 || sy < 20 || sx + nw * view.s > view.w - 4 || sy + nh * view.s > view.h - 4) centerOn(w);
  }

  function changed() { drawOverlay(); queueDraw(); }

  function zoomAt(px, py, f) {
    var s2 = clamp(view.s * f, 0.01, 6);
    view.tx = px - (px - view.tx) * (s2 / view.s);
    view.ty = py - (py - view.ty) * (s2 / view.s);
    view.s = s2;
    changed();
  }

  function nodeAt(px, py) {
    var x = (px - view.tx) / view.s, y = (py - view.ty) / view.s;
    for (var w = 0; w < W; w++) {
      var nx = xy[2 * w], ny = xy[2 * w + 1];
      if (x >= nx && x <= nx + nw && y >= ny && y <= ny + nh) return w;
    }
    return -1;
  }

  function describe(w) {
    var v = valueOf(w);
    var g = gates[w - n];
    var head = w < n ? 'input ' + M.nodeName(w) : 'gate ' + (w - n) + ' (' + M.nodeName(w) + ') = ' + g.op + '(' +
      [g.a, g.b].filter(function (x) { return x >= 0; }).map(M.nodeName).join(', ') + '), level ' + level[w];
    var out = M.outputName.has(w) ? ', output ' + M.outputName.get(w) : '';
    return head + out + (v === null ? ', not computed yet' : ', value ' + v + ' at position ' + T.wire_pos[w]) + (w >= n || M.uniform ? ' (click to jump)' : '');
  }

  var drag = null;
  canvas.addEventListener('pointerdown', function (e) {
    canvas.setPointerCapture(e.pointerId);
    drag = { x: e.clientX, y: e.clientY, tx: view.tx, ty: view.ty, moved: false };
  });
  canvas.addEventListener('pointermove', function (e) {
    var r = canvas.getBoundingClientRect();
    if (drag) {
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) { view.tx = drag.tx + dx; view.ty = drag.ty + dy; changed(); }
      return;
    }
    var w = nodeAt(e.clientX - r.left, e.clientY - r.top);
    canvas.title = w >= 0 ? describe(w) : '';
  });
  canvas.addEventListener('pointerup', function (e) {
    var d = drag;
    drag = null;
    if (!d || d.moved) return;
    var r = canvas.getBoundingClientRect();
    var w = nodeAt(e.clientX - r.left, e.clientY - r.top);
    if (w >= n || (w >= 0 && M.uniform)) onPick(w);
  });
  canvas.addEventListener('wheel', function (e) {
    e.preventDefault();
    var r = canvas.getBoundingClientRect();
    zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * 0.0015));
  }, { passive: false });
  new ResizeObserver(resize).observe(box);

  return {
    show: function (step) {
      st.writes = step.writes;
      st.wire = step.wire;
      if (refold() && st.placed) place(false);
      else if (st.placed && st.follow && st.wire >= 0) ensureVisible(st.wire);
      changed();
    },
    /** mode: all, cone or around (k levels before and after the current wire). */
    setFold: function (mode, k) {
      st.fold = mode;
      st.k = clamp(Math.floor(k) || 1, 1, 62);
      if (refold()) place(false);
      changed();
    },
    setFollow: function (f) { st.follow = f; if (f && st.wire >= 0) { centerOn(st.wire); changed(); } },
    zoom: function (f) { zoomAt(view.w / 2, view.h / 2, f); },
    fit: fitAll,
    init: function (step) { st.writes = step.writes; st.wire = step.wire; refold(); resize(); }
  };
}
`;
