// Runs before every page request (Next.js proxy, formerly middleware):
// - a Content-Security-Policy with a fresh nonce per request, so only the scripts this server
//   rendered run (Next.js reads the nonce from the request's CSP header and puts it on its own
//   scripts; app/layout.tsx puts it on the theme script) — no 'unsafe-inline' for scripts;
// - a shared trace opened with its edit link (/t/<id>?token=…) is rendered as if opened without
//   the token, so the token is not serialized into the page; the browser reads it from its own
//   address bar, keeps it in sessionStorage and removes it from the address bar.
// Not for /api: with a proxy in front of a route, Next.js buffers the request body (and cuts it at
// proxyClientMaxBodySize), which would break streaming uploads and their early 413s. Paths that
// cannot be decoded are answered in lib/store/net.ts (installPeerStamp) before routing.
import { NextResponse, type NextRequest } from 'next/server';

function cspFor(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'` + (process.env.NODE_ENV === 'development' ? " 'unsafe-eval'" : ''),
    // Inline style attributes (charts, canvas sizing) cannot carry a nonce; a nonce here would
    // also switch 'unsafe-inline' off.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self' blob:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function proxy(request: NextRequest): NextResponse {
  const nonce = btoa(crypto.randomUUID());
  const csp = cspFor(nonce);
  const { pathname, searchParams } = request.nextUrl;
  const headers = new Headers(request.headers);
  headers.set('x-nonce', nonce);
  headers.set('Content-Security-Policy', csp);
  let res: NextResponse;
  if (pathname.startsWith('/t/') && searchParams.has('token')) {
    const clean = request.nextUrl.clone();
    clean.searchParams.delete('token');
    res = NextResponse.rewrite(clean, { request: { headers } });
    // The token is in this URL: keep it out of caches and referrers.
    res.headers.set('Cache-Control', 'private, no-store');
  } else {
    res = NextResponse.next({ request: { headers } });
  }
  res.headers.set('Content-Security-Policy', csp);
  return res;
}

export const config = {
  matcher: [
    // Pages: everything but the API (see above) and build assets, which carry no script of ours.
    '/((?!api/|_next/static|_next/image|favicon.ico).*)',
  ],
};
