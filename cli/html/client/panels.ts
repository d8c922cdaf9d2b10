// Client-side panels of one step: the plain-language line, the token sequence (windowed), each
// head's attention heat strip, the residual stream by subspace, the feed-forward units and the
// logits. Every value shown is read from the step's entry in the trace JSON.

export const PANELS_JS = String.raw`
var TOKENS_BEFORE = 40;
var AROUND_TARGET = 3;

/** One sentence on what the model does at this step (from the step's role and the circuit). */
function whyText(T, M, step) {
  if (M.uniform) return whyUniform(step);
  var g = M.gates[step.gate];
  var h = step.heads;
  var at = function (i) { return h[i] ? 'position ' + h[i].target : '?'; };
  var oneInput = g.a >= 0 && g.b < 0 ? ' (' + g.op + ' has one input: its truth table ignores the second bit)' : '';
  if (T.model.cot === 'gate') {
    if (g.a < 0) return 'One token per gate. ' + g.op + ' has no inputs: both heads look at this position and the truth table alone gives the value.';
    return 'One token per gate: fetch_a reads input a at ' + at(0) + ', fetch_b reads input b at ' + at(1) + oneInput +
      '; the feed-forward block applies the truth table of ' + g.op + ' (from the position embedding) to the two fetched bits.';
  }
  switch (step.role) {
    case 'type':
      return 'First token of gate ' + step.gate + ': the position embedding holds its truth table and mode_type, and the output layer turns the table into the type token. Nothing needs fetching: both heads look at this position.';
    case 'in_a':
    case 'in_b':
      if (g[step.role === 'in_a' ? 'a' : 'b'] < 0) return 'This gate has no such input: the position embedding sets mode_na and the output layer writes "-".';
      return 'Both heads fetch ' + at(0) + ', where the input\'s value was written; the feed-forward block applies BUF (copy the bit) and the output writes it.';
    default:
      if (g.a < 0) return 'The gate itself: ' + g.op + ' has no inputs, so the truth table alone gives the value (the heads read the two "-" tokens just written).';
      return 'The gate itself: fetch_a reads the token just written for input a (' + at(0) + '), fetch_b the one for input b (' + at(1) +
        ')' + oneInput + '; the feed-forward block applies ' + g.op + '\'s truth table to them. The model reads its own chain of thought.';
  }
}

function renderLine(T, M, step, ui) {
  ui.text.textContent = step.text;
  ui.text.classList.toggle('wrong', step.token !== step.expected);
  ui.why.textContent = whyText(T, M, step);
  ui.verdict.textContent = (step.token !== step.expected
    ? 'The model wrote "' + step.token + '" here; direct evaluation expects "' + step.expected + '".' : '') +
    (step.cpu_token !== undefined
      ? (step.token !== step.expected ? ' ' : '') + 'Engine disagreement: ' + T.engines.tokens.backend + ' chose "' + step.token +
        '", the CPU reference\'s argmax (whose details are shown) is "' + step.cpu_token + '".' : '');
}

/** Position ranges to show: the prompt's start, the last TOKENS_BEFORE positions, and around each head's target. */
function tokenRanges(step) {
  var w = step.writes;
  var ranges = [[0, Math.min(w, 4)], [Math.max(0, w - TOKENS_BEFORE), w]];
  step.heads.forEach(function (h) {
    [h.target, h.top.length ? h.top[0].pos : h.target].forEach(function (t) {
      ranges.push([Math.max(0, t - AROUND_TARGET), Math.min(w, t + AROUND_TARGET)]);
    });
  });
  ranges.sort(function (a, b) { return a[0] - b[0]; });
  var merged = [];
  ranges.forEach(function (r) {
    var last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  });
  return merged;
}

/** The heads the token panel marks, as [head, letter]: fetch_a and fetch_b (positional), or by name (uniform). */
function markedHeads(M, step) {
  if (!M.uniform) return [[step.heads[0], 'a'], [step.heads[1], 'b']].filter(function (m) { return m[0]; });
  var out = [];
  step.heads.forEach(function (h) { if (UNIFORM_MARKS[h.name] && !h.untargeted) out.push([h, UNIFORM_MARKS[h.name]]); });
  return out;
}

function renderTokens(T, M, step, box) {
  var P = T.model.prompt_length;
  var per = T.model.cot === 'gate' ? 1 : 4;
  var marks = markedHeads(M, step);
  var cells = [];
  var prev = -1;
  tokenRanges(step).forEach(function (r) {
    if (r[0] > prev + 1) cells.push(el('span', 'gap', '\u2026 ' + (r[0] - prev - 1) + ' \u2026'));
    for (var p = r[0]; p <= r[1]; p++) {
      var tok = M.tokenAt(p, step.writes);
      var c = el('div', 'tok');
      c.dataset.pos = String(p);
      c.appendChild(el('span', 'tp', p));
      c.appendChild(el('span', 'tv', tok));
      if (p < P) c.classList.add('prompt');
      // uniform: every description and CoT group fills four positions from position 1
      if (M.uniform ? p > 0 && (p - 1) % 4 === 0 : p >= P && per > 1 && (p - P) % per === 0) c.classList.add('gstart');
      if (p === step.pos) c.classList.add('query');
      if (p === step.writes) c.classList.add('cur');
      if (T.tokens[p] !== T.expected[p]) c.classList.add('wrong');
      marks.forEach(function (m) { if (p === m[0].top[0].pos) c.classList.add('att-' + m[1]); });
      marks.forEach(function (m) { if (p === m[0].target) c.appendChild(el('span', 'm ' + m[1], m[1])); });
      c.title = 'position ' + p + ': ' + M.roleOfPos(p) + (p === step.writes ? ' (written at this step)' : p === step.pos ? ' (the query position)' : '');
      cells.push(c);
    }
    prev = r[1];
  });
  if (prev < T.tokens.length - 1) cells.push(el('span', 'gap', '\u2026 ' + (T.tokens.length - 1 - prev) + ' to come'));
  box.replaceChildren.apply(box, cells);
}

/**
 * A head's strip: one cell per position, drawn at a fixed pixel size and stretched by CSS
 * (measuring the element would force a layout on every step).
 */
function drawStrip(canvas, h) {
  var ws = h.strip.weights;
  var cell = Math.max(1, Math.ceil(600 / ws.length));
  canvas.width = ws.length * cell;
  canvas.height = 26;
  var ctx = canvas.getContext('2d');
  for (var i = 0; i < ws.length; i++) {
    ctx.fillStyle = heat(ws[i]);
    ctx.fillRect(i * cell, 0, cell, 26);
  }
  var ti = h.target - h.strip.from;
  if (!h.untargeted && ti >= 0 && ti < ws.length) {
    ctx.fillStyle = '#e03131';
    ctx.fillRect(ti * cell, 0, cell, 3);
    ctx.fillRect(ti * cell, 23, cell, 3);
  }
}

/** What a head with no target at this position did (uniform models). */
function untargetedInfo(h, info) {
  var t = h.top[0];
  info.appendChild(document.createTextNode('no target at this position' + (t ? ': its top weight, ' + fmtW(t.weight) + ', is at position ' + t.pos : '') +
    '; outside this strip ' + fmtW(h.elsewhere)));
}

function renderHeads(T, M, step, box) {
  var parts = [];
  var layer = -1;
  var titles = [];
  step.heads.forEach(function (h, i) {
    if (M.uniform && h.layer !== layer) {
      layer = h.layer;
      titles.push(el('div', 'layer-title', 'layer ' + layer + (LAYER_NOTES[layer] ? ': ' + LAYER_NOTES[layer] : '')));
      parts.push({ div: titles[titles.length - 1] });
    }
    var d = el('div', 'head');
    d.dataset.head = String(i);
    d.dataset.target = String(h.target);
    if (h.untargeted) d.dataset.untargeted = '1';
    var cls = M.uniform ? UNIFORM_HEAD_CLASS[h.name] || 'h0' : i === 0 ? 'ha' : 'hb';
    var name = el('div', 'hname');
    name.appendChild(el('span', cls, h.name));
    name.appendChild(document.createTextNode(h.untargeted ? ' has no target here' : ' reads position ' + h.target + ' (' + M.roleOfPos(h.target) + ', token ' + M.tokenAt(h.target, step.writes) + ')'));
    d.appendChild(name);
    var other = h.top.filter(function (t) { return t.pos !== h.target; })[0];
    var info = el('div', 'hinfo');
    if (h.untargeted) untargetedInfo(h, info);
    else {
      info.appendChild(document.createTextNode('weight on the target '));
      info.appendChild(el('b', 'tw', fmtW(h.target_weight)));
      info.appendChild(document.createTextNode(other ? '; next largest ' + fmtW(other.weight) + ' at position ' + other.pos : ''));
      info.appendChild(document.createTextNode('; outside this strip ' + fmtW(h.elsewhere)));
      if (h.top.length && h.top[0].pos !== h.target) info.appendChild(el('b', 'warn', '; the top weight is NOT on the target (position ' + h.top[0].pos + ')'));
    }
    d.appendChild(info);
    var wrap = el('div', 'strip-wrap');
    var cv = el('canvas', 'strip');
    wrap.appendChild(cv);
    var n = h.strip.weights.length;
    if (!h.untargeted) {
      var mark = el('div', 'tmark', 'target ' + h.target);
      var frac = (h.target - h.strip.from + 0.5) / n;
      mark.style.left = (100 * frac) + '%';
      // Near an end, the label hangs inwards instead of past the strip.
      if (frac > 0.85) mark.classList.add('right');
      else if (frac < 0.15) mark.classList.add('left');
      wrap.appendChild(mark);
    }
    d.appendChild(wrap);
    var axis = el('div', 'saxis');
    axis.appendChild(el('span', '', 'position ' + h.strip.from));
    axis.appendChild(el('span', '', n + ' positions' + (h.strip.from > 0 || h.strip.from + n - 1 < step.pos ? ' of ' + (step.pos + 1) + ' visible' : ', all visible')));
    axis.appendChild(el('span', '', 'position ' + (h.strip.from + n - 1)));
    d.appendChild(axis);
    cv.addEventListener('mousemove', function (e) {
      var rr = cv.getBoundingClientRect();
      var k = clamp(Math.floor((e.clientX - rr.left) / rr.width * n), 0, n - 1);
      cv.title = 'position ' + (h.strip.from + k) + ': weight ' + h.strip.weights[k];
    });
    parts.push({ div: d, canvas: cv, head: h });
  });
  box.replaceChildren.apply(box, parts.map(function (p) { return p.div; }));
  parts.forEach(function (p) { if (p.canvas) drawStrip(p.canvas, p.head); });
}

/** The heat strips' colour scale, 1e-40 (left) to 1 (right). */
function drawScale(canvas) {
  canvas.width = 180;
  canvas.height = 10;
  var ctx = canvas.getContext('2d');
  for (var x = 0; x < 180; x++) {
    ctx.fillStyle = heat(Math.pow(10, LOG_FLOOR * (1 - x / 179)));
    ctx.fillRect(x, 0, 1, 10);
  }
}

function decodeBits(xs) {
  var v = 0;
  for (var i = 0; i < xs.length; i++) if (xs[i] > 0) v += Math.pow(2, i);
  return v;
}

function renderResidual(T, step, table) {
  var rows = [];
  var head = el('tr');
  var layers = step.residual.layers;
  var titles = layers ? layers.map(function (_, l) { return 'after layer ' + l; }) : ['after attention', 'after feed-forward'];
  ['subspace', 'what it holds', 'embedding (token + position)'].concat(titles).forEach(function (t) { head.appendChild(el('th', '', t)); });
  rows.push(head);
  var stages = layers ? [step.residual.embed].concat(layers) : [step.residual.embed, step.residual.attn, step.residual.out];
  T.model.subspaces.forEach(function (sp) {
    var tr = el('tr');
    tr.dataset.subspace = sp.name;
    tr.appendChild(el('td', 'num', sp.size > 1 ? sp.name + '[' + sp.size + ']' : sp.name));
    tr.appendChild(el('td', 'meaning', SUBSPACE_MEANING[sp.name] || ''));
    var prevText = null;
    stages.forEach(function (vec) {
      var xs = vec.slice(sp.offset, sp.offset + sp.size);
      var text = xs.map(fmt).join(' ');
      if (/_bits$/.test(sp.name)) text = xs.map(function (x) { return x > 0 ? '+' : x < 0 ? '\u2212' : '0'; }).join('') + ' = ' + decodeBits(xs);
      else if (T.model.mode === 'uniform' && ID_CODES[sp.name]) text = idCodeText(sp.name, xs);
      var td = el('td', 'num', text);
      if (prevText !== null && text !== prevText) td.classList.add('chg');
      prevText = text;
      tr.appendChild(td);
    });
    rows.push(tr);
  });
  table.replaceChildren.apply(table, rows);
}

function renderFF(T, step, box) {
  var table = el('table');
  var head = el('tr');
  ['unit', 'pre-activation', 'ReLU'].forEach(function (t) { head.appendChild(el('th', '', t)); });
  table.appendChild(head);
  var fired = [];
  T.model.ff_units.forEach(function (u, i) {
    var tr = el('tr', step.ff.act[i] > 0 ? 'fired' : '');
    tr.appendChild(el('td', '', u));
    tr.appendChild(el('td', 'num', fmt(step.ff.pre[i])));
    tr.appendChild(el('td', 'num', fmt(step.ff.act[i])));
    table.appendChild(tr);
    if (step.ff.act[i] > 0) fired.push(u);
  });
  var ff = T.model.basis.indexOf('ff_out');
  var y = ff >= 0 ? step.residual.out[ff] - step.residual.attn[ff] : NaN;
  var note = el('div', 'note', (fired.length ? 'fired: ' + fired.join(', ') : 'no unit fired') + (ff >= 0 ? '; the block adds y = ' + fmt(Math.round(y * 1e4) / 1e4) + ' to ff_out' : ''));
  box.replaceChildren(table, note);
}

function renderLogits(T, step, box) {
  var ls = step.logits;
  var hi = Math.max.apply(null, ls), lo = Math.min.apply(null, ls);
  var sorted = ls.slice().sort(function (a, b) { return b - a; });
  var rows = [];
  var shown = T.model.mode === 'uniform' ? shownLogits(T, step) : null;
  (shown || T.model.vocab.map(function (_, i) { return i; })).forEach(function (i) {
    var t = T.model.vocab[i];
    var chosen = t === step.token;
    var r = el('div', 'logit' + (chosen ? ' chosen' : '') + (t === step.expected && !chosen ? ' expected' : ''));
    r.dataset.token = t;
    r.appendChild(el('span', 'lname', t));
    var bar = el('div', 'lbar');
    bar.style.width = (hi > lo ? 4 + 96 * (ls[i] - lo) / (hi - lo) : 50) + '%';
    var wrap = el('div');
    wrap.appendChild(bar);
    r.appendChild(wrap);
    r.appendChild(el('span', 'lval', fmt(ls[i])));
    rows.push(r);
  });
  var margin = ', margin ' + fmt(Math.round((sorted[0] - sorted[1]) * 1e4) / 1e4) + ' over the runner-up' +
    (shown ? ' (the ' + shown.length + ' largest of ' + ls.length + ' logits shown, and the expected token\'s)' : '');
  rows.push(el('div', 'note', step.cpu_token === undefined ? 'chosen (argmax): ' + step.token + margin
    : 'chosen by ' + T.engines.tokens.backend + ': ' + step.token + '; these are the CPU reference\'s logits, whose argmax is ' + step.cpu_token + margin));
  box.replaceChildren.apply(box, rows);
}
`;
