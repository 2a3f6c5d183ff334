import { describe, expect, it } from 'vitest';
import { pcreToRegExp } from './compile';
import { compileFilter, filterRows } from './filter';
import { SAMPLE, TEST_INDEX, testContext } from './test-fields';

const ctx = testContext(SAMPLE);

/** Packet numbers (1-based) matching `text`; fails the test on a compile error. */
function frames(text: string): number[] {
  const r = compileFilter(text, TEST_INDEX);
  if (!r.ok) throw new Error(`${text}: ${r.error.message} (column ${r.error.column})`);
  return [...filterRows(ctx, r.filter)].map((row) => row + 1);
}

function err(text: string) {
  const r = compileFilter(text, TEST_INDEX);
  if (r.ok) throw new Error(`${text} compiled, an error was expected`);
  return r.error;
}

describe('field existence and logic', () => {
  it('an empty or blank filter matches every packet', () => {
    expect(frames('')).toHaveLength(SAMPLE.length);
    expect(frames('  \t ')).toHaveLength(SAMPLE.length);
  });
  it('protocols and fields test presence', () => {
    expect(frames('udp')).toEqual([6]);
    expect(frames('http2')).toEqual([7, 8]);
    expect(frames('tcp.analysis.retransmission')).toEqual([5]);
    expect(frames('http.host')).toEqual([3]);
    // a boolean field is present with value 0 as with 1
    expect(frames('tcp.flags.syn')).toEqual([1, 2, 3, 4, 5, 7, 8, 10]);
  });
  it('and / or / not / xor and their symbols, with and binding tighter than or', () => {
    expect(frames('udp || http2')).toEqual([6, 7, 8]);
    expect(frames('udp or http2')).toEqual([6, 7, 8]);
    expect(frames('tcp && !ip')).toEqual([7, 8]);
    expect(frames('tcp and not ip')).toEqual([7, 8]);
    expect(frames('frame.number == 1 || frame.number == 2 && frame.number == 3')).toEqual([1]);
    expect(frames('(frame.number == 1 || frame.number == 2) && frame.number == 3')).toEqual([]);
    expect(frames('tcp xor ip')).toEqual([6, 7, 8]);
    expect(frames('tcp ^^ ip')).toEqual([6, 7, 8]);
    expect(frames('!tcp.port == 80')).toEqual([6, 7, 8, 9, 10]);
    expect(frames('not not udp')).toEqual([6]);
  });
});

