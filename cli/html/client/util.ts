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
