#!/usr/bin/env bash
# The benchmarks' sample, made once with ffmpeg into target/bench/sample.flv: 60 s of 640x360 30 fps H.264
# (~500 kbit/s, a keyframe a second) + AAC 64 kbit/s. Prints its path.
set -euo pipefail
cd "$(dirname "$0")/.."
sample=$PWD/target/bench/sample.flv
if [ ! -s "$sample" ]; then
  mkdir -p "$(dirname "$sample")"
  echo "bench: making $sample with ffmpeg" >&2
  ffmpeg -hide_banner -loglevel error -y \
      -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 -t 60 \
      -c:v libx264 -preset veryfast -pix_fmt yuv420p -b:v 500k -maxrate 500k -bufsize 1000k \
      -g 30 -keyint_min 30 -sc_threshold 0 -c:a aac -b:a 64k -ac 2 -f flv "$sample.part"
  mv "$sample.part" "$sample"
fi
echo "$sample"
