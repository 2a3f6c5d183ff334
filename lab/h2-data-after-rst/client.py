#!/usr/bin/python3
"""HTTP/2 client on python-h2 (Debian's python3-h2): one GET, cancelled with RST_STREAM CANCEL
after the first 3 DATA frames, followed by a PING; then it keeps the connection open for 2 s, reading (python-h2
ignores what arrives on the reset stream) before closing with GOAWAY."""
import socket
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.errors

host, port = sys.argv[1], int(sys.argv[2])
sock = socket.create_connection((host, port))
conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
conn.initiate_connection()
sid = conn.get_next_available_stream_id()
conn.send_headers(sid, [(":method", "GET"), (":path", "/slow"), (":scheme", "http"), (":authority", host)], end_stream=True)
sock.sendall(conn.data_to_send())
frames = 0
reset = False
after = 0
end = None
while end is None or time.time() < end:
    sock.settimeout(0.1 if end else 5)
    try:
        data = sock.recv(65536)
    except socket.timeout:
        continue
    if not data:
        break
    for ev in conn.receive_data(data):
        if isinstance(ev, h2.events.DataReceived):
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            frames += 1
            if frames == 3 and not reset:
                conn.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
                # A PING right after (as keep-alive and RTT probes do): its ACK shows on the wire
                # that the server has read everything up to it, the RST_STREAM included.
                conn.ping(b"tracelen")
                reset = True
                end = time.time() + 2
                print(f"[client] RST_STREAM CANCEL on stream {sid} after {frames} DATA frames", flush=True)
    out = conn.data_to_send()
    if out:
        sock.sendall(out)
conn.close_connection()
sock.sendall(conn.data_to_send())
sock.close()
print("[client] closed", flush=True)
