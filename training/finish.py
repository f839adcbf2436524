"""After train.py: the eq. 6 weight average with `parsel average`, its check against PyTorch, evaluation
on the test split, CPU speed, and the report.

    python training/finish.py --run-dir training/runs/NAME --data DIR --out DIR
        [--dest models/demo] [--k K] [--data-note "..."] [--parsel-speed PATH]

1. M_best = the snapshot with the best mean F1 on the valid split; k = the number of cycles (DML-CSR
   eq. 6: k is the cycle number, here the last one); `parsel average <out>/averaged.onnx <snapshots...>
   --best <M_best> --k k` (the project's CLI, bin/parsel.mjs) writes
       M = k/(k+1) M_best + 1/((k+1) N) sum_n M_n.
   The averaged card is renamed ("averaged") in the ONNX metadata and averaged.card.json; weights untouched.
2. The same average of the PyTorch state dicts (snapshot-k.pt): max |difference| over every initializer,
   and over the logits of a few test images (onnxruntime on averaged.onnx vs PyTorch), arg-max agreement.
3. Every snapshot, the averaged model and the snapshot ensemble with flip TTA (what the model set "demo"
   does in Parsel: mean of the softmax of each member on the image and on its mirror, classes swapped back)
   on the test split, against the export's labels (with the injected noise) and, when
   <data>/clean_labels exists (training/clean_masks.ts), against the clean masks.
4. Images/s of each model with onnxruntime (Python), batch 1, 2 threads, at the input size.
5. Copies the ONNX files and cards to --dest, writes demo.json and REPORT.md there.
"""
from __future__ import annotations

import os

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import argparse
import json
import shutil
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from data import flip_permutation, load_split, normalise  # noqa: E402
from metrics import Confusion  # noqa: E402
from model import ParselNet  # noqa: E402
from onnx_io import CARD_KEY, onnx_initializers  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--run-dir', required=True, help='train.py --run-dir (run.json and snapshot-k.pt)')
    p.add_argument('--data', required=True, help='the DML-CSR export trained on (test split evaluated)')
    p.add_argument('--out', required=True, help='train.py --out (snapshot-k.onnx); averaged.onnx is written there')
    p.add_argument('--dest', default=None, help='copy models, demo.json and REPORT.md here (e.g. models/demo)')
    p.add_argument('--k', type=float, default=None, help='eq. 6 weight of M_best (default: the number of cycles)')
    p.add_argument('--data-note', default='', help='how the data was made (goes into the report)')
    p.add_argument('--ground-truth', default=None, help='the parsel demo ground-truth.json: corrupted images per split and type in the report')
    p.add_argument('--parsel-images', type=int, default=60, help='images of the throw-away demo project timed with `parsel prelabel` (0: skip)')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--bench-seconds', type=float, default=9.0, help='onnxruntime timing per model, in three rounds')
    return p.parse_args()


def sh(cmd: list[str]) -> str:
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}')
    return r.stdout


def set_card(path: str, card: dict) -> None:
    proto = onnx.load(path)
    for p in proto.metadata_props:
        if p.key == CARD_KEY:
            p.value = json.dumps(card)
    onnx.save_model(proto, path)
    with open(os.path.splitext(path)[0] + '.card.json', 'w', encoding='utf-8') as f:
        json.dump(card, f, indent=2)
        f.write('\n')


def session(path: str, threads: int) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=['CPUExecutionProvider'])


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def predict_probs(sess: ort.InferenceSession, x: np.ndarray, perm: np.ndarray | None) -> np.ndarray:
    """Softmax of the logits; with `perm`, averaged with the mirrored image's (classes swapped back)."""
    p = softmax(sess.run(['logits'], {'input': x})[0])
    if perm is None:
        return p
    pf = softmax(sess.run(['logits'], {'input': np.ascontiguousarray(x[..., ::-1])})[0])[..., ::-1]
    return 0.5 * (p + pf[:, perm])


