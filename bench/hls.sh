#!/usr/bin/env bash
# Streamlet's HLS benchmark: runs the executable WAR (java -jar target/streamlet.war) and drives it with
# io.streamlet.bench.HlsBench; its figures go to stdout, progress to stderr. Two measurements:
#
#   bench/hls.sh memory [--streams 100] [--seconds 600] [--sample-seconds 30]
#       100 streams publish the sample looped (synthetic RTMP publishers in the client): the server's heap
#       in use (lowest and highest per interval), RSS and HLS's kept bytes over time
#   bench/hls.sh cpu [--clients 1000] [--seconds 60] [--ramp-seconds 10] [--warmup-seconds 5]
#       the server's CPU (its pid's /proc/PID/stat only) with one stream published: alone for 10 s; with 1,000 HLS
#       clients polling it as hls.js does (the playlist every half target duration, each new segment once, on
#       a keep-alive connection each, all on one client thread), with requests/s achieved against expected;
#       then with 1,000 HTTP-FLV players (bench/run.sh's load client, on a stream of its own once the first
#       ended); and the ratio HLS / HTTP-FLV, in one run
#
# Other options: --skip-build (reuse target/streamlet.war and the test classes), --http-port P, --rtmp-port P
# (default: free ports at random), -Dstreamlet.KNOB=VALUE (passed to the server). The sample is bench/sample.sh's
# (target/bench/sample.flv: 640x360 30 fps H.264 ~500 kbit/s, a keyframe a second, AAC 64 kbit/s).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:?"usage: $0 memory|cpu [options] (see the head of $0)"}
shift
. bench/free-port.sh
http_port=$(free_port)
rtmp_port=$(free_port)
build=true
server_knobs=()
client_args=()
while [ $# -gt 0 ]; do
  case $1 in
    -D*) server_knobs+=("$1") ;;
    --skip-build) build=false ;;
    --http-port) http_port=$2; shift ;;
    --rtmp-port) rtmp_port=$2; shift ;;
    --*) client_args+=("$1" "${2:?"$1 needs a value"}"); shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

bench_dir=$PWD/target/bench
mkdir -p "$bench_dir"
log() { echo "bench: $*" >&2; }

if $build; then
  log "building target/streamlet.war and the bench client"
  mvn -q -B -Dstyle.color=never package dependency:build-classpath -DskipTests \
      -Dmdep.outputFile="$bench_dir/test.classpath" -Dmdep.includeScope=test >&2
fi
[ -f target/streamlet.war ] && [ -f "$bench_dir/test.classpath" ] || { log "nothing built: run without --skip-build"; exit 1; }

sample=$(bench/sample.sh)
ulimit -n "$(ulimit -Hn)"

server_pid=
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

log "starting java -jar target/streamlet.war on 127.0.0.1:$http_port (RTMP $rtmp_port); log in $bench_dir/hls-server.log"
java -Xms512m -Xmx2g -XX:+UseG1GC -XX:MaxGCPauseMillis=50 -XX:+ExitOnOutOfMemoryError \
    -Dstreamlet.rtmp.host=127.0.0.1 "-Dstreamlet.rtmp.port=$rtmp_port" "${server_knobs[@]}" \
    -jar target/streamlet.war --http-host=127.0.0.1 "--http-port=$http_port" >"$bench_dir/hls-server.log" 2>&1 &
server_pid=$!
for _ in $(seq 120); do
  kill -0 "$server_pid" 2>/dev/null || { log "the server exited; see $bench_dir/hls-server.log"; exit 1; }
  grep -q "Streamlet serves" "$bench_dir/hls-server.log" && break
  sleep 0.5
done

java -Xms512m -Xmx2g -cp "target/test-classes:target/classes:$(cat "$bench_dir/test.classpath")" io.streamlet.bench.HlsBench \
    "$mode" --http "127.0.0.1:$http_port" --rtmp "127.0.0.1:$rtmp_port" --file "$sample" --server-pid "$server_pid" \
    "${client_args[@]}"
