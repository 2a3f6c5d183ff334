/**
 * The human-readable report of `tracelens analyze`: input facts, findings first (what a person
 * came for), then the connection, stream and exchange tables. Plain text, 100 columns.
 */
import type { Connection, Finding, H2Stream, Http1Exchange, Trace } from '../lib/trace';
import { coverageSummary } from '../lib/findings/coverage';

export interface TextOptions {
  color: boolean;
  /** Rows per table before "... N more". */
  maxRows?: number;
}

const WIDTH = 100;
const FULL_PER_KIND = 3;

function paint(on: boolean, code: string, s: string): string {
  return on ? `\x1b[${code}m${s}\x1b[0m` : s;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function fmtS(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '-';
  if (Math.abs(s) < 10) return s.toFixed(3);
  if (Math.abs(s) < 1000) return s.toFixed(1);
  return s.toFixed(0);
}

const LINK_NAMES: Record<number, string> = {
  0: 'BSD loopback',
  1: 'Ethernet',
  101: 'raw IP',
  108: 'OpenBSD loopback',
  113: 'Linux cooked (SLL)',
  228: 'raw IPv4',
  229: 'raw IPv6',
  276: 'Linux cooked v2 (SLL2)',
};

function wrap(text: string, indent: number, width = WIDTH): string[] {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && indent + line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines.map((l) => ' '.repeat(indent) + l);
}

function table(headers: string[], rows: string[][], rightAlign: Set<number>): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (rightAlign.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(headers), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}

function evidenceText(f: Finding): string {
  const parts = f.evidence.slice(0, 8).map((e) => {
    const what =
      e.packet !== undefined
        ? `packet ${e.packet}`
        : e.frame !== undefined
          ? `frame ${e.frame}`
          : `line ${e.line}`;
    return e.note ? `${what} (${e.note})` : what;
  });
  if (f.evidence.length > 8) parts.push(`+${f.evidence.length - 8} more`);
  return parts.join(', ');
}

function renderFinding(f: Finding, color: boolean): string[] {
  const sev =
    f.severity === 'error'
      ? paint(color, '1;31', 'ERROR')
      : f.severity === 'warning'
        ? paint(color, '1;33', 'WARN ')
        : paint(color, '36', 'INFO ');
  const where = [f.connection, f.stream !== null ? `stream ${f.stream}` : null].filter(Boolean).join(' ');
  const out = [`${sev}  ${paint(color, '1', f.title)}`];
  out.push(`       ${f.kind}${where ? `  on ${where}` : ''}  at ${fmtS(f.startS)}–${fmtS(f.endS)} s`);
  out.push(...wrap(f.explanation, 7));
  if (f.evidence.length) out.push(...wrap(`evidence: ${evidenceText(f)}`, 7));
  return out;
}

function connectionRow(c: Connection): string[] {
  const flags: string[] = [];
  if (c.retransmissions.c2s + c.retransmissions.s2c)
    flags.push(`retx ${c.retransmissions.c2s + c.retransmissions.s2c}`);
  if (c.keepalives.c2s + c.keepalives.s2c) flags.push(`ka ${c.keepalives.c2s + c.keepalives.s2c}`);
  if (c.vlan.length) flags.push(`vlan ${c.vlan.join('/')}`);
  if (c.tunnel) flags.push(c.tunnel);
  if (c.tls?.sni) flags.push(`sni ${c.tls.sni}`);
  if (c.tls?.alpnSelected) flags.push(`alpn ${c.tls.alpnSelected}`);
  if (c.upgrade) flags.push(`upgrade ${c.upgrade.protocol}`);
  return [
    c.id,
    c.client,
    c.server,
    c.protocol,
    fmtS(c.startS),
    fmtS(c.endS - c.startS),
    `${c.packets.c2s}/${c.packets.s2c}`,
    `${c.bytes.c2s}/${c.bytes.s2c}`,
    c.end,
    fmtS(c.maxIdleS),
    flags.join(', '),
  ];
}

const FRAME_LETTER: Record<string, string> = {
  HEADERS: 'H',
  DATA: 'D',
  CONTINUATION: 'C',
  RST_STREAM: 'R',
  PUSH_PROMISE: 'P',
};

/** Frame sequence, client frames upper case and server frames lower case; * marks END_STREAM. */
export function shortSequence(s: H2Stream, max = 40): string {
  const parts: string[] = [];
  for (const f of s.frames) {
    const letter = FRAME_LETTER[f.type];
    if (!letter) continue;
    parts.push(
      (f.dir === 'c2s' ? letter : letter.toLowerCase()) + (f.flags.includes('END_STREAM') ? '*' : ''),
    );
  }
  return truncate(parts.join(' '), max);
}

function streamRow(s: H2Stream): string[] {
  return [
    s.connection,
    String(s.id),
    s.method ?? '',
    truncate(s.path ?? '', 36),
    s.status === null ? '' : String(s.status),
    s.grpcStatus === null ? '' : String(s.grpcStatus),
    shortSequence(s),
  ];
}

function exchangeRow(e: Http1Exchange): string[] {
  const ttfb = e.requestS !== null && e.responseS !== null ? fmtS(e.responseS - e.requestS) : '-';
  return [
    e.connection,
    String(e.index),
    e.method ?? '(none)',
    truncate(e.path ?? '', 40),
    e.status === null ? '-' : String(e.status),
    fmtS(e.requestS),
    ttfb,
    e.outcome,
  ];
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

function limited<T>(items: T[], max: number, render: (t: T) => string[]): { rows: string[][]; more: number } {
  return { rows: items.slice(0, max).map(render), more: Math.max(0, items.length - max) };
}

export function renderTraceText(trace: Trace, opts: TextOptions): string {
  const { input } = trace;
  const c = opts.color;
  const max = opts.maxRows ?? 50;
  const out: string[] = [];
  const links = input.linkTypes.map((l) => LINK_NAMES[l] ?? `link ${l}`).join(', ');
  out.push(
    paint(c, '1', `tracelens ${trace.version} — ${input.name}`) +
      `  (${input.format}${input.compression ? '+' + input.compression : ''}, ${fmtBytes(input.bytes)}${links ? ', ' + links : ''})`,
  );
  const h2conns = trace.connections.filter((x) => x.protocol === 'h2').length;
  out.push(
    `${input.start ? `start ${input.start}, ` : ''}span ${fmtS(input.durationS)} s, ${input.packets} ${input.format.endsWith('debug') || input.format.endsWith('verbose') ? 'frame lines' : 'packets'}` +
      `${input.nonTcpPackets ? ` (${input.nonTcpPackets} not TCP)` : ''}, ${trace.connections.length} connections` +
      `${h2conns ? ` (${h2conns} HTTP/2)` : ''}, ${trace.streams.length} HTTP/2 streams, ${trace.exchanges.length} HTTP/1 exchanges`,
  );
  out.push(
    `thresholds: idle ${trace.options.idleThresholdS} s, half-close ${trace.options.halfCloseThresholdS} s, slow response ${trace.options.slowFactor}x median and > ${trace.options.slowMinS} s`,
  );
  for (const w of input.warnings) out.push(paint(c, '33', `warning: ${w}`));
  if (input.unparsedLines?.count) {
    out.push(
      paint(
        c,
        '33',
        `warning: ${input.unparsedLines.count} log lines did not parse (lines ${input.unparsedLines.lines.slice(0, 10).join(', ')}${input.unparsedLines.count > 10 ? ', ...' : ''})`,
      ),
    );
  }
  out.push('');

  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of trace.findings) counts[f.severity]++;
  out.push(paint(c, '1', `Findings: ${counts.error} error, ${counts.warning} warning, ${counts.info} info`));
  // Say what was not inspected, so that no error is not read as "checked and fine" where nothing was checked.
  const blind = coverageSummary(trace);
  if (blind) {
    out.push(paint(c, '33', `  ${blind}`));
    if (counts.error + counts.warning === 0)
      out.push('  no error or warning in the traffic that was inspected; nothing is known about the rest');
    out.push('');
  } else if (trace.findings.length === 0) {
    out.push('  none: nothing in this trace matches a known failure pattern');
  }
  // The first few findings of a kind in full; further ones of the same kind as one line each, so
  // twenty identical leaks do not bury the rest of the report.
  const shown = new Map<string, number>();
  for (const f of trace.findings) {
    const n = (shown.get(f.kind) ?? 0) + 1;
    shown.set(f.kind, n);
    if (n <= FULL_PER_KIND) {
      out.push(...renderFinding(f, c));
      out.push('');
    } else {
      out.push(
        `${f.severity === 'error' ? 'ERROR' : f.severity === 'warning' ? 'WARN ' : 'INFO '}  ${f.kind} on ${f.connection ?? 'trace'}${f.stream !== null ? ` stream ${f.stream}` : ''}: ${f.title}`,
      );
    }
  }
  if (trace.findings.some((f) => (shown.get(f.kind) ?? 0) > FULL_PER_KIND))
    out.push('', `(findings beyond ${FULL_PER_KIND} of a kind are shortened; --json has them all)`, '');
  if (trace.findings.length) out.pop();
  out.push('');

  out.push(paint(c, '1', `Connections (${trace.connections.length})`));
  const ct = limited(trace.connections, max, connectionRow);
  out.push(
    ...table(
      [
        'id',
        'client',
        'server',
        'proto',
        'start s',
        'dur s',
        'pkts c>s/s>c',
        'bytes c>s/s>c',
        'end',
        'max idle s',
        'notes',
      ],
      ct.rows,
      new Set([4, 5, 6, 7, 9]),
    ).map((l) => '  ' + l),
  );
  if (ct.more) out.push(`  ... ${ct.more} more (use --json for all)`);

  if (trace.streams.length) {
    out.push('');
    out.push(
      paint(c, '1', `HTTP/2 streams (${trace.streams.length})`) +
        '   frames: H HEADERS, D DATA, C CONTINUATION, R RST_STREAM, P PUSH_PROMISE; * END_STREAM; lower case = server to client',
    );
    const st = limited(trace.streams, max, streamRow);
    out.push(
      ...table(
        ['conn', 'stream', 'method', 'path', 'status', 'grpc', 'frames'],
        st.rows,
        new Set([1, 4, 5]),
      ).map((l) => '  ' + l),
    );
    if (st.more) out.push(`  ... ${st.more} more (use --json for all)`);
  }
  if (trace.exchanges.length) {
    out.push('');
    out.push(paint(c, '1', `HTTP/1.x exchanges (${trace.exchanges.length})`));
    const et = limited(trace.exchanges, max, exchangeRow);
    out.push(
      ...table(
        ['conn', '#', 'method', 'path', 'status', 'request s', 'ttfb s', 'outcome'],
        et.rows,
        new Set([1, 4, 5, 6]),
      ).map((l) => '  ' + l),
    );
    if (et.more) out.push(`  ... ${et.more} more (use --json for all)`);
  }
  return out.join('\n') + '\n';
}
