// Syntax of the .gc circuit language (docs/gc-format.md): a scanner and a chevrotain parser
// that turn text into statements, handed chunk by chunk to a GcSink (circuits/parsers/gc.ts
// gives them meaning). Every lexical or syntax problem becomes one CircuitError of kind
// 'syntax', at the first such problem in the file.
//
// Speed matters (files of 10^5..10^6 statements), hence:
// - a hand-written scanner rather than a chevrotain Lexer: on a 3 MB file of 10^5 statements
//   the chevrotain lexer alone took about 0.5 s with offsets only (1.3 s with line tracking),
//   the scanner about 0.1 s. It folds an index into its name (`a[3]` is one token), which
//   halves the tokens of typical files, and gives exact messages for unterminated comments and
//   strings. Tokens carry offsets only; lines and columns are computed for locations.
// - few grammar rules (each rule invocation costs), with precedence applied after the fact;
// - chunks of a few thousand tokens, cut after a ';', so that tokens and trees die young
//   instead of filling the heap with a syntax tree of the whole file.
// The parser is built once per module (chevrotain's grammar analysis is costly) and keeps
// nothing between parses: its input is reset after every chunk.

import { EOF, EmbeddedActionsParser, createToken, tokenLabel } from 'chevrotain';
import type { IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from 'chevrotain';
import { CircuitError, type SourceLoc } from '../errors.js';
import { OP_NAMES, type OpName } from '../ir.js';

/**
 * Parentheses (including those of calls) may nest at most this deep: the parser is recursive,
 * and before the JIT warms up chevrotain needs about 2.5 KB of stack per level; the worst
 * shapes overflow Node's default stack near 350 levels. 128 leaves room for deep callers.
 */
export const MAX_NESTING = 128;

/** Reserved words: they cannot name wires or groups. Gate names are reserved too. */
export const GC_KEYWORDS: readonly string[] = ['circuit', 'input', 'output', 'test', ...OP_NAMES];
const KEYWORD_SET: ReadonlySet<string> = new Set(GC_KEYWORDS);

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_$.]*$/;

/** True when `s` can be written as a bare identifier (not a reserved word). */
export function isGcIdent(s: string): boolean {
  return IDENT_RE.test(s) && !KEYWORD_SET.has(s);
}

// ---------------------------------------------------------------- token types

const tok = (name: string, label: string, categories?: TokenType): TokenType =>
  createToken(categories ? { name, label, categories } : { name, label });
const Name = tok('Name', 'a name');
const NumberTok = tok('Number', 'a number');
const StringTok = tok('String', 'a string');
const Circuit = tok('Circuit', "'circuit'");
const Input = tok('Input', "'input'");
const Output = tok('Output', "'output'");
const Test = tok('Test', "'test'");
const GateName = tok('GateName', 'a gate name');
const Arrow = tok('Arrow', "'->'");
const Semi = tok('Semi', "';'");
const Comma = tok('Comma', "','");
const Equals = tok('Equals', "'='");
const LParen = tok('LParen', "'('");
const RParen = tok('RParen', "')'");
const Tilde = tok('Tilde', "'~'");
// The three infix operators share a category so that an expression is one flat loop.
const BinOpTok = tok('BinOp', "an operator ('&', '^' or '|')");
const Amp = tok('Amp', "'&'", BinOpTok);
const Caret = tok('Caret', "'^'", BinOpTok);
const Pipe = tok('Pipe', "'|'", BinOpTok);

const ALL_TOKENS: TokenType[] = [
  Name, NumberTok, StringTok, Circuit, Input, Output, Test, GateName,
  Arrow, Semi, Comma, Equals, LParen, RParen, Tilde, BinOpTok, Amp, Caret, Pipe,
];

const KEYWORD_TYPES: ReadonlySet<TokenType> = new Set([Circuit, Input, Output, Test, GateName]);
const WORD_TYPES: ReadonlyMap<string, TokenType> = new Map([
  ['circuit', Circuit], ['input', Input], ['output', Output], ['test', Test],
  ...OP_NAMES.map((op): [string, TokenType] => [op, GateName]),
]);

/** A token as the chevrotain parser wants it, plus the parts of a name. One shape for all. */
export class GcToken implements IToken {
  readonly tokenTypeIdx: number;

