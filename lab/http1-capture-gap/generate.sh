#!/usr/bin/env bash
# http1-capture-gap: one persistent HTTP/1.1 connection (Python requests Session -> nginx), 1000
# requests, captured on the client's side of a wire-size link (MTU 1500, no offloads). Then the
# capture is copied with one server segment removed by editcap, as a capture that lost a packet
# looks ("previous segment not captured" / "ACKed segment that wasn't captured" in tshark):
#   gap-body.pcap    a segment in the middle of response 3's body (framing still known)
#   gap-status.pcap  the first segment of response 5: its status line and headers
#   gap-whole.pcap   the only segment of response 8 (a small response): a whole response lost
#   gap-request.pcap the segment carrying request 10: a whole request lost (its response is seen)
#   full.pcap        the capture as taken (every exchange complete)
#   midstream.pcap   full.pcap from a client ACK in the middle of response 2: a capture that began
#                    mid-connection (no handshake, the server's first bytes are the end of a body)
#   lossy.pcap       the same traffic captured at the same time by a second tcpdump whose filter
#                    drops every packet whose IP ID ends in 6 zero bits (~1 in 64, both directions,
#                    requests, responses and ACKs alike): real capture loss from a real capturer
# Needs root. Takes about half a minute.
set -euo pipefail
cd "$(dirname "$0")"
LAB_PREFIX=${LAB_PREFIX:-tlf}
source ../_lib/netns.sh
lab_need nginx editcap tshark

WORK=$(mktemp -d)
PAD=$(head -c 2900 /dev/zero | tr '\0' 'x')
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events { worker_connections 64; }
http {
  access_log off;
  keepalive_requests 5000;
  keepalive_timeout 60s;
  client_body_temp_path $WORK;
  proxy_temp_path $WORK;
  fastcgi_temp_path $WORK;
  uwsgi_temp_path $WORK;
  scgi_temp_path $WORK;
  server {
    listen 8080;
    default_type text/plain;
    # X-Path echoes the request target: the tests check every pairing against it.
    location /small/ { add_header X-Path \$uri; return 200 "small \$uri\n"; }
    location / { add_header X-Path \$uri; return 200 "big \$uri $PAD\n"; }
  }
}
CONF

rm -f observed.txt.new
lab_topology gap
lab_bg "$SERVER_NS" nginx -c "$WORK/nginx.conf" -e "$WORK/error.log"
lab_wait_port "$CLIENT_NS" "$SERVER_IP" 8080

lab_capture "$CLIENT_NS" c0 full.pcap 'tcp port 8080' 120
# ip[5] is the low byte of the IPv4 identification; SYN/FIN/RST are kept so the connection is whole.
lab_capture "$CLIENT_NS" c0 lossy.pcap 'tcp port 8080 and ((ip[5] & 0x3f) != 0 or (tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst)) != 0)' 120
in_client python3 - "$SERVER_IP" <<'PY'
import sys, requests
host = sys.argv[1]
s = requests.Session()
for i in range(1, 1001):
    # Every 4th request (4, 8, 12, ...) gets a small one-segment response; the rest ~3 KB (3 segments).
    path = f"/small/{i}" if i % 4 == 0 else f"/big/{i}"
    r = s.get(f"http://{host}:8080{path}")
    assert r.status_code == 200 and r.headers["X-Path"] == path, (i, r.status_code)
s.close()
print("1000 requests on one connection", file=sys.stderr)
PY
lab_stop_captures

# Frame numbers of each response's segments (server -> client, with payload), in order.
tshark -r full.pcap -T fields -e frame.number -e tcp.srcport -e tcp.payload \
  -o tcp.desegment_tcp_streams:FALSE >"$WORK.segs" 2>/dev/null || true
read -r BODY STATUS WHOLE REQUEST MIDSTART < <(python3 - "$WORK.segs" <<'PY'
import sys
resp = []  # per response: list of frame numbers
reqs = []  # per request: its frame number (one segment each)
acks = []  # client packets without payload
for line in open(sys.argv[1]):
    frame, sport, payload = (line.rstrip("\n").split("\t") + ["", ""])[:3]
    if not payload:
        if sport != "8080":
            acks.append(int(frame))
        continue
    if sport != "8080":
        reqs.append(int(frame))
        continue
    if payload.startswith("485454502f312e31"):  # "HTTP/1.1"
        resp.append([])
    resp[-1].append(int(frame))
assert len(resp) == 1000 and len(reqs) == 1000, (len(resp), len(reqs))
body = resp[2][1]      # response 3: its second segment (inside the body)
status = resp[4][0]    # response 5: its first segment (status line + headers + body start)
assert len(resp[7]) == 1
whole = resp[7][0]     # response 8: small, one segment
request = reqs[9]      # request 10
# A client ACK between response 2's first and last segments: the capture "begins" there.
midstart = next(a for a in acks if resp[1][0] < a < resp[1][-1])
print(body, status, whole, request, midstart)
PY
)
rm -f "$WORK.segs"
editcap full.pcap gap-body.pcap "$BODY"
editcap full.pcap gap-status.pcap "$STATUS"
editcap full.pcap gap-whole.pcap "$WHOLE"
editcap full.pcap gap-request.pcap "$REQUEST"
editcap -r full.pcap midstream.pcap "$MIDSTART-1000000"
lab_log "removed frame $BODY (gap-body), $STATUS (gap-status), $WHOLE (gap-whole), $REQUEST (gap-request)"
for f in full gap-body gap-status gap-whole gap-request lossy midstream; do
  {
    echo "== $f.pcap: tshark expert info and HTTP pairing"
    tshark -r "$f.pcap" -q -z expert,note 2>/dev/null | grep -iE 'not captured|unseen|Errors|Warns' | head -5 || true
    echo "responses paired with a request (http.request_in): $(tshark -r "$f.pcap" -Y 'http.response && http.request_in' 2>/dev/null | wc -l)"
    echo "requests: $(tshark -r "$f.pcap" -Y 'http.request' 2>/dev/null | wc -l)"
  } >>observed.txt.new
done
mv observed.txt.new observed.txt
rm -rf "$WORK"
gzip -9f full.pcap gap-body.pcap gap-status.pcap gap-whole.pcap gap-request.pcap lossy.pcap midstream.pcap
ls -l ./*.pcap.gz >&2
