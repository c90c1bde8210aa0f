#!/usr/bin/env bash
# Streamlet's load benchmark: runs the WAR the way users run it (a standalone Jetty 12 distribution),
# publishes a sample over RTMP and plays it with many HTTP-FLV players (io.streamlet.bench.LoadClient),
# then prints one summary line on stdout; progress and the full report go to stderr.
#
#   bench/run.sh --players 1000 --seconds 20 [--slow-fraction 0.1] [-Dstreamlet.KNOB=VALUE ...]
#
# Options (each also as --key=value):
#   --players N          players (default 1000)
#   --protocol P         how they play: flv (HTTP-FLV), rtmp, or mixed (every other one each); default flv
#   --seconds S          measured interval (default 20)
#   --ramp-seconds S     players are opened evenly over this time (default: players/400, at least 5)
#   --warmup-seconds S   settling time between the ramp and the measurement (default: as the ramp)
#   --slow-fraction F    fraction of players reading at --slow-kbps (default 0)
#   --slow-kbps K        the slow players' rate (default 100)
#   --http-port P        HTTP port of the server (default 8080)
#   --rtmp-port P        RTMP port of the server (default 1935)
#   --json PATH          where the results go as JSON (default target/bench/result.json)
#   --jetty-version V    jetty-home version from Maven Central (default 12.1.8)
#   --skip-build         reuse target/streamlet.war and the test classes as they are
#   -Dstreamlet.*=...    passed to the server JVM: Streamlet's configuration knobs (see README)
#   jetty.*=...          passed to Jetty's start.jar, e.g. jetty.http.acceptedSendBufferSize=65536
#
# Environment: BENCH_SERVER_JVM_OPTS and BENCH_CLIENT_JVM_OPTS add JVM flags to the server and the
# load client, e.g. BENCH_SERVER_JVM_OPTS='-XX:StartFlightRecording=filename=target/bench/server.jfr'.
#
# Everything lives in target/bench/: the sample, jetty-home, the jetty base, the server's log and GC log.
# Only 127.0.0.1 is used; the server this script started is stopped at the end, also on error or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

players=1000
protocol=flv
seconds=20
ramp_seconds=
warmup_seconds=
slow_fraction=0
slow_kbps=100
http_port=8080
rtmp_port=1935
json=target/bench/result.json
# jetty-home 12.1.14 (the pom's Jetty) is not published on the Maven Central this project reaches;
# 12.1.8 is, and is the same ee10 container for this purpose.
jetty_version=12.1.8
build=true
server_knobs=()
jetty_knobs=()

while [ $# -gt 0 ]; do
  arg=$1
  shift
  case $arg in
    -D*) server_knobs+=("$arg"); continue ;;
    jetty.*=*) jetty_knobs+=("$arg"); continue ;;
    --skip-build) build=false; continue ;;
    --*=*) key=${arg%%=*}; value=${arg#*=} ;;
    --*) key=$arg; value=${1:?"$arg needs a value"}; shift ;;
    *) echo "unknown argument: $arg (see the head of $0)" >&2; exit 2 ;;
  esac
  case $key in
    --players) players=$value ;;
    --protocol) protocol=$value ;;
    --seconds) seconds=$value ;;
    --ramp-seconds) ramp_seconds=$value ;;
    --warmup-seconds) warmup_seconds=$value ;;
    --slow-fraction) slow_fraction=$value ;;
    --slow-kbps) slow_kbps=$value ;;
    --http-port) http_port=$value ;;
    --rtmp-port) rtmp_port=$value ;;
    --json) json=$value ;;
    --jetty-version) jetty_version=$value ;;
    *) echo "unknown option: $key (see the head of $0)" >&2; exit 2 ;;
  esac
done

# A few thousand new players a second would measure the server's start-up burst, not its steady state.
ramp_seconds=${ramp_seconds:-$(( players / 400 > 5 ? players / 400 : 5 ))}
warmup_seconds=${warmup_seconds:-$ramp_seconds}

bench_dir=$PWD/target/bench
mkdir -p "$bench_dir"
log() { echo "bench: $*" >&2; }

# --- build: the WAR, the test classes (package compiles them too) and the test classpath -------------
if $build; then
  log "building target/streamlet.war and the load client"
  mvn -q -B -Dstyle.color=never package dependency:build-classpath -DskipTests \
      -Dmdep.outputFile="$bench_dir/test.classpath" -Dmdep.includeScope=test >&2
fi
[ -f target/streamlet.war ] && [ -f "$bench_dir/test.classpath" ] || { log "nothing built: run without --skip-build"; exit 1; }
client_classpath=target/test-classes:target/classes:$(cat "$bench_dir/test.classpath")

# --- the sample: 60 s of 640x360 30 fps H.264 (~500 kbit/s, a keyframe a second) + AAC 64 kbit/s -------
sample=$bench_dir/sample.flv
if [ ! -s "$sample" ]; then
  log "making $sample with ffmpeg"
  ffmpeg -hide_banner -loglevel error -y \
      -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 -t 60 \
      -c:v libx264 -preset veryfast -pix_fmt yuv420p -b:v 500k -maxrate 500k -bufsize 1000k \
      -g 30 -keyint_min 30 -sc_threshold 0 -c:a aac -b:a 64k -ac 2 -f flv "$sample.part"
  mv "$sample.part" "$sample"
