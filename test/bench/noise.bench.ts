/**
 * Label-noise flag benchmark (issue 5): flag quality per corruption type for Parsel's scoring and the
 * plain softmin baseline on the same inputs, plus scan speed. Figures: docs/bench/noise.md.
 *
 *   npm run bench -- noise              # 200 faces × (clean + 8 corruption types), 512², ~10 min
 *   npm run bench -- noise --n 40       # quicker
 *   npm run bench -- noise --sweep      # also band radius / weight, no growth, plain band, the scorer as found
 *   npm run bench -- noise --speed-only
 *   npm run bench -- noise --harsh      # the stress teacher (HARSH_TEACHER) instead of the documented one
 *   npm run bench -- noise --error-rate 0   # diagnostic: no confident teacher errors
 *   npm run bench -- noise --members 3 --shared 0.5   # teacher = mean of a 3-member model set sharing half its errors
 *   npm run bench -- noise --teacher models/demo/demo.json --size 256   # teacher = the trained demo model set
 *
 * Data: synthetic faces (src/shared/synth, celebamask-hq-a, 512², accessories made more frequent so the
 * tail types have material). Each face is scored clean and once per corruption type (one instance,
 * src/shared/noise/corrupt.ts); clean copies are the negatives of every type (prevalence 50%).
 * Teacher: the noisy-teacher simulation of test/bench/teacher-sim.ts computed from the CLEAN label, or
 * with `--teacher <demo.json>` a trained model set (models/demo: its members and TTA, run by the app's
 * InferenceEngine on each face's JPEG-compressed pixels, exactly as pre-labelling would cache them). The generated ONNX models of test/tooling/onnx-gen.ts cannot stand in: the colour-rule
 * model is a per-pixel colour classifier, and the synthetic renderer draws both eyes, both brows and
 * both ears with the same materials and both lips with one material, so it cannot tell left from right
 * or upper from lower lip (lr_swap / lip_swap undetectable by construction, every eye ambiguous); it has
 * no spatial context, so no boundary ramps (boundary_jitter meaningless) and no confident/unsure
 * calibration; the BiSeNet-sized model has random weights. No trained weights are in the tree.
 * docs/bench/noise.md says the same per corruption type.
 * Class thresholds: confident learning over the first `--thr` faces, clean and corrupted copies mixed,
 * as a curator would estimate them over a selection of the dataset.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { InferenceEngine, loadModelCard } from '../../src/main/inference';
import { CELEBAMASK_HQ_A } from '../../src/shared/schema';
import { generateFace, hash32 } from '../../src/shared/synth';
import { AgreementAccumulator } from '../../src/shared/metrics';
import {
  argmaxProbs,
  corrupt,
  CORRUPTION_TYPES,
  ERROR_TYPES,
  DEFAULT_SCORE_OPTIONS,
  LIKELY_ERROR_SHARE,
  maskHas,
  maskIoU,
  poolScores,
  scoreImage,
  softminBaseline,
  ThresholdAccumulator,
  type ClassThresholds,
  type CorruptionType,
  type NoiseScore,
  type Pooling,
  type RegionMask,
  type ScoreOptions,
} from '../../src/shared/noise';
import { DEFAULT_TEACHER, HARSH_TEACHER, simulateTeacher } from './teacher-sim';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N = arg('n', 200);
const N_THR = Math.min(N, arg('thr', 30));
const SIZE = arg('size', 512);
const schema = CELEBAMASK_HQ_A;
const K = schema.classes.length;
const SWEEP = args.includes('--sweep');
const SPEED_ONLY = args.includes('--speed-only');
/**
 * `--member-support` (with --teacher): each member of the set is also run alone (same TTA) and its
 * arg-max kept per face, for the scorer variant that weighs a region by the share of members whose
 * arg-max is the region's suggested class (issue 12: does disagreement inside the ensemble help?).
 */
