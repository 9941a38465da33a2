#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers (libFuzzer through cargo fuzz): documents and the splitter, JSONL, the
# index, `FILE.ann` and the journal. Each target's body is `insights::fuzzing::Target::run`; the test suite runs
# every saved input of fuzz/seeds/ and fuzz/regressions/ through the same function (tests/integration/fuzz.rs).
#
#   scripts/fuzz.sh                      # every target for 60 s
#   scripts/fuzz.sh 1800                 # every target for 30 minutes
#   scripts/fuzz.sh 600 index journal    # some targets
#   JOBS=2 scripts/fuzz.sh 1800          # two targets at a time
#
# Needs `cargo install cargo-fuzz`. libFuzzer's flags are nightly-only rustc flags: on a stable toolchain they are
# let through with RUSTC_BOOTSTRAP=1 (the fuzz crate only, never the project's build). The working corpus grows in
# fuzz/corpus/TARGET (not committed), crashes land in fuzz/artifacts/TARGET: copy each one, once fixed, into
# fuzz/regressions/TARGET so that it runs in CI. Prints one line per target: executions, rate, corpus, crashes.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(document jsonl index ann journal)
jobs="${JOBS:-1}"
command -v cargo-fuzz > /dev/null || { echo "fuzz.sh: cargo-fuzz is missing: cargo install cargo-fuzz" >&2; exit 1; }
export RUSTC_BOOTSTRAP=1
[[ -d fuzz/seeds/index ]] || cargo run --quiet --example fuzz_seeds
for t in "${targets[@]}"; do cargo fuzz build --fuzz-dir fuzz "$t"; done
mkdir -p fuzz/logs

run_one() {
    local target="$1"
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    cp -n fuzz/seeds/"$target"/* "fuzz/corpus/$target/" 2> /dev/null || true
    # -timeout: an input that takes 10 s is a hang; -rss_limit_mb: one that needs 2 GB is a leak or a blow-up.
    cargo fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$target/" > "fuzz/logs/$target.log" 2>&1 || true
    local runs rate corpus crashes
    runs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "fuzz/logs/$target.log" | tail -1)
    rate=$(grep -oP 'stat::average_exec_per_sec:\s*\K[0-9]+' "fuzz/logs/$target.log" | tail -1)
    corpus=$(find "fuzz/corpus/$target" -type f | wc -l)
    crashes=$(find "fuzz/artifacts/$target" -type f | wc -l)
    printf '%-9s %12s executions  %7s/s  corpus %5s  crashes %s\n' \
        "$target" "${runs:-?}" "${rate:-?}" "$corpus" "$crashes"
}

export -f run_one
export seconds
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'
