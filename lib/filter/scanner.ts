/**
 * The display-filter scanner: filter text -> tokens with their position, following the token
 * classes of Wireshark's epan/dfilter/scanner.l (4.x): operators in symbols and in words (`eq`,
 * `and`, `contains`...), "strings" with C escapes, r"raw strings", 'c' character constants, slice
 * brackets `[...]` read as one token, and "unparsed" words: field names and literals (numbers,
 * addresses, byte strings), which only the parser and the field's type can tell apart.
 */

export type TokenKind =
  | 'word' // field name or unparsed literal: tcp.port, 80, 10.0.0.0/8, aa:bb:cc, fe80::1, GET
  | 'string' // "..." (value unescaped) or r"..." (value verbatim)
  | 'char' // 'c' -> its code
  | 'range' // [ ... ] slice, `text` = what is between the brackets
  | 'op' // punctuation and keyword operators, `text` normalized (see OPS)
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** Normalized text: the operator's canonical spelling, the word, the string's value. */
  text: string;
  /** 0-based offset in the filter and length of the source text. */
  pos: number;
  len: number;
  /** Character constant value. */
  code?: number;
}

export interface ScanError {
  message: string;
  pos: number;
  len: number;
}

/** Keyword operators -> canonical symbol. */
const WORD_OPS: Record<string, string> = {
  and: '&&',
  or: '||',
  xor: '^^',
  not: '!',
  eq: '==',
  ne: '!=',
  all_eq: '===',
  any_ne: '!==',
  gt: '>',
  lt: '<',
  ge: '>=',
  le: '<=',
  contains: 'contains',
  matches: 'matches',
  in: 'in',
  bitwise_and: '&',
};

/** Symbol operators, longest first. `~=` is the Wireshark 3.6 spelling of `!==`. */
const SYMBOLS: [string, string][] = [
  ['===', '==='],
  ['!==', '!=='],
  ['==', '=='],
  ['!=', '!='],
  ['~=', '!=='],
  ['<=', '<='],
  ['>=', '>='],
  ['&&', '&&'],
  ['||', '||'],
  ['^^', '^^'],
  ['..', '..'],
  ['<', '<'],
  ['>', '>'],
  ['~', 'matches'],
  ['!', '!'],
  ['(', '('],
  [')', ')'],
  ['{', '{'],
  ['}', '}'],
  [',', ','],
  ['+', '+'],
  ['-', '-'],
  ['*', '*'],
  ['/', '/'],
  ['%', '%'],
  ['&', '&'],
];

function isWordChar(c: string): boolean {
  return (
    (c >= 'a' && c <= 'z') ||
    (c >= 'A' && c <= 'Z') ||
    (c >= '0' && c <= '9') ||
    c === '_' ||
    c === '.' ||
    c === ':' ||
    c === '-'
  );
}

function isWordStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_';
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Tokens of `text`, ending with an `eof` token; or the first lexical error. */
export function scan(text: string): { ok: true; tokens: Token[] } | { ok: false; error: ScanError } {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    // Strings: "..." and r"..." / R"..."
    if (c === '"' || ((c === 'r' || c === 'R') && text[i + 1] === '"')) {
      const raw = c !== '"';
      i += raw ? 2 : 1;
      let body = '';
      let closed = false;
      while (i < n) {
        const d = text[i];
        if (d === '\\' && i + 1 < n) {
          body += d + text[i + 1];
          i += 2;
          continue;
        }
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        body += d;
        i++;
      }
      if (!closed)
        return {
          ok: false,
          error: { message: 'The string is not closed: a " is missing.', pos: start, len: n - start },
        };
      tokens.push({ kind: 'string', text: body, pos: start, len: i - start, code: raw ? 1 : 0 });
      continue;
    }
    // Character constant 'c', '\n', '\x41', '\101'
    if (c === "'") {
      const m = /^'(\\x[0-9a-fA-F]{1,2}|\\[0-7]{1,3}|\\.|[^\\'])'/.exec(text.slice(i, i + 8));
      if (!m)
        return {
          ok: false,
          error: {
            message: "A character constant is one character between single quotes ('a', '\\n', '\\x41').",
            pos: start,
            len: 1,
          },
        };
      const body = m[1];
      let code: number;
      if (body.length === 1) code = body.charCodeAt(0);
      else if (body[1] === 'x') code = parseInt(body.slice(2), 16);
      else if (isDigit(body[1])) code = parseInt(body.slice(1), 8) & 0xff;
      else {
        const esc: Record<string, number> = {
          n: 10,
          r: 13,
          t: 9,
          a: 7,
          b: 8,
          f: 12,
          v: 11,
          '\\': 92,
          "'": 39,
          '"': 34,
          '0': 0,
        };
        if (!(body[1] in esc))
          return {
            ok: false,
            error: { message: `${body} is not a valid character escape sequence`, pos: start + 1, len: 2 },
          };
        code = esc[body[1]];
      }
      tokens.push({ kind: 'char', text: m[0], pos: start, len: m[0].length, code });
      i += m[0].length;
      continue;
    }
    // Slice brackets: read to the matching ']'
    if (c === '[') {
      const close = text.indexOf(']', i + 1);
      if (close < 0)
        return {
          ok: false,
          error: { message: 'The slice is not closed: a ] is missing.', pos: start, len: n - start },
        };
      tokens.push({ kind: 'range', text: text.slice(i + 1, close), pos: start, len: close + 1 - start });
      i = close + 1;
      continue;
    }
    // Words (field names, literals). A word may start with "::" (an IPv6 address).
    if (isWordStart(c) || (c === ':' && text[i + 1] === ':')) {
      while (i < n && isWordChar(text[i])) {
        // ".." ends a word: `80..8080` is a range of two words.
        if (text[i] === '.' && text[i + 1] === '.') break;
        i++;
      }
      // An address-like word takes a /prefix: 10.0.0.0/8, 2001:db8::/32.
      const w = text.slice(start, i);
      if (text[i] === '/' && isDigit(text[i + 1]) && /^[0-9a-fA-F.:]+$/.test(w) && /[.:]/.test(w)) {
        i++;
        while (i < n && isDigit(text[i])) i++;
      }
      const word = text.slice(start, i);
      // Keywords are lower case only, as in Wireshark: `IN` stays a word (a value name).
      const op = Object.hasOwn(WORD_OPS, word) ? WORD_OPS[word] : undefined;
      if (op) tokens.push({ kind: 'op', text: op, pos: start, len: i - start });
      else tokens.push({ kind: 'word', text: word, pos: start, len: i - start });
      continue;
    }
    let matched = false;
    for (const [sym, canon] of SYMBOLS) {
      if (text.startsWith(sym, i)) {
        tokens.push({ kind: 'op', text: canon, pos: start, len: sym.length });
        i += sym.length;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    const unsupported: Record<string, string> = {
      '#': 'Layer selection (ip.addr#2) is not supported here: compare the field without #n.',
      $: 'Field references and macros ($field, ${...}) are not supported here.',
      '@': 'Raw field values (@field) are not supported here.',
    };
    if (Object.hasOwn(unsupported, c))
      return { ok: false, error: { message: unsupported[c], pos: start, len: 1 } };
    if (c === '=')
      return {
        ok: false,
        error: { message: '"=" is not an operator: use == (or eq) to compare.', pos: start, len: 1 },
      };
    return { ok: false, error: { message: `"${c}" was unexpected in this context.`, pos: start, len: 1 } };
  }
  tokens.push({ kind: 'eof', text: '', pos: n, len: 0 });
  return { ok: true, tokens };
}