def table(rows: list[list[str]], head: list[str]) -> str:
    out = ['| ' + ' | '.join(head) + ' |', '|' + '|'.join('---' for _ in head) + '|']
    out += ['| ' + ' | '.join(r) + ' |' for r in rows]
    return '\n'.join(out)


def f(v: float) -> str:
    return '—' if not np.isfinite(v) else f'{v:.3f}'


def main() -> int:
    a = parse_args()
    torch.set_num_threads(a.threads)
    run = json.load(open(os.path.join(a.run_dir, 'run.json'), encoding='utf-8'))
    snaps = run['snapshots']
    if len(snaps) < 2:
        print('error: eq. 6 needs at least two snapshots', file=sys.stderr)
        return 2
    names = run['classes']
    k_cls = len(names)
    size = run['args']['size']
    width = run['args']['width']
    mean, std = run['mean'], run['std']
    perm = np.array(flip_permutation(names))
    onnx_of = {s['name']: os.path.join(a.out, s['name'] + '.onnx') for s in snaps}

    # 1. eq. 6 with the CLI
    best = max(snaps, key=lambda s: s['valid_mean_f1'])
    k = a.k if a.k is not None else float(len(snaps))
    avg_path = os.path.join(a.out, 'averaged.onnx')
    t = time.time()
    avg_out = sh(['node', 'bin/parsel.mjs', 'average', avg_path, *[onnx_of[s['name']] for s in snaps],
                  '--best', onnx_of[best['name']], '--k', f'{k:g}', '--force', '--json'])
    avg_record = json.loads(avg_out)
    print(f'parsel average: {avg_path} in {time.time() - t:.1f}s (best {best["name"]}, k {k:g}, N {len(snaps)})', flush=True)
    card = json.load(open(os.path.splitext(onnx_of[best['name']])[0] + '.card.json', encoding='utf-8'))
    card['name'] = card['name'].rsplit(' snapshot', 1)[0] + ' averaged (DML-CSR eq. 6)'
    card['description'] = (f'Weight average of the {len(snaps)} cycle snapshots made with `parsel average` (DML-CSR eq. 6, '
                           f'M_best = {best["name"]}, k = {k:g}); BatchNorm statistics averaged, not re-estimated. '
                           'Trained on synthetic faces made by Parsel: it knows synthetic faces, not photographs.')
    card['source']['notes'] = f'M = k/(k+1) M_best + 1/((k+1) N) sum M_n over {", ".join(s["name"] for s in snaps)}; report: REPORT.md'
    set_card(avg_path, card)

    # 2. the same average in PyTorch
    sds = {s['name']: torch.load(os.path.join(a.run_dir, s['name'] + '.pt'), map_location='cpu') for s in snaps}
    ref = {}
    for key, v in sds[best['name']].items():
        if not v.is_floating_point():
            ref[key] = v.clone()
            continue
        acc = sum(sds[s['name']][key].double() for s in snaps)
        ref[key] = (k / (k + 1) * v.double() + acc / ((k + 1) * len(snaps))).float()
    inits = onnx_initializers(avg_path)
    weight_diff = max(float(np.abs(inits[key] - ref[key].numpy()).max()) for key in ref if ref[key].is_floating_point())
    n_compared = sum(1 for key in ref if ref[key].is_floating_point())
    net = ParselNet(k_cls, width)
    net.load_state_dict(ref)
    net.eval()

    test = load_split(a.data, 'test', size, k_cls)
    clean_dir = os.path.join(a.data, 'clean_labels')
    clean = load_split(a.data, 'test', size, k_cls, labels_dir=clean_dir) if os.path.isdir(clean_dir) else None
    x_all = normalise(test.images, mean, std).numpy()
    s_avg = session(avg_path, a.threads)
    xs = x_all[:8]
    with torch.no_grad():
        pt_logits = net(torch.from_numpy(xs)).numpy()
    ort_logits = s_avg.run(['logits'], {'input': xs})[0]
    out_diff = float(np.abs(pt_logits - ort_logits).max())
    argmax_agree = float((pt_logits.argmax(1) == ort_logits.argmax(1)).mean())
    print(f'eq. 6 check: max |w_parsel - w_torch| {weight_diff:.3g} over {n_compared} tensors; logits max |diff| {out_diff:.3g} '
          f'on {len(xs)} test images, arg-max agreement {argmax_agree * 100:.4f} %', flush=True)

    # 3. evaluation
    models = [(s['name'], onnx_of[s['name']]) for s in snaps] + [('averaged', avg_path)]
    sessions = {n: session(p, a.threads) for n, p in models}
    results = {}
    member_probs_sum = None
    for n, _ in models:
        cm_noisy, cm_clean = Confusion(k_cls), Confusion(k_cls)
        for i in range(0, len(x_all), 8):
            xb = x_all[i:i + 8]
            logits = sessions[n].run(['logits'], {'input': xb})[0]
            pred = logits.argmax(1)
            cm_noisy.add(test.labels[i:i + 8].numpy(), pred)
            if clean is not None:
                cm_clean.add(clean.labels[i:i + 8].numpy(), pred)
        results[n] = {'noisy': cm_noisy, 'clean': cm_clean if clean is not None else None}
        print(f'{n}: test mean F1 {cm_noisy.mean_f1():.4f} / mIoU {cm_noisy.miou():.4f} (export labels)'
              + (f'; {cm_clean.mean_f1():.4f} / {cm_clean.miou():.4f} (clean masks)' if clean is not None else ''), flush=True)
    # the model set "demo": snapshots, flip TTA, mean of probabilities
    cm_noisy, cm_clean = Confusion(k_cls), Confusion(k_cls)
    for i in range(0, len(x_all), 8):
        xb = x_all[i:i + 8]
        member_probs_sum = sum(predict_probs(sessions[s['name']], xb, perm) for s in snaps)
        pred = member_probs_sum.argmax(1)
        cm_noisy.add(test.labels[i:i + 8].numpy(), pred)
        if clean is not None:
            cm_clean.add(clean.labels[i:i + 8].numpy(), pred)
    results['set "demo" (snapshots + flip TTA)'] = {'noisy': cm_noisy, 'clean': cm_clean if clean is not None else None}
    print(f'set demo: test mean F1 {cm_noisy.mean_f1():.4f} (export labels)' + (f'; {cm_clean.mean_f1():.4f} (clean)' if clean is not None else ''), flush=True)

    # 4. speed (onnxruntime, batch 1)
    # three interleaved rounds per model (others share the CPU): the median and the best round are reported
    one = x_all[:1]
    rounds: dict[str, list[float]] = {n: [] for n, _ in models}
    for n, _ in models:
        for _ in range(3):
            sessions[n].run(['logits'], {'input': one})
    for _ in range(3):
        for n, _ in models:
            cnt, t0 = 0, time.time()
            while time.time() - t0 < a.bench_seconds / 3:
                sessions[n].run(['logits'], {'input': x_all[cnt % len(x_all):cnt % len(x_all) + 1]})
                cnt += 1
            rounds[n].append(cnt / (time.time() - t0))
    speed = {n: float(np.median(r)) for n, r in rounds.items()}
    speed_best = {n: max(r) for n, r in rounds.items()}
    load = ' '.join(f'{v:.2f}' for v in os.getloadavg())
    pspeed = parsel_speed([p for n, p in models if n in (snaps[0]['name'], 'averaged')], a.parsel_images, size) if a.parsel_images > 0 else None
    print('onnxruntime images/s (batch 1, %d threads): %s; load %s' % (a.threads, ', '.join(f'{n} {v:.1f}' for n, v in speed.items()), load), flush=True)

    # 5. files (each checked with `parsel models check`), demo.json, report
    checked: list[str] = []
    if a.dest:
        os.makedirs(a.dest, exist_ok=True)
        for n, p in models:
            shutil.copyfile(p, os.path.join(a.dest, os.path.basename(p)))
            shutil.copyfile(os.path.splitext(p)[0] + '.card.json', os.path.join(a.dest, os.path.splitext(os.path.basename(p))[0] + '.card.json'))
        for n, p in models:
            dp = os.path.join(a.dest, os.path.basename(p))
            msg = sh(['node', 'bin/parsel.mjs', 'models', 'check', dp])  # raises unless the card fits the graph
            import tempfile
            with tempfile.TemporaryDirectory(prefix='parsel-check-') as tmp:  # the same file alone: the card from its metadata
                shutil.copyfile(dp, os.path.join(tmp, os.path.basename(dp)))
                msg2 = sh(['node', 'bin/parsel.mjs', 'models', 'check', os.path.join(tmp, os.path.basename(dp))])
            checked.append(f'{os.path.basename(p)}: {msg.strip().splitlines()[-1]} (with its .card.json); '
                           f'{msg2.strip().splitlines()[-1]} (alone, card from the metadata)')
        print('parsel models check: ' + '; '.join(checked), flush=True)
        demo = {'schema': card['labels'], 'set': {'name': 'demo', 'members': [s['name'] + '.onnx' for s in snaps], 'tta': 'flip'},
                'averaged': 'averaged.onnx', 'report': 'REPORT.md'}
        with open(os.path.join(a.dest, 'demo.json'), 'w', encoding='utf-8') as fh:
            json.dump(demo, fh, indent=2)
            fh.write('\n')
    summary = {
        'best': best['name'], 'k': k, 'weight_max_abs_diff': weight_diff, 'tensors_compared': n_compared,
        'logits_max_abs_diff': out_diff, 'argmax_agreement': argmax_agree, 'images_per_s': speed, 'images_per_s_rounds': rounds,
        'bench_load': load, 'parsel_speed': pspeed,
        'averaging_record': avg_record,
        'results': {n: {kind: (None if cm is None else {'mean_f1': cm.mean_f1(), 'miou': cm.miou(),
                                                      'f1': cm.per_class()[0].tolist(), 'iou': cm.per_class()[1].tolist()})
                        for kind, cm in r.items()} for n, r in results.items()},
    }
    with open(os.path.join(a.run_dir, 'finish.json'), 'w', encoding='utf-8') as fh:
        json.dump(summary, fh, indent=1)
    report = write_report(a, run, snaps, best, k, weight_diff, n_compared, out_diff, argmax_agree, results, speed, load, names,
                          test, clean is not None, len(xs), pspeed, checked, speed_best)
    dest = a.dest or a.out
    with open(os.path.join(dest, 'REPORT.md'), 'w', encoding='utf-8') as fh:
        fh.write(report)
    print(f'report: {os.path.join(dest, "REPORT.md")}', flush=True)
    return 0


