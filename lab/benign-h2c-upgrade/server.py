"""A minimal h2c server (python-h2) that accepts the HTTP/1.1 Upgrade to HTTP/2 (RFC 7540
section 3.2): reads the GET with Upgrade: h2c and HTTP2-Settings, answers 101 Switching
Protocols, then serves that request as stream 1 and any further streams over HTTP/2. Files
come from DOCROOT; one thread per connection."""
import os
import socket
import sys
import threading

import h2.config
import h2.connection
import h2.events

DOCROOT = sys.argv[2]


def body_for(path):
    p = os.path.normpath(os.path.join(DOCROOT, path.split("?")[0].lstrip("/")))
    if p.startswith(DOCROOT) and os.path.isfile(p):
        with open(p, "rb") as f:
            return 200, f.read()
    return 404, b"not found\n"


def respond(conn, sock, stream_id, path):
    status, body = body_for(path)
    conn.send_headers(stream_id, [(":status", str(status)), ("content-length", str(len(body))), ("server", "lab-h2c")])
    sent = 0
    while sent < len(body):
        n = min(conn.local_flow_control_window(stream_id), conn.max_outbound_frame_size, len(body) - sent)
        if n <= 0:
            sock.sendall(conn.data_to_send())
            data = sock.recv(65535)
            if not data:
                return
            handle(conn, sock, conn.receive_data(data))
            continue
        conn.send_data(stream_id, body[sent : sent + n], end_stream=sent + n == len(body))
        sent += n
    if not body:
        conn.end_stream(stream_id)
    sock.sendall(conn.data_to_send())


pending = {}


def handle(conn, sock, events):
    for ev in events:
        if isinstance(ev, h2.events.RequestReceived):
            pending[(id(conn), ev.stream_id)] = dict(ev.headers)
        elif isinstance(ev, h2.events.StreamEnded):
            h = pending.pop((id(conn), ev.stream_id), None)
            if h is not None:
                respond(conn, sock, ev.stream_id, h[b":path"].decode())


def serve(sock):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65535)
        if not chunk:
            return
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    path = lines[0].split(b" ")[1].decode()
    hdrs = {l.split(b":", 1)[0].strip().lower(): l.split(b":", 1)[1].strip() for l in lines[1:]}
    sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    conn.initiate_upgrade_connection(hdrs[b"http2-settings"])
    sock.sendall(conn.data_to_send())
    respond(conn, sock, 1, path)  # the upgraded request is stream 1, already half-closed
    if rest:
        handle(conn, sock, conn.receive_data(rest))
    while True:
        data = sock.recv(65535)
        if not data:
            break
        try:
            handle(conn, sock, conn.receive_data(data))
        except h2.exceptions.ProtocolError:
            break
        out = conn.data_to_send()
        if out:
            sock.sendall(out)
        if conn.state_machine.state == h2.connection.ConnectionState.CLOSED:
            break
    sock.close()


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", int(sys.argv[1])))
srv.listen(64)
while True:
    s, _ = srv.accept()
    threading.Thread(target=serve, args=(s,), daemon=True).start()
