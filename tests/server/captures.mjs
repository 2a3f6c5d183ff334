// Captures made up for the server tests: decompression bombs and a large, busy TCP capture.
import { gzipSync } from 'node:zlib';

/** A classic pcap file header: little-endian, microseconds, Ethernet, snaplen 262144. */
export function pcapHeader() {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(1, 20);
  return h;
}

/**
 * A pcap header followed by `total` bytes of zeros, gzipped: zeros read as empty 16-byte records,
 * so 4 GiB is 268 M packets. Built from concatenated gzip members (one stream to a reader) so a
 * 4 GiB bomb is made in a second: each 64 MiB member of zeros is ~65 KB.
 */
export function zeroBomb(total) {
  const MEMBER = 64 * 1024 * 1024;
  const first = Math.min(total, MEMBER);
  const parts = [gzipSync(Buffer.concat([pcapHeader(), Buffer.alloc(first)]), { level: 9 })];
  const full = gzipSync(Buffer.alloc(MEMBER), { level: 9 });
  let left = total - first;
  for (; left >= MEMBER; left -= MEMBER) parts.push(full);
  if (left > 0) parts.push(gzipSync(Buffer.alloc(left), { level: 9 }));
  return Buffer.concat(parts);
}

/** `count` records of `size` zero bytes each (few packets, many decompressed bytes), gzipped. */
export function bigRecordsGzip(count, size) {
  const rec = Buffer.alloc(16 + size);
  rec.writeUInt32LE(size, 8);
  rec.writeUInt32LE(size, 12);
  const recs = [pcapHeader()];
  for (let i = 0; i < count; i++) {
    const r = Buffer.from(rec);
    r.writeUInt32LE(1_700_000_000 + i, 0);
    recs.push(r);
  }
  return gzipSync(Buffer.concat(recs), { level: 9 });
}

function ipv4Tcp(src, dst, sport, dport, seq, ack, flags, payload) {
  const ip = 20;
  const tcp = 20;
  const b = Buffer.alloc(14 + ip + tcp + payload.length);
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(ip + tcp + payload.length, 16);
  b[22] = 64;
  b[23] = 6;
  b.writeUInt32BE(src, 26);
  b.writeUInt32BE(dst, 30);
  b.writeUInt16BE(sport, 34);
  b.writeUInt16BE(dport, 36);
  b.writeUInt32BE(seq >>> 0, 38);
  b.writeUInt32BE(ack >>> 0, 42);
  b[46] = 0x50;
  b[47] = flags;
  b.writeUInt16BE(65535, 48);
  payload.copy(b, 54);
  return b;
}

/**
 * A busy HTTP/1.1 capture: `conns` connections, each with a handshake, `exchanges` request/
 * response pairs (`bodySize`-byte bodies) and a close — real work for reassembly and the parsers.
 */
export function httpCapture(conns, exchanges, bodySize) {
  const out = [pcapHeader()];
  let t = 0;
  const rec = (frame) => {
    const h = Buffer.alloc(16);
    t += 50;
    h.writeUInt32LE(1_700_000_000 + Math.floor(t / 1e6), 0);
    h.writeUInt32LE(t % 1e6, 4);
    h.writeUInt32LE(frame.length, 8);
    h.writeUInt32LE(frame.length, 12);
    out.push(h, frame);
  };
  const SYN = 0x02;
  const ACK = 0x10;
  const PSH = 0x08;
  const FIN = 0x01;
  const body = Buffer.alloc(bodySize, 0x61);
  for (let c = 0; c < conns; c++) {
    const cli = (10 << 24) | (1 << 16) | ((c >> 8) << 8) | (c & 0xff);
    const srv = (10 << 24) | (2 << 16) | 1;
    const sport = 1024 + (c % 60000);
    let cs = 1000;
    let ss = 5000;
    rec(ipv4Tcp(cli, srv, sport, 80, cs, 0, SYN, Buffer.alloc(0)));
    rec(ipv4Tcp(srv, cli, 80, sport, ss, cs + 1, SYN | ACK, Buffer.alloc(0)));
    cs++;
    ss++;
    rec(ipv4Tcp(cli, srv, sport, 80, cs, ss, ACK, Buffer.alloc(0)));
    for (let x = 0; x < exchanges; x++) {
      const req = Buffer.from(`GET /item/${c}/${x} HTTP/1.1\r\nHost: example.test\r\nUser-Agent: t\r\n\r\n`);
      rec(ipv4Tcp(cli, srv, sport, 80, cs, ss, ACK | PSH, req));
      cs += req.length;
      const res = Buffer.concat([
        Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${bodySize}\r\nContent-Type: text/plain\r\n\r\n`),
        body,
      ]);
      rec(ipv4Tcp(srv, cli, 80, sport, ss, cs, ACK | PSH, res));
      ss += res.length;
      rec(ipv4Tcp(cli, srv, sport, 80, cs, ss, ACK, Buffer.alloc(0)));
    }
    rec(ipv4Tcp(cli, srv, sport, 80, cs, ss, FIN | ACK, Buffer.alloc(0)));
    rec(ipv4Tcp(srv, cli, 80, sport, ss, cs + 1, FIN | ACK, Buffer.alloc(0)));
    rec(ipv4Tcp(cli, srv, sport, 80, cs + 1, ss + 1, ACK, Buffer.alloc(0)));
  }
  return Buffer.concat(out);
}