describe('comparisons and repeated fields (Wireshark 4 semantics)', () => {
  it('== is true when any occurrence equals', () => {
    expect(frames('tcp.port == 80')).toEqual([1, 2, 3, 4, 5]);
    expect(frames('tcp.port eq 443')).toEqual([7, 8]);
  });
  it('!= is all_ne: present and no occurrence equals (absent field: false)', () => {
    expect(frames('tcp.port != 80')).toEqual([7, 8, 10]);
    expect(frames('tcp.port ne 80')).toEqual([7, 8, 10]);
    expect(frames('ip.addr != 10.0.0.1')).toEqual([6, 10]);
    // !(a == b) differs on packets without the field
    expect(frames('!(tcp.port == 80)')).toEqual([6, 7, 8, 9, 10]);
  });
  it('!== / any_ne / ~= is true when some occurrence differs; === / all_eq when all equal', () => {
    expect(frames('tcp.port !== 80')).toEqual([1, 2, 3, 4, 5, 7, 8, 10]);
    expect(frames('tcp.port any_ne 80')).toEqual(frames('tcp.port !== 80'));
    expect(frames('tcp.port ~= 80')).toEqual(frames('tcp.port !== 80'));
    expect(frames('tcp.port === 8080')).toEqual([10]);
    expect(frames('tcp.port all_eq 80')).toEqual([]);
    expect(frames('ip.addr === 10.1.2.3')).toEqual([10]);
  });
  it('ordering operators in symbols and words', () => {
    expect(frames('frame.len > 999')).toEqual([3, 5]);
    expect(frames('frame.len gt 999')).toEqual([3, 5]);
    expect(frames('frame.len >= 1000 && frame.len lt 1500')).toEqual([3]);
    expect(frames('frame.len le 60')).toEqual([1, 2, 4, 6, 7, 8, 9, 10]);
    expect(frames('frame.time_relative > 4.25')).toEqual([4, 6, 7, 8, 9, 10]);
    expect(frames('test.delta < 0')).toEqual([9]);
    expect(frames('test.delta >= -5')).toEqual([9, 10]);
  });
  it('booleans compare with 1, 0, True, False, true, false', () => {
    expect(frames('tcp.flags.syn == 1')).toEqual([1, 2]);
    expect(frames('tcp.flags.syn == True')).toEqual([1, 2]);
    expect(frames('tcp.flags.syn == true')).toEqual([1, 2]);
    expect(frames('tcp.flags.syn == 0')).toEqual([3, 4, 5, 7, 8, 10]);
    expect(frames('tcp.flags.syn eq False')).toEqual([3, 4, 5, 7, 8, 10]);
  });
  it('field against field', () => {
    expect(frames('tcp.srcport == tcp.dstport')).toEqual([10]);
    expect(frames('ip.src == ip.dst')).toEqual([10]);
    expect(frames('tcp.srcport > tcp.dstport')).toEqual([1, 3, 5, 8]);
  });
  it('value names of integer fields', () => {
    expect(frames('http2.type == HEADERS')).toEqual([7]);
    expect(frames('http2.type == GOAWAY')).toEqual([8]);
    expect(frames('http2.type == goaway')).toEqual([8]);
    expect(frames('http2.type == 7')).toEqual([8]);
    expect(frames('http2.type == "HEADERS"')).toEqual([7]);
    expect(frames('http2.type in {HEADERS, GOAWAY}')).toEqual([7, 8]);
    expect(err('tcp.port == "80"').message).toMatch(/cannot be converted from a string/);
  });
});

describe('literals', () => {
  it('integers in decimal, hex, octal and binary', () => {
    expect(frames('tcp.port == 0x50')).toEqual(frames('tcp.port == 80'));
    expect(frames('tcp.port == 0120')).toEqual(frames('tcp.port == 80'));
    expect(frames('tcp.port == 0b1010000')).toEqual(frames('tcp.port == 80'));
    expect(frames("tcp.port == 'P'")).toEqual(frames('tcp.port == 80'));
  });
  it('IPv4 addresses and CIDR blocks', () => {
    expect(frames('ip.addr == 10.0.0.0/8')).toEqual([1, 2, 3, 4, 5, 10]);
    expect(frames('ip.src == 192.168.0.0/16')).toEqual([2, 4]);
    expect(frames('ip.dst == 8.8.8.8')).toEqual([6]);
    expect(frames('ip.addr == 0.0.0.0/0')).toEqual([1, 2, 3, 4, 5, 6, 10]);
    expect(frames('ip.src > 100.0.0.0')).toEqual([2, 4, 6]);
  });
  it('IPv6 addresses and prefixes', () => {
    expect(frames('ipv6.addr == 2001:db8::1')).toEqual([7, 8]);
    expect(frames('ipv6.src == 2001:db8::/32')).toEqual([7]);
    expect(frames('ipv6.src == fe80::/64')).toEqual([8]);
    expect(frames('ipv6.src == ::ffff:1.2.3.4')).toEqual([]);
  });
  it('MAC addresses in three notations', () => {
    expect(frames('eth.src == 00:11:22:33:44:55')).toEqual([1]);
    expect(frames('eth.src == 00-11-22-33-44-55')).toEqual([1]);
    expect(frames('eth.src == 0011.2233.4455')).toEqual([1]);
    expect(frames('eth.addr == aa:bb:cc:dd:ee:ff')).toEqual([1, 2]);
  });
  it('strings with escapes and raw strings', () => {
    expect(frames('http.request.uri == "/index.html"')).toEqual([3]);
    expect(frames('http.request.uri == "\\x2findex.html"')).toEqual([3]);
    expect(frames('http.request.uri == "\\057index.html"')).toEqual([3]);
    expect(frames('http.request.method == GET')).toEqual([3]);
    expect(frames('http.request.uri matches r"\\.html$"')).toEqual([3]);
  });
  it('byte strings with : - . separators and a lone byte', () => {
    expect(frames('tcp.payload[0:3] == 47:45:54')).toEqual([3]);
    expect(frames('tcp.payload[0:3] == 47-45-54')).toEqual([3]);
    expect(frames('tcp.payload[0:3] == 47.45.54')).toEqual([3]);
    expect(frames('tcp.payload[0:3] == "GET"')).toEqual([3]);
    expect(frames('tcp.payload[0] == 50')).toEqual([5, 7]); // a lone "50" is the byte 0x50 ('P'), as in Wireshark
    expect(frames('tcp.payload[0] == 0x47')).toEqual([3]);
  });
});