def parsel_speed(paths: list[str], n: int, size: int) -> dict:
    """End-to-end `parsel prelabel --model <file>` on a fresh `parsel demo` project of n images: images/s per model."""
    import tempfile
    out = {'images': n, 'models': {}}
    with tempfile.TemporaryDirectory(prefix='parsel-speed-') as tmp:
        proj = os.path.join(tmp, 'speed.parsel')
        sh(['node', 'bin/parsel.mjs', 'demo', proj, '--count', str(n), '--size', str(size), '--no-models'])
        for p in paths:
            t = time.time()
            msg = sh(['node', 'bin/parsel.mjs', 'prelabel', proj, '--model', p, '--quiet'])
            dt = time.time() - t
            out['models'][os.path.basename(p)] = {'seconds': dt, 'images_per_s': n / dt, 'message': msg.strip().splitlines()[-1] if msg.strip() else ''}
            print(f'parsel prelabel {os.path.basename(p)}: {n} images in {dt:.1f}s ({n / dt:.1f} images/s)', flush=True)
    out['load'] = ' '.join(f'{v:.2f}' for v in os.getloadavg())
    return out


def noise_summary(gt_path: str, data: str) -> str:
    """Corrupted labels per split and per corruption type, from the parsel demo ground truth."""
    from data import name_of, read_list
    gt = json.load(open(gt_path, encoding='utf-8'))
    by_name = {os.path.splitext(im['file'])[0]: im for im in gt['images']}
    gen = gt.get('generator', {})
    lines = [f'- Injected noise: `--noise {gen.get("noise")}` → {gt.get("corrupted")} of {len(gt["images"])} labels corrupted, one '
             f'corruption each, by the project\'s injector (`src/shared/noise`); seed {gen.get("seed")}, image i = generator seed + i.']
    types: dict[str, int] = {}
    per_split = []
    for split in ('train', 'valid', 'test'):
        rows = read_list(data, split)
        bad = [by_name[name_of(r[0])] for r in rows if by_name.get(name_of(r[0]), {}).get('corrupted')]
        per_split.append(f'{split} {len(bad)}/{len(rows)} ({100 * len(bad) / max(1, len(rows)):.1f} %)')
        if split == 'train':
            for im in bad:
                for c in im['corruptions']:
                    types[c['type']] = types.get(c['type'], 0) + 1
    lines.append('- Corrupted labels per split: ' + ', '.join(per_split) + '; in train by type: '
                 + ', '.join(f'{t} {n}' for t, n in sorted(types.items(), key=lambda kv: -kv[1])) + '.')
    return '\n'.join(lines)


