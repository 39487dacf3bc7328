#!/usr/bin/env bash
# Reproduces the table of the Q-PEFT paper (Peng et al., arXiv 2404.04522): BM25 top-100 of the
# NQ, TriviaQA, WebQ and SQuAD-open test questions reranked by Llama-2-7b-chat with zero-shot UPR,
# prompt tuning, Q-PEFT-R and Q-PEFT-A trained on 80 .. 2560 training questions; Hit@10 and
# Recall@10 with paired t-tests against UPR. See docs/paper.md for the inputs, the cost and the
# paper's figures beside ours.
#
#   DATA=/data/dpr MODEL=meta-llama/Llama-2-7b-chat-hf examples/paper/reproduce.sh
#
# Inputs under DATA (the public DPR / UPR releases):
#   psgs_w100.tsv                                   Wikipedia passages (id, text, title)
#   retriever/{nq,trivia,webq,squad1}-train.json    DPR training JSON (positive/hard negative ctxs)
#   retriever/{nq,trivia,webq,squad1}-dev.json      DPR dev JSON (early stopping)
#   bm25/{nq,trivia,webq,squad1}-test.json          BM25 top-100 of the test questions (UPR format)
# Environment: MODEL, DATA, OUT (default paper-runs), DATASETS (default "nq tqa webq squad"),
# SIZES (default "80 160 320 640 1280 2560"), PRESET (paper: the official code's training, or
# default: qpeft's), EPOCHS (default: the preset's 20). Every step resumes when run again.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DATA:?set DATA to the folder holding the DPR files (see the header)}"
MODEL="${MODEL:-meta-llama/Llama-2-7b-chat-hf}"
OUT="${OUT:-paper-runs}"
DATASETS="${DATASETS:-nq tqa webq squad}"
SIZES="${SIZES:-80 160 320 640 1280 2560}"
PRESET="${PRESET:-paper}"
EPOCHS="${EPOCHS:-}"

file_of() { # the DPR file prefix of a dataset
  case "$1" in
    nq) echo nq ;; tqa) echo trivia ;; webq) echo webq ;; squad) echo squad1 ;;
    *) echo "unknown dataset $1; allowed: nq tqa webq squad" >&2; exit 2 ;;
  esac
}

for ds in $DATASETS; do
  f="$(file_of "$ds")"
  test_json="$DATA/bm25/$f-test.json"
  # zero-shot UPR over the BM25 top-100, once per dataset: the reference of every t-test
  bin/qpeft rerank --model "$MODEL" --input "$test_json" --passages "$DATA/psgs_w100.tsv" \
    --output "$OUT/$ds/upr.json"
  for n in $SIZES; do
    runs=(--run "$OUT/$ds/upr.json" --run "$test_json") # the first run is the t-tests' reference
    labels=(--label upr --label bm25)
    for variant in prompt retrieval attention; do
      adapter="$OUT/$ds/$n/$variant"
      args=(--model "$MODEL" --variant "$variant" --preset "$PRESET"
        --train "$DATA/retriever/$f-train.json" --dev "$DATA/retriever/$f-dev.json"
        --limit "$n" --dev-limit 128 --output "$adapter")
      [ "$PRESET" = paper ] && args+=(--dataset "$ds")
      [ -n "$EPOCHS" ] && args+=(--epochs "$EPOCHS")
      # a finished or interrupted training resumes from its checkpoint (a finished one returns at once)
      [ -f "$adapter/checkpoint/checkpoint.safetensors" ] && args+=(--resume)
      bin/qpeft train "${args[@]}"
      bin/qpeft rerank --model "$MODEL" --adapter "$adapter" --input "$test_json" \
        --passages "$DATA/psgs_w100.tsv" --output "$OUT/$ds/$n/$variant.json"
      runs+=(--run "$OUT/$ds/$n/$variant.json")
      labels+=(--label "$variant")
    done
    # Hit@10 and Recall@10 (the paper's measures) of the reranked top-100, t-tests against UPR
    bin/qpeft eval --answers "$test_json" --passages "$DATA/psgs_w100.tsv" --depth 100 \
      --measures Hit@1,Hit@10,Recall@10 "${runs[@]}" "${labels[@]}" \
      --json "$OUT/$ds/$n/eval.json" | tee "$OUT/$ds/$n/eval.txt"
  done
done
