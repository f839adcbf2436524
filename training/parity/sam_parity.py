"""Parity of a real SAM architecture: PyTorch (transformers' SamModel) against Parsel's promptable pipeline.

    /work/.venv-torch/bin/python training/parity/sam_parity.py [--layers 12] [--reuse]

1. SamModel(SamConfig()) with random weights (seeded): the ViT-B image encoder (12 layers, 768 wide,
   global attention in layers 2, 5, 8, 11), SAM's prompt encoder and mask decoder.
2. ONNX exports as SAM's own `export_onnx_model.py` lays them out (TorchScript exporter, opset 17):
     encoder  image [1, 3, 1024, 1024] -> image_embeddings [1, 256, 64, 64]
     decoder  image_embeddings, point_coords [1, N, 2], point_labels [1, N], mask_input [1, 1, 256, 256],
              has_mask_input [1], orig_im_size [2] -> masks [1, 4, H, W] (SAM's post-processing in the
              graph), iou_predictions [1, 4], low_res_masks [1, 4, 256, 256]
     decoder-lowres  the same without orig_im_size, masks = the low-res logits (card maskFrame "input":
              Parsel scales and cuts them itself)
   with one card each (training/parity/sam_cards.json holds nothing: the cards are written here).
3. scripts/sam-parity-run.mts: `parsel models check` of both, then per image and prompt Parsel's
   encoder input, its cached embedding, the decoder points it feeds, and its candidate masks.
4. The reference: transformers' SamProcessor (PIL resize, rescale, normalise, pad; points rescaled)
   and SamModel (multimask_output True -> masks 1..3, False -> mask 0), masks post-processed by
   `post_process_masks` and thresholded at 0. Compared: input tensor, embedding, decoder points,
   IoU predictions, and the masks pixel by pixel.

Outputs in models/generated/parity/sam/ (git-ignored): the exports, parity.json and parity.md.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from transformers import SamConfig, SamModel, SamProcessor, SamVisionConfig
from transformers.models.sam.image_processing_pil_sam import SamImageProcessorPil

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "models" / "generated" / "parity" / "sam"
S = 1024


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


class Encoder(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image):
        return self.model.vision_encoder(image)[0]


class Decoder(torch.nn.Module):
    """SAM's ONNX decoder interface over transformers' modules (all four masks, no selection)."""

    def __init__(self, model, lowres=False):
        super().__init__()
        self.m = model
        self.lowres = lowres

    def embed_points(self, coords, labels):
        pe = self.m.prompt_encoder
        x = pe.shared_embedding(((coords + 0.5) / S)[:, None])  # [1, 1, N, 256]
        lab = labels[:, None, :, None]
        x = torch.where(lab == -1, pe.not_a_point_embed.weight, x)
        for i in range(4):
            x = torch.where(lab == i, x + pe.point_embed[i].weight[None, None], x)
        return x

    def forward(self, image_embeddings, point_coords, point_labels, mask_input, has_mask_input, orig_im_size=None):
        m = self.m
        sparse = self.embed_points(point_coords, point_labels)
        dense = has_mask_input * m.prompt_encoder.mask_embed(mask_input) + (1 - has_mask_input) * m.prompt_encoder.no_mask_embed.weight.reshape(1, -1, 1, 1)
        md = m.mask_decoder
        masks, iou = decode_all(md, image_embeddings, m.get_image_wide_positional_embeddings(), sparse, dense)
        if self.lowres:
            return masks, iou
        up = F.interpolate(masks, (S, S), mode="bilinear", align_corners=False)
        scale = S / torch.max(orig_im_size)
        pre = torch.floor(orig_im_size * scale + 0.5).to(torch.int64)
        up = up[..., : pre[0], : pre[1]]
        h, w = orig_im_size.to(torch.int64)
        return F.interpolate(up, size=(h, w), mode="bilinear", align_corners=False), iou, masks


def decode_all(md, image_embeddings, image_pe, sparse, dense):
    """transformers' SamMaskDecoder.forward for one image and one prompt, returning every mask token's mask."""
    tokens = torch.cat([md.iou_token.weight, md.mask_tokens.weight], dim=0)[None, None]
    tokens = torch.cat((tokens, sparse), dim=2)
    emb = image_embeddings + dense
    _, c, h, w = emb.shape
    point_embedding, emb = md.transformer(point_embeddings=tokens, image_embeddings=emb, image_positional_embeddings=image_pe, attention_similarity=None)
    iou_out = point_embedding[:, :, 0, :]
    mask_out = point_embedding[:, :, 1 : 1 + md.num_mask_tokens, :]
    emb = emb.transpose(2, 3).reshape(1, c, h, w)
    up = md.activation(md.upscale_layer_norm(md.upscale_conv1(emb)))
    up = md.activation(md.upscale_conv2(up))
    hyper = torch.stack([md.output_hypernetworks_mlps[i](mask_out[:, :, i, :]) for i in range(md.num_mask_tokens)], dim=2)
    _, c2, h2, w2 = up.shape
    masks = (hyper @ up.reshape(1, 1, c2, h2 * w2)).reshape(1, -1, h2, w2)
    return masks, md.iou_prediction_head(iou_out)[:, 0]


def make_images():
    rng = np.random.default_rng(7)
    out = []
    for name, (w, h) in {"landscape-800x600": (800, 600), "portrait-500x700": (500, 700), "small-320x240": (320, 240)}.items():
        yy, xx = np.mgrid[0:h, 0:w]
        img = np.stack([(xx * 255 / w), (yy * 255 / h), 128 + 60 * np.sin(xx / 17.0) * np.cos(yy / 23.0)], -1)
        img += rng.normal(0, 12, img.shape)
        # a bright disc: something for the clicks to be on
        img[(xx - w * 0.4) ** 2 + (yy - h * 0.45) ** 2 < (min(w, h) * 0.18) ** 2] = (230, 200, 60)
        p = OUT / f"{name}.png"
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(p)
        prompts = [
            {"points": [{"x": w * 0.4 + 0.5, "y": h * 0.45 + 0.5, "positive": True}], "box": None},
            {"points": [{"x": w * 0.4 + 0.5, "y": h * 0.45 + 0.5, "positive": True}, {"x": w * 0.7 + 0.5, "y": h * 0.3 + 0.5, "positive": False}, {"x": w * 0.2 + 0.5, "y": h * 0.8 + 0.5, "positive": True}], "box": None},
            {"points": [], "box": {"x0": w * 0.25, "y0": h * 0.25, "x1": w * 0.6, "y1": h * 0.7}},
            {"points": [{"x": w * 0.45 + 0.5, "y": h * 0.5 + 0.5, "positive": True}], "box": {"x0": w * 0.25, "y0": h * 0.25, "x1": w * 0.6, "y1": h * 0.7}},
        ]
        out.append({"name": name, "png": str(p), "width": w, "height": h, "prompts": prompts})
    return out


def load_npy(p):
    return np.load(p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=12, help="ViT layers (12 = SAM ViT-B)")
    ap.add_argument("--reuse", action="store_true", help="keep existing exports")
    ap.add_argument("--reuse-parsel", action="store_true", help="keep Parsel's outputs of the previous run (parsel.json)")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    L = args.layers
    gidx = [i for i in (2, 5, 8, 11) if i < L] or [L - 1]
    config = SamConfig(vision_config=SamVisionConfig(num_hidden_layers=L, global_attn_indexes=gidx).to_dict())
    model = SamModel(config).eval()
    # transformers 5 leaves a model built from a config without its random init (weights ~1e-10):
    # give every layer PyTorch's own default init, as a freshly built network has.
    with torch.no_grad():
        for mod in model.modules():
            if mod is not model and hasattr(mod, "reset_parameters"):
                mod.reset_parameters()
        for name, p in model.named_parameters():
            if name.endswith("pos_embed"):
                p.normal_(0, 0.02)
            if name.endswith("positional_embedding"):
                p.normal_(0, 1.0)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"SamModel: {n_params / 1e6:.1f} M parameters, vision layers {L}, global attention {gidx}")

    enc_path = OUT / f"sam-vit-l{L}-encoder.onnx"
    dec_path = OUT / f"sam-vit-l{L}-decoder.onnx"
    low_path = OUT / f"sam-vit-l{L}-decoder-lowres.onnx"
    timings = {}
    with torch.no_grad():
        if not (args.reuse and enc_path.exists()):
            t = time.time()
            torch.onnx.export(Encoder(model), (torch.zeros(1, 3, S, S),), str(enc_path), input_names=["image"], output_names=["image_embeddings"], opset_version=17, dynamo=False)
            timings["export encoder s"] = round(time.time() - t, 1)
        emb0 = torch.zeros(1, 256, 64, 64)
        ins = (emb0, torch.tensor([[[500.0, 400.0], [0.0, 0.0]]]), torch.tensor([[1.0, -1.0]]), torch.zeros(1, 1, 256, 256), torch.zeros(1))
        dyn = {"point_coords": {1: "num_points"}, "point_labels": {1: "num_points"}}
        if not (args.reuse and dec_path.exists()):
            torch.onnx.export(
                Decoder(model), (*ins, torch.tensor([600.0, 800.0])), str(dec_path),
                input_names=["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input", "orig_im_size"],
                output_names=["masks", "iou_predictions", "low_res_masks"],
                dynamic_axes={**dyn, "masks": {2: "h", 3: "w"}}, opset_version=17, dynamo=False,
            )
        if not (args.reuse and low_path.exists()):
            torch.onnx.export(
                Decoder(model, lowres=True), ins, str(low_path),
                input_names=["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input"],
                output_names=["low_res_masks", "iou_predictions"], dynamic_axes=dyn, opset_version=17, dynamo=False,
            )
    src = {"weights": "random (torch.manual_seed(0)), transformers SamModel", "export": "training/parity/sam_parity.py"}
    (OUT / f"{dec_path.stem}.card.json").write_text(json.dumps({"name": f"SAM ViT ({L} layers, random)", "task": "promptable-segmentation", "family": "sam", "encoder": {"file": enc_path.name}, "source": src}, indent=2))
    (OUT / f"{low_path.stem}.card.json").write_text(json.dumps({
        "name": f"SAM ViT ({L} layers, random), low-res masks", "task": "promptable-segmentation", "family": "sam",
        "encoder": {"file": enc_path.name},
        "decoder": {"masks": "low_res_masks", "origImSize": None, "maskFrame": "input"}, "source": src}, indent=2))

    images = make_images()
    manifest = {"out": str(OUT / "parsel"), "decoders": [str(dec_path), str(low_path)], "images": images}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2))
    if args.reuse_parsel and (OUT / "parsel.json").exists():
        parsel = json.loads((OUT / "parsel.json").read_text())
    else:
        log("Parsel (scripts/sam-parity-run.mts)")
        t = time.time()
        r = subprocess.run(["npx", "tsx", "scripts/sam-parity-run.mts", str(OUT / "manifest.json")], cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"sam-parity-run failed ({r.returncode}):\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}")
        parsel = json.loads(r.stdout.strip().splitlines()[-1])
        (OUT / "parsel.json").write_text(json.dumps(parsel))
        timings["parsel s"] = round(time.time() - t, 1)

    proc = SamProcessor(image_processor=SamImageProcessorPil())
    rows = []
    for im in images:
        pil = Image.open(im["png"]).convert("RGB")
        base = Path(manifest["out"]) / im["name"]
        t = time.time()
        enc_in = proc(images=pil, return_tensors="pt")
        with torch.no_grad():
            emb = model.get_image_embeddings(enc_in["pixel_values"])
        torch_encode_s = time.time() - t
        p_in = load_npy(base / "input.npy")
        p_emb = load_npy(base / "embedding.npy")
        with torch.no_grad():
            emb_same = model.get_image_embeddings(torch.from_numpy(p_in)).numpy()
        row = {
            "image": im["name"],
            "size": f"{im['width']}x{im['height']}",
            "reshaped": list(map(int, enc_in["reshaped_input_sizes"][0])),
            "input max |d|": float(np.abs(p_in - enc_in["pixel_values"].numpy()).max()),
            "embedding max |d|": float(np.abs(p_emb - emb.numpy()).max()),
            "embedding same input max |d|": float(np.abs(p_emb - emb_same).max()),
            "embedding scale": float(np.abs(emb.numpy()).max()),
            "torch encode s": round(torch_encode_s, 2),
            "prompts": [],
        }
        for j, pr in enumerate(im["prompts"]):
            kw = {}
            pts = [[p["x"] - 0.5, p["y"] - 0.5] for p in pr["points"]]
            if pts:
                kw["input_points"] = [[pts]]
                kw["input_labels"] = [[[1 if p["positive"] else 0 for p in pr["points"]]]]
            if pr["box"]:
                b = pr["box"]
                kw["input_boxes"] = [[[b["x0"] - 0.5, b["y0"] - 0.5, b["x1"] - 0.5, b["y1"] - 0.5]]]
            inp = proc(images=pil, return_tensors="pt", **kw)
            ref_pts = []
            if pts:
                ref_pts += inp["input_points"][0, 0].reshape(-1).tolist()
            if pr["box"]:
                ref_pts += inp["input_boxes"][0, 0].reshape(-1).tolist()
            fed = load_npy(base / f"p{j}_coords.npy").reshape(-1).tolist()
            fed = fed[: len(ref_pts)]
            args_m = {k: inp[k] for k in ("input_points", "input_labels", "input_boxes") if k in inp}

            def reference(e):
                with torch.no_grad():
                    multi = model(image_embeddings=e, multimask_output=True, **args_m)
                    single = model(image_embeddings=e, multimask_output=False, **args_m)
                out_ref = {}
                for out, idx in ((single, [0]), (multi, [1, 2, 3])):
                    mk = proc.post_process_masks(out.pred_masks, inp["original_sizes"], inp["reshaped_input_sizes"])[0][0].numpy()
                    for k, i in enumerate(idx):
                        out_ref[i] = (mk[k], float(out.iou_scores[0, 0, k]))
                return out_ref

            ref = reference(emb)
            ref_same = reference(torch.from_numpy(p_emb))
            pres = {}
            for d in range(2):
                meta = json.loads((base / f"d{d}_p{j}.json").read_text())
                masks = load_npy(base / f"d{d}_p{j}_masks.npy")
                agree = []
                for k, c in enumerate(meta["candidates"]):
                    rm, rs = ref[c["index"]]
                    rm2, rs2 = ref_same[c["index"]]
                    agree.append({
                        "index": c["index"], "agree %": float((masks[k] == rm).mean() * 100), "ref area": int(rm.sum()), "area": int(masks[k].sum()), "score |d|": abs(c["score"] - rs),
                        "agree same embedding %": float((masks[k] == rm2).mean() * 100), "differ same embedding px": int((masks[k] != rm2).sum()), "score same embedding |d|": abs(c["score"] - rs2),
                    })
                pres[f"decoder{d}"] = {"order": [c["index"] for c in meta["candidates"]], "masks": agree, "decodeMs": meta["decodeMs"]}
            row["prompts"].append({"prompt": j, "points |d|": float(np.abs(np.array(fed) - np.array(ref_pts)).max()) if ref_pts else 0.0, **pres})
        rows.append(row)
        log(row["image"], "input", row["input max |d|"], "embedding", row["embedding max |d|"])

    result = {"parsel": parsel, "rows": rows, "timings": timings, "layers": L, "parameters M": round(n_params / 1e6, 1), "torch": torch.__version__}
    (OUT / "parity.json").write_text(json.dumps(result, indent=2))
    lines = ["| image | reshaped | input max \\|Δ\\| | embedding max \\|Δ\\|: own input / Parsel's input (scale) | prompt | points max \\|Δ\\| | decoder | order | mask agreement %, PyTorch's own pipeline (per index) | pixels differing, PyTorch decoder on Parsel's embedding | IoU-score max \\|Δ\\| own / same embedding |", "|---|---|---:|---:|---|---:|---|---|---|---|---:|"]
    names = ["1 click", "2 pos + 1 neg", "box", "box + click"]
    for row in rows:
        for pr in row["prompts"]:
            for d in ("decoder0", "decoder1"):
                r2 = pr[d]
                ag = ", ".join(f"{m['index']}: {m['agree %']:.3f}" for m in r2["masks"])
                sd = max(m["score |d|"] for m in r2["masks"])
                sd2 = max(m["score same embedding |d|"] for m in r2["masks"])
                px = ", ".join(f"{m['index']}: {m['differ same embedding px']}" for m in r2["masks"])
                lines.append(f"| {row['image']} | {row['reshaped'][1]}x{row['reshaped'][0]} | {row['input max |d|']:.2g} | {row['embedding max |d|']:.2g} / {row['embedding same input max |d|']:.2g} ({row['embedding scale']:.2g}) | {names[pr['prompt']]} | {pr['points |d|']:.2g} | {'image frame' if d == 'decoder0' else 'low-res, input frame'} | {r2['order']} | {ag} | {px} | {sd:.2g} / {sd2:.2g} |")
    (OUT / "parity.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(json.dumps({"parsel": parsel, "timings": timings}))


if __name__ == "__main__":
    main()
