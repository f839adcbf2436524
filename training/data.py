"""Reading a Parsel export in the DML-CSR layout, and the training augmentation.

Layout (`parsel export <project> <dir> --format dml-csr --splits 0.8,0.1,0.1`, docs/export.md):
    images/{name}{ext}          original image bytes
    labels/{name}.png           single-channel index PNG (class index per pixel)
    train_list.txt, valid_list.txt, test_list.txt   lines "images/x.jpg labels/x.png"
    label_names.txt             "bg", then the class names by index

Everything is decoded once into uint8 tensors (N x 3 x S x S images, N x S x S labels); at 256x256
2000 faces take about 0.5 GB. Images of another size are resized (bilinear for images, nearest for
labels) to the training size.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

LIST_FILES = {'train': 'train_list.txt', 'valid': 'valid_list.txt', 'test': 'test_list.txt'}


class DataError(Exception):
    """A problem with the export folder, naming the file and what is wrong."""


def read_label_names(root: str) -> list[str]:
    path = os.path.join(root, 'label_names.txt')
    if not os.path.isfile(path):
        raise DataError(f'{path}: missing (is {root} a DML-CSR export? parsel export ... --format dml-csr)')
    with open(path, encoding='utf-8') as f:
        names = [ln.strip() for ln in f if ln.strip()]
    if len(names) < 2:
        raise DataError(f'{path}: {len(names)} class names; need background and at least one class')
    if names[0] not in ('bg', 'background'):
        raise DataError(f'{path}: first class is "{names[0]}"; the DML-CSR layout has "bg" at index 0')
    return names


def flip_permutation(names: list[str]) -> list[int]:
    """Class index map for a horizontal flip: every l_X <-> r_X pair of label_names.txt swaps, the rest stay.

    Only names of the form `l_<part>` / `r_<part>` pair up (l_eye/r_eye, l_brow/r_brow, l_ear/r_ear in
    CelebAMask-HQ); `ear_r` (earring) or `neck_l` (necklace) are not sides and stay where they are.
    """
    index = {n: i for i, n in enumerate(names)}
    perm = list(range(len(names)))
    for i, n in enumerate(names):
        if n.startswith('l_') and 'r_' + n[2:] in index:
            j = index['r_' + n[2:]]
            perm[i], perm[j] = j, i
    return perm


def read_list(root: str, split: str) -> list[tuple[str, str]]:
    path = os.path.join(root, LIST_FILES[split])
    if not os.path.isfile(path):
        raise DataError(f'{path}: missing (export with --splits so that train/val/test lists are written)')
    rows = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2:
                raise DataError(f'{path}:{n}: expected "images/x.jpg labels/x.png", got "{line}"')
            rows.append((parts[0], parts[1]))
    return rows


def name_of(image_rel: str) -> str:
    return os.path.splitext(os.path.basename(image_rel))[0]


def load_image(path: str, size: int) -> np.ndarray:
    """RGB uint8, H x W x 3, resized to size x size (bilinear) when needed."""
    try:
        with Image.open(path) as im:
            im = im.convert('RGB')
            if im.size != (size, size):
                im = im.resize((size, size), Image.BILINEAR)
            return np.asarray(im, dtype=np.uint8)
    except OSError as e:
        raise DataError(f'{path}: cannot read image ({e})') from e


def load_label(path: str, size: int, num_classes: int) -> np.ndarray:
    """Index mask uint8, H x W, resized to size x size (nearest) when needed; values must be < num_classes or 255."""
    try:
        with Image.open(path) as im:
            if im.mode not in ('L', 'P'):
                raise DataError(f'{path}: expected a single-channel index PNG, got mode {im.mode}')
            if im.size != (size, size):
                im = im.resize((size, size), Image.NEAREST)
            a = np.asarray(im, dtype=np.uint8)
    except OSError as e:
        raise DataError(f'{path}: cannot read label ({e})') from e
    bad = (a >= num_classes) & (a != 255)
    if bad.any():
        y, x = np.argwhere(bad)[0]
        raise DataError(f'{path}: value {a[y, x]} at ({x}, {y}) is not a class index (label_names.txt has {num_classes})')
    return a


@dataclass
class Split:
    names: list[str]
    images: torch.Tensor  # N x 3 x S x S uint8
    labels: torch.Tensor  # N x S x S uint8 (255 = ignore)


def load_split(root: str, split: str, size: int, num_classes: int, limit: int | None = None, labels_dir: str | None = None) -> Split:
    """Decodes one split. `labels_dir` (e.g. clean_labels) reads `<labels_dir>/<name>.png` instead of the listed label."""
    rows = read_list(root, split)
    if limit is not None:
        rows = rows[:limit]
    if not rows:
        raise DataError(f'{os.path.join(root, LIST_FILES[split])}: no images')
    imgs = np.empty((len(rows), size, size, 3), np.uint8)
    labs = np.empty((len(rows), size, size), np.uint8)
    names = []
    for k, (img_rel, lbl_rel) in enumerate(rows):
        imgs[k] = load_image(os.path.join(root, img_rel), size)
        lbl_path = os.path.join(labels_dir, name_of(img_rel) + '.png') if labels_dir else os.path.join(root, lbl_rel)
        labs[k] = load_label(lbl_path, size, num_classes)
        names.append(name_of(img_rel))
    return Split(names, torch.from_numpy(imgs).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(labs))


def normalise(images_u8: torch.Tensor, mean: list[float], std: list[float]) -> torch.Tensor:
    """uint8 N x 3 x H x W -> float (x / 255 - mean) / std, as the card's input spec says."""
    m = torch.tensor(mean).view(1, 3, 1, 1)
    s = torch.tensor(std).view(1, 3, 1, 1)
    return (images_u8.float() / 255.0 - m) / s


