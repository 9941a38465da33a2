#!/usr/bin/env bash
# The CUDA build's check on a GPU machine: correctness against sentence-transformers and speed, in one command.
#
#   scripts/gpu_check.sh pack [BUNDLE]                 # here, after scripts/cuda_build.sh: fills BUNDLE (gpu-bundle/)
#   scripts/gpu_check.sh run [BUNDLE]                  # on the GPU machine, from the repository root
#   scripts/gpu_check.sh run [BUNDLE] --device cpu --limit 300    # the dry run, here
#
# The bundle (at most 64 MiB, the most a device run carries) holds the CUDA build stripped and xz-compressed, an f16
# copy of the default model's weights (the f32 weights, 87 MiB, do not fit; f32 runs load the f16 weights at f32,
# so their vectors differ slightly from the original model's: the output says so), the linker's libcuda stub (put on
# the library path only where no driver's libcuda.so.1 exists, as here), and the 10,000 Debian passages.
#
# `run` prints, and writes to $OUT/gpu_check.json when $OUT is set:
#   - cosine of each precision's vectors to tests/minilm_reference.jsonl (sentence-transformers, f32): min and mean;
#   - passages per second on the passages, per precision and token budget: the whole of `insights embed`'s
#     embedding (tokenisation included; reading and writing JSONL excluded) and the model alone;
#   - peak GPU memory (nvidia-smi, sampled every 100 ms), and the fast CPU engine's rate on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-}"
[[ "$mode" == pack || "$mode" == run ]] || { sed -n '2,8p' "$0" >&2; exit 2; }
shift
BUNDLE="gpu-bundle"
if [[ $# -gt 0 && "$1" != --* ]]; then BUNDLE="$1"; shift; fi
DEVICE=cuda
LIMIT=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --device) DEVICE="$2"; shift 2 ;;
        --limit) LIMIT="$2"; shift 2 ;;
        *) echo "gpu_check: unknown option $1" >&2; exit 2 ;;
    esac
done
say() { echo "gpu_check: $*" >&2; }

if [[ "$mode" == pack ]]; then
    binary="${CARGO_TARGET_DIR:-target/cuda}/release/insights"
    [[ -x "$binary" ]] || { say "$binary: not built; run scripts/cuda_build.sh first"; exit 1; }
    model="${INSIGHTS_CHECK_MODEL:-$HOME/.local/share/insights/models/sentence-transformers--all-MiniLM-L6-v2}"
    [[ -f "$model/model.safetensors" ]] || { say "$model: no model.safetensors (run insights models fetch)"; exit 1; }
    passages="${INSIGHTS_CHECK_PASSAGES:-/tmp/debian/passages10k.jsonl}"
    if [[ ! -f "$passages" ]]; then
        python3 scripts/debian_corpus.py passages --out "$passages"
    fi
    rm -rf "$BUNDLE" && mkdir -p "$BUNDLE"
    strip -o "$BUNDLE/insights" "$binary"
    xz -T0 -6 "$BUNDLE/insights"
    python3 scripts/f16_model.py "$model" "$BUNDLE/model-f16" > /dev/null
    xz -T0 -6 -c "$passages" > "$BUNDLE/passages.jsonl.xz"
    cp "${INSIGHTS_CUDA_DIR:-target/cuda-toolkit}/link/lib/libcuda.so" "$BUNDLE/libcuda-stub.so"
    du -sh "$BUNDLE" >&2
    total=$(du -sb "$BUNDLE" | cut -f1)
    (( total <= 64 * 1024 * 1024 )) || { say "the bundle is $total bytes, over the 64 MiB a device run carries"; exit 1; }
    say "packed $BUNDLE; on the GPU machine: scripts/gpu_check.sh run $BUNDLE"
    exit 0
fi