  constructor(
    readonly tokenType: TokenType,
    readonly image: string,
    readonly startOffset: number,
    readonly endOffset: number,
    /** Names: the identifier. */
    readonly base: string,
    /** Names written `a[3]`: the text of the index ("3"), and where it starts. */
    readonly index: string | undefined,
    readonly indexOffset: number,
  ) {
    // Set by chevrotain when the parser below is built (at module load, before any scan).
    this.tokenTypeIdx = tokenType.tokenTypeIdx!;
  }
}

// ---------------------------------------------------------------- scanner

interface Problem {
  offset: number;
  message: string;
}

// Character codes the scanner tests.
const Ch = {
  Tab: 9, LF: 10, VT: 11, FF: 12, CR: 13, Space: 32, Quote: 34, Dollar: 36, Amp: 38,
  LParen: 40, RParen: 41, Star: 42, Comma: 44, Minus: 45, Dot: 46, Slash: 47,
  D0: 48, D9: 57, Semi: 59, Equals: 61, Gt: 62, A: 65, Z: 90, LBracket: 91,
  Backslash: 92, RBracket: 93, Caret: 94, Underscore: 95, a: 97, z: 122, Pipe: 124, Tilde: 126,
} as const;

const isLetter = (c: number): boolean => (c >= Ch.a && c <= Ch.z) || (c >= Ch.A && c <= Ch.Z) || c === Ch.Underscore;
const isDigit = (c: number): boolean => c >= Ch.D0 && c <= Ch.D9;
const isWordChar = (c: number): boolean => isLetter(c) || isDigit(c) || c === Ch.Dollar || c === Ch.Dot;
const isAlnum = (c: number): boolean => isLetter(c) || isDigit(c);
const isSpace = (c: number): boolean => c === Ch.Space || c === Ch.Tab || c === Ch.LF || c === Ch.CR || c === Ch.VT || c === Ch.FF;

const PUNCT: ReadonlyMap<number, TokenType> = new Map([
  [Ch.Semi, Semi], [Ch.Comma, Comma], [Ch.Equals, Equals], [Ch.LParen, LParen], [Ch.RParen, RParen],
  [Ch.Tilde, Tilde], [Ch.Amp, Amp], [Ch.Caret, Caret], [Ch.Pipe, Pipe],
]);

const STRING_RE = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"$/;

