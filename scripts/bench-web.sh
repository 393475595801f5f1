#!/usr/bin/env bash
# bench-web.sh: the TechEmpower plaintext and JSON tests, routed, with Date
# and Server fields: examples/techempower (the web package, one loop) beside
# the anchors in ../shared/anchors/web: fasthttp and net/http with a
# ServeMux (GOMAXPROCS=1), and aiohttp on uvloop when python3-aiohttp and
# python3-uvloop are installed. wrk -t1 -c100, 2 s warm-up, 5 s measured,
# keep-alive and 16 requests pipelined (scripts/pipeline.lua: each request
# for the URL's path; the anchors' pipeline.lua asks for / whatever the URL),
# servers interleaved in each round; prints each run, then the medians and
# their ratios to fasthttp and aiohttp. A run with any answer that is not
# 2xx counts as 0. Needs wrk.
#
#   scripts/bench-web.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
anchors=$(cd ../shared/anchors/web && pwd)
pipeline=$(pwd)/scripts/pipeline.lua
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/asyncgen" ./examples/techempower
(cd "$anchors" && go build -o "$bin/fasthttp" ./fasthttpsrv && go build -o "$bin/nethttp" ./nethttpsrv)
servers=(asyncgen fasthttp nethttp)
if /usr/bin/python3 -c 'import aiohttp, uvloop' 2>/dev/null; then servers+=(aiohttp); fi
port=18300
one() { # server path mode
  port=$((port + 1))
  case $1 in
  aiohttp) /usr/bin/python3 "$anchors/aiohttpsrv.py" uvloop $port >/dev/null 2>&1 & ;;
  asyncgen) "$bin/$1" $port >/dev/null 2>&1 & ;;
  *) GOMAXPROCS=1 "$bin/$1" $port >/dev/null 2>&1 & ;;
  esac
  local pid=$! script=()
  [ "$3" = pipelined ] && script=(-s "$pipeline")
  for i in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  wrk -t1 -c100 -d2s "${script[@]}" "http://127.0.0.1:$port/$2" >/dev/null 2>&1
  local out rps
  out=$(wrk -t1 -c100 -d5s "${script[@]}" "http://127.0.0.1:$port/$2" 2>&1)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  if grep -q 'Non-2xx' <<<"$out"; then echo "$1 /$2: $(grep Non-2xx <<<"$out")" >&2; rps=0; fi
  echo "$1 $2 $3 $rps" | tee -a "$bin/rounds"
  kill $pid
  wait $pid 2>/dev/null || true
}
for r in $(seq "$rounds"); do
  for path in plaintext json; do
    for mode in keep-alive pipelined; do
      # A different first server each round.
      for i in "${!servers[@]}"; do
        one "${servers[$(((i + r) % ${#servers[@]}))]}" $path $mode
      done
    done
  done
done
echo "== medians over $rounds rounds (requests/s)"
python3 - "$bin/rounds" <<'PY'
import statistics, sys
d = {}
for line in open(sys.argv[1]):
    server, path, mode, rps = line.split()
    d.setdefault((path, mode), {}).setdefault(server, []).append(float(rps or 0))
for (path, mode), v in d.items():
    med = {s: statistics.median(x) for s, x in v.items()}
    line = f"/{path:9} {mode:10} " + "  ".join(f"{s} {r:9.0f}" for s, r in med.items())
    a = med["asyncgen"]
    line += f"  asyncgen/fasthttp {a / med['fasthttp']:.2f}x"
    if "aiohttp" in med and med["aiohttp"]:
        line += f"  asyncgen/aiohttp {a / med['aiohttp']:.1f}x"
    print(line)
PY
