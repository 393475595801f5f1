#!/usr/bin/env bash
# bench-http.sh: examples/http beside gnet on one loop (the anchor in
# ../shared/anchors/http), loaded by wrk in the same run as that anchor's
# run.sh does (wrk -t1 -c100, 2 s warm-up, 5 s measured), keep-alive and
# with 16 requests pipelined (its pipeline.lua), rounds interleaved; prints
# each round and the medians with their ratio. Needs wrk.
#
#   scripts/bench-http.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
anchors=$(cd ../shared/anchors/http && pwd)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/http" ./examples/http
(cd "$anchors" && go build -o "$bin/gnet" ./gnetsrv)
port=18200
one() { # label binary mode
  port=$((port + 1))
  "$2" $port >/dev/null 2>&1 &
  local pid=$! script=()
  [ "$3" = pipelined ] && script=(-s "$anchors/pipeline.lua")
  for i in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  wrk -t1 -c100 -d2s "${script[@]}" http://127.0.0.1:$port/ >/dev/null 2>&1
  local rps
  rps=$(wrk -t1 -c100 -d5s "${script[@]}" http://127.0.0.1:$port/ 2>&1 | awk '/Requests\/sec/ {print $2}')
  echo "$1 $3 $rps $(awk '/VmHWM/ {print $2}' /proc/$pid/status)" | tee -a "$bin/rounds"
  kill $pid
  wait $pid 2>/dev/null || true
}
for r in $(seq "$rounds"); do
  for mode in keep-alive pipelined; do
    if [ $((r % 2)) = 1 ]; then one gnet "$bin/gnet" $mode; one asyncgen "$bin/http" $mode
    else one asyncgen "$bin/http" $mode; one gnet "$bin/gnet" $mode; fi
  done
done
echo "== medians over $rounds rounds (requests/s, peak RSS kB)"
python3 - "$bin/rounds" <<'PY'
import statistics, sys
d = {}
for line in open(sys.argv[1]):
    side, mode, rps, rss = line.split()
    d.setdefault(mode, {}).setdefault(side, []).append((float(rps), int(rss)))
for mode, v in d.items():
    g = statistics.median(x[0] for x in v["gnet"]); a = statistics.median(x[0] for x in v["asyncgen"])
    gr = statistics.median(x[1] for x in v["gnet"]); ar = statistics.median(x[1] for x in v["asyncgen"])
    print(f"{mode:10}  gnet {g:10.0f} ({gr} kB)  asyncgen {a:10.0f} ({ar} kB)  ratio {a / g:.2f}x")
PY
