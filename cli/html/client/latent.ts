// Client side of the latent trace page (cli/html/latent-page.ts): a slider over the iterations
// next to the circuit diagram (client/diagram.ts: wires coloured by the value the model reads
// out after that iteration, changed wires framed, final wires dotted), the iteration's changed
// wires, the outputs against direct evaluation, and a chosen gate's heads and feed-forward units
// in that iteration. All text goes in through textContent (labels come from circuit files).
// body[data-iter] and body[data-ready] let tests follow the page.

export const LATENT_CSS = String.raw`
main.latent #p-diagram { grid-column: 1; }
#p-iter { grid-column: 2; }
#iter { flex: 1 1 220px; min-width: 140px; }
#iter-line { font-size: 16px; font-weight: 600; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; margin-bottom: 4px; }
#changed { display: flex; flex-wrap: wrap; gap: 3px; margin-bottom: 8px; max-height: 160px; overflow-y: auto; }
.chip { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; padding: 1px 5px; border-radius: 4px; border: 2px solid #d6336c; cursor: pointer; }
.chip.v1 { background: var(--one); }
.chip.v0 { background: var(--zero); color: #fff; }
.chip.vx { background: var(--bad); color: #fff; }
td.bad { color: var(--bad); font-weight: 700; }
#gate .gline { margin: 3px 0; }
#gate table { font-size: 12px; }
#gate td.tops { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11px; }
#gate .fired { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.fin { color: #2f9e44; font-weight: 700; }
`;

