"""ParselNet: a compact encoder-decoder for face parsing, designed to train in minutes on a CPU.

Encoder: a 3x3 stem (stride 2) and depthwise-separable inverted-residual blocks down to 1/16 of the
input, with a dilated context stage and a global-pooling branch at 1/16. Decoder: three fusion steps
(upsample x2, concatenate the skip feature of that scale, depthwise-separable conv) back to 1/2, a 1x1
classifier, and a final bilinear x2 upsample so the logits have the input's size (N x K x H x W).

Every layer is Conv/BatchNorm/ReLU/Add/Concat/Resize/GlobalAveragePool: plain ONNX ops, and the
parameter names of the PyTorch module are the initializer names of the exported graph (see
onnx_io.py), which is what lets `--init model.onnx` load an export back.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1, dilation: int = 1, act: bool = True) -> nn.Sequential:
    pad = dilation * (k - 1) // 2
    layers: list[nn.Module] = [
        nn.Conv2d(cin, cout, k, stride, pad, dilation=dilation, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
    ]
    if act:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """1x1 expand -> 3x3 depthwise (stride, dilation) -> 1x1 project; residual when shapes agree."""

    def __init__(self, cin: int, cout: int, stride: int = 1, expand: int = 3, dilation: int = 1):
        super().__init__()
        mid = cin * expand
        self.use_res = stride == 1 and cin == cout
        self.block = nn.Sequential(
            conv_bn(cin, mid, 1),
            conv_bn(mid, mid, 3, stride, groups=mid, dilation=dilation),
            conv_bn(mid, cout, 1, act=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return x + y if self.use_res else y


class SepConv(nn.Module):
    """3x3 depthwise + 1x1 pointwise, each with BatchNorm and ReLU."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.dw = conv_bn(cin, cin, 3, groups=cin)
        self.pw = conv_bn(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pw(self.dw(x))


class Fuse(nn.Module):
    """Upsample the deeper feature x2, concatenate the skip, mix with a separable conv."""

    def __init__(self, cdeep: int, cskip: int, cout: int):
        super().__init__()
        self.mix = SepConv(cdeep + cskip, cout)

    def forward(self, deep: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        up = F.interpolate(deep, size=skip.shape[-2:], mode='bilinear', align_corners=False)
        return self.mix(torch.cat([up, skip], dim=1))


class ParselNet(nn.Module):
    def __init__(self, num_classes: int = 19, width: float = 1.0):
        super().__init__()
        c = lambda n: max(8, int(round(n * width / 8)) * 8)  # noqa: E731
        c1, c2, c3, c4 = c(16), c(32), c(48), c(96)
        self.stem = conv_bn(3, c1, 3, stride=2)                         # 1/2
        self.enc2 = nn.Sequential(conv_bn(c1, c2, 3, stride=2), InvertedResidual(c2, c2, expand=2))  # 1/4
        self.enc3 = nn.Sequential(InvertedResidual(c2, c3, 2), InvertedResidual(c3, c3))  # 1/8
        self.enc4 = nn.Sequential(                                      # 1/16, growing receptive field
            InvertedResidual(c3, c4, 2),
            InvertedResidual(c4, c4, dilation=2),
            InvertedResidual(c4, c4, dilation=4),
            InvertedResidual(c4, c4, dilation=8),
        )
        self.gp = conv_bn(c4, c4, 1)                                    # global context, added back
        self.dec3 = Fuse(c4, c3, c(64))                                 # 1/8
        self.dec2 = Fuse(c(64), c2, c3)                                 # 1/4
        self.to_half = conv_bn(c3, c1, 1)                               # 1/4 -> c1 channels, then up to 1/2
        self.dec1 = SepConv(c1, c1)                                     # 1/2, on (decoder + stem)
        self.head = nn.Conv2d(c1, num_classes, 1)
        self.num_classes = num_classes

    def forward_half(self, x: torch.Tensor) -> torch.Tensor:
        """Logits at half the input resolution (what the training loss is computed on)."""
        f1 = self.stem(x)
        f2 = self.enc2(f1)
        f3 = self.enc3(f2)
        f4 = self.enc4(f3)
        f4 = f4 + self.gp(F.avg_pool2d(f4, kernel_size=(int(f4.shape[2]), int(f4.shape[3]))))
        d = self.dec3(f4, f3)
        d = self.dec2(d, f2)
        d = F.interpolate(self.to_half(d), size=f1.shape[-2:], mode='bilinear', align_corners=False)
        d = self.dec1(d + f1)
        return self.head(d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits at the input resolution (N x K x H x W): the exported graph."""
        return F.interpolate(self.forward_half(x), size=x.shape[-2:], mode='bilinear', align_corners=False)


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
