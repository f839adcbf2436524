"""Network definitions for the parity check (random weights; nothing is downloaded).

- `BiSeNetFP`: BiSeNet with a ResNet-18 context path laid out as zllrunning/face-parsing.PyTorch's
  `model.py` / `resnet.py` (written here from that structure): the spatial path is replaced by the
  1/8 ResNet feature, two attention-refinement modules on the 1/16 and 1/32 features, a global-context
  branch, a feature-fusion module, three output heads, each upsampled INSIDE the network to the input
  size with bilinear interpolation, align_corners=True. `forward` returns (out, out16, out32).
  `width` scales every channel count (1.0 = the published network) for small test fixtures.
- `segformer_b0`: transformers' SegformerForSemanticSegmentation with the MiT-b0 config, random init.
- `smp_unet`: segmentation_models_pytorch Unet, ResNet-18 encoder, encoder_weights=None.

`calibrate_bn` gives the random networks realistic activations: BatchNorm running statistics are
estimated on a few images (train-mode forward passes, no weight update), so the logits are neither
exploding nor flat and the arg-max map has structure, as a trained network's would.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def _c(n: int, width: float) -> int:
    return max(4, int(round(n * width)))


class ConvBNReLU(nn.Module):
    def __init__(self, cin: int, cout: int, k: int = 3, stride: int = 1, pad: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, pad, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if cin != cout or stride != 1:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        r = F.relu(self.bn1(self.conv1(x)))
        r = self.bn2(self.conv2(r))
        s = x if self.downsample is None else self.downsample(x)
        return F.relu(s + r)


class ResNet18Features(nn.Module):
    """ResNet-18 trunk returning the 1/8, 1/16 and 1/32 features."""

    def __init__(self, width: float = 1.0):
        super().__init__()
        c64, c128, c256, c512 = (_c(n, width) for n in (64, 128, 256, 512))
        self.conv1 = nn.Conv2d(3, c64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(c64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(c64, c64), BasicBlock(c64, c64))
        self.layer2 = nn.Sequential(BasicBlock(c64, c128, 2), BasicBlock(c128, c128))
        self.layer3 = nn.Sequential(BasicBlock(c128, c256, 2), BasicBlock(c256, c256))
        self.layer4 = nn.Sequential(BasicBlock(c256, c512, 2), BasicBlock(c512, c512))

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        f8 = self.layer2(self.layer1(x))
        f16 = self.layer3(f8)
        f32 = self.layer4(f16)
        return f8, f16, f32


class AttentionRefinement(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = ConvBNReLU(cin, cout)
        self.conv_atten = nn.Conv2d(cout, cout, 1, bias=False)
        self.bn_atten = nn.BatchNorm2d(cout)

    def forward(self, x):
        f = self.conv(x)
        a = torch.sigmoid(self.bn_atten(self.conv_atten(F.adaptive_avg_pool2d(f, 1))))
        return f * a


class ContextPath(nn.Module):
    def __init__(self, width: float = 1.0):
        super().__init__()
        c128, c256, c512 = (_c(n, width) for n in (128, 256, 512))
        self.resnet = ResNet18Features(width)
        self.arm16 = AttentionRefinement(c256, c128)
        self.arm32 = AttentionRefinement(c512, c128)
        self.conv_head32 = ConvBNReLU(c128, c128)
        self.conv_head16 = ConvBNReLU(c128, c128)
        self.conv_avg = ConvBNReLU(c512, c128, 1, 1, 0)

    def forward(self, x):
        f8, f16, f32 = self.resnet(x)
        g = self.conv_avg(F.adaptive_avg_pool2d(f32, 1))
        g = F.interpolate(g, f32.shape[2:], mode="nearest")
        s32 = self.arm32(f32) + g
        up32 = self.conv_head32(F.interpolate(s32, f16.shape[2:], mode="nearest"))
        s16 = self.arm16(f16) + up32
        up16 = self.conv_head16(F.interpolate(s16, f8.shape[2:], mode="nearest"))
        return f8, up16, up32


class FeatureFusion(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.convblk = ConvBNReLU(cin, cout, 1, 1, 0)
        self.conv1 = nn.Conv2d(cout, cout // 4, 1, bias=False)
        self.conv2 = nn.Conv2d(cout // 4, cout, 1, bias=False)

    def forward(self, fsp, fcp):
        f = self.convblk(torch.cat([fsp, fcp], dim=1))
        a = torch.sigmoid(self.conv2(F.relu(self.conv1(F.adaptive_avg_pool2d(f, 1)))))
        return f * a + f


class Head(nn.Module):
    def __init__(self, cin: int, mid: int, k: int):
        super().__init__()
        self.conv = ConvBNReLU(cin, mid)
        self.conv_out = nn.Conv2d(mid, k, 1, bias=False)

    def forward(self, x):
        return self.conv_out(self.conv(x))


class BiSeNetFP(nn.Module):
    def __init__(self, n_classes: int = 19, width: float = 1.0):
        super().__init__()
        c64, c128, c256 = (_c(n, width) for n in (64, 128, 256))
        self.cp = ContextPath(width)
        # the fused features: the 1/8 ResNet feature (c128) with the context path's 1/8 feature (c128)
        self.ffm = FeatureFusion(2 * c128, c256)
        self.conv_out = Head(c256, c256, n_classes)
        self.conv_out16 = Head(c128, c64, n_classes)
        self.conv_out32 = Head(c128, c64, n_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, a=1)

    def forward(self, x):
        H, W = x.shape[2:]
        f8, cp8, cp16 = self.cp(x)
        fuse = self.ffm(f8, cp8)
        up = lambda t: F.interpolate(t, (H, W), mode="bilinear", align_corners=True)  # noqa: E731
        return up(self.conv_out(fuse)), up(self.conv_out16(cp8)), up(self.conv_out32(cp16))


def segformer_b0(num_labels: int = 19):
    from transformers import SegformerConfig, SegformerForSemanticSegmentation

    # SegformerConfig's defaults are the MiT-b0 encoder (hidden sizes 32/64/160/256, depths 2/2/2/2)
    # with a 256-wide all-MLP decoder.
    cfg = SegformerConfig(num_labels=num_labels)
    return SegformerForSemanticSegmentation(cfg)


class SegformerLogits(nn.Module):
    """Returns only the logits tensor (what `optimum-cli export onnx` names `logits`)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model(pixel_values=pixel_values).logits


def smp_unet(num_classes: int):
    import segmentation_models_pytorch as smp

    return smp.Unet("resnet18", encoder_weights=None, classes=num_classes, activation=None)


@torch.no_grad()
def calibrate_bn(net: nn.Module, batches: list[torch.Tensor]) -> None:
    """Cumulative BatchNorm running statistics from `batches` (train-mode passes), then eval()."""
    bns = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    net.train()
    for b in batches:
        net(b)
    net.eval()
