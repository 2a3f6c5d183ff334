/**
 * Just enough TLS to label a connection without keys: the record header (to detect TLS on any
 * port), and the ClientHello / ServerHello facts an engineer asks first — SNI, ALPN offered and
 * chosen, version, cipher suite, and whether the session was resumed.
 *
 * Parsing is defensive: every length is checked against what is present, and a hello split over
 * several records or segments is read from the bytes the caller accumulated (see HelloCollector).
 */

export const TLS_CONTENT_HANDSHAKE = 22;

/** True when `b` starts like a TLS record: content type 20..24, version 3.0..3.4, sane length. */
export function looksLikeTlsRecord(b: Uint8Array): boolean {
  if (b.length < 5) return false;
  const type = b[0];
  if (type < 20 || type > 24) return false;
  if (b[1] !== 3 || b[2] > 4) return false;
  const len = (b[3] << 8) | b[4];
  return len > 0 && len <= 16384 + 2048;
}

export interface ClientHelloFacts {
  sni: string | null;
  alpn: string[];
  legacyVersion: number;
  supportedVersions: number[];
  sessionId: Uint8Array;
  pskOffered: boolean;
}

export interface ServerHelloFacts {
  version: number; // negotiated (supported_versions when present)
  cipherSuite: number;
  alpn: string | null;
  sessionId: Uint8Array;
  /** RFC 7366 encrypt_then_mac negotiated (changes CBC record protection). */
  encryptThenMac: boolean;
}

const TLS_VERSION_NAMES: Record<number, string> = {
  0x0300: 'SSL 3.0',
  0x0301: 'TLS 1.0',
  0x0302: 'TLS 1.1',
  0x0303: 'TLS 1.2',
  0x0304: 'TLS 1.3',
};

export function tlsVersionName(v: number): string {
  return TLS_VERSION_NAMES[v] ?? `0x${v.toString(16).padStart(4, '0')}`;
}

const CIPHER_NAMES: Record<number, string> = {
  0x1301: 'TLS_AES_128_GCM_SHA256',
  0x1302: 'TLS_AES_256_GCM_SHA384',
  0x1303: 'TLS_CHACHA20_POLY1305_SHA256',
  0xc02b: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  0xc02c: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  0xc02f: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  0xc030: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  0xcca8: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  0xcca9: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  0x009c: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
  0x009d: 'TLS_RSA_WITH_AES_256_GCM_SHA384',
  0x002f: 'TLS_RSA_WITH_AES_128_CBC_SHA',
  0x0035: 'TLS_RSA_WITH_AES_256_CBC_SHA',
  0xc013: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  0xc014: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  0x009e: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
  0x009f: 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384',
  0xccaa: 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  0xc009: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  0xc00a: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  0x003c: 'TLS_RSA_WITH_AES_128_CBC_SHA256',
  0x003d: 'TLS_RSA_WITH_AES_256_CBC_SHA256',
  0xc023: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
  0xc024: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384',
  0xc027: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
  0xc028: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384',
};

export function cipherSuiteName(id: number): string {
  return CIPHER_NAMES[id] ?? `0x${id.toString(16).padStart(4, '0')}`;
}

/**
 * Collects the handshake bytes of one direction across records and segments until a whole
 * handshake message of the wanted type is present. Bounded: gives up after 64 KiB.
 */
export class HelloCollector {
  private pending: Uint8Array = new Uint8Array(0);
  private handshake: Uint8Array = new Uint8Array(0);
  done = false;
  failed = false;

