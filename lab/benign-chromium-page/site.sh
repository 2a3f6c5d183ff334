#!/usr/bin/env bash
# site.sh DIR: writes the test site: a page with 40 sub-resources (stylesheets, scripts, SVG
# images, JSON), page JavaScript that fetches an API 30 times and aborts every third fetch
# mid-flight (AbortController -> RST_STREAM CANCEL), then navigates to a second page.
set -euo pipefail
d=$1
mkdir -p "$d/static" "$d/api"
line='/* lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor */'
{
  echo '<!doctype html><html><head><meta charset="utf-8"><title>lab</title>'
  for i in $(seq 1 8); do echo "<link rel=stylesheet href=/static/s$i.css>"; done
  for i in $(seq 1 8); do echo "<script src=/static/j$i.js></script>"; done
  echo '</head><body><h1>lab page</h1>'
  for i in $(seq 1 20); do echo "<img src=/static/i$i.svg width=40 height=40>"; done
  cat <<'JS'
<script>
(async () => {
  for (let i = 0; i < 30; i++) {
    const ctl = new AbortController();
    const p = fetch(`/api/slow.json?i=${i}`, { signal: ctl.signal, cache: 'no-store' }).then((r) => r.text()).catch(() => 'aborted');
    if (i % 3 === 0) setTimeout(() => ctl.abort(), 5);
    await p;
  }
  for (let i = 0; i < 4; i++) await fetch(`/api/data.json?i=${i}`, { cache: 'no-store' }).then((r) => r.json());
  location.href = '/page2.html';
})();
</script>
JS
  echo '</body></html>'
} >"$d/index.html"
{
  echo '<!doctype html><html><head><meta charset="utf-8"><title>two</title>'
  for i in $(seq 1 4); do echo "<link rel=stylesheet href=/static/s$i.css>"; done
  echo '</head><body><h1>second page</h1>'
  for i in $(seq 10 16); do echo "<img src=/static/i$i.svg width=40 height=40>"; done
  echo '</body></html>'
} >"$d/page2.html"
for i in $(seq 1 8); do (set +o pipefail; yes "$line" | head -c $((i * 3000))) >"$d/static/s$i.css"; done
for i in $(seq 1 8); do (set +o pipefail; yes "$line" | head -c $((i * 5000))) >"$d/static/j$i.js"; done
for i in $(seq 1 20); do
  printf '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#%02x%02x%02x"/><!-- %s --></svg>\n' $((i * 12)) $((255 - i * 10)) $((i * 7)) "$(head -c $((i * 200)) /dev/zero | tr '\0' x)" >"$d/static/i$i.svg"
done
(set +o pipefail; yes '{"k":"v","n":1},' | head -c 60000) | sed 's/^/[/; $ s/,$/]/' >"$d/api/big.json"
echo '{"items":[1,2,3],"ok":true}' >"$d/api/data.json"