function charName(text: string, offset: number): string {
  const cp = text.codePointAt(offset) ?? 63;
  return cp >= 0x21 && cp <= 0x7e ? `'${String.fromCodePoint(cp)}'` : `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

interface Chunk {
  tokens: GcToken[];
  /** Offset where the next chunk starts (text.length at the end). */
  end: number;
  problem: Problem | undefined;
}

/**
 * Tokens from `from` until at least `minTokens` were read and the last one is ';' (a statement
 * boundary: ';' ends every statement and occurs nowhere else), or to the end of the text, or
 * to the first lexical problem (a bad character, an unterminated comment or string, a
 * malformed index, a reserved word with an index, or parentheses nested too deep).
 */
function scan(text: string, from: number, minTokens: number): Chunk {
  const tokens: GcToken[] = [];
  const n = text.length;
  let i = from;
  let depth = 0;
  const push = (type: TokenType, start: number, end: number): void => {
    tokens.push(new GcToken(type, text.slice(start, end), start, end - 1, '', undefined, -1));
  };
  const problem = (offset: number, message: string): Chunk => ({ tokens, end: n, problem: { offset, message } });
  if (i === 0 && text.charCodeAt(0) === 0xfeff) i = 1; // a byte order mark, as some editors write
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
    } else if (isLetter(c)) {
      const start = i;
      while (i < n && isWordChar(text.charCodeAt(i))) i++;
      const base = text.slice(start, i);
      // An index belongs to its name: `a[3]`, spaces allowed inside, comments not.
      let j = i;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) !== Ch.LBracket) {
        const type = WORD_TYPES.get(base) ?? Name;
        tokens.push(new GcToken(type, base, start, i - 1, base, undefined, -1));
        continue;
      }
      j++;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      const numStart = j;
      if (isDigit(text.charCodeAt(j))) while (j < n && isAlnum(text.charCodeAt(j))) j++;
      const numEnd = j;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      if (numEnd === numStart || text.charCodeAt(j) !== Ch.RBracket) {
        return problem(numEnd === numStart ? numStart : j, `expected an index: '${base}[' must be followed by a number and ']'`);
      }
      if (KEYWORD_SET.has(base)) return problem(start, `'${base}' is a reserved word and cannot be used as a name`);
      i = j + 1;
      tokens.push(new GcToken(Name, text.slice(start, i), start, i - 1, base, text.slice(numStart, numEnd), numStart));
    } else if (isDigit(c)) {
      // Any digit run with letters: the exact form (decimal, 0x hex, 0b binary) is checked when
      // the value is needed, which gives a clearer message than an error inside "0x1G".
      const start = i;
      while (i < n && isAlnum(text.charCodeAt(i))) i++;
      push(NumberTok, start, i);
    } else if (c === Ch.Slash && text.charCodeAt(i + 1) === Ch.Slash) {
      while (i < n && text.charCodeAt(i) !== Ch.LF && text.charCodeAt(i) !== Ch.CR) i++;
    } else if (c === Ch.Slash && text.charCodeAt(i + 1) === Ch.Star) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return problem(i, "unterminated comment: '/*' without '*/'");
      i = end + 2;
    } else if (c === Ch.Quote) {
      const start = i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === Ch.Quote || d === Ch.LF || d === Ch.CR) break;
        i += d === Ch.Backslash ? 2 : 1;
      }
      if (i >= n || text.charCodeAt(i) !== Ch.Quote) return problem(start, 'unterminated string');
      i++;
      if (!STRING_RE.test(text.slice(start, i))) return problem(start, 'invalid string: use JSON escapes (\\" \\\\ \\n \\uXXXX ...)');
      push(StringTok, start, i);
    } else if (c === Ch.Minus && text.charCodeAt(i + 1) === Ch.Gt) {
      push(Arrow, i, i + 2);
      i += 2;
    } else {
      const type = PUNCT.get(c);
      if (!type) {
        const hint = c === Ch.LBracket ? " (an index follows a name, as in a[3])" : '';
        return problem(i, `unexpected character ${charName(text, i)}${hint}`);
      }
      if (type === LParen && ++depth > MAX_NESTING) return problem(i, `parentheses nest deeper than ${MAX_NESTING} levels`);
      if (type === RParen && depth > 0) depth--;
      if (type === Semi) depth = 0; // ';' cannot stand inside parentheses: count afresh
      push(type, i, i + 1);
      i++;
      if (type === Semi && tokens.length >= minTokens) return { tokens, end: i, problem: undefined };
    }
  }
  return { tokens, end: n, problem: undefined };
}

// ---------------------------------------------------------------- syntax tree

export type BinOp = 'AND' | 'OR' | 'XOR';

export type Expr =
  /** A name (GcToken of type Name: base and maybe index). */
  | { k: 'ref'; tok: GcToken }
  | { k: 'num'; tok: GcToken }
  /** `~~x`: one NOT gate per tilde, the last tilde innermost. */
  | { k: 'not'; tildes: GcToken[]; arg: Expr }
  /** `x & y & z`: left-associative chain of 2-input gates (kept flat: no deep trees). */
  | { k: 'chain'; op: BinOp; args: Expr[]; ops: GcToken[] }
  | { k: 'call'; op: OpName; name: GcToken; args: Expr[] };

export interface Pair {
  name: GcToken;
  value: GcToken;
}

export type Stmt =
  /** Each port is a name token; its index, if any, is the width. */
  | { k: 'decl'; dir: 'input' | 'output'; ports: GcToken[] }
  | { k: 'assign'; lhs: GcToken; rhs: Expr }
  | { k: 'test'; kw: GcToken; ins: Pair[]; outs: Pair[] };

/** What the `file` rule returns for the first chunk of a file. */
interface GcFile {
  /** `circuit NAME;`: the name (string literals decoded) and where it is. */
  header: { name: string; tok: GcToken } | undefined;
  stmts: Stmt[];
}

// ---------------------------------------------------------------- error messages

function clip(s: string): string {
  const t = s.length > 30 ? `${s.slice(0, 27)}...` : s;
  return t.replace(/[^\x20-\x7e]/g, '?');
}

function describeToken(t: IToken | undefined): string {
  if (!t || t.tokenType === EOF) return 'the end of the file';
  if (KEYWORD_TYPES.has(t.tokenType)) return `keyword '${t.image}'`;
  return `'${clip(t.image)}'`;
}

const RULE_GOALS: Record<string, string> = {
  statement: 'a statement',
  operand: 'an expression',
  file: 'a circuit name',
};

/** Distinct first tokens of the given paths, as readable labels. */
function firstLabels(paths: TokenType[][]): string {
  const labels = [...new Set(paths.filter((p) => p.length > 0).map((p) => tokenLabel(p[0]!)))];
  return labels.length === 1 ? labels[0]! : `one of ${labels.join(', ')}`;
}

/** Appended when a reserved word stands where a name was expected. */
function keywordHint(actual: IToken | undefined, nameExpected: boolean): string {
  return actual && nameExpected && KEYWORD_TYPES.has(actual.tokenType) ? ' (keywords and gate names cannot be used as names)' : '';
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `expected ${tokenLabel(expected)} but found ${describeToken(actual)}${keywordHint(actual, expected === Name)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    if (firstRedundant.tokenType === Circuit) return "the header 'circuit NAME;' must be the first statement";
    return `expected a statement but found ${describeToken(firstRedundant)}${keywordHint(firstRedundant, true)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const paths = expectedPathsPerAlt.flat();
    const goal = RULE_GOALS[ruleName] ?? firstLabels(paths);
    const nameOk = paths.some((p) => p[0] === Name);
    return `expected ${goal} but found ${describeToken(actual[0])}${keywordHint(actual[0], nameOk)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual }) {
    const nameOk = expectedIterationPaths.some((p) => p[0] === Name);
    return `expected ${firstLabels(expectedIterationPaths)} but found ${describeToken(actual[0])}${keywordHint(actual[0], nameOk)}`;
  },
};

