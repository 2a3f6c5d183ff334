// Runs once when the server starts, before it serves requests: stamps each request with its
// socket's address (so forwarded headers are believed only from trusted proxies), and opens the
// shared-trace store so leftovers of uploads cut short by a crash (files in <data>/tmp, folders
// without a row) are removed at start, not at the first API request.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return;
  try {
    const { installPeerStamp } = await import('./lib/store/net');
    installPeerStamp();
    const { getStore } = await import('./lib/store/server');
    await getStore();
  } catch (e) {
    console.error(`tracelens: could not open the trace store at start: ${(e as Error).message}`);
  }
}
