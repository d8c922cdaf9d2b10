// Client-side step store: the trace's steps arrive in gzip blocks (payload.ts); a block is
// inflated when the student first reaches it, its neighbours are read ahead so that stepping
// stays synchronous, and only the most recently used blocks are kept in memory.

export const STEPS_JS = String.raw`
var KEEP_BLOCKS = 16;

function createStepStore() {
  var nodes = document.querySelectorAll('script[id^="gatecot-steps-"]');
  var blocks = Array.prototype.map.call(nodes, function (node) {
    var w = node.dataset.wires.split('-').map(Number);
    return { id: node.id, from: Number(node.dataset.from), count: Number(node.dataset.count), w0: w[0], w1: w[1], steps: null, pending: null, used: 0 };
  });
  blocks.sort(function (a, b) { return a.from - b.from; });
  var total = blocks.reduce(function (s, b) { return s + b.count; }, 0);
  var clock = 0;

  function indexOf(i) {
    var lo = 0, hi = blocks.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (blocks[mid].from <= i) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function evict() {
    var loaded = blocks.filter(function (b) { return b.steps; });
    if (loaded.length <= KEEP_BLOCKS) return;
    loaded.sort(function (a, b) { return a.used - b.used; });
    loaded.slice(0, loaded.length - KEEP_BLOCKS).forEach(function (b) { b.steps = null; b.pending = null; });
  }

  function load(k) {
    var b = blocks[k];
    if (!b) return Promise.resolve(null);
    b.used = ++clock;
    if (b.steps) return Promise.resolve(b);
    if (!b.pending) {
      b.pending = readPayload(b.id).then(function (steps) { b.steps = steps; evict(); return b; });
    }
    return b.pending;
  }

  /** Step i when its block is in memory, else null (then call ensure). */
  function get(i) {
    var b = blocks[indexOf(i)];
    if (!b || !b.steps) return null;
    b.used = ++clock;
    return b.steps[i - b.from];
  }

  function ensure(i) {
    return load(indexOf(i)).then(function () { return get(i); });
  }

  function readAhead(i) {
    var k = indexOf(i);
    load(k - 1);
    load(k + 1);
  }

  /** The first step of wire w's CoT group, or -1 when the trace has none (an input wire of a positional model, a trace made with --gate). */
  function firstStepOfWire(w) {
    var ks = [];
    blocks.forEach(function (b, k) { if (b.w0 <= w && w <= b.w1) ks.push(k); });
    var next = function (j) {
      if (j >= ks.length) return Promise.resolve(-1);
      return load(ks[j]).then(function (b) {
        for (var x = 0; x < b.steps.length; x++) if (b.steps[x].wire === w) return b.from + x;
        return next(j + 1);
      });
    };
    return next(0);
  }

  return { total: total, get: get, ensure: ensure, readAhead: readAhead, firstStepOfWire: firstStepOfWire };
}
`;
