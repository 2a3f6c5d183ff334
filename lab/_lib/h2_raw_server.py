#!/usr/bin/python3
"""A cleartext HTTP/2 server that breaks one RFC 9113 rule on purpose, for lab captures.

Real HTTP/2 servers (and the python-h2 state machine) refuse to break these rules, so the frames
are written directly with hyperframe (framing) and hpack (header compression), the libraries
python-h2 itself is built on. Everything else is ordinary: it reads the client preface, answers
the client's SETTINGS with an ACK, PINGs with a PING ACK, and serves GET requests.

Modes (--mode):
  overrun            answers each request with DATA beyond the stream window the client advertised
                     in SETTINGS_INITIAL_WINDOW_SIZE, after acknowledging those SETTINGS (§6.9.1)
  goaway-answer      waits for two requests, sends GOAWAY(last-stream-id = the first), then answers
                     both anyway (§6.8: the second was declared unprocessed)
  headers-after-end  stream 1: HEADERS, DATA+END_STREAM, then another HEADERS+END_STREAM;
                     stream 3: HEADERS+END_STREAM, then DATA (§5.1 half-closed)
  ignore-rst         answers with 1000-byte DATA frames every 50 ms for 1.5 s and keeps going after
                     the client resets the stream (§5.1 closed)
"""
import argparse
import select
import socket
import sys
import time

from hpack import Decoder, Encoder
from hyperframe.frame import (
    DataFrame,
    Frame,
    GoAwayFrame,
    HeadersFrame,
    PingFrame,
    RstStreamFrame,
    SettingsFrame,
)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def log(*a):
    print("[h2-raw]", *a, file=sys.stderr, flush=True)


class Conn:
    def __init__(self, sock, mode):
        self.sock = sock
        self.mode = mode
        self.enc = Encoder()
        self.dec = Decoder()
        self.buf = b""
        self.client_window = 65535
        self.requests = []
        self.answered = set()
        self.goaway_sent = False

    def send(self, frame):
        self.sock.sendall(frame.serialize())

    def recv_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_frame(self):
        header = self.recv_exact(9)
        frame, length = Frame.parse_frame_header(memoryview(header))
        frame.parse_body(memoryview(self.recv_exact(length)))
        return frame

    def headers(self, stream_id, end_stream, status="200"):
        f = HeadersFrame(stream_id)
        f.data = self.enc.encode([(":status", status), ("content-type", "text/plain")])
        f.flags.add("END_HEADERS")
        if end_stream:
            f.flags.add("END_STREAM")
        self.send(f)

    def data(self, stream_id, n, end_stream):
        f = DataFrame(stream_id)
        f.data = b"x" * n
        if end_stream:
            f.flags.add("END_STREAM")
        self.send(f)

    def run(self):
        if self.recv_exact(len(PREFACE)) != PREFACE:
            log("no client preface")
            return
        self.send(SettingsFrame(0, settings={SettingsFrame.MAX_CONCURRENT_STREAMS: 100}))
        while True:
            try:
                f = self.read_frame()
            except EOFError:
                log("client closed")
                return
            log("recv", type(f).__name__, f.stream_id, sorted(f.flags))
            if isinstance(f, SettingsFrame) and "ACK" not in f.flags:
                self.client_window = f.settings.get(SettingsFrame.INITIAL_WINDOW_SIZE, self.client_window)
                ack = SettingsFrame(0)
                ack.flags.add("ACK")
                self.send(ack)
            elif isinstance(f, PingFrame) and "ACK" not in f.flags:
                p = PingFrame(0)
                p.opaque_data = f.opaque_data
                p.flags.add("ACK")
                self.send(p)
            elif isinstance(f, GoAwayFrame):
                log("client GOAWAY", f.error_code)
                return
            elif isinstance(f, HeadersFrame):
                hdrs = dict(self.dec.decode(f.data))
                log("request", f.stream_id, hdrs.get(":path"))
                self.requests.append(f.stream_id)
                self.on_request(f.stream_id)

    def on_request(self, sid):
        if self.mode == "overrun":
            # The client's SETTINGS were acknowledged above, before any request could be read:
            # from here its SETTINGS_INITIAL_WINDOW_SIZE binds us. Send 4 KiB more than it allows.
            self.headers(sid, False)
            total = self.client_window + 4096
            while total > 0:
                n = min(16384, total)
                total -= n
                self.data(sid, n, total == 0)
            log("sent", self.client_window + 4096, "bytes on stream", sid, "window", self.client_window)
        elif self.mode == "goaway-answer":
            if len(self.requests) < 2:
                return
            first = self.requests[0]
            g = GoAwayFrame(0)
            g.last_stream_id = first
            g.error_code = 0
            self.send(g)
            log("GOAWAY last-stream-id", first)
            time.sleep(0.05)
            for s in self.requests:
                self.headers(s, False)
                self.data(s, 100, True)
                log("answered", s)
        elif self.mode == "ignore-rst":
            self.headers(sid, False)
            for i in range(30):
                self.data(sid, 1000, i == 29)
                # Read (and log) what the client sends meanwhile, RST_STREAM included: and ignore it.
                deadline = time.time() + 0.05
                while (left := deadline - time.time()) > 0:
                    if not select.select([self.sock], [], [], left)[0]:
                        break
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        return
                    self.buf += chunk
                    while len(self.buf) >= 9:
                        n = int.from_bytes(self.buf[:3], "big")
                        if len(self.buf) < 9 + n:
                            break
                        f, _ = Frame.parse_frame_header(memoryview(self.buf[:9]))
                        f.parse_body(memoryview(self.buf[9 : 9 + n]))
                        self.buf = self.buf[9 + n :]
                        log("recv while streaming", type(f).__name__, f.stream_id)
                        if isinstance(f, RstStreamFrame):
                            log("RST_STREAM", f.error_code, "on", f.stream_id, "- ignored, still sending")
                        elif isinstance(f, PingFrame) and "ACK" not in f.flags:
                            p = PingFrame(0)
                            p.opaque_data = f.opaque_data
                            p.flags.add("ACK")
                            self.send(p)
        elif self.mode == "headers-after-end":
            if sid == 1:
                self.headers(sid, False)
                self.data(sid, 100, True)
                self.headers(sid, True, status="200")
            else:
                self.headers(sid, True)
                self.data(sid, 10, True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--mode", required=True, choices=["overrun", "goaway-answer", "headers-after-end", "ignore-rst"])
    a = ap.parse_args()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", a.port))
    srv.listen(8)
    log("listening on", a.port, "mode", a.mode)
    while True:  # until the generator stops it (port probes are connections too)
        s, peer = srv.accept()
        log("connection from", peer)
        try:
            Conn(s, a.mode).run()
        except (ConnectionResetError, BrokenPipeError, EOFError) as e:
            log("connection ended:", e)
        finally:
            time.sleep(0.2)
            s.close()


if __name__ == "__main__":
    main()
