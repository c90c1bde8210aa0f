#!/usr/bin/env bash
# The cluster's figures on one machine (README "Cluster"), each server a `java -jar target/streamlet.war`
# process on loopback ports.
#
#   bench/cluster.sh [--players N] [--cold N] [--skip-build]
#     Redis, two origins and four edges, measured by io.streamlet.cluster.ClusterBench:
#     - cold edge first keyframe: a stream no edge pulls yet, played once, time to its first keyframe (p50/p95/max)
#     - one origin feeding 4 edges: N players spread over the edges
#     - graceful failover: the publisher leaves origin A for origin B; players on an edge, time until they have
#       B's keyframes, players lost
#     - crash failover: origin A is killed (kill -9), the publisher goes to B; the same figures
#
#   bench/cluster.sh latency [--players N] [--seconds S] [--skip-build]
#     Players per edge against a standalone server: Redis, an origin, an edge and a standalone Streamlet (the
#     same WAR and JVM flags); bench/run.sh's load client (io.streamlet.bench.LoadClient) publishes the sample
#     and runs N HTTP-FLV players on the standalone server, then publishes on the origin and runs N on the
#     edge. Latency is from the publisher's send to a player's parse of each tag (through the origin and the
#     edge's pull for the edge). Prints both summary lines and their latency side by side.
#
# Everything lives in target/bench-cluster/ (each server's log). Not a test: figures vary with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=figures
players=100
cold=20
seconds=20
build=1
if [[ "${1:-}" == latency ]]; then mode=latency; shift; fi
while [[ $# -gt 0 ]]; do
  case "$1" in
    --players) players="$2"; shift 2 ;;
    --cold) cold="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --skip-build) build=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
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
classpath="target/test-classes:target/classes:$(cat "$dir/test.classpath")"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

redis_port=16379
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$dir/redis.log" 2>&1 &
pids+=($!)
redis="redis://127.0.0.1:$redis_port/0"

# node NAME MODE HTTP_PORT RTMP_PORT [knobs...]: starts a Streamlet (MODE origin, edge or standalone); its pid
# is the last in pids
node() {
  local name=$1 mode=$2 http=$3 rtmp=$4; shift 4
  local cluster=()
  [ "$mode" = standalone ] || cluster=(-Dstreamlet.cluster.mode="$mode" -Dstreamlet.cluster.redis="$redis"
                                       -Dstreamlet.cluster.nodeUrl="http://127.0.0.1:$http")
  java -Xmx512m "${cluster[@]}" -Dstreamlet.rtmp.host=127.0.0.1 -Dstreamlet.rtmp.port="$rtmp" -Dstreamlet.hls.enabled=false "$@" \
       -jar target/streamlet.war --http-host=127.0.0.1 --http-port="$http" >"$dir/$name.log" 2>&1 &
  pids+=($!)
}
await_nodes() {
  for name in "$@"; do
    for _ in $(seq 1 300); do grep -q "Streamlet serves" "$dir/$name.log" 2>/dev/null && break; sleep 0.1; done
    grep -q "Streamlet serves" "$dir/$name.log" || { log "$name did not start:"; tail -20 "$dir/$name.log" >&2; exit 1; }
  done
}

if [ "$mode" = figures ]; then
  node origin-a origin 18180 19350
  origin_a_pid=$!
  node origin-b origin 18181 19351
  edges=()
  for i in 1 2 3 4; do
    node "edge$i" edge $((18190 + i)) $((19360 + i)) -Dstreamlet.cluster.origins=http://127.0.0.1:18180,http://127.0.0.1:18181
    edges+=("http://127.0.0.1:$((18190 + i))")
  done
  await_nodes origin-a origin-b edge1 edge2 edge3 edge4
  log "redis, 2 origins and 4 edges are up"
  java -cp "$classpath" io.streamlet.cluster.ClusterBench \
    --origin-a-rtmp 19350 --origin-b-rtmp 19351 --origin-a-http http://127.0.0.1:18180 --origin-a-pid "$origin_a_pid" \
    --edges "$(IFS=,; echo "${edges[*]}")" --cold "$cold" --players "$players"
  exit 0
fi

sample=$(bench/sample.sh)
ulimit -n "$(ulimit -Hn)"
node standalone standalone 18170 19340
standalone_pid=$!
node origin origin 18180 19350
node edge edge 18191 19361
edge_pid=$!
await_nodes standalone origin edge
log "redis, a standalone server, an origin and an edge are up"

# load NAME PUBLISH_RTMP_PORT PLAY_HTTP_PORT SERVER_PID: the load client's summary line, prefixed with NAME
ramp=$(( players / 400 > 5 ? players / 400 : 5 ))
load() {
  local name=$1 output=$dir/client-$1.log
  log "$name: $players HTTP-FLV players (ramp ${ramp}s, warm-up ${ramp}s, ${seconds}s measured)"
  java -Xmx1g -cp "$classpath" io.streamlet.bench.LoadClient --rtmp="127.0.0.1:$2" --http="127.0.0.1:$3" \
      --players="$players" --ramp-seconds="$ramp" --warmup-seconds="$ramp" --seconds="$seconds" --file="$sample" \
      --server-pid="$4" >"$output" 2>&1 || log "$name: the load client exited with $? (see $output)"
  grep '^players=' "$output" | tail -1 | sed "s/^/$name /" | grep . || { log "$name: no summary; see $output"; exit 1; }
}
standalone_line=$(load standalone 19340 18170 "$standalone_pid")
edge_line=$(load edge 19350 18191 "$edge_pid")
echo "$standalone_line"
echo "$edge_line"
figure() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }
printf '%-10s %9s %9s %9s %14s %10s\n' "" "p50 ms" "p99 ms" "max ms" "below_live" "server_cpu"
for line in "$standalone_line" "$edge_line"; do
  printf '%-10s %9s %9s %9s %14s %9s%%\n' "${line%% *}" "$(figure p50 "$line")" "$(figure p99 "$line")" \
      "$(figure max "$line")" "$(figure below_live "$line")" "$(figure server_cpu "$line")"
done
