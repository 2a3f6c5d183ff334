/**
 * The display-filter parser: tokens -> syntax tree, after the grammar of Wireshark 4.x
 * (epan/dfilter/grammar.lemon), precedence from loosest to tightest:
 *
 *   ||  or        ^^  xor        &&  and        !  not
 *   == != === !== < > <= >= contains matches ~ in / not in      (one comparison, not chained)
 *   &   bitwise_and        + -        * / %        unary -
 *   value: word | "string" | 'c' | func(args) | { arithmetic } | value[slice]
 *
 * Parentheses group logical expressions; braces group arithmetic (`{tcp.len + 1} * 2`) and, after
 * `in`, hold a set `{80, 443, 8000..8080}`. Words are not resolved here: whether `GET` is a field
 * or a literal is decided by the compiler, which knows the fields.
 */
import type { Token } from './scanner';

export interface Span {
  pos: number;
  len: number;
}

export type CmpOp = '==' | '!=' | '===' | '!==' | '<' | '>' | '<=' | '>=' | 'contains' | 'matches';
export type ArithOp = '+' | '-' | '*' | '/' | '%' | '&';

export interface SliceRange {
  /** Start offset (negative counts from the end). */
  start: number;
  /** End, exclusive, relative to start's base; null = to the end. */
  length: number | null;
  /** `i-j` form: end offset inclusive instead of a length. */
  end?: number;
}

export type ValueNode =
  | ({ k: 'word'; text: string } & Span)
  | ({ k: 'string'; text: string; raw: boolean } & Span)
  | ({ k: 'char'; code: number } & Span)
  | ({ k: 'call'; name: string; args: ValueNode[]; nameLen: number } & Span)
  | ({ k: 'slice'; base: ValueNode; ranges: SliceRange[] } & Span)
  | ({ k: 'arith'; op: ArithOp; a: ValueNode; b: ValueNode } & Span)
  | ({ k: 'neg'; a: ValueNode } & Span);

export interface SetItem {
  lo: ValueNode;
  /** Upper bound of a `lo..hi` range. */
  hi?: ValueNode;
}

export type ExprNode =
  /** A chain `a || b || c` is one node: long generated filters never nest deep. */
  | ({ k: 'or' | 'and' | 'xor'; items: ExprNode[] } & Span)
  | ({ k: 'not'; a: ExprNode } & Span)
  | ({ k: 'cmp'; op: CmpOp; a: ValueNode; b: ValueNode; opPos: number; opLen: number } & Span)
  | ({ k: 'in'; negated: boolean; a: ValueNode; items: SetItem[] } & Span)
  | ({ k: 'test'; a: ValueNode } & Span);

export interface ParseError {
  message: string;
  pos: number;
  len: number;
}

const CMP_OPS = new Set(['==', '!=', '===', '!==', '<', '>', '<=', '>=', 'contains', 'matches']);
/** Nesting limit: a filter is typed by a person; this keeps recursion far from the stack's end. */
const MAX_DEPTH = 200;

class Fail {
  constructor(readonly error: ParseError) {}
}

function span(a: Span, b: Span): Span {
  const pos = Math.min(a.pos, b.pos);
  return { pos, len: Math.max(a.pos + a.len, b.pos + b.len) - pos };
}

