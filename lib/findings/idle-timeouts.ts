/**
 * Middlebox and endpoint idle timeouts, as data (from shared/reference/idle-timeouts.md, vendor
 * defaults checked 2026). Idle-gap findings name the entries a silence exceeds and say they are
 * defaults that may have been changed.
 */

export interface IdleTimeout {
  where: string;
  /** Default idle timeout in seconds. */
  defaultS: number;
  notes: string;
  /** What the box does when the timeout passes. */
  effect: 'drop' | 'rst' | 'drop-or-rst';
  /** True when TCP keep-alives do NOT reset the idle timer (data-only counting). */
  ignoresKeepalive?: boolean;
}

export const MIDDLEBOX_IDLE_TIMEOUTS: readonly IdleTimeout[] = [
  {
    where: 'AWS Application / Classic Load Balancer',
    defaultS: 60,
    notes:
      'counts data only: TCP keep-alives do not reset it (Classic), HTTP/2 PING frames do not reset it (ALB)',
    effect: 'drop-or-rst',
    ignoresKeepalive: true,
  },
  {
    where: 'Azure Load Balancer',
    defaultS: 240,
    notes: '4-100 min; silent drop by default, optional bidirectional RST ("TCP reset on idle")',
    effect: 'drop-or-rst',
  },
  { where: 'Azure NAT Gateway', defaultS: 240, notes: '4-120 min', effect: 'drop' },
  {
    where: 'AWS Network Load Balancer (TCP listener)',
    defaultS: 350,
    notes: 'configurable 60-6000 s since 2024; the NLB then silently drops or RSTs',
    effect: 'drop-or-rst',
  },
  { where: 'AWS NAT Gateway', defaultS: 350, notes: 'sends RST to the side that speaks next', effect: 'rst' },
  {
    where: 'Google Cloud VPC firewall connection tracking',
    defaultS: 600,
    notes:
      'after it, packets of the flow meet firewall rules (implied deny ingress); Google advises TCP keep-alives under 600 s',
    effect: 'drop',
  },
  {
    where: 'Google Cloud NAT (established TCP)',
    defaultS: 1200,
    notes: '`tcpEstablishedIdleTimeoutSec`',
    effect: 'drop',
  },
  {
    where: 'Linux netfilter conntrack (kube-proxy setting)',
    defaultS: 86400,
    notes: 'kube-proxy sets nf_conntrack_tcp_timeout_established to 86400 s',
    effect: 'drop',
  },
  {
    where: 'AWS EC2 security-group connection tracking',
    defaultS: 432000,
    notes: '`tcpEstablishedTimeout`, 60 s minimum',
    effect: 'drop',
  },
  {
    where: 'Linux netfilter conntrack (kernel default)',
    defaultS: 432000,
    notes: '`nf_conntrack_tcp_timeout_established`',
    effect: 'drop',
  },
];

/** Endpoint keep-alive defaults, for the advice part of explanations. */
export const KEEPALIVE_ADVICE = {
  linux:
    'Linux: keep-alive is off per socket; enable SO_KEEPALIVE and lower net.ipv4.tcp_keepalive_time (default 7200 s, far above every middlebox timeout) / tcp_keepalive_intvl (75 s), or set TCP_KEEPIDLE/TCP_KEEPINTVL on the socket',
  go: 'Go: net.Dialer and net.ListenConfig send keep-alives every 15 s by default since Go 1.12 (KeepAliveConfig since Go 1.23), but code that type-asserts to *net.TCPConn to set keep-alives silently skips *tls.Conn',
  node: 'Node.js: keep-alive is off unless socket.setKeepAlive(true, delayMs) is called (http.Agent({keepAlive:true}) is HTTP connection reuse, not TCP keep-alive)',
  grpc: 'gRPC: client keep-alive pings are off by default (keepalive.ClientParameters / GRPC_ARG_KEEPALIVE_TIME_MS); pings more often than the server allows are answered with GOAWAY ENHANCE_YOUR_CALM',
} as const;

/** The table entries whose default timeout is at most `silenceS`, shortest first. */
export function exceededTimeouts(silenceS: number): IdleTimeout[] {
  return MIDDLEBOX_IDLE_TIMEOUTS.filter((t) => t.defaultS <= silenceS).sort(
    (a, b) => a.defaultS - b.defaultS,
  );
}

/** The shortest table entry, for "shorter than every default" wording. */
export function shortestTimeout(): IdleTimeout {
  return [...MIDDLEBOX_IDLE_TIMEOUTS].sort((a, b) => a.defaultS - b.defaultS)[0];
}

/**
 * Endpoint and proxy idle closes: a FIN after a fixed silence comes from a program that
 * terminates TCP (NATs and firewalls never send FINs). Defaults as documented; HAProxy has none
 * (`timeout client` / `timeout http-keep-alive` are always configured).
 */
export const ENDPOINT_IDLE_TIMEOUTS: readonly IdleTimeout[] = [
  {
    where: 'Node.js http.Server keepAliveTimeout',
    defaultS: 5,
    notes: 'closes idle keep-alive sockets',
    effect: 'drop',
  },
  { where: 'Apache httpd KeepAliveTimeout', defaultS: 5, notes: '', effect: 'drop' },
  {
    where: 'nginx proxy_read_timeout (upstream)',
    defaultS: 60,
    notes: 'between two reads from the upstream',
    effect: 'drop',
  },
  {
    where: 'nginx keepalive_timeout',
    defaultS: 75,
    notes: 'idle client keep-alive connections',
    effect: 'drop',
  },
  { where: 'Envoy HTTP connection idle_timeout', defaultS: 3600, notes: '', effect: 'drop' },
];

/** Table entries whose default lies in (loS, hiS]: the boxes an observed bound fits. */
export function timeoutsBetween(
  loS: number,
  hiS: number,
  table: readonly IdleTimeout[] = MIDDLEBOX_IDLE_TIMEOUTS,
): IdleTimeout[] {
  return table.filter((t) => t.defaultS > loS && t.defaultS <= hiS).sort((a, b) => a.defaultS - b.defaultS);
}

/** The table entry nearest to a figure (for "none fits; the nearest is ..."). */
export function nearestTimeout(
  s: number,
  table: readonly IdleTimeout[] = MIDDLEBOX_IDLE_TIMEOUTS,
): IdleTimeout {
  return [...table].sort(
    (a, b) => Math.abs(Math.log(a.defaultS / s)) - Math.abs(Math.log(b.defaultS / s)),
  )[0];
}
