/**
 * Display-filter fields of TLS (tls.*), with Wireshark's names: the records as they cross the wire
 * and the handshake messages sent in the clear. As tshark reassembles records over segments, a
 * record belongs to the packet that carried its last byte, and a packet that ends several records
 * has one occurrence per record.
 *
 * The records are read back from the packet bytes, once, on first use: each TLS connection's
 * payload per direction, in sequence order, up to the first byte the capture missed (what follows a
 * hole is not read: record boundaries are lost there). Without the bytes, only the hellos the
 * analysis located are known (tls.handshake.type 1 and 2, SNI, ALPN). Handshake messages sent
 * encrypted (TLS 1.3 after the ServerHello, TLS 1.2 Finished) are not listed, as tshark without
 * the key log lists none.
 */
import { def, headersOf } from '../capture/fields';
import type { FieldContext, FieldLayer, FieldValue } from '../filter/types';
import { TCP_SYN } from '../packets';
import { parseClientHello, parseServerHello } from './hello';

const CT_CCS = 20;
const CT_HANDSHAKE = 22;
const MAX_RECORD = 16384 + 2048;
const MAX_HANDSHAKE_MESSAGE = 256 * 1024;

export const TLS_CONTENT_TYPE_NAMES: Record<number, string> = {
  20: 'Change Cipher Spec',
  21: 'Alert',
  22: 'Handshake',
  23: 'Application Data',
  24: 'Heartbeat',
};

export const TLS_HANDSHAKE_TYPE_NAMES: Record<number, string> = {
  0: 'Hello Request',
  1: 'Client Hello',
  2: 'Server Hello',
  4: 'New Session Ticket',
  5: 'End of Early Data',
  8: 'Encrypted Extensions',
  11: 'Certificate',
  12: 'Server Key Exchange',
  13: 'Certificate Request',
  14: 'Server Hello Done',
  15: 'Certificate Verify',
  16: 'Client Key Exchange',
  20: 'Finished',
};

export const TLS_VERSION_VALUE_NAMES: Record<number, string> = {
  0x0300: 'SSL 3.0',
  0x0301: 'TLS 1.0',
  0x0302: 'TLS 1.1',
  0x0303: 'TLS 1.2',
  0x0304: 'TLS 1.3',
};

/** A handshake message sent in the clear. */
export interface TlsHandshake {
  type: number;
  sni: string | null;
  alpn: string[];
}

/** One record, on the packet that completed it. */
export interface TlsRecord {
  /** The record header's type; for TLS 1.3 protected records (23) tshark calls it opaque_type. */
  contentType: number;
  opaque: boolean;
  /** TLS 1.3 was negotiated by the time this record ended (tshark then shows "TLSv1.3"). */
  tls13: boolean;
  /** Sent after ChangeCipherSpec (or protected by TLS 1.3): its handshake content is encrypted. */
  encrypted: boolean;
  version: number;
  length: number;
  handshakes: TlsHandshake[];
}

interface DirReader {
  next: number;
  started: boolean;
  dead: boolean;
  pending: Uint8Array;
  handshake: Uint8Array;
  /** After ChangeCipherSpec (or a TLS 1.3 ServerHello, for the server) handshake records are encrypted. */
  encrypted: boolean;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const r = new Uint8Array(a.length + b.length);
  r.set(a);
  r.set(b, a.length);
  return r;
}

