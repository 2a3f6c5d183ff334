/**
 * Redaction before sharing: a capture rewritten so it can leave the building, yet analyzes the
 * same. Two passes over the input (pcap or pcapng, gzip allowed), chunk by chunk:
 *
 *   const plan = new RedactPlan(options, size);      // pass 1: where are the secrets?
 *   for (const c of chunks()) plan.push(c);
 *   plan.finish();
 *   const w = new RedactWriter(plan, (out) => ...);  // pass 2: write the capture, redacted
 *   for (const c of chunks()) w.push(c);
 *   const stats = w.finish();
 *
 * or `redactStream(chunks, write, options)`. What is done: IP addresses get consistent,
 * prefix-preserving pseudonyms (private stays private, loopback stays loopback), MAC addresses
 * locally administered ones, ports optionally too; HTTP/1 bodies, HTTP/2 DATA (but gRPC message
 * prefixes), TLS application data and anything unparsed are zeroed length for length; values of
 * authorization/cookie/set-cookie/proxy-authorization (and chosen) headers are replaced in place
 * (HPACK literals with same-length valid Huffman strings); TLS server names are mapped and
 * certificates zeroed; pcapng comments, interface and host descriptions and key logs are dropped.
 * Lengths, sequence numbers and times never change, so the analysis finds the same things.
 */
import { concatBytes } from '../bytes';
import type { RedactOptions, RedactStats } from './context';
import { RedactPlan } from './plan';
import { RedactWriter } from './writer';

export type { RedactOptions, RedactStats } from './context';
export { DEFAULT_REDACT_HEADERS } from './context';
export { RedactPlan } from './plan';
export { RedactWriter } from './writer';

/**
 * Runs both passes. `chunks` is called twice and must yield the same bytes each time (a file read
 * from the start). `write` receives the output in order.
 */
export async function redactStream(
  chunks: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  write: (chunk: Uint8Array) => void | Promise<void>,
  options: RedactOptions = {},
  totalBytes?: number,
  onProgress?: (pass: 1 | 2, bytes: number) => void,
): Promise<RedactStats> {
  const plan = new RedactPlan(options, totalBytes);
  let n = 0;
  for await (const c of chunks()) {
    plan.push(c);
    n += c.length;
    onProgress?.(1, n);
  }
  plan.finish();
  // Packets come out one by one: hand them on in batches of about 1 MiB, not thousands of writes.
  let batch: Uint8Array[] = [];
  let batchLen = 0;
  const flush = async () => {
    if (batchLen === 0) return;
    const joined = concatBytes(batch, batchLen);
    batch = [];
    batchLen = 0;
    await write(joined);
  };
  const w = new RedactWriter(plan, (out) => {
    batch.push(out);
    batchLen += out.length;
  });
  n = 0;
  for await (const c of chunks()) {
    w.push(c);
    n += c.length;
    onProgress?.(2, n);
    if (batchLen >= BATCH) await flush();
  }
  const stats = w.finish();
  await flush();
  return stats;
}

const BATCH = 1 << 20;

/** Both passes over bytes in memory (tests, small inputs). */
export function redactBytes(
  input: Uint8Array,
  options: RedactOptions = {},
): { bytes: Uint8Array; stats: RedactStats } {
  const plan = new RedactPlan(options, input.length);
  plan.push(input);
  plan.finish();
  const parts: Uint8Array[] = [];
  const w = new RedactWriter(plan, (c) => parts.push(c));
  w.push(input);
  const stats = w.finish();
  let len = 0;
  for (const p of parts) len += p.length;
  const bytes = concatBytes(parts, len);
  return { bytes, stats };
}

/** What was removed, in short lines for people (CLI, share dialog). */
export function describeRedaction(s: RedactStats): string[] {
  const lines = [
    `${s.addressesMapped} IP address${s.addressesMapped === 1 ? '' : 'es'} and ${s.macsMapped} MAC address${s.macsMapped === 1 ? '' : 'es'} mapped to pseudonyms`,
  ];
  if (s.portsMapped) lines.push(`${s.portsMapped} port${s.portsMapped === 1 ? '' : 's'} mapped`);
  lines.push(
    `${s.headersReplaced} header value${s.headersReplaced === 1 ? '' : 's'} replaced (cookies, tokens)`,
  );
  lines.push(`${s.payloadBytesCut.toLocaleString('en-US')} payload bytes cut (zeroed, lengths kept)`);
  if (s.hostsMapped)
    lines.push(`${s.hostsMapped} host name${s.hostsMapped === 1 ? '' : 's'} (Host, :authority) mapped`);
  if (s.sniMapped) lines.push(`${s.sniMapped} TLS server name${s.sniMapped === 1 ? '' : 's'} mapped`);
  lines.push(
    `${s.commentsRemoved} comment${s.commentsRemoved === 1 ? '' : 's'} and ${s.optionsRemoved} other capture option${s.optionsRemoved === 1 ? '' : 's'} removed`,
  );
  if (s.secretsBlocksRemoved)
    lines.push(
      `${s.secretsBlocksRemoved} embedded key log${s.secretsBlocksRemoved === 1 ? '' : 's'} removed`,
    );
  if (s.blocksRemoved)
    lines.push(`${s.blocksRemoved} other pcapng block${s.blocksRemoved === 1 ? '' : 's'} removed`);
  if (s.packetsZeroed)
    lines.push(`${s.packetsZeroed} packet${s.packetsZeroed === 1 ? '' : 's'} of an unknown link type zeroed`);
  return lines;
}