/** Parses the range list between slice brackets: `0:2`, `1-3`, `-1`, `:4`, `2:`, `1,3-5`. */
function parseRanges(tok: Token): SliceRange[] {
  const bad = (message: string) => new Fail({ message, pos: tok.pos, len: tok.len });
  if (tok.text.trim() === '') throw bad('A slice needs a range: [i], [i:length], [i-j], [:j], [i:].');
  const out: SliceRange[] = [];
  for (const part of tok.text.split(',')) {
    const s = part.replace(/\s+/g, '');
    const m = /^(-?\d+)?(?:(:)(-?\d+)?|-(-?\d+))?$/.exec(s);
    if (!m || (m[1] === undefined && m[2] === undefined))
      throw bad(`"${part.trim()}" is not a valid slice range.`);
    const start = m[1] !== undefined ? Number(m[1]) : 0;
    if (m[2] !== undefined) {
      const length = m[3] !== undefined ? Number(m[3]) : null;
      if (length !== null && length < 0) throw bad(`The length of slice range "${part.trim()}" is negative.`);
      out.push({ start, length });
    } else if (m[4] !== undefined) {
      out.push({ start, length: null, end: Number(m[4]) });
    } else {
      out.push({ start, length: 1 });
    }
  }
  return out;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly toks: Token[],
    private readonly text?: string,
  ) {}

  private peek(): Token {
    return this.toks[this.i];
  }
  private next(): Token {
    const t = this.toks[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }
  private unexpected(t: Token): Fail {
    if (t.kind === 'eof')
      return new Fail({ message: 'Unexpected end of filter expression.', pos: t.pos, len: 0 });
    // The token as typed (an operator's text is its canonical spelling: `and` reads `&&`).
    const shown = this.text !== undefined ? this.text.slice(t.pos, t.pos + t.len) : t.text;
    return new Fail({ message: `"${shown}" was unexpected in this context.`, pos: t.pos, len: t.len });
  }
  private expectOp(text: string, what: string): Token {
    const t = this.peek();
    if (t.kind === 'op' && t.text === text) return this.next();
    if (t.kind === 'eof')
      throw new Fail({
        message: `Unexpected end of filter expression: ${what} is missing.`,
        pos: t.pos,
        len: 0,
      });
    throw new Fail({
      message: `"${this.text !== undefined ? this.text.slice(t.pos, t.pos + t.len) : t.text}" was unexpected in this context: ${what} was expected.`,
      pos: t.pos,
      len: t.len,
    });
  }
  private enter(t: Token): void {
    if (++this.depth > MAX_DEPTH)
      throw new Fail({
        message: `The filter nests deeper than ${MAX_DEPTH} levels.`,
        pos: t.pos,
        len: t.len,
      });
  }

  parseFilter(): ExprNode {
    const e = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'eof') {
      if (t.kind === 'op' && t.text === ')')
        throw new Fail({ message: 'This ")" closes no "(".', pos: t.pos, len: t.len });
      throw this.unexpected(t);
    }
    return e;
  }

  private parseOr(): ExprNode {
    return this.chain('or', '||', () => this.parseXor());
  }
  private parseXor(): ExprNode {
    return this.chain('xor', '^^', () => this.parseAnd());
  }
  private parseAnd(): ExprNode {
    return this.chain('and', '&&', () => this.parseNot());
  }
  private chain(k: 'or' | 'xor' | 'and', op: string, operand: () => ExprNode): ExprNode {
    const first = operand();
    if (!this.isOp(op)) return first;
    const items = [first];
    while (this.isOp(op)) {
      this.next();
      items.push(operand());
    }
    return { k, items, ...span(first, items[items.length - 1]) };
  }
  private parseNot(): ExprNode {
    const t = this.peek();
    if (t.kind === 'op' && t.text === '!') {
      this.next();
      this.enter(t);
      const a = this.parseNot();
      this.depth--;
      return { k: 'not', a, ...span(t, a) };
    }
    return this.parseRelation();
  }
  private parseRelation(): ExprNode {
    const t = this.peek();
    if (t.kind === 'op' && t.text === '(') {
      this.next();
      this.enter(t);
      const e = this.parseOr();
      this.depth--;
      const close = this.peek();
      if (!(close.kind === 'op' && close.text === ')')) {
        if (close.kind === 'eof')
          throw new Fail({
            message: 'Unexpected end of filter expression: the "(" here is not closed.',
            pos: t.pos,
            len: 1,
          });
        throw this.unexpected(close);
      }
      this.next();
      return e;
    }
    const a = this.parseValue();
    const op = this.peek();
    if (op.kind === 'op' && CMP_OPS.has(op.text)) {
      this.next();
      const b = this.parseValue();
      return { k: 'cmp', op: op.text as CmpOp, a, b, opPos: op.pos, opLen: op.len, ...span(a, b) };
    }
    if (op.kind === 'op' && op.text === 'in') {
      this.next();
      return this.parseSet(a, false);
    }
    if (
      op.kind === 'op' &&
      op.text === '!' &&
      this.toks[this.i + 1]?.kind === 'op' &&
      this.toks[this.i + 1].text === 'in'
    ) {
      this.next();
      this.next();
      return this.parseSet(a, true);
    }
    return { k: 'test', a, pos: a.pos, len: a.len };
  }
  private parseSet(a: ValueNode, negated: boolean): ExprNode {
    const open = this.peek();
    if (!(open.kind === 'op' && open.text === '{')) {
      if (open.kind === 'eof') throw this.unexpected(open);
      throw new Fail({
        message: `A set in braces was expected after "in": {80, 443, 8000..8080}.`,
        pos: open.pos,
        len: open.len,
      });
    }
    this.next();
    const items: SetItem[] = [];
    for (;;) {
      const lo = this.parseValue();
      let hi: ValueNode | undefined;
      if (this.isOp('..')) {
        this.next();
        hi = this.parseValue();
      }
      items.push({ lo, hi });
      const t = this.peek();
      if (t.kind === 'op' && t.text === ',') {
        this.next();
        continue;
      }
      if (t.kind === 'op' && t.text === '}') {
        this.next();
        return { k: 'in', negated, a, items, ...span(a, t) };
      }
      throw this.unexpected(t);
    }
  }

  // Arithmetic: & (loosest), + -, * / %, unary -.
  /** Arithmetic and slice chains build a tree as deep as they are long: bounded like nesting. */
  private chainStep(at: Token, steps: number): void {
    if (steps > MAX_DEPTH)
      throw new Fail({
        message: `An arithmetic or slice chain longer than ${MAX_DEPTH} steps.`,
        pos: at.pos,
        len: at.len,
      });
  }
  parseValue(): ValueNode {
    let a = this.parseSum();
    let steps = 0;
    while (this.isOp('&')) {
      this.chainStep(this.peek(), ++steps);
      this.next();
      const b = this.parseSum();
      a = { k: 'arith', op: '&', a, b, ...span(a, b) };
    }
    return a;
  }
  private parseSum(): ValueNode {
    let a = this.parseProduct();
    let steps = 0;
    while (this.isOp('+') || this.isOp('-')) {
      this.chainStep(this.peek(), ++steps);
      const op = this.next().text as ArithOp;
      const b = this.parseProduct();
      a = { k: 'arith', op, a, b, ...span(a, b) };
    }
    return a;
  }
  private parseProduct(): ValueNode {
    let a = this.parseUnary();
    let steps = 0;
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      this.chainStep(this.peek(), ++steps);
      const op = this.next().text as ArithOp;
      const b = this.parseUnary();
      a = { k: 'arith', op, a, b, ...span(a, b) };
    }
    return a;
  }
  private parseUnary(): ValueNode {
    const t = this.peek();
    if (t.kind === 'op' && t.text === '-') {
      this.next();
      this.enter(t);
      const a = this.parseUnary();
      this.depth--;
      // A negative number stays one literal word, so that it converts to any numeric type.
      if (a.k === 'word' && /^[0-9]/.test(a.text) && a.pos === t.pos + 1)
        return { k: 'word', text: `-${a.text}`, ...span(t, a) };
      return { k: 'neg', a, ...span(t, a) };
    }
    return this.parsePostfix();
  }
  private parsePostfix(): ValueNode {
    let v = this.parsePrimary();
    let steps = 0;
    while (this.peek().kind === 'range') {
      this.chainStep(this.peek(), ++steps);
      const r = this.next();
      v = { k: 'slice', base: v, ranges: parseRanges(r), ...span(v, r) };
    }
    return v;
  }
  private parsePrimary(): ValueNode {
    const t = this.peek();
    if (t.kind === 'word') {
      this.next();
      if (this.isOp('(')) return this.parseCall(t);
      return { k: 'word', text: t.text, pos: t.pos, len: t.len };
    }
    if (t.kind === 'string') {
      this.next();
      return { k: 'string', text: t.text, raw: t.code === 1, pos: t.pos, len: t.len };
    }
    if (t.kind === 'char') {
      this.next();
      return { k: 'char', code: t.code ?? 0, pos: t.pos, len: t.len };
    }
    if (t.kind === 'op' && t.text === '{') {
      this.next();
      this.enter(t);
      const v = this.parseValue();
      this.depth--;
      const close = this.expectOp('}', 'a closing "}"');
      return { ...v, ...span(t, close) };
    }
    throw this.unexpected(t);
  }
  private parseCall(name: Token): ValueNode {
    this.next(); // (
    this.enter(name);
    const args: ValueNode[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        args.push(this.parseValue());
        if (this.isOp(',')) {
          this.next();
          continue;
        }
        break;
      }
    }
    this.depth--;
    const close = this.expectOp(')', `a ")" closing ${name.text}(`);
    return { k: 'call', name: name.text, args, nameLen: name.len, ...span(name, close) };
  }
}

/**
 * Parses tokens (from scan) into an expression tree, or the first syntax error. `text`, the filter
 * the tokens come from, lets messages quote tokens as typed.
 */
export function parse(
  tokens: Token[],
  text?: string,
): { ok: true; expr: ExprNode } | { ok: false; error: ParseError } {
  try {
    return { ok: true, expr: new Parser(tokens, text).parseFilter() };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.error };
    throw e;
  }
}
