// Client-side view model: indexes over the embedded trace JSON (nothing is recomputed: values
// come from the tokens the model wrote, positions from wire_pos, text from each step); the
// names the diagram draws (nodeName: the labels the trace's text lines use), what the jump box
// accepts (findWire: a gate's index, a wire's name, an output or input group's bit "out[3]",
// a uniform model's id "#7"), and the parts of the circuit the diagram folds to (coneOf: a
// wire's transitive fan-in; around: its fan-in and fan-out k wires deep).
// Plain functions of the trace head: tests run them in Node (vm) against the circuit.

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
  src_b_bits: 'sbin of the position fetch_b must read (query)',
  // uniform models (compiler/uniform/layout.ts); codes are sbin of a wire id (0: no wire)
  slot: 'one-hot slot of this position in its group of four',
  s3: '\u00b11: this position is at slot 3 (a description\'s id, a wire\'s value)',
  prev_bits: 'sbin of the label of the previous group\'s last position',
  tcode: 'id code of the token here (an id token; 0 otherwise)',
  t_id: '\u00b11: the token here is an id',
  t_isval: '\u00b11: the token here is a value (0 or 1)',
  t_val: '1 when the token here is "1"',
  t_na: '1 when the token here is NA',
  t_tt: 'truth table of the type token here',
  g_code: 'group_0: id code of the token at slot 0 of this group',
  g_tt: 'group_0: truth table of the token at slot 0 (a description\'s type)',
  o1_code: 'group_1: id code of the token at slot 1',
  o1_na: 'group_1: the token at slot 1 is NA',
  o1_val: 'group_1: the token at slot 1 is "1" (input a of the gate)',
  o2_code: 'group_2: id code of the token at slot 2',
  o2_na: 'group_2: the token at slot 2 is NA',
  p_code: 'previous: id code of the previous group\'s last token',
  d_tt: 'description: the truth table of the type fetched',
  d_in1: 'description: id code of the first operand',
  d_na1: 'description: the first operand is NA',
  d_in2: 'description: id code of the second operand',
  d_na2: 'description: the second operand is NA',
  next_pair: 'next: id code of the next description, interleaved with 1',
  y: 'layer 1 FF: the gate applied to input a and the token here',
  q_op: 'layer 1 FF: id code of the operand to fetch at this slot',
  out_na: 'layer 1 FF: write NA',
  val: 'operand: the value fetched',
  out_bit: 'layer 2 FF: the bit to write'
};