fi

# --- Jetty: jetty-home from Maven Central, a base with http + ee10-deploy, the WAR as ROOT.war ---------
jetty_home=$bench_dir/jetty-home-$jetty_version
if [ ! -f "$jetty_home/start.jar" ]; then
  log "fetching jetty-home $jetty_version"
  mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:unpack \
      -Dartifact="org.eclipse.jetty:jetty-home:$jetty_version:tar.gz" -DoutputDirectory="$bench_dir" \
      -Dmdep.markersDirectory="$bench_dir/.unpack-markers" >&2 # not the build's markers: they say DistributionIT unpacked it elsewhere
fi
jetty_base=$bench_dir/jetty-base-$jetty_version
if [ ! -d "$jetty_base/start.d" ]; then
  mkdir -p "$jetty_base"
  java -jar "$jetty_home/start.jar" jetty.home="$jetty_home" jetty.base="$jetty_base" \
      --add-modules=http,ee10-deploy >"$bench_dir/jetty-base.log" 2>&1
fi
cp target/streamlet.war "$jetty_base/webapps/ROOT.war"

# Each player is a socket on both sides (client and server are separate processes), plus headroom.
needed_files=$((players + 1024))
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$needed_files" ]; then
  log "ulimit -n is $(ulimit -n), below the $needed_files this run needs: raise the hard limit"
  exit 1
fi

# Server JVM: a fixed-ish heap (the tag log is capped at 64 MiB; per-player buffers are small) with G1
# and a 50 ms pause goal, because a long pause delays every player's stream at once; GC log for analysis.
server_jvm=(-Xms512m -Xmx2g -XX:+UseG1GC -XX:MaxGCPauseMillis=50 -XX:+ExitOnOutOfMemoryError
            "-Xlog:gc:file=$bench_dir/server-gc.log::filecount=0")
# Jetty: bound to loopback; the accept queue raised for connection bursts (capped by net.core.somaxconn).
# The thread pool stays at its default (200): the FLV servlet is asynchronous, so a player holds no
# thread while it waits for media or for its socket.
# The send buffer cap is the README's deployment advice: the kernel grows each socket's send buffer up to
# 4 MB, which hides a minute of a slow player's lag from the server's skip policy.
jetty_props=(jetty.http.host=127.0.0.1 "jetty.http.port=$http_port" jetty.http.acceptQueueSize=4096
             jetty.http.acceptedSendBufferSize=65536)
streamlet_props=(-Dstreamlet.rtmp.host=127.0.0.1 "-Dstreamlet.rtmp.port=$rtmp_port")

server_pid=
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}
trap stop_server EXIT
trap 'exit 130' INT TERM

if (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null; then
  log "port $http_port is already in use: stop that server or pass --http-port"
  exit 1
fi

log "starting Jetty $jetty_version on 127.0.0.1:$http_port (RTMP $rtmp_port); log in $bench_dir/server.log"
# shellcheck disable=SC2086 # the extra options are meant to split into words
java "${server_jvm[@]}" ${BENCH_SERVER_JVM_OPTS:-} "${streamlet_props[@]}" "${server_knobs[@]}" \
    -jar "$jetty_home/start.jar" jetty.home="$jetty_home" jetty.base="$jetty_base" "${jetty_props[@]}" "${jetty_knobs[@]}" \
    >"$bench_dir/server.log" 2>&1 &
server_pid=$!

# Up when it answers HTTP: a 404 for the stream nobody publishes yet is fine.
for _ in $(seq 120); do
  kill -0 "$server_pid" 2>/dev/null || { log "the server exited; see $bench_dir/server.log"; exit 1; }
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/live/bench.flv" --max-time 1 || true)
  [ "$status" != 000 ] && break
  sleep 0.5
done
[ "$status" != 000 ] || { log "the server did not answer within 60 s"; exit 1; }

log "running $players players for ${seconds}s (slow fraction $slow_fraction)"
mkdir -p "$(dirname "$json")"
# The client's own heap: each player's FLV parser buffers up to its largest tag (a keyframe). The client
# also samples the server's CPU (/proc/PID/stat) and RSS (/proc/PID/status): it alone knows exactly
# when the measured interval starts and ends.
client_output=$bench_dir/client.log
set +e
# shellcheck disable=SC2086
java -Xms1g -Xmx3g -XX:+UseG1GC ${BENCH_CLIENT_JVM_OPTS:-} -cp "$client_classpath" io.streamlet.bench.LoadClient \
    --rtmp="127.0.0.1:$rtmp_port" --http="127.0.0.1:$http_port" --players="$players" --protocol="$protocol" \
    --ramp-seconds="$ramp_seconds" --warmup-seconds="$warmup_seconds" --seconds="$seconds" \
    --slow-fraction="$slow_fraction" --slow-kbps="$slow_kbps" --file="$sample" --json="$json" \
    --server-pid="$server_pid" >"$client_output" 2>&1
client_status=$?
set -e
summary=$(grep '^players=' "$client_output" | tail -1 || true)
grep -v '^players=' "$client_output" >&2 || true
[ -n "$summary" ] || { log "the load client failed (exit $client_status); see $client_output"; exit 1; }
log "results in $json"
echo "$summary"
exit "$client_status"