/** Packet row -> TLS records completed in it; built once per trace from the packet bytes. */
export function tlsRecordsByRow(ctx: FieldContext): Map<number, TlsRecord[]> {
  const key = 'tls.byRow';
  let m = ctx.cache.get(key) as Map<number, TlsRecord[]> | undefined;
  if (m) return m;
  const map = new Map<number, TlsRecord[]>();
  const starts = new Set<number>();
  m = map;
  ctx.cache.set(key, m);
  ctx.cache.set(STARTS_KEY, starts);
  const conns = ctx.trace.connections;
  const readers = new Map<number, [DirReader, DirReader, Tls13]>();
  conns.forEach((c, i) => {
    if (c.tls) readers.set(i, [newReader(), newReader(), { yes: false }]);
  });
  if (readers.size === 0) return m;
  const p = ctx.packets;
  for (let row = 0; row < p.length; row++) {
    const c = p.conn[row];
    if (c < 0) continue;
    const pair = readers.get(c);
    if (!pair) continue;
    const d = p.dir[row] === 1 ? pair[1] : pair[0];
    if (d.dead) continue;
    const seq = p.seq[row];
    if (p.tcpFlags[row] & TCP_SYN) {
      d.next = (seq + 1) >>> 0;
      d.started = true;
      continue;
    }
    const len = p.payloadLen[row];
    if (len === 0) continue;
    if (!d.started) {
      d.next = seq;
      d.started = true;
    }
    const ahead = (seq - d.next) | 0;
    if (ahead > 0) {
      d.dead = true; // bytes missing: record boundaries are lost from here
      continue;
    }
    if (ahead + len <= 0) continue; // a retransmission of bytes already read
    const h = headersOf(ctx, row);
    if (!h || h.tcp < 0) {
      if (ctx.bytes(row) === null) return m; // no bytes at all: nothing to read
      d.dead = true;
      continue;
    }
    const start = h.tcp + (h.bytes[h.tcp + 12] >> 4) * 4 - ahead;
    const end = h.tcp + (h.bytes[h.tcp + 12] >> 4) * 4 + len;
    if (end > h.bytes.length) {
      d.dead = true; // cut by the snaplen
      continue;
    }
    d.next = (d.next + (end - start)) >>> 0;
    const isServer = p.dir[row] === 1;
    const begins = readRecords(d, pair[2], h.bytes.subarray(start, end), isServer, (r) => {
      const list = map.get(row);
      if (list) list.push(r);
      else map.set(row, [r]);
    });
    if (begins) starts.add(row);
  }
  return m;
}

function newReader(): DirReader {
  return {
    next: 0,
    started: false,
    dead: false,
    pending: new Uint8Array(0),
    handshake: new Uint8Array(0),
    encrypted: false,
  };
}

/** Whether the connection's ServerHello chose TLS 1.3 (its application-data records are opaque). */
interface Tls13 {
  yes: boolean;
}

function readRecords(
  d: DirReader,
  tls13: Tls13,
  bytes: Uint8Array,
  isServer: boolean,
  emit: (r: TlsRecord) => void,
): boolean {
  const held = d.pending.length;
  const buf = concat(d.pending, bytes);
  let o = 0;
  let begins = false;
  while (buf.length - o >= 5) {
    const type = buf[o];
    const version = (buf[o + 1] << 8) | buf[o + 2];
    const length = (buf[o + 3] << 8) | buf[o + 4];
    if (type < 20 || type > 24 || buf[o + 1] !== 3 || length > MAX_RECORD) {
      d.dead = true; // not TLS records (any more)
      d.pending = new Uint8Array(0);
      return begins;
    }
    if (o >= held) begins = true;
    if (buf.length - o < 5 + length) break;
    const body = buf.subarray(o + 5, o + 5 + length);
    const rec: TlsRecord = {
      contentType: type,
      opaque: tls13.yes && type === 23,
      tls13: tls13.yes,
      encrypted: d.encrypted && type !== CT_CCS,
      version,
      length,
      handshakes: [],
    };
    if (type === CT_CCS) d.encrypted = true;
    else if (type === CT_HANDSHAKE && !d.encrypted) {
      d.handshake = concat(d.handshake, body);
      let h = 0;
      while (d.handshake.length - h >= 4) {
        const mlen = (d.handshake[h + 1] << 16) | (d.handshake[h + 2] << 8) | d.handshake[h + 3];
        if (mlen > MAX_HANDSHAKE_MESSAGE) {
          d.encrypted = true; // not a message boundary: stop reading handshake types
          break;
        }
        if (d.handshake.length - h < 4 + mlen) break;
        const msg = d.handshake.subarray(h, h + 4 + mlen);
        const hs: TlsHandshake = { type: msg[0], sni: null, alpn: [] };
        if (msg[0] === 1) {
          const ch = parseClientHello(msg);
          if (ch) {
            hs.sni = ch.sni;
            hs.alpn = ch.alpn;
          }
        } else if (msg[0] === 2) {
          const sh = parseServerHello(msg);
          if (sh) {
            if (sh.alpn) hs.alpn = [sh.alpn];
            // TLS 1.3: everything after the ServerHello is encrypted.
            if (sh.version === 0x0304 && isServer) {
              d.encrypted = true;
              tls13.yes = true;
            }
          }
        }
        rec.handshakes.push(hs);
        if (tls13.yes) rec.tls13 = true;
        h += 4 + mlen;
        if (d.encrypted) break;
      }
      d.handshake = d.encrypted ? new Uint8Array(0) : d.handshake.slice(h);
    }
    emit(rec);
    o += 5 + length;
  }
  if (o >= held && o < buf.length) begins = true; // a record header cut short starts here
  d.pending = buf.slice(o);
  return begins;
}

