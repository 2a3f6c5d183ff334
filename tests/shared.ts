// Paths of the read-only shared material that sits beside the repository (../shared).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_DIR = path.resolve(REPO_ROOT, '../shared');
export const REAL_CAPTURES = path.join(SHARED_DIR, 'captures/real');
export const ZEEK_CAPTURES = path.join(SHARED_DIR, 'captures/zeek');
export const SAMPLES_DIR = path.join(REPO_ROOT, 'samples');