# --- run ---
[[ -d "$BUNDLE" ]] || { say "$BUNDLE: no such folder (scripts/gpu_check.sh pack makes it)"; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
xz -dc "$BUNDLE/insights.xz" > "$WORK/insights" && chmod +x "$WORK/insights"
xz -dc "$BUNDLE/passages.jsonl.xz" > "$WORK/passages.jsonl"
if (( LIMIT > 0 )); then head -n "$LIMIT" "$WORK/passages.jsonl" > "$WORK/p" && mv "$WORK/p" "$WORK/passages.jsonl"; fi
MODEL="$BUNDLE/model-f16"

# The CUDA libraries the binary needs (libcublas.so.13, libcudart.so.13, libcurand.so.10): from $CUDA_LIBS, else the
# first NVIDIA cu13 wheel folder found under the usual roots.
libs="${CUDA_LIBS:-}"
if [[ -z "$libs" ]]; then
    for root in / /usr /opt /root /home "$PWD/target"; do
        libs="$(find "$root" -maxdepth 9 -type f -name 'libcublas.so.13' -path '*cu13/lib/*' 2>/dev/null | head -n 1 || true)"
        [[ -n "$libs" ]] && { libs="$(dirname "$libs")"; break; }
    done
fi
[[ -n "$libs" ]] || { say "no libcublas.so.13 found: set CUDA_LIBS to the folder of the CUDA 13 libraries"; exit 1; }
export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if ! ldconfig -p 2>/dev/null | grep -q 'libcuda.so.1 '; then
    # No NVIDIA driver here: the stub lets the binary start; only --device cpu can run.
    mkdir -p "$WORK/stub" && cp "$BUNDLE/libcuda-stub.so" "$WORK/stub/libcuda.so.1"
    export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$WORK/stub"
    say "no NVIDIA driver's libcuda.so.1 here: using the stub (GPU runs will fail)"
fi
say "CUDA libraries: $libs"
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true
BIN="$WORK/insights"
"$BIN" --version >&2

precisions=(f32 f16)
budgets=(4096 16384 65536)
if [[ "$DEVICE" == cpu ]]; then
    precisions=(f32)
    budgets=(16384)
    say "dry run on the CPU: f16 is GPU only, so f32 alone, through candle's engine (--engine candle)"
fi
engine_flag=()
[[ "$DEVICE" == cpu ]] && engine_flag=(--engine candle)

python3 - "$PWD/tests/minilm_reference.jsonl" > "$WORK/reference.txt" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    print(json.dumps({"text": json.loads(line)["text"]}))
EOF

# GPU memory, sampled while the runs go on.
if command -v nvidia-smi > /dev/null && [[ "$DEVICE" != cpu ]]; then
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > "$WORK/memory.log" 2>/dev/null &
    sampler=$!
fi

results="$WORK/results.jsonl"
: > "$results"
for precision in "${precisions[@]}"; do
    "$BIN" embed --jsonl "$WORK/reference.txt" -q --model "$MODEL" --device "$DEVICE" --precision "$precision" \
        "${engine_flag[@]}" > "$WORK/vectors-$precision.jsonl"
    python3 - "$PWD/tests/minilm_reference.jsonl" "$WORK/vectors-$precision.jsonl" "$precision" >> "$results" <<'EOF'
import json, math, sys
want = [json.loads(l)["embedding"] for l in open(sys.argv[1])]
got = [json.loads(l)["embedding"] for l in open(sys.argv[2])]
assert len(want) == len(got), (len(want), len(got))
def cos(a, b):
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
c = [cos(a, b) for a, b in zip(want, got)]
print(json.dumps({"check": "cosine", "precision": sys.argv[3], "texts": len(c), "min": min(c), "mean": sum(c) / len(c)}))
EOF
    for budget in "${budgets[@]}"; do
        "$BIN" embed --jsonl "$WORK/passages.jsonl" -q --timings --model "$MODEL" --device "$DEVICE" \
            --precision "$precision" --batch-tokens "$budget" "${engine_flag[@]}" 2> "$WORK/timing.json" > /dev/null
        python3 -c 'import json, sys; t = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); t.update(check="rate", batch_tokens=int(sys.argv[2]), passages_per_s=t["texts"] / t["embed_s"], model_passages_per_s=t["texts"] / t["model_s"]); print(json.dumps(t))' \
            "$WORK/timing.json" "$budget" >> "$results"
    done
done
if [[ -n "${sampler:-}" ]]; then
    kill "$sampler" 2>/dev/null || true
    python3 -c 'import json, sys; v = [int(x) for x in open(sys.argv[1]) if x.strip().isdigit()]; print(json.dumps({"check": "gpu_memory", "peak_mib": max(v) if v else None, "first_mib": v[0] if v else None}))' \
        "$WORK/memory.log" >> "$results"
fi
# The fast CPU engine on the same machine, for the ratio.
"$BIN" embed --jsonl "$WORK/passages.jsonl" -q --timings --model "$MODEL" --device cpu 2> "$WORK/timing.json" > /dev/null
python3 -c 'import json, sys; t = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); t.update(check="rate", passages_per_s=t["texts"] / t["embed_s"], model_passages_per_s=t["texts"] / t["model_s"]); print(json.dumps(t))' \
    "$WORK/timing.json" >> "$results"

echo "weights: f16 copy of the default model ($MODEL), loaded at the precision of each row"
python3 - "$results" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in rows:
    if r["check"] == "cosine":
        print(f"cosine to sentence-transformers, {r['precision']}: min {r['min']:.6f}, mean {r['mean']:.6f} over {r['texts']} texts")
for r in rows:
    if r["check"] == "rate":
        budget = f", batch tokens {r['batch_tokens']}" if "batch_tokens" in r else ""
        print(f"{r['device']} {r['engine']} {r['precision']}{budget}: {r['passages_per_s']:,.0f} passages/s whole embedding, "
              f"{r['model_passages_per_s']:,.0f}/s model alone ({r['texts']} passages, {r['embed_s']:.2f} s)")
for r in rows:
    if r["check"] == "gpu_memory":
        print(f"GPU memory: peak {r['peak_mib']} MiB (before the first run: {r['first_mib']} MiB)")
EOF
if [[ -n "${OUT:-}" ]]; then cp "$results" "$OUT/gpu_check.jsonl"; fi
