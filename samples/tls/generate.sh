#!/usr/bin/env bash
# Regenerates the TLS captures and their NSS key logs. Run as root (tcpdump on lo).
# The certificate and its private key are a throwaway self-signed pair made here in a temporary
# directory and deleted on exit: test-only, never committed. The .keys files are the TLS session
# secrets of these captures only.
cd "$(dirname "$0")"
source ../_lib/common.sh
need_tools tcpdump openssl curl
CERTDIR=$(mktemp -d)
trap 'rm -rf "$CERTDIR"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$CERTDIR/key.pem" -out "$CERTDIR/cert.pem" -days 2 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null

run() { # run NAME MODE PORT KEYFILE
  start_capture "$1" "tcp port $3" 30
  timeout 20 node scenario.cjs "$2" "$3" "$4" "$CERTDIR"
  stop_capture
}
run h2-tls13.pcap h2-tls13 7950 h2-tls13.keys
run h2-tls12-chacha.pcap h2-tls12-chacha 7951 h2-tls12-chacha.keys
run https1-tls12-aes256.pcap https1 7952 https1-tls12-aes256.keys
run h2-tls13-chacha.pcap h2-tls13-chacha 7953 h2-tls13-chacha.keys
run same-exchange/h2c.pcap same-h2c 7954 -
run same-exchange/tls.pcap same-tls 7954 same-exchange/tls.keys

# curl (OpenSSL build honours SSLKEYLOGFILE) against the Node secure h2 server
if curl --version | grep -q HTTP2; then
  start_capture curl-h2.pcap 'tcp port 7955' 30
  SERVER_MS=3000 timeout 20 node scenario.cjs server 7955 curl-h2.server.keys "$CERTDIR" &
  SERVER=$!
  sleep 0.5
  rm -f curl-h2.keys
  SSLKEYLOGFILE=curl-h2.keys timeout 10 curl -sS --http2 -k -o /dev/null -o /dev/null -o /dev/null \
    -w '%{http_version} %{http_code} %{url_effective}\n' \
    https://localhost:7955/a https://localhost:7955/b https://localhost:7955/big
  wait "$SERVER" || true
  rm -f curl-h2.server.keys
  stop_capture
fi
