/**
 * NSS key log ("SSLKEYLOGFILE") reading: the format curl, browsers, Node's `keylog` event, Go's
 * KeyLogWriter and pcapng Decryption Secrets Blocks all use. One line per secret:
 *
 *   <LABEL> <client_random hex (64)> <secret hex>
 *
 * TLS 1.2: CLIENT_RANDOM (master secret, 48 bytes). TLS 1.3: CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET,
 * CLIENT/SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET, CLIENT_EARLY_TRAFFIC_SECRET. Malformed lines
 * are reported with their line number and skipped.
 */

export interface KeyLogProblem {
  line: number;
  message: string;
}

const KNOWN_LABELS = new Set([
  'CLIENT_RANDOM',
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'SERVER_TRAFFIC_SECRET_0',
  'EXPORTER_SECRET',
  'CLIENT_EARLY_TRAFFIC_SECRET',
  'EARLY_EXPORTER_SECRET',
]);

function hexToBytes(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

/** Secrets by client random (lower-case hex), then by label. */
export class KeyLog {
  private readonly byRandom = new Map<string, Map<string, Uint8Array>>();
  readonly problems: KeyLogProblem[] = [];
  private lines = 0;

  get size(): number {
    return this.byRandom.size;
  }

  /** Adds the lines of a key log text; `source` names it in problems ("keylog", "pcapng DSB"). */
  add(text: string, source = 'key log'): void {
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      this.lines++;
      const raw = lines[i].trim();
      if (raw === '' || raw.startsWith('#')) continue;
      const parts = raw.split(/\s+/);
      const lineNo = i + 1;
      const bad = (message: string) => {
        if (this.problems.length < 100)
          this.problems.push({ line: lineNo, message: `${source} line ${lineNo}: ${message}` });
      };
      if (parts.length !== 3) {
        bad(`expected "LABEL <client random> <secret>", got ${parts.length} fields`);
        continue;
      }
      const [label, randomHex, secretHex] = parts;
      if (label === 'RSA') {
        bad('RSA pre-master secret lines are not supported; export CLIENT_RANDOM lines instead');
        continue;
      }
      if (!KNOWN_LABELS.has(label)) {
        bad(`unknown label ${label}`);
        continue;
      }
      const random = hexToBytes(randomHex);
      const secret = hexToBytes(secretHex);
      if (!random || random.length !== 32) {
        bad('client random must be 64 hex digits');
        continue;
      }
      if (!secret || secret.length < 16) {
        bad('secret is not hex of at least 16 bytes');
        continue;
      }
      const key = randomHex.toLowerCase();
      let m = this.byRandom.get(key);
      if (!m) this.byRandom.set(key, (m = new Map()));
      m.set(label, secret);
    }
  }

  get(clientRandom: Uint8Array, label: string): Uint8Array | null {
    return this.byRandom.get(bytesToHex(clientRandom))?.get(label) ?? null;
  }

  has(clientRandom: Uint8Array): boolean {
    return this.byRandom.has(bytesToHex(clientRandom));
  }
}
