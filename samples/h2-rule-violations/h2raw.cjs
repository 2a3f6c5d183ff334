// Minimal hand-written HTTP/2 framing for the rule-violation samples (RFC 9113 §4, §6) with an
// HPACK encoder that only emits "literal header field without indexing, new name" (RFC 7541 §6.2.2)
// with plain (non-Huffman) strings. Decoding of header blocks is not needed by the raw peers.
'use strict';
const T = {
  DATA: 0,
  HEADERS: 1,
  PRIORITY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PUSH_PROMISE: 5,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
};
const F = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 };
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

function frame(type, flags, streamId, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h.writeUInt8(type, 3);
  h.writeUInt8(flags, 4);
  h.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}
function hpackInt(value, prefixBits, firstByte) {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByte | value]);
  const out = [firstByte | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return Buffer.from(out);
}
function hpackString(s) {
  const b = Buffer.from(s);
  return Buffer.concat([hpackInt(b.length, 7, 0x00), b]);
}
function hpackBlock(headers) {
  // [[name, value], ...] -> literal without indexing, new name
  return Buffer.concat(
    headers.flatMap(([n, v]) => [Buffer.from([0x00]), hpackString(n), hpackString(String(v))]),
  );
}
const headersFrame = (streamId, headers, endStream) =>
  frame(T.HEADERS, F.END_HEADERS | (endStream ? F.END_STREAM : 0), streamId, hpackBlock(headers));
const dataFrame = (streamId, data, endStream) =>
  frame(T.DATA, endStream ? F.END_STREAM : 0, streamId, Buffer.from(data));
const settingsFrame = (pairs = []) => {
  const p = Buffer.alloc(6 * pairs.length);
  pairs.forEach(([id, v], i) => {
    p.writeUInt16BE(id, 6 * i);
    p.writeUInt32BE(v, 6 * i + 2);
  });
  return frame(T.SETTINGS, 0, 0, p);
};
const settingsAck = () => frame(T.SETTINGS, F.ACK, 0);
const pingAck = (payload) => frame(T.PING, F.ACK, 0, payload);

// Calls onFrame({type, flags, streamId, payload}) for each complete frame; skips the client
// preface first when expectPreface is set (server side).
function frameReader(socket, expectPreface, onFrame) {
  let buf = Buffer.alloc(0),
    prefaceDone = !expectPreface;
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    if (!prefaceDone) {
      if (buf.length < 24) return;
      buf = buf.subarray(24);
      prefaceDone = true;
    }
    while (buf.length >= 9) {
      const len = buf.readUIntBE(0, 3);
      if (buf.length < 9 + len) break;
      onFrame({
        type: buf[3],
        flags: buf[4],
        streamId: buf.readUInt32BE(5) & 0x7fffffff,
        payload: buf.subarray(9, 9 + len),
      });
      buf = buf.subarray(9 + len);
    }
  });
}
module.exports = {
  T,
  F,
  PREFACE,
  frame,
  hpackBlock,
  headersFrame,
  dataFrame,
  settingsFrame,
  settingsAck,
  pingAck,
  frameReader,
};
