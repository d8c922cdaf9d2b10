// Client-side parts of the page for a uniform model (the circuit typed into the prompt): the
// prompt as descriptions, one per wire, beside the diagram, with the description the model
// fetched at this step shown as its four prompt tokens and where its operand or id came from;
// what each step does; the heads' layers; the id codes of the residual stream decoded.
// Everything shown is read from the step's entry in the trace JSON (step.uniform: what the
// heads fetched, runtime/uniform-line.ts).

export const UNIFORM_JS = String.raw`
/** Token panel marks: the heads whose targets and top positions it shows, by name. */
var UNIFORM_MARKS = { description: 'd', next: 'n', operand: 'o' };
/** Head name colours (classes) in the attention panel. */
var UNIFORM_HEAD_CLASS = { description: 'hd', next: 'hn', operand: 'ho' };
var LAYER_NOTES = [
  'position-only heads: the tokens at slots 0, 1, 2 of this group and the last token of the previous group',
  'match heads: the description of the group\'s wire (by its id), and the id of the next description',
  'match head: the value of the operand to fetch (by its id), from its CoT group'
];

/** The page's fixed texts for a uniform model. */
function setUpUniform($) {
  document.querySelector('main').classList.add('uniform');
  $('p-prompt').hidden = false;
  document.querySelector('.legend .ha').textContent = '\u2501 input a';
  document.querySelector('.legend .hb').textContent = '\u254d input b';
  document.querySelector('label[for="gate-input"]').textContent = 'wire';
  document.querySelector('#p-diagram .sub').textContent = 'columns are levels; drag to pan, wheel to zoom, click a wire to jump';
  document.querySelector('.legend .cur-sw').parentNode.lastChild.textContent = 'current wire';
  $('gate-input').placeholder = '#7, G22gat, out[3]';
  document.querySelector('#p-heads .sub').textContent = 'each head\'s softmax weights, layer by layer, log scale';
  document.querySelector('#p-out .sub').textContent = 'layer 1: the gate\'s minterms, the operand to fetch, NA; layer 2: the bit to write';
  document.querySelector('#p-tokens .sub').textContent = 'the prompt (one description per wire), then the chain of thought (one group per wire); red frame: the token written at this step; dashed: the query position; ' +
    'd/n/o: the target of the description, next and operand heads, underline: where each attended most';
}

/** One sentence on what the model does at this step. */
function whyUniform(step) {
  switch (step.role) {
    case 'id':
      return 'Writes the id of the next wire. Layer 1\'s next head matches the id of this group (group_0 reads it; at the end of the prompt there is none yet) ' +
        'against the id just before each description, and fetches the id of the description after it; the output layer writes that id.';
    case 'in_a':
    case 'in_b':
      return 'Writes the value of operand ' + (step.role === 'in_a' ? 'a' : 'b') + '. Layer 1\'s description head matches the id at slot 0 of this group against the ' +
        'descriptions\' own ids and fetches the type, the operand ids and their NA flags; layer 1\'s feed-forward picks the ' + (step.role === 'in_a' ? 'first' : 'second') +
        ' operand (or NA); layer 2\'s operand head matches that id against the value tokens of the CoT groups and fetches the value, which the output writes.';
    default:
      return 'Writes the wire\'s own value. Layer 1\'s feed-forward applies the truth table of the type the description head fetched to input a (group_1 reads slot 1 ' +
        'of this group) and input b (the token at this position, written just before); a TRUE or FALSE description gives the value alone. Layer 2\'s feed-forward writes the bit.';
  }
}

/** The prompt panel: one row per description; the fetched one and the group's own marked. */
function createPromptPanel(T, M, section, onPick) {
  var box = section.querySelector('#descs');
  var fetched = section.querySelector('#fetched');
  var rows = [];
  for (var w = 0; w < M.W; w++) {
    var r = el('div', 'desc');
    r.dataset.wire = String(w);
    r.appendChild(el('span', 'dpos', (4 * w + 1) + '\u2013' + (4 * w + 4)));
    for (var i = 1; i <= 4; i++) r.appendChild(el('span', 'dt', M.vocab[T.tokens[4 * w + i]]));
    r.appendChild(el('span', 'dlabel', M.wireLabel(w)));
    r.title = 'the description of ' + M.wireName(w) + ' (' + M.wireLabel(w) + '), positions ' + (4 * w + 1) + ' to ' + (4 * w + 4) + '; click to jump to its CoT group';
    r.addEventListener('click', (function (wire) { return function () { onPick(wire); }; })(w));
    rows.push(r);
    box.appendChild(r);
  }
  var marked = [];

  /** Scrolls the list (not the page) so that row r is in view. */
  function reveal(r) {
    var top = r.offsetTop - box.offsetTop;
    if (top < box.scrollTop || top + r.offsetHeight > box.scrollTop + box.clientHeight) box.scrollTop = Math.max(0, top - box.clientHeight / 3);
  }

  function tokenCells(pos, from, count) {
    var cells = el('span', 'fcells');
    for (var p = from; p < from + count; p++) {
      var c = el('span', 'tok' + (p === pos ? ' att-d' : ''));
      c.appendChild(el('span', 'tp', p));
      c.appendChild(el('span', 'tv', M.vocab[T.tokens[p]]));
      cells.appendChild(c);
    }
    return cells;
  }

  function line(parts) {
    var d = el('div', 'fline');
    parts.forEach(function (x) { d.appendChild(typeof x === 'string' ? document.createTextNode(x) : x); });
    fetched.appendChild(d);
  }

  /** Marks the description holding position pos as fetched (flagged when it is not the group's wire's) and shows its four tokens. */
  function fetchedDescription(step, pos, what) {
    var start = pos - ((pos - 1) % 4);
    var row = pos >= 1 && pos < T.model.prompt_length ? rows[(start - 1) / 4] : undefined;
    if (!row) return false;
    var wrong = row !== rows[step.wire];
    row.classList.add('fetched');
    if (wrong) row.classList.add('mismatch');
    marked.push(row);
    reveal(row);
    line([el('b', '', what), ' (position ' + pos + '): ', tokenCells(pos, start, 4), wrong ? el('b', 'warn', ' not the description of ' + M.wireName(step.wire)) : '']);
    return true;
  }

  function show(step) {
    marked.forEach(function (r) { r.classList.remove('fetched', 'own', 'mismatch'); });
    marked = [];
    fetched.replaceChildren();
    var u = step.uniform || {};
    var own = rows[step.wire];
    if (own) { own.classList.add('own'); marked.push(own); }
    // an id step copies the id of the next description (the next head); the others read the group's own (the description head)
    var found = step.role === 'id' ? u.next && fetchedDescription(step, u.next.position, 'next id fetched from the description')
      : u.description && fetchedDescription(step, u.description.position, 'description fetched');
    if (!found) {
      line([el('b', '', step.role === 'id' ? 'no description\'s id fetched' : 'no description fetched'),
        ': the ' + (step.role === 'id' ? 'next' : 'description') + ' head attended most to a position outside the prompt\'s descriptions']);
      if (own) reveal(own);
    }
    if (u.next) line([el('b', '', 'next id'), ' fetched from position ' + u.next.position + ' (' + M.roleOfPos(u.next.position) + '): ', el('span', 'fv', u.next.token)]);
    if (u.operand) line([el('b', '', 'operand value'), ' fetched from position ' + u.operand.position + ' (' + M.roleOfPos(u.operand.position) + '): ', el('span', 'fv', u.operand.token)]);
    if (u.inputs) line([el('b', '', 'inputs'), ' read at position ' + u.inputs[0].position + ' (a): ', el('span', 'fv', u.inputs[0].token),
      ' and position ' + u.inputs[1].position + ' (b): ', el('span', 'fv', u.inputs[1].token)]);
  }

  return { show: show };
}

/** A uniform residual subspace as text: id codes decoded ("+-+- = #5"), else undefined. */
function idCodeText(name, xs) {
  var step = ID_CODES[name];
  if (!step) return undefined;
  var bits = xs.filter(function (_, i) { return i % step === 0; });
  var id = decodeBits(bits);
  return bits.map(function (x) { return x > 0 ? '+' : x < 0 ? '\u2212' : '0'; }).join('') + ' = ' + (id > 0 ? '#' + id : 'none');
}

/** The largest logits of a uniform model (its vocabulary has an id token per wire), and the expected token's. */
function shownLogits(T, step) {
  var order = T.model.vocab.map(function (_, i) { return i; });
  order.sort(function (a, b) { return step.logits[b] - step.logits[a]; });
  var keep = order.slice(0, 12);
  var want = T.model.vocab.indexOf(step.expected);
  if (want >= 0 && keep.indexOf(want) < 0) keep.push(want);
  return keep;
}
`;
