// The inputs that whole-corpus tests run over, and how each is analyzed (with its key log).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Analyzer, AnalysisError } from '../lib/analyze';
import type { Trace } from '../lib/trace';

/** Captures and debug logs (.pcap, .pcapng, .log; gzip or not) under `dir`, three folders deep. */
export function inputsUnder(dir: string, depth = 0): string[] {
  if (!existsSync(dir) || depth > 3) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...inputsUnder(p, depth + 1));
    else if (/\.(pcap|pcapng|log)(\.gz)?$/.test(name)) out.push(p);
  }
  return out;
}

/**
 * The trace of a capture or log, decrypted with the key log that TLS samples keep beside the
 * capture (NAME.keys or NAME.keylog); null for input the analyzer refuses (it has no trace).
 */
export function analyzeInput(file: string): Trace | null {
  const keyFile = ['.keys', '.keylog']
    .map((ext) => file.replace(/\.pcap(ng)?(\.gz)?$/, ext))
    .find((f) => f !== file && existsSync(f));
  const keylog = keyFile ? readFileSync(keyFile, 'utf8') : undefined;
  const bytes = new Uint8Array(readFileSync(file));
  const a = new Analyzer({ name: path.basename(file), size: bytes.length, keylog });
  try {
    a.push(bytes);
    return a.finish();
  } catch (e) {
    if (e instanceof AnalysisError) return null;
    throw e;
  }
}
