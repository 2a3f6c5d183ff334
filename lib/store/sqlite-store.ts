/**
 * The embedded TraceStore: SQLite (better-sqlite3, WAL) for metadata, annotations and the cached
 * analysis; raw captures as files under <dataDir>/traces. Created on first start with no setup.
 *
 * Atomicity: an upload is written to <dataDir>/tmp, fsynced and checksummed while it arrives. A
 * commit gathers a trace's files in a staging folder under tmp, moves that folder into
 * <dataDir>/traces with one rename (the folder appears whole or not at all), and only then inserts
 * the row: a trace is listed only when all its files are in place. A crash before the rename leaves
 * only tmp (emptied at start); a crash between the rename and the row — or between a delete's row
 * and its files — leaves a folder no row names, which the start-up sweep removes.
 */
import Database from 'better-sqlite3';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  openSync,
  fsyncSync,
  closeSync,
  createReadStream,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  ID_PATTERN,
  type Annotation,
  type AnnotationTarget,
  type ByteRange,
  type IngestSession,
  type NewTrace,
  type ObjectBody,
  type StoredTrace,
  type TraceMeta,
  type TraceStore,
  type TraceSummary,
  type UploadOptions,
  hashToken,
  newId,
  newToken,
  summarize,
  tokenMatches,
} from './types';
import type { Trace } from '../trace';
import { poolFull } from './analysis-pool';
import { loadCorrelationFile, saveCorrelationFile } from './correlations-files';
import { Upload } from './ingest';
import { takeUploadTokenInMemory } from './rate-memory';

/** Schema migrations, applied in order; the index + 1 is the schema version. */
const MIGRATIONS: string[] = [
  `CREATE TABLE traces (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     created_at TEXT NOT NULL,
     bytes INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     format TEXT NOT NULL,
     has_keylog INTEGER NOT NULL DEFAULT 0,
     token_hash TEXT NOT NULL,
     analysis_json TEXT NOT NULL
   );
   CREATE TABLE annotations (
     id TEXT PRIMARY KEY,
     trace_id TEXT NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
     target_json TEXT NOT NULL,
     author TEXT NOT NULL,
     text TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     version INTEGER NOT NULL DEFAULT 1
   );
   CREATE INDEX annotations_by_trace ON annotations(trace_id, created_at);`,
  // The analysis of a large capture is 100+ MB of JSON: as a row it took seconds to insert and to
  // read, on the request thread. It is a file beside the raw capture now (old rows keep theirs).
  `ALTER TABLE traces ADD COLUMN analysis_in_file INTEGER NOT NULL DEFAULT 0;`,
];

export { newId } from './types';

interface TraceRow {
  id: string;
  name: string;
  created_at: string;
  bytes: number;
  sha256: string;
  format: string;
  has_keylog: number;
  token_hash: string;
  analysis_json: string;
  analysis_in_file: number;
}
interface AnnotationRow {
  id: string;
  trace_id: string;
  target_json: string;
  author: string;
  text: string;
  created_at: string;
  updated_at: string;
  version: number;
}

