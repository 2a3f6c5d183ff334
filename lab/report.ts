// The lab at a glance: for every scenario and capture, the findings at warning or error (kind x
// count) and whether they equal expected.json; then, over the benign scenarios, warnings and errors
// per 10,000 HTTP/2 streams + HTTP/1 exchanges (target 0).
//   npx tsx lab/report.ts [--markdown]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Analyzer } from '../lib/analyze';
import type { Trace } from '../lib/trace';
import { labMismatches, type LabExpected } from './expectations';

const LAB = path.dirname(new URL(import.meta.url).pathname);
const markdown = process.argv.includes('--markdown');

function analyze(file: string, keylog: string | undefined, opts: LabExpected['captures'][string]): Trace {
  const bytes = new Uint8Array(readFileSync(file));
  const a = new Analyzer({ name: path.basename(file), size: bytes.length, keylog }, opts.options ?? {});
  for (let off = 0; off < bytes.length; off += 1 << 20) a.push(bytes.subarray(off, off + (1 << 20)));
  return a.finish();
}

let units = 0;
let bad = 0;
let agree = 0;
let total = 0;
if (markdown)
  console.log('| scenario / capture | warning and error findings | expected |\n| --- | --- | --- |');
for (const name of readdirSync(LAB).sort()) {
  const exp = path.join(LAB, name, 'expected.json');
  if (!existsSync(exp)) continue;
  const e = JSON.parse(readFileSync(exp, 'utf8')) as LabExpected;
  for (const [file, c] of Object.entries(e.captures)) {
    const dir = path.join(LAB, name);
    const trace = analyze(
      path.join(dir, file),
      c.keylog ? readFileSync(path.join(dir, c.keylog), 'utf8') : undefined,
      c,
    );
    const counts = new Map<string, number>();
    for (const f of trace.findings)
      if (f.severity !== 'info')
        counts.set(`${f.kind} (${f.severity})`, (counts.get(`${f.kind} (${f.severity})`) ?? 0) + 1);
    const text = [...counts].map(([k, n]) => `${k} x${n}`).join(', ') || (e.benign ? 'quiet' : 'none');
    const ok = labMismatches(trace, c, e.benign).length === 0;
    total++;
    if (ok) agree++;
    if (e.benign) {
      units += trace.streams.length + trace.exchanges.length;
      bad += [...counts.values()].reduce((a, b) => a + b, 0);
    }
    console.log(
      markdown
        ? `| ${name}/${file} | ${text} | ${ok ? 'yes' : 'NO'} |`
        : `${ok ? 'ok ' : 'NO '} ${name}/${file}: ${text}`,
    );
  }
}
console.log(
  `\n${agree} of ${total} captures yield exactly their expected findings; benign: ${units} streams + exchanges, ` +
    `${bad} warning/error findings = ${units ? ((bad * 10000) / units).toFixed(2) : '0'} per 10,000`,
);
