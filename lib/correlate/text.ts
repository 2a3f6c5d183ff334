/** The correlation as an on-call engineer reads it: which point saw what, and which hop did it. */
import type { CorrelationDoc } from './types';

/** A duration as people read it: microseconds to milliseconds below a second, seconds above. */
function ms(s: number | null): string {
  if (s === null) return '?';
  return Math.abs(s) >= 1 ? `${s.toFixed(6)} s` : `${(s * 1e3).toFixed(3)} ms`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function renderCorrelationText(doc: CorrelationDoc): string {
  const L: string[] = [];
  const name = (k: number): string => doc.inputs[k]?.name ?? `input ${k}`;
  L.push(`tracelens correlate — ${doc.inputs.length} inputs (times: ${doc.timeBase})`);
  doc.inputs.forEach((x, k) => {
    const off =
      k === 0
        ? 'reference clock'
        : x.offsetS === null
          ? 'clock offset unknown (nothing matched)'
          : `clock ${x.offsetS >= 0 ? '+' : ''}${ms(x.offsetS)} ± ${ms(x.offsetUncertaintyS)} vs ${name(0)}`;
    L.push(
      `  ${String.fromCharCode(65 + k)}  ${x.name}  ${x.kind}, ${x.packets} ${x.kind === 'log' ? 'frame lines' : 'packets'}, ${x.connections} connections, ${x.durationS.toFixed(3)} s; ${off}`,
    );
  });
  doc.inputs.forEach((x, k) => {
    for (const w of x.warnings.slice(0, 3)) L.push(`     ${String.fromCharCode(65 + k)}: warning: ${w}`);
  });
  L.push('');
  for (const p of doc.pairs) {
    const [a, b] = p.inputs;
    L.push(`${name(a)} ↔ ${name(b)}`);
    const ms2 = doc.matches.filter((m) => m.inputs[0] === a && m.inputs[1] === b);
    const viaPackets = ms2.filter((m) => m.via === 'packets');
    const viaReq = ms2.filter((m) => m.via === 'request');
    L.push(
      `  connections matched: ${viaPackets.length} by their packets${viaReq.length ? `, ${viaReq.length} through a proxy by their requests` : ''}`,
    );
    if (p.offsetS !== null)
      L.push(
        `  clock: ${name(b)} = ${name(a)} ${p.offsetS >= 0 ? '+' : '-'} ${ms(Math.abs(p.offsetS))} ± ${ms(p.offsetUncertaintyS)} (from ${p.offsetFrom})` +
          (p.driftPpm !== null ? `, drift ${p.driftPpm} ppm` : '') +
          `; one-way delay min ${ms(p.minDelayS.forward)} →, ${ms(p.minDelayS.backward)} ←`,
      );
    const f = p.fates;
    L.push(
      `  packets: ${f.delivered} delivered (${f.rewritten} rewritten, ${f.delayed} delayed, ${f.reordered} reordered), ${f.lost} lost, ${f.injected} injected, ${f.notObserved} outside the other capture`,
    );
    const near = viaPackets[0];
    if (near)
      L.push(
        `  path: ${near.nearClient === 'a' ? name(a) : name(b)} is nearer the client${near.hops !== null ? `, ${near.hops} IP hop${near.hops === 1 ? '' : 's'} between the points` : ''}`,
      );
    for (const l of p.loss)
      L.push(
        `  loss: ${plural(l.packets, 'packet')} sent past ${name(l.from)} never reached ${name(l.to)} (${l.retransmitted} retransmitted)`,
      );
    const byProxy = p.proxied.filter((x) => x.answeredByProxy);
    if (byProxy.length > 0) {
      const statuses = [...new Set(byProxy.map((x) => (x.statusA ?? x.statusB) as number))].join('/');
      const waited = byProxy.map((x) => x.proxyWaitedS).filter((v): v is number => v !== null);
      L.push(
        `  proxy: ${byProxy.length} request${byProxy.length === 1 ? '' : 's'} answered ${statuses} by the proxy between the points before the upstream answered (later or never)` +
          (waited.length
            ? `, ${Math.min(...waited).toFixed(3)}–${Math.max(...waited).toFixed(3)} s after it forwarded the whole request: the proxy's timeout`
            : ''),
      );
      for (const x of byProxy.slice(0, 5))
        L.push(
          `    ${x.request}  ${name(a)} ${x.a}: ${x.statusA ?? 'no answer'}   ${name(b)} ${x.b}: ${x.statusB ?? 'no answer'}`,
        );
    }
    for (const r of p.nat.slice(0, 5))
      L.push(`  NAT: ${r.aClient} → ${r.aServer}  is  ${r.bClient} → ${r.bServer}`);
    if (p.nat.length > 5) L.push(`  NAT: … ${p.nat.length - 5} more`);
    L.push('');
  }
  if (doc.findings.length === 0 && doc.matches.length === 0)
    L.push('No finding, and no conclusion: the inputs share no connection (see the notes).');
  else if (doc.findings.length === 0)
    L.push(
      'No finding: every packet one point saw reached the other as sent, and every answer was the same at both points.',
    );
  else L.push('Findings:');
  for (const f of doc.findings) {
    L.push(`  [${f.severity}] ${f.kind}  ${f.title}`);
    L.push(
      `      at ${f.startS.toFixed(3)} s; evidence: ${f.evidence
        .slice(0, 6)
        .map((e) => `${e.input !== undefined ? name(e.input) : ''}#${e.packet ?? e.line ?? e.frame}`)
        .join(', ')}${f.evidence.length > 6 ? ', …' : ''}`,
    );
  }
  for (const n of doc.notes) L.push(`note: ${n}`);
  return L.join('\n') + '\n';
}
