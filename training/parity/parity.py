"""Parity of Parsel's inference with PyTorch on the architectures users bring (random weights).

    /work/.venv-torch/bin/python training/parity/parity.py [--out models/generated/parity] [--quick]

Steps (everything lands under --out, git-ignored):
 1. synthetic faces from Parsel's own generator (scripts/parity-run.mts images): four calibration faces,
    one face at each model size (M512, M448), a larger photo (D, 800×688: Parsel downscales it) and a
    smaller one (U, 360×312: upscaled);
 2. the networks (archs.py) with random weights, BatchNorm statistics calibrated on the four faces;
 3. torch.onnx.export per architecture × opset 13/17 × fixed 512² / dynamic H, W (the dynamic export is
    traced at 512² but its card says 448², so Parsel really runs it at another size), with the legacy
    TorchScript exporter (dynamo=False: the only one that writes opset 13 and 17), plus one export per
    architecture with torch's default exporter (dynamo=True: opset 18, weights in <name>.onnx.data);
    one card per export;
 4. scripts/parity-run.mts run: `parsel models check`, Parsel's tensor and softmax at model resolution,
    and the engine end to end (probabilities quantised to 1/255 as Parsel caches them) on every image;
 5. the same images through PyTorch twice: with the architecture's OWN conventions (resize filter,
    normalisation, upsampling of its original repository) and with Parsel's conventions on Parsel's own
    resized pixels; comparison table to <out>/parity.md and <out>/parity.json.

The UNet card is a face-crop card (as models/smp-unet-lapa.card.json) with margin 0 and no squaring,
given one face box covering the image, so its pixels go through Parsel's crop resampler (sampleFrame)
rather than sharp.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
import archs  # noqa: E402

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
IMAGES = {  # name: (width, height, seed)
    "calib0": (512, 512, 101), "calib1": (512, 512, 102), "calib2": (512, 512, 103), "calib3": (512, 512, 104),
    "M512": (512, 512, 11), "M448": (448, 448, 12), "D": (800, 688, 13), "U": (360, 312, 14),
}

# Per architecture: labels schema, classes, graph names, card extras, and the original conventions.
ARCHS = {
    "bisenet": dict(labels="celebamask-hq-b", classes=19, input="input", outputs=["out", "out16", "out32"], out="out",
                    resize="PIL bilinear (test.py: img.resize((512, 512), Image.BILINEAR))",
                    norm="ToTensor + Normalize(ImageNet mean/std), RGB",
                    upsample="in the graph: logits bilinear to the input size, align_corners=True; to the image: the same"),
    "segformer": dict(labels="celebamask-hq-a", classes=19, input="pixel_values", outputs=["logits"], out="logits",
                      resize="SegformerImageProcessor: PIL bilinear to 512×512",
                      norm="rescale 1/255 + ImageNet mean/std, RGB",
                      upsample="post_process_semantic_segmentation: logits bilinear, align_corners=False, then argmax"),
    "unet": dict(labels="lapa-11", classes=11, input="input", outputs=["logits"], out="logits",
                 resize="cv2.resize INTER_LINEAR (albumentations Resize default; smp prescribes none)",
                 norm="ImageNet mean/std on 0..1 RGB (smp resnet18 'imagenet' preprocessing)",
                 upsample="none in smp; logits bilinear, align_corners=False assumed"),
}


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def tsx(*args: str) -> str:
    r = subprocess.run(["npx", "tsx", "scripts/parity-run.mts", *args], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"parity-run.ts {args[0]} failed ({r.returncode}):\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}")
    return r.stdout


def load_png(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


# ---------------------------------------------------------------------------------------------------
# Pre-processing: each architecture's own, and normalisation of given pixels.

def normalise(rgb: np.ndarray) -> torch.Tensor:
    """torchvision ToTensor + Normalize, as face-parsing.PyTorch and most repos: uint8 HWC RGB → 1×3×H×W."""
    x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).float().div(255)
    m = torch.tensor(MEAN).view(3, 1, 1)
    s = torch.tensor(STD).view(3, 1, 1)
    return ((x - m) / s).unsqueeze(0)


def own_resize(arch: str, rgb: np.ndarray, S: int) -> np.ndarray:
    if rgb.shape[0] == S and rgb.shape[1] == S:
        return rgb
    if arch in ("bisenet", "segformer"):
        return np.asarray(Image.fromarray(rgb).resize((S, S), Image.BILINEAR))
    import cv2
    return cv2.resize(rgb, (S, S), interpolation=cv2.INTER_LINEAR)


def own_input(arch: str, rgb: np.ndarray, S: int) -> torch.Tensor:
    if arch == "segformer":
        from transformers import SegformerImageProcessor
        proc = SegformerImageProcessor(size={"height": S, "width": S})
        return proc(images=Image.fromarray(rgb), return_tensors="pt")["pixel_values"].float()
    return normalise(own_resize(arch, rgb, S))


def own_to_image(arch: str, logits: torch.Tensor, H: int, W: int) -> torch.Tensor:
    """Probabilities at the image size by the architecture's own convention (see ARCHS[arch].upsample)."""
    if logits.shape[2:] == (H, W):
        return logits.softmax(1)
    ac = arch == "bisenet"
    return F.interpolate(logits, (H, W), mode="bilinear", align_corners=ac).softmax(1)


