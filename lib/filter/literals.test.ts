import { describe, expect, it } from 'vitest';
import {
  ipv6Bytes,
  parseBool,
  parseBytes,
  parseEther,
  parseFloatLiteral,
  parseInteger,
  parseIpv4,
  parseIpv6,
  prefixEqual,
  unescapeString,
  utf8Length,
} from './literals';
import { ipv6Text } from '../capture/link';

const value = <T>(r: { ok: true; value: T } | { ok: false; message: string }): T => {
  if (!r.ok) throw new Error(r.message);
  return r.value;
};

describe('literals', () => {
  it('integers in four bases, with a sign; junk and overflow refused', () => {
    expect(value(parseInteger('443'))).toBe(443);
    expect(value(parseInteger('0x1bb'))).toBe(443);
    expect(value(parseInteger('0673'))).toBe(443);
    expect(value(parseInteger('0b110111011'))).toBe(443);
    expect(value(parseInteger('-5'))).toBe(-5);
    expect(value(parseInteger('0'))).toBe(0);
    expect(parseInteger('08').ok).toBe(false); // not octal, as in C
    expect(parseInteger('1.5').ok).toBe(false);
    expect(parseInteger('99999999999999999999').ok).toBe(false);
    expect(parseInteger('').ok).toBe(false);
  });
  it('floats and booleans', () => {
    expect(value(parseFloatLiteral('0.25'))).toBe(0.25);
    expect(value(parseFloatLiteral('1e-3'))).toBe(0.001);
    expect(value(parseFloatLiteral('.5'))).toBe(0.5);
    expect(parseFloatLiteral('1.2.3').ok).toBe(false);
    expect(value(parseBool('True'))).toBe(1);
    expect(value(parseBool('false'))).toBe(0);
    expect(value(parseBool('7'))).toBe(1);
    expect(parseBool('yes').ok).toBe(false);
  });
  it('byte strings: separators, a lone byte, 0x byte, Cisco dotted groups', () => {
    expect([...value(parseBytes('aa:bb:cc'))]).toEqual([0xaa, 0xbb, 0xcc]);
    expect([...value(parseBytes('aa-bb'))]).toEqual([0xaa, 0xbb]);
    expect([...value(parseBytes('a.b.c'))]).toEqual([10, 11, 12]);
    expect([...value(parseBytes('7'))]).toEqual([7]);
    expect([...value(parseBytes('0x47'))]).toEqual([0x47]);
    expect([...value(parseBytes('0011.2233'))]).toEqual([0, 0x11, 0x22, 0x33]);
    expect(parseBytes('aa:bb-cc').ok).toBe(false);
    expect(parseBytes('abc').ok).toBe(false);
    expect(parseBytes('gg').ok).toBe(false);
  });
  it('MAC addresses are six bytes', () => {
    expect([...value(parseEther('00:11:22:33:44:55'))]).toEqual([0, 0x11, 0x22, 0x33, 0x44, 0x55]);
    expect(parseEther('00:11:22').ok).toBe(false);
    expect(parseEther('00:11:22:33:44:55:66').ok).toBe(false);
  });
  it('IPv4 with prefixes; the network is masked', () => {
    expect(value(parseIpv4('10.1.2.3'))).toEqual({ kind: 'ipv4', net: 0x0a010203, mask: 0xffffffff });
    expect(value(parseIpv4('10.1.2.3/8'))).toEqual({ kind: 'ipv4', net: 0x0a000000, mask: 0xff000000 });
    expect(value(parseIpv4('0.0.0.0/0'))).toEqual({ kind: 'ipv4', net: 0, mask: 0 });
    expect(value(parseIpv4('255.255.255.255')).net).toBe(0xffffffff);
    expect(parseIpv4('1.2.3').ok).toBe(false);
    expect(parseIpv4('1.2.3.256').ok).toBe(false);
    expect(parseIpv4('10.0.0.0/33').ok).toBe(false);
    expect(parseIpv4('example.com').ok).toBe(false);
  });
  it('IPv6 text forms, prefixes, RFC 5952 output', () => {
    expect(ipv6Text(ipv6Bytes('2001:db8:0:0:0:0:0:1')!, 0)).toBe('2001:db8::1');
    expect(ipv6Text(ipv6Bytes('::')!, 0)).toBe('::');
    expect(ipv6Text(ipv6Bytes('::1')!, 0)).toBe('::1');
    expect(ipv6Text(ipv6Bytes('fe80::')!, 0)).toBe('fe80::');
    expect([...ipv6Bytes('::ffff:1.2.3.4')!.subarray(10)]).toEqual([0xff, 0xff, 1, 2, 3, 4]);
    expect(ipv6Bytes('1::2::3')).toBeNull();
    expect(ipv6Bytes('1:2:3:4:5:6:7')).toBeNull();
    expect(ipv6Bytes('12345::')).toBeNull();
    const net = value(parseIpv6('2001:db8::/32'));
    expect(net.bits).toBe(32);
    expect(prefixEqual(ipv6Bytes('2001:db8:ffff::1')!, net.bytes, net.bits)).toBe(true);
    expect(prefixEqual(ipv6Bytes('2001:db9::1')!, net.bytes, net.bits)).toBe(false);
    expect(prefixEqual(ipv6Bytes('fe80::1')!, ipv6Bytes('febf::')!, 10)).toBe(true);
    expect(parseIpv6('::1/129').ok).toBe(false);
  });
  it('string escapes as Wireshark reads them', () => {
    expect(unescapeString('a\\tb\\x41\\101\\u00e9\\"\\\\')).toEqual({ value: 'a\tbAAé"\\' });
    expect(unescapeString('\\.')).toEqual({
      message: '\\. is not a valid character escape sequence',
      offset: 0,
      length: 2,
    });
    expect(unescapeString('ab\\')).toMatchObject({ offset: 2 });
    expect(utf8Length('aé€😀')).toBe(1 + 2 + 3 + 4);
  });
});
