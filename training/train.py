"""Train ParselNet on a Parsel DML-CSR export with DML-CSR's cyclical learning rate; one ONNX snapshot
(with its Parsel card) at the end of every cycle.

    python training/train.py --data DIR --out DIR [--run-dir training/runs/NAME] [--size 256]
        [--init-epochs 10] [--cycles 3] [--cycle-epochs 3] [--batch 16] [--lr 3e-3] [--seed 7]
        [--init model.onnx] [--threads 2]

Schedule (DML-CSR §3.3 / §4, scaled down to a CPU budget): an initialisation phase of `--init-epochs`
(one warm-up epoch, then cosine annealing from lr to lr_min), then `--cycles` cycles of
`--cycle-epochs` epochs, each a cosine annealing from `--cycle-lr` back down to lr_min (a warm
restart). The model at the end of each cycle is a snapshot: it is evaluated on the valid split,
saved (`<run-dir>/snapshot-k.pt`) and exported to `<out>/snapshot-k.onnx` + `snapshot-k.card.json`.
finish.py then averages them (eq. 6) with `parsel average`, evaluates and writes the report.
"""
from __future__ import annotations

import os

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')  # before torch loads OpenMP: no spin-waiting on a shared CPU

import argparse
import json
import math
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import Augment, DataError, load_split, normalise, read_label_names  # noqa: E402
from metrics import Confusion  # noqa: E402
from model import ParselNet, count_params  # noqa: E402
from onnx_io import TRAINING_KEY, export_onnx, load_init, make_card, read_metadata  # noqa: E402

MEAN = [0.5, 0.5, 0.5]
STD = [0.25, 0.25, 0.25]
ARCH = 'ParselNet'


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', required=True, help='a DML-CSR export (parsel export ... --format dml-csr --splits 0.8,0.1,0.1)')
    p.add_argument('--out', required=True, help='folder for snapshot-k.onnx + .card.json')
    p.add_argument('--run-dir', default=None, help='folder for .pt snapshots and run.json (default: training/runs/<out folder name>)')
    p.add_argument('--labels', default='celebamask-hq-a', help='label schema id for the cards (the export\'s schema)')
    p.add_argument('--size', type=int, default=256, help='input width = height, px')
    p.add_argument('--init-size', type=int, default=None, help='train the initialisation phase on images downscaled to this size '
                   '(progressive resizing: a quarter of the cost at half the size); the cycles always run at --size')
    p.add_argument('--width', type=float, default=None, help='channel width multiplier (default 1, or the --init export\'s)')
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--lr', type=float, default=3e-3, help='peak learning rate of the initialisation phase (AdamW)')
    p.add_argument('--cycle-lr', type=float, default=None, help='peak learning rate of each cycle (default lr / 2)')
    p.add_argument('--lr-min', type=float, default=None, help='floor of every cosine (default lr / 100)')
    p.add_argument('--weight-decay', type=float, default=1e-4)
    p.add_argument('--init-epochs', type=int, default=10, help='initialisation phase, epochs (0 when fine-tuning is fine)')
    p.add_argument('--warmup-epochs', type=float, default=1.0)
    p.add_argument('--cycles', type=int, default=3, help='LR cycles; one snapshot at the end of each (>= 1)')
    p.add_argument('--cycle-epochs', type=float, default=3, help='epochs per cycle (may be fractional)')
    p.add_argument('--dice', type=float, default=0.5, help='weight of the soft-Dice term added to cross-entropy')
    p.add_argument('--class-weight-power', type=float, default=1.0,
                   help='cross-entropy class weights (median frequency / frequency)^p over the training labels, clipped to '
                        '[1, --class-weight-max]: rare thin classes (earrings, necklaces) are not drowned by background (0: off)')
    p.add_argument('--class-weight-max', type=float, default=10.0)
    p.add_argument('--no-affine', action='store_true', help='flip and colour augmentation only')
    p.add_argument('--seed', type=int, default=7)
    p.add_argument('--threads', type=int, default=2, help='torch CPU threads')
    p.add_argument('--limit', type=int, default=None, help='use only the first N training images (quick runs)')
    p.add_argument('--init', default=None, help='start from the weights of an ONNX export of this trainer (fine-tuning)')
    p.add_argument('--name', default='Parsel demo ParselNet', help='card name prefix')
    p.add_argument('--log-every', type=int, default=25, help='also print progress every N iterations inside an epoch (0: per epoch only)')
    a = p.parse_args(argv)
    if a.cycles < 1 or a.cycle_epochs <= 0 or a.init_epochs < 0:
        p.error('--cycles must be >= 1, --cycle-epochs > 0, --init-epochs >= 0')
    if a.init_size is not None and (a.init_size < 32 or a.size % a.init_size != 0):
        p.error(f'--init-size must divide --size ({a.size}) and be >= 32, got {a.init_size}')
    a.cycle_lr = a.cycle_lr if a.cycle_lr is not None else a.lr / 2
    a.lr_min = a.lr_min if a.lr_min is not None else a.lr / 100
    if a.run_dir is None:
        a.run_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'runs', os.path.basename(os.path.abspath(a.out)))
    return a


def seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    g = torch.Generator()
    g.manual_seed(seed)
    return g


class Schedule:
    """Learning rate per iteration: warm-up + cosine (initialisation), then cosine warm restarts (cycles)."""

    def __init__(self, a: argparse.Namespace, iters_per_epoch: int):
        self.a, self.ipe = a, iters_per_epoch
        self.init_iters = a.init_epochs * iters_per_epoch
        self.warm = int(a.warmup_epochs * iters_per_epoch) if a.init_epochs > 0 else 0
        self.cycle_iters = max(1, round(a.cycle_epochs * iters_per_epoch))
        self.total = self.init_iters + a.cycles * self.cycle_iters

    @staticmethod
    def _cos(t: float, hi: float, lo: float) -> float:
        return lo + 0.5 * (hi - lo) * (1 + math.cos(math.pi * min(1.0, max(0.0, t))))

    def lr(self, it: int) -> float:
        a = self.a
        if it < self.init_iters:
            if it < self.warm:
                return a.lr * (0.1 + 0.9 * it / max(1, self.warm))
            return self._cos((it - self.warm) / max(1, self.init_iters - self.warm), a.lr, a.lr_min)
        j = (it - self.init_iters) % self.cycle_iters
        return self._cos(j / max(1, self.cycle_iters - 1), a.cycle_lr, a.lr_min)

    def phase_init(self, epoch: int) -> str:
        return f'init {epoch + 1}/{self.a.init_epochs}'


def class_weights(labels: torch.Tensor, k: int, power: float, cap: float) -> torch.Tensor:
    """(median class frequency / class frequency)^power, clipped to [1, cap]; absent classes get 1."""
    freq = torch.bincount(labels.reshape(-1).long(), minlength=256)[:k].double()
    w = torch.ones(k, dtype=torch.float64)
    if power > 0:
        present = freq > 0
        med = freq[present].median()
        w[present] = ((med / freq[present]) ** power).clamp(1.0, cap)
    return w.float()


