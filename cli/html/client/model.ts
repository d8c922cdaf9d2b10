// Client-side view model: indexes over the embedded trace JSON (nothing is recomputed: values
// come from the tokens the model wrote, positions from wire_pos, text from each step).

export const MODEL_JS = String.raw`
/** What each residual subspace holds (compiler/layout.ts). */
var SUBSPACE_MEANING = {
  one: 'constant 1',
  tok_val: '1 when the token at this position is "1"',
  val_a: 'the bit fetched by fetch_a (attention output)',
  val_b: 'the bit fetched by fetch_b (attention output)',
  ff_out: 'y = table(val_a, val_b), the feed-forward output',
  mode_type: 'next token is a gate type',
  mode_na: 'next token is "-" (the gate has no such input)',
  tt: 'truth table of the operation: tt[2a+b] = f(a, b)',
  pos_bits: 'sbin(p), this position\'s code, read by the keys',
  src_a_bits: 'sbin of the position fetch_a must read (query)',
  src_b_bits: 'sbin of the position fetch_b must read (query)'
};

/** T is the trace JSON without its steps (those come block by block: steps.ts). */
function makeModel(T) {
  var n = T.circuit.n_inputs;
  var gates = T.circuit.gates;
  var vocab = T.model.vocab;
  var outputName = new Map();
  T.circuit.outputs.forEach(function (o) {
    o.wires.forEach(function (w, i) {
      var name = o.width > 1 ? o.name + '[' + i + ']' : o.name;
      outputName.set(w, outputName.has(w) ? outputName.get(w) + ', ' + name : name);
    });
  });
  var byLabel = new Map();
  gates.forEach(function (g, k) { if (!byLabel.has(g.label)) byLabel.set(g.label, k); });
  function wireLabel(w) { return w < n ? T.circuit.input_labels[w] : gates[w - n].label; }
  /** The token at a position, or null when it is not written yet at this step. */
  function tokenAt(pos, writes) { return pos <= writes ? vocab[T.tokens[pos]] : null; }
  function wireValue(w, writes) { return tokenAt(T.wire_pos[w], writes); }
  function roleOfPos(pos) {
    var P = T.model.prompt_length;
    if (pos === 0) return 'start of sequence';
    if (pos < P) return 'input ' + wireLabel(pos - 1);
    var per = T.model.cot === 'gate' ? 1 : 4;
    var g = Math.floor((pos - P) / per);
    if (per === 1) return 'value of gate ' + g;
    return ['type', 'input a', 'input b', 'value'][(pos - P) % 4] + ' of gate ' + g;
  }
  /** A gate by index ("17"), by wire label ("s[3]", "G22gat"), or as the diagram names it ("g17"). */
  function findGate(text) {
    var t = text.trim();
    if (/^\d+$/.test(t)) { var g = Number(t); return g < gates.length ? g : -1; }
    if (byLabel.has(t)) return byLabel.get(t);
    var m = /^g(\d+)$/.exec(t);
    return m && Number(m[1]) < gates.length ? Number(m[1]) : -1;
  }
  return { n: n, gates: gates, vocab: vocab, outputName: outputName, wireLabel: wireLabel,
    tokenAt: tokenAt, wireValue: wireValue, roleOfPos: roleOfPos, findGate: findGate };
}
`;