const MEMBER_SUPPORT = args.includes('--member-support');
const memberArgmax = new Map<number, Uint8Array[]>();
/** Face whose variants are being scored (the member-support variant reads its members' arg-max). */
let currentFace = -1;
const BASE_TEACHER = args.includes('--harsh') ? HARSH_TEACHER : DEFAULT_TEACHER;
// Diagnostic: the same teacher with another rate of confident-error blobs (e.g. 0: a teacher that is
// only ever unsure, never confidently wrong), to see how much of the gap those errors explain.
// Model set: the teacher as the mean of `--members` simulated members sharing `--shared` (ρ) of their
// noise and confident errors (teacher-sim.ts header); ρ = 1 is the single teacher.
const TEACHER = {
  ...BASE_TEACHER,
  errorRate: arg('error-rate', BASE_TEACHER.errorRate),
  members: arg('members', BASE_TEACHER.members),
  shared: arg('shared', BASE_TEACHER.shared),
};
const ACCESSORIES = { glasses: 0.3, hat: 0.2, earring: 0.5, necklace: 0.5 };
const MATCH_IOU = 0.25;
/** Smallest region either method reports (Parsel's default minRegionArea; the baseline gets the same floor). */
const MIN_AREA = DEFAULT_SCORE_OPTIONS.minRegionArea;
const TARGET_P = 0.8;

type Kind = 'clean' | CorruptionType;
const KINDS: Kind[] = ['clean', ...CORRUPTION_TYPES];

interface FoundRegion {
  score: number;
  area: number;
  /** label -> suggested class names (for the --dump-clean diagnostic). */
  pair?: string;
  /** IoU with the image's ground-truth corrupted region (0 for clean images). */
  iou: number;
}
interface ImageRecord {
  regions: FoundRegion[];
  /** Method's own image score (used for the baseline; Parsel pools `regions`). */
  imageScore: number;
  hasGt: boolean;
}

interface Method {
  name: string;
  run(label: Uint8Array, probs: Uint8Array, thr: ClassThresholds): NoiseScore;
}

const parselOpts = (o: ScoreOptions = {}): ScoreOptions => ({
  withPixels: true,
  minRegionScore: 0,
  minRegionShare: 0,
  maxRegions: 100000,
  ...o,
});

