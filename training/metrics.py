"""Face-parsing metrics with the project's conventions (FORMATS.md "Evaluation conventions",
src/shared/metrics/confusion.ts):

- one confusion matrix SUMMED over the whole set (rows = reference labels, columns = prediction);
  pixels where the reference is the ignore value (255) are dropped;
- per-class F1 = 2 TP / (GT + Pred), IoU = TP / (GT + Pred - TP); a class with no pixels in either
  map is NaN (not defined) and the means skip it;
- mean F1 over the foreground classes (every class except background, index 0);
- mIoU over ALL classes including background.
"""
from __future__ import annotations

import numpy as np


class Confusion:
    def __init__(self, k: int, ignore: int = 255):
        self.k = k
        self.ignore = ignore
        self.m = np.zeros((k, k), np.int64)

    def add(self, reference: np.ndarray, prediction: np.ndarray) -> 'Confusion':
        r = reference.reshape(-1).astype(np.int64)
        p = prediction.reshape(-1).astype(np.int64)
        keep = (r != self.ignore) & (p != self.ignore) & (r < self.k) & (p < self.k)
        self.m += np.bincount(r[keep] * self.k + p[keep], minlength=self.k * self.k).reshape(self.k, self.k)
        return self

    def per_class(self) -> tuple[np.ndarray, np.ndarray]:
        tp = np.diag(self.m).astype(np.float64)
        gt = self.m.sum(1).astype(np.float64)
        pr = self.m.sum(0).astype(np.float64)
        with np.errstate(invalid='ignore', divide='ignore'):
            f1 = np.where(gt + pr > 0, 2 * tp / (gt + pr), np.nan)
            iou = np.where(gt + pr > 0, tp / (gt + pr - tp), np.nan)
        return f1, iou

    def mean_f1(self, background: int = 0) -> float:
        f1, _ = self.per_class()
        fg = np.delete(f1, background)
        return float(np.nanmean(fg)) if np.isfinite(fg).any() else float('nan')

    def miou(self) -> float:
        _, iou = self.per_class()
        return float(np.nanmean(iou)) if np.isfinite(iou).any() else float('nan')

    def pixel_accuracy(self) -> float:
        return float(np.trace(self.m) / max(1, self.m.sum()))
