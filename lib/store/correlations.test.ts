// Shared correlations: the job off the request thread (the bundled worker when built, else
// in-process) and the stored document.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCorrelationView } from '../lanes/view';
import { correlateFiles, loadCorrelation, saveCorrelation } from './correlations';

const lab = (dir: string, file: string) => path.join(__dirname, '..', '..', 'lab', dir, file);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('shared correlations', () => {
  it('correlates uploaded files and keeps the view under an id', async () => {
    const r = await correlateFiles({
      files: [
        { path: lab('nat-idle-reset', 'client.pcap'), name: 'client.pcap' },
        { path: lab('nat-idle-reset', 'server.pcap'), name: 'server.pcap' },
      ],
    });
    expect(r.type).toBe('done');
    if (r.type !== 'done') return;
    const data = await mkdtemp(path.join(tmpdir(), 'lanes-store-'));
    dirs.push(data);
    const id = await saveCorrelation(data, r.json);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const back = decodeCorrelationView((await loadCorrelation(data, id))!);
    expect(back.doc.inputs.map((i) => i.name)).toEqual(['client.pcap', 'server.pcap']);
    expect(back.doc.findings.some((f) => f.kind === 'path.injected-rst')).toBe(true);
    expect(await loadCorrelation(data, '../../etc/passwd')).toBeNull();
    expect(await loadCorrelation(data, 'A'.repeat(22))).toBeNull();
  });

  it('refuses a single input, saying why', async () => {
    const r = await correlateFiles({
      files: [{ path: lab('nat-idle-reset', 'client.pcap'), name: 'client.pcap' }],
    });
    expect(r).toEqual({ type: 'fail', message: expect.stringMatching(/two or more/) });
  });
});