def write_report(a, run, snaps, best, k, weight_diff, n_compared, out_diff, argmax_agree, results, speed, load, names, test,
                 have_clean, n_out, pspeed, checked, speed_best) -> str:
    args = run['args']
    hist = run['history']
    epochs = args['init_epochs'] + args['cycles'] * args['cycle_epochs']
    loads = [h['load'].split()[0] for h in hist]
    sizes = {n: os.path.getsize(os.path.join(a.out, n + '.onnx')) for n in [s['name'] for s in snaps] + ['averaged']}
    L = []
    L.append('# Demo models: training report\n')
    L.append('**These models know synthetic faces, not photographs.** They were trained only on faces drawn by Parsel\'s '
             'own generator (`src/shared/synth`); on photos of real people they give poor masks. They exist so that the '
             'sample project (`parsel demo`) can be pre-labelled and scanned with a real, trained model set.\n')
    L.append('## Data\n')
    if a.data_note:
        L.append(a.data_note.strip())
    if a.ground_truth:
        L.append(noise_summary(a.ground_truth, a.data))
    L.append(f'- Export read by the trainer: DML-CSR layout, {run["train_images"]} train / {run["valid_images"]} valid / '
             f'{len(test.names)} test images, {len(names)} classes (`celebamask-hq-a`), {args["size"]}×{args["size"]}.')
    L.append('- The train and valid labels are the project\'s labels, **with the injected noise**; evaluation below is on '
             'the test split, against the exported (noisy) labels and ' + ('against the clean masks regenerated from the '
             'generator seeds (`training/clean_masks.ts`).' if have_clean else '(no clean masks were available).') + '\n')
    L.append('## Network and training\n')
    L.append(f'- `{run["arch"]}` (training/model.py): depthwise-separable encoder-decoder, {run["params"]:,} parameters, '
             f'{sizes["averaged"] / 1e6:.2f} MB per ONNX file; logits at the input size (a bilinear ×2 of the half-resolution head).')
    L.append(f'- Seed {args["seed"]} (python, numpy, torch); torch {run["torch"]}, {args["threads"]} CPU threads; batch {args["batch"]}; '
             f'AdamW, weight decay {args["weight_decay"]:g}; loss cross-entropy + {args["dice"]:g} × soft Dice, on the half-resolution logits.')
    if run.get('class_weights') and any(w != 1.0 for w in run['class_weights']):
        L.append('- Cross-entropy class weights (median frequency / frequency)^' + f'{args["class_weight_power"]:g}, clipped to '
                 f'[1, {args["class_weight_max"]:g}], from the training labels: '
                 + ', '.join(f'{nm} {w:.2f}' for nm, w in zip(names, run['class_weights']) if w != 1.0) + ' (others 1).')
    L.append('- Augmentation: horizontal flip with the left/right classes swapped (l_eye↔r_eye, l_brow↔r_brow, l_ear↔r_ear, '
             'from label_names.txt)' + ('' if args['no_affine'] else ', random scale ±10 %, rotation ±10°, shift ±5 % (pixels from outside ignored)')
             + ', brightness/contrast/saturation jitter ±15 %.')
    L.append(f'- Schedule (DML-CSR §3.3, scaled to a CPU budget): {args["init_epochs"]} initialisation epochs (warm-up '
             f'{args["warmup_epochs"]:g} epoch to lr {args["lr"]:g}, cosine to {args["lr_min"]:g}), then {args["cycles"]} cycles × '
             f'{args["cycle_epochs"]} epochs, each a cosine from {args["cycle_lr"]:g} to {args["lr_min"]:g}; a snapshot at the end '
             f'of each cycle. {epochs:g} epochs in all.'
             + (f' Progressive resizing: the initialisation epochs ran on images downscaled to {args["init_size"]}×{args["init_size"]} '
                f'(a quarter of the cost), the cycles at {args["size"]}×{args["size"]}.' if args.get('init_size') else ''))
    L.append('- Not done from DML-CSR: self-distillation (eq. 7, the averaged model\'s soft labels as targets), the edge '
             'tasks and the re-estimation of BatchNorm statistics after averaging (`parsel average` averages them).')
    L.append(f'- Wall time of train.py: {run["wall_seconds"] / 60:.1f} min ({run["cpu_seconds"] / 60:.1f} CPU-min; data decoding '
             f'included, data generation and export not); 1-min load average at the end of each epoch: {", ".join(loads)}.')
    if args.get('init'):
        L.append(f'- Started from `{args["init"]}` (`--init`).')
    L.append('')
    L.append('Per epoch:\n')
    rows = [[str(h['epoch']), h['phase'], str(h.get('size', args['size'])), f'{h["loss"]:.4f}', f'{h["lr_start"]:.2e} → {h["lr_end"]:.2e}', f'{h["seconds"]:.0f}',
             f'{h["images_per_s"]:.1f}', h['load'].split()[0], f(h.get('valid_mean_f1', float('nan')))] for h in hist]
    L.append(table(rows, ['epoch', 'phase', 'px', 'loss', 'lr', 's', 'img/s', 'load', 'valid mF1']) + '\n')
    if args.get('init_size'):
        L.append(f'(valid mF1: mean F1 without background on the valid split at {args["size"]} px, against its noisy labels; at the end '
                 f'of the initialisation the network had only seen {args["init_size"]} px images, hence the low figure there.)\n')
    L.append('## Snapshots and the averaged model\n')
    for s in snaps:
        L.append(f'- `{s["name"]}.onnx`: end of cycle {s["cycle"]} (epoch {s["epoch"]}), valid mean F1 {s["valid_mean_f1"]:.4f}.')
    L.append(f'- `averaged.onnx`: `parsel average averaged.onnx {" ".join(s["name"] + ".onnx" for s in snaps)} --best '
             f'{best["name"]}.onnx --k {k:g}` — DML-CSR eq. 6, M = k/(k+1)·M_best + 1/((k+1)N)·Σ M_n with M_best the snapshot '
             f'with the best valid mean F1 and k = {k:g} (the last cycle number).')
    L.append(f'- Check against the same average computed in PyTorch from the `.pt` state dicts: max |difference| of the weights '
             f'{weight_diff:.3g} over {n_compared} tensors (weights and BatchNorm statistics); of the logits on {n_out} test images '
             f'(onnxruntime on averaged.onnx vs PyTorch) {out_diff:.3g}; arg-max agreement {argmax_agree * 100:.4f} %.\n')
    if checked:
        L.append('`node bin/parsel.mjs models check <file>` on each ONNX file of this folder, beside its `.card.json` and alone (card read from the metadata key `parsel.card`):\n')
        L.extend(f'- {c}' for c in checked)
        L.append('')
    L.append('## Test figures\n')
    L.append('Mean F1 without background (the project\'s convention, `src/shared/metrics`), mIoU over all classes with '
             'background; confusion matrix summed over the test split.\n')
    rows = []
    for n, r in results.items():
        row = [n, f(r['noisy'].mean_f1()), f(r['noisy'].miou())]
        if have_clean:
            row += [f(r['clean'].mean_f1()), f(r['clean'].miou())]
        rows.append(row)
    head = ['model', 'mean F1 (export labels)', 'mIoU (export labels)'] + (['mean F1 (clean)', 'mIoU (clean)'] if have_clean else [])
    L.append(table(rows, head) + '\n')
    kind = 'clean' if have_clean else 'noisy'
    L.append(f'Per class, against the {"clean masks" if have_clean else "exported labels"} (F1 / IoU):\n')
    cols = list(results.keys())
    rows = []
    for c, nm in enumerate(names):
        row = [f'{c} {nm}']
        for n in cols:
            f1, iou = results[n][kind].per_class()
            row.append(f'{f(f1[c])} / {f(iou[c])}')
        rows.append(row)
    L.append(table(rows, ['class'] + cols) + '\n')
    worst = results['averaged'][kind].mean_f1()
    f1_avg = results['averaged'][kind].per_class()[0]
    weak = [f'{names[c]} {f1_avg[c]:.3f}' for c in range(1, len(names)) if np.isfinite(f1_avg[c]) and f1_avg[c] < 0.6]
    if worst < 0.8:
        L.append(f'**Quality is below target**: the averaged model\'s mean F1 without background is {worst:.3f} (< 0.8) on the test '
                 f'split ({"clean masks" if have_clean else "exported labels"}).' + (f' Weakest classes: {", ".join(weak)}.' if weak else '') + '\n')
    elif weak:
        L.append(f'Weakest classes of the averaged model (F1 < 0.6): {", ".join(weak)}.\n')
    L.append('## Speed\n')
    L.append(f'onnxruntime {ort.__version__} (Python), CPU, batch 1, {a.threads} threads, {args["size"]}×{args["size"]}, '
             f'three interleaved rounds of {a.bench_seconds / 3:g} s per model; load average at the end {load}:\n')
    L.append(table([[n, f'{v:.1f}', f'{speed_best[n]:.1f}'] for n, v in speed.items()], ['model', 'images/s (median)', 'images/s (best round)']) + '\n')
    if pspeed:
        L.append(f'Through Parsel: `parsel prelabel <project> --model <file>` on a fresh `parsel demo` project of {pspeed["images"]} '
                 f'{args["size"]}×{args["size"]} images, end to end (a node process started, the model loaded, images decoded, '
                 f'inference, probabilities cached, revisions written), wall clock; load average at the end {pspeed["load"]}:\n')
        L.append(table([[n, f'{v["seconds"]:.1f}', f'{v["images_per_s"]:.1f}'] for n, v in pspeed['models'].items()],
                       ['model', 'seconds', 'images/s']) + '\n')
    L.append('## Reproduce\n')
    L.append('See training/README.md. The command lines of this run:\n')
    import shlex
    L.append('```\npython training/train.py ' + ' '.join(f'--{kk.replace("_", "-")} {shlex.quote(str(v))}' for kk, v in args.items()
             if v is not None and v is not False and kk not in ('run_dir',)) + '\n```\n')
    return '\n'.join(L)


if __name__ == '__main__':
    sys.exit(main())
