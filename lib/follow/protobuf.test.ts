import { describe, expect, it } from 'vitest';
import { decodeProtobuf, formatProtobuf } from './protobuf';
import { grpcMessages } from './grpc';
import { gzipSync } from 'fflate';

/** Hand-encoded messages (protobuf wire format, https://protobuf.dev/programming-guides/encoding/). */
const hex = (s: string) =>
  Uint8Array.from(
    s
      .replace(/\s+/g, '')
      .match(/../g)!
      .map((h) => parseInt(h, 16)),
  );

describe('protobuf without a schema', () => {
  it('reads the encoding guide examples: varint 150, string "testing", nested message', () => {
    expect(formatProtobuf(decodeProtobuf(hex('08 96 01'))!)).toBe('1 (varint): 150  (sint 75)');
    expect(formatProtobuf(decodeProtobuf(hex('12 07 74 65 73 74 69 6e 67'))!)).toBe('2 (len): "testing"');
    // message { 3: { 1: 150 } }
    expect(formatProtobuf(decodeProtobuf(hex('1a 03 08 96 01'))!)).toBe(
      '3 (len) {\n  1 (varint): 150  (sint 75)\n}',
    );
  });

  it('fixed32 / fixed64 with their float readings, negative int64 varints', () => {
    // field 1 fixed32 = 1.5f (0x3fc00000), field 2 fixed64 = 2.5 (0x4004000000000000)
    const f = decodeProtobuf(hex('0d 00 00 c0 3f 11 00 00 00 00 00 00 04 40'))!;
    expect(f.map((x) => [x.field, x.as, x.alt])).toEqual([
      [1, 'fixed32', 'float 1.5'],
      [2, 'fixed64', 'float 2.5'],
    ]);
    // field 1 varint -1 as int64: ten bytes
    const neg = decodeProtobuf(hex('08 ff ff ff ff ff ff ff ff ff 01'))!;
    expect(neg[0].value).toBe('18446744073709551615');
    expect(neg[0].alt).toMatch(/int64 -1/);
  });

  it('packed varints only where nothing else fits; bytes otherwise', () => {
    // field 4, len 6: 03 8e 02 9e a7 05 = [3, 270, 86942] (the guide's packed example)
    const p = decodeProtobuf(hex('22 06 03 8e 02 9e a7 05'))!;
    expect(p[0].as).toBe('packed');
    expect(p[0].packed).toEqual(['3', '270', '86942']);
    const b = decodeProtobuf(hex('22 02 ff ff'))!;
    expect(b[0].as).toBe('bytes');
  });

  it('refuses what is not a message: group wire types, field 0, overruns', () => {
    expect(decodeProtobuf(hex('0b'))).toBeNull(); // wire type 3 (group start)
    expect(decodeProtobuf(hex('00 01'))).toBeNull(); // field 0
    expect(decodeProtobuf(hex('12 05 61'))).toBeNull(); // length past the end
    expect(decodeProtobuf(hex('08'))).toBeNull(); // varint missing
    expect(decodeProtobuf(new Uint8Array(0))).toEqual([]);
  });
});

describe('gRPC length-prefixed messages', () => {
  const msg = hex('0a 05 68 65 6c 6c 6f 10 2a'); // { 1: "hello", 2: 42 }
  const frame = (flag: number, b: Uint8Array) => {
    const out = new Uint8Array(5 + b.length);
    out[0] = flag;
    new DataView(out.buffer).setUint32(1, b.length);
    out.set(b, 5);
    return out;
  };

  it('splits, decodes, inflates grpc-encoding gzip', () => {
    const z = gzipSync(msg);
    const data = new Uint8Array([...frame(0, msg), ...frame(1, z)]);
    const m = grpcMessages(data, 'gzip');
    expect(m.map((x) => [x.index, x.offset, x.compressed, x.length])).toEqual([
      [0, 0, false, msg.length],
      [1, 5 + msg.length, true, z.length],
    ]);
    expect(m[0].text).toBe('1 (len): "hello"\n2 (varint): 42  (sint 21)');
    expect(m[1].text).toBe(m[0].text);
    expect(m[1].note).toBeUndefined();
  });

  it('says when a message is cut, or compressed without an encoding', () => {
    const data = frame(0, msg).subarray(0, 8);
    expect(grpcMessages(data, null, false)[0].note).toBe('truncated: 9-byte message, 3 bytes captured');
    expect(grpcMessages(frame(1, msg), null)[0].note).toMatch(/grpc-encoding is identity/);
  });
});
