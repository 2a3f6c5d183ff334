// Which of the files dropped (or picked) on the main page go to the correlation view: two or more
// captures, with any HTTP/2 debug logs beside them. One capture with a key log (or a debug log)
// stays a single trace.

/** A capture by its name: pcap, pcapng, cap, possibly gzipped. */
const CAPTURE = /\.(pcap|pcapng|cap|gz)$/i;
/** A TLS key log by its name (NSS key logs are often .txt or .log too). */
const KEYLOG = /\.(keys|keylog)$|sslkey|keylog|(^|[^a-z])keys?([^a-z]|$)/i;

/** Whether a file is a TLS key log, by its name. */
export const isKeyLogName = (name: string): boolean => KEYLOG.test(name) && !CAPTURE.test(name);

/**
 * The files to correlate, in the order given, key logs left out; null when fewer than two captures
 * were given (then the main page opens one trace as before).
 */
export function filesToCorrelate<F extends { name: string }>(files: readonly F[]): F[] | null {
  const kept = files.filter((f) => !isKeyLogName(f.name));
  const captures = kept.filter((f) => CAPTURE.test(f.name)).length;
  return captures >= 2 ? kept : null;
}