def loss_fn(logits: torch.Tensor, target: torch.Tensor, k: int, dice_w: float, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Cross-entropy (ignore 255, class weights) + dice_w * (1 - soft Dice), the Dice averaged over the classes present in the batch."""
    ce = F.cross_entropy(logits, target, weight=weight, ignore_index=255)
    if dice_w <= 0:
        return ce
    valid = target != 255
    t = torch.where(valid, target, 0)
    prob = logits.softmax(1)
    vf = valid.unsqueeze(1).float()
    p_sum = (prob * vf).sum((0, 2, 3))                                   # predicted mass per class
    p_true = prob.gather(1, t.unsqueeze(1)).squeeze(1)[valid]            # probability of the true class per pixel
    inter = torch.zeros(k, dtype=prob.dtype).index_add(0, t[valid], p_true)
    t_sum = torch.bincount(t[valid], minlength=k).to(prob.dtype)
    dice = (2 * inter + 1) / (p_sum + t_sum + 1)
    return ce + dice_w * (1 - dice[t_sum > 0]).mean()


@torch.no_grad()
def evaluate(net: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, k: int, batch: int = 32) -> Confusion:
    net.eval()
    cm = Confusion(k)
    for i in range(0, images.shape[0], batch):
        pred = net(normalise(images[i:i + batch], MEAN, STD)).argmax(1)
        cm.add(labels[i:i + batch].numpy(), pred.numpy())
    return cm


def loadavg() -> str:
    try:
        return ' '.join(f'{v:.2f}' for v in os.getloadavg())
    except OSError:
        return '?'


def fmt_s(s: float) -> str:
    s = int(round(s))
    return f'{s // 60}m{s % 60:02d}s'


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    g = seed_everything(a.seed)
    os.makedirs(a.out, exist_ok=True)
    os.makedirs(a.run_dir, exist_ok=True)
    t_start = time.time()
    cpu_start = time.process_time()

    try:
        names = read_label_names(a.data)
        k = len(names)
        t0 = time.time()
        train = load_split(a.data, 'train', a.size, k, a.limit)
        valid = load_split(a.data, 'valid', a.size, k)
    except DataError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'data {a.data}: {len(train.names)} train, {len(valid.names)} valid, {k} classes, {a.size}x{a.size}, '
          f'decoded in {time.time() - t0:.1f}s', flush=True)

    init_meta = read_metadata(a.init, TRAINING_KEY) if a.init and os.path.isfile(a.init) else None
    if a.width is None:
        a.width = float(init_meta['width']) if init_meta and 'width' in init_meta else 1.0
    if init_meta and init_meta.get('classes') and init_meta['classes'] != names:
        print(f'error: --init {a.init} was trained on the classes {init_meta["classes"]}; {a.data} has {names}', file=sys.stderr)
        return 2
    net = ParselNet(k, a.width)
    init_info = None
    if a.init:
        init_info = load_init(net, a.init)
        print(f'init: {init_info["loaded"]} tensors loaded by name from {a.init}', flush=True)
    print(f'{ARCH} width {a.width}: {count_params(net)} parameters; threads {a.threads}; seed {a.seed}', flush=True)

    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    cw = class_weights(train.labels, k, a.class_weight_power, a.class_weight_max)
    print('class weights: ' + ', '.join(f'{nm} {w:.2f}' for nm, w in zip(names, cw.tolist()) if w != 1.0), flush=True)
    n = train.images.shape[0]
    ipe = n // a.batch
    if ipe < 1:
        print(f'error: {n} training images is fewer than one batch of {a.batch}', file=sys.stderr)
        return 2
    sched = Schedule(a, ipe)
    aug = Augment(names, MEAN, STD, g, **({'scale': 0, 'rotate_deg': 0, 'shift': 0} if a.no_affine else {}))
    print(f'schedule: {a.init_epochs} init epochs (lr {a.lr:g}, warm-up {a.warmup_epochs:g}, cosine to {a.lr_min:g}), '
          f'then {a.cycles} cycles x {a.cycle_epochs:g} epochs = {sched.cycle_iters} iterations (cosine {a.cycle_lr:g} -> {a.lr_min:g}); '
          f'{ipe} iterations of {a.batch} per epoch, {sched.total} iterations in all', flush=True)

    # Periods of at most one epoch of iterations: the initialisation epochs, then each cycle cut into
    # epochs (the last period of a cycle may be shorter when --cycle-epochs is fractional).
    periods = [{'phase': sched.phase_init(e), 'iters': ipe, 'size': a.init_size or a.size, 'cycle': None} for e in range(a.init_epochs)]
    for c in range(1, a.cycles + 1):
        left, part = sched.cycle_iters, 1
        parts = math.ceil(sched.cycle_iters / ipe)
        while left > 0:
            n_it = min(ipe, left)
            left -= n_it
            periods.append({'phase': f'cycle {c}/{a.cycles} part {part}/{parts}', 'iters': n_it, 'size': a.size, 'cycle': c if left == 0 else None})
            part += 1

    def batches():
        while True:
            perm = torch.randperm(n, generator=g)
            for b in range(ipe):
                yield perm[b * a.batch:(b + 1) * a.batch]

    stream = batches()
    history, snapshots = [], []
    it = 0
    rates: list[float] = []  # seconds per iteration at each size, for the ETA
    for pi, per in enumerate(periods):
        net.train()
        te = time.time()
        tot, lr0 = 0.0, sched.lr(it)
        small = per['size'] < a.size
        for b in range(per['iters']):
            idx = next(stream)
            x, y = aug(train.images[idx], train.labels[idx])
            if small:
                x = F.interpolate(x, size=(per['size'], per['size']), mode='bilinear', antialias=True, align_corners=False)
                y = y[:, ::a.size // per['size'], ::a.size // per['size']]
            lr = sched.lr(it)
            for pg in opt.param_groups:
                pg['lr'] = lr
            # loss on the half-resolution logits against every other label pixel: the exported graph only adds
            # a fixed bilinear x2 upsample, and this halves the cost of a step on a CPU
            loss = loss_fn(net.forward_half(x), y[:, ::2, ::2], k, a.dice, cw)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tot += loss.item()
            it += 1
            if a.log_every and (b + 1) % a.log_every == 0 and b + 1 < per['iters']:
                el = time.time() - te
                print(f'  period {pi + 1} iteration {b + 1}/{per["iters"]}: loss {tot / (b + 1):.4f} lr {lr:.2e} '
                      f'{(b + 1) * a.batch / el:.1f} img/s', flush=True)
        dt = time.time() - te
        sec_it = dt / per['iters']
        rates.append(sec_it * (a.size / per['size']) ** 2)  # normalised to full-size iterations
        full_rate = sum(rates[-3:]) / len(rates[-3:])
        eta = sum(p['iters'] * full_rate * (p['size'] / a.size) ** 2 for p in periods[pi + 1:])
        rec = {'epoch': pi + 1, 'phase': per['phase'], 'size': per['size'], 'iterations': per['iters'], 'loss': tot / per['iters'],
               'lr_start': lr0, 'lr_end': sched.lr(it - 1), 'seconds': dt, 'images_per_s': per['iters'] * a.batch / dt, 'load': loadavg()}
        line = (f'epoch {pi + 1:3d}/{len(periods)} [{rec["phase"]}, {rec["size"]}px] loss {rec["loss"]:.4f} lr {lr0:.2e}->{rec["lr_end"]:.2e} '
                f'{fmt_s(dt)} ({rec["images_per_s"]:.1f} img/s) ETA {fmt_s(eta)} load {rec["load"]}')
        cycle_end = per['cycle'] is not None
        if cycle_end or pi + 1 == a.init_epochs:
            cm = evaluate(net, valid.images, valid.labels, k)
            rec['valid_mean_f1'], rec['valid_miou'] = cm.mean_f1(), cm.miou()
            line += f' | valid mF1 {rec["valid_mean_f1"]:.4f} mIoU {rec["valid_miou"]:.4f}'
        print(line, flush=True)
        history.append(rec)
        if cycle_end:
            c = per['cycle']
            stem = f'snapshot-{c}'
            torch.save(net.state_dict(), os.path.join(a.run_dir, stem + '.pt'))
            card = make_card(
                f'{a.name} snapshot {c}/{a.cycles}',
                f'Face parser trained on synthetic faces made by Parsel; snapshot at the end of learning-rate cycle {c} of {a.cycles} '
                f'(iteration {it}). It knows synthetic faces, not photographs.',
                a.size, MEAN, STD, a.labels,
                f'{ARCH} width {a.width}, {count_params(net)} parameters; seed {a.seed}; valid mean F1 (w/o background) '
                f'{rec["valid_mean_f1"]:.4f} on the export\'s (noisy) valid labels; report: REPORT.md',
            )
            te2 = time.time()
            export_onnx(net, os.path.join(a.out, stem + '.onnx'), a.size, card,
                        {'arch': ARCH, 'width': a.width, 'size': a.size, 'classes': names, 'cycle': c, 'iteration': it, 'seed': a.seed})
            snapshots.append({'name': stem, 'cycle': c, 'epoch': pi + 1, 'iteration': it, 'valid_mean_f1': rec['valid_mean_f1'],
                              'valid_miou': rec['valid_miou'], 'onnx': os.path.abspath(os.path.join(a.out, stem + '.onnx'))})
            print(f'  snapshot {c}: {os.path.join(a.out, stem + ".onnx")} (exported in {time.time() - te2:.1f}s)', flush=True)

    wall = time.time() - t_start
    run = {
        'args': vars(a), 'class_weights': cw.tolist(), 'arch': ARCH, 'params': count_params(net), 'classes': names, 'mean': MEAN, 'std': STD,
        'train_images': n, 'valid_images': len(valid.names), 'history': history, 'snapshots': snapshots,
        'wall_seconds': wall, 'cpu_seconds': time.process_time() - cpu_start, 'torch': torch.__version__,
        'init': {'path': a.init, 'card_name': (init_info['card'] or {}).get('name') if init_info else None} if a.init else None,
    }
    with open(os.path.join(a.run_dir, 'run.json'), 'w', encoding='utf-8') as f:
        json.dump(run, f, indent=1)
    print(f'done in {fmt_s(wall)} wall ({run["cpu_seconds"]:.0f} CPU-s); {len(snapshots)} snapshots in {a.out}; '
          f'run record {os.path.join(a.run_dir, "run.json")}', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