describe('contains, matches, sets, slices, functions, arithmetic', () => {
  it('contains on strings and bytes (case-sensitive)', () => {
    expect(frames('frame contains "GET"')).toEqual([3]);
    expect(frames('frame contains "get"')).toEqual([]);
    expect(frames('tcp.payload contains 48:54:54:50')).toEqual([3, 4, 5]);
    expect(frames('http.request.uri contains "api"')).toEqual([5]);
  });
  it('matches is case-insensitive unless (?-i)', () => {
    expect(frames('http.request.method matches "get"')).toEqual([3]);
    expect(frames('http.request.method ~ "^p"')).toEqual([5]);
    expect(frames('http.request.method matches "(?-i)get"')).toEqual([]);
    expect(frames('http.request.uri matches "\\\\.html$"')).toEqual([3]);
    expect(frames('frame matches "http/1\\\\.1 200"')).toEqual([4]);
  });
  it('sets with ranges, in and not in', () => {
    expect(frames('tcp.port in {443, 8000..8080}')).toEqual([7, 8, 10]);
    expect(frames('tcp.port in {443,8000 .. 8080}')).toEqual([7, 8, 10]);
    expect(frames('tcp.port not in {80, 443}')).toEqual([6, 9, 10]);
    expect(frames('http.request.method in {"GET", "PUT"}')).toEqual([3]);
    expect(frames('ip.addr in {8.8.8.8, 10.1.0.0/16}')).toEqual([6, 10]);
    expect(frames('frame.time_relative in {4.0..5.0}')).toEqual([4, 5, 6]);
  });
  it('slices [i:j] [i-j] [-1] [:j] [i:] [a,b-c]', () => {
    expect(frames('tcp.payload[0:4] == "POST"')).toEqual([5]);
    expect(frames('tcp.payload[1-3] == "OST"')).toEqual([5]);
    expect(frames('tcp.payload[-1] == 0a')).toEqual([3, 4, 5]);
    expect(frames('tcp.payload[:2] == "HT"')).toEqual([4]);
    expect(frames('tcp.payload[4:] == "/index.html HTTP/1.1\\r\\nHost: example.com\\r\\n\\r\\n"')).toEqual([
      3,
    ]);
    expect(frames('tcp.payload[0,2-3] == "PST"')).toEqual([5]);
    expect(frames('eth.src[0:3] == 00:11:22')).toEqual([1]);
    expect(frames('ip.src[0] == 0a')).toEqual([1, 3, 5, 10]);
    expect(frames('http.request.method[0] == "G"')).toEqual([3]);
    // out of range: no value, no match
    expect(frames('tcp.payload[100:1] == 00')).toEqual([]);
  });
  it('len count lower upper string abs min max', () => {
    expect(frames('len(http.request.method) == 4')).toEqual([5]);
    expect(frames('len(tcp.payload) > 30')).toEqual([3]);
    expect(frames('count(http2.type) == 3')).toEqual([7]);
    expect(frames('count(tcp.port) == 2')).toEqual([1, 2, 3, 4, 5, 7, 8, 10]);
    expect(frames('lower(http.request.method) == "post"')).toEqual([5]);
    expect(frames('upper(http.request.uri) contains "INDEX"')).toEqual([3]);
    expect(frames('string(tcp.srcport) == "443"')).toEqual([7]);
    expect(frames('string(ip.dst) == "8.8.8.8"')).toEqual([6]);
    expect(frames('string(tcp.srcport) matches "^80"')).toEqual([2, 4, 10]);
    expect(frames('abs(test.delta) == 5')).toEqual([9]);
    expect(frames('max(tcp.srcport, tcp.dstport) == 80')).toEqual([]);
    expect(frames('min(tcp.srcport, tcp.dstport) == 80')).toEqual([1, 2, 3, 4, 5]);
  });
  it('arithmetic, braces and bitwise and', () => {
    expect(frames('tcp.srcport + 1 == 81')).toEqual([2, 4]);
    expect(frames('tcp.srcport - 1 == 79')).toEqual([2, 4]);
    expect(frames('tcp.len * 2 > 60')).toEqual([3]);
    expect(frames('tcp.port == {70 + 10}')).toEqual(frames('tcp.port == 80'));
    expect(frames('tcp.len == {1 + 1} * 0')).toEqual([1, 2, 8, 10]);
    expect(frames('tcp.flags & 0x02')).toEqual([1, 2]);
    expect(frames('tcp.flags bitwise_and 0x04')).toEqual([8, 10]);
    expect(frames('tcp.flags & 0x12 == 0x12')).toEqual([2]);
    expect(frames('-test.delta == 5')).toEqual([9]);
    expect(frames('tcp.srcport / 0 == 1')).toEqual([]);
    expect(frames('tcp.srcport % 7 == 80 % 7')).toEqual([2, 4]);
  });
});

