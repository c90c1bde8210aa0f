#!/usr/bin/env bash
# Streamlet's load benchmark: runs the WAR the way users run it (a standalone Jetty 12 or Tomcat 10.1
# distribution), publishes a sample over RTMP and plays it with many HTTP-FLV players
# (io.streamlet.bench.LoadClient), then prints one summary line per run on stdout; progress and the full
# reports go to stderr. With --compare srs the same load also runs against SRS 6 (the reference server,
# when ../shared/peers/srs/run.sh exists), alternating with Streamlet, and a line of ratios follows.
#
#   bench/run.sh --players 1000 --seconds 20 [--slow-fraction 0.1] [-Dstreamlet.KNOB=VALUE ...]
#   bench/run.sh --players 1000 --join-rate 1000 --container tomcat --compare srs --rounds 3
#
# Options (each also as --key=value):
#   --players N          players (default 1000)
#   --protocol P         how they play: flv (HTTP-FLV), rtmp, or mixed (every other one each); default flv
#   --seconds S          measured interval (default 20)
#   --ramp-seconds S     players are opened evenly over this time (default: players/400, at least 5)
#   --join-rate R        a join storm instead: R players a second (ramp = players/R); warm-up at least 5 s
#   --warmup-seconds S   settling time between the ramp and the measurement (default: as the ramp)
#   --container C        jetty (jetty-home, default) or tomcat (the Tomcat 10.1 distribution)
#   --compare srs        also run the same load against SRS 6 (--srs PATH: its run.sh), alternating
#   --rounds N           runs per server, alternating (default 1); the first also warms the JVM up
#   --java HOME          the JDK that runs the server (default: the java on PATH)
#   --slow-fraction F    fraction of players reading at --slow-kbps (default 0)
#   --slow-kbps K        the slow players' rate (default 100)
#   --http-port P        HTTP port of the server (default 8080)
#   --rtmp-port P        RTMP port of the server (default 1935)
#   --json PATH          where the results go as JSON (default target/bench/result.json)
#   --jetty-version V    jetty-home version from Maven Central (default 12.1.8)
#   --tomcat-version V   Tomcat distribution version from Maven Central (default 10.1.59)
#   --skip-build         reuse target/streamlet.war and the test classes as they are
#   --war PATH           run this WAR instead of target/streamlet.war (e.g. another build's, for an A/B run)
#   -Dstreamlet.*=...    passed to the server JVM: Streamlet's configuration knobs (see README)
#   jetty.*=...          passed to Jetty's start.jar, e.g. jetty.http.acceptedSendBufferSize=65536
#   tomcat.*=...         an attribute of Tomcat's connector, e.g. tomcat.maxThreads=8
#
# Summary lines: "streamlet-jetty players=... mbps=... player_mbps=MIN/MEDIAN/STREAM below_live=N p50=...
# first_keyframe_p50=... first_keyframe_p99=... server_cpu=... cpu_per_gbps=..."; with --compare, "ratio
# streamlet/srs ..." per round. first_keyframe is the time from the start of the TCP connect to the read
# that completed the first video keyframe tag; cpu_per_gbps is server CPU (% of one core) per Gbit/s received.
#
# Environment: BENCH_SERVER_JVM_OPTS and BENCH_CLIENT_JVM_OPTS add JVM flags to the server and the
# load client, e.g. BENCH_SERVER_JVM_OPTS='-XX:StartFlightRecording=filename=target/bench/server.jfr'.
# BENCH_PERF_STAT=1 counts the server's system calls and context switches with `perf stat` over (about)
# the measured interval, into target/bench/perf-NAME.txt: figures that other load on the machine does
# not skew the way it skews CPU time.
#
# Everything lives in target/bench/: the sample, the containers, their bases, the servers' logs and GC log.
# Only 127.0.0.1 is used; the server this script started is stopped at the end, also on error or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

players=1000
protocol=flv
seconds=20
ramp_seconds=
join_rate=
warmup_seconds=
slow_fraction=0
slow_kbps=100
http_port=8080
rtmp_port=1935
json=target/bench/result.json
container=jetty
compare=
rounds=1
java_home=
# jetty-home 12.1.14 (the pom's Jetty) is not published on the Maven Central this project reaches;
# 12.1.8 is, and is the same ee10 container for this purpose. Tomcat 11 distributions are not there either.
jetty_version=12.1.8
tomcat_version=10.1.59
srs_script=
build=true
war=target/streamlet.war
server_knobs=()
jetty_knobs=()
tomcat_knobs=""

