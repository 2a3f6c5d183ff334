/**
 * Persistence of shared traces (server-only). The embedded default is SQLite (metadata,
 * annotations, cached analysis) plus raw files in a data directory; see sqlite-store.ts.
 */

import type { Annotation, AnnotationTarget } from '../annotations';
import type { Finding, Trace } from '../trace';

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
}

export interface TraceStore {
  /** Where uploads are written while they arrive (same file system as the data, for rename). */
  tmpDir(): string;
  /** Moves the raw file into place and records the trace; returns its id and edit token. */
  commit(t: NewTrace): { id: string; token: string };
  get(id: string): StoredTrace | null;
  /**
   * The Trace JSON as a file, for streaming it; null when the trace is unknown or its analysis is
   * kept in the database (rows from before analyses were files).
   */
  analysisPath(id: string): string | null;
  /** The page's summary: from its small file, else (older traces) made from the analysis. */
  summary(id: string): TraceSummary | null;
  meta(id: string): TraceMeta | null;
  rawPath(id: string): string | null;
  packetColumns(id: string): Uint8Array | null;
  checkToken(id: string, token: string | null): boolean;
  deleteTrace(id: string): boolean;
  list(limit?: number): TraceMeta[];
  annotations(id: string): Annotation[];
  addAnnotation(id: string, a: { target: AnnotationTarget; author: string; text: string }): Annotation;
  /** null when the note does not exist; 'conflict' when `ifVersion` is stale. */
  updateAnnotation(
    id: string,
    aid: string,
    patch: { text?: string; author?: string; target?: AnnotationTarget; ifVersion?: number },
  ): Annotation | null | 'conflict';
  deleteAnnotation(id: string, aid: string): boolean;
  close(): void;
}

/** Ids are 128 random bits in base64url (22 characters); anything else is rejected before use. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
