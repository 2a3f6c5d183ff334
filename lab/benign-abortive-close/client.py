"""Health-checker-style clients: open a connection, send one GET, read the whole response, then
close abortively with SO_LINGER {on, 0} (an RST instead of a FIN, no TIME_WAIT) — what many load
balancer health checks and connection pools do. Plus the server-side variant (/rst)."""
import socket
import struct
import sys
import time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def get(path, linger):
    s = socket.create_connection((host, port), timeout=5)
    if linger:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: lab-health/1.0\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, rest = data.split(b"\r\n\r\n", 1)
    length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
    while len(rest) < length:
        rest += s.recv(4096)
    if not linger:
        # Wait for the server's close (it resets the connection after its answer).
        try:
            while s.recv(4096):
                pass
        except ConnectionResetError:
            pass
    s.close()
    return head.split(b" ")[1].decode()


codes = {}
for i in range(n):
    c = get(f"/healthz?i={i}", True)
    codes["client RST " + c] = codes.get("client RST " + c, 0) + 1
    if i % 3 == 0:
        c = get(f"/rst?i={i}", False)
        codes["server RST " + c] = codes.get("server RST " + c, 0) + 1
    time.sleep(0.02)
print(codes)
