/**
 * Log against wire on a real nghttp -v log and the capture of its traffic (lab/vantage-h2-log),
 * the log edited the way a misbehaving program would have written it.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LAB_DIR } from '../../tests/corpus';
import { K } from '../findings/kinds';
import { correlate, loadInput } from './index';

const dir = path.join(LAB_DIR, 'vantage-h2-log');
const capture = new Uint8Array(readFileSync(path.join(dir, 'client.pcap')));
const log = readFileSync(path.join(dir, 'nghttp.log'), 'utf8');

function withLog(text: string) {
  return correlate([
    loadInput('client.pcap', capture),
    loadInput('nghttp.log', new TextEncoder().encode(text)),
  ]);
}

describe('log against wire', () => {
  it('the log as written: every frame on the wire, nothing to say', () => {
    const doc = withLog(log);
    expect(doc.findings).toEqual([]);
    expect(doc.inputs[1].offsetUncertaintyS).toBeLessThanOrEqual(0.0011);
  });

  it('a cancel (RST_STREAM) written 5 ms after the response had reached the host', () => {
    const doc = withLog(
      log +
        '[  0.012] send RST_STREAM frame <length=4, flags=0x00, stream_id=13>\n          (error_code=CANCEL(0x08))\n',
    );
    const f = doc.findings.filter((x) => x.kind === K.pathLogDeadlineEarly);
    expect(f).toHaveLength(1);
    expect(f[0].stream).toBe(13);
    expect(f[0].severity).toBe('error');
    expect(f[0].details.leadS as number).toBeGreaterThan(0.003);
    expect(f[0].evidence.map((e) => e.input)).toEqual([0, 1]);
  });

  it('a new request written 40 ms after the server’s FIN had arrived', () => {
    const doc = withLog(
      log +
        '[  0.050] send HEADERS frame <length=44, flags=0x25, stream_id=21>\n          ; END_STREAM | END_HEADERS | PRIORITY\n',
    );
    const f = doc.findings.filter((x) => x.kind === K.pathLogFinIgnored);
    expect(f).toHaveLength(1);
    expect(f[0].details.streams).toEqual([21]);
  });
});