describe('errors say what and where', () => {
  it('unknown field, with the nearest registered name', () => {
    const e = err('tcp.prot == 80');
    expect(e.message).toBe("unknown field 'tcp.prot' (did you mean 'tcp.port'?)");
    expect(e.column).toBe(1);
    expect(e.length).toBe(8);
    expect(e.suggestion).toBe('tcp.port');
    expect(err('ip and tcp.srcprt').message).toBe("unknown field 'tcp.srcprt' (did you mean 'tcp.srcport'?)");
    expect(err('ip and tcp.srcprt').column).toBe(8);
    expect(err('tcp.srcport == tcp.dstprt').suggestion).toBe('tcp.dstport');
    expect(err('zzz.qqq').message).toBe("unknown field 'zzz.qqq'");
  });
  it('type errors as tshark words them', () => {
    expect(err('ip.src contains 3').message).toBe(
      'ip.src (type=IPv4 address) cannot participate in contains comparison.',
    );
    expect(err('tcp.port == "x"').message).toMatch(/cannot be converted from a string \("x"\)/);
    expect(err('tcp.port == "x"').column).toBe(13);
    expect(err('ip.src == 1.2.3').message).toMatch(/"1.2.3" is not a valid IPv4 address/);
    expect(err('frame.len == 1.5').message).toBe('"1.5" is not a valid number.');
    expect(err('eth.src == 00:11:22').message).toBe(
      '"00:11:22" contains too few bytes to be a valid Ethernet address.',
    );
    expect(err('tcp.port[0:1] == 00').message).toMatch(/cannot be sliced/);
    expect(err('http2.type == NOPE').message).toBe(
      '"NOPE" cannot be found among the possible values for http2.type.',
    );
    expect(err('tcp.port == ip.src').message).toBe('tcp.port and ip.src are not of compatible types.');
    expect(err('http.request.uri matches "\\."').message).toBe(
      '\\. is not a valid character escape sequence',
    );
    expect(err('http.request.uri matches "("').message).toMatch(/not a valid regular expression/);
    expect(err('1 == 1').message).toBe('Left side of "==" expression must be a field or function, not 1.');
    expect(err('tcp == 3').message).toMatch(/only be tested for presence/);
    expect(err('len(tcp.port) == 2').message).toMatch(/len\(\) takes a string or a byte sequence/);
    expect(err('lenn(tcp.payload) == 2').message).toMatch(
      /function 'lenn' does not exist \(did you mean 'len'\?\)/,
    );
  });
  it('syntax errors with their column', () => {
    expect(err('tcp.port == 80 &&').message).toBe('Unexpected end of filter expression.');
    expect(err('tcp.port == 80 &&').column).toBe(18);
    expect(err('(tcp.port == 80').message).toMatch(/not closed/);
    expect(err('tcp.port = 80').message).toMatch(/use ==/);
    expect(err('tcp.port = 80').column).toBe(10);
    expect(err('tcp.port in {80 443}').column).toBe(17);
    expect(err('http.host == "abc').message).toMatch(/not closed/);
    expect(err('tcp.payload[0:2 == 1').message).toMatch(/slice is not closed/);
    expect(err('tcp.payload[x] == 1').message).toMatch(/not a valid slice range/);
    expect(err('tcp.port == 80)').message).toBe('This ")" closes no "(".');
    expect(err('tcp.port ? 80').message).toBe('"?" was unexpected in this context.');
    expect(err('ip.addr#2 == 10.0.0.1').message).toMatch(/Layer selection/);
    expect(err('ip.addr#2 == 10.0.0.1').column).toBe(8);
    expect(err('tcp and and udp').message).toBe('"and" was unexpected in this context.');
    expect(err('tcp and and udp').column).toBe(9);
    expect(err('tcp AND ip').column).toBe(5);
  });
  it('fields used are listed', () => {
    const r = compileFilter('tcp.port == 443 && tcp.flags.syn == 1 || len(http.host) > 3', TEST_INDEX);
    expect(r.ok && [...r.filter.fields].sort()).toEqual(['http.host', 'tcp.flags.syn', 'tcp.port']);
  });
});

