/// <reference lib="webworker" />
// Analysis off the main thread: reads the File in 1 MiB chunks, pushes them to the Analyzer,
// reports progress every ~100 ms, and posts the Trace in parts (see transfer.ts; each packed into
// arrays, pack.ts, and no more than PARTS_AHEAD ahead of the page) with the packet columns and the
// timeline's lane index transferred.
import { AnalysisError, Analyzer } from '@/lib/analyze';
import { buildIndex, traceSpan } from '@/components/timeline/model';
import {
  isPartsTaken,
  type PartsTaken,
  type TraceLists,
  type WorkerRequest,
  type WorkerResponse,
} from './messages';
import type { PacketQuery } from './packet-messages';
import { PacketSession } from './packet-session';
import { PacketTable } from '@/lib/packets';
import { Interner, PARTS_AHEAD, copyColumns, exactColumns, resultParts, splitTrace } from './transfer';
import { isFollowQuery } from './follow-messages';
import { pack, type PackBuffers } from './pack';
import { FollowSession } from './follow-session';
import { ShardPool } from './shard-pool';

/**
 * Bytes per chunk pushed to the Analyzer. The RING chunks in flight are memory the renderer holds
 * throughout (3 MiB at this size, 12 MiB at 4 MiB); a BYOB read of a File yields about 0.5 MB at a
 * time anyway.
 */
const CHUNK = 1024 * 1024;
const scope = self as unknown as DedicatedWorkerGlobalScope;
/**
 * The file and reader in use, held from the worker's global scope. Otherwise, while a read is
 * pending, the reader, its stream and the suspended loop awaiting it are reachable only from each
 * other, and a garbage collection in Chromium can take the stream's source with them: the read
 * never settles and the analysis stalls (Chromium 156, 500 MB bench capture: 4 stalls in 4 runs,
 * at a different offset each time, the worker idle; none since the references are held here).
 */
const live = new Set<object>();

function post(msg: WorkerResponse, transfer: Transferable[] = []) {
  scope.postMessage(msg, transfer);
}

/**
 * Chunks of the file read ahead of the one being analyzed: each chunk's memory is used again this
 * many chunks later. Analyzer.push keeps no view of a chunk once it returns (lib/analyze.ts: what
 * must outlive the call is copied, and lib/analyze.test.ts checks it by scribbling over a reused
 * buffer), so one would do; three let the next reads proceed while a chunk is analyzed.
 */
const RING = 3;

/**
 * The file's bytes in CHUNK-sized arrays (the last one shorter), read by a BYOB reader over
 * `file.stream()` into a ring of RING buffers. A fresh array per chunk (or `file.slice()` +
 * `arrayBuffer()`, as before) leaves every chunk to the garbage collector, which in a worker busy
 * with the analysis frees them late: memory-infra dumps showed the renderer's ArrayBuffer memory at
 * up to 150 MB near the end of the 500 MB bench capture, about 110 MB of it dead chunks. Browsers
 * whose Blob streams are not byte streams take slices (fresh buffers, as before).
 */
async function* chunks(file: Blob, chunkBytes: number): AsyncGenerator<Uint8Array> {
  let reader: ReadableStreamBYOBReader | null = null;
  try {
    reader = file.stream().getReader({ mode: 'byob' });
  } catch {
    reader = null;
  }
  if (!reader) {
    for (let off = 0; off < file.size; off += chunkBytes)
      yield new Uint8Array(await file.slice(off, off + chunkBytes).arrayBuffer());
    return;
  }
  live.add(file).add(reader);
  try {
    yield* readAll(reader, chunkBytes);
  } finally {
    live.delete(file);
    live.delete(reader);
  }
}

async function* readAll(reader: ReadableStreamBYOBReader, chunkBytes: number): AsyncGenerator<Uint8Array> {
  const ring: (ArrayBuffer | null)[] = new Array<ArrayBuffer | null>(RING).fill(null);
  for (let n = 0; ; n++) {
    const slot = n % RING;
    let buf = new Uint8Array(ring[slot] ?? new ArrayBuffer(chunkBytes));
    let filled = 0;
    let done = false;
    while (filled < chunkBytes) {
      const r = await reader.read(buf.subarray(filled));
      // A read transfers the buffer it fills: carry on with the returned view's, the same memory.
      // (A BYOB read always returns its view, even at the end; without it the bytes are lost.)
      if (!r.value) throw new Error('the file reader returned no buffer');
      buf = new Uint8Array(r.value.buffer);
      if (r.done) {
        done = true;
        break;
      }
      filled += r.value.byteLength;
    }
    ring[slot] = buf.buffer as ArrayBuffer;
    if (filled > 0) yield filled === chunkBytes ? buf : buf.subarray(0, filled);
    if (done) return;
  }
}

/** The packet session kept after an analysis asked with `keep` (packet-session.ts). */
let session: PacketSession | null = null;
/** Follow stream and I/O graphs, kept beside the packet session (follow-session.ts). */
let follow: FollowSession | null = null;

/**
 * Makes equal values of the lists one object each, in a function of its own: its Interner's maps
 * are garbage when it returns, not held by the suspended post loop below until the last part.
 */
function shareEqualValues(lists: TraceLists): void {
  const shared = new Interner();
  for (const x of lists.streams) shared.stream(x);
  for (const x of lists.exchanges) shared.exchange(x);
  for (const c of lists.h2) for (const f of c.frames) shared.frame(f);
}

/** Parts the page has taken in (its PartsTaken messages), and the post loop waiting to hear of more. */
let partsTaken = 0;
/** Arrays the page handed back, to pack the next parts into. */
const packBuffers: PackBuffers[] = [];
/** Whether parts are being posted: arrays handed back after the last one are let go. */
let packing = false;
let onPartsTaken: (() => void) | null = null;

