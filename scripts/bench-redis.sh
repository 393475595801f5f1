#!/usr/bin/env bash
# bench-redis.sh: examples/redis beside Debian's redis-server, loaded by
# redis-benchmark in the same run, rounds interleaved; prints each round and
# the medians with their ratio. Needs redis-server and redis-benchmark
# (apt-get install redis-server redis-tools).
#
#   scripts/bench-redis.sh [rounds] [requests]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
n=${2:-200000}
bin=$(mktemp -d)
trap 'kill $mine 2>/dev/null; redis-cli -p 7391 shutdown nosave >/dev/null 2>&1 || true; rm -rf "$bin"' EXIT
go build -o "$bin/redis" ./examples/redis
redis-server --port 7391 --save "" --appendonly no --daemonize yes >/dev/null
"$bin/redis" 127.0.0.1 7390 >/dev/null 2>&1 &
mine=$!
for i in $(seq 50); do redis-cli -p 7390 ping >/dev/null 2>&1 && redis-cli -p 7391 ping >/dev/null 2>&1 && break; sleep 0.1; done
out=$bin/rounds
for r in $(seq "$rounds"); do
  for P in 1 16; do
    for side in redis-server:7391 asyncgen:7390; do
      redis-benchmark -p "${side#*:}" -t set,get -n "$n" -P "$P" --csv 2>/dev/null |
        awk -F'"' -v s="${side%%:*}" -v P="$P" '$2 == "SET" || $2 == "GET" { print s, "P=" P, $2, $4 }' | tee -a "$out"
    done
  done
done
echo "== medians over $rounds rounds (requests/s)"
python3 - "$out" <<'PY'
import statistics, sys
d = {}
for line in open(sys.argv[1]):
    side, p, cmd, rps = line.split()
    d.setdefault((p, cmd), {}).setdefault(side, []).append(float(rps))
for (p, cmd), v in sorted(d.items()):
    a, r = statistics.median(v["asyncgen"]), statistics.median(v["redis-server"])
    print(f"{cmd} {p:5}  redis-server {r:10.0f}  asyncgen {a:10.0f}  ratio {a / r:.2f}x")
PY
