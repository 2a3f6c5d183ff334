import { test } from 'vitest';
import { readFileSync } from 'node:fs';
import { analyzeBytes } from '/work/main/lib/analyze';
import { compareTraces } from '/work/main/lib/compare';
for (const p of ['keepalive', 'trailers', 'timeout']) test(p, () => {
  const dir = `/work/main/samples/compare/${p}`;
  const ta = analyzeBytes('a', new Uint8Array(readFileSync(`${dir}/a/capture.pcap`)), { idleThresholdS: 3 });
  const tb = analyzeBytes('b', new Uint8Array(readFileSync(`${dir}/b/capture.pcap`)), { idleThresholdS: 3 });
  const r = compareTraces(ta, tb);
  console.log(p, JSON.stringify({ summary: r.summary, matches: r.matches, onlyA: r.findings.onlyA.map(f=>f.kind+' '+f.connection), onlyB: r.findings.onlyB.map(f=>f.kind+' '+f.connection), streamsA: ta.streams.map(s=>[s.path,s.status,s.grpcStatus]), streamsB: tb.streams.map(s=>[s.path,s.status,s.grpcStatus]), exA: ta.exchanges.map(e=>[e.path,e.status,e.outcome]), exB: tb.exchanges.map(e=>[e.path,e.status,e.outcome])}, null, 1));
});