/** Resolves once the page has taken in at least `n` parts. */
function partsTakenReach(n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (partsTaken >= n) {
        onPartsTaken = null;
        resolve();
      } else onPartsTaken = check;
    };
    check();
  });
}

scope.onmessage = async (ev: MessageEvent<WorkerRequest | PacketQuery | PartsTaken>) => {
  if (isPartsTaken(ev.data)) {
    partsTaken = Math.max(partsTaken, ev.data.parts);
    if (packing && ev.data.buffers && packBuffers.length <= PARTS_AHEAD) packBuffers.push(ev.data.buffers);
    onPartsTaken?.();
    return;
  }
  if (isFollowQuery(ev.data)) {
    const q = ev.data;
    try {
      if (!follow) throw new Error('no packet session: the analysis did not keep one');
      const a = await follow.answer(q);
      scope.postMessage(a.msg, a.transfer);
    } catch (e) {
      post({ type: 'query-error', id: q.id, message: e instanceof Error ? e.message : String(e) });
    }
    return;
  }
  if ('type' in ev.data) {
    const q = ev.data;
    try {
      if (!session) throw new Error('no packet session: the analysis did not keep one');
      const a = session.answer(q);
      scope.postMessage(a.msg, a.transfer);
    } catch (e) {
      post({ type: 'query-error', id: q.id, message: e instanceof Error ? e.message : String(e) });
    }
    return;
  }
  const { file, keylog, options } = ev.data;
  partsTaken = 0;
  const chunkBytes = ev.data.chunkBytes ?? CHUNK;
  try {
    const keylogText = keylog ? await keylog.text() : undefined;
    // Dropped after finish(): the Analyzer's own references to the results would keep every part
    // alive in the worker while the page builds its copy.
    let analyzer: Analyzer | null = new Analyzer(
      { name: file.name, size: file.size, keylog: keylogText },
      options,
    );
    // Large captures: extra workers take shares of the connections (shard-pool.ts).
    const pool = await ShardPool.start(ev.data, keylogText, analyzer);
    let last = 0;
    let lastPartial = 0;
    let lastFindings = 0;
    for await (const chunk of chunks(file, chunkBytes)) {
      analyzer.push(chunk);
      const now = performance.now();
      if (now - last > 100) {
        last = now;
        post({ type: 'progress', ...analyzer.progress, total: file.size });
      }
      // A share's snapshot would show only its connections, numbered with placeholders.
      if (!pool && now - lastPartial > 500) {
        lastPartial = now;
        // Findings on ended connections cost a detector run: every 2 s at most.
        const withFindings = now - lastFindings > 2000;
        if (withFindings) lastFindings = now;
        post({ type: 'partial', snapshot: analyzer.snapshot(50, withFindings) });
      }
    }
    const trace = pool ? await pool.finish(analyzer) : analyzer.finish();
    analyzer = null;
    const { head, lists } = splitTrace(trace);
    const span = traceSpan(lists);
    // The timeline's index is two passes over every packet: made here, not on the main thread.
    const lanes = trace.packets ? buildIndex(trace.packets, lists.connections.length, span) : null;
    const cols = trace.packets ? exactColumns(trace.packets) : null;
    const columns = cols ? cols.columns : null;
    trace.packets = null;
    // A kept session filters on its own copy of the columns (the originals are transferred).
    const keptColumns = ev.data.keep && columns ? copyColumns(columns) : null;
    const transfer: Transferable[] = cols ? [...cols.buffers] : [];
    if (lanes) transfer.push(lanes.idx.buffer, lanes.off.buffer, lanes.hist.buffer);
    post({ type: 'result', head, columns, lanes, span }, transfer);
    // Equal header lists, header pairs and flag lists made one object each: a structured clone
    // writes a shared object once per message, so the parts are smaller and the page deserializes
    // (and later garbage-collects) far fewer objects. The page unifies them across parts.
    shareEqualValues(lists);
    // resultParts empties the lists as it hands them out: a kept session holds its own arrays (of
    // the same records).
    const keptLists = keptColumns
      ? {
          connections: [...lists.connections],
          findings: [...lists.findings],
          h2: [...lists.h2],
          exchanges: [...lists.exchanges],
          streams: [...lists.streams],
        }
      : null;
    packing = true;
    let posted = 0;
    for (const part of resultParts(lists, ev.data.partBudget)) {
      const packed = pack(part, packBuffers.pop());
      post({ type: 'packed', part: packed }, [packed.tags.buffer, packed.nums.buffer] as ArrayBuffer[]);
      posted++;
      if (posted - partsTaken >= PARTS_AHEAD) await partsTakenReach(posted - PARTS_AHEAD + 1);
    }
    // The pool of arrays (about 1 MB a part) is not needed any more.
    packing = false;
    packBuffers.length = 0;
    post({ type: 'done' });
    if (keptColumns && keptLists) {
      // One kept trace for both sessions (the lists handed out above are empty by now).
      const kept = { ...head, ...keptLists, packets: PacketTable.fromColumns(keptColumns) };
      session = new PacketSession(kept, file);
      follow = new FollowSession(kept, file, keylogText);
      return;
    }
    // One analysis per worker (unless kept for packet queries, above). Closing now, not when the page has taken in every part, frees this
    // isolate's heap (the analysis state, 100+ MB on the 500 MB bench capture) while the page is
    // still building its copy; messages already posted are delivered all the same.
    scope.close();
  } catch (e) {
    const message =
      e instanceof AnalysisError
        ? e.message
        : e instanceof Error
          ? `Analysis failed: ${e.message}`
          : 'Analysis failed';
    post({ type: 'error', message });
  }
};