// ---------------------------------------------------------------- parser

const OP_OF: ReadonlyMap<TokenType, { op: BinOp; level: number }> = new Map([
  [Amp, { op: 'AND', level: 2 }],
  [Caret, { op: 'XOR', level: 1 }],
  [Pipe, { op: 'OR', level: 0 }],
]);

/**
 * Groups `x0 op1 x1 op2 x2 ...` by precedence (& over ^ over |, each left-associative), with
 * explicit stacks (operator precedence parsing). A left operand that is already a chain of the
 * same operator is extended in place: `(a & b) & c` and `a & b & c` are the same gates.
 */
function byPrecedence(args: Expr[], ops: GcToken[]): Expr {
  if (ops.length === 0) return args[0]!;
  const vals: Expr[] = [args[0]!];
  const pending: GcToken[] = [];
  const reduce = (): void => {
    const opTok = pending.pop()!;
    const right = vals.pop()!;
    const left = vals.pop()!;
    const { op } = OP_OF.get(opTok.tokenType)!;
    if (left.k === 'chain' && left.op === op) {
      left.args.push(right);
      left.ops.push(opTok);
      vals.push(left);
    } else {
      vals.push({ k: 'chain', op, args: [left, right], ops: [opTok] });
    }
  };
  for (let i = 0; i < ops.length; i++) {
    const level = OP_OF.get(ops[i]!.tokenType)!.level;
    while (pending.length > 0 && OP_OF.get(pending[pending.length - 1]!.tokenType)!.level >= level) reduce();
    pending.push(ops[i]!);
    vals.push(args[i + 1]!);
  }
  while (pending.length > 0) reduce();
  return vals[0]!;
}

/**
 * Few rules on purpose: every rule invocation costs, and a file of 10^5 statements must parse
 * fast. Statement bodies are plain methods run inside `statement`; an expression is one rule
 * that reads a flat operand/operator list (precedence is applied by byPrecedence).
 */
class GcParser extends EmbeddedActionsParser {
  constructor() {
    super(ALL_TOKENS, { recoveryEnabled: false, maxLookahead: 2, errorMessageProvider: messages });
    this.performSelfAnalysis();
  }

  public file = this.RULE('file', (): GcFile => {
    let header: GcFile['header'];
    const stmts: Stmt[] = [];
    this.OPTION(() => {
      this.CONSUME(Circuit);
      const t = this.OR([
        { ALT: () => this.CONSUME(Name) },
        { ALT: () => this.CONSUME(StringTok) },
      ]) as GcToken;
      this.CONSUME(Semi);
      header = { name: this.ACTION(() => (t.tokenType === StringTok ? (JSON.parse(t.image) as string) : t.image)), tok: t };
    });
    this.MANY(() => {
      stmts.push(this.SUBRULE(this.statement));
    });
    return { header, stmts };
  });