while [ $# -gt 0 ]; do
  arg=$1
  shift
  case $arg in
    -D*) server_knobs+=("$arg"); continue ;;
    jetty.*=*) jetty_knobs+=("$arg"); continue ;;
    tomcat.*=*) name=${arg%%=*}; tomcat_knobs+=" ${name#tomcat.}=\"${arg#*=}\""; continue ;;
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
    --join-rate) join_rate=$value ;;
    --warmup-seconds) warmup_seconds=$value ;;
    --slow-fraction) slow_fraction=$value ;;
    --slow-kbps) slow_kbps=$value ;;
    --http-port) http_port=$value ;;
    --rtmp-port) rtmp_port=$value ;;
    --json) json=$value ;;
    --container) container=$value ;;
    --compare) compare=$value ;;
    --rounds) rounds=$value ;;
    --java) java_home=$value ;;
    --srs) srs_script=$value ;;
    --jetty-version) jetty_version=$value ;;
    --tomcat-version) tomcat_version=$value ;;
    --war) war=$value ;;
    *) echo "unknown option: $key (see the head of $0)" >&2; exit 2 ;;
  esac
done
case $container in jetty|tomcat) ;; *) echo "--container must be jetty or tomcat" >&2; exit 2 ;; esac
case $compare in ''|srs) ;; *) echo "--compare knows only srs" >&2; exit 2 ;; esac

if [ -n "$join_rate" ]; then
  # A join storm: every player within players/rate seconds; the measurement starts once it has settled.
  ramp_seconds=$(awk -v n="$players" -v r="$join_rate" 'BEGIN { printf "%.3f", n / r }')
  warmup_seconds=${warmup_seconds:-$(awk -v r="$ramp_seconds" 'BEGIN { print (r > 5 ? r : 5) }')}
fi
# A few thousand new players a second would measure the server's start-up burst, not its steady state.
ramp_seconds=${ramp_seconds:-$(( players / 400 > 5 ? players / 400 : 5 ))}
warmup_seconds=${warmup_seconds:-$ramp_seconds}
java_bin=${java_home:+$java_home/bin/}java

bench_dir=$PWD/target/bench
mkdir -p "$bench_dir"
log() { echo "bench: $*" >&2; }

if [ "$compare" = srs ]; then
  for candidate in "$srs_script" ../shared/peers/srs/run.sh ../../shared/peers/srs/run.sh; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && { srs_script=$candidate; break; }
  done
  if [ ! -x "$srs_script" ]; then
    log "no SRS here (../shared/peers/srs/run.sh): measuring Streamlet alone"
    compare=
  fi
fi

# --- build: the WAR, the test classes (package compiles them too) and the test classpath -------------
if $build; then
  log "building target/streamlet.war and the load client"
  mvn -q -B -Dstyle.color=never package dependency:build-classpath -DskipTests \
      -Dmdep.outputFile="$bench_dir/test.classpath" -Dmdep.includeScope=test >&2
fi
[ -f "$war" ] && [ -f "$bench_dir/test.classpath" ] || { log "nothing built: run without --skip-build"; exit 1; }
client_classpath=target/test-classes:target/classes:$(cat "$bench_dir/test.classpath")

# --- the sample (bench/sample.sh: 60 s of 640x360 30 fps H.264 + AAC, made once) -------------------
sample=$(bench/sample.sh)

# A distribution from Maven Central, unpacked into target/bench (not the build's markers: they say
# DistributionIT unpacked it elsewhere).
fetch() {
  log "fetching $1"
  mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:unpack \
      -Dartifact="$1" -DoutputDirectory="$bench_dir" -DmarkersDirectory="$bench_dir/.unpack-markers" >&2
}

# Server JVM: a fixed-ish heap (the tag log is capped at 64 MiB; per-player buffers are small) with G1
# and a 50 ms pause goal, because a long pause delays every player's stream at once; GC log for analysis.
# BENCH_SERVER_JVM_OPTS comes after these, so it may choose another collector (-XX:+UseZGC -XX:-UseG1GC).
server_jvm=(-Xms512m -Xmx2g -XX:+UseG1GC -XX:MaxGCPauseMillis=50 -XX:+ExitOnOutOfMemoryError
            "-Xlog:gc:file=$bench_dir/server-gc.log::filecount=0")
streamlet_props=(-Dstreamlet.rtmp.host=127.0.0.1 "-Dstreamlet.rtmp.port=$rtmp_port")

