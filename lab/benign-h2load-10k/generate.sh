#!/usr/bin/env bash
# benign-h2load-10k: h2load -n 10000 -c 10 -m 10 against nghttpd (cleartext HTTP/2, h2c with
# prior knowledge) serving a mix of small and medium files (JSON-like text, 60 B .. 24 KB, and
# a 404), client — router — server. Capture: client.pcap.gz on the client's link. Then
# windows.pcap.gz: h2load -n 3000 -c 4 -m 20 with 16 KiB stream / 64 KiB connection receive
# windows against nghttpd --padding=255 (padding counts against flow control, RFC 9113 §6.1),
# and continuation.pcap.gz: 1000 requests each carrying a 40 KB cookie (HEADERS +
# CONTINUATION), and ipv6.pcap.gz: 3000 requests over IPv6. Needs root; about 30 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nghttpd h2load jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/htdocs"
# Text bodies like an API's: repeated JSON records, sizes from tiny to a few segments.
mk() { (set +o pipefail; yes "{\"id\":12345,\"name\":\"widget\",\"tags\":[\"a\",\"b\"],\"ok\":true}" | head -c "$2") >"$WORK/htdocs/$1"; }
mk tiny.json 60
mk small.json 400
mk row.json 900
mk page.json 1400
mk two.json 2900
mk list.json 6000
mk big.json 24000
URIS=()
for p in tiny.json small.json row.json page.json tiny.json small.json two.json list.json big.json missing.json; do
  URIS+=("http://$SERVER_IP:8080/$p")
done

lab_topology h2load
lab_bg "$SERVER_NS" nghttpd --no-tls -d "$WORK/htdocs" 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080

lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 300
{
  echo "== h2load -n 10000 -c 10 -m 10 (URIs cycled: ${URIS[*]##*/})"
  in_client h2load -n 10000 -c 10 -m 10 "${URIS[@]}" | grep -E 'finished in|requests:|status codes|traffic:'
} | tee observed.txt
lab_stop_captures

# Flow control at work: the server pads every frame (up to 255 bytes, which counts against the
# windows), the client advertises 16 KiB stream / 64 KiB connection windows, so the server
# stops and waits for WINDOW_UPDATEs all the time.
lab_bg "$SERVER_NS" nghttpd --no-tls --padding=255 -d "$WORK/htdocs" 8082
lab_wait_port "$SERVER_NS" 127.0.0.1 8082
PURIS=()
for u in "${URIS[@]}"; do PURIS+=("${u/:8080/:8082}"); done
lab_capture "$CLIENT_NS" c0 windows.pcap 'tcp port 8082' 300
{
  echo "== windows: h2load -n 3000 -c 4 -m 20 -w 14 -W 16 against nghttpd --padding=255"
  in_client h2load -n 3000 -c 4 -m 20 -w 14 -W 16 "${PURIS[@]}" | grep -E 'finished in|requests:|status codes|traffic:'
} | tee -a observed.txt
lab_stop_captures

# Header blocks larger than a frame: a 40 KB cookie (about 28 KB once Huffman-coded; too big
# for the 4 KiB HPACK table, so sent as a literal every time) makes every request HEADERS +
# CONTINUATION (RFC 9113 §6.10), ten streams per connection interleaved between (never within)
# header blocks.
COOKIE="session=$( (set +o pipefail; yes 'a1b2c3d4e5f6g7h8i9j0' | tr -d '\n' | head -c 40000) )"
lab_capture "$CLIENT_NS" c0 continuation.pcap 'tcp port 8082' 300
{
  echo "== continuation: h2load -n 1000 -c 2 -m 10 -H 'cookie: <40 KB>' against nghttpd --padding=255"
  in_client h2load -n 1000 -c 2 -m 10 -H "cookie: $COOKIE" "${PURIS[@]}" | grep -E 'finished in|requests:|status codes|traffic:'
} | tee -a observed.txt
lab_stop_captures

# The same over IPv6 (the namespaces have both families).
V6URIS=()
for u in "${URIS[@]}"; do V6URIS+=("${u/$SERVER_IP/[$SERVER_IP6]}"); done
lab_capture "$CLIENT_NS" c0 ipv6.pcap 'ip6 and tcp port 8080' 300
{
  echo "== ipv6: h2load -n 3000 -c 4 -m 10 against nghttpd at [$SERVER_IP6]:8080"
  in_client h2load -n 3000 -c 4 -m 10 "${V6URIS[@]}" | grep -E 'finished in|requests:|status codes|traffic:'
} | tee -a observed.txt
lab_stop_captures
rm -rf "$WORK"
lab_gzip_big client.pcap windows.pcap continuation.pcap ipv6.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* windows.pcap* continuation.pcap* ipv6.pcap* | tee -a observed.txt
