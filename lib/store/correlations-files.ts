/**
 * Shared correlations on the embedded backend (server-only): one JSON file per id under
 * `<data dir>/correlations/`, written to a temporary name and renamed into place (whole or absent).
 * The PostgreSQL + S3 backend keeps them in the bucket instead (pg-store.ts).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ID_PATTERN, newId } from './types';

export function correlationsDir(dataDir: string): string {
  return path.join(dataDir, 'correlations');
}

/** Stores a view document; returns its id. */
export async function saveCorrelationFile(dataDir: string, json: string): Promise<string> {
  const dir = correlationsDir(dataDir);
  await mkdir(dir, { recursive: true });
  const id = newId();
  const tmp = path.join(dir, `.${id}.tmp`);
  await writeFile(tmp, json);
  await rename(tmp, path.join(dir, `${id}.json`));
  return id;
}

/** The stored view document's JSON text, or null (unknown or malformed id). */
export async function loadCorrelationFile(dataDir: string, id: string): Promise<string | null> {
  if (!ID_PATTERN.test(id)) return null;
  try {
    return await readFile(path.join(correlationsDir(dataDir), `${id}.json`), 'utf8');
  } catch {
    return null;
  }
}
