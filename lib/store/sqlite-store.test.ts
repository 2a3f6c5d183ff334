// The embedded store: schema created on first start, atomic commits, tokens, notes, restarts.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteTraceStore } from './sqlite-store';

function fresh(): { dir: string; store: SqliteTraceStore } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tracelens-store-'));
  return { dir, store: new SqliteTraceStore(dir) };
}

function commitOne(store: SqliteTraceStore, body = 'bytes') {
  const tmp = path.join(store.tmpDir(), 'x.upload');
  writeFileSync(tmp, body);
  return store.commit({
    name: 'a.pcap',
    bytes: body.length,
    sha256: 'ab'.repeat(32),
    format: 'pcap',
    tmpRawPath: tmp,
    tmpKeylogPath: null,
    analysisJson: '{"tool":"tracelens"}',
    packetColumns: new Uint8Array([1, 2, 3]),
  });
}

describe('SqliteTraceStore', async () => {
  it('creates its schema on first start and reopens at the same version', async () => {
    const { dir, store } = fresh();
    expect(store.schemaVersion).toBe(2);
    await store.close();
    const again = new SqliteTraceStore(dir);
    expect(again.schemaVersion).toBe(2);
    await again.close();
  });

  it('commits a trace with a 128-bit id and an edit token that is checked in constant time', async () => {
    const { store } = fresh();
    const { id, token } = commitOne(store);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(store.get(id)?.analysisJson).toBe('{"tool":"tracelens"}');
    expect(await store.checkToken(id, token)).toBe(true);
    expect(await store.checkToken(id, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBe(false);
    expect(await store.checkToken(id, null)).toBe(false);
    expect(existsSync(store.rawPath(id) as string)).toBe(true);
    expect(Array.from((await store.packetColumns(id)) as Uint8Array)).toEqual([1, 2, 3]);
    expect(readdirSync(store.tmpDir())).toEqual([]);
  });

  it('rejects ids that could walk the file system', async () => {
    const { store } = fresh();
    for (const bad of ['../../etc/passwd', '..', 'a/b', '', 'x'.repeat(200)]) {
      expect(store.get(bad)).toBeNull();
      expect(store.rawPath(bad)).toBeNull();
      expect(await store.deleteTrace(bad)).toBe(false);
    }
  });

  it('keeps notes across a restart, edits with versions, refuses stale edits', async () => {
    const { dir, store } = fresh();
    const { id } = commitOne(store);
    const a = await store.addAnnotation(id, {
      target: { packet: 12 },
      author: 'ana',
      text: 'RST from the NAT here',
    });
    const b = await store.addAnnotation(id, {
      target: { range: { startS: 1, endS: 2 } },
      author: 'bo',
      text: '<script>x</script>',
    });
    await store.close();
    const reopened = new SqliteTraceStore(dir);
    const notes = await reopened.annotations(id);
    expect(notes.map((n) => n.text)).toEqual(['RST from the NAT here', '<script>x</script>']);
    const edited = await reopened.updateAnnotation(id, a.id, {
      text: 'RST from the NAT (TTL 64 vs 57)',
      ifVersion: 1,
    });
    expect(edited !== null && edited !== 'conflict' && edited.version).toBe(2);
    expect(await reopened.updateAnnotation(id, a.id, { text: 'stale', ifVersion: 1 })).toBe('conflict');
    expect(await reopened.deleteAnnotation(id, b.id)).toBe(true);
    expect(await reopened.annotations(id)).toHaveLength(1);
  });

  it('deletes a trace with its files and notes', async () => {
    const { store } = fresh();
    const { id } = commitOne(store);
    const raw = store.rawPath(id) as string;
    await store.addAnnotation(id, { target: { connection: 'c1' }, author: 'a', text: 't' });
    expect(await store.deleteTrace(id)).toBe(true);
    expect(store.get(id)).toBeNull();
    expect(existsSync(raw)).toBe(false);
    expect(await store.annotations(id)).toEqual([]);
  });

  it('removes partial uploads left by a server stopped mid-upload, and never lists them', async () => {
    const { dir, store } = fresh();
    writeFileSync(path.join(store.tmpDir(), 'half.upload'), 'partial');
    await store.close();
    const again = new SqliteTraceStore(dir);
    expect(readdirSync(again.tmpDir())).toEqual([]);
    expect(await again.list()).toEqual([]);
  });

  it('serves traces stored before analyses were files (analysis in the row)', async () => {
    const { dir, store } = fresh();
    const { id } = commitOne(store);
    await store.close();
    const trace = {
      input: { packets: 3 },
      connections: [{}],
      streams: [],
      findings: [
        { severity: 'error', title: 'boom', kind: 'k.a' },
        { severity: 'info', title: 'fyi', kind: 'k.b' },
      ],
    };
    const db = new Database(path.join(dir, 'tracelens.sqlite'));
    db.prepare('UPDATE traces SET analysis_in_file = 0, analysis_json = ? WHERE id = ?').run(
      JSON.stringify(trace),
      id,
    );
    db.close();
    rmSync(path.join(dir, 'traces', id, 'analysis.json'));
    const again = new SqliteTraceStore(dir);
    expect((await again.analysis(id))?.size).toBe(JSON.stringify(trace).length);
    expect(JSON.parse(again.get(id)?.analysisJson ?? 'null')).toEqual(trace);
    expect(await again.summary(id)).toMatchObject({
      connections: 1,
      counts: { error: 1, warning: 0, info: 1 },
      top: [{ title: 'boom' }],
    });
  });

  it('sweeps trace folders no row names (a crash between the files and the row) at start', async () => {
    const { dir, store } = fresh();
    const { id } = commitOne(store);
    await store.close();
    const orphan = path.join(dir, 'traces', 'B'.repeat(22));
    mkdirSync(orphan);
    writeFileSync(path.join(orphan, 'raw'), 'x');
    const again = new SqliteTraceStore(dir);
    expect(existsSync(orphan)).toBe(false);
    expect(readdirSync(path.join(dir, 'traces'))).toEqual([id]);
    expect(again.rawPath(id)).not.toBeNull();
  });

  it('leaves nothing behind when a commit fails before its row', async () => {
    const { dir, store } = fresh();
    const tmp = path.join(store.tmpDir(), 'y.upload');
    writeFileSync(tmp, 'bytes');
    rmSync(path.join(dir, 'traces'), { recursive: true });
    writeFileSync(path.join(dir, 'traces'), 'not a folder');
    expect(() =>
      store.commit({
        name: 'a.pcap',
        bytes: 5,
        sha256: 'ab'.repeat(32),
        format: 'pcap',
        tmpRawPath: tmp,
        tmpKeylogPath: null,
        analysisJson: '{}',
        packetColumns: null,
      }),
    ).toThrow();
    expect(readdirSync(store.tmpDir())).toEqual([]);
    expect(await store.list()).toEqual([]);
  });
});