const STARTS_KEY = 'tls.startRows';

/** Rows where a TLS record begins (its header is in the packet's payload). */
export function tlsRecordStarts(ctx: FieldContext): Set<number> {
  tlsRecordsByRow(ctx);
  return (ctx.cache.get(STARTS_KEY) as Set<number> | undefined) ?? new Set();
}

type Pick = (r: TlsRecord, out: FieldValue[]) => void;

function tls(pick: Pick) {
  return (ctx: FieldContext, row: number, out: FieldValue[]): void => {
    const list = tlsRecordsByRow(ctx).get(row);
    if (list) for (const r of list) pick(r, out);
  };
}

export const TLS_LAYER: FieldLayer = {
  protocol: 'tls',
  fields: [
    // tshark shows the TLS layer where a record ends and also where one begins (an empty layer
    // on the first segment of a record that continues in later ones), not in between.
    def('tls', 'none', 'Transport Layer Security', (c, row, out) => {
      const conn = c.packets.conn[row];
      if (conn < 0 || !c.trace.connections[conn].tls) return;
      if (tlsRecordsByRow(c).has(row) || tlsRecordStarts(c).has(row)) out.push(true);
    }),
    def(
      'tls.record.content_type',
      'uint',
      'Content Type',
      tls((r, out) => {
        if (!r.opaque) out.push(r.contentType);
      }),
      TLS_CONTENT_TYPE_NAMES,
    ),
    def(
      'tls.record.opaque_type',
      'uint',
      'Opaque Type',
      tls((r, out) => {
        if (r.opaque) out.push(r.contentType);
      }),
      TLS_CONTENT_TYPE_NAMES,
    ),
    def(
      'tls.record.version',
      'uint',
      'Version',
      tls((r, out) => void out.push(r.version)),
      TLS_VERSION_VALUE_NAMES,
    ),
    def(
      'tls.record.length',
      'uint',
      'Length',
      tls((r, out) => void out.push(r.length)),
    ),
    def(
      'tls.handshake.type',
      'uint',
      'Handshake Type',
      tls((r, out) => {
        for (const h of r.handshakes) out.push(h.type);
      }),
      TLS_HANDSHAKE_TYPE_NAMES,
    ),
    def(
      'tls.handshake.extensions_server_name',
      'string',
      'Server Name',
      tls((r, out) => {
        for (const h of r.handshakes) if (h.sni !== null) out.push(h.sni);
      }),
    ),
    def(
      'tls.handshake.extensions_alpn_str',
      'string',
      'ALPN Next Protocol',
      tls((r, out) => {
        for (const h of r.handshakes) for (const a of h.alpn) out.push(a);
      }),
    ),
  ],
};
