#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser that reads the network (src/test/java/io/streamlet/fuzz), with
# Jazzer's libFuzzer engine: each target runs for a set time, one after the other on one core, and one line
# per target says how many inputs it ran, the coverage it reached and whether it found anything.
#
#   bench/fuzz.sh [--minutes N] [--skip-build] [TARGET ...]
#
#   --minutes N     fuzzing time per target (default 5); fractions work (0.5 = 30 s)
#   --skip-build    reuse target/classes and target/test-classes as they are
#   --keep-going N  go on after a finding, up to N distinct ones (by stack trace), instead of stopping
#   TARGET          Class#method (e.g. AmfFuzzTest#amf0) to fuzz only those; default: all of them
#
# Each target starts from its committed seeds (src/test/resources/io/streamlet/fuzz/<Class>Inputs/<method>,
# which `mvn verify` also runs as regression tests) and from what earlier runs found (target/fuzz/corpus).
# A finding (crash, hang, out of memory) is written to target/fuzz/findings/<Class>-<method>/; to keep it,
# fix the parser and copy the input into the seed directory, where `mvn verify` will then run it for good.
# The summary goes to stdout and target/fuzz/summary.txt; each target's full log to target/fuzz/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_TARGETS=(
  HandshakeFuzzTest#answerC0C1
  ChunkDecoderFuzzTest#decodeWholeOrSplit
  AmfFuzzTest#amf0
  AmfFuzzTest#amf3
  RtmpCommandFuzzTest#command
  RtmpCommandFuzzTest#protocolControl
  RtmpCommandFuzzTest#aggregate
  FlvFuzzTest#reader
  FlvFuzzTest#videoTag
  FlvFuzzTest#audioTag
  FlvFuzzTest#scriptData
  AuthFuzzTest#signedUrl
  AuthFuzzTest#ipRange
  AuthFuzzTest#hookAnswer
  PublishSessionFuzzTest#publish
)

minutes=5
build=1
keep_going=1
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --minutes=*) minutes="${1#*=}"; shift ;;
    --skip-build) build=0; shift ;;
    --keep-going) keep_going="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *#*) targets+=("$1"); shift ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=("${ALL_TARGETS[@]}")
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')

mkdir -p target/fuzz/logs
if [[ $build == 1 ]]; then
  mvn -B -q -o test-compile >&2
fi
mvn -B -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/fuzz/classpath >&2
classpath="target/test-classes:target/classes:$(cat target/fuzz/classpath)"

printf '%-42s %12s %9s %8s %7s  %s\n' target executions exec/s cov ft result | tee target/fuzz/summary.txt
for target in "${targets[@]}"; do
  class="${target%%#*}"
  method="${target#*#}"
  name="$class-$method"
  seeds="src/test/resources/io/streamlet/fuzz/${class}Inputs/$method"
  corpus="target/fuzz/corpus/$name"
  findings="target/fuzz/findings/$name"
  log="target/fuzz/logs/$name.log"
  mkdir -p "$seeds" "$corpus" "$findings"
  set +e
  # -rss_limit_mb and -Xmx bound memory; -timeout makes an input that loops (or nearly) a finding.
  java -Xmx1g -Dorg.eclipse.jetty.LEVEL=OFF -cp "$classpath" com.code_intelligence.jazzer.Jazzer \
    --target_class="io.streamlet.fuzz.$class" --target_method="$method" \
    --instrumentation_includes='io.streamlet.**' --keep_going="$keep_going" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$findings/" \
    "$corpus" "$seeds" >"$log" 2>&1
  status=$?
  set -e
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  runs=$(sed -nE 's/^Done ([0-9]+) runs.*/\1/p' "$log" | tail -1)
  if [[ -z "$done_line" ]]; then  # a finding stops libFuzzer before its DONE line: take the last status line
    done_line=$(grep -E '^#[0-9]+[[:space:]]+(pulse|NEW|REDUCE|INITED)' "$log" | tail -1 || true)
    runs=${done_line%%[[:space:]]*}; runs=${runs#\#}
  fi
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$done_line")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$done_line")
  rate=$(sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$done_line")
  found=$(grep -c '^DEDUP_TOKEN' "$log" || true)  # with --keep-going libFuzzer may exit 0 after findings
  if [[ $status == 0 && $found == 0 ]]; then
    result="no findings"
  else
    result="FINDINGS: ${found} distinct (exit $status), see $findings and $log"
  fi
  printf '%-42s %12s %9s %8s %7s  %s\n' "$target" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result" \
    | tee -a target/fuzz/summary.txt
done