def parsel_to_image(logits: torch.Tensor, H: int, W: int) -> torch.Tensor:
    """Parsel's convention: softmax at model resolution, probabilities bilinear (half-pixel) to the image."""
    p = logits.softmax(1)
    if p.shape[2:] == (H, W):
        return p
    return F.interpolate(p, (H, W), mode="bilinear", align_corners=False)


# ---------------------------------------------------------------------------------------------------

class Wrapped(torch.nn.Module):
    """What gets exported: the network with the input/output names of the card."""

    def __init__(self, arch: str, net: torch.nn.Module):
        super().__init__()
        self.arch = arch
        self.net = net

    def forward(self, x):
        if self.arch == "segformer":
            return self.net(pixel_values=x).logits
        return self.net(x)


def build(arch: str, calib: list[np.ndarray], width: float = 1.0) -> Wrapped:
    torch.manual_seed({"bisenet": 1, "segformer": 2, "unet": 3}[arch])
    if arch == "bisenet":
        net = archs.BiSeNetFP(19, width=width)
    elif arch == "segformer":
        net = archs.segformer_b0(19)
    else:
        net = archs.smp_unet(11)
    w = Wrapped(arch, net)
    batch = torch.cat([normalise(c) for c in calib])
    archs.calibrate_bn(w, [batch[i:i + 2] for i in range(0, len(batch), 2)])
    return w.eval()