export const LATENT_JS = String.raw`
var MAX_CHIPS = 300;

function latentHeader(T, ui) {
  var c = T.circuit, m = T.model, lp = T.loops;
  ui.title.textContent = 'gatecot latent trace: ' + c.name;
  var heads = m.heads.map(function (h) { return h.length; }).join(',');
  var shape = m.layers + ' stored layer' + (m.layers === 1 ? '' : 's') + ' \u00d7 ' + heads + ' heads';
  if (lp) shape += lp.source === 'auto' ? ', loops auto: settled after ' + lp.settled + ', ' + lp.run + ' run'
    : ', block looped ' + lp.run + ' times' + (lp.source === 'given' ? ' (--loops; the model\'s own count ' + lp.model + ' = ' + lp.model_is + ')' : ' (= ' + lp.model_is + ')');
  var parts = [c.n_inputs + ' inputs, ' + c.gates.length + ' gates', m.construction + ' (no CoT), ' + shape + ', d_model ' + m.d_model + ', ' + m.seq_len + ' positions, ' + m.arith,
    'input ' + (T.input.bits.length > 64 ? T.input.bits.slice(0, 61) + '...' : T.input.bits), 'outputs ' + T.outputs.hex.join(' ')];
  ui.summary.replaceChildren();
  parts.forEach(function (p, i) {
    if (i) ui.summary.appendChild(document.createTextNode(' \u00b7 '));
    ui.summary.appendChild(el('span', '', p));
  });
  ui.summary.appendChild(el('span', 'badge ' + (T.outputs.ok ? 'ok' : 'fail'), T.outputs.ok ? 'outputs match direct evaluation' : 'outputs DIFFER from direct evaluation'));
  if (T.wrong.length) ui.summary.appendChild(el('span', 'badge fail', T.wrong.length + ' wires wrong'));
  var e = T.engines;
  if (e) ui.summary.appendChild(el('span', 'badge ' + (e.disagreements.length ? 'fail' : 'ok'), e.values.backend + ' ' + e.values.arith + (e.disagreements.length
    ? ' disagrees at ' + e.disagreements.length + ' wires' : ' agrees at every wire')));
}

function latentMain() {
  var $ = function (id) { return document.getElementById(id); };
  Promise.all([readPayload('gatecot-latent'), readPayload('gatecot-layout')]).then(function (d) {
    startLatent(d[0], d[1], $);
  }).catch(function (e) {
    $('status').textContent = 'This page could not read its embedded trace: ' + e.message;
    throw e;
  });
}

function startLatent(T, L, $) {
  var ui = { title: $('title'), summary: $('summary'), where: $('where'), iter: $('iter'),
    line: $('iter-line'), changed: $('changed'), outputs: $('outputs'), gate: $('gate'), gateInput: $('gate-input'), jumpMsg: $('jump-msg') };
  // The diagram's view model: values from each iteration's readout, not from tokens.
  var shim = { circuit: T.circuit, model: { vocab: T.model.vocab, mode: 'latent', prompt_length: 0, cot: '' }, wire_pos: T.wire_pos, tokens: [] };
  var M = makeModel(shim);
  var its = T.iterations, N = its.length, W = M.W, n = M.n;
  var changedAt = its.map(function (it) { return new Set(it.changed); });
  M.wireValue = function (w, t) { return its[t].values.charAt(w); };
  M.marks = function (w, t) { return { changed: changedAt[t].has(w), final: T.final_from[w] <= t }; };
  var detail = new Map();
  T.details.forEach(function (x) { detail.set(x.wire, x); });
  var outWires = [];
  T.circuit.outputs.forEach(function (o) { o.wires.forEach(function (w, i) { outWires.push([o.width > 1 ? o.name + '[' + i + ']' : o.name, w]); }); });
  var first = T.details.length ? T.details[0].wire : outWires.length && outWires[0][1] >= n ? outWires[0][1] : -1;
  var st = { t: 0, wire: first };
  latentHeader(T, ui);
  $('footer').textContent = 'Latent trace JSON version ' + T.version + '. A wire\'s value is the argmax of the output layer at its position after each iteration. Layout: ' + L.settings + '.';
  $('status').hidden = true;
  $('app').hidden = false;
  ui.iter.max = String(N - 1);
  var diagram = createDiagram($('diagram'), shim, L, M, function (w) { select(w); });

  function valueClass(v) { return v === '1' ? 'v1' : v === '0' ? 'v0' : 'vx'; }
  function posName(p) { return p === 0 ? '<bos>' : p - 1 < W ? M.wireLabel(p - 1) : 'position ' + p; }

  function renderLine(t) {
    var it = its[t];
    var what = t === 0 ? 'the embedding (no layer applied yet)' : it.changed.length ? 'changed ' + it.changed.length + ' wire' + (it.changed.length === 1 ? '' : 's') : 'changed nothing';
    ui.line.textContent = 'iteration ' + t + ': ' + what + '; final ' + it.final + '/' + W + ' wires';
    ui.changed.replaceChildren();
    it.changed.slice(0, MAX_CHIPS).forEach(function (w) {
      var v = M.wireValue(w, t);
      var chip = el('span', 'chip ' + valueClass(v), M.wireLabel(w) + '=' + v);
      chip.dataset.wire = String(w);
      chip.addEventListener('click', function () { select(w); });
      ui.changed.appendChild(chip);
    });
    if (it.changed.length > MAX_CHIPS) ui.changed.appendChild(el('span', 'note', '+' + (it.changed.length - MAX_CHIPS) + ' more'));
  }

  function renderOutputs(t) {
    ui.outputs.replaceChildren();
    var hr = el('tr');
    ['output', 'wire', 'now', 'direct evaluation', 'final from'].forEach(function (h) { hr.appendChild(el('th', '', h)); });
    ui.outputs.appendChild(hr);
    outWires.forEach(function (o) {
      var w = o[1], v = M.wireValue(w, t), want = T.expected.charAt(w);
      var tr = el('tr');
      tr.appendChild(el('td', '', o[0]));
      tr.appendChild(el('td', '', M.wireLabel(w)));
      tr.appendChild(el('td', 'num' + (v === want ? '' : ' bad'), v));
      tr.appendChild(el('td', 'num', want));
      tr.appendChild(el('td', 'num' + (T.final_from[w] <= t ? ' fin' : ''), 'iteration ' + T.final_from[w]));
      ui.outputs.appendChild(tr);
    });
  }

  function renderGate(t) {
    var box = ui.gate, w = st.wire;
    box.replaceChildren();
    if (w < 0) { box.appendChild(el('div', 'note', 'Click a gate in the diagram, or name one above.')); return; }
    var v = M.wireValue(w, t);
    if (w < n) {
      box.appendChild(el('div', 'gline', 'input ' + M.wireLabel(w) + ' = ' + v + ' (its token; no layer changes it)'));
      return;
    }
    var g = M.gates[w - n];
    var args = [g.a_label, g.b_label].filter(function (x) { return x !== null; }).join(', ');
    box.appendChild(el('div', 'gline', 'gate ' + (w - n) + ': ' + g.label + ' = ' + g.op + '(' + args + '), level ' + g.level));
    var fin = T.final_from[w] <= t;
    box.appendChild(el('div', 'gline' + (fin ? ' fin' : ''), 'value ' + v + ' now; direct evaluation ' + T.expected.charAt(w) + '; final from iteration ' + T.final_from[w] + (fin ? ' (final)' : '')));
    var d = detail.get(w);
    if (!d) { box.appendChild(el('div', 'note', T.detail_note || 'this gate is not detailed in this trace')); return; }
    if (t === 0) { box.appendChild(el('div', 'note', 'iteration 0 is the embedding: no head or unit has run yet')); return; }
    var s = null;
    for (var i = 0; i < d.steps.length; i++) if (d.steps[i].t === t) s = d.steps[i];
    if (!s) return;
    var ops = [[g.a_label, s.a], [g.b_label, s.b]].filter(function (x) { return x[0] !== null; }).map(function (x) { return x[0] + ' = ' + x[1]; });
    box.appendChild(el('div', 'gline', 'operands before this iteration: ' + (ops.length ? ops.join(', ') : 'none') + '; value ' + s.before + ' \u2192 ' + s.after + (s.before === s.after ? ' (stays)' : ' (changes)')));
    var table = el('table');
    var hr = el('tr');
    ['head', 'layer', 'target', 'weight on target', 'top positions', 'returned'].forEach(function (h) { hr.appendChild(el('th', '', h)); });
    table.appendChild(hr);
    s.heads.forEach(function (h) {
      var tr = el('tr');
      tr.appendChild(el('td', '', h.name));
      tr.appendChild(el('td', 'num', h.layer));
      tr.appendChild(el('td', '', h.target >= 0 ? h.target + ' (' + posName(h.target) + ')' : '-'));
      tr.appendChild(el('td', 'num' + (h.target >= 0 && (h.target_weight < 0.9 || (h.top[0] && h.top[0].pos !== h.target)) ? ' bad' : ''), fmtW(h.target_weight)));
      tr.appendChild(el('td', 'tops', h.top.map(function (p) { return '@' + p.pos + ':' + fmtW(p.weight); }).join(' ')));
      tr.appendChild(el('td', 'num', h.out.map(fmt).join(', ')));
      table.appendChild(tr);
    });
    box.appendChild(table);
    box.appendChild(el('div', 'gline fired', 'feed-forward units that fired: ' + (s.fired.length ? s.fired.join(', ') : 'none')));
  }

  function render(t) {
    st.t = t;
    ui.iter.value = String(t);
    var it = its[t];
    ui.where.textContent = 'iteration ' + t + ' / ' + (N - 1) + (t === 0 ? ' \u00b7 embedding' : ' \u00b7 layer' + (it.layers.length > 1 ? 's ' : ' ') + it.layers.join(','));
    renderLine(t);
    renderOutputs(t);
    renderGate(t);
    diagram.show({ writes: t, wire: st.wire });
    document.body.dataset.iter = String(t);
  }

  function go(t) { render(clamp(t, 0, N - 1)); }
  function select(w) { st.wire = w; ui.jumpMsg.textContent = ''; render(st.t); }

  bindNavigation($, ui.iter, N, function () { return st.t; }, go);
  $('jump').addEventListener('submit', function (e) {
    e.preventDefault();
    var w = M.findWire(ui.gateInput.value);
    if (w < 0) { ui.jumpMsg.textContent = 'no wire "' + ui.gateInput.value + '"'; return; }
    select(w);
  });
  bindDiagramTools($, diagram);
  diagram.init({ writes: 0, wire: st.wire });
  render(0);
  document.body.dataset.ready = '1';
}

latentMain();
`;
