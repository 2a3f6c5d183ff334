"""HTTP/1.1 pipelining as apt's http method does it: several GETs written back to back on one
keep-alive connection before the first response arrives, responses read in order
(RFC 9112 §9.3.2). BATCHES batches of DEPTH requests per connection, CONNS connections."""
import socket
import sys

host, port, conns, batches, depth = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
paths = ["/dists/stable/InRelease", "/pool/a.deb", "/pool/b.deb", "/pool/c.deb", "/missing/d.deb", "/pool/e.deb"]


def read_response(f):
    status = f.readline().split(b" ")[1]
    length = 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        k, _, v = line.partition(b":")
        if k.lower() == b"content-length":
            length = int(v)
    f.read(length)
    return status.decode()


codes = {}
n = 0
for c in range(conns):
    s = socket.create_connection((host, port))
    f = s.makefile("rb")
    for b in range(batches):
        reqs = []
        for k in range(depth):
            p = paths[(b * depth + k + c) % len(paths)]
            reqs.append(f"GET {p}?c={c}&b={b}&k={k} HTTP/1.1\r\nHost: mirror\r\nUser-Agent: Debian APT-HTTP/1.3\r\n\r\n")
        s.sendall("".join(reqs).encode())
        for _ in reqs:
            st = read_response(f)
            codes[st] = codes.get(st, 0) + 1
            n += 1
    s.close()
print(f"{n} pipelined requests: {codes}")
