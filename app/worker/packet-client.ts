// The page's side of the packet session (packet-session.ts): queries to the kept analysis worker,
// answered in order of arrival by id. One instance per analysed trace; close() ends the worker.
import type { PacketAnswer, PacketQuery } from './packet-messages';

type Pending = { resolve: (a: PacketAnswer) => void; reject: (e: Error) => void };
/** Distributes Omit over the query union (a plain Omit would merge its members). */
type QueryBody = PacketQuery extends infer Q ? (Q extends PacketQuery ? Omit<Q, 'id'> : never) : never;

export class PacketClient {
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private closed = false;

  constructor(private readonly worker: Worker) {}

  /** Called by the analysis client with every message the worker posts after the analysis. */
  receive(a: PacketAnswer): void {
    const p = this.pending.get(a.id);
    if (!p) return;
    this.pending.delete(a.id);
    if (a.type === 'query-error') p.reject(new Error(a.message));
    else p.resolve(a);
  }

  /** The worker failed: every open query fails with it. */
  fail(message: string): void {
    for (const p of this.pending.values()) p.reject(new Error(message));
    this.pending.clear();
    this.closed = true;
  }

  ask(q: QueryBody, transfer: Transferable[] = []): Promise<PacketAnswer> {
    if (this.closed) return Promise.reject(new Error('the packet session is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...q, id }, transfer);
    });
  }

  close(): void {
    if (this.closed) return;
    this.fail('the packet session is closed');
    this.worker.terminate();
  }
}
