// A reader for the YAML that deploy/'s manifests are written in, so that tests can check their
// structure without a YAML dependency: `---` documents, block mappings and sequences (a sequence
// item may open a mapping: `- name: x`), plain, single- and double-quoted scalars, flow
// sequences of scalars (`[a, "b"]`), folded and literal block scalars (`>-`, `>`, `|`, `|-`) and
// comments. Anything else (anchors, flow mappings, multi-line plain scalars, tabs) throws, so a
// manifest that drifts out of this subset fails its test instead of being misread.

export type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

interface Line {
  indent: number;
  text: string;
  no: number;
}

function fail(l: Line | undefined, what: string): never {
  throw new Error(`yaml-subset: line ${l?.no ?? 'end'}: ${what}`);
}

/** The text without a trailing ` # comment` (outside quotes). */
function stripComment(s: string): string {
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || s[i - 1] === ' ')) return s.slice(0, i).trimEnd();
  }
  return s.trimEnd();
}

function scalar(s: string, l: Line): Yaml {
  if (s.startsWith('"')) return JSON.parse(s) as string;
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) fail(l, `bad quoted scalar ${s}`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) fail(l, `bad flow sequence ${s}`);
    const inner = s.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((x) => scalar(x.trim(), l));
  }
  if (/^[{&*!|>%@`]/.test(s)) fail(l, `unsupported YAML: ${s}`);
  if (s === 'true' || s === 'false') return s === 'true';
  if (s === 'null' || s === '~') return null;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}

class Reader {
  private k = 0;
  constructor(private readonly raw: string[], private readonly base: number) {}

  /** The next structural line (blank and comment lines skipped), not consumed. */
  peek(): Line | undefined {
    while (this.k < this.raw.length) {
      const r = this.raw[this.k]!;
      if (r.includes('\t')) fail({ indent: 0, text: r, no: this.base + this.k + 1 }, 'tab');
      const text = stripComment(r.trim());
      if (text !== '') return { indent: r.length - r.trimStart().length, text, no: this.base + this.k + 1 };
      this.k++;
    }
    return undefined;
  }

  /** Replaces the current line by `text` at `indent` (the mapping opened by a `- ` item). */
  rewrite(indent: number, text: string): void {
    this.raw[this.k] = ' '.repeat(indent) + text;
  }

  consume(): void {
    this.k++;
  }

  /** The lines of a block scalar: every following line indented deeper than `indent` (or blank). */
  blockScalar(indent: number, style: string): string {
    const lines: string[] = [];
    while (this.k < this.raw.length) {
      const r = this.raw[this.k]!;
      if (r.trim() !== '' && r.length - r.trimStart().length <= indent) break;
      lines.push(r);
      this.k++;
    }
    while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
    const cut = Math.min(...lines.filter((x) => x.trim() !== '').map((x) => x.length - x.trimStart().length));
    const body = lines.map((x) => x.slice(cut));
    const text = style.startsWith('>') ? body.join(' ').replace(/ +\n/g, '\n') : body.join('\n');
    return style.endsWith('-') ? text : text + '\n';
  }

  block(indent: number): Yaml {
    const l = this.peek();
    if (!l || l.indent < indent) return null;
    return l.text === '-' || l.text.startsWith('- ') ? this.sequence(l.indent) : this.mapping(l.indent);
  }

  sequence(indent: number): Yaml[] {
    const out: Yaml[] = [];
    for (let l = this.peek(); l && l.indent === indent && (l.text === '-' || l.text.startsWith('- ')); l = this.peek()) {
      const rest = l.text.slice(1).trimStart();
      if (rest === '') {
        this.consume();
        out.push(this.block(indent + 1));
      } else if (/^[^"'[\s][^:]*:(\s|$)/.test(rest)) {
        const at = indent + (l.text.length - rest.length);
        this.rewrite(at, rest);
        out.push(this.mapping(at));
      } else if (rest === '>-' || rest === '>' || rest === '|' || rest === '|-') {
        this.consume();
        out.push(this.blockScalar(indent, rest));
      } else {
        this.consume();
        out.push(scalar(rest, l));
      }
    }
    return out;
  }

  mapping(indent: number): { [key: string]: Yaml } {
    const out: { [key: string]: Yaml } = {};
    for (let l = this.peek(); l && l.indent === indent && !l.text.startsWith('- '); l = this.peek()) {
      const m = /^([^"'[\s][^:]*):(?:\s+(.*))?$/.exec(l.text);
      if (!m) fail(l, `expected 'key: value', got ${l.text}`);
      const key = m[1]!.trim();
      if (key in out) fail(l, `duplicate key ${key}`);
      const rest = m[2]?.trim() ?? '';
      this.consume();
      if (rest === '>-' || rest === '>' || rest === '|' || rest === '|-') out[key] = this.blockScalar(indent, rest);
      else if (rest !== '') out[key] = scalar(rest, l);
      else {
        const next = this.peek();
        if (next && next.indent > indent) out[key] = this.block(next.indent);
        else if (next && next.indent === indent && next.text.startsWith('- ')) out[key] = this.sequence(indent);
        else out[key] = null;
      }
    }
    const l = this.peek();
    if (l && l.indent > indent) fail(l, 'unexpected indentation');
    return out;
  }
}

/** The documents of a YAML stream in the subset above. */
export function parseYamlDocs(text: string): Yaml[] {
  const docs: Yaml[] = [];
  const lines = text.split('\n');
  let start = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && lines[i]!.trimEnd() !== '---') continue;
    const r = new Reader(lines.slice(start, i), start);
    const doc = r.block(0);
    const left = r.peek();
    if (left) fail(left, `unexpected ${left.text}`);
    if (doc !== null) docs.push(doc);
    start = i + 1;
  }
  return docs;
}
