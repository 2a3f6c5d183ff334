/**
 * Finds and replaces the values of sensitive headers in an HPACK header block (RFC 7541), in
 * place and length for length, so the block, its frames and the TCP stream keep every offset and a
 * decoder of the redacted block gets the same number of fields with the same octet lengths (the
 * dynamic table evicts exactly as before; later indexed references to a redacted entry decode to
 * the redacted value by themselves).
 *
 * The block is walked with the project's HPACK pieces (static table, DynamicTable, Huffman
 * decoder): literal names may be indexed, from the static table or from this direction's dynamic
 * table, which is kept here as the encoder built it.
 */
import { DynamicTable, STATIC_TABLE } from '../http2/hpack';
import { huffmanDecodeInto } from '../http2/huffman';
import { huffmanFill } from './huffman-fill';

const FILL = 0x78; // 'x'

export interface HeaderEdit {
  /** Offset of the string's bytes (after its length prefix) in the block. */
  at: number;
  bytes: Uint8Array;
  /** A pseudonym (host, :authority) rather than filler. */
  mapped: boolean;
}

/** How values of mapped headers get their pseudonyms (see WalkContext). */
export interface ValueMapper {
  mapped: ReadonlySet<string>;
  mapValue(raw: Uint8Array): Uint8Array;
  valueSeed(value: Uint8Array): Uint8Array;
}

export interface BlockResult {
  headers: [string, string][];
  edits: HeaderEdit[];
  /** Why the block could not be walked (the direction's table state is lost from here on). */
  error: string | null;
}

const latin1 = new TextDecoder('latin1');

export class HpackRedactor {
  private readonly table = new DynamicTable(4096);
  private scratch = new Uint8Array(256);
  broken = false;

  constructor(
    private readonly sensitive: ReadonlySet<string>,
    private readonly names?: ValueMapper,
  ) {}

  /** Walks one complete header block; `edits` rewrite values of sensitive fields. */
  block(b: Uint8Array): BlockResult {
    const out: BlockResult = { headers: [], edits: [], error: null };
    if (this.broken) {
      out.error = 'HPACK state lost earlier';
      return out;
    }
    try {
      this.walk(b, out);
    } catch (e) {
      this.broken = true;
      out.error = (e as Error).message;
    }
    return out;
  }

  private walk(b: Uint8Array, out: BlockResult): void {
    const pos = { p: 0 };
    while (pos.p < b.length) {
      const first = b[pos.p];
      if (first & 0x80) {
        out.headers.push(this.lookup(this.int(b, pos, 7)));
      } else if ((first & 0xe0) === 0x20) {
        this.table.setMax(this.int(b, pos, 5));
      } else {
        const indexing = (first & 0xc0) === 0x40;
        const idx = this.int(b, pos, indexing ? 6 : 4);
        let name: string;
        let nameOctets: number;
        if (idx === 0) {
          const s = this.string(b, pos);
          name = s.text;
          nameOctets = s.octets;
        } else {
          name = this.lookup(idx)[0];
          nameOctets = name.length; // latin1 text: one char per octet
        }
        const v = this.string(b, pos);
        const lower = name.toLowerCase();
        if (this.sensitive.has(lower) && v.end > v.start) {
          const bytes = v.huffman
            ? huffmanFill(v.end - v.start, v.octets)
            : new Uint8Array(v.end - v.start).fill(FILL);
          if (!bytes) throw new Error(`no Huffman stand-in for ${name}`);
          out.edits.push({ at: v.start, bytes, mapped: false });
        } else if (this.names?.mapped.has(lower) && v.end > v.start) {
          const n = this.names;
          const bytes = v.huffman
            ? huffmanFill(v.end - v.start, v.octets, n.valueSeed(latin1Bytes(v.text)))
            : n.mapValue(b.subarray(v.start, v.end));
          if (!bytes) throw new Error(`no Huffman stand-in for ${name}`);
          out.edits.push({ at: v.start, bytes, mapped: true });
        }
        if (indexing) this.table.add(name, v.text, nameOctets + v.octets);
        out.headers.push([name, v.text]);
      }
    }
  }

  private lookup(idx: number): [string, string] {
    if (idx === 0) throw new Error('index 0');
    if (idx <= STATIC_TABLE.length) {
      const e = STATIC_TABLE[idx - 1];
      return [e[0], e[1]];
    }
    const e = this.table.entries[idx - STATIC_TABLE.length - 1];
    if (!e) throw new Error(`index ${idx} beyond the table`);
    return e;
  }

  private int(b: Uint8Array, pos: { p: number }, prefixBits: number): number {
    const mask = (1 << prefixBits) - 1;
    let v = b[pos.p++] & mask;
    if (v < mask) return v;
    let m = 0;
    for (;;) {
      if (pos.p >= b.length) throw new Error('truncated integer');
      const c = b[pos.p++];
      v += (c & 0x7f) * 2 ** m;
      m += 7;
      if (v > 0xffffffff || m > 35) throw new Error('integer overflow');
      if ((c & 0x80) === 0) return v;
    }
  }

  private string(
    b: Uint8Array,
    pos: { p: number },
  ): { text: string; octets: number; start: number; end: number; huffman: boolean } {
    if (pos.p >= b.length) throw new Error('truncated block');
    const huffman = (b[pos.p] & 0x80) !== 0;
    const len = this.int(b, pos, 7);
    const start = pos.p;
    const end = start + len;
    if (end > b.length) throw new Error('truncated string');
    pos.p = end;
    if (!huffman) return { text: latin1.decode(b.subarray(start, end)), octets: len, start, end, huffman };
    const need = Math.ceil((len * 8) / 5) + 1;
    if (this.scratch.length < need) this.scratch = new Uint8Array(need * 2);
    const r = huffmanDecodeInto(b, start, end, this.scratch);
    if (!r.ok) throw new Error('bad Huffman string');
    return { text: latin1.decode(this.scratch.subarray(0, r.length)), octets: r.length, start, end, huffman };
  }
}

function latin1Bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}
