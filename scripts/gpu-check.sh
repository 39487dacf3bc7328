#!/usr/bin/env bash
# gpu-check: builds qpeft against the CUDA build of PyTorch and checks it on a GPU, in one go:
#   1. build with -Pgpu (PyTorch 2.5.1 for CUDA 12.4)
#   2. on the GPU: golden log-probabilities and logits of every fixture family (and Gemma 1 against
#      its float64 reference) at F32 (within 1e-4)
#      and F16 (within 0.1; the BF16 checkpoints tiny-qwen2/tiny-qwen3 run as F16), soft-prompt
#      gradients and Q-PEFT training at F16, the UPR ranking of examples/rerank-requests.jsonl
#      (F32: as on the CPU; F16: near-ties aside), the simulated out-of-memory back-off, device
#      selection (auto picks the GPU)
#   3. the command line on the GPU: qpeft rerank of the examples on cuda vs cpu; --dtype bf16 refused
#   4. qpeft-bench bench for the GPT-2-small, Qwen3-0.6B and Llama-2-7B shapes (random weights, F16):
#      tokens/s, passages/s, device memory, MFU against the measured GEMM peak and the card's peak
#   5. a real out-of-memory error (Llama-2-7B shape, one pass far larger than the card) backed off
# Figures go to stdout and $OUT_DIR/summary.txt; full logs next to it.
#
# Needs: an NVIDIA GPU with a driver for CUDA 12.4 (>= 525), Java 17, and Maven Central the first
# time (the CUDA PyTorch jar is large; later runs use ~/.m2 and ~/.djl.ai). Budget: under 8 minutes
# on one H100/H200 once the jars are downloaded. Not yet run on a GPU: see docs/gpu.md.
#
# Environment: GPU_CHECK_DEVICE (default cuda), GPU_CHECK_PEAK_TFLOPS (the card's dense F16 tensor
# peak for MFU; default 989, H100/H200 SXM), GPU_CHECK_OUT (default target/gpu-check),
# GPU_CHECK_SKIP_BUILD=1 (reuse an earlier -Pgpu build). For a dry run of the script itself on a
# CPU machine: GPU_CHECK_DEVICE=cpu GPU_CHECK_PROFILE= GPU_CHECK_SKIP_BUILD=1 GPU_CHECK_SHAPES=
# gpt2-small GPU_CHECK_BENCH_ARGS='--queries 1 --passages 8' GPU_CHECK_SKIP_OOM=1 (and an nvidia-smi stub).
set -euo pipefail
cd "$(dirname "$0")/.."

DEVICE="${GPU_CHECK_DEVICE:-cuda}"
PROFILE="${GPU_CHECK_PROFILE--Pgpu}" # empty: the default (CPU) build, for a dry run
read -r -a SHAPES <<<"${GPU_CHECK_SHAPES:-gpt2-small qwen3-0.6b llama-2-7b}"
PEAK="${GPU_CHECK_PEAK_TFLOPS:-989}"
OUT_DIR="${GPU_CHECK_OUT:-target/gpu-check}"
mkdir -p "$OUT_DIR"
SUMMARY="$OUT_DIR/summary.txt"
: >"$SUMMARY"
START=$(date +%s)
FAILED=0

say() { echo "gpu-check: $*" | tee -a "$SUMMARY"; }
elapsed() { echo $(($(date +%s) - START)); }
fail() {
  say "FAILED: $*"
  FAILED=1
}
java_jar() { java -Dai.djl.offline=true -Xmx16g -jar "$@"; }

# --- 0. the machine ------------------------------------------------------------------------------
if ! command -v nvidia-smi >/dev/null; then
  say "no nvidia-smi: this script needs an NVIDIA GPU and its driver"
  exit 1
fi
say "GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)"
say "java: $(java -version 2>&1 | head -1)"
say "device $DEVICE, stated peak ${PEAK} TFLOP/s (dense F16 tensor) for MFU"