class Augment:
    """Training augmentation on a batch (uint8 in, float normalised + long labels out).

    - horizontal flip (p = 0.5) that swaps left/right classes (flip_permutation), so a flipped left eye
      is labelled as the right eye it now looks like;
    - a small random similarity transform (scale, rotation, shift), bilinear for images and nearest
      for labels; pixels brought in from outside are edge-replicated in the image and labelled ignore
      (255), so they never teach the network anything;
    - brightness / contrast / saturation jitter.
    """

    def __init__(self, names: list[str], mean: list[float], std: list[float], generator: torch.Generator,
                 scale: float = 0.1, rotate_deg: float = 10.0, shift: float = 0.05, colour: float = 0.15):
        self.perm = torch.tensor(flip_permutation(names) + list(range(len(names), 256)), dtype=torch.uint8)
        self.mean, self.std = mean, std
        self.g = generator
        self.scale, self.rotate, self.shift, self.colour = scale, rotate_deg, shift, colour

    def _u(self, n: int, lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(n, generator=self.g)

    def __call__(self, images_u8: torch.Tensor, labels_u8: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n = images_u8.shape[0]
        imgs = images_u8.clone()
        labs = labels_u8.clone()
        flip = torch.rand(n, generator=self.g) < 0.5
        if flip.any():
            imgs[flip] = imgs[flip].flip(-1)
            labs[flip] = self.perm[labs[flip].flip(-1).long()]
        x = imgs.float() / 255.0
        if self.scale > 0 or self.rotate > 0 or self.shift > 0:
            s = self._u(n, 1 - self.scale, 1 + self.scale)
            a = self._u(n, -self.rotate, self.rotate) * (np.pi / 180)
            tx, ty = self._u(n, -self.shift, self.shift) * 2, self._u(n, -self.shift, self.shift) * 2
            cos, sin = torch.cos(a) / s, torch.sin(a) / s
            theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
            grid = F.affine_grid(theta, list(x.shape), align_corners=False)
            x = F.grid_sample(x, grid, mode='bilinear', padding_mode='border', align_corners=False)
            l = F.grid_sample(labs.unsqueeze(1).float(), grid, mode='nearest', padding_mode='zeros', align_corners=False)
            inside = F.grid_sample(torch.ones_like(l), grid, mode='nearest', padding_mode='zeros', align_corners=False)
            labs = torch.where(inside[:, 0] > 0.5, l[:, 0], torch.full_like(l[:, 0], 255)).to(torch.uint8)
        if self.colour > 0:
            b = self._u(n, -self.colour, self.colour).view(n, 1, 1, 1)
            c = self._u(n, 1 - self.colour, 1 + self.colour).view(n, 1, 1, 1)
            sat = self._u(n, 1 - self.colour, 1 + self.colour).view(n, 1, 1, 1)
            grey = x.mean(1, keepdim=True)
            x = grey + (x - grey) * sat
            mu = x.mean((1, 2, 3), keepdim=True)
            x = ((x - mu) * c + mu + b).clamp(0, 1)
        m = torch.tensor(self.mean).view(1, 3, 1, 1)
        sd = torch.tensor(self.std).view(1, 3, 1, 1)
        return (x - m) / sd, labs.long()
