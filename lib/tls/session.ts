/**
 * A TLS connection as tracelens reads it: the record layer over the reassembled TCP streams
 * (records split across segments, several per segment), the handshake facts (version, cipher
 * suite, SNI, ALPN, resumption), and — given the session's secrets from a key log or a pcapng
 * Decryption Secrets Block — the decrypted application data, fed to the HTTP/1 or HTTP/2 parser.
 *
 * Without keys the connection keeps its handshake facts and says "no key for this session"; with
 * a key that does not verify, "key does not decrypt this session" — never garbage frames.
 */
import type { AppContext, AppParser, StreamEndReason } from '../stream';
import type { Dir, TlsInfo } from '../trace';
import { cipherSuiteName, parseClientHello, parseServerHello, tlsVersionName } from './hello';
import { bytesToHex, type KeyLog } from './keylog';
import {
  SUITES,
  aeadOpen,
  cbcOpen,
  seqBytes,
  tls12Keys,
  tls13Keys,
  tls13NextSecret,
  xorNonce,
  type SuiteParams,
} from './crypto';
import { concatBytes } from '../bytes';

const CT_CCS = 20;
const CT_ALERT = 21;
const CT_HANDSHAKE = 22;
const CT_APPDATA = 23;
const MAX_RECORD = 16384 + 2048;
const MAX_HANDSHAKE_BUFFER = 256 * 1024;
/** TLS 1.3 ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3). */
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

export interface TlsParserOptions {
  keylog: KeyLog | null;
  /** Creates the parser for the decrypted bytes, given the negotiated ALPN. */
  createInner: (alpn: string | null) => AppParser | null;
}

interface DirState {
  pending: Uint8Array;
  /** Bytes of handshake messages not yet complete (plaintext or decrypted). */
  handshake: Uint8Array;
  encrypted: boolean;
  /** Current record protection, when keys are known. */
  keys: { key: Uint8Array; iv: Uint8Array; macKey?: Uint8Array } | null;
  seq: number;
  /** TLS 1.3: current traffic secret and the stage it belongs to. */
  secret: Uint8Array | null;
  stage: 'handshake' | 'application';
  dead: boolean;
  plainOffset: number;
  decryptedRecords: number;
}

function newDir(): DirState {
  return {
    pending: new Uint8Array(0),
    handshake: new Uint8Array(0),
    encrypted: false,
    keys: null,
    seq: 0,
    secret: null,
    stage: 'handshake',
    dead: false,
    plainOffset: 0,
    decryptedRecords: 0,
  };
}