# --- 1. build ------------------------------------------------------------------------------------
if [ "${GPU_CHECK_SKIP_BUILD:-0}" != 1 ]; then
  say "[1] ./mvnw $PROFILE install of the command line and the benchmarks (tests run next, on the GPU) ..."
  ./mvnw -B -ntp -q $PROFILE -DskipTests -pl qpeft-cli,qpeft-bench -am install >"$OUT_DIR/build.log" 2>&1 ||
    { say "build failed: see $OUT_DIR/build.log"; exit 1; }
  say "[1] built in $(elapsed) s"
fi
CLI=qpeft-cli/target/qpeft.jar
BENCH=qpeft-bench/target/qpeft-bench.jar

# --- 2. golden checks on the GPU -----------------------------------------------------------------
t=$(date +%s)
say "[2] golden, gradient, ranking, training and back-off tests on $DEVICE ..."
if ./mvnw -B -ntp -o $PROFILE -pl qpeft-core surefire:test \
  -Dtest='DevicePrecisionTest,HalfPrecisionTrainingTest,EngineOptionsTest,GemmaModelTest' \
  -Dsurefire.failIfNoSpecifiedTests=false -Dqpeft.test.device="$DEVICE" \
  >"$OUT_DIR/device-tests.log" 2>&1; then
  say "[2] passed in $(($(date +%s) - t)) s"
else
  fail "[2] device tests: see $OUT_DIR/device-tests.log"
fi
grep -h -E ' on cuda[:0-9]*: |Tests run:.*Fail' "$OUT_DIR/device-tests.log" | sed 's/^/  /' | tee -a "$SUMMARY" || true

# --- 3. the command line on the GPU --------------------------------------------------------------
t=$(date +%s)
say "[3] qpeft rerank of the shipped examples (tiny-llama fixture) on $DEVICE vs cpu ..."
MODEL=qpeft-core/src/test/resources/fixtures/models/tiny-llama
rerank() { # device dtype output
  java_jar "$CLI" rerank --method upr --model "$MODEL" --input examples/rerank-requests.jsonl \
    --output "$3" --device "$1" --dtype "$2" 2>>"$OUT_DIR/rerank.log"
}
rm -f "$OUT_DIR"/rerank-*.trec*
if rerank cpu f32 "$OUT_DIR/rerank-cpu-f32.trec" && rerank "$DEVICE" f32 "$OUT_DIR/rerank-gpu-f32.trec" &&
  rerank "$DEVICE" f16 "$OUT_DIR/rerank-gpu-f16.trec"; then
  grep -h ': device ' "$OUT_DIR/rerank.log" | sed 's/^/  /' | tee -a "$SUMMARY"
  # same docid at every (qid, rank) at F32; at F16 a swap must be of scores within 0.01 (near-ties)
  for dtype in f32 f16; do
    awk -v dtype=$dtype '
      FNR == NR { doc[$1, $4] = $3; score[$1, $3] = $5; next }
      { got[$1, $4] = $3; gscore[$1, $3] = $5; d = $5 - score[$1, $3]; d = d < 0 ? -d : d
        if (d > worst) worst = d }
      END {
        bad = 0
        for (k in doc) if (doc[k] != got[k]) {
          split(k, qr, SUBSEP); a = doc[k]; b = got[k]
          gap = score[qr[1], a] - score[qr[1], b]; gap = gap < 0 ? -gap : gap
          if (dtype == "f32" || gap >= 0.01) { bad = 1; print "  " qr[1] " rank " qr[2] ": " a " vs " b " (CPU gap " gap ")" }
        }
        printf "  %s on the GPU vs F32 on the CPU: max |score difference| %.2e, ranking %s\n", dtype, worst, bad ? "CHANGED" : "kept"
        exit bad
      }' "$OUT_DIR/rerank-cpu-f32.trec" "$OUT_DIR/rerank-gpu-$dtype.trec" | tee -a "$SUMMARY" ||
      fail "[3] the $dtype ranking on the GPU differs from the CPU's"
  done
