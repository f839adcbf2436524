#!/usr/bin/env bash
# models/demo/ from nothing: the data (parsel demo + parsel export), its clean test masks, training,
# the eq. 6 average, evaluation and the report. Run from anywhere; needs `npm run build` and a Python
# with training/requirements.txt.
#   PY=.venv-train/bin/python training/make_demo.sh [extra train.py options]
# Environment: PY (python3), COUNT (2000), NOISE (0.1), SEED (7), DEST (models/demo).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
COUNT=${COUNT:-2000}
NOISE=${NOISE:-0.1}
SEED=${SEED:-7}
DEST=${DEST:-models/demo}
SIZE=256
DATA=training/data
RUN=training/runs/demo
[ -f out/cli/parsel.mjs ] || { echo "error: build the CLI first (npm run build)" >&2; exit 2; }
if [ ! -f "$DATA/export/test_list.txt" ]; then
  mkdir -p "$DATA"
  node bin/parsel.mjs demo "$DATA/train.parsel" --count "$COUNT" --size "$SIZE" --noise "$NOISE" --seed "$SEED" --no-models
  node bin/parsel.mjs export "$DATA/train.parsel" "$DATA/export" --format dml-csr --splits 0.8,0.1,0.1
  npx tsx training/clean_masks.ts "$DATA/export" --seed "$SEED" --size "$SIZE" --splits test \
    --ground-truth "$DATA/train-faces/ground-truth.json"
fi
mkdir -p "$RUN"
"$PY" training/train.py --data "$DATA/export" --out "$RUN/onnx" --run-dir "$RUN" --seed "$SEED" \
  --init-epochs 8 --init-size 128 --batch 8 --cycles 3 --cycle-epochs 1 "$@" 2>&1 | tee "$RUN/train.log"
"$PY" training/finish.py --run-dir "$RUN" --data "$DATA/export" --out "$RUN/onnx" --dest "$DEST" \
  --ground-truth "$DATA/train-faces/ground-truth.json" \
  --data-note "- Made with \`parsel demo training/data/train.parsel --count $COUNT --size $SIZE --noise $NOISE --seed $SEED --no-models\` and \`parsel export training/data/train.parsel training/data/export --format dml-csr --splits 0.8,0.1,0.1\`; clean test masks by \`training/clean_masks.ts\` (checked against ground-truth.json)."
