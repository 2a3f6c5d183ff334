/**
 * Persistence of shared traces (server-only). The embedded default is SQLite (metadata,
 * annotations) plus files in a data directory (sqlite-store.ts); at scale, PostgreSQL plus an
 * S3-compatible object store (pg-store.ts).
 */

import type { Annotation, AnnotationTarget } from '../annotations';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { AnalysisOptions, Finding, Trace } from '../trace';

export interface TraceMeta {
  id: string;
  name: string;
  createdAt: string; // ISO-8601
  bytes: number;
  sha256: string;
  format: string;
  hasKeylog: boolean;
}

export type { Annotation, AnnotationTarget } from '../annotations';

/**
 * What the shared page renders on the server: a few hundred bytes however large the analysis, so
 * a page view never parses a 100 MB document on the request thread.
 */
export interface TraceSummary {
  input: Trace['input'];
  connections: number;
  streams: number;
  counts: { error: number; warning: number; info: number };
  /** The first findings that are not info, in report order. */
  top: Pick<Finding, 'severity' | 'title' | 'kind'>[];
}

export function summarize(t: Pick<Trace, 'input' | 'connections' | 'streams' | 'findings'>): TraceSummary {
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of t.findings) counts[f.severity]++;
  return {
    input: t.input,
    connections: t.connections.length,
    streams: t.streams.length,
    counts,
    top: t.findings
      .filter((f) => f.severity !== 'info')
      .slice(0, 10)
      .map((f) => ({ severity: f.severity, title: f.title, kind: f.kind })),
  };
}

export interface StoredTrace {
  meta: TraceMeta;
  /** The Trace JSON document (contract), as stored. */
  analysisJson: string;
}

export interface NewTrace {
  name: string;
  bytes: number;
  sha256: string;
  format: string;
  /** Path of the completed temporary raw file, to be moved into place atomically. */
  tmpRawPath: string;
  tmpKeylogPath: string | null;
  /** The Trace JSON: as text, or a temporary file (written off the request thread) to move in. */
  analysisJson?: string;
  tmpAnalysisPath?: string;
  /** The packet columns: as bytes, or a temporary file to move in; null for logs. */
  packetColumns?: Uint8Array | null;
  tmpColumnsPath?: string | null;
  /** The page's summary (`summarize`), as a temporary JSON file to move in. */
  tmpSummaryPath?: string | null;
  /** The trace document (lib/document: Arrow IPC), as a temporary file to move in; null if none. */
  tmpDocumentPath?: string | null;
}

/** Stored bytes being read: a stream of `size` bytes, `start` of `totalSize` (a range or all). */
export interface ObjectBody {
  stream: Readable;
  size: number;
  start: number;
  totalSize: number;
}

/** A byte range asked for (inclusive `end`, as in HTTP Range); absent: the whole object. */
export interface ByteRange {
  start: number;
  end?: number;
}

/** An upload in progress (ingest.ts for the embedded store, queued-upload.ts for the queue). */
export interface IngestSession {
  /** Rejects as soon as the upload fails (a limit passed): race it with reads. */
  readonly failure: Promise<never>;
  write(chunk: Uint8Array): Promise<void>;
  /** A key log that arrived after the capture started. */
  setKeylog(text: string): void;
  finish(): Promise<{ id: string; token: string; bytes: number }>;
  /** Stops and removes what was stored so far. Safe to call more than once. */
  abort(): Promise<void>;
}

export interface UploadOptions {
  name: string;
  /** NSS key log text, only when the user consented to share it (may also come later). */
  keylog?: string | null;
  /** Thresholds the sharer analyzed with, so viewers see the same findings. */
  options?: Partial<AnalysisOptions>;
}

/**
 * What the API needs of a store. Two backends: SQLite + files (the embedded default,
 * sqlite-store.ts) and PostgreSQL + S3 (pg-store.ts: stateless replicas, analysis as queued jobs).
 */
export interface TraceStore {
  readonly backend: 'sqlite+files' | 'postgres+s3';
  /** Starts receiving an upload; throws UploadError(503) when the analysis queue is full. */
  beginUpload(opts: UploadOptions): Promise<IngestSession>;
  /** True when a new upload would be refused with 503 (analysis queue full). */
  busy(): Promise<boolean>;
  /** A token bucket per client (`TRACELENS_UPLOAD_RATE` a minute). */
  takeUploadToken(client: string, now?: number): Promise<{ ok: true } | { ok: false; retryAfterS: number }>;
  meta(id: string): Promise<TraceMeta | null>;
  /** The page's summary: from its small object, else (older traces) made from the analysis. */
  summary(id: string): Promise<TraceSummary | null>;
  /** The Trace JSON document (contract), streamed. */
  analysis(id: string): Promise<ObjectBody | null>;
  /** The capture as uploaded, whole or a byte range. */
  raw(id: string, range?: ByteRange): Promise<ObjectBody | null>;
  packetColumns(id: string): Promise<Uint8Array | null>;
  /**
   * The trace document (lib/document/arrow.ts: columns, Arrow IPC) the shared page loads; null for
   * traces stored before documents were made. Optional until every backend keeps one.
   */
  document?(id: string): Promise<ObjectBody | null>;
  /** The key log, when it was shared with the capture. */
  keylog(id: string): Promise<string | null>;
  checkToken(id: string, token: string | null): Promise<boolean>;
  deleteTrace(id: string): Promise<boolean>;
  list(limit?: number): Promise<TraceMeta[]>;
  annotations(id: string): Promise<Annotation[]>;
  addAnnotation(
    id: string,
    a: { target: AnnotationTarget; author: string; text: string },
  ): Promise<Annotation>;
  /** null when the note does not exist; 'conflict' when `ifVersion` is stale. */
  updateAnnotation(
    id: string,
    aid: string,
    patch: { text?: string; author?: string; target?: AnnotationTarget; ifVersion?: number },
  ): Promise<Annotation | null | 'conflict'>;
  deleteAnnotation(id: string, aid: string): Promise<boolean>;
  /** Keeps a shared correlation's view document (lib/lanes/view.ts, JSON text); returns its id. */
  saveCorrelation(json: string): Promise<string>;
  /** A shared correlation's view document as stored, or null when there is none with that id. */
  correlation(id: string): Promise<string | null>;
  close(): Promise<void>;
}

/** Ids are 128 random bits in base64url (22 characters); anything else is rejected before use. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export const newId = (): string => randomBytes(16).toString('base64url');
export const newToken = (): string => randomBytes(32).toString('base64url');
export const hashToken = (t: string): string => createHash('sha256').update(t).digest('hex');

/** Compares a token with a stored hash in constant time. */
export function tokenMatches(token: string | null, storedHash: string): boolean {
  if (!token) return false;
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
