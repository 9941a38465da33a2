#!/usr/bin/env bash
# Indexing cost side by side: each binary indexes CORPUS into a fresh index (empty vector cache), then answers one
# query six times from that index. Prints wall seconds and peak memory of the index run, the index file's size and
# the query times. Run two builds back to back, twice (A B A B): these machines are noisy.
#
#   scripts/bench_index.sh CORPUS BIN [BIN...]
#   scripts/bench_index.sh /tmp/debian/passages10k.jsonl /tmp/insights-before target/release/insights
set -euo pipefail
corpus=$1
shift
query=${QUERY:-"a tool to scan networks for open ports"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for bin in "$@"; do
  index="$work/bench.idx"
  rm -f "$index" "$index".*
  INSIGHTS_CACHE_DIR="$work/cache" /usr/bin/time -f "%e %M" -o "$work/time" "$bin" index "$corpus" -i "$index" -q
  read -r wall peak < "$work/time"
  size=$(stat -c %s "$index")
  queries=""
  for _ in 1 2 3 4 5 6; do
    /usr/bin/time -f "%e" -o "$work/time" "$bin" similar "$query" -i "$index" -q > /dev/null
    queries="$queries $(cat "$work/time")"
  done
  echo "$bin: index ${wall} s, peak $((peak / 1024)) MB, file $((size / 1024 / 1024)) MB; similar:${queries} s"
done
