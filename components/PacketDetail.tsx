'use client';
// One packet: Wireshark's detail tree (frame, link, IP, TCP, what the analysis made of the
// payload) beside its bytes. Selecting a field highlights its bytes in the hex pane, clicking a
// byte selects the innermost field holding it, and a right-click on a field offers it as a display
// filter. The tree and bytes come from the packet session in the worker; without one (a view that
// kept no session) the packet's columns are shown and its bytes read on demand from the File.
import { useEffect, useMemo, useState } from 'react';
import { PacketTable, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '@/lib/packets';
import type { PacketClient } from '@/app/worker/packet-client';
import type { PacketDetailAnswer } from '@/app/worker/packet-messages';
import type { DetailNode } from './packets/dissect';

/** A node's place in the tree ("0.3.1"): keys selection and expansion. */
type Path = string;

function hexLines(buf: Uint8Array): string {
  const lines: string[] = [];
  for (let o = 0; o < buf.length; o += 16) {
    const row = Array.from(buf.subarray(o, o + 16));
    lines.push(
      `${o.toString(16).padStart(4, '0')}  ${row
        .map((b) => b.toString(16).padStart(2, '0'))
        .join(' ')
        .padEnd(48)}  ${row.map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('')}`,
    );
  }
  return lines.join('\n');
}

type Props = {
  table: PacketTable;
  n: number;
  file: File | null;
  session?: PacketClient | null;
  /** Right-click on a field with a display filter. */
  onFilterMenu?: (e: React.MouseEvent, filter: string) => void;
};

/** A fresh view per packet and session: selection, expansion and bytes start over. */
export default function PacketDetail(props: Props) {
  return <OnePacket key={props.n} {...props} />;
}

function OnePacket({ table, n, file, session, onFilterMenu }: Props) {
  const i = n - 1; // packet numbers are 1-based
  const [hex, setHex] = useState<string | null>(null);
  const [detail, setDetail] = useState<PacketDetailAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sel, setSel] = useState<Path | null>(null);
  const [open, setOpen] = useState<ReadonlySet<Path>>(new Set());

  useEffect(() => {
    if (!session) return;
    let live = true;
    session
      .ask({ type: 'detail', row: n - 1 })
      .then((a) => {
        if (!live || a.type !== 'detail') return;
        setDetail(a.detail);
        setError(null);
        // Open the transport and application layers, as one usually reads them.
        const o = new Set<Path>();
        a.detail.tree.forEach((node, k) => {
          if (
            /^(Transmission Control|User Datagram|HyperText|Hypertext|Transport Layer|tracelens)/.test(
              node.label,
            )
          )
            o.add(String(k));
        });
        setOpen(o);
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [session, n]);

  if (i < 0 || i >= table.length) return null;

  if (!session) return <ColumnsOnly table={table} i={i} n={n} file={file} hex={hex} setHex={setHex} />;

  const nodeAt = (path: Path | null): DetailNode | null => {
    if (!path || !detail) return null;
    let list: DetailNode[] | undefined = detail.tree;
    let node: DetailNode | null = null;
    for (const k of path.split('.')) {
      node = list?.[Number(k)] ?? null;
      list = node?.children;
    }
    return node;
  };
  const selected = nodeAt(sel);
  const range =
    selected && selected.start !== undefined && selected.length !== undefined
      ? { start: selected.start, end: selected.start + selected.length }
      : null;

  /** The innermost node whose bytes hold offset `o`. */
  const pathOfByte = (o: number): Path | null => {
    if (!detail) return null;
    let best: Path | null = null;
    let bestLen = Infinity;
    const walk = (list: DetailNode[], prefix: string) =>
      list.forEach((node, k) => {
        const p = prefix ? `${prefix}.${k}` : String(k);
        if (
          node.start !== undefined &&
          node.length !== undefined &&
          o >= node.start &&
          o < node.start + node.length
        ) {
          if (node.length <= bestLen) {
            best = p;
            bestLen = node.length;
          }
        }
        if (node.children) walk(node.children, p);
      });
    walk(detail.tree, '');
    return best;
  };

  const toggle = (p: Path) =>
    setOpen((s) => {
      const x = new Set(s);
      if (x.has(p)) x.delete(p);
      else x.add(p);
      return x;
    });

  const renderNodes = (list: DetailNode[], prefix: string, depth: number): React.ReactNode[] =>
    list.map((node, k) => {
      const p = prefix ? `${prefix}.${k}` : String(k);
      const kids = node.children && node.children.length > 0;
      const isOpen = open.has(p);
      return (
        <li key={p} role="treeitem" aria-expanded={kids ? isOpen : undefined} aria-selected={sel === p}>
          <div
            data-detail-path={p}
            data-filter={node.filter}
            onClick={() => {
              setSel(p);
              if (kids && depth === 0) toggle(p);
            }}
            onDoubleClick={() => kids && toggle(p)}
            onContextMenu={(e) => {
              if (!node.filter || !onFilterMenu) return;
              e.preventDefault();
              setSel(p);
              onFilterMenu(e, node.filter);
            }}
            style={{ paddingLeft: depth * 14 + 4 }}
            className={`flex cursor-default items-center gap-1 whitespace-nowrap pr-2 leading-[17px] ${
              sel === p ? 'bg-sky-700 text-white dark:bg-sky-600' : 'hover:bg-zinc-100 dark:hover:bg-zinc-800'
            }`}
          >
            <span
              className="inline-block w-3 text-center text-zinc-400"
              onClick={(e) => {
                if (!kids) return;
                e.stopPropagation();
                toggle(p);
              }}
            >
              {kids ? (isOpen ? '▾' : '▸') : ''}
            </span>
            <span className={depth === 0 ? 'font-semibold' : ''}>{node.label}</span>
          </div>
          {kids && isOpen && <ul role="group">{renderNodes(node.children!, p, depth + 1)}</ul>}
        </li>
      );
    });

  return (
    <section
      data-testid="packet-detail"
      data-packet={n}
      className="grid min-h-0 flex-1 grid-cols-[minmax(0,1.35fr)_minmax(0,1fr)] border-t border-zinc-300 dark:border-zinc-700"
    >
      <div className="min-h-0 overflow-auto border-r border-zinc-200 dark:border-zinc-800">
        <h3 className="sticky top-0 z-10 bg-zinc-100 px-2 py-0.5 font-semibold dark:bg-zinc-900">
          Packet {n}
          <span className="ml-2 font-normal text-zinc-500">right-click a field: apply as filter</span>
        </h3>
        {error && <div className="px-2 text-red-600">{error}</div>}
        {detail ? (
          <ul
            role="tree"
            aria-label={`Packet ${n} detail`}
            data-testid="packet-tree"
            className="num text-[11.5px]"
          >
            {renderNodes(detail.tree, '', 0)}
          </ul>
        ) : (
          !error && <div className="px-2 text-zinc-500">…</div>
        )}
      </div>
      <div className="min-h-0 overflow-auto" data-testid="packet-hex">
        {detail?.bytes ? (
          <HexView
            bytes={detail.bytes}
            range={range}
            onByte={(o) => {
              const p = pathOfByte(o);
              if (!p) return;
              setSel(p);
              // Open the path's ancestors so the field shows.
              setOpen((s) => {
                const x = new Set(s);
                const parts = p.split('.');
                for (let k = 1; k < parts.length; k++) x.add(parts.slice(0, k).join('.'));
                return x;
              });
            }}
          />
        ) : (
          detail && <div className="px-2 py-1 text-zinc-500">{detail.bytesNote}</div>
        )}
      </div>
    </section>
  );
}

/** Offset, 16 bytes in hex, the same as ASCII; bytes of the selected field highlighted in both. */
function HexView(props: {
  bytes: Uint8Array;
  range: { start: number; end: number } | null;
  onByte: (o: number) => void;
}) {
  const { bytes, range } = props;
  const lines = useMemo(() => {
    const out: number[] = [];
    for (let o = 0; o < bytes.length; o += 16) out.push(o);
    return out;
  }, [bytes]);
  const inRange = (o: number) => range !== null && o >= range.start && o < range.end;
  const hl = 'bg-sky-700 text-white dark:bg-sky-600';
  return (
    <pre className="num px-2 py-1 text-[11.5px] leading-[17px]" data-testid="hex-dump">
      {lines.map((o) => {
        const row = Array.from(bytes.subarray(o, o + 16));
        return (
          <div key={o} className="whitespace-pre">
            <span className="text-zinc-400">{o.toString(16).padStart(4, '0')}</span>
            {'  '}
            {row.map((b, k) => (
              <span key={k}>
                <span
                  data-byte={o + k}
                  data-hl={inRange(o + k) ? '1' : undefined}
                  onClick={() => props.onByte(o + k)}
                  className={`cursor-pointer ${inRange(o + k) ? hl : ''}`}
                >
                  {b.toString(16).padStart(2, '0')}
                </span>
                {k === 7 ? '  ' : k < 15 ? ' ' : ''}
              </span>
            ))}
            {' '.repeat(Math.max(0, (16 - row.length) * 3 - (row.length <= 8 ? 1 : 0)) + 2)}
            {row.map((b, k) => (
              <span
                key={k}
                onClick={() => props.onByte(o + k)}
                className={`cursor-pointer ${inRange(o + k) ? hl : 'text-zinc-600 dark:text-zinc-400'}`}
              >
                {b >= 32 && b < 127 ? String.fromCharCode(b) : '·'}
              </span>
            ))}
          </div>
        );
      })}
    </pre>
  );
}

/** Without a packet session: the packet's columns, and its bytes read from the File on demand. */
function ColumnsOnly(props: {
  table: PacketTable;
  i: number;
  n: number;
  file: File | null;
  hex: string | null;
  setHex: (s: string) => void;
}) {
  const { table, i, n, file } = props;
  const flags = table.tcpFlags[i];
  const names = [
    [TCP_SYN, 'SYN'],
    [TCP_ACK, 'ACK'],
    [TCP_PSH, 'PSH'],
    [TCP_FIN, 'FIN'],
    [TCP_RST, 'RST'],
  ]
    .filter(([b]) => flags & (b as number))
    .map(([, s]) => s)
    .join(' ');
  const loadHex = async () => {
    if (!file) return;
    const off = table.fileOffset[i];
    props.setHex(hexLines(new Uint8Array(await file.slice(off, off + table.caplen[i]).arrayBuffer())));
  };
  return (
    <section
      data-testid="packet-detail"
      data-packet={n}
      className="border-t border-zinc-200 dark:border-zinc-800"
    >
      <h3 className="bg-zinc-100 px-2 py-0.5 font-semibold dark:bg-zinc-900">Packet #{n}</h3>
      <div className="num px-2 py-1">
        t={table.time[i].toFixed(6)}s · conn c{table.conn[i] + 1} · {table.dir[i] === 0 ? 'c→s' : 's→c'} · [
        {names}] · payload {table.payloadLen[i]} · caplen {table.caplen[i]}
        {file && (
          <button
            className="ml-2 rounded border border-zinc-300 px-1 dark:border-zinc-700"
            onClick={() => void loadHex()}
          >
            hex
          </button>
        )}
        {props.hex && <pre className="mt-1 overflow-auto text-[11px]">{props.hex}</pre>}
      </div>
    </section>
  );
}
