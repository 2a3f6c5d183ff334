/// <reference lib="webworker" />
// Loads a shared trace's document (lib/document: columns in one Arrow IPC file) off the main thread
// and answers the page's row-range requests: the page draws its first screen from the head, the
// findings, the connections and the first rows of the long lists, without the whole trace ever
// being parsed or cloned at once. Rows are made into objects here, a range at a time.
import { decodeArrow } from '@/lib/document/arrow';
import { TraceDocument } from '@/lib/document/reader';
import type { PacketColumns } from '@/lib/packets';
import { buildIndex, traceSpan } from '@/components/timeline/model';
import { weigh } from './transfer';
import type { DocumentRequest, DocumentResponse } from './document-messages';

const scope = self as unknown as DedicatedWorkerGlobalScope;
/**
 * Values per part (see transfer.ts `weigh`): smaller than the analysis worker's PART_BUDGET, since
 * these parts arrive while the page is already drawn and in use: about 1-2 ms of deserializing
 * each on an idle machine, so that a busy one stays under the 50 ms of a long task.
 */
const PART_BUDGET = 30_000;
let doc: TraceDocument | null = null;

function post(msg: DocumentResponse, transfer: Transferable[] = []) {
  scope.postMessage(msg, transfer);
}

async function open(url: string): Promise<void> {
  const r = await fetch(url);
  if (!r.ok) {
    post({ type: 'error', status: r.status, message: `HTTP ${r.status} fetching the trace document` });
    return;
  }
  const bytes = new Uint8Array(await r.arrayBuffer());
  doc = new TraceDocument(decodeArrow(bytes));
  // The packet columns are views of the document's buffer: copied out, so that they can be
  // transferred while the worker keeps the document.
  const p = doc.packets();
  let columns: PacketColumns | null = null;
  const transfer: Transferable[] = [];
  if (p) {
    const views = p.columnViews();
    const out: Record<string, unknown> = { length: views.length };
    for (const [k, v] of Object.entries(views)) {
      if (typeof v === 'number') continue;
      const copy = v.slice();
      out[k] = copy;
      transfer.push(copy.buffer);
    }
    columns = out as unknown as PacketColumns;
  }
  // The timeline's index is two passes over every packet: made here, not on the page's thread.
  const span = traceSpan({ connections: doc.connections.range(0, doc.connections.length) });
  const lanes = p ? buildIndex(p, doc.connections.length, span) : null;
  if (lanes) transfer.push(lanes.idx.buffer, lanes.off.buffer, lanes.hist.buffer);
  post(
    {
      type: 'head',
      head: doc.head,
      counts: {
        connections: doc.connections.length,
        findings: doc.findings.length,
        h2: doc.h2.length,
        exchanges: doc.exchanges.length,
        streams: doc.streams.length,
      },
      columns,
      lanes,
      bytes: bytes.length,
    },
    transfer,
  );
}

function rows(m: Extract<DocumentRequest, { type: 'rows' }>): void {
  if (!doc) throw new Error('no document open');
  const list = doc.list(m.list);
  const to = Math.min(m.to, list.length);
  let items: unknown[] = [];
  let from = Math.max(0, m.from);
  let w = 0;
  for (let i = from; i < to; i++) {
    const x = list.at(i);
    const xw = weigh(x);
    if (items.length > 0 && w + xw > PART_BUDGET) {
      post({ type: 'rows', req: m.req, list: m.list, from, items });
      from = i;
      items = [];
      w = 0;
    }
    items.push(x);
    w += xw;
  }
  if (items.length) post({ type: 'rows', req: m.req, list: m.list, from, items });
  post({ type: 'end', req: m.req });
}

scope.onmessage = async (ev: MessageEvent<DocumentRequest>) => {
  const m = ev.data;
  try {
    if (m.type === 'open') await open(m.url);
    else rows(m);
  } catch (e) {
    post({
      type: 'error',
      message: `Could not read the trace document: ${e instanceof Error ? e.message : String(e)}`,
    });
  }
};