if [ "$container" = jetty ]; then
  # --- Jetty: jetty-home, a base with http + ee10-deploy, the WAR as ROOT.war -------------------------
  jetty_home=$bench_dir/jetty-home-$jetty_version
  [ -f "$jetty_home/start.jar" ] || fetch "org.eclipse.jetty:jetty-home:$jetty_version:tar.gz"
  jetty_base=$bench_dir/jetty-base-$jetty_version
  if [ ! -d "$jetty_base/start.d" ]; then
    mkdir -p "$jetty_base"
    "$java_bin" -jar "$jetty_home/start.jar" jetty.home="$jetty_home" jetty.base="$jetty_base" \
        --add-modules=http,ee10-deploy >"$bench_dir/jetty-base.log" 2>&1
  fi
  cp "$war" "$jetty_base/webapps/ROOT.war"
else
  # --- Tomcat: the distribution as CATALINA_HOME, a base with the README's connector, ROOT.war --------
  tomcat_home=$bench_dir/apache-tomcat-$tomcat_version
  [ -f "$tomcat_home/bin/catalina.sh" ] || fetch "org.apache.tomcat:tomcat:$tomcat_version:tar.gz"
  tomcat_base=$bench_dir/tomcat-base-$tomcat_version
  rm -rf "$tomcat_base"
  mkdir -p "$tomcat_base/webapps" "$tomcat_base/logs" "$tomcat_base/temp" "$tomcat_base/work"
  cp -r "$tomcat_home/conf" "$tomcat_base/"
  # The stock connector on loopback, with the README's deployment settings: an accept queue for bursts,
  # 64 KiB send buffers (see below), and room for more connections than the default 8192.
  sed -i -e 's#<Server port="8005"#<Server port="-1"#' \
      -e "0,/<Connector port=\"8080\" protocol=\"HTTP\/1.1\"/s##<Connector port=\"$http_port\" protocol=\"HTTP/1.1\" address=\"127.0.0.1\" acceptCount=\"4096\" socket.txBufSize=\"65536\" maxConnections=\"20000\"$tomcat_knobs#" \
      "$tomcat_base/conf/server.xml"
  grep -q "acceptCount=\"4096\"" "$tomcat_base/conf/server.xml" || { log "could not set Tomcat's connector"; exit 1; }
  cp "$war" "$tomcat_base/webapps/ROOT.war"
fi

# Each player is a socket on both sides (client and server are separate processes), plus headroom.
needed_files=$((players + 1024))
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$needed_files" ]; then
  log "ulimit -n is $(ulimit -n), below the $needed_files this run needs: raise the hard limit"
  exit 1
fi

server_pid=
srs_pid=
stop() {
  local pid=$1
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
}
stop_servers() { stop "$server_pid"; stop "$srs_pid"; server_pid=; srs_pid=; }
trap stop_servers EXIT
trap 'exit 130' INT TERM

port_free() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
    log "port $1 is already in use: stop that server or pass another port"
    exit 1
  fi
}

# Streamlet is up when it answers HTTP (a 404 for the stream nobody publishes yet is fine); SRS holds
# such a request open until the stream comes, so it is up when it accepts connections.
await_http() {
  local pid=$1 port=$2 status=000
  for _ in $(seq 120); do
    kill -0 "$pid" 2>/dev/null || { log "the server exited; see $bench_dir"; exit 1; }
    if [ "$pid" = "$srs_pid" ]; then
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    else
      status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/live/bench.flv" --max-time 1 || true)
      [ "$status" != 000 ] && return 0
    fi
    sleep 0.5
  done
  log "the server on port $port did not answer within 60 s"
  exit 1
}

port_free "$http_port"
log "starting $container on 127.0.0.1:$http_port (RTMP $rtmp_port); log in $bench_dir/server.log"
if [ "$container" = jetty ]; then
  # Jetty: the accept queue raised for connection bursts (capped by net.core.somaxconn). The thread pool
  # stays at its default (200): the FLV servlet is asynchronous, so a player holds no thread while it
  # waits. The send buffer cap is the README's deployment advice: the kernel grows each socket's send
  # buffer up to 4 MB, which hides a minute of a slow player's lag from the server's skip policy.
  jetty_props=(jetty.http.host=127.0.0.1 "jetty.http.port=$http_port" jetty.http.acceptQueueSize=4096
               jetty.http.acceptedSendBufferSize=65536)
  # shellcheck disable=SC2086 # the extra options are meant to split into words
  "$java_bin" "${server_jvm[@]}" ${BENCH_SERVER_JVM_OPTS:-} "${streamlet_props[@]}" "${server_knobs[@]}" \
      -jar "$jetty_home/start.jar" jetty.home="$jetty_home" jetty.base="$jetty_base" "${jetty_props[@]}" "${jetty_knobs[@]}" \
      >"$bench_dir/server.log" 2>&1 &
  server_pid=$!
