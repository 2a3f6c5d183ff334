import { describe, expect, it } from 'vitest';
import { parse, type ExprNode, type ValueNode } from './parser';
import { scan } from './scanner';

/** The tree of `text` in a compact prefix form, to check shape and precedence. */
function tree(text: string): string {
  const s = scan(text);
  if (!s.ok) throw new Error(s.error.message);
  const p = parse(s.tokens, text);
  if (!p.ok) throw new Error(p.error.message);
  const v = (n: ValueNode): string => {
    switch (n.k) {
      case 'word':
        return n.text;
      case 'string':
        return JSON.stringify(n.text);
      case 'char':
        return `'${String.fromCharCode(n.code)}'`;
      case 'call':
        return `${n.name}(${n.args.map(v).join(',')})`;
      case 'slice':
        return `${v(n.base)}[${n.ranges.map((r) => `${r.start}:${r.end !== undefined ? `-${r.end}` : (r.length ?? '')}`).join(',')}]`;
      case 'arith':
        return `(${n.op} ${v(n.a)} ${v(n.b)})`;
      case 'neg':
        return `(- ${v(n.a)})`;
    }
  };
  const e = (n: ExprNode): string => {
    switch (n.k) {
      case 'and':
      case 'or':
      case 'xor':
        return `(${n.k} ${n.items.map(e).join(' ')})`;
      case 'not':
        return `(not ${e(n.a)})`;
      case 'cmp':
        return `(${n.op} ${v(n.a)} ${v(n.b)})`;
      case 'in':
        return `(${n.negated ? 'notin' : 'in'} ${v(n.a)} {${n.items.map((i) => (i.hi ? `${v(i.lo)}..${v(i.hi)}` : v(i.lo))).join(',')}})`;
      case 'test':
        return v(n.a);
    }
  };
  return e(p.expr);
}

function syntaxError(text: string) {
  const s = scan(text);
  if (!s.ok) return s.error;
  const p = parse(s.tokens, text);
  if (p.ok) throw new Error(`${text} parsed`);
  return p.error;
}

describe('display-filter parser', () => {
  it('or < xor < and < not < comparison, chains flat', () => {
    expect(tree('a || b && c')).toBe('(or a (and b c))');
    expect(tree('a and b or c')).toBe('(or (and a b) c)');
    expect(tree('a ^^ b && c || d')).toBe('(or (xor a (and b c)) d)');
    expect(tree('a || b || c')).toBe('(or a b c)');
    expect(tree('!a == 1 && b')).toBe('(and (not (== a 1)) b)');
    expect(tree('not (a or b)')).toBe('(not (or a b))');
  });
  it('operators in symbols and words read the same', () => {
    expect(tree('a eq 1 and b ne 2 or c ge 3 xor not d')).toBe(tree('a == 1 && b != 2 || c >= 3 ^^ !d'));
    expect(tree('a any_ne 1')).toBe('(!== a 1)');
    expect(tree('a ~= 1')).toBe('(!== a 1)');
    expect(tree('a all_eq 1')).toBe('(=== a 1)');
    expect(tree('a ~ "x"')).toBe('(matches a "x")');
    expect(tree('a bitwise_and 4')).toBe('(& a 4)');
  });
  it('arithmetic: & below + - below * / %, braces group, unary minus', () => {
    expect(tree('a + b * 2 == 7')).toBe('(== (+ a (* b 2)) 7)');
    expect(tree('{a + b} * 2 == 7')).toBe('(== (* (+ a b) 2) 7)');
    expect(tree('a & 3 + 1')).toBe('(& a (+ 3 1))');
    expect(tree('-a == -1')).toBe('(== (- a) -1)');
    expect(tree('a - 1 == 2')).toBe('(== (- a 1) 2)');
  });
  it('sets, ranges and not in', () => {
    expect(tree('p in {80, 443, 8000..8080}')).toBe('(in p {80,443,8000..8080})');
    expect(tree('p not in {1}')).toBe('(notin p {1})');
    expect(tree('p in {1 .. 2}')).toBe('(in p {1..2})');
  });
  it('slices, calls, words that are addresses', () => {
    expect(tree('f[0:2] == aa:bb')).toBe('(== f[0:2] aa:bb)');
    expect(tree('f[1-3,-1,:4,2:] == 0')).toBe('(== f[1:-3,-1:1,0:4,2:] 0)');
    expect(tree('len(lower(h)) > 3')).toBe('(> len(lower(h)) 3)');
    expect(tree('max(a, b, 1) == 2')).toBe('(== max(a,b,1) 2)');
    expect(tree('ip == 10.0.0.0/8 || v6 == fe80::/10 || m == 00:11:22:33:44:55')).toBe(
      '(or (== ip 10.0.0.0/8) (== v6 fe80::/10) (== m 00:11:22:33:44:55))',
    );
    expect(tree("c == 'a'")).toBe("(== c 'a')");
    expect(tree('s == r"\\d+"')).toBe('(== s "\\\\d+")');
  });
  it('syntax errors point at the token', () => {
    expect(syntaxError('a == ')).toMatchObject({ message: 'Unexpected end of filter expression.', pos: 5 });
    expect(syntaxError('a == 1 b')).toMatchObject({
      message: '"b" was unexpected in this context.',
      pos: 7,
      len: 1,
    });
    expect(syntaxError('(a')).toMatchObject({ pos: 0 });
    expect(syntaxError('a in 80')).toMatchObject({ pos: 5 });
    expect(syntaxError('len(a b)')).toMatchObject({ pos: 6 });
    expect(syntaxError('f[1:-2] == 0').message).toMatch(/negative/);
    expect(syntaxError('f[] == 0').message).toMatch(/needs a range/);
    expect(syntaxError('a == "x').message).toMatch(/not closed/);
    expect(syntaxError("a == 'xy'").message).toMatch(/character constant/);
  });
});