else
  fail "[3] qpeft rerank on $DEVICE: see $OUT_DIR/rerank.log"
fi
if java_jar "$CLI" rerank --model "$MODEL" --input examples/rerank-requests.jsonl \
  --output "$OUT_DIR/rerank-bf16.trec" --device "$DEVICE" --dtype bf16 >"$OUT_DIR/bf16.log" 2>&1; then
  fail "[3] --dtype bf16 was accepted"
else
  say "  --dtype bf16 refused in one line: $(grep -c . "$OUT_DIR/bf16.log") line(s): $(head -c 120 "$OUT_DIR/bf16.log")"
fi
say "[3] done in $(($(date +%s) - t)) s"

# --- 4. benchmarks -------------------------------------------------------------------------------
bench() { # name shape extra-args...
  local name=$1 shape=$2
  shift 2
  local t0
  t0=$(date +%s)
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 >"$OUT_DIR/mem-$name.csv" &
  local smi=$!
  if java_jar "$BENCH" bench --shape "$shape" --device "$DEVICE" --dtype f16 --peak-tflops "$PEAK" \
    "$@" >"$OUT_DIR/bench-$name.txt" 2>"$OUT_DIR/bench-$name.err"; then
    kill "$smi" 2>/dev/null || true
    wait "$smi" 2>/dev/null || true
    say "[4] $name ($shape) in $(($(date +%s) - t0)) s; nvidia-smi peak $(sort -n "$OUT_DIR/mem-$name.csv" | tail -1) MiB in use"
    grep -E '^(model|device|workload|device matmul peak|stated|engine|reference|speed-up|device memory)' \
      "$OUT_DIR/bench-$name.txt" | sed 's/^/  /' | tee -a "$SUMMARY"
  else
    kill "$smi" 2>/dev/null || true
    wait "$smi" 2>/dev/null || true
    fail "[4] bench $name: see $OUT_DIR/bench-$name.err"
  fi
}
read -r -a COMMON <<<"${GPU_CHECK_BENCH_ARGS:---queries 4 --passages 100 --passage-tokens 128 --query-tokens 12 --peak-runs 4}"
for shape in "${SHAPES[@]}"; do bench "$shape" "$shape" "${COMMON[@]}"; done

# --- 5. a real out-of-memory error ---------------------------------------------------------------
# 4000 passages of up to 192 tokens in one pass (~770k padded tokens, ~280 GB of activations by
# MemoryBudget's estimate): PyTorch runs out of memory, the engine halves the pass until it fits.
if [ "${GPU_CHECK_SKIP_OOM:-0}" = 1 ]; then
  say "total $(elapsed) s; $([ $FAILED = 0 ] && echo 'all checks passed' || echo 'SOME CHECKS FAILED')"
  exit $FAILED
fi
t=$(date +%s)
say "[5] forcing a real out-of-memory error (llama-2-7b shape, --batch-tokens 1000000) ..."
if java_jar "$BENCH" bench --shape llama-2-7b --device "$DEVICE" --dtype f16 --queries 2 \
  --passages 2000 --passage-tokens 128 --batch-tokens 1000000 --skip-reference --peak-runs 1 \
  >"$OUT_DIR/oom.txt" 2>"$OUT_DIR/oom.err"; then
  grep -h 'out of memory in a pass' "$OUT_DIR/oom.err" | sed 's/^.*MemoryBackoff - /  /' | tee -a "$SUMMARY"
  grep -q 'out of memory in a pass' "$OUT_DIR/oom.err" ||
    say "  (no out-of-memory error happened: the card held the whole pass)"
  grep -E '^engine' "$OUT_DIR/oom.txt" | sed 's/^/  /' | tee -a "$SUMMARY"
  say "[5] done in $(($(date +%s) - t)) s"
else
  fail "[5] the back-off did not save the run: see $OUT_DIR/oom.err"
fi

say "total $(elapsed) s; $([ $FAILED = 0 ] && echo 'all checks passed' || echo 'SOME CHECKS FAILED')"
exit $FAILED
