#!/usr/bin/env bash
# How long `java -jar target/streamlet.war` takes to serve: for each run, the time from launching the JVM until
# GET /api/v1/versions answers (polled every 10 ms), and the JVM's CPU time by then (all threads, and its JIT
# compiler threads' share); then the medians. Each run is stopped (SIGTERM) once it answered.
#
#   bench/start.sh [--runs 5] [--war target/streamlet.war] [--http-port P] [JVM options, e.g. -Xshare:off]
#
# Build the WAR first (./mvnw -q -DskipTests package). The first run after a build unpacks the WAR into
# $TMPDIR; later runs reuse that copy, as every start after the first does. RTMP listens on a free port.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
war=target/streamlet.war
http_port=
jvm_options=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --war) war=$2; shift 2 ;;
    --http-port) http_port=$2; shift 2 ;;
    *) jvm_options+=("$1"); shift ;;
  esac
done
. bench/free-port.sh
http_port=${http_port:-$(free_port)}
rtmp_port=$(free_port)
[ -f "$war" ] || { echo "no $war: build it first (./mvnw -q -DskipTests package)" >&2; exit 1; }
tick=$(getconf CLK_TCK)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# CPU milliseconds of the process's threads whose name matches $2 (all when empty), from /proc.
cpu_ms() {
  local total=0 task
  for task in /proc/"$1"/task/*; do
    if [ -z "$2" ] || grep -q "$2" "$task/comm" 2>/dev/null; then
      total=$((total + $(awk '{print $14 + $15}' "$task/stat" 2>/dev/null || echo 0)))
    fi
  done
  echo $((total * 1000 / tick))
}

walls=() cpus=()
for run in $(seq 1 "$runs"); do
  started=$(date +%s%N)
  java "${jvm_options[@]}" -Dstreamlet.rtmp.port="$rtmp_port" -jar "$war" --http-host=127.0.0.1 --http-port="$http_port" \
    >"$log" 2>&1 &
  pid=$!
  until curl -s -o /dev/null -m 1 "http://127.0.0.1:$http_port/api/v1/versions"; do
    kill -0 "$pid" 2>/dev/null || { echo "the server exited:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.01
  done
  wall=$((($(date +%s%N) - started) / 1000000))
  # e.g. a class data sharing archive the JVM cannot use (recorded for another WAR, or another path to it)
  [ "$run" != 1 ] || grep '\[warning\]' "$log" >&2 || true
  cpu=$(cpu_ms "$pid" "")
  jit=$(cpu_ms "$pid" "CompilerThre")
  kill "$pid"
  wait "$pid" || true
  echo "run $run: $wall ms to answer; CPU $cpu ms (JIT compilers $jit ms); load average $(cut -d' ' -f1 /proc/loadavg)"
  walls+=("$wall") cpus+=("$cpu")
  sleep 1
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo "median of $runs: $(median "${walls[@]}") ms to answer, CPU $(median "${cpus[@]}") ms"
