import { describe, expect, it } from 'vitest';
import { decodePayload, errorCodeName, frameFlagNames, frameTypeName, parseFrameHeader } from './frames';
import { frameBytes, settingsPayload, u32 } from './test-helpers';

describe('frames', () => {
  it('parses the 9-byte header, ignoring the reserved bit', () => {
    const b = frameBytes(0x1, 0x25, 0x7fffffff, [1, 2, 3]);
    b[5] |= 0x80;
    expect(parseFrameHeader(b, 0)).toEqual({ length: 3, typeId: 1, flags: 0x25, streamId: 0x7fffffff });
  });
  it('names types and flags as tshark does', () => {
    expect(frameTypeName(0)).toBe('DATA');
    expect(frameTypeName(9)).toBe('CONTINUATION');
    expect(frameTypeName(0xa)).toBe('ALTSVC');
    expect(frameTypeName(0x10)).toBe('PRIORITY_UPDATE');
    expect(frameTypeName(0xfe)).toBe('UNKNOWN(0xfe)');
    expect(frameFlagNames(1, 0x2d)).toEqual(['END_STREAM', 'END_HEADERS', 'PADDED', 'PRIORITY']);
    expect(frameFlagNames(0, 0x09)).toEqual(['END_STREAM', 'PADDED']);
    expect(frameFlagNames(4, 1)).toEqual(['ACK']);
    expect(frameFlagNames(6, 1)).toEqual(['ACK']);
    expect(frameFlagNames(9, 4)).toEqual(['END_HEADERS']);
    expect(frameFlagNames(8, 0xff)).toEqual([]);
  });
  it('names error codes, unknown ones as hex', () => {
    expect(errorCodeName(8)).toBe('CANCEL');
    expect(errorCodeName(0xd)).toBe('HTTP_1_1_REQUIRED');
    expect(errorCodeName(0x1234)).toBe('0x1234');
  });
  it('decodes payload facts', () => {
    const s = decodePayload(
      4,
      0,
      Uint8Array.from(
        settingsPayload([
          [4, 1048576],
          [3, 100],
          [0x99, 1],
        ]),
      ),
    );
    expect(s.info.settings).toEqual([
      { id: 4, name: 'INITIAL_WINDOW_SIZE', value: 1048576 },
      { id: 3, name: 'MAX_CONCURRENT_STREAMS', value: 100 },
      { id: 0x99, name: 'UNKNOWN(0x99)', value: 1 },
    ]);
    expect(decodePayload(8, 0, Uint8Array.from(u32(0x80000010))).info).toEqual({ increment: 16 });
    expect(decodePayload(3, 0, Uint8Array.from(u32(2))).info).toEqual({
      errorCode: 2,
      errorName: 'INTERNAL_ERROR',
    });
    expect(decodePayload(7, 0, Uint8Array.from([...u32(5), ...u32(11), 0x68, 0x69])).info).toEqual({
      lastStreamId: 5,
      errorCode: 11,
      errorName: 'ENHANCE_YOUR_CALM',
      debugData: 'hi',
    });
    expect(decodePayload(6, 0, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 0xff])).info.pingPayload).toBe(
      '01020304050607ff',
    );
    expect(decodePayload(2, 0, Uint8Array.from([0x80, 0, 0, 3, 15])).info.priority).toEqual({
      dependsOn: 3,
      weight: 16,
      exclusive: true,
    });
  });
  it('strips padding and priority from header fragments', () => {
    const p = Uint8Array.from([2, ...u32(1), 255, 0x82, 0x84, 0, 0]);
    const d = decodePayload(1, 0x28, p);
    expect(d.info.padLength).toBe(2);
    expect(d.info.priority).toEqual({ dependsOn: 1, weight: 256, exclusive: false });
    expect(Array.from(d.fragment ?? [])).toEqual([0x82, 0x84]);
    const data = decodePayload(0, 0x8, Uint8Array.from([3, 9, 9, 0, 0, 0]));
    expect(data.info).toEqual({ padLength: 3, dataLength: 2 });
    expect(decodePayload(0, 0x8, Uint8Array.from([9, 1])).info.error).toMatch(/padding/);
    const pp = decodePayload(5, 0x4, Uint8Array.from([...u32(2), 0x82]));
    expect(pp.info.promisedStreamId).toBe(2);
    expect(Array.from(pp.fragment ?? [])).toEqual([0x82]);
  });
  it('flags wrong fixed lengths', () => {
    expect(decodePayload(6, 0, Uint8Array.from([1, 2])).info.error).toMatch(/PING length 2/);
    expect(decodePayload(8, 0, Uint8Array.from([1])).info.error).toMatch(/WINDOW_UPDATE length/);
    expect(decodePayload(4, 0, Uint8Array.from([1])).info.error).toMatch(/multiple of 6/);
  });
});
