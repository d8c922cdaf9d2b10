// Client-side helpers of the trace page (plain browser JavaScript, inlined into the page).
// Client code is kept free of template literals so that it can live in String.raw strings.

export const UTIL_JS = String.raw`
var SVG_NS = 'http://www.w3.org/2000/svg';

/** An element with an optional class and text (text, never HTML: labels come from circuit files). */
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function svgEl(tag, attrs) {
  var e = document.createElementNS(SVG_NS, tag);
  for (var k in attrs) e.setAttribute(k, String(attrs[k]));
  return e;
}

/** A residual or logit value: integers as such, small ones in exponent form. */
function fmt(x) {
  if (x === 0) return '0';
  if (!isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  var a = Math.abs(x);
  if (a < 1e-3 || a >= 1e5) return x.toExponential(1);
  return String(Math.round(x * 1000) / 1000);
}

/** An attention weight: four digits near 1, exponent form when tiny. */
function fmtW(w) {
  if (w === 0) return '0';
  if (w >= 0.001) return w.toFixed(4);
  return w.toExponential(1);
}

function clamp(x, lo, hi) { return Math.max(lo, Math.min(hi, x)); }

/**
 * The viewers' navigation over items 0..N-1 (steps, iterations): the buttons #first #prev #next
 * #last, #play with the #speed menu (whole items at the chosen rate, driven by animation
 * frames), the slider, and the keys → ← Home End and space. cur() is the item shown or asked
 * for; go(i) shows item i (clamped by the caller).
 */
function bindNavigation($, slider, N, cur, go) {
  var play = $('play'), speed = $('speed');
  var st = { playing: false, last: 0, acc: 0 };
  function setPlaying(p) {
    st.playing = p && cur() < N - 1;
    play.textContent = st.playing ? '\u275a\u275a pause' : '\u25b6 play';
    play.setAttribute('aria-pressed', String(st.playing));
    if (st.playing) { st.last = performance.now(); st.acc = 0; requestAnimationFrame(tick); }
  }
  function tick(now) {
    if (!st.playing) return;
    st.acc += (now - st.last) * Number(speed.value) / 1000;
    st.last = now;
    if (st.acc >= 1) {
      var k = Math.floor(st.acc);
      st.acc -= k;
      go(cur() + k);
      if (cur() >= N - 1) { setPlaying(false); return; }
    }
    requestAnimationFrame(tick);
  }
  $('first').addEventListener('click', function () { go(0); });
  $('prev').addEventListener('click', function () { go(cur() - 1); });
  $('next').addEventListener('click', function () { go(cur() + 1); });
  $('last').addEventListener('click', function () { go(N - 1); });
  play.addEventListener('click', function () { setPlaying(!st.playing); });
  slider.addEventListener('input', function () { go(Number(slider.value)); });
  document.addEventListener('keydown', function (e) {
    var t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key;
    if (k === 'ArrowRight') go(cur() + 1);
    else if (k === 'ArrowLeft') go(cur() - 1);
    else if (k === 'Home') go(0);
    else if (k === 'End') go(N - 1);
    else if (k === ' ' && !(t && t.tagName === 'BUTTON')) setPlaying(!st.playing);
    else return;
    e.preventDefault();
  });
}

/** The diagram panel's tools: fold to the current gate, zoom in and out, fit, follow the current gate. */
function bindDiagramTools($, diagram) {
  var fold = $('fold'), levels = $('fold-levels');
  function setFold() {
    levels.disabled = fold.value !== 'around';
    diagram.setFold(fold.value, Number(levels.value));
  }
  fold.addEventListener('change', setFold);
  levels.addEventListener('input', setFold);
  $('zoom-in').addEventListener('click', function () { diagram.zoom(1.4); });
  $('zoom-out').addEventListener('click', function () { diagram.zoom(1 / 1.4); });
  $('zoom-fit').addEventListener('click', function () { diagram.fit(); });
  $('follow').addEventListener('change', function () { diagram.setFollow($('follow').checked); });
}

/** Inflates one of the page's gzip+base64 payloads with the browser's own DecompressionStream. */
function readPayload(id) {
  var node = document.getElementById(id);
  if (!node) return Promise.reject(new Error('missing payload ' + id));
  var bin = atob(node.textContent.trim());
  var bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text().then(function (s) { return JSON.parse(s); });
}

/**
 * Colour of an attention weight on a log scale, by decades: pale at LOG_FLOOR and below,
 * blues up to 1e-2, then amber for the last two decades, so a one-hot row shows one amber
 * cell and a flat (weak) softmax shows a uniform dark strip. Exactly 0 is blank.
 */
var LOG_FLOOR = -40;
var HEAT_STOPS = [[-40, [248, 250, 252]], [-30, [219, 231, 243]], [-20, [158, 202, 225]], [-10, [66, 146, 198]], [-2, [8, 48, 107]], [0, [255, 176, 0]]];
function heat(w) {
  if (!(w > 0)) return '#ffffff';
  var x = clamp(Math.log10(w), LOG_FLOOR, 0);
  var i = 0;
  while (i < HEAT_STOPS.length - 2 && x > HEAT_STOPS[i + 1][0]) i++;
  var a = HEAT_STOPS[i], b = HEAT_STOPS[i + 1];
  var f = (x - a[0]) / (b[0] - a[0]);
  var c = [0, 1, 2].map(function (k) { return Math.round(a[1][k] + f * (b[1][k] - a[1][k])); });
  return 'rgb(' + c[0] + ',' + c[1] + ',' + c[2] + ')';
}
`;
