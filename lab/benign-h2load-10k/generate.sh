#!/usr/bin/env bash
# benign-h2load-10k: h2load -n 10000 -c 10 -m 10 against nghttpd (cleartext HTTP/2, h2c with
# prior knowledge) serving a mix of small and medium files (JSON-like text, 60 B .. 24 KB, and
# a 404), client — router — server. Capture: client.pcap.gz on the client's link. Needs root;
# about 30 s.
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
rm -rf "$WORK"
lab_gzip_big client.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* | tee -a observed.txt