  /** Feed stream bytes; returns the handshake message body (type byte included) once complete. */
  push(bytes: Uint8Array): Uint8Array | null {
    if (this.done || this.failed) return null;
    this.pending = concat(this.pending, bytes);
    while (this.pending.length >= 5) {
      if (this.pending[0] !== TLS_CONTENT_HANDSHAKE) {
        // ChangeCipherSpec or alerts before the hello: not a hello stream we can read.
        this.failed = this.handshake.length === 0 && this.pending[0] !== 20;
        if (this.failed) return null;
      }
      const len = (this.pending[3] << 8) | this.pending[4];
      if (this.pending.length < 5 + len) break;
      if (this.pending[0] === TLS_CONTENT_HANDSHAKE) {
        this.handshake = concat(this.handshake, this.pending.subarray(5, 5 + len));
      }
      this.pending = this.pending.slice(5 + len);
      if (this.handshake.length >= 4) {
        const msgLen = (this.handshake[1] << 16) | (this.handshake[2] << 8) | this.handshake[3];
        if (this.handshake.length >= 4 + msgLen) {
          this.done = true;
          return this.handshake.subarray(0, 4 + msgLen);
        }
      }
    }
    if (this.pending.length + this.handshake.length > 65536) this.failed = true;
    return null;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const r = new Uint8Array(a.length + b.length);
  r.set(a, 0);
  r.set(b, a.length);
  return r;
}

class Cursor {
  constructor(
    readonly b: Uint8Array,
    public p = 0,
    readonly end = b.length,
  ) {}
  left(): number {
    return this.end - this.p;
  }
  u8(): number {
    if (this.p + 1 > this.end) throw new RangeError('short');
    return this.b[this.p++];
  }
  u16(): number {
    if (this.p + 2 > this.end) throw new RangeError('short');
    const v = (this.b[this.p] << 8) | this.b[this.p + 1];
    this.p += 2;
    return v;
  }
  u24(): number {
    if (this.p + 3 > this.end) throw new RangeError('short');
    const v = (this.b[this.p] << 16) | (this.b[this.p + 1] << 8) | this.b[this.p + 2];
    this.p += 3;
    return v;
  }
  bytes(n: number): Uint8Array {
    if (this.p + n > this.end) throw new RangeError('short');
    const v = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return v;
  }
  sub(n: number): Cursor {
    if (this.p + n > this.end) throw new RangeError('short');
    const c = new Cursor(this.b, this.p, this.p + n);
    this.p += n;
    return c;
  }
}

const ascii = (b: Uint8Array): string => String.fromCharCode(...b);

/** Parses a ClientHello handshake message (starting at its type byte). Null if it is not one. */
export function parseClientHello(msg: Uint8Array): ClientHelloFacts | null {
  try {
    const c = new Cursor(msg);
    if (c.u8() !== 1) return null;
    const body = c.sub(c.u24());
    const legacyVersion = body.u16();
    body.bytes(32);
    const sessionId = body.bytes(body.u8()).slice();
    body.bytes(body.u16()); // cipher suites
    body.bytes(body.u8()); // compression
    const facts: ClientHelloFacts = {
      sni: null,
      alpn: [],
      legacyVersion,
      supportedVersions: [],
      sessionId,
      pskOffered: false,
    };
    if (body.left() < 2) return facts;
    const exts = body.sub(body.u16());
    while (exts.left() >= 4) {
      const type = exts.u16();
      const ext = exts.sub(exts.u16());
      if (type === 0) {
        const list = ext.sub(ext.u16());
        while (list.left() >= 3) {
          const nameType = list.u8();
          const name = list.bytes(list.u16());
          if (nameType === 0) facts.sni = ascii(name);
        }
      } else if (type === 16) {
        const list = ext.sub(ext.u16());
        while (list.left() >= 1) facts.alpn.push(ascii(list.bytes(list.u8())));
      } else if (type === 43) {
        const list = ext.sub(ext.u8());
        while (list.left() >= 2) facts.supportedVersions.push(list.u16());
      } else if (type === 41) {
        facts.pskOffered = true;
      }
    }
    return facts;
  } catch {
    return null;
  }
}

/** Parses a ServerHello handshake message (starting at its type byte). Null if it is not one. */
export function parseServerHello(msg: Uint8Array): ServerHelloFacts | null {
  try {
    const c = new Cursor(msg);
    if (c.u8() !== 2) return null;
    const body = c.sub(c.u24());
    let version = body.u16();
    body.bytes(32);
    const sessionId = body.bytes(body.u8()).slice();
    const cipherSuite = body.u16();
    body.u8(); // compression
    let alpn: string | null = null;
    let encryptThenMac = false;
    if (body.left() >= 2) {
      const exts = body.sub(body.u16());
      while (exts.left() >= 4) {
        const type = exts.u16();
        const ext = exts.sub(exts.u16());
        if (type === 43 && ext.left() >= 2) version = ext.u16();
        else if (type === 22) encryptThenMac = true;
        else if (type === 16) {
          const list = ext.sub(ext.u16());
          if (list.left() >= 1) alpn = ascii(list.bytes(list.u8()));
        }
      }
    }
    return { version, cipherSuite, alpn, sessionId, encryptThenMac };
  } catch {
    return null;
  }
}
