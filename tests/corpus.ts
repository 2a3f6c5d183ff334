// Where the test material lives: the repository's own (samples/, lab/) and the external corpus of
// real captures with tshark and Zeek truth (shared/ beside the repository, or wherever
// TRACELENS_CORPUS points). No test-runner import here: the vitest global setup reads it too.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CORPUS_DIR = path.resolve(REPO_ROOT, process.env.TRACELENS_CORPUS || '../shared');
export const REAL_CAPTURES = path.join(CORPUS_DIR, 'captures/real');
export const ZEEK_CAPTURES = path.join(CORPUS_DIR, 'captures/zeek');
export const CONTRACTS_DIR = path.join(CORPUS_DIR, 'contracts');
export const SAMPLES_DIR = path.join(REPO_ROOT, 'samples');
export const LAB_DIR = path.join(REPO_ROOT, 'lab');

/** Whether the external corpus is there. */
export const HAS_CORPUS = existsSync(REAL_CAPTURES);
