#!/usr/bin/env bash
# benign-h2-server-push: nghttpd (h2c) pushes a page's stylesheets and scripts with
# PUSH_PROMISE when the page is requested. 60 nghttp clients accept the pushes (server-initiated
# even-numbered streams interleaved with the client's odd ones, RFC 9113 §8.4); 20 more fetch
# with --no-push (SETTINGS_ENABLE_PUSH 0: the server must not push) and get the assets with
# -a (--get-assets) on their own streams instead. Capture: client.pcap.gz on the client's link
# (client — router — server). Needs root; about 20 s.
set -euo pipefail
cd "$(dirname "$0")"
source ../_lib/benign.sh
lab_need nghttpd nghttp jq

WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p "$WORK/htdocs/static"
line='/* lorem ipsum dolor sit amet, consectetur adipiscing elit */'
PUSH=()
{
  echo '<!doctype html><html><head><title>push</title>'
  for i in 1 2 3 4; do echo "<link rel=stylesheet href=/static/s$i.css>"; done
  for i in 1 2 3 4; do echo "<script src=/static/j$i.js></script>"; done
  echo '</head><body><img src=/static/logo.svg></body></html>'
} >"$WORK/htdocs/index.html"
for i in 1 2 3 4; do
  (set +o pipefail; yes "$line" | head -c $((i * 4000))) >"$WORK/htdocs/static/s$i.css"
  (set +o pipefail; yes "$line" | head -c $((i * 9000))) >"$WORK/htdocs/static/j$i.js"
done
echo '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>' >"$WORK/htdocs/static/logo.svg"
PUSH=(-p "/index.html=/static/s1.css,/static/s2.css,/static/s3.css,/static/s4.css,/static/j1.js,/static/j2.js")

lab_topology h2push
lab_bg "$SERVER_NS" nghttpd --no-tls -d "$WORK/htdocs" "${PUSH[@]}" 8080
lab_wait_port "$SERVER_NS" 127.0.0.1 8080
lab_capture "$CLIENT_NS" c0 client.pcap 'tcp port 8080' 120
{
  echo "== 60 x nghttp -a (accepting pushes), 20 x nghttp -a --no-push -> http://$SERVER_IP:8080/index.html"
  for i in $(seq 1 60); do
    in_client nghttp -ans "http://$SERVER_IP:8080/index.html" | grep -cE '^ +[0-9]+ +\+' || true
  done | sort | uniq -c | sed 's/^/with push: responses per run: /'
  for i in $(seq 1 20); do
    in_client nghttp -ans --no-push "http://$SERVER_IP:8080/index.html" | grep -cE '^ +[0-9]+ +\+' || true
  done | sort | uniq -c | sed 's/^/no push: responses per run: /'
} | tee observed.txt
lab_stop_captures
rm -rf "$WORK"
lab_gzip_big client.pcap
echo "== tracelens" >>observed.txt
benign_summary client.pcap* | tee -a observed.txt