  /** The statements of a later chunk of the file (see parseGcSyntax). */
  public statements = this.RULE('statements', (): Stmt[] => {
    const stmts: Stmt[] = [];
    this.MANY(() => {
      stmts.push(this.SUBRULE(this.statement));
    });
    return stmts;
  });

  private statement = this.RULE('statement', (): Stmt =>
    this.OR([
      { ALT: () => this.declaration() },
      { ALT: () => this.assignment() },
      { ALT: () => this.testCase() },
    ]),
  );

  // decl = ("input" | "output") NAME { "," NAME } ";"
  private declaration(): Stmt {
    const kwTok = this.OR2([
      { ALT: () => this.CONSUME(Input) },
      { ALT: () => this.CONSUME(Output) },
    ]);
    const ports: GcToken[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: Comma,
      DEF: () => {
        ports.push(this.CONSUME2(Name) as GcToken);
      },
    });
    this.CONSUME(Semi);
    return { k: 'decl', dir: kwTok.tokenType === Input ? 'input' : 'output', ports };
  }

  // assign = NAME "=" expr ";"
  private assignment(): Stmt {
    const lhs = this.CONSUME(Name) as GcToken;
    this.CONSUME(Equals);
    const rhs = this.SUBRULE(this.expr);
    this.CONSUME2(Semi);
    return { k: 'assign', lhs, rhs };
  }

  // test = "test" { NAME "=" NUMBER } "->" { NAME "=" NUMBER } ";"
  private testCase(): Stmt {
    const kwTok = this.CONSUME(Test) as GcToken;
    const ins: Pair[] = [];
    const outs: Pair[] = [];
    this.MANY(() => {
      const name = this.CONSUME3(Name) as GcToken;
      this.CONSUME2(Equals);
      ins.push({ name, value: this.CONSUME(NumberTok) as GcToken });
    });
    this.CONSUME(Arrow);
    this.MANY2(() => {
      const name = this.CONSUME4(Name) as GcToken;
      this.CONSUME3(Equals);
      outs.push({ name, value: this.CONSUME2(NumberTok) as GcToken });
    });
    this.CONSUME3(Semi);
    return { k: 'test', kw: kwTok, ins, outs };
  }

  // expr = operand { ("&" | "^" | "|") operand }, grouped by precedence afterwards.
  private expr = this.RULE('expr', (): Expr => {
    const args: Expr[] = [this.SUBRULE(this.operand)];
    const ops: GcToken[] = [];
    this.MANY(() => {
      ops.push(this.CONSUME(BinOpTok) as GcToken);
      args.push(this.SUBRULE2(this.operand));
    });
    return this.ACTION(() => byPrecedence(args, ops));
  });

  // operand = { "~" } ( NUMBER | NAME | GATE "(" [ expr { "," expr } ] ")" | "(" expr ")" ).
  // Tildes are a loop, not recursion.
  private operand = this.RULE('operand', (): Expr => {
    const tildes: GcToken[] = [];
    this.MANY(() => {
      tildes.push(this.CONSUME(Tilde) as GcToken);
    });
    const arg = this.OR([
      { ALT: (): Expr => ({ k: 'num', tok: this.CONSUME(NumberTok) as GcToken }) },
      { ALT: (): Expr => ({ k: 'ref', tok: this.CONSUME(Name) as GcToken }) },
      {
        ALT: (): Expr => {
          const name = this.CONSUME(GateName) as GcToken;
          const args: Expr[] = [];
          this.CONSUME(LParen);
          this.OPTION(() => {
            args.push(this.SUBRULE(this.expr));
            this.MANY2(() => {
              this.CONSUME(Comma);
              args.push(this.SUBRULE2(this.expr));
            });
          });
          this.CONSUME(RParen);
          return { k: 'call', op: name.image as OpName, name, args };
        },
      },
      {
        ALT: (): Expr => {
          this.CONSUME2(LParen);
          const e = this.SUBRULE3(this.expr);
          this.CONSUME2(RParen);
          return e;
        },
      },
    ]);
    return tildes.length === 0 ? arg : { k: 'not', tildes, arg };
  });
}

const gcParser = new GcParser();

// ---------------------------------------------------------------- driver

