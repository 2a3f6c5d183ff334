'use client';
import { useState } from 'react';
import { PacketTable, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '@/lib/packets';

export default function PacketDetail({
  table,
  n,
  file,
}: {
  table: PacketTable;
  n: number;
  file: File | null;
}) {
  const i = n - 1; // packet numbers are 1-based
  const [hex, setHex] = useState<string | null>(null);
  if (i < 0 || i >= table.length) return null;
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
    const buf = new Uint8Array(await file.slice(off, off + table.caplen[i]).arrayBuffer());
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
    setHex(lines.join('\n'));
  };
  return (
    <section data-testid="packet-detail" className="border-t border-zinc-200 dark:border-zinc-800">
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
        {hex && <pre className="mt-1 overflow-auto text-[11px]">{hex}</pre>}
      </div>
    </section>
  );
}
