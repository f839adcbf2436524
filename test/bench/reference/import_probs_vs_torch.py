#!/usr/bin/env python3
"""`parsel import-probs` against PyTorch: writes pred_probs.npy with numpy (float32 and float16, planes
smaller than the images, images of two sizes), imports them with the parsel CLI, reads the cached uint8
planes back from the project file (sqlite3 + zlib) and compares them with
F.interpolate(mode='bilinear', align_corners=False) of the same values, quantised as the cache does
(floor(255·p + 0.5)). Also checks that numpy's own Fortran-ordered, big-endian and float64 files are
refused. Not part of `npm test` (needs numpy, torch, pillow):

    npm run build
    /work/.venv-torch/bin/python test/bench/reference/import_probs_vs_torch.py [node bin/parsel.mjs]
"""
import os
import sqlite3
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PARSEL = sys.argv[1:] or ['node', os.path.join(ROOT, 'bin', 'parsel.mjs')]


def parsel(*args, cwd):
    r = subprocess.run([*PARSEL, *args], cwd=cwd, capture_output=True, text=True,
                       env={**os.environ, 'PARSEL_USER_DATA': os.path.join(cwd, 'user')})
    return r.returncode, r.stdout + r.stderr


def main():
    work = tempfile.mkdtemp(prefix='parsel-import-probs-')
    rng = np.random.default_rng(0)
    os.makedirs(os.path.join(work, 'imgs'))
    sizes = [(64, 48), (100, 80), (64, 48)]  # (width, height)
    for i, (w, h) in enumerate(sizes):
        Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(os.path.join(work, 'imgs', f'im{i}.png'))
    x = rng.normal(size=(3, 11, 24, 32)).astype(np.float32)
    e = np.exp(x - x.max(1, keepdims=True))
    p = e / e.sum(1, keepdims=True)
    cases = {'f32': p, 'f16': p.astype(np.float16), 'fortran': np.asfortranarray(p), 'be': p.astype('>f4'), 'f64': p.astype(np.float64)}
    for name, arr in cases.items():
        os.makedirs(os.path.join(work, name))
        np.save(os.path.join(work, name, 'pred_probs.npy'), arr)
        with open(os.path.join(work, name, 'index.txt'), 'w') as f:
            f.write('im0.png\nimgs/im1.png\n' + os.path.join(work, 'imgs', 'im2.png') + '\n')
    assert parsel('init', 'p.parsel', '--schema', 'lapa-11', cwd=work)[0] == 0
    assert parsel('add', 'p.parsel', 'imgs', cwd=work)[0] == 0
    ok = True
    for name in cases:
        code, out = parsel('import-probs', 'p.parsel', name, '--name', name, cwd=work)
        want = 0 if name in ('f32', 'f16') else 3
        print(f'{name:8s} exit {code} (want {want}): {out.strip().splitlines()[0]}')
        ok &= code == want
    db = sqlite3.connect(os.path.join(work, 'p.parsel'))
    rows = db.execute('SELECT s.name, i.path, p.width, p.height, p.classes, p.data FROM prediction p '
                      'JOIN image i ON i.id = p.image_id JOIN model_set s ON s.id = p.model_set_id ORDER BY s.name, i.path').fetchall()
    for set_name, path, w, h, k, data in rows:
        n = int(path[-5])
        got = np.frombuffer(zlib.decompress(data), dtype=np.uint8).reshape(k, h, w).astype(int)
        src = cases[set_name].astype(np.float32)[n]
        ref = F.interpolate(torch.from_numpy(np.ascontiguousarray(src))[None], size=(h, w), mode='bilinear', align_corners=False)[0].numpy()
        q = np.floor(np.clip(ref, 0, 1) * 255 + 0.5).astype(int)
        d = np.abs(q - got)
        print(f'{set_name} {path} {w}x{h}: values differing {int((d > 0).sum())} of {d.size}, max step {int(d.max())}, '
              f'arg-max agreement {(q.argmax(0) == got.argmax(0)).mean():.6f}')
        ok &= int(d.max()) <= 1
    print('OK' if ok else 'MISMATCH', work)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