/**
 * Line and column (1-based, columns in UTF-16 units) of text offsets. Tokens carry only
 * offsets; lines are found when a location is needed. Line breaks are \n, \r\n and a lone \r.
 */
export class LineIndex {
  private starts: Int32Array | undefined;

  constructor(private readonly text: string) {}

  pos(offset: number): { line: number; col: number } {
    const starts = (this.starts ??= lineStarts(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  }
}

function lineStarts(text: string): Int32Array {
  const starts: number[] = [0];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const ch = text.charCodeAt(i);
    if (ch === Ch.LF) starts.push(i + 1);
    else if (ch === Ch.CR && text.charCodeAt(i + 1) !== Ch.LF) starts.push(i + 1);
  }
  return Int32Array.from(starts);
}

type WithPrevious = IRecognitionException & { previousToken?: IToken };

/** Where a parser error points: its token, or just after the previous token at the end of the file. */
function errorOffset(e: WithPrevious): number {
  const t = e.token;
  if (t.tokenType !== EOF && Number.isFinite(t.startOffset)) return t.startOffset;
  const p = e.previousToken;
  if (p && p.tokenType !== EOF && Number.isFinite(p.endOffset)) return p.endOffset! + 1;
  return 0;
}

/** A reserved word directly followed by '=' was meant as a name: say so, at the word. */
function reservedWordMisuse(e: WithPrevious): Problem | undefined {
  const p = e.previousToken;
  if (!p || !KEYWORD_TYPES.has(p.tokenType) || e.token.tokenType !== Equals) return undefined;
  return { offset: p.startOffset, message: `'${p.image}' is a reserved word and cannot be used as a name` };
}

/** Parses one chunk of tokens with `rule`; returns its result or its first problem. */
function parseTokens<T>(tokens: GcToken[], rule: () => T): { result: T | undefined; problem: Problem | undefined } {
  gcParser.input = tokens;
  let result: T | undefined;
  let e: WithPrevious | undefined;
  try {
    result = rule();
    e = gcParser.errors[0];
  } finally {
    // Drop the token vector (this also clears errors): the parser is module-wide and must not
    // keep a file alive.
    gcParser.input = [];
  }
  if (!e) return { result, problem: undefined };
  return { result: undefined, problem: reservedWordMisuse(e) ?? { offset: errorOffset(e), message: e.message.replace(/\s+/g, ' ') } };
}

/** Tokens per chunk: chunks keep the token objects short-lived, which halves the collector's work. */
const CHUNK_TOKENS = 4096;

/** Receives the syntax of a file piece by piece, in file order. */
export interface GcSink {
  header(name: string, tok: GcToken): void;
  statements(stmts: Stmt[]): void;
}

/**
 * Scans and parses .gc text, handing the header and then the statements to `sink` one chunk
 * at a time (chunks end at statement boundaries; the first is parsed with `file`, which takes
 * the header, the others with `statements`). Nothing keeps a chunk's tokens or trees once the
 * sink has seen them, so memory does not grow with a syntax tree of the whole file. Throws
 * CircuitError('syntax') at the first syntax problem; `locAt` turns a line and column into a
 * SourceLoc (with the file name).
 */
export function parseGcChunks(text: string, lines: LineIndex, locAt: (line: number, col: number) => SourceLoc, sink: GcSink): void {
  const fail = (p: Problem): never => {
    const { line, col } = lines.pos(p.offset);
    throw new CircuitError('syntax', p.message, locAt(line, col));
  };
  for (let from = 0, first = true; first || from < text.length; first = false) {
    const chunk = scan(text, from, CHUNK_TOKENS);
    const { result, problem } = first
      ? parseTokens(chunk.tokens, () => gcParser.file())
      : parseTokens(chunk.tokens, () => ({ header: undefined, stmts: gcParser.statements() }));
    if (chunk.problem) {
      // The tokens end at the lexical problem. A syntax error among them comes first in the
      // file; an error at their end is an artifact of the cut and is not reported.
      const cut = chunk.tokens.length > 0 ? chunk.tokens[chunk.tokens.length - 1]!.endOffset : -1;
      if (problem && problem.offset <= cut) fail(problem);
      fail(chunk.problem);
    }
    if (problem) fail(problem);
    const { header, stmts } = result!;
    if (header) sink.header(header.name, header.tok);
    sink.statements(stmts);
    from = chunk.end;
  }
}