def logits_of(model: Wrapped, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        o = model(x)
    return o[0] if isinstance(o, (tuple, list)) else o


def export(model: Wrapped, arch: str, path: Path, opset: int, dynamic: bool, dynamo: bool, reuse: bool = False) -> dict:
    a = ARCHS[arch]
    if reuse and path.exists():
        import onnx
        m = onnx.load(str(path), load_external_data=False)
        ext = os.path.exists(str(path) + ".data")
        return dict(seconds=0.0, opset=[o.version for o in m.opset_import if o.domain in ("", "ai.onnx")][0],
                    external_data=ext, bytes=os.path.getsize(path) + (os.path.getsize(str(path) + ".data") if ext else 0))
    x = torch.zeros(1, 3, 512, 512)
    kw: dict = dict(input_names=[a["input"]], output_names=a["outputs"], opset_version=opset, dynamo=dynamo)
    if dynamic:
        axes = {0: "batch", 2: "height", 3: "width"}
        kw["dynamic_axes"] = {a["input"]: axes, **{o: axes for o in a["outputs"]}}
    t = time.time()
    with torch.no_grad():
        torch.onnx.export(model, (x,), str(path), **kw)
    import onnx
    m = onnx.load(str(path), load_external_data=False)
    ext = os.path.exists(str(path) + ".data")
    return dict(seconds=round(time.time() - t, 1), opset=[o.version for o in m.opset_import if o.domain in ("", "ai.onnx")][0],
                external_data=ext, bytes=os.path.getsize(path) + (os.path.getsize(str(path) + ".data") if ext else 0))


def write_card(arch: str, path: Path, S: int, desc: str) -> None:
    a = ARCHS[arch]
    card = {
        "name": f"parity {path.stem}",
        "description": desc,
        "input": {"name": a["input"], "width": S, "height": S, "layout": "NCHW", "colorOrder": "RGB", "scale": 1 / 255,
                  "mean": list(MEAN), "std": list(STD), "resize": "stretch", "interpolation": "bilinear"},
        "output": {"name": a["out"], "kind": "logits", "layout": "NCHW"},
        "labels": a["labels"],
        "expects": "face" if arch == "unet" else "image",
        "source": {"weights": "random (training/parity/parity.py)", "export": "training/parity/parity.py"},
    }
    if arch == "unet":
        card["crop"] = {"margin": 0, "square": False}
    path.with_suffix("").with_suffix(".card.json").write_text(json.dumps(card, indent=2) + "\n")


def stats(parsel_q: np.ndarray, parsel_labels: np.ndarray, ref: torch.Tensor) -> dict:
    """Parsel's quantised probabilities (uint8) and labels against float reference probabilities."""
    r = ref[0].numpy()
    d = np.abs(parsel_q.astype(np.float32) / 255 - r)
    agree = float((parsel_labels == r.argmax(0)).mean())
    return dict(max_abs=float(d.max()), agree=agree)


def run(args) -> None:
    out = Path(args.out).resolve()
    img_dir = out / "images"
    exp_dir = out / "exports"
    res_dir = out / "results"
    for d in (img_dir, exp_dir, res_dir):
        d.mkdir(parents=True, exist_ok=True)
    spec = {"out": str(img_dir), "images": [dict(name=n, width=w, height=h, seed=s) for n, (w, h, s) in IMAGES.items()]}
    (out / "images.json").write_text(json.dumps(spec))
    log("images (Parsel's synthetic faces)")
    tsx("images", str(out / "images.json"))
    imgs = {n: load_png(img_dir / f"{n}.png") for n in IMAGES}
    calib = [imgs[f"calib{i}"] for i in range(4)]

    arch_list = args.archs.split(",")
    variants = [(13, False, False), (13, True, False), (17, False, False), (17, True, False), (17, False, True)]
    if args.quick:
        variants = [(17, False, False), (17, True, False)]
    models: dict[str, Wrapped] = {}
    manifest = {"out": str(res_dir), "exports": []}
    meta: dict[str, dict] = {}
    failures: list[dict] = []
    for arch in arch_list:
        log(f"build {arch}")
        models[arch] = build(arch, calib)
        for opset, dyn, dynamo in variants:
            eid = f"{arch}-op{opset}-{'dynamic' if dyn else 'fixed'}" + ("-dynamo" if dynamo else "")
            path = exp_dir / f"{eid}.onnx"
            S = 448 if dyn else 512
            exporter = "dynamo=True (torch default)" if dynamo else "dynamo=False (TorchScript)"
            try:
                info = export(models[arch], arch, path, opset, dyn, dynamo, reuse=args.reuse)
            except Exception as err:  # noqa: BLE001 - an export that fails is a finding, reported in the table
                msg = str(err).strip().splitlines()[-1][:300]
                failures.append(dict(id=eid, opset_asked=opset, exporter=exporter, error=msg))
                log(f"export {eid} FAILED: {msg}")
                if arch != "segformer":
                    continue
                # transformers' default attention is scaled_dot_product_attention (ONNX opset >= 14);
                # the eager implementation (matmul + softmax) exports at opset 13.
                models[arch].net.set_attn_implementation("eager")
                eid += "-eager"
                path = exp_dir / f"{eid}.onnx"
                exporter += ", attn_implementation=eager"
                try:
                    info = export(models[arch], arch, path, opset, dyn, dynamo, reuse=args.reuse)
                finally:
                    models[arch].net.set_attn_implementation("sdpa")
            write_card(arch, path, S, f"{arch}, random weights, opset asked {opset} (written {info['opset']}), "
                       f"{'dynamic H/W, traced at 512, run at 448' if dyn else 'fixed 512'}, exporter {exporter}")
            meta[eid] = dict(arch=arch, opset_asked=opset, dynamic=dyn, exporter=exporter, S=S, **info)
            log(f"exported {eid}: {info}")
            mimg = f"M{S}"
            manifest["exports"].append({"id": eid, "onnx": str(path), "modelImage": mimg,
                                        "images": [[n, str(img_dir / f"{n}.png")] for n in (mimg, "D", "U")]})
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    log("Parsel (scripts/parity-run.mts run)")
    t = time.time()
    runlog = tsx("run", str(out / "manifest.json"))
    log(f"Parsel done in {time.time() - t:.0f} s")
    runs = {j["id"]: j for j in (json.loads(l) for l in runlog.splitlines() if l.startswith("{"))}

    # PyTorch references, cached per (arch, S, image).
    refs: dict = {}

    def ref(arch: str, S: int, name: str) -> dict:
        key = (arch, S, name)
        if key in refs:
            return refs[key]
        rgb = imgs[name]
        H, W = rgb.shape[:2]
        L_own = logits_of(models[arch], own_input(arch, rgb, S))
        r = dict(own_input=own_input(arch, rgb, S), L_own=L_own, own=own_to_image(arch, L_own, H, W))
        refs[key] = r
        return r

    rows = []
    conv = {}
    for eid, m in meta.items():
        arch, S = m["arch"], m["S"]
        d = res_dir / eid
        check = json.loads((d / "check.json").read_text())
        row = dict(id=eid, **{k: m[k] for k in ("arch", "opset_asked", "opset", "dynamic", "exporter", "S", "external_data", "bytes")},
                   check_ok=bool(check["exitCode"] == 0 and check["check"].get("ok")),
                   check_problems=check["check"].get("problems", []), run=runs.get(eid))
        mimg = f"M{S}"
        r = ref(arch, S, mimg)
        # (a) Parsel's input tensor vs the architecture's own pre-processing (no resize: image at model size)
        pin = np.load(d / "input.npy")
        row["input_max_abs"] = float(np.abs(pin - r["own_input"].numpy()).max())
        # (b) model resolution: Parsel's softmax of the ONNX output vs PyTorch's softmax of the logits
        pm = np.load(d / "probs_model.npy")
        tm = r["L_own"].softmax(1)[0].numpy()
        row["model_res"] = dict(shape=list(pm.shape), max_abs=float(np.abs(pm - tm).max()),
                                agree=float((pm.argmax(0) == tm.argmax(0)).mean()))
        # (c) image resolution, the engine end to end
        row["image_res"] = {}
        for name in (mimg, "D", "U"):
            rgb = imgs[name]
            H, W = rgb.shape[:2]
            pq = np.load(d / f"{name}_probs.npy")
            pl = np.load(d / f"{name}_labels.npy")
            if (d / f"{name}_resized.npy").exists():
                px = np.load(d / f"{name}_resized.npy")
            else:
                px = rgb
            L_p = logits_of(models[arch], normalise(px))
            same_conv = parsel_to_image(L_p, H, W)
            e = dict(impl=stats(pq, pl, same_conv), own=stats(pq, pl, ref(arch, S, name)["own"]))
            if name != mimg:
                own_px = own_resize(arch, rgb, S)
                e["resize_pixels_max_abs"] = int(np.abs(own_px.astype(int) - px.astype(int)).max())
                e["resize_pixels_mean_abs"] = float(np.abs(own_px.astype(int) - px.astype(int)).mean())
            row["image_res"][name] = e
            if eid.endswith("-op17-fixed") and name != mimg:
                # Convention effects (PyTorch alone): resize filter, and how the image size is reached.
                rr = ref(arch, S, name)
                own_lab = rr["own"][0].argmax(0)
                c = {}
                L_own = rr["L_own"]
                c["resize_only"] = float((own_to_image(arch, L_p, H, W)[0].argmax(0) == own_lab).float().mean())
                c["upsample_only"] = float((parsel_to_image(L_own, H, W)[0].argmax(0) == own_lab).float().mean())
                # Context: how fragile the random network is. The own pipeline again with the resized
                # pixels nudged by ±1 grey level at as many pixels as the two resizes differ at.
                own_px = own_resize(arch, rgb, S).astype(np.int16)
                frac = float((own_px != px).mean())
                g = np.random.default_rng(0)
                nudged = np.clip(own_px + (g.random(own_px.shape) < frac) * g.choice([-1, 1], own_px.shape), 0, 255).astype(np.uint8)
                c["nudge_fraction"] = frac
                c["nudged_only"] = float((own_to_image(arch, logits_of(models[arch], normalise(nudged)), H, W)[0].argmax(0) == own_lab).float().mean())
                lab = own_lab.numpy()
                c["boundary_fraction"] = float(((lab[1:, :-1] != lab[:-1, :-1]) | (lab[:-1, 1:] != lab[:-1, :-1])).mean())
                c["pixels_max_abs"] = e.get("resize_pixels_max_abs")
                c["pixels_mean_abs"] = e.get("resize_pixels_mean_abs")
                conv[f"{arch}:{name}"] = c
        rows.append(row)
        log(f"{eid}: check {'ok' if row['check_ok'] else 'FAILED'}, input {row['input_max_abs']:.2e}, "
            f"model-res max {row['model_res']['max_abs']:.2e} agree {row['model_res']['agree']:.5f}, "
            + ", ".join(f"{n} impl {v['impl']['max_abs']:.4f}/{v['impl']['agree']:.5f} own {v['own']['agree']:.4f}" for n, v in row["image_res"].items()))
    (out / "parity.json").write_text(json.dumps(dict(rows=rows, conventions=conv, failures=failures, archs=ARCHS), indent=1))
    (out / "parity.md").write_text(table(rows, conv) + "".join(f"\nExport failed: {f['id']} ({f['exporter']}): {f['error']}\n" for f in failures))
    log(f"wrote {out / 'parity.md'}")


def pct(x: float) -> str:
    return f"{100 * x:.3f} %"


def table(rows: list[dict], conv: dict) -> str:
    L = ["| export | opset (asked → written) | size | check | input Δ | model res: max \\|Δp\\| / arg-max | M: max \\|Δp\\| / arg-max | D 800×688: max \\|Δp\\| / arg-max | U 360×312: max \\|Δp\\| / arg-max | D / U arg-max vs own convention |",
         "|---|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ir = r["image_res"]
        m = ir[f"M{r['S']}"]["impl"]
        dd, uu = ir["D"], ir["U"]
        L.append(f"| {r['id']} | {r['opset_asked']} → {r['opset']}{' (+.data)' if r['external_data'] else ''} | {r['S']}² | "
                 f"{'ok' if r['check_ok'] else 'FAIL: ' + '; '.join(r['check_problems'])[:120]} | {r['input_max_abs']:.1e} | "
                 f"{r['model_res']['max_abs']:.1e} / {pct(r['model_res']['agree'])} | {m['max_abs']:.4f} / {pct(m['agree'])} | "
                 f"{dd['impl']['max_abs']:.4f} / {pct(dd['impl']['agree'])} | {uu['impl']['max_abs']:.4f} / {pct(uu['impl']['agree'])} | "
                 f"{pct(dd['own']['agree'])} / {pct(uu['own']['agree'])} |")
    L.append("")
    L.append("| arch:image | resized pixels: max / mean \\|Δ\\| (grey levels) | arg-max agreement with the own convention, only the resize Parsel's | only the upsampling Parsel's | own pixels ±1 at as many pixels (fragility) | boundary pixels of the own label map |")
    L.append("|---|---:|---:|---:|---:|---:|")
    for k, c in conv.items():
        L.append(f"| {k} | {c['pixels_max_abs']} / {c['pixels_mean_abs']:.3f} | {pct(c['resize_only'])} | {pct(c['upsample_only'])} | "
                 f"{pct(c['nudged_only'])} ({100 * c['nudge_fraction']:.1f} % of values) | {100 * c['boundary_fraction']:.1f} % |")
    return "\n".join(L) + "\n"


def fixture(dest: Path) -> None:
    """The CI fixture: a reduced-width BiSeNet (width 1/8, 128²) exported with torch's default exporter
    (opset 18, weights in <name>.onnx.data), its card, a 128² synthetic face (PNG) and PyTorch's
    probabilities for it, quantised as Parsel quantises (round(p * 255), uint8 K×H×W) plus the arg-max
    of the float probabilities. test/integration/parity.test.ts runs it through Parsel's engine."""
    dest.mkdir(parents=True, exist_ok=True)
    tmp = dest / "_images"
    spec = {"out": str(tmp), "images": [dict(name=n, width=128, height=128, seed=s) for n, s in
                                        (("face", 21), ("c0", 201), ("c1", 202), ("c2", 203), ("c3", 204))]}
    (dest / "_images.json").write_text(json.dumps(spec))
    tsx("images", str(dest / "_images.json"))
    imgs = {n["name"]: load_png(tmp / f"{n['name']}.png") for n in spec["images"]}
    torch.manual_seed(5)
    net = archs.BiSeNetFP(19, width=0.125)
    archs.calibrate_bn(net, [torch.cat([normalise(imgs[f"c{i}"]) for i in range(4)])])
    path = dest / "bisenet-tiny.onnx"
    with torch.no_grad():
        torch.onnx.export(net, (torch.zeros(1, 3, 128, 128),), str(path), input_names=["input"],
                          output_names=["out", "out16", "out32"], opset_version=17)
    write_card("bisenet", path, 128, "BiSeNet (face-parsing.PyTorch layout), width 1/8, random weights; "
               "exported by torch.onnx.export with its defaults (dynamo: opset 18, weights in bisenet-tiny.onnx.data)")
    card = json.loads(path.with_suffix("").with_suffix(".card.json").read_text())
    card["name"] = "parity fixture: tiny BiSeNet 128²"
    card["source"]["export"] = "training/parity/parity.py --fixture test/fixtures/parity"
    path.with_suffix("").with_suffix(".card.json").write_text(json.dumps(card, indent=2) + "\n")
    Image.fromarray(imgs["face"]).save(dest / "face-128.png")
    with torch.no_grad():
        p = net(normalise(imgs["face"]))[0].softmax(1)[0].numpy()
    np.save(dest / "expected-probs-u8.npy", np.round(p * 255).astype(np.uint8))
    np.save(dest / "expected-labels.npy", p.argmax(0).astype(np.uint8))
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    (dest / "_images.json").unlink()
    sizes = {f.name: f.stat().st_size for f in sorted(dest.iterdir())}
    log(f"fixture in {dest}: {sizes}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixture", help="write the CI fixture (tiny BiSeNet) to this folder and stop")
    ap.add_argument("--out", default=str(ROOT / "models" / "generated" / "parity"))
    ap.add_argument("--archs", default="bisenet,segformer,unet")
    ap.add_argument("--quick", action="store_true", help="opset 17 fixed and dynamic only")
    ap.add_argument("--reuse", action="store_true", help="keep exports already in --out (same seeds give the same weights)")
    a = ap.parse_args()
    if a.fixture:
        fixture(Path(a.fixture).resolve())
    else:
        run(a)