function metaOf(r: TraceRow): TraceMeta {
  return {
    id: r.id,
    name: r.name,
    createdAt: r.created_at,
    bytes: r.bytes,
    sha256: r.sha256,
    format: r.format,
    hasKeylog: r.has_keylog === 1,
  };
}
function annotationOf(r: AnnotationRow): Annotation {
  return {
    id: r.id,
    target: JSON.parse(r.target_json) as AnnotationTarget,
    author: r.author,
    text: r.text,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** fsync a file or, on Linux, a directory (so a rename into it survives a power cut). */
function fsyncFile(p: string): void {
  const fd = openSync(p, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class SqliteTraceStore implements TraceStore {
  private readonly db: Database.Database;
  private readonly tracesDir: string;
  private readonly tmp: string;

  constructor(readonly dataDir: string) {
    this.tracesDir = path.join(dataDir, 'traces');
    this.tmp = path.join(dataDir, 'tmp');
    mkdirSync(this.tracesDir, { recursive: true });
    mkdirSync(this.tmp, { recursive: true });
    // A server stopped mid-upload leaves partial files here; none of them was ever listed.
    for (const f of readdirSync(this.tmp)) rmSync(path.join(this.tmp, f), { force: true, recursive: true });
    this.db = new Database(path.join(dataDir, 'tracelens.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.sweepOrphans();
  }

  /** Folders under traces/ that no row names: a commit or a delete cut short by a crash. */
  private sweepOrphans(): void {
    const ids = new Set(this.db.prepare('SELECT id FROM traces').pluck().all() as string[]);
    for (const f of readdirSync(this.tracesDir)) {
      if (ids.has(f)) continue;
      rmSync(path.join(this.tracesDir, f), { recursive: true, force: true });
      console.error(
        `tracelens: removed ${f} from ${this.tracesDir}: no trace row (interrupted commit or delete)`,
      );
    }
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  tmpDir(): string {
    return this.tmp;
  }

  commit(t: NewTrace): { id: string; token: string } {
    const id = newId();
    const token = newToken();
    const stage = path.join(this.tmp, `${id}.stage`);
    mkdirSync(stage);
    try {
      fsyncFile(t.tmpRawPath);
      renameSync(t.tmpRawPath, path.join(stage, 'raw'));
      const cols = path.join(stage, 'packets.cols');
      if (t.tmpColumnsPath) renameSync(t.tmpColumnsPath, cols);
      else if (t.packetColumns) writeFileSync(cols, t.packetColumns);
      if (existsSync(cols)) fsyncFile(cols);
      if (t.tmpSummaryPath) renameSync(t.tmpSummaryPath, path.join(stage, 'summary.json'));
      if (t.tmpDocumentPath) renameSync(t.tmpDocumentPath, path.join(stage, 'trace.arrow'));
      const analysis = path.join(stage, 'analysis.json');
      if (t.tmpAnalysisPath) renameSync(t.tmpAnalysisPath, analysis);
      else writeFileSync(analysis, t.analysisJson ?? '');
      fsyncFile(analysis);
      if (t.tmpKeylogPath) {
        fsyncFile(t.tmpKeylogPath);
        renameSync(t.tmpKeylogPath, path.join(stage, 'keylog.txt'));
      }
      fsyncFile(stage);
      renameSync(stage, path.join(this.tracesDir, id));
      fsyncFile(this.tracesDir);
    } catch (e) {
      rmSync(stage, { recursive: true, force: true });
      throw e;
    }
    try {
      this.db
        .prepare(
          `INSERT INTO traces (id, name, created_at, bytes, sha256, format, has_keylog, token_hash, analysis_json, analysis_in_file)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', 1)`,
        )
        .run(
          id,
          t.name,
          new Date().toISOString(),
          t.bytes,
          t.sha256,
          t.format,
          t.tmpKeylogPath ? 1 : 0,
          hashToken(token),
        );
    } catch (e) {
      rmSync(path.join(this.tracesDir, id), { recursive: true, force: true });
      throw e;
    }
    return { id, token };
  }

  private row(id: string): TraceRow | null {
    if (!ID_PATTERN.test(id)) return null;
    return (this.db.prepare('SELECT * FROM traces WHERE id = ?').get(id) as TraceRow | undefined) ?? null;
  }

  readonly backend = 'sqlite+files' as const;

  beginUpload(opts: UploadOptions): Promise<IngestSession> {
    return Upload.begin(this, opts);
  }

  async busy(): Promise<boolean> {
    return poolFull();
  }

  async takeUploadToken(client: string, now = Date.now()) {
    return takeUploadTokenInMemory(client, now);
  }

  /** The trace with its whole analysis as text (tests and tools; the API streams `analysis`). */
  get(id: string): StoredTrace | null {
    const r = this.row(id);
    if (!r) return null;
    const analysisJson = r.analysis_in_file
      ? readFileSync(path.join(this.tracesDir, id, 'analysis.json'), 'utf8')
      : r.analysis_json;
    return { meta: metaOf(r), analysisJson };
  }

  async summary(id: string): Promise<TraceSummary | null> {
    if (!this.metaSync(id)) return null;
    const p = path.join(this.tracesDir, id, 'summary.json');
    if (existsSync(p)) return JSON.parse(readFileSync(p, 'utf8')) as TraceSummary;
    const t = this.get(id);
    return t ? summarize(JSON.parse(t.analysisJson) as Trace) : null;
  }

  async analysis(id: string): Promise<ObjectBody | null> {
    const r = this.row(id);
    if (!r) return null;
    if (!r.analysis_in_file) {
      // Rows from before analyses were files keep theirs in the row.
      const bytes = Buffer.from(r.analysis_json);
      return { stream: Readable.from([bytes]), size: bytes.length, start: 0, totalSize: bytes.length };
    }
    return this.file(path.join(this.tracesDir, id, 'analysis.json'));
  }

  private file(p: string, range?: ByteRange): ObjectBody | null {
    if (!existsSync(p)) return null;
    const totalSize = statSync(p).size;
    const start = range ? Math.min(range.start, totalSize) : 0;
    const end = range ? Math.min(range.end ?? totalSize - 1, totalSize - 1) : totalSize - 1;
    const size = Math.max(0, end - start + 1);
    const stream = size > 0 ? createReadStream(p, { start, end }) : Readable.from([]);
    return { stream, size, start, totalSize };
  }

  private metaSync(id: string): TraceMeta | null {
    if (!ID_PATTERN.test(id)) return null;
    const r = this.db
      .prepare('SELECT id, name, created_at, bytes, sha256, format, has_keylog FROM traces WHERE id = ?')
      .get(id) as TraceRow | undefined;
    return r ? metaOf(r) : null;
  }

  async meta(id: string): Promise<TraceMeta | null> {
    return this.metaSync(id);
  }

  /** The raw file's path (tests and tools; the API streams `raw`). */
  rawPath(id: string): string | null {
    if (!this.metaSync(id)) return null;
    const p = path.join(this.tracesDir, id, 'raw');
    return existsSync(p) ? p : null;
  }

  async raw(id: string, range?: ByteRange): Promise<ObjectBody | null> {
    const p = this.rawPath(id);
    return p ? this.file(p, range) : null;
  }

  async document(id: string): Promise<ObjectBody | null> {
    return this.metaSync(id) ? this.file(path.join(this.tracesDir, id, 'trace.arrow')) : null;
  }

  async packetColumns(id: string): Promise<Uint8Array | null> {
    if (!this.metaSync(id)) return null;
    const p = path.join(this.tracesDir, id, 'packets.cols');
    return existsSync(p) ? new Uint8Array(readFileSync(p)) : null;
  }

  async keylog(id: string): Promise<string | null> {
    if (!this.metaSync(id)) return null;
    const p = path.join(this.tracesDir, id, 'keylog.txt');
    return existsSync(p) ? readFileSync(p, 'utf8') : null;
  }

  async checkToken(id: string, token: string | null): Promise<boolean> {
    const r = this.row(id);
    return r ? tokenMatches(token, r.token_hash) : false;
  }

  async deleteTrace(id: string): Promise<boolean> {
    if (!ID_PATTERN.test(id)) return false;
    const changes = this.db.prepare('DELETE FROM traces WHERE id = ?').run(id).changes;
    if (changes) rmSync(path.join(this.tracesDir, id), { recursive: true, force: true });
    return changes > 0;
  }

  async list(limit = 100): Promise<TraceMeta[]> {
    const rows = this.db
      .prepare(
        'SELECT id, name, created_at, bytes, sha256, format, has_keylog FROM traces ORDER BY created_at DESC LIMIT ?',
      )
      .all(limit) as TraceRow[];
    return rows.map(metaOf);
  }

  async annotations(id: string): Promise<Annotation[]> {
    if (!ID_PATTERN.test(id)) return [];
    const rows = this.db
      .prepare('SELECT * FROM annotations WHERE trace_id = ? ORDER BY rowid')
      .all(id) as AnnotationRow[];
    return rows.map(annotationOf);
  }

  async addAnnotation(
    id: string,
    a: { target: AnnotationTarget; author: string; text: string },
  ): Promise<Annotation> {
    const now = new Date().toISOString();
    const aid = newId();
    this.db
      .prepare(
        'INSERT INTO annotations (id, trace_id, target_json, author, text, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)',
      )
      .run(aid, id, JSON.stringify(a.target), a.author, a.text, now, now);
    return {
      id: aid,
      target: a.target,
      author: a.author,
      text: a.text,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
  }

  async updateAnnotation(
    id: string,
    aid: string,
    patch: { text?: string; author?: string; target?: AnnotationTarget; ifVersion?: number },
  ): Promise<Annotation | null | 'conflict'> {
    if (!ID_PATTERN.test(aid)) return null;
    return this.db.transaction((): Annotation | null | 'conflict' => {
      const r = this.db.prepare('SELECT * FROM annotations WHERE id = ? AND trace_id = ?').get(aid, id) as
        AnnotationRow | undefined;
      if (!r) return null;
      if (patch.ifVersion !== undefined && patch.ifVersion !== r.version) return 'conflict';
      const now = new Date().toISOString();
      const next: AnnotationRow = {
        ...r,
        text: patch.text ?? r.text,
        author: patch.author ?? r.author,
        target_json: patch.target ? JSON.stringify(patch.target) : r.target_json,
        updated_at: now,
        version: r.version + 1,
      };
      this.db
        .prepare(
          'UPDATE annotations SET text = ?, author = ?, target_json = ?, updated_at = ?, version = ? WHERE id = ?',
        )
        .run(next.text, next.author, next.target_json, next.updated_at, next.version, aid);
      return annotationOf(next);
    })();
  }

  async deleteAnnotation(id: string, aid: string): Promise<boolean> {
    if (!ID_PATTERN.test(aid)) return false;
    return this.db.prepare('DELETE FROM annotations WHERE id = ? AND trace_id = ?').run(aid, id).changes > 0;
  }

  /** Correlations stay files beside the traces (correlations-files.ts). */
  saveCorrelation(json: string): Promise<string> {
    return saveCorrelationFile(this.dataDir, json);
  }

  correlation(id: string): Promise<string | null> {
    return loadCorrelationFile(this.dataDir, id);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