const methods: Method[] = [
  { name: 'parsel', run: (l, p, t) => scoreImage(l, p, K, SIZE, SIZE, t, parselOpts()) },
  { name: 'softmin', run: (l, p) => softminBaseline(l, p, K, SIZE, SIZE, { withPixels: true, maxRegions: 100000, minRegionArea: MIN_AREA }) },
];
// `--try 'suggestFloor=0.5,minRegionArea=30'` (repeatable): the scorer with those options as another
// method, with its own trade-off table: how defaults are chosen (docs/bench/noise.md).
const TRIES: { name: string; opts: ScoreOptions }[] = [];
args.forEach((a, i) => {
  if (a !== '--try') return;
  const spec = args[i + 1];
  const opts = Object.fromEntries(spec.split(',').map((kv) => {
    const [k, v] = kv.split('=');
    return [k, v === 'true' ? true : v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v)];
  })) as ScoreOptions;
  TRIES.push({ name: `parsel [${spec}]`, opts });
});
for (const t of TRIES) methods.push({ name: t.name, run: (l, p, th) => scoreImage(l, p, K, SIZE, SIZE, th, parselOpts(t.opts)) });
if (MEMBER_SUPPORT) {
  // A region's score times the share of members whose arg-max is its suggested class, averaged over its
  // pixels of its label class: a region only some members back is more likely one member's mistake.
  methods.push({
    name: 'parsel × member support',
    // With the options of the last --try, if any: member support on top of the scorer being tuned.
    run: (l, p, t) => {
      const res = scoreImage(l, p, K, SIZE, SIZE, t, parselOpts(TRIES.at(-1)?.opts ?? {}));
      const members = memberArgmax.get(currentFace)!;
      const regions = res.regions.map((r) => {
        let n = 0;
        let votes = 0;
        const [x0, y0, x1, y1] = r.pixels!.bbox;
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            const i = y * SIZE + x;
            if (!maskHas(r.pixels!, x, y) || l[i] !== r.labelClass) continue;
            n++;
            for (const a of members) if (a[i] === r.suggestedClass) votes++;
          }
        }
        return { ...r, score: n > 0 ? (r.score * votes) / (n * members.length) : 0 };
      });
      regions.sort((a, b) => b.score - a.score);
      return { ...res, regions, imageScore: poolScores(regions.filter((r) => r.area >= MIN_AREA).map((r) => r.score), 'top3') };
    },
  });
}
if (SWEEP || args.includes('--firm')) {
  // The region rule's neighbours; `firm=0` is the scorer before it (every region kept, band at 0.1).
  methods.push({ name: 'parsel firm=0', run: (l, p, t) => scoreImage(l, p, K, SIZE, SIZE, t, parselOpts({ minFirmShare: 0 })) });
  for (const f of [0.1, 0.2, 0.3]) methods.push({ name: `parsel firm=${f} no restore`, run: (l, p, t) => scoreImage(l, p, K, SIZE, SIZE, t, parselOpts({ minFirmShare: f, restoreBand: false })) });
  for (const f of [0.1, 0.3]) methods.push({ name: `parsel firm=${f} restore`, run: (l, p, t) => scoreImage(l, p, K, SIZE, SIZE, t, parselOpts({ minFirmShare: f, restoreBand: true })) });
}
if (SWEEP) {
  for (const r of [2, 3]) methods.push({ name: `parsel r=${r}`, run: (l, p, t) => scoreImage(l, p, K, SIZE, SIZE, t, parselOpts({ bandRadius: r })) });
  for (const bw of [0, 0.3, 1]) methods.push({ name: `parsel bw=${bw}`, run: (l, p, t) => scoreImage(l, p, K, SIZE, SIZE, t, parselOpts({ bandWeight: bw })) });
  methods.push({ name: 'parsel no-grow', run: (l, p, t) => scoreImage(l, p, K, SIZE, SIZE, t, parselOpts({ grow: false })) });
  methods.push({ name: 'parsel band-any', run: (l, p, t) => scoreImage(l, p, K, SIZE, SIZE, t, parselOpts({ bandAcross: false })) });
  methods.push({ name: 'parsel as found', run: (l, p, t) => scoreImage(l, p, K, SIZE, SIZE, t, parselOpts({ bandAcross: false, grow: false, pooling: 'sum' })) });
}

// Faces and teachers `--offset` onwards (default 0): a disjoint set to choose scorer parameters on.
const OFFSET = arg('offset', 0);

/** `--teacher <demo.json>`: the trained model set's quantised probabilities per face (filled by loadTeacher). */
const TEACHER_FILE = (() => {
  const i = args.indexOf('--teacher');
  return i >= 0 ? resolve(args[i + 1]) : null;
})();
const onnxTeacher = new Map<number, Uint8Array>();
let onnxTeacherName = '';

