#!/usr/bin/env bash
# The cluster's figures on one machine (README "Cluster"): Redis, two origins and four edges, each a
# `java -jar target/streamlet.war` process on loopback ports, measured by io.streamlet.cluster.ClusterBench:
#   - cold edge first keyframe: a stream no edge pulls yet, played once, time to its first keyframe (p50/p95/max)
#   - one origin feeding 4 edges: N players spread over the edges
#   - graceful failover: the publisher leaves origin A for origin B; players on an edge, time until they have
#     B's keyframes, players lost
#   - crash failover: origin A is killed (kill -9), the publisher goes to B; the same figures
#
#   bench/cluster.sh [--players N] [--cold N] [--skip-build]
#
# Everything lives in target/bench-cluster/ (each server's log). Not a test: figures vary with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

players=100
cold=20
build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --players) players="$2"; shift 2 ;;
    --cold) cold="$2"; shift 2 ;;
    --skip-build) build=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

dir=target/bench-cluster
mkdir -p "$dir"
log() { echo "[cluster-bench] $*" >&2; }

if [ "$build" = 1 ]; then
  log "building the WAR and the test classes"
  mvn -q -B -Dstyle.color=never package dependency:build-classpath -DskipTests \
      -Dmdep.outputFile="$dir/test.classpath" -Dmdep.includeScope=test >&2
fi
[ -f target/streamlet.war ] && [ -f "$dir/test.classpath" ] || { log "nothing built: run without --skip-build"; exit 1; }

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

redis_port=16379
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$dir/redis.log" 2>&1 &
pids+=($!)
redis="redis://127.0.0.1:$redis_port/0"

# node NAME MODE HTTP_PORT RTMP_PORT [knobs...]: starts a Streamlet; its pid is the last in pids
node() {
  local name=$1 mode=$2 http=$3 rtmp=$4; shift 4
  mkdir -p "$dir/tmp-$name" # each its own unpacked WAR: launchers started at once race on a shared one
  java -Xmx512m -Djava.io.tmpdir="$dir/tmp-$name" -Dstreamlet.cluster.mode="$mode" -Dstreamlet.cluster.redis="$redis" \
       -Dstreamlet.cluster.nodeUrl="http://127.0.0.1:$http" -Dstreamlet.rtmp.port="$rtmp" -Dstreamlet.hls.enabled=false "$@" \
       -jar target/streamlet.war --http-host=127.0.0.1 --http-port="$http" >"$dir/$name.log" 2>&1 &
  pids+=($!)
}
node origin-a origin 18180 19350
origin_a_pid=$!
node origin-b origin 18181 19351
edges=()
for i in 1 2 3 4; do
  node "edge$i" edge $((18190 + i)) $((19360 + i)) -Dstreamlet.cluster.origins=http://127.0.0.1:18180,http://127.0.0.1:18181
  edges+=("http://127.0.0.1:$((18190 + i))")
done
for name in origin-a origin-b edge1 edge2 edge3 edge4; do
  for _ in $(seq 1 300); do grep -q "Streamlet serves" "$dir/$name.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "Streamlet serves" "$dir/$name.log" || { log "$name did not start:"; tail -20 "$dir/$name.log" >&2; exit 1; }
done
log "redis, 2 origins and 4 edges are up"

java -cp "target/test-classes:target/classes:$(cat "$dir/test.classpath")" io.streamlet.cluster.ClusterBench \
  --origin-a-rtmp 19350 --origin-b-rtmp 19351 --origin-a-http http://127.0.0.1:18180 --origin-a-pid "$origin_a_pid" \
  --edges "$(IFS=,; echo "${edges[*]}")" --cold "$cold" --players "$players"