export class TlsParser implements AppParser {
  private readonly dirs: Record<Dir, DirState> = { c2s: newDir(), s2c: newDir() };
  private clientRandom: Uint8Array | null = null;
  private serverRandom: Uint8Array | null = null;
  private clientSessionId: Uint8Array = new Uint8Array(0);
  private clientPsk = false;
  private suiteId: number | null = null;
  private suite: SuiteParams | null = null;
  private version = 0;
  private encryptThenMac = false;
  private inner: AppParser | null = null;
  private innerCreated = false;
  private readonly tls: TlsInfo;
  private warnedNoKey = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly opts: TlsParserOptions,
  ) {
    this.tls = {
      sni: null,
      alpnOffered: [],
      alpnSelected: null,
      version: null,
      cipherSuite: null,
      resumed: false,
      decryption: opts.keylog && opts.keylog.size > 0 ? 'not-attempted' : 'no-key',
      clientHelloPacket: null,
      serverHelloPacket: null,
    };
    ctx.conn.tls = this.tls;
  }

  data(dir: Dir, bytes: Uint8Array, _offset: number, packet: number, tS: number): void {
    const d = this.dirs[dir];
    if (d.dead) return;
    d.pending = d.pending.length ? concatBytes([d.pending, bytes]) : bytes.slice();
    let p = 0;
    const buf = d.pending;
    while (buf.length - p >= 5) {
      const type = buf[p];
      const version = (buf[p + 1] << 8) | buf[p + 2];
      const len = (buf[p + 3] << 8) | buf[p + 4];
      if (type < 20 || type > 24 || buf[p + 1] !== 3 || len > MAX_RECORD) {
        this.ctx.warn(
          `TLS record layer lost at ${dir} byte ${_offset}: not a TLS record header (type ${type}, length ${len})`,
        );
        d.dead = true;
        return;
      }
      if (buf.length - p < 5 + len) break;
      this.record(dir, type, version, buf.subarray(p, p + 5), buf.subarray(p + 5, p + 5 + len), packet, tS);
      p += 5 + len;
      if (d.dead) return;
    }
    d.pending = p === buf.length ? new Uint8Array(0) : buf.slice(p);
  }

  gap(dir: Dir, offset: number, length: number, tS: number): void {
    const d = this.dirs[dir];
    if (!d.dead)
      this.ctx.warn(
        `TLS ${dir}: ${length} bytes not captured at byte ${offset}; the rest of this direction cannot be decrypted`,
      );
    d.dead = true;
    this.inner?.gap(dir, d.plainOffset, length, tS);
  }

  end(dir: Dir, how: StreamEndReason, tS: number): void {
    this.inner?.end(dir, how, tS);
  }

  private record(
    dir: Dir,
    type: number,
    version: number,
    header: Uint8Array,
    fragment: Uint8Array,
    packet: number,
    tS: number,
  ): void {
    const d = this.dirs[dir];
    if (type === CT_CCS) {
      // TLS 1.2: what follows in this direction is protected. TLS 1.3: a compatibility no-op.
      if (this.version !== 0x0304) {
        d.encrypted = true;
        d.seq = 0;
        if (!d.keys) this.deriveTls12Keys();
      }
      return;
    }
    const protectedRecord =
      this.version === 0x0304 ? type === CT_APPDATA && this.serverRandom !== null : d.encrypted;
    if (!protectedRecord) {
      if (type === CT_HANDSHAKE) this.handshakeBytes(dir, fragment, packet);
      return;
    }
    if (this.tls.decryption === 'no-key' || this.tls.decryption === 'unsupported' || !this.suite) return;
    if (!d.keys) {
      if (this.version === 0x0304) this.deriveTls13Keys(dir, 'handshake');
      if (!d.keys) return;
    }
    const opened = this.open(dir, type, version, header, fragment);
    if (!opened) {
      if (d.decryptedRecords === 0) {
        this.tls.decryption = 'wrong-key';
        this.ctx.warn(
          `TLS ${dir}: the key log has secrets for this session, but they do not decrypt it (client random ${bytesToHex(this.clientRandom ?? new Uint8Array(0)).slice(0, 16)}…)`,
        );
      } else {
        this.ctx.warn(`TLS ${dir}: record at packet ${packet} does not decrypt; stopping this direction`);
      }
      d.dead = true;
      return;
    }
    d.decryptedRecords++;
    this.tls.decryption = 'decrypted';
    const { contentType, plain } = opened;
    if (contentType === CT_HANDSHAKE) this.handshakeBytes(dir, plain, packet);
    else if (contentType === CT_APPDATA) this.appData(dir, plain, packet, tS);
    else if (contentType === CT_ALERT && plain.length >= 2 && plain[1] !== 0) {
      this.ctx.warn(`TLS ${dir}: alert ${plain[1]} (level ${plain[0]}) at packet ${packet}`);
    }
  }

  /** Decrypts one record with the direction's keys; TLS 1.3 tries the next stage once on failure. */
  private open(
    dir: Dir,
    type: number,
    version: number,
    header: Uint8Array,
    fragment: Uint8Array,
  ): { contentType: number; plain: Uint8Array } | null {
    const d = this.dirs[dir];
    const s = this.suite;
    if (!s || !d.keys) return null;
    if (s.tls13) {
      let plain = aeadOpen(s.cipher, d.keys.key, xorNonce(d.keys.iv, d.seq), header, fragment);
      if (!plain && d.stage === 'handshake' && this.deriveTls13Keys(dir, 'application')) {
        // A Finished we could not see (gap, or a client that sent early data): try the next stage.
        plain = aeadOpen(s.cipher, d.keys.key, xorNonce(d.keys.iv, d.seq), header, fragment);
      }
      if (!plain) return null;
      d.seq++;
      // TLSInnerPlaintext: content, then the real content type, then zero padding.
      let end = plain.length - 1;
      while (end >= 0 && plain[end] === 0) end--;
      if (end < 0) return null;
      return { contentType: plain[end], plain: plain.subarray(0, end) };
    }
    let plain: Uint8Array | null;
    if (s.cipher === 'aes-cbc') {
      plain = cbcOpen(
        s,
        d.keys.key,
        d.keys.macKey ?? new Uint8Array(0),
        d.seq,
        type,
        version,
        fragment,
        this.encryptThenMac,
      );
    } else {
      const tagLen = 16;
      const explicit = s.cipher === 'aes-gcm' ? 8 : 0;
      if (fragment.length < explicit + tagLen) return null;
      const nonce =
        s.cipher === 'aes-gcm'
          ? concatBytes([d.keys.iv, fragment.subarray(0, 8)])
          : xorNonce(d.keys.iv, d.seq);
      const plainLen = fragment.length - explicit - tagLen;
      const aad = concatBytes([
        seqBytes(d.seq),
        new Uint8Array([type, version >> 8, version & 0xff, plainLen >> 8, plainLen & 0xff]),
      ]);
      plain = aeadOpen(s.cipher, d.keys.key, nonce, aad, fragment.subarray(explicit));
    }
    if (!plain) return null;
    d.seq++;
    return { contentType: type, plain };
  }

  private appData(dir: Dir, plain: Uint8Array, packet: number, tS: number): void {
    if (!this.innerCreated) {
      this.innerCreated = true;
      this.inner = this.opts.createInner(this.tls.alpnSelected);
    }
    const d = this.dirs[dir];
    this.inner?.data(dir, plain, d.plainOffset, packet, tS);
    d.plainOffset += plain.length;
  }

  private handshakeBytes(dir: Dir, bytes: Uint8Array, packet: number): void {
    const d = this.dirs[dir];
    d.handshake = d.handshake.length ? concatBytes([d.handshake, bytes]) : bytes.slice();
    let p = 0;
    const h = d.handshake;
    while (h.length - p >= 4) {
      const len = (h[p + 1] << 16) | (h[p + 2] << 8) | h[p + 3];
      if (h.length - p < 4 + len) break;
      this.handshakeMessage(dir, h.subarray(p, p + 4 + len), packet);
      p += 4 + len;
    }
    d.handshake = p === h.length ? new Uint8Array(0) : h.slice(p);
    if (d.handshake.length > MAX_HANDSHAKE_BUFFER) {
      this.ctx.warn(
        `TLS ${dir}: handshake message larger than ${MAX_HANDSHAKE_BUFFER} bytes; ignoring the rest of the handshake`,
      );
      d.handshake = new Uint8Array(0);
    }
  }

  private handshakeMessage(dir: Dir, msg: Uint8Array, packet: number): void {
    const type = msg[0];
    if (type === 1 && dir === 'c2s') {
      const hello = parseClientHello(msg);
      if (!hello) return;
      this.clientRandom = msg.slice(6, 38);
      this.tls.sni = hello.sni;
      this.tls.alpnOffered = hello.alpn;
      this.tls.clientHelloPacket ??= packet;
      this.clientSessionId = hello.sessionId;
      this.clientPsk = hello.pskOffered;
    } else if (type === 2 && dir === 's2c') {
      const hello = parseServerHello(msg);
      if (!hello) return;
      const random = msg.slice(6, 38);
      if (bytesToHex(random) === HRR_RANDOM) {
        // HelloRetryRequest (RFC 8446 §4.1.4): the client answers with a second ClientHello and the
        // real ServerHello follows. Knowing now that this is TLS 1.3 matters: the middlebox-
        // compatibility ChangeCipherSpec either side may send next is a no-op, not the TLS 1.2
        // signal that everything after it is encrypted (which lost the second ClientHello and
        // the ServerHello, and with them decryption). The transcript hash restarting with
        // message_hash (§4.4.1) needs no handling here: the key log gives the traffic secrets.
        this.version = hello.version;
        this.tls.version = tlsVersionName(hello.version);
        return;
      }
      this.serverRandom = random;
      this.version = hello.version;
      this.suiteId = hello.cipherSuite;
      this.suite = SUITES[hello.cipherSuite] ?? null;
      this.encryptThenMac = hello.encryptThenMac;
      this.tls.version = tlsVersionName(hello.version);
      this.tls.cipherSuite = cipherSuiteName(hello.cipherSuite);
      if (hello.alpn) this.tls.alpnSelected = hello.alpn;
      this.tls.serverHelloPacket = packet;
      this.tls.resumed =
        hello.version === 0x0304
          ? this.clientPsk
          : this.clientSessionId.length > 0 &&
            bytesToHex(hello.sessionId) === bytesToHex(this.clientSessionId);
      this.checkKeys();
    } else if (type === 8 && dir === 's2c') {
      // TLS 1.3 EncryptedExtensions: ALPN lives here.
      const alpn = parseEncryptedExtensionsAlpn(msg);
      if (alpn) this.tls.alpnSelected = alpn;
    } else if (type === 20 && this.version === 0x0304) {
      // This side's Finished: its next records use the application traffic secret.
      this.deriveTls13Keys(dir, 'application');
    } else if (type === 24 && this.version === 0x0304) {
      // KeyUpdate: the sender's next records use the next generation of its secret.
      const d = this.dirs[dir];
      if (this.suite && d.secret) {
        d.secret = tls13NextSecret(this.suite, d.secret);
        d.keys = tls13Keys(this.suite, d.secret);
        d.seq = 0;
      }
    }
  }

  /** Decides, once the ServerHello is known, whether this session can be decrypted. */
  private checkKeys(): void {
    const keylog = this.opts.keylog;
    if (!keylog || !this.clientRandom) {
      this.tls.decryption = 'no-key';
      return;
    }
    if (!this.suite) {
      this.tls.decryption = 'unsupported';
      this.ctx.warn(`TLS: cipher suite ${cipherSuiteName(this.suiteId ?? 0)} is not one tracelens decrypts`);
      return;
    }
    const label = this.version === 0x0304 ? 'SERVER_HANDSHAKE_TRAFFIC_SECRET' : 'CLIENT_RANDOM';
    if (!keylog.get(this.clientRandom, label)) {
      this.tls.decryption = 'no-key';
      if (!this.warnedNoKey && keylog.size > 0) {
        this.warnedNoKey = true;
        this.ctx.warn(
          `TLS: encrypted, no key for this session in the key log (client random ${bytesToHex(this.clientRandom).slice(0, 16)}…)`,
        );
      }
      return;
    }
    this.tls.decryption = 'not-attempted';
    if (this.version !== 0x0304 && this.version !== 0x0303) {
      this.tls.decryption = 'unsupported';
      this.ctx.warn(`TLS: ${tlsVersionName(this.version)} sessions are not decrypted (TLS 1.2 and 1.3 are)`);
    }
  }

  private deriveTls12Keys(): void {
    const keylog = this.opts.keylog;
    if (
      !keylog ||
      !this.suite ||
      this.suite.tls13 ||
      !this.clientRandom ||
      !this.serverRandom ||
      this.version !== 0x0303
    )
      return;
    const master = keylog.get(this.clientRandom, 'CLIENT_RANDOM');
    if (!master) return;
    const k = tls12Keys(this.suite, master, this.clientRandom, this.serverRandom);
    this.dirs.c2s.keys = k.client;
    this.dirs.s2c.keys = k.server;
  }

  /** Installs the TLS 1.3 keys of a stage for one direction; false when the key log lacks them. */
  private deriveTls13Keys(dir: Dir, stage: 'handshake' | 'application'): boolean {
    const keylog = this.opts.keylog;
    if (!keylog || !this.suite || !this.suite.tls13 || !this.clientRandom) return false;
    const d = this.dirs[dir];
    if (stage === 'application' && d.stage === 'application' && d.keys) return true;
    const side = dir === 'c2s' ? 'CLIENT' : 'SERVER';
    const label = stage === 'handshake' ? `${side}_HANDSHAKE_TRAFFIC_SECRET` : `${side}_TRAFFIC_SECRET_0`;
    const secret = keylog.get(this.clientRandom, label);
    if (!secret) return false;
    d.secret = secret;
    d.keys = tls13Keys(this.suite, secret);
    d.seq = 0;
    d.stage = stage;
    return true;
  }
}

function parseEncryptedExtensionsAlpn(msg: Uint8Array): string | null {
  // type(1) length(3) extensions_length(2) { type(2) length(2) data }*
  let p = 4;
  if (msg.length < p + 2) return null;
  const end = Math.min(msg.length, p + 2 + ((msg[p] << 8) | msg[p + 1]));
  p += 2;
  while (p + 4 <= end) {
    const type = (msg[p] << 8) | msg[p + 1];
    const len = (msg[p + 2] << 8) | msg[p + 3];
    p += 4;
    if (p + len > end) return null;
    if (type === 16 && len >= 3) {
      const nameLen = msg[p + 2];
      if (3 + nameLen <= len) return String.fromCharCode(...msg.subarray(p + 3, p + 3 + nameLen));
    }
    p += len;
  }
  return null;
}
