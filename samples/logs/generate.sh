#!/usr/bin/env bash
# Reproduces the real HTTP/2 debug-log samples in this folder (run from anywhere, as root or with
# the tools installed). Everything runs on 127.0.0.1 and exits on its own.
#   go-http2debug-2.log          client+server in one process, GODEBUG=http2debug=2, microsecond times
#   go-http2debug-2-seconds.log  the same with Go's default whole-second log times
#   go-http2debug-1.log          client+server in one process, GODEBUG=http2debug=1
#   go-http2debug-2-concurrent.log  two clients on two connections at once (four Framers), =2
#   go-client-http2debug-2.log   client process only (server in another process)
#   go-server-http2debug-2.log   server process only
#   go-h2.pcap, go-h2.keylog, go-h2-http2debug-2.log
#                                the same exchange captured on lo with tcpdump (TLS 1.3; Go 1.19 has
#                                no h2c), its TLS secrets, and the debug log of that very run:
#                                for an end-to-end "capture and log give the same streams" test
#   nghttp-verbose.log           nghttp -v against nghttpd --no-tls (h2c prior knowledge): 3 runs,
#                                GETs, a POST, a server push, and one run over TLS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

need=()
command -v go >/dev/null || need+=(golang-go)
command -v nghttp >/dev/null || need+=(nghttp2-client)
command -v nghttpd >/dev/null || need+=(nghttp2-server)
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v openssl >/dev/null || need+=(openssl)
if ((${#need[@]})); then
  apt-get update -qq && apt-get install -y -qq "${need[@]}"
fi

# Standard library only: never reach for the module proxy.
export GOPROXY=off GOFLAGS= GOCACHE="${GOCACHE:-/tmp/tracelens-gocache}"
bin=$(mktemp -d)/h2sample
trap 'rm -rf "$(dirname "$bin")"; [[ -n "${srvpid:-}" ]] && kill "$srvpid" 2>/dev/null || true' EXIT
(cd go && go build -o "$bin" .)

GODEBUG=http2debug=2 timeout 20 "$bin" both 2>go-http2debug-2.log >/dev/null
GODEBUG=http2debug=2 timeout 20 "$bin" -micros=false both 2>go-http2debug-2-seconds.log >/dev/null
GODEBUG=http2debug=1 timeout 20 "$bin" both 2>go-http2debug-1.log >/dev/null
GODEBUG=http2debug=2 timeout 20 "$bin" both-concurrent 2>go-http2debug-2-concurrent.log >/dev/null

# Separate processes: the server prints its URL, the client runs the exchange against it.
fifo=$(dirname "$bin")/url
mkfifo "$fifo"
GODEBUG=http2debug=2 timeout 20 "$bin" server 2>go-server-http2debug-2.log >"$fifo" &
srvpid=$!
read -r url <"$fifo"
GODEBUG=http2debug=2 timeout 20 "$bin" -addr "$url" client 2>go-client-http2debug-2.log >/dev/null
wait "$srvpid" || true
srvpid=

# The capture: tcpdump on loopback, only the port of this run; -U so nothing is lost at the kill.
port=$((20000 + RANDOM % 20000))
timeout 30 tcpdump -i lo -U -s 0 -w go-h2.pcap "tcp port $port" 2>/dev/null &
dumppid=$!
sleep 1
GODEBUG=http2debug=2 timeout 20 "$bin" -listen "127.0.0.1:$port" -keylog go-h2.keylog both 2>go-h2-http2debug-2.log >/dev/null
sleep 1
kill "$dumppid" 2>/dev/null || true
wait "$dumppid" 2>/dev/null || true
chown --reference=. go-h2.pcap  # tcpdump drops to its own user when writing

# nghttp against nghttpd over h2c: a few GETs (one of them a 404), and a POST with a body.
docroot=$(dirname "$bin")/www
mkdir -p "$docroot"
printf 'hello from nghttpd\n' >"$docroot/index.html"
printf '{"ok":true}\n' >"$docroot/data.json"
port=$((20000 + RANDOM % 20000))
timeout 10 nghttpd --no-tls -d "$docroot" --address=127.0.0.1 "$port" >/dev/null 2>&1 &
srvpid=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
printf 'name=tracelens\n' >"$docroot/post-body.txt"
{
  timeout 5 nghttp -v -n "http://127.0.0.1:$port/" "http://127.0.0.1:$port/data.json" "http://127.0.0.1:$port/missing" || true
  timeout 5 nghttp -v -n -d "$docroot/post-body.txt" "http://127.0.0.1:$port/index.html" || true
} >nghttp-verbose.log 2>&1
kill "$srvpid" 2>/dev/null || true
wait "$srvpid" 2>/dev/null || true
srvpid=

# Run 3: a server that pushes /data.json with /index.html (PUSH_PROMISE, promised stream 2).
port=$((20000 + RANDOM % 20000))
timeout 10 nghttpd --no-tls -d "$docroot" -p/index.html=/data.json --address=127.0.0.1 "$port" >/dev/null 2>&1 &
srvpid=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
timeout 5 nghttp -v -n "http://127.0.0.1:$port/index.html" >>nghttp-verbose.log 2>&1 || true
kill "$srvpid" 2>/dev/null || true
wait "$srvpid" 2>/dev/null || true
srvpid=

# Run 4: over TLS (ALPN h2) with a throwaway self-signed certificate: nghttp adds untimed lines
# ("[WARNING] Certificate verification failed", "The negotiated protocol: h2").
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
  -keyout "$docroot/../key.pem" -out "$docroot/../cert.pem" 2>/dev/null
port=$((20000 + RANDOM % 20000))
timeout 10 nghttpd -d "$docroot" --address=127.0.0.1 "$port" "$docroot/../key.pem" "$docroot/../cert.pem" >/dev/null 2>&1 &
srvpid=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
timeout 5 nghttp -v -n "https://127.0.0.1:$port/index.html" >>nghttp-verbose.log 2>&1 || true
kill "$srvpid" 2>/dev/null || true
wait "$srvpid" 2>/dev/null || true
srvpid=
ls -l "$here"/*.log