/** Uniform models' id codes: the subspaces holding sbin of a wire id (pairs: interleaved with 1). */
var ID_CODES = { tcode: 1, g_code: 1, o1_code: 1, o2_code: 1, p_code: 1, d_in1: 1, d_in2: 1, q_op: 1, next_pair: 2 };

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
  var uniform = T.model.mode === 'uniform';
  var W = n + gates.length;
  /** The name on a wire's box in the diagram: its label (the name the text lines use), a uniform model's id. */
  function nodeName(w) { return uniform ? '#' + (w + 1) : wireLabel(w); }
  var level = new Int32Array(W);
  gates.forEach(function (g, k) { level[n + k] = g.level; });
  /** The token at a position, or null when it is not written yet at this step. */
  function tokenAt(pos, writes) { return pos <= writes ? vocab[T.tokens[pos]] : null; }
  function wireValue(w, writes) { return tokenAt(T.wire_pos[w], writes); }
  function roleOfPos(pos) {
    var P = T.model.prompt_length;
    if (pos === 0) return 'start of sequence';
    if (uniform) {
      // groups of four from position 1: TYPE in1 in2 #k in the prompt, #k v(in1) v(in2) v(k) after it
      var slot = (pos - 1) % 4;
      if (pos < P) return ['type', 'first operand', 'second operand', 'id'][slot] + ' of the description of #' + (((pos - 1) >> 2) + 1);
      return ['id', 'input a value', 'input b value', 'value'][slot] + ' of #' + (((pos - P) >> 2) + 1) + '\'s CoT group';
    }
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
  /** The wire of bit k of a group ("out[3]", or "out" for a one-bit group), outputs first, or -1. */
  function groupBit(t) {
    var m = /^(.+?)(?:\[(\d+)\])?$/.exec(t);
    if (!m) return -1;
    var k = m[2] === undefined ? 0 : Number(m[2]);
    var o = T.circuit.outputs.find(function (x) { return x.name === m[1]; });
    if (o && (m[2] !== undefined || o.width === 1)) return k < o.width ? o.wires[k] : -1;
    var from = 0;
    for (var i = 0; i < T.circuit.inputs.length; i++) {
      var g = T.circuit.inputs[i];
      if (g.name === m[1] && (m[2] !== undefined || g.width === 1)) return k < g.width ? from + k : -1;
      from += g.width;
    }
    return -1;
  }
  /** A wire: a gate as findGate reads it, a uniform model's wire id ("#7"), an input's label, a group's bit ("out[3]"). */
  function findWire(text) {
    var t = text.trim();
    var m = /^#(\d+)$/.exec(t);
    if (m) return Number(m[1]) >= 1 && Number(m[1]) <= W ? Number(m[1]) - 1 : -1;
    var g = findGate(t);
    if (g >= 0) return n + g;
    var i = T.circuit.input_labels.indexOf(t);
    return i >= 0 ? i : groupBit(t);
  }
  var fanout = null;
  /** The wires each wire feeds (built on first use). */
  function readers() {
    if (fanout) return fanout;
    fanout = [];
    for (var w = 0; w < W; w++) fanout.push([]);
    gates.forEach(function (g, k) {
      if (g.a >= 0) fanout[g.a].push(n + k);
      if (g.b >= 0 && g.b !== g.a) fanout[g.b].push(n + k);
    });
    return fanout;
  }
  /** Wires reached from w in at most k steps along next(x) (w included; k = Infinity: all), breadth first, into seen. */
  function reach(w, next, k, seen) {
    var frontier = [w];
    seen[w] = 1;
    for (var d = 0; d < k && frontier.length; d++) {
      var after = [];
      frontier.forEach(function (x) {
        next(x).forEach(function (y) { if (y >= 0 && !seen[y]) { seen[y] = 1; after.push(y); } });
      });
      frontier = after;
    }
  }
  function listOf(seen) {
    var out = [];
    for (var w = 0; w < W; w++) if (seen[w]) out.push(w);
    return out;
  }
  function inputsOf(x) { return x < n ? [] : [gates[x - n].a, gates[x - n].b]; }
  /** The cone of wire w: w and every wire it depends on (its transitive fan-in), in increasing order. */
  function coneOf(w) {
    var seen = new Uint8Array(W);
    reach(w, inputsOf, Infinity, seen);
    return listOf(seen);
  }
  /** The wires within k levels of w, counted along wires: its inputs, their inputs, ... k deep, and
   *  the gates it feeds, the gates those feed, ... k deep (w included), in increasing order. */
  function around(w, k) {
    var seen = new Uint8Array(W);
    reach(w, inputsOf, k, seen);
    var down = new Uint8Array(W);
    reach(w, function (x) { return readers()[x]; }, k, down);
    for (var x = 0; x < W; x++) seen[x] |= down[x];
    return listOf(seen);
  }
  /** How a wire is named in the page: "gate 17" (positional), "#18" (uniform). */
  function wireName(w) { return uniform ? '#' + (w + 1) : 'gate ' + (w - n); }
  return { n: n, W: W, uniform: uniform, gates: gates, vocab: vocab, outputName: outputName, wireLabel: wireLabel, nodeName: nodeName,
    level: level, tokenAt: tokenAt, wireValue: wireValue, roleOfPos: roleOfPos, findGate: findGate, findWire: findWire, wireName: wireName,
    coneOf: coneOf, around: around };
}
`;