describe('never throws, never hangs', () => {
  const VALID = [
    'tcp.port == 443 && tcp.flags.syn == 1',
    'ip.addr == 10.0.0.0/8 || ipv6.addr == 2001:db8::/32',
    'http.request.method in {"GET", "POST"} and !tcp.analysis.retransmission',
    'tcp.payload[0:4] == "POST" xor frame contains 0d:0a',
    'len(lower(http.host)) > 3 && string(tcp.srcport) matches "^8"',
    'tcp.port not in {80, 8000..8080} || {tcp.len + 1} * 2 > 10',
    "eth.src[1-3] == 11:22:33 && http2.type == HEADERS && tcp.srcport == 'a'",
  ];
  const ALPHABET =
    'abcdehiloprstuwx.:_-0123456789 =!<>~&|^(){}[],."\'\\/r*+%#@$tcp.port ip.addr http2.type == "';
  // Deterministic pseudo-random numbers, so a failure can be replayed.
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const check = (text: string) => {
    let r: ReturnType<typeof compileFilter> | undefined;
    expect(() => (r = compileFilter(text, TEST_INDEX)), text).not.toThrow();
    if (!r) return;
    if (!r.ok) {
      expect(r.error.message, text).not.toMatch(/internal error/);
      expect(r.error.column, text).toBeGreaterThanOrEqual(1);
      expect(r.error.column + r.error.length - 1, text).toBeLessThanOrEqual(text.length + 1);
    } else {
      const f = r.filter;
      expect(() => filterRows(ctx, f), text).not.toThrow();
    }
  };
  it('random strings', () => {
    for (let k = 0; k < 4000; k++) {
      let s = '';
      const n = rand(40);
      for (let i = 0; i < n; i++) s += ALPHABET[rand(ALPHABET.length)];
      check(s);
    }
  });
  it('mutations of valid filters (cut, insert, delete, swap)', () => {
    for (const v of VALID) expect(compileFilter(v, TEST_INDEX).ok, v).toBe(true);
    for (let k = 0; k < 6000; k++) {
      let s = VALID[rand(VALID.length)];
      const edits = 1 + rand(3);
      for (let e = 0; e < edits; e++) {
        const at = rand(s.length + 1);
        switch (rand(4)) {
          case 0:
            s = s.slice(0, at);
            break;
          case 1:
            s = s.slice(0, at) + ALPHABET[rand(ALPHABET.length)] + s.slice(at);
            break;
          case 2:
            s = s.slice(0, at) + s.slice(at + 1 + rand(4));
            break;
          default: {
            const b = rand(s.length + 1);
            s =
              s.slice(0, Math.min(at, b)) +
              s.slice(Math.max(at, b)) +
              s.slice(Math.min(at, b), Math.max(at, b));
          }
        }
      }
      check(s);
    }
  });
  it('deep nesting and long input end with an error, not a stack overflow', () => {
    const deep = '('.repeat(100000) + 'tcp' + ')'.repeat(100000);
    const r = compileFilter(deep, TEST_INDEX);
    expect(r.ok).toBe(false);
    expect(compileFilter('!'.repeat(50000) + 'tcp', TEST_INDEX).ok).toBe(false);
    expect(compileFilter('-'.repeat(50000) + '1', TEST_INDEX).ok).toBe(false);
    expect(compileFilter('tcp.port in {' + '1,'.repeat(20000) + '2}', TEST_INDEX).ok).toBe(true);
    expect(compileFilter('x'.repeat(100000), TEST_INDEX).ok).toBe(false);
    // Long flat chains (generated filters: thousands of addresses) compile and run without recursion.
    const many = Array.from({ length: 5000 }, (_, i) => `tcp.port == ${i + 1}`).join(' || ');
    const chain = compileFilter(many, TEST_INDEX);
    expect(chain.ok).toBe(true);
    if (chain.ok)
      expect([...filterRows(ctx, chain.filter)].map((x) => x + 1)).toEqual(frames('tcp.port <= 5000'));
    expect(compileFilter(Array(8000).fill('tcp').join(' && '), TEST_INDEX).ok).toBe(true);
    expect(frames('udp ^^ udp ^^ udp')).toEqual([6]);
    const longSum = compileFilter('tcp.len' + ' + 1'.repeat(5000) + ' > 0', TEST_INDEX);
    expect(longSum.ok ? '' : longSum.error.message).toMatch(/chain longer than/);
    const longSlice = compileFilter('tcp.payload' + '[0:]'.repeat(5000) + ' == 47', TEST_INDEX);
    expect(longSlice.ok ? '' : longSlice.error.message).toMatch(/chain longer than/);
  });
});