/** Runs the model set of `demo.json` (members, TTA) over faces 0..N-1 as JPEG quality 92, as `parsel demo` writes them. */
async function loadTeacher(file: string): Promise<void> {
  const spec = JSON.parse(readFileSync(file, 'utf8')) as { set: { name: string; members: string[]; tta: 'none' | 'flip' } };
  const models = spec.set.members.map((m) => {
    const path = join(dirname(file), m);
    return { path, card: loadModelCard(path) };
  });
  onnxTeacherName = `${spec.set.name}: ${spec.set.members.join(' + ')}, TTA ${spec.set.tta}`;
  const engine = await InferenceEngine.create({ models, tta: spec.set.tta });
  const singles = MEMBER_SUPPORT ? await Promise.all(models.map((m) => InferenceEngine.create({ models: [m], tta: spec.set.tta }))) : [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < N; i++) {
      const f = face(i);
      const jpeg = await sharp(f.rgb, { raw: { width: SIZE, height: SIZE, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
      const { data } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const rgb = new Uint8Array(data);
      const p = await engine.predict({ rgb, width: SIZE, height: SIZE }, { probs: true });
      onnxTeacher.set(i, p.probs!);
      if (singles.length > 0) memberArgmax.set(i, await Promise.all(singles.map(async (e) => (await e.predict({ rgb, width: SIZE, height: SIZE }, { probs: false })).labels)));
      if ((i + 1) % 25 === 0) console.error(`  teacher: ${i + 1}/${N} faces, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await engine.close();
    for (const e of singles) await e.close();
  }
}

/** The teacher's quantised probabilities for face i (simulated from its clean mask, or the trained set's). */
function teacherProbs(i: number, clean: Uint8Array): Uint8Array {
  if (TEACHER_FILE) return onnxTeacher.get(i)!;
  return simulateTeacher(clean, SIZE, SIZE, schema, OFFSET + i, TEACHER);
}

function face(i: number) {
  return generateFace({ seed: 1000 + OFFSET + i, width: SIZE, height: SIZE, schema, accessories: ACCESSORIES });
}

function variants(clean: Uint8Array, i: number): { kind: Kind; label: Uint8Array; gt: RegionMask | null }[] {
  const out: { kind: Kind; label: Uint8Array; gt: RegionMask | null }[] = [{ kind: 'clean', label: clean, gt: null }];
  for (const t of CORRUPTION_TYPES) {
    const r = corrupt(clean, SIZE, SIZE, schema, { type: t, seed: hash32(OFFSET + i, CORRUPTION_TYPES.indexOf(t)) });
    if (r.regions.length === 0) continue;
    out.push({ kind: t, label: r.label, gt: r.regions[0].mask });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Metrics

/** AUROC by the Mann-Whitney statistic (ties count 1/2). */
function auroc(pos: number[], neg: number[]): number {
  const all = [...pos.map((s) => ({ s, p: 1 })), ...neg.map((s) => ({ s, p: 0 }))].sort((a, b) => a.s - b.s);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) j++;
    const avg = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (all[k].p) rankSum += avg;
    i = j;
  }
  const P = pos.length;
  const Nn = neg.length;
  return (rankSum - (P * (P + 1)) / 2) / (P * Nn);
}

/** Average precision (step-wise, tied scores taken together). */
function averagePrecision(pos: number[], neg: number[]): number {
  const all = [...pos.map((s) => ({ s, p: 1 })), ...neg.map((s) => ({ s, p: 0 }))].sort((a, b) => b.s - a.s);
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    let dtp = 0;
    while (j < all.length && all[j].s === all[i].s) {
      if (all[j].p) dtp++;
      else fp++;
      j++;
    }
    tp += dtp;
    ap += (dtp / pos.length) * (tp / (tp + fp));
    i = j;
  }
  return ap;
}

/** (score, tp) per found region after greedy matching in each image; neutral duplicates dropped. */
function matched(records: ImageRecord[]): { s: number; tp: boolean }[] {
  const out: { s: number; tp: boolean }[] = [];
  for (const r of records) {
    let used = false;
    for (const f of r.regions) {
      if (r.hasGt && f.iou >= MATCH_IOU) {
        if (!used) {
          out.push({ s: f.score, tp: true });
          used = true;
        }
        // A second region on the same corruption is neither a hit nor a false flag.
      } else out.push({ s: f.score, tp: false });
    }
  }
  return out;
}

/** Highest recall at precision >= p, and the lowest score threshold that reaches it. */
function recallAtPrecision(items: { s: number; tp: boolean }[], nGt: number, p: number): { recall: number; thr: number } {
  const sorted = [...items].sort((a, b) => b.s - a.s);
  let tp = 0;
  let fp = 0;
  let best = { recall: 0, thr: Infinity };
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j].s === sorted[i].s) {
      if (sorted[j].tp) tp++;
      else fp++;
      j++;
    }
    if (tp / (tp + fp) >= p && tp / nGt >= best.recall) best = { recall: tp / nGt, thr: sorted[i].s };
    i = j;
  }
  return best;
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '—');

/** Diagnostic: the regions found on clean images (false flags), by class pair, with areas and scores. */
function dumpClean(clean: ImageRecord[], name: string): void {
  const by = new Map<string, { n: number; areas: number[]; scores: number[] }>();
  for (const r of clean) {
    for (const x of r.regions) {
      if (x.score < DEFAULT_SCORE_OPTIONS.minRegionScore) continue;
      const e = by.get(x.pair ?? '?') ?? { n: 0, areas: [], scores: [] };
      e.n++;
      e.areas.push(x.area);
      e.scores.push(x.score);
      by.set(x.pair ?? '?', e);
    }
  }
  const med = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
  console.log(`\n## False flags on clean images by pair, ${name} (regions at the default reporting threshold)\n`);
  console.log('| pair | regions | median area | median score | max score |');
  console.log('|---|---|---|---|---|');
  for (const [k, e] of [...by].sort((a, b) => b[1].n - a[1].n).slice(0, 25)) console.log(`| ${k} | ${e.n} | ${med(e.areas)} | ${med(e.scores).toFixed(1)} | ${Math.max(...e.scores).toFixed(1)} |`);
}

/**
 * At each reporting threshold (region score, the app's `minRegionScore`): false flags per clean image,
 * the share of clean images with a flag, and per corruption type the image-level recall (the image has a
 * flag at all: it is in the review queue) and the region recall (a flag matches the injected region).
 */
function defaultsCurve(R: Map<Kind, ImageRecord[]>, types: readonly CorruptionType[], name = 'parsel'): void {
  const clean = R.get('clean')!;
  const HW = SIZE * SIZE;
  const shares = [...new Set([0.0001, 0.0003, 0.0006, 0.0009, DEFAULT_SCORE_OPTIONS.minRegionShare, 0.0015, LIKELY_ERROR_SHARE, 0.003, 0.005])].sort((a, b) => a - b);
  console.log(`\n## Trade-off at the reporting threshold, ${name} (app default: region score >= ${DEFAULT_SCORE_OPTIONS.minRegionShare} × pixels = ${(DEFAULT_SCORE_OPTIONS.minRegionShare * HW).toFixed(0)} at ${SIZE}²)\n`);
  console.log('image recall = corrupted images with at least one flag; region recall = a flag matches the injected region (IoU >= 0.25)\n');
  console.log(`| min score (share × pixels) | false flags / clean image | clean images flagged | ${types.map((t) => `${t} image / region recall`).join(' | ')} | jitter images flagged |`);
  console.log(`|---|---|---|${types.map(() => '---').join('|')}|---|`);
  for (const share of shares) {
    const thr = share * HW;
    const ff = clean.reduce((a, r) => a + r.regions.filter((x) => x.score >= thr).length, 0) / clean.length;
    const cf = clean.filter((r) => r.regions.some((x) => x.score >= thr)).length / clean.length;
    const cells = types.map((t) => {
      const pos = R.get(t)!;
      const img = pos.filter((r) => r.regions.some((x) => x.score >= thr)).length / pos.length;
      const reg = pos.filter((r) => r.regions.some((x) => x.score >= thr && x.iou >= MATCH_IOU)).length / pos.length;
      return `${f2(img)} / ${f2(reg)}`;
    });
    const jit = R.get('boundary_jitter')!;
    const jf = jit.filter((r) => r.regions.some((x) => x.score >= thr)).length / Math.max(1, jit.length);
    const tag = share === DEFAULT_SCORE_OPTIONS.minRegionShare ? ' (default)' : share === LIKELY_ERROR_SHARE ? ' (estimate)' : '';
    console.log(`| ${share} = ${thr.toFixed(0)}${tag} | ${f3(ff)} | ${f2(cf)} | ${cells.join(' | ')} | ${f2(jf)} |`);
  }
  // The label-error estimate over the whole benchmark set (clean and jittered images are not errors).
  const thr = LIKELY_ERROR_SHARE * HW;
  let truth = 0;
  let est = 0;
  let images = 0;
  for (const [kind, recs] of R) {
    images += recs.length;
    if (kind !== 'clean' && kind !== 'boundary_jitter') truth += recs.length;
    est += recs.filter((r) => r.regions.some((x) => x.score >= thr)).length;
  }
  console.log(`\nlabel-error estimate (${name}): about ${est} of ${images} images, truth ${truth} (${(((est - truth) / truth) * 100).toFixed(0)} %)`);
}

// ---------------------------------------------------------------------------------------------------
// Speed

function speed(): void {
  const f = face(0);
  const probs = simulateTeacher(f.mask, SIZE, SIZE, schema, 0, DEFAULT_TEACHER);
  const acc = new ThresholdAccumulator(K);
  acc.add(f.mask, probs, SIZE, SIZE);
  const thr = acc.result();
  const label = corrupt(f.mask, SIZE, SIZE, schema, { type: 'drop_part', seed: 1 }).label;
  const time = (name: string, fn: () => unknown) => {
    for (let i = 0; i < 5; i++) fn();
    const runs: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) fn();
      runs.push((performance.now() - t0) / 10);
    }
    runs.sort((a, b) => a - b);
    const ms = runs[3];
    return { name, ms, ips: 1000 / ms };
  };
  const out = new Uint8Array(SIZE * SIZE);
  const rows = [
    time('argmax pass (baseline: reads all K planes)', () => argmaxProbs(probs, K, SIZE, SIZE, out)),
    time('scoreImage (Parsel, defaults)', () => scoreImage(label, probs, K, SIZE, SIZE, thr)),
    time('scoreImage withPixels', () => scoreImage(label, probs, K, SIZE, SIZE, thr, { withPixels: true })),
    time('softminBaseline', () => softminBaseline(label, probs, K, SIZE, SIZE)),
    time('ThresholdAccumulator.add', () => new ThresholdAccumulator(K).add(label, probs, SIZE, SIZE)),
  ];
  console.log(`\n## Scan speed (${SIZE}x${SIZE}, K=${K}, quantised probs in memory, one thread; ${os.cpus()[0]?.model ?? '?'}, load ${os.loadavg()[0].toFixed(1)})\n`);
  console.log('| pass | ms / image | images/s | vs argmax |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.ms.toFixed(2)} | ${r.ips.toFixed(0)} | ${(rows[0].ms / r.ms).toFixed(2)}× |`);
}

// ---------------------------------------------------------------------------------------------------
// Quality

function quality(): void {
  const t0 = performance.now();
  // Pass 1: confident-learning thresholds over a selection (clean and corrupted copies mixed).
  const acc = new ThresholdAccumulator(K);
  for (let i = 0; i < N_THR; i++) {
    const f = face(i);
    const probs = teacherProbs(i, f.mask);
    for (const v of variants(f.mask, i)) acc.add(v.label, probs, SIZE, SIZE);
  }
  const thr = acc.result();
  console.log(`thresholds (${N_THR} faces):`, schema.classes.map((c) => `${c.name}=${thr.t[c.index].toFixed(2)}`).join(' '));

  // Pass 2: score every variant of every face.
  const rec = new Map<string, Map<Kind, ImageRecord[]>>();
  for (const m of methods) rec.set(m.name, new Map(KINDS.map((k) => [k, []])));
  const teacherAgree = new AgreementAccumulator(schema);
  for (let i = 0; i < N; i++) {
    const f = face(i);
    const probs = teacherProbs(i, f.mask);
    teacherAgree.add(f.mask, argmaxProbs(probs, K, SIZE, SIZE));
    currentFace = i;
    for (const v of variants(f.mask, i)) {
      for (const m of methods) {
        const res = m.run(v.label, probs, thr);
        const regions = res.regions.map((r) => ({
          score: r.score,
          area: r.area,
          iou: v.gt && r.pixels ? maskIoU(r.pixels, v.gt) : 0,
          pair: `${schema.classes[r.labelClass].name}->${schema.classes[r.suggestedClass].name}`,
        }));
        rec.get(m.name)!.get(v.kind)!.push({ regions, imageScore: res.imageScore, hasGt: v.gt !== null && v.kind !== 'boundary_jitter' });
      }
    }
    if ((i + 1) % 20 === 0) console.error(`  ${i + 1}/${N} faces, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }

  const ta = teacherAgree.result();
  const teacherName = TEACHER_FILE ? `trained model set ${onnxTeacherName}` : `simulation${BASE_TEACHER === HARSH_TEACHER ? ', HARSH' : ''}, ${JSON.stringify(TEACHER)}`;
  console.log(`\n## Teacher (${teacherName}) vs clean labels, ${N} faces at ${SIZE}²\n`);
  console.log(`mean F1 (no background) ${f3(ta.meanF1)}, mIoU ${f3(ta.mIoU)}, Helen-style overall F1 ${f3(ta.helenOverallF1)}`);
  console.log(schema.classes.map((c) => `${c.name} ${f2(ta.f1[c.index])}`).join(', '));

  const counts = KINDS.map((k) => `${k} ${rec.get('parsel')!.get(k)!.length}`).join(', ');
  console.log(`\nimages: ${counts}`);

  const nonBoundary = ERROR_TYPES;
  const imageScoreOf = (m: string, pooling: Pooling | 'own') => (r: ImageRecord) =>
    pooling === 'own' ? r.imageScore : poolScores(r.regions.filter((x) => x.area >= MIN_AREA).map((x) => x.score), pooling);

  const report = (m: string, pooling: Pooling | 'own') => {
    const R = rec.get(m)!;
    const score = imageScoreOf(m, pooling);
    const clean = R.get('clean')!;
    // Operating threshold: lowest region score with pooled precision >= 0.8 over all non-boundary types.
    const pooled = [...matched(clean)];
    let nGtAll = 0;
    for (const t of nonBoundary) {
      pooled.push(...matched(R.get(t)!));
      nGtAll += R.get(t)!.length;
    }
    const op = recallAtPrecision(pooled, nGtAll, TARGET_P);
    const ffClean = clean.reduce((a, r) => a + r.regions.filter((x) => x.score >= op.thr).length, 0) / clean.length;
    const cleanFlagged = clean.filter((r) => r.regions.some((x) => x.score >= op.thr)).length / clean.length;
    const rows: string[] = [];
    const summary: Record<string, { auroc: number; ap: number; rec: number }> = {};
    for (const t of CORRUPTION_TYPES) {
      const pos = R.get(t)!;
      const au = auroc(pos.map(score), clean.map(score));
      const ap = averagePrecision(pos.map(score), clean.map(score));
      if (t === 'boundary_jitter') {
        const flagged = pos.filter((r) => r.regions.some((x) => x.score >= op.thr)).length / pos.length;
        rows.push(`| ${t} (should NOT flag) | ${f3(au)} | ${f3(ap)} | — | images flagged ${f2(flagged)} (clean ${f2(cleanFlagged)}) |`);
        summary[t] = { auroc: au, ap, rec: flagged };
        continue;
      }
      const items = [...matched(pos), ...matched(clean)];
      const rp = recallAtPrecision(items, pos.length, TARGET_P);
      // Recall at the global operating threshold too.
      const recOp = matched(pos).filter((x) => x.tp && x.s >= op.thr).length / pos.length;
      rows.push(`| ${t} | ${f3(au)} | ${f3(ap)} | ${f3(rp.recall)} | ${f3(recOp)} |`);
      summary[t] = { auroc: au, ap, rec: rp.recall };
    }
    return { rows, op, ffClean, cleanFlagged, summary };
  };

  const main: Record<string, ReturnType<typeof report>> = {};
  for (const m of methods) {
    const pooling: Pooling | 'own' = m.name === 'parsel as found' ? 'sum' : m.name.startsWith('parsel') ? DEFAULT_SCORE_OPTIONS.pooling : 'own';
    const r = report(m.name, pooling);
    main[m.name] = r;
    console.log(`\n## ${m.name} (image score: ${pooling === 'own' ? 'softmin over all pixels' : `${pooling} of region scores`})\n`);
    console.log(
      `operating threshold (pooled precision >= ${TARGET_P} over non-boundary types): region score >= ${f3(r.op.thr)}, ` +
        `pooled recall ${f3(r.op.recall)}, false flags per clean image ${f3(r.ffClean)}, clean images with a flag ${f2(r.cleanFlagged)}`,
    );
    console.log('\n| type | image AUROC | AP | region recall @P0.8 (per type) | recall at the operating threshold |');
    console.log('|---|---|---|---|---|');
    for (const row of r.rows) console.log(row);
  }

  // What the app's defaults put in front of a curator: flags are regions with score >= minRegionScore.
  defaultsCurve(rec.get('parsel')!, nonBoundary);
  for (const t of TRIES) defaultsCurve(rec.get(t.name)!, nonBoundary, t.name);
  if (MEMBER_SUPPORT) defaultsCurve(rec.get('parsel × member support')!, nonBoundary, 'parsel × member support');
  if (args.includes('--dump-clean')) for (const name of ['parsel', ...TRIES.map((t) => t.name)]) dumpClean(rec.get(name)!.get('clean')!, name);

  // Pooling alternatives for Parsel (same regions, different image pooling).
  console.log('\n## Parsel image pooling alternatives (image AUROC / AP per type)\n');
  const pools: Pooling[] = ['sum', 'max', 'top3', 'lse'];
  console.log(`| type | ${pools.join(' | ')} |`);
  console.log(`|---|${pools.map(() => '---').join('|')}|`);
  const R = rec.get('parsel')!;
  for (const t of CORRUPTION_TYPES) {
    const cells = pools.map((p) => {
      const s = imageScoreOf('parsel', p);
      return `${f3(auroc(R.get(t)!.map(s), R.get('clean')!.map(s)))} / ${f3(averagePrecision(R.get(t)!.map(s), R.get('clean')!.map(s)))}`;
    });
    console.log(`| ${t} | ${cells.join(' | ')} |`);
  }
  // Suspect-mass image score without regions: plain sum of all suspect masses.
  // Comparison summary.
  console.log('\n## Parsel vs softmin (image AUROC, AP, region recall @P0.8)\n');
  console.log('| type | Parsel AUROC | softmin AUROC | Parsel AP | softmin AP | Parsel recall | softmin recall | better on all three |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const t of nonBoundary) {
    const a = main.parsel.summary[t];
    const b = main.softmin.summary[t];
    const better = a.auroc >= b.auroc && a.ap >= b.ap && a.rec >= b.rec;
    console.log(`| ${t} | ${f3(a.auroc)} | ${f3(b.auroc)} | ${f3(a.ap)} | ${f3(b.ap)} | ${f3(a.rec)} | ${f3(b.rec)} | ${better ? 'yes' : 'no'} |`);
  }
  if (methods.length > 2) {
    console.log('\n## Variants (image AUROC per type; jitter: lower is better)\n');
    console.log(`| variant | ${CORRUPTION_TYPES.join(' | ')} | region recall @P0.8, mean over non-boundary types |`);
    console.log(`|---|${CORRUPTION_TYPES.map(() => '---').join('|')}|---|`);
    for (const m of methods) {
      const r = main[m.name];
      const meanRec = nonBoundary.reduce((a, t) => a + r.summary[t].rec, 0) / nonBoundary.length;
      console.log(`| ${m.name} | ${CORRUPTION_TYPES.map((t) => f3(r.summary[t].auroc)).join(' | ')} | ${f3(meanRec)} |`);
    }
  }
  console.log(`\nquality pass: ${((performance.now() - t0) / 1000).toFixed(0)} s for ${N} faces`);
}

async function main(): Promise<void> {
  if (!SPEED_ONLY) {
    if (TEACHER_FILE) await loadTeacher(TEACHER_FILE);
    quality();
  }
  speed();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
