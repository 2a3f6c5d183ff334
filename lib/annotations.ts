/**
 * Notes pinned to parts of a shared trace: the shape the API, the store and the browser share.
 */

/** What a note is pinned to. Exactly one key is set. */
export type AnnotationTarget =
  | { packet: number }
  | { frame: number }
  | { stream: { connection: string; id: number } }
  | { connection: string }
  | { finding: number }
  | { range: { startS: number; endS: number } };

export interface Annotation {
  id: string;
  target: AnnotationTarget;
  author: string;
  text: string;
  createdAt: string;
  updatedAt: string;
  /** Incremented on every edit; a PATCH may name the version it edits (optimistic concurrency). */
  version: number;
}
