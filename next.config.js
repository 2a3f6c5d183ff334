// @ts-check
// Pages get their Content-Security-Policy per request from proxy.ts (it carries a fresh script
// nonce); the API's JSON and bytes get a policy that allows nothing. The other headers are the same
// for every response, build assets included.

/** @type {import('next').NextConfig} */
const nextConfig = {
  // A second build beside the default one (parallel work on one checkout) sets TRACELENS_NEXT_DIST
  // for both `next build` and `next start`.
  distDir: process.env.TRACELENS_NEXT_DIST || '.next',
  reactStrictMode: true,
  poweredByHeader: false,
  async headers() {
    return [
      {
        source: '/api/:path*',
        headers: [{ key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'" }],
      },
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'no-referrer' },
          { key: 'X-Frame-Options', value: 'DENY' },
        ],
      },
    ];
  },
};

export default nextConfig;
