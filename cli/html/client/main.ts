// Client-side entry: reads the embedded data, builds the panels, and drives navigation
// (buttons, ← → Home End, space, a slider, play/pause with a speed: util.ts; jump to a gate). All state
// lives in main()'s closure. body[data-step] and body[data-ready] let tests follow the page.

export const MAIN_JS = String.raw`
function renderHeader(T, ui) {
  var c = T.circuit, m = T.model;
  ui.title.textContent = 'gatecot trace: ' + c.name;
  var parts = [
    [c.n_inputs + ' inputs, ' + c.gates.length + ' gates', ''],
    [(m.mode === 'uniform' ? 'uniform model of capacity ' + m.capacity + ' (the circuit is in the prompt), ' + m.layers + ' layers \u00d7 ' + m.heads.length + ' heads'
      : m.cot + ' CoT, ' + m.layers + ' layer \u00d7 ' + m.heads.length + ' heads') + ', d_model ' + m.d_model + ', ' + m.seq_len + ' positions, ' + m.arith + ', key scale ' + m.scale, ''],
    ['input ' + (T.input.bits.length > 64 ? T.input.bits.slice(0, 61) + '...' : T.input.bits), ''],
    ['outputs ' + T.outputs.hex.join(' '), '']
  ];
  ui.summary.replaceChildren();
  parts.forEach(function (p, i) {
    if (i) ui.summary.appendChild(document.createTextNode(' \u00b7 '));
    ui.summary.appendChild(el('span', '', p[0]));
  });
  ui.summary.appendChild(el('span', 'badge ' + (T.outputs.ok ? 'ok' : 'fail'), T.outputs.ok ? 'outputs match direct evaluation' : 'outputs DIFFER from direct evaluation'));
  if (m.fault) ui.summary.appendChild(el('span', 'badge fail', 'fault injected: ' + m.fault));
  var e = T.engines;
  if (e) {
    ui.summary.appendChild(el('span', '', ' \u00b7 tokens: ' + e.tokens.backend + ' ' + e.tokens.arith + ' argmax; details: ' + e.details.backend + ' ' + e.details.arith + ', teacher-forced on those tokens'));
    ui.summary.appendChild(el('span', 'badge ' + (e.disagreements.length ? 'fail' : 'ok'), e.disagreements.length
      ? 'engines disagree at ' + e.disagreements.length + ' positions' : 'engines agree'));
  }
  ui.footer.textContent = 'Trace JSON version ' + T.version + ', attention strips \u00b1' + T.window + ' positions around each target. Layout: ' + ui.layoutSettings + '.';
}

function main() {
  var $ = function (id) { return document.getElementById(id); };
  var ui = { title: $('title'), summary: $('summary'), text: $('text'), why: $('why'), verdict: $('verdict'), where: $('where'),
    scrub: $('scrub'), play: $('play'), speed: $('speed'), gateInput: $('gate-input'), jumpMsg: $('jump-msg'), tokens: $('tokens'),
    heads: $('heads'), residual: $('residual'), ff: $('ff'), logits: $('logits'), dcap: $('dcap'), footer: $('footer'), status: $('status'),
    app: $('app'), follow: $('follow') };
  performance.mark('gatecot:script');
  var store = createStepStore();
  Promise.all([readPayload('gatecot-head'), readPayload('gatecot-layout'), store.ensure(0)]).then(function (d) {
    performance.mark('gatecot:decoded');
    start(d[0], d[1], store, ui, $);
    performance.mark('gatecot:ready');
  }).catch(function (e) {
    ui.status.textContent = 'This page could not read its embedded trace: ' + e.message;
    throw e;
  });
}

/** T is the trace without its steps; the steps come from the store. */
function start(T, L, store, ui, $) {
  var M = makeModel(T);
  var N = store.total;
  var st = { cur: 0, want: 0 };
  ui.layoutSettings = L.settings;
  renderHeader(T, ui);
  ui.status.hidden = true;
  ui.app.hidden = false;
  if (N === 0) { ui.text.textContent = 'This trace has no steps.'; document.body.dataset.ready = '1'; return; }
  ui.scrub.max = String(N - 1);
  var diagram = createDiagram($('diagram'), T, L, M, function (w) { jumpToWire(w); });
  var prompt = M.uniform ? createPromptPanel(T, M, $('p-prompt'), function (w) { jumpToWire(w); }) : null;
  if (M.uniform) setUpUniform($);

  function caption(step) {
    var done = 0;
    var from = M.uniform ? 0 : M.n;
    for (var k = from; k < M.W; k++) if (T.wire_pos[k] <= step.writes) done++;
    var total = M.uniform ? M.W + ' wires' : M.gates.length + ' gates';
    ui.dcap.replaceChildren();
    if (step.gate < 0) {
      ui.dcap.appendChild(el('b', 'cur-gate', M.wireName(step.wire) + ': input ' + M.wireLabel(step.wire)));
      ui.dcap.appendChild(document.createTextNode(', a constant (TRUE or FALSE) in the prompt. ' + done + ' of ' + total + ' computed.'));
      return;
    }
    var g = M.gates[step.gate];
    var inputs = [[g.a, 'ha', 'fetch_a'], [g.b, 'hb', 'fetch_b']].filter(function (x) { return x[0] >= 0; });
    ui.dcap.appendChild(el('b', 'cur-gate', (M.uniform ? M.wireName(step.wire) + ', ' : '') + 'gate ' + step.gate + ' (' + g.label + ') = ' + g.op));
    ui.dcap.appendChild(document.createTextNode(', level ' + g.level + (inputs.length ? '; inputs ' : '; no inputs')));
    inputs.forEach(function (x, i) {
      if (i) ui.dcap.appendChild(document.createTextNode(' and '));
      var v = M.wireValue(x[0], step.writes);
      ui.dcap.appendChild(el('span', x[1], M.wireLabel(x[0]) + ' = ' + v));
    });
    ui.dcap.appendChild(document.createTextNode('. ' + done + ' of ' + total + ' computed.'));
  }

  function render(i, step) {
    st.cur = i;
    ui.scrub.value = String(i);
    ui.where.textContent = 'step ' + (i + 1) + ' / ' + N + ' \u00b7 writes position ' + step.writes + ' \u00b7 ' +
      (M.uniform ? M.wireName(step.wire) + (step.gate >= 0 ? ' (gate ' + step.gate + ')' : ' (input)') : 'gate ' + step.gate) + (T.model.cot === '4tok' ? ' \u00b7 ' + step.role : '');
    renderLine(T, M, step, ui);
    renderTokens(T, M, step, ui.tokens);
    renderHeads(T, M, step, ui.heads);
    renderResidual(T, step, ui.residual);
    renderFF(T, step, ui.ff);
    renderLogits(T, step, ui.logits);
    caption(step);
    diagram.show(step);
    if (prompt) prompt.show(step);
    document.body.dataset.step = String(i);
    store.readAhead(i);
  }

  /** Shows step i: at once when its block is in memory, else as soon as it is read. */
  function go(i) {
    var target = clamp(i, 0, N - 1);
    st.want = target;
    var step = store.get(target);
    if (step) { render(target, step); return; }
    ui.where.textContent = 'reading step ' + (target + 1) + ' \u2026';
    store.ensure(target).then(function (s) { if (st.want === target) render(target, s); });
  }

  function jumpToWire(w) {
    store.firstStepOfWire(w).then(function (i) {
      if (i < 0) { ui.jumpMsg.textContent = (w < M.n ? 'input ' + M.wireLabel(w) : M.wireName(w)) + ' is not in this trace'; return; }
      ui.jumpMsg.textContent = '';
      go(i);
    });
  }

  bindNavigation($, ui.scrub, N, function () { return st.want; }, go);
  $('jump').addEventListener('submit', function (e) {
    e.preventDefault();
    var w = M.findWire(ui.gateInput.value);
    if (w < 0) { ui.jumpMsg.textContent = 'no ' + (M.uniform ? 'wire' : 'gate') + ' "' + ui.gateInput.value + '"'; return; }
    if (w < M.n && !M.uniform) { ui.jumpMsg.textContent = ui.gateInput.value + ' is the input ' + M.nodeName(w) + ': it has no step'; return; }
    jumpToWire(w);
  });
  bindDiagramTools($, diagram);
  drawScale($('heat-scale'));
  diagram.init(store.get(0));
  render(0, store.get(0));
  document.body.dataset.ready = '1';
}

main();
`;
