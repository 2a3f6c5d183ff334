/**
 * The TLS parser used without keys: reads the ClientHello and ServerHello to fill
 * Connection.tls (SNI, ALPN, version, cipher suite, resumption) and leaves the encrypted records
 * alone. Decryption with a key log is lib/tls's later work and will wrap this.
 */
import type { AppContext, AppParser } from '../stream';
import type { Dir } from '../trace';
import { HelloCollector, cipherSuiteName, parseClientHello, parseServerHello, tlsVersionName } from './hello';

export class TlsPassiveParser implements AppParser {
  private client = new HelloCollector();
  private server = new HelloCollector();
  private clientSessionId: Uint8Array = new Uint8Array(0);
  private clientPsk = false;

  constructor(private readonly ctx: AppContext) {
    ctx.conn.tls = {
      sni: null,
      alpnOffered: [],
      alpnSelected: null,
      version: null,
      cipherSuite: null,
      resumed: false,
      decryption: 'no-key',
      clientHelloPacket: null,
      serverHelloPacket: null,
    };
  }

  data(dir: Dir, bytes: Uint8Array, _offset: number, packet: number): void {
    const tls = this.ctx.conn.tls;
    if (!tls) return;
    if (dir === 'c2s') {
      const msg = this.client.push(bytes);
      if (!msg) return;
      const hello = parseClientHello(msg);
      if (!hello) return;
      tls.sni = hello.sni;
      tls.alpnOffered = hello.alpn;
      tls.clientHelloPacket = packet;
      this.clientSessionId = hello.sessionId;
      this.clientPsk = hello.pskOffered;
    } else {
      const msg = this.server.push(bytes);
      if (!msg) return;
      const hello = parseServerHello(msg);
      if (!hello) return;
      tls.version = tlsVersionName(hello.version);
      tls.cipherSuite = cipherSuiteName(hello.cipherSuite);
      tls.alpnSelected = hello.alpn;
      tls.serverHelloPacket = packet;
      // TLS 1.2 resumption echoes the client's session id; TLS 1.3 resumes with a PSK (an
      // approximation without keys: the server accepting is only certain after decryption).
      tls.resumed =
        hello.version === 0x0304
          ? this.clientPsk
          : this.clientSessionId.length > 0 && sameBytes(hello.sessionId, this.clientSessionId);
    }
  }

  gap(): void {}
  end(): void {}
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
