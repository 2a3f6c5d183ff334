#!/usr/bin/env bash
# tls13-hrr: TLS 1.3 with a HelloRetryRequest. openssl s_server accepts only P-256; the clients
# (openssl s_client, curl) offer an X25519 key share first, so the server answers the first
# ClientHello with a HelloRetryRequest, the client sends a second ClientHello with a P-256 key
# share, and the handshake completes. HTTP/1 inside (s_server -www status page, HTTP/1.0 from
# s_client and HTTP/1.1 from curl). Both ends write an NSS key log (keys.txt). Captured with tcpdump
# on loopback of a network namespace of our own. Needs root; a few seconds.
set -euo pipefail
cd "$(dirname "$0")"
NS=tld-hrr
WORK=$(mktemp -d)
cleanup() {
  [ -n "${SRV:-}" ] && kill "$SRV" 2>/dev/null || true
  [ -n "${DUMP:-}" ] && kill "$DUMP" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -subj /CN=hrr.test -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
rm -f keys.txt hrr.pcap
touch keys.txt

ip netns exec "$NS" tcpdump -i lo -w hrr.pcap -U 'tcp port 8443' 2>/dev/null &
DUMP=$!
sleep 1
ip netns exec "$NS" openssl s_server -accept 127.0.0.1:8443 -www -tls1_3 -groups P-256 \
  -cert "$WORK/cert.pem" -key "$WORK/key.pem" -keylogfile keys.txt -quiet >/dev/null 2>&1 &
SRV=$!
for _ in $(seq 50); do ip netns exec "$NS" ss -ltn | grep -q ':8443 ' && break; sleep 0.1; done

# s_client: X25519 first (its only key share), P-256 also offered -> HelloRetryRequest.
printf 'GET /s_client HTTP/1.0\r\nHost: hrr.test\r\n\r\n' |
  ip netns exec "$NS" openssl s_client -connect 127.0.0.1:8443 -servername hrr.test -tls1_3 \
    -groups X25519:P-256 -keylogfile "$WORK/client-keys.txt" -ign_eof -quiet >"$WORK/s_client.out" 2>&1 || true
grep -q 'HTTP/1.0 200 ok' "$WORK/s_client.out"
# curl: same preference order, two requests on one connection.
ip netns exec "$NS" env SSLKEYLOGFILE="$WORK/curl-keys.txt" curl -sk --tlsv1.3 --curves X25519:P-256 \
  --resolve hrr.test:8443:127.0.0.1 https://hrr.test:8443/one https://hrr.test:8443/two -o /dev/null -o /dev/null
sleep 1
kill "$DUMP"; wait "$DUMP" 2>/dev/null || true
DUMP=
# The server's key log has every session; check the clients' agree with it.
for f in "$WORK/client-keys.txt" "$WORK/curl-keys.txt"; do
  grep -v '^#' "$f" | while read -r line; do grep -qF "$line" keys.txt; done
done
# Truth: tshark's handshake messages and HTTP requests per tcp.stream, decrypted with the key log.
tshark -r hrr.pcap -o tls.keylog_file:keys.txt -T fields -E header=y -e frame.number -e tcp.stream \
  -e tls.handshake.type -e http.request.method -e http.request.uri -e http.response.code \
  -Y 'http || tls.handshake.type == 2 || tls.handshake.type == 1' 2>/dev/null >hrr.tshark.tsv
chown "$(stat -c %u:%g .)" hrr.pcap hrr.tshark.tsv keys.txt