describe('PCRE to JS RegExp', () => {
  const re = (p: string) => {
    const r = pcreToRegExp(p);
    if (!r.ok) throw new Error(r.message);
    return r.re;
  };
  it('case-insensitive by default, inline flags at the start', () => {
    expect(re('get').test('GET')).toBe(true);
    expect(re('(?-i)get').test('GET')).toBe(false);
    expect(re('(?s)a.b').test('a\nb')).toBe(true);
    expect(re('a.b').test('a\nb')).toBe(false);
  });
  it('\\A \\z, named groups, \\Q..\\E', () => {
    expect(re('\\Aab\\z').test('ab')).toBe(true);
    expect(re('\\Aab\\z').test('xab')).toBe(false);
    expect(re('(?P<w>a+)-(?P=w)').test('aa-aa')).toBe(true);
    expect(re('\\Q1.5+\\E').test('1.5+')).toBe(true);
    expect(re('\\Q1.5+\\E').test('1x55')).toBe(false);
  });
  it('an invalid pattern is an error, not a throw', () => {
    expect(pcreToRegExp('(').ok).toBe(false);
    expect(pcreToRegExp('(?x)a b').ok).toBe(false);
  });
});

describe('FieldIndex', () => {
  it('completes by prefix in name order; lists protocols for an empty prefix', () => {
    expect(TEST_INDEX.complete('tcp.fl').map((f) => f.name)).toEqual(['tcp.flags', 'tcp.flags.syn']);
    expect(TEST_INDEX.complete('').map((f) => f.name)).toContain('http2');
    expect(TEST_INDEX.complete('nothing')).toEqual([]);
    expect(TEST_INDEX.get('ip.addr')?.type).toBe('ipv4');
  });
  it('suggests the nearest name for typos only', () => {
    expect(TEST_INDEX.suggest('tcp.prot')).toBe('tcp.port');
    expect(TEST_INDEX.suggest('htp2.type')).toBe('http2.type');
    expect(TEST_INDEX.suggest('completely.different')).toBeUndefined();
  });
});
