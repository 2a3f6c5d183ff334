// `tracelens analyze CAPTURE --format arrow -o FILE`: the trace document as an Arrow IPC file that
// reads back to the same trace as --json prints; usage errors for what cannot work.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { tableFromIPC } from 'apache-arrow';
import { main } from './tracelens';
import { decodeArrow } from '../lib/document/arrow';
import { TraceDocument } from '../lib/document/reader';
import { stringifyTrace } from '../lib/json';

class Sink extends Writable {
  chunks: Buffer[] = [];
  _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

async function run(args: string[]) {
  const out = new Sink();
  const err = new Sink();
  const code = await main(args, out, err);
  return { code, out, err: err.text };
}

const tmp = mkdtempSync(path.join(tmpdir(), 'tracelens-doc-'));
const sample = path.join(__dirname, '../samples/h2-rule-violations/capture.pcap');

describe('tracelens analyze --format arrow', () => {
  it('writes an Arrow file that reads back to the --json document', async () => {
    const file = path.join(tmp, 'trace.arrow');
    const r = await run(['analyze', sample, '--format', 'arrow', '-o', file]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const bytes = new Uint8Array(readFileSync(file));
    // A plain Arrow IPC file: any Arrow reader opens it; one row, a column per table.
    const table = tableFromIPC(bytes);
    expect(table.numRows).toBe(1);
    expect(table.schema.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['strings', 'connections', 'streams', 'frames', 'findings', 'packets']),
    );
    const json = await run(['analyze', sample, '--json']);
    const doc = new TraceDocument(decodeArrow(bytes));
    expect(stringifyTrace(doc.toTrace(), 0) + '\n').toBe(json.out.text);
    expect(doc.streams.length).toBeGreaterThan(0);
  });

  it('writes the JSON document to a file with --format json -o', async () => {
    const file = path.join(tmp, 'trace.json');
    const r = await run(['analyze', sample, '--format', 'json', '-o', file]);
    expect(r.code).toBe(0);
    const json = await run(['analyze', sample, '--json']);
    expect(readFileSync(file, 'utf8')).toBe(json.out.text);
  });

  it('writes Arrow to stdout with -o -', async () => {
    const r = await run(['analyze', sample, '--format', 'arrow', '-o', '-']);
    expect(r.code).toBe(0);
    const bytes = new Uint8Array(Buffer.concat(r.out.chunks));
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('ARROW1');
    expect(new TraceDocument(decodeArrow(bytes)).head.input.name).toBe('capture.pcap');
  });

  it('refuses what cannot work, with one line', async () => {
    const noOut = await run(['analyze', sample, '--format', 'arrow']);
    expect(noOut.code).toBe(2);
    expect(noOut.err).toContain('--format arrow needs -o FILE');
    const bad = await run(['analyze', sample, '--format', 'parquet', '-o', path.join(tmp, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--format takes text, json or arrow');
    const noDir = path.join(tmp, 'missing-dir', 'x.arrow');
    const cannot = await run(['analyze', sample, '--format', 'arrow', '-o', noDir]);
    expect(cannot.code).toBe(1);
    expect(cannot.err).toMatch(/^tracelens: cannot write .*x\.arrow: ENOENT\n$/);
    expect(existsSync(noDir)).toBe(false);
  });

  it('an unreadable capture writes no file', async () => {
    const junk = path.join(tmp, 'junk.pcap');
    writeFileSync(junk, 'not a capture at all');
    const file = path.join(tmp, 'junk.arrow');
    const r = await run(['analyze', junk, '--format', 'arrow', '-o', file]);
    expect(r.code).toBe(1);
    expect(existsSync(file)).toBe(false);
  });
});
