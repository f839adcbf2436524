"""Self-checks of the trainer's parts (plain asserts; `python training/selftest.py`, ~1 min on a CPU).
Not part of `npm test` (CI has no Python).

- flip_permutation pairs exactly the l_/r_ classes (not ear_r / neck_l), and the flip augmentation
  labels a mirrored left eye as a right eye;
- the schedule: warm-up, cosine to lr_min at the end of the initialisation, each cycle restarts at the
  cycle lr and ends at lr_min;
- the metrics against hand-computed values;
- export -> --init round trip: a small network exported to ONNX, loaded back by initializer name into a
  fresh one, gives the same logits as onnxruntime and the original; a network of another width is refused.
"""
from __future__ import annotations

import os

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import argparse
import sys
import tempfile

import numpy as np
import onnxruntime as ort
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import Augment, flip_permutation  # noqa: E402
from metrics import Confusion  # noqa: E402
from model import ParselNet  # noqa: E402
from onnx_io import export_onnx, load_init, make_card, read_card  # noqa: E402
from train import Schedule  # noqa: E402

NAMES = ['bg', 'skin', 'nose', 'eye_g', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'l_ear', 'r_ear', 'mouth', 'u_lip', 'l_lip',
         'hair', 'hat', 'ear_r', 'neck_l', 'neck', 'cloth']


def test_flip() -> None:
    perm = flip_permutation(NAMES)
    swapped = {(NAMES[i], NAMES[j]) for i, j in enumerate(perm) if i != j}
    assert swapped == {('l_eye', 'r_eye'), ('r_eye', 'l_eye'), ('l_brow', 'r_brow'), ('r_brow', 'l_brow'),
                       ('l_ear', 'r_ear'), ('r_ear', 'l_ear')}, swapped
    g = torch.Generator()
    g.manual_seed(0)
    aug = Augment(NAMES, [0.5] * 3, [0.25] * 3, g, scale=0, rotate_deg=0, shift=0, colour=0)
    img = torch.zeros(64, 3, 8, 8, dtype=torch.uint8)
    lab = torch.zeros(64, 8, 8, dtype=torch.uint8)
    img[:, 0, :, :2] = 200          # a red stripe on the left ...
    lab[:, :, :2] = 4               # ... labelled l_eye
    x, y = aug(img, lab)
    flipped = x[:, 0, 0, -1] > x[:, 0, 0, 0]
    assert 0 < int(flipped.sum()) < 64, 'about half the batch should be flipped'
    assert (y[flipped][:, :, -2:] == 5).all() and (y[flipped][:, :, :-2] == 0).all(), 'a mirrored l_eye must become r_eye'
    assert (y[~flipped][:, :, :2] == 4).all(), 'unflipped labels stay'


def test_schedule() -> None:
    a = argparse.Namespace(lr=1e-2, cycle_lr=5e-3, lr_min=1e-4, init_epochs=4, warmup_epochs=1, cycles=3, cycle_epochs=0.5)
    s = Schedule(a, 10)
    assert s.total == 40 + 3 * 5
    assert abs(s.lr(0) - 1e-3) < 1e-12 and abs(s.lr(10) - 1e-2) < 1e-12
    assert abs(s.lr(39) - 1e-4) < 1e-6 + 1e-2 * 0.01
    for c in range(3):
        first, last = 40 + 5 * c, 40 + 5 * c + 4
        assert abs(s.lr(first) - 5e-3) < 1e-12 and abs(s.lr(last) - 1e-4) < 1e-12, (c, s.lr(first), s.lr(last))


def test_metrics() -> None:
    ref = np.array([0, 0, 1, 1, 2, 255])
    pred = np.array([0, 1, 1, 1, 0, 2])
    cm = Confusion(4).add(ref, pred)
    f1, iou = cm.per_class()
    assert np.isclose(f1[0], 2 * 1 / (2 + 2)) and np.isclose(f1[1], 2 * 2 / (2 + 3)) and f1[2] == 0 and np.isnan(f1[3])
    assert np.isclose(iou[1], 2 / 3)
    assert np.isclose(cm.mean_f1(), np.mean([0.8, 0.0]))          # classes 1 and 2; 3 is undefined
    assert np.isclose(cm.miou(), np.mean([1 / 3, 2 / 3, 0.0]))


def test_export_init() -> None:
    torch.manual_seed(1)
    net = ParselNet(19, 0.5)
    with torch.no_grad():  # non-trivial BatchNorm statistics
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    net.eval()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'm.onnx')
        card = make_card('selftest', '', 64, [0.5] * 3, [0.25] * 3, 'celebamask-hq-a', '')
        export_onnx(net, path, 64, card, {'arch': 'ParselNet', 'width': 0.5, 'size': 64, 'classes': NAMES})
        assert read_card(path) == card
        assert os.path.isfile(os.path.join(tmp, 'm.card.json'))
        x = torch.randn(3, 3, 64, 64)
        sess = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
        assert [i.shape for i in sess.get_inputs()] == [['batch', 3, 64, 64]], sess.get_inputs()[0].shape
        got = sess.run(['logits'], {'input': x.numpy()})[0]
        with torch.no_grad():
            want = net(x).numpy()
        assert got.shape == (3, 19, 64, 64) and np.abs(got - want).max() < 1e-4
        fresh = ParselNet(19, 0.5)
        info = load_init(fresh, path)
        assert info['loaded'] == len([v for v in net.state_dict().values() if v.is_floating_point()])
        fresh.eval()
        with torch.no_grad():
            assert np.abs(fresh(x).numpy() - want).max() < 1e-5
        try:
            load_init(ParselNet(19, 1.0), path)
        except ValueError as e:
            assert 'another shape' in str(e), e
        else:
            raise AssertionError('a network of another width must be refused')


if __name__ == '__main__':
    torch.set_num_threads(2)
    for t in (test_flip, test_schedule, test_metrics, test_export_init):
        t()
        print(f'ok {t.__name__}', flush=True)