else
  # catalina.sh run execs the JVM: its pid is the server's.
  env CATALINA_HOME="$tomcat_home" CATALINA_BASE="$tomcat_base" ${java_home:+JAVA_HOME="$java_home"} \
      CATALINA_OPTS="${server_jvm[*]} ${BENCH_SERVER_JVM_OPTS:-} ${streamlet_props[*]} ${server_knobs[*]}" \
      "$tomcat_home/bin/catalina.sh" run >"$bench_dir/server.log" 2>&1 &
  server_pid=$!
fi
await_http "$server_pid" "$http_port"

srs_rtmp=1945
srs_http=8090
if [ "$compare" = srs ]; then
  port_free "$srs_http"
  log "starting SRS ($srs_script) on 127.0.0.1:$srs_http (RTMP $srs_rtmp); log in $bench_dir/srs.log"
  "$srs_script" "$srs_rtmp" "$srs_http" >"$bench_dir/srs.log" 2>&1 & # its run.sh execs SRS: the pid is SRS's
  srs_pid=$!
  await_http "$srs_pid" "$srs_http"
fi

# One run of the load client against one server; prints its summary line prefixed with $1.
# The client's own heap: each player's FLV parser buffers up to its largest tag (a keyframe). The client
# also samples the server's CPU (/proc/PID/stat) and RSS (/proc/PID/status): it alone knows exactly
# when the measured interval starts and ends.
run_load() {
  local name=$1 pid=$2 http=$3 rtmp=$4 out_json=$5 client_output=$bench_dir/client-$1.log status summary perf_pid=
  log "$name: $players players (ramp ${ramp_seconds}s, warm-up ${warmup_seconds}s, ${seconds}s measured, slow fraction $slow_fraction)"
  mkdir -p "$(dirname "$out_json")"
  if [ -n "${BENCH_PERF_STAT:-}" ]; then
    # The client publishes first (a second or two until the stream plays), then ramps and warms up.
    (sleep "$(awk -v r="$ramp_seconds" -v w="$warmup_seconds" 'BEGIN { print r + w + 2 }')"
     perf stat -e raw_syscalls:sys_enter,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_futex,context-switches \
         -p "$pid" -- sleep "$seconds" >"$bench_dir/perf-$name.txt" 2>&1) &
    perf_pid=$!
  fi
  set +e
  # shellcheck disable=SC2086
  java -Xms1g -Xmx3g -XX:+UseG1GC ${BENCH_CLIENT_JVM_OPTS:-} -cp "$client_classpath" io.streamlet.bench.LoadClient \
      --rtmp="127.0.0.1:$rtmp" --http="127.0.0.1:$http" --players="$players" --protocol="$protocol" \
      --ramp-seconds="$ramp_seconds" --warmup-seconds="$warmup_seconds" --seconds="$seconds" \
      --slow-fraction="$slow_fraction" --slow-kbps="$slow_kbps" --file="$sample" --json="$out_json" \
      --server-pid="$pid" >"$client_output" 2>&1
  status=$?
  set -e
  summary=$(grep '^players=' "$client_output" | tail -1 || true)
  grep -v '^players=' "$client_output" | sed "s/^/$name: /" >&2 || true
  if [ -n "${BENCH_PERF_STAT:-}" ]; then
    wait "$perf_pid" || true
    grep -E 'sys_enter|context-switches' "$bench_dir/perf-$name.txt" | awk -v n="$name" '{ print n ": perf " $2 " " $1 }' >&2 || true
  fi
  [ -n "$summary" ] || { log "$name: the load client failed (exit $status); see $client_output"; exit 1; }
  [ "$status" = 0 ] || log "$name: the load client exited with $status"
  echo "$name $summary"
}

# The value of key $1 in summary line $2.
figure() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }
ratios() {
  local line="ratio streamlet/srs" key a b
  for key in mbps p50 p99 first_keyframe_p50 first_keyframe_p99 server_cpu cpu_per_gbps server_rss; do
    a=$(figure "$key" "$1"); b=$(figure "$key" "$2")
    line+=" $key=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f", a / b }')"
  done
  echo "$line"
}

for round in $(seq "$rounds"); do
  suffix=$([ "$rounds" -gt 1 ] && echo "-$round" || true)
  streamlet_line=$(run_load "streamlet-$container" "$server_pid" "$http_port" "$rtmp_port" "${json%.json}$suffix.json")
  echo "$streamlet_line"
  if [ "$compare" = srs ]; then
    srs_line=$(run_load srs "$srs_pid" "$srs_http" "$srs_rtmp" "${json%.json}-srs$suffix.json")
    echo "$srs_line"
    ratios "$streamlet_line" "$srs_line"
  fi
done
log "results in ${json%.json}*.json"
