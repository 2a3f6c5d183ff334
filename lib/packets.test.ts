import { afterEach, describe, expect, it } from 'vitest';
import { DIR_C2S, PacketTable } from './packets';

type Transferable = ArrayBuffer & { transfer?: (n: number) => ArrayBuffer };
const proto = ArrayBuffer.prototype as Transferable;
const native = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'transfer');

function fill(p: PacketTable, n: number): void {
  for (let k = 0; k < n; k++) {
    const i = p.add(k / 1000, 24 + k * 80, 60 + (k % 7), 60 + (k % 7), k % 3, 1);
    p.conn[i] = k % 11;
    p.dir[i] = DIR_C2S;
    p.payloadLen[i] = k;
  }
}

function check(p: PacketTable, n: number): void {
  expect(p.length).toBe(n);
  for (let k = 0; k < n; k += 97) {
    expect(p.time[k]).toBe(k / 1000);
    expect(p.fileOffset[k]).toBe(24 + k * 80);
    expect(p.caplen[k]).toBe(60 + (k % 7));
    expect(p.iface[k]).toBe(k % 3);
    expect(p.conn[k]).toBe(k % 11);
    expect(p.payloadLen[k]).toBe(k);
  }
}

describe('PacketTable growth', () => {
  afterEach(() => {
    if (native) Object.defineProperty(ArrayBuffer.prototype, 'transfer', native);
    else delete proto.transfer;
  });

  it('keeps every value across doublings (copying)', () => {
    delete proto.transfer;
    const p = new PacketTable();
    fill(p, 5000);
    check(p, 5000);
  });

  it('hands the old memory over where ArrayBuffer.prototype.transfer exists', () => {
    // Node 20 has no transfer(): an equivalent that detaches the old buffer, as engines do.
    Object.defineProperty(ArrayBuffer.prototype, 'transfer', {
      configurable: true,
      value(this: ArrayBuffer, n: number): ArrayBuffer {
        const out = new ArrayBuffer(n);
        new Uint8Array(out).set(new Uint8Array(this, 0, Math.min(n, this.byteLength)));
        structuredClone(this, { transfer: [this] });
        return out;
      },
    });
    const p = new PacketTable();
    const first = p.time;
    fill(p, 5000);
    check(p, 5000);
    expect(first.byteLength).toBe(0); // detached: its memory went to the grown column
  });

  it('columnViews share the table memory, toColumns copies; both round-trip through fromColumns', () => {
    const p = new PacketTable();
    fill(p, 3000);
    const views = p.columnViews();
    const copies = p.toColumns();
    expect(views.time.length).toBe(3000);
    expect(copies.conn.length).toBe(3000);
    p.payloadLen[5] = 999;
    expect(views.payloadLen[5]).toBe(999);
    expect(copies.payloadLen[5]).toBe(5);
    check(PacketTable.fromColumns(p.toColumns()), 3000);
  });
});

describe('packet column buffers', () => {
  it('round-trip the TCP header columns, and read a version 1 buffer with them as zeros', async () => {
    const { encodeColumns, decodeColumns } = await import('./packets');
    const p = new PacketTable();
    fill(p, 10);
    p.seq[3] = 0xfffffff0;
    p.ack[3] = 7;
    p.window[3] = 65535;
    p.ipId[3] = 0x1234;
    p.tcpOffset[3] = 0x80;
    const back = decodeColumns(encodeColumns(p.toColumns()));
    expect([back.seq[3], back.ack[3], back.window[3], back.ipId[3], back.tcpOffset[3]]).toEqual([
      0xfffffff0, 7, 65535, 0x1234, 0x80,
    ]);
    check(PacketTable.fromColumns(back), 10);
    // A version 1 buffer: the header, then only the first 13 columns.
    const v2 = encodeColumns(p.toColumns());
    const v1Size =
      16 + [8, 8, 4, 4, 4, 1, 1, 2, 4, 1, 1, 2, 2].reduce((n, b) => n + Math.ceil((b * 10) / 8) * 8, 0);
    const v1 = v2.slice(0, v1Size);
    new DataView(v1.buffer).setUint32(4, 1, true);
    const old = decodeColumns(v1);
    expect(old.payloadLen[9]).toBe(9);
    expect(old.seq[3]).toBe(0);
    expect(old.tcpOffset.length).toBe(10);
  });
});
