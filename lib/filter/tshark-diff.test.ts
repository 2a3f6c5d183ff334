/**
 * Differential test: for every expression below, on every real capture of the corpus and on some
 * lab captures, the packets tracelens' display filter selects are the packets `tshark -r F -Y EXPR`
 * selects. tshark is run live, once per capture: a Lua tap listener per expression (a listener
 * with a display filter sees exactly the packets `-Y` keeps in a one-pass read) prints the frame
 * numbers of all expressions in one pass, so 80 expressions cost one tshark start, not 80.
 *
 * A difference fails the test unless EXCEPTIONS explains it (expression, capture, reason). An
 * exception that explains nothing fails too, so the list stays true.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_DIR, REAL_CAPTURES, listCorpus } from '../../tests/shared';
import { Analyzer } from '../analyze';
import { FieldIndex } from './field-index';
import { compileFilter, filterRows } from './filter';
import { FIELD_LAYERS, fieldContext } from './registry';
import type { Trace } from '../trace';

interface Expr {
  /** Our filter. */
  expr: string;
  /** tshark's spelling when 4.0 lacks the syntax (xor, true/false): an equivalent filter. */
  tshark?: string;
}

/** Every operator and every field family; grouped by family. */
const EXPRESSIONS: Expr[] = [
  // frame
  { expr: 'frame' },
  { expr: 'frame.len > 100' },
  { expr: 'frame.len le 66' },
  { expr: 'frame.number in {1..5, 10, 20..22}' },
  { expr: 'frame.number >= 3 && frame.number lt 8' },
  { expr: 'frame.number not in {2, 4..6}' },
  { expr: 'frame.time_relative > 0.5' },
  { expr: 'frame.time_delta > 0.1' },
  { expr: 'frame.cap_len != frame.len' },
  { expr: 'frame.cap_len < frame.len' },
  { expr: 'frame contains "HTTP"' },
  { expr: 'frame matches "content-type: text"' },
  { expr: 'frame[0] == 00' },
  { expr: 'frame[12:2] == 08:00' },
  { expr: 'frame[-2:] == 0d:0a' },
  { expr: 'len(frame) > 1000' },
  { expr: 'frame.interface_id == 1' },
  { expr: 'frame.len % 2 == 1' },
  { expr: 'frame.len - frame.cap_len > 0' },
  { expr: 'frame.protocols contains "tcp"' },
  // eth, vlan
  { expr: 'eth' },
  { expr: 'eth.type == 0x0800' },
  { expr: 'eth.type == 0x86dd || eth.type == 0x8100' },
  { expr: 'eth.dst == ff:ff:ff:ff:ff:ff' },
  { expr: 'eth.addr != ff:ff:ff:ff:ff:ff' },
  { expr: 'eth.src[0:3] == eth.dst[0:3]' },
  { expr: 'eth.dst[0] == 01' },
  { expr: 'vlan' },
  { expr: 'vlan.id > 1' },
  { expr: 'count(vlan.id) == 2' },
  // ip
  { expr: 'ip' },
  { expr: 'ip.addr == 10.0.0.0/8' },
  { expr: 'ip.src == 192.168.0.0/16 or ip.dst == 172.16.0.0/12' },
  { expr: 'ip.addr != 127.0.0.1' },
  { expr: 'ip.addr ~= 127.0.0.1' },
  { expr: 'ip.addr !== 10.0.0.1' },
  { expr: 'ip.src === ip.dst' },
  { expr: 'ip.src > ip.dst' },
  { expr: 'ip.src[0] == 0a' },
  { expr: 'ip.ttl < 64' },
  { expr: 'ip.ttl in {64, 128, 255}' },
  { expr: 'ip.flags.df == 1' },
  { expr: 'ip.flags.mf == 1 || ip.frag_offset > 0' },
  { expr: 'ip.proto == 17' },
  { expr: 'ip.len - ip.hdr_len * 1 > 1000' },
  { expr: 'ip.dsfield.dscp != 0' },
  { expr: 'ip.id == 0x0000' },
  { expr: 'string(ip.src) matches "^192\\\\.168\\\\."' },
  // ipv6
  { expr: 'ipv6' },
  { expr: 'ipv6.addr == ::1' },
  { expr: 'ipv6.src == fe80::/10' },
  { expr: 'ipv6.dst == 2001:db8::/32' },
  { expr: 'ipv6.hlim == 64' },
  { expr: 'ipv6.nxt == 6' },
  // udp
  { expr: 'udp' },
  { expr: 'udp.port == 53' },
  { expr: 'udp.srcport in {1024..65535} && udp.length > 100' },
  // tcp
  { expr: 'tcp' },
  { expr: 'tcp.port == 443 && tcp.flags.syn == 1' },
  { expr: 'tcp.flags.syn == 1 and tcp.flags.ack == 0' },
  { expr: 'tcp.flags.syn == true', tshark: 'tcp.flags.syn == True' },
  { expr: 'tcp.flags & 0x12 == 0x12' },
  { expr: 'tcp.flags & 0x04' },
  { expr: 'tcp.flags.reset == 1' },
  { expr: 'tcp.flags.fin == 1 or tcp.flags.reset == 1' },
  { expr: 'tcp.flags.push == 1 && !(tcp.flags.ack == 0)' },
  { expr: 'tcp.port in {80, 443, 8000..8080}' },
  { expr: 'tcp.port not in {80, 443}' },
  { expr: 'tcp.port != 80' },
  { expr: 'tcp.port !== 80' },
  { expr: 'tcp.port === 80' },
  { expr: 'tcp.srcport > tcp.dstport' },
  {
    expr: 'tcp.srcport == 80 xor tcp.dstport == 80',
    tshark: '(tcp.srcport == 80 && !(tcp.dstport == 80)) || (!(tcp.srcport == 80) && tcp.dstport == 80)',
  },
  { expr: 'tcp.srcport + 1 == 81 || tcp.dstport * 2 == 160' },
  { expr: 'tcp.len > 0' },
  { expr: 'tcp.len == 0 && tcp.flags.ack == 1' },
  { expr: 'tcp.stream == 0' },
  { expr: 'tcp.stream in {1, 2}' },
  { expr: 'tcp.seq == 1' },
  { expr: 'tcp.ack > 1000' },
  { expr: 'tcp.nxtseq > tcp.seq' },
  { expr: 'tcp.seq_raw > 2147483648' },
  { expr: 'tcp.window_size_value < 1000' },
  { expr: 'tcp.window_size > 65535' },
  { expr: 'tcp.window_size_scalefactor == -1' },
  { expr: 'tcp.hdr_len > 20' },
  { expr: 'tcp.options.mss_val >= 1400' },
  { expr: 'tcp.options.wscale.shift == 7' },
  { expr: 'tcp.options.sack_perm' },
  { expr: 'tcp.options.timestamp.tsval > 0' },
  { expr: 'tcp.payload contains "HTTP/1.1"' },
  { expr: 'tcp.payload[0:4] == "GET "' },
  { expr: 'tcp.payload[0:3] == 50:52:49' },
  { expr: 'tcp.payload[1-3] == "TTP"' },
  { expr: 'tcp.payload[0,2] == 47:54' },
  { expr: 'len(tcp.payload) > 1000' },
  { expr: 'tcp.payload matches "^(GET|POST) "' },
  { expr: 'tcp.time_delta > 0.1' },
  { expr: 'tcp.time_relative > 1' },
  { expr: 'count(tcp.port) == 2' },
  { expr: 'string(tcp.dstport) == "80"' },
  { expr: 'max(tcp.srcport, tcp.dstport) < 1024' },
  { expr: 'tcp.analysis.flags' },
  { expr: 'tcp.analysis.retransmission' },
  { expr: 'tcp.analysis.fast_retransmission' },
  { expr: 'tcp.analysis.spurious_retransmission' },
  { expr: 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission' },
  { expr: 'tcp.analysis.duplicate_ack' },
  { expr: 'tcp.analysis.out_of_order' },
  { expr: 'tcp.analysis.zero_window || tcp.analysis.zero_window_probe' },
  { expr: 'tcp.analysis.window_full' },
  { expr: 'tcp.analysis.window_update' },
  { expr: 'tcp.analysis.keep_alive || tcp.analysis.keep_alive_ack' },
  { expr: 'tcp.analysis.lost_segment' },
  { expr: 'tcp.analysis.ack_lost_segment' },
  // http
  { expr: 'http' },
  { expr: 'http.request' },
  { expr: 'http.response' },
  { expr: 'http.request.method == "GET"' },
  { expr: 'http.request.method == GET' },
  { expr: 'http.request.method in {"GET", "HEAD"}' },
  { expr: 'http.request.method != "GET"' },
  { expr: 'http.request.method matches "^p"' },
  { expr: 'http.request.uri contains "/"' },
  { expr: 'http.request.uri matches "\\\\.(css|js|png|gif)$"' },
  { expr: 'http.request.uri[0] == "/"' },
  { expr: 'http.host' },
  { expr: 'lower(http.host) contains "www"' },
  { expr: 'upper(http.request.method) == "POST"' },
  { expr: 'len(http.request.uri) > 20' },
  { expr: 'http.response.code == 200' },
  { expr: 'http.response.code >= 400' },
  { expr: 'http.response.code in {300..399}' },
  { expr: 'http.response.code != 200' },
  { expr: 'http.content_length > 1000' },
  { expr: 'http.user_agent contains "Mozilla"' },
  { expr: 'http.content_type contains "text"' },
  { expr: 'http.connection == "keep-alive"' },
  { expr: 'http.upgrade' },
  { expr: 'http.request.version == "HTTP/1.0"' },
  { expr: 'http.server' },
  { expr: 'http.time > 0.1' },
  // http2
  { expr: 'http2' },
  { expr: 'http2.magic' },
  { expr: 'http2.type == 1' },
  { expr: 'http2.type == HEADERS' },
  { expr: 'http2.type == "SETTINGS"' },
  { expr: 'http2.type in {HEADERS, DATA}' },
  { expr: 'http2.type != 0' },
  { expr: 'http2.type !== 0' },
  { expr: 'http2.type === 0' },
  { expr: 'count(http2.type) > 1' },
  { expr: 'http2.streamid == 1' },
  { expr: 'http2.streamid > 0 && http2.type == 3' },
  { expr: 'http2.length > 1000' },
  { expr: 'http2.flags.end_stream == 1' },
  { expr: 'http2.flags & 0x01 && http2.type == 0' },
  { expr: 'http2.type == 4 && http2.flags.ack.settings == 1' },
  { expr: 'http2.header.name == ":path"' },
  { expr: 'http2.header.value contains "grpc"' },
  { expr: 'http2.headers.path contains "/"' },
  { expr: 'http2.headers.status == 200' },
  { expr: 'http2.headers.method == "POST"' },
  { expr: 'http2.headers.authority' },
  { expr: 'http2.rst_stream.error != 0' },
  { expr: 'http2.goaway.error == 0' },
  { expr: 'http2.goaway.last_stream_id > 0' },
  { expr: 'http2.settings.initial_window_size > 65535' },
  { expr: 'http2.window_update.window_size_increment > 1000000' },
  // grpc (tshark 4.0 has grpc.frame_type, grpc.compressed_flag, grpc.message_length and
  // grpc.message_data; the registry's grpc.status, grpc.message, grpc.path and grpc.content_type are
  // not Wireshark fields, so tshark has no answer for them)
  { expr: 'grpc' },
  { expr: 'grpc && http2.type == 0' },
  // tls
  { expr: 'tls' },
  { expr: 'tls.handshake.type == 1' },
  { expr: 'tls.handshake.type in {1, 2}' },
  { expr: 'tls.handshake.extensions_server_name contains "."' },
  { expr: 'tls.record.content_type == 23' },
  { expr: 'tls.record.version == 0x0303' },
];

/** A difference between tshark and tracelens that is understood: which expressions, where, why. */
interface Exception {
  /** The expression, or a pattern over the expressions the same cause affects. */
  expr: string | RegExp;
  /** Captures it applies to (name); all when absent. */
  capture?: RegExp;
  reason: string;
}

/**
 * Field-level differences (the language agrees; the fields' values or the packet a value is shown
 * on differ). Each says what tshark shows and what tracelens gives.
 */
const EXCEPTIONS: Exception[] = [
  {
    expr: /^(http\b|len\(http|tcp\.analysis)/,
    capture: /zeek-vlan-collisions/,
    reason:
      'one connection seen on two VLANs: tshark keys tcp.stream on addresses and ports only, so the second copy of ' +
      'each segment is a retransmission / dup ACK / keep-alive for it (23 flagged frames) and its HTTP request and ' +
      'response are dissected once (frames 2, 6... only); tracelens keeps the VLANs apart: no analysis flags, and ' +
      'the HTTP request/response on both copies (9 20 25 35)',
  },
  {
    expr: /^(tcp\.seq == 1|tcp\.ack > 1000|tcp\.window_size > 65535|tcp\.window_size_scalefactor == -1|tcp\.analysis\.flags)$/,
    capture: /zeek-tcp-rst-inject/,
    reason:
      'injected RST+ACK (frame 2) before the SYN-ACK: tshark shows relative seq 1 and window scale factor -1 (unknown) ' +
      'on it, and flags frame 3 (a SYN-ACK reusing the ports: tcp.analysis.reused_ports); tracelens gives frame 2 a ' +
      'scaled window and another seq base, has no reused_ports flag, and frame 9 (RST with a stray ack number) has no ' +
      'tcp.ack > 1000 in tracelens',
  },
  {
    expr: 'tcp.analysis.flags',
    capture: /link-vxlan/,
    reason:
      'tshark flags SYNs that reuse the ports of an earlier connection (tcp.analysis.reused_ports, frames 671 686 735 ' +
      '1077); tracelens has no reused_ports analysis flag',
  },
  {
    expr: /^(frame\.protocols contains "tcp"|len\(tcp\.payload\) > 1000|tcp\.options\.timestamp\.tsval > 0)$/,
    capture: /ip-fragments/,
    reason:
      'IPv4-fragmented TCP segments: tshark reassembles the datagram and shows tcp (options, payload) on the frame ' +
      "of the last fragment (431 frames); tracelens' fields show TCP only on unfragmented packets",
  },
  {
    expr: /^(http(\.| |$)|count\(http2|http2)/,
    capture: /arkime-http2-nghttp2/,
    reason:
      'HTTP/2 frames split over TCP segments: tshark (one pass) shows the stream-13 HEADERS on frame 4 where it ' +
      'starts and no HTTP/2 in frames 22 24 77 85 95; tracelens shows that HEADERS on frame 22 where it completes, ' +
      'and finds the frames in 24 (SETTINGS ACK), 77 85 and 95 (GOAWAY) that tshark does not dissect',
  },
  {
    expr: /^(http\b|count\(http2|http2)/,
    capture: /benign-loss-recovers/,
    reason:
      "h2c and HTTP/1 over a lossy link: tshark's one-pass reassembly leaves 373 packets of HTTP/2 DATA and 3 HTTP/1 " +
      'responses (3821 5821 9014) undissected after retransmissions; tracelens reassembles them',
  },
  {
    expr: /^http2(\.magic)?$/,
    capture:
      /scapy-http2-h2c|suricata-http2-range|tls12-http2-16-ssl|tls13-h2-cryptohack|benign-tls-keylog|benign-h2c-upgrade/,
    reason:
      'the connection preface: tshark shows http2 + http2.magic on the packet carrying "PRI * HTTP/2.0" (also after ' +
      'an Upgrade and inside TLS); tracelens gives no http2.magic, and no http2 on a packet holding the preface alone',
  },
  {
    expr: 'http2.settings.initial_window_size > 65535',
    capture: /scapy-http2-h2c|suricata-http2-range/,
    reason:
      'tshark decodes the HTTP2-Settings header of an h2c Upgrade request (frames 1; 5 49 91) as SETTINGS; tracelens ' +
      'does not',
  },
  {
    expr: /^http2\.header/,
    capture: /suricata-http2-continuation/,
    reason:
      'HEADERS + 2 CONTINUATION: tshark shows the decoded header fields on the HEADERS packet (14), tracelens on the ' +
      'packet of the last CONTINUATION (19)',
  },
  {
    expr: 'http',
    capture: /suricata-http2-errorcode/,
    reason:
      "HTTP/2 inside an HTTP CONNECT tunnel on port 8888 (decoded as http by the corpus rule): tshark's stack is " +
      'http/http2 there, so `http` matches the tunnelled HTTP/2 packets (19..49); tracelens gives them http2 fields only',
  },
  {
    expr: /^(http\b|http\.)/,
    capture: /tls13-hrr/,
    reason:
      'HTTP/1.0 responses ended by close inside TLS: tshark (one pass) never completes them (no http.response); ' +
      'tracelens shows them on frames 15 35 54',
  },
  {
    expr: /^tls\.handshake/,
    capture: /tls13-hrr/,
    reason:
      'after a HelloRetryRequest the second ClientHello follows a ChangeCipherSpec record in the same packet (8 29 ' +
      '49): tshark shows tls.handshake.type 1 there, tracelens only the record types 20,22; with the key log tshark ' +
      'also shows the decrypted handshake types (9: 2,8,11,15,20), tracelens only cleartext ones',
  },
  {
    expr: 'tls.record.content_type == 23',
    capture: /tls13-hrr|tls13-h2-cryptohack|tls13-illustrated|benign-tls-keylog/,
    reason:
      'TLS 1.3 with the key log: tshark gives tls.record.content_type the decrypted inner type (23 for application ' +
      'data); tracelens gives no content_type for TLS 1.3 encrypted records',
  },
];

function explains(x: Exception, expr: string, capture: string): boolean {
  const e = typeof x.expr === 'string' ? x.expr === expr : x.expr.test(expr);
  return e && (!x.capture || x.capture.test(capture));
}

interface Capture {
  name: string;
  file: string;
  keys?: string;
}

function captures(): Capture[] {
  const out: Capture[] = [];
  for (const f of listCorpus(REAL_CAPTURES).sort()) {
    if (!/\.pcap(ng)?$/.test(f)) continue;
    const file = path.join(REAL_CAPTURES, f);
    const keys = file.replace(/\.pcap(ng)?$/, '.keys');
    out.push({ name: f, file, keys: existsSync(keys) ? keys : undefined });
  }
  // Lab captures made by real programs: HTTP/1 pipelining, h2c upgrade, gRPC through nginx,
  // TCP loss and zero windows, VXLAN, IP fragments, TLS 1.3 with its key log.
  const lab: [string, string?][] = [
    ['benign-http1-pipelining/client.pcap.gz'],
    ['benign-h2c-upgrade/client.pcap.gz'],
    ['h2-data-after-rst/client.pcap.gz'],
    ['nginx-grpc-pass/client.pcap'],
    ['zero-window-stall/client.pcap.gz'],
    ['benign-loss-recovers/shaped-client.pcap.gz'],
    ['link-vxlan/vxlan.pcap.gz'],
    ['ip-fragments/tcp-ipv4.pcap.gz'],
    ['benign-tls-keylog/httpx.pcap.gz', 'benign-tls-keylog/httpx-keys.txt'],
    ['tls13-hrr/hrr.pcap', 'tls13-hrr/keys.txt'],
  ];
  for (const [f, k] of lab) {
    const file = path.join(LAB_DIR, f);
    if (existsSync(file)) out.push({ name: `lab/${f}`, file, keys: k ? path.join(LAB_DIR, k) : undefined });
  }
  return out;
}

/** Why tshark cannot be the oracle here (not installed, no Lua for the tap listeners), or null. */
function tsharkMissing(): string | null {
  try {
    const v = execFileSync('tshark', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return /with Lua/i.test(v) ? null : 'tshark is built without Lua';
  } catch {
    return 'tshark is not installed';
  }
}

/** The Lua tap script: one listener per filter line, printing "index<TAB>frame" per match. */
const LUA = `
local args = { ... }
local f = assert(io.open(args[1], "r"))
local i = 0
for line in f:lines() do
  local idx = i
  local ok, l = pcall(Listener.new, "frame", line)
  if ok then
    l.packet = function(pinfo) io.write(idx, "\\t", pinfo.number, "\\n") end
  else
    io.write(idx, "\\tERROR\\t", (tostring(l):gsub("%s+", " ")), "\\n")
  end
  i = i + 1
end
f:close()
`;

interface TsharkAnswer {
  frames: Set<number>[];
  errors: (string | null)[];
}

/**
 * tshark's decode-as rules for a capture: the corpus truth's own (options.decode_as: h2c found
 * from the connection preface on a non-HTTP port), else, for lab captures, the cleartext HTTP/1 and
 * HTTP/2 server ports tracelens found, so that tshark dissects the same connections.
 */
function decodeAs(cap: Capture, trace: Trace): string[] {
  const truth = cap.file.replace(/\.pcap(ng)?$/, '.truth.json');
  if (cap.file.startsWith(REAL_CAPTURES) && existsSync(truth)) {
    const t = JSON.parse(readFileSync(truth, 'utf8')) as { options?: { decode_as?: string[] } };
    return t.options?.decode_as ?? [];
  }
  const rules = new Set<string>();
  for (const c of trace.connections) {
    // TLS is found by tshark itself; an HTTP/1 connection upgraded to h2c is followed by tshark's
    // HTTP dissector (decoding its port as http2 would hide the HTTP/1 part).
    if (c.tls || c.upgrade) continue;
    if (c.protocol === 'h2') rules.add(`tcp.port==${c.serverPort},http2`);
    else if (c.protocol === 'http1') rules.add(`tcp.port==${c.serverPort},http`);
  }
  return [...rules];
}

function runTshark(
  dir: string,
  cap: Capture,
  exprFile: string,
  luaFile: string,
  decode: string[],
): Promise<TsharkAnswer> {
  const args = ['-r', cap.file, '-q', '-X', `lua_script:${luaFile}`, '-X', `lua_script1:${exprFile}`];
  if (cap.keys) args.push('-o', `tls.keylog_file:${cap.keys}`);
  for (const d of decode) args.push('-d', d);
  return new Promise((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 1 << 28, cwd: dir }, (err, stdout, stderr) => {
      // A tshark that did not finish (killed, out of memory) gave a partial answer: not an oracle.
      // A damaged file is read up to the damage, by `tshark -Y` as well: that answer stands.
      const damaged = /damaged or corrupt|cut short in the middle/i.test(stderr);
      if (err && (err.signal || !damaged))
        return reject(
          new Error(
            `tshark on ${cap.name} failed: ${stderr.replace(/^Running as user.*\n/m, '') || err.message}`,
          ),
        );
      const frames = EXPRESSIONS.map(() => new Set<number>());
      const errors: (string | null)[] = EXPRESSIONS.map(() => null);
      for (const line of stdout.split('\n')) {
        const m = /^(\d+)\t(ERROR\t(.*)|\d+)$/.exec(line);
        if (!m) continue;
        const i = Number(m[1]);
        if (m[3] !== undefined) errors[i] = m[3];
        else frames[i].add(Number(m[2]));
      }
      resolve({ frames, errors });
    });
  });
}

interface Outcome {
  capture: string;
  packets: number;
  /** Unexplained differences, one line each. */
  failures: string[];
  /** Exceptions that explained a difference here. */
  explained: Set<Exception>;
  compared: number;
}

function ours(cap: Capture): {
  match: (expr: string) => Set<number> | string;
  packets: number;
  trace: Trace;
} {
  let bytes: Uint8Array = readFileSync(cap.file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const a = new Analyzer({
    name: cap.name,
    size: bytes.length,
    keylog: cap.keys ? readFileSync(cap.keys, 'utf8') : undefined,
  });
  a.push(bytes);
  const trace = a.finish();
  const p = trace.packets;
  const ctx = fieldContext(trace, (row) =>
    p ? bytes.subarray(p.fileOffset[row], p.fileOffset[row] + p.caplen[row]) : null,
  );
  const index = new FieldIndex(FIELD_LAYERS);
  return {
    trace,
    packets: p?.length ?? 0,
    match(expr) {
      const r = compileFilter(expr, index);
      if (!r.ok) return `compile error at column ${r.error.column}: ${r.error.message}`;
      return new Set(Array.from(filterRows(ctx, r.filter), (row) => row + 1));
    },
  };
}

const MISSING = tsharkMissing();
const TSHARK = MISSING === null;
const CAPTURES = TSHARK ? captures() : [];
if (!TSHARK) console.log(`tshark-diff: ${MISSING}; the display-filter differential test is skipped`);

describe.skipIf(!TSHARK)('display filters select the packets tshark -Y selects', () => {
  let dir = '';
  const outcomes = new Map<string, Promise<Outcome>>();

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tracelens-filter-diff-'));
    const exprFile = path.join(dir, 'exprs.txt');
    const luaFile = path.join(dir, 'multi.lua');
    writeFileSync(exprFile, EXPRESSIONS.map((e) => e.tshark ?? e.expr).join('\n') + '\n');
    writeFileSync(luaFile, LUA);
    // Two tshark processes at a time: the machine is shared; one tshark pass per capture.
    const queue = [...CAPTURES];
    let running = 0;
    const waiters: (() => void)[] = [];
    const slot = async () => {
      while (running >= 2) await new Promise<void>((r) => waiters.push(r));
      running++;
    };
    const release = () => {
      running--;
      waiters.shift()?.();
    };
    for (const cap of queue) {
      outcomes.set(
        cap.name,
        (async () => {
          await slot();
          let theirs: TsharkAnswer;
          let mine: ReturnType<typeof ours>;
          try {
            mine = ours(cap);
            theirs = await runTshark(dir, cap, exprFile, luaFile, decodeAs(cap, mine.trace));
          } finally {
            release();
          }
          const out: Outcome = {
            capture: cap.name,
            packets: mine.packets,
            failures: [],
            explained: new Set(),
            compared: 0,
          };
          EXPRESSIONS.forEach((e, i) => {
            const got = mine.match(e.expr);
            const tsErr = theirs.errors[i];
            const exception = EXCEPTIONS.find((x) => explains(x, e.expr, cap.name));
            let problem: string | null = null;
            // Both refusing the filter is agreement too.
            if (tsErr && typeof got === 'string') out.compared++;
            else if (tsErr) problem = `tshark rejects it: ${tsErr}`;
            else if (typeof got === 'string') problem = got;
            else {
              const want = theirs.frames[i];
              const onlyOurs = [...got].filter((n) => !want.has(n));
              const onlyTheirs = [...want].filter((n) => !got.has(n));
              if (onlyOurs.length || onlyTheirs.length) {
                const show = (xs: number[]) =>
                  `${xs.slice(0, 12).join(' ')}${xs.length > 12 ? ` ... (${xs.length})` : ''}`;
                problem = `${got.size} vs tshark ${want.size}; only tracelens: [${show(onlyOurs)}]; only tshark: [${show(onlyTheirs)}]`;
              } else out.compared++;
            }
            if (problem === null) return;
            if (exception) out.explained.add(exception);
            else out.failures.push(`${e.expr}  @ ${cap.name}: ${problem}`);
          });
          return out;
        })(),
      );
    }
    for (const p of outcomes.values()) p.catch(() => {});
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`has at least 60 expressions (${EXPRESSIONS.length})`, () => {
    expect(EXPRESSIONS.length).toBeGreaterThanOrEqual(60);
  });

  for (const cap of CAPTURES) {
    it(
      cap.name,
      async () => {
        const o = await outcomes.get(cap.name)!;
        expect(o.failures, o.failures.join('\n')).toEqual([]);
      },
      300_000,
    );
  }

  it.skipIf(CAPTURES.length === 0)(
    'every exception explains a difference somewhere',
    async () => {
      const used = new Set<Exception>();
      for (const p of outcomes.values()) for (const x of (await p).explained) used.add(x);
      // Only exceptions about captures present here (a clone without the corpus has the lab ones).
      const present = EXCEPTIONS.filter((x) => !x.capture || CAPTURES.some((c) => x.capture!.test(c.name)));
      const stale = present.filter((x) => !used.has(x)).map((x) => `${x.expr} (${x.reason})`);
      expect(stale, 'exceptions that no longer explain anything:\n' + stale.join('\n')).toEqual([]);
    },
    300_000,
  );
});
