"""ONNX export with a Parsel card, and loading an export's weights back (`--init`).

Export: `torch.onnx.export(..., dynamo=True)` at opset 18 without the exporter's own optimiser, then
the same onnxscript passes the exporter would run (constant folding, the default rewrite rules,
dead-node removal) EXCEPT the BatchNorm-into-Conv fusion, then onnx's version converter to opset 17.
Keeping BatchNormalization nodes is deliberate: every initializer keeps the name of the PyTorch
parameter or buffer it holds (`enc2.1.block.0.1.running_mean`, ...), which is what lets
  - `--init model.onnx` load an export back into the network by name, and
  - `parsel average` (DML-CSR eq. 6) average weights AND normalisation statistics exactly as the
    PyTorch-side average of the state dicts does (checked by finish.py).
The card goes into the ONNX metadata key `parsel.card` and beside the file as `<name>.card.json`.
"""
from __future__ import annotations

import json
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper, version_converter

CARD_KEY = 'parsel.card'
# What train.py needs to rebuild the network of an export (--init): {"arch", "width", "size", "classes"}.
TRAINING_KEY = 'parsel.training'
OPSET = 17


def make_card(name: str, description: str, size: int, mean: list[float], std: list[float], labels: str, notes: str) -> dict:
    return {
        'format': 'parsel-model-card/1',
        'name': name,
        'description': description,
        'task': 'face-parsing',
        'input': {
            'name': 'input', 'width': size, 'height': size, 'layout': 'NCHW', 'colorOrder': 'RGB',
            'scale': 1 / 255, 'mean': mean, 'std': std, 'resize': 'stretch', 'interpolation': 'bilinear', 'padValue': 0,
        },
        'output': {'name': 'logits', 'kind': 'logits', 'layout': 'NCHW'},
        'labels': labels,
        'expects': 'image',
        'source': {
            'weights': 'trained from scratch by training/ in the Parsel repository on synthetic faces made by Parsel (src/shared/synth)',
            'license': 'MIT',
            'export': f'torch {torch.__version__}, torch.onnx.export(dynamo=True) opset {OPSET}, BatchNormalization kept '
                      '(initializer names = PyTorch state-dict names), input "input" 1x3xHxW float NCHW with a dynamic batch axis, output "logits"',
            'notes': notes,
        },
    }


def _optimise_keep_batchnorm(model) -> None:
    import onnx_ir as ir
    import onnx_ir.passes.common as cp
    from onnxscript import rewriter
    from onnxscript.optimizer import _constant_folding

    rules = [r for r in rewriter._DEFAULT_REWRITE_RULES if 'batchnorm' not in str(getattr(r, 'name', r)).lower()]
    ir.passes.Sequential(
        cp.InlinePass(),
        ir.passes.PassManager(
            [
                _constant_folding.FoldConstantsPass(shape_inference=True, input_size_limit=8192, output_size_limit=8192),
                rewriter.RewritePass(rules),
                cp.RemoveUnusedNodesPass(),
                cp.RemoveUnusedFunctionsPass(),
                cp.RemoveUnusedOpsetsPass(),
            ],
            steps=2,
            early_stop=True,
        ),
        cp.RemoveUnusedNodesPass(),
        cp.LiftConstantsToInitializersPass(lift_all_constants=True, size_limit=0),
        cp.CommonSubexpressionEliminationPass(),
        cp.NameFixPass(),
    )(model)


def state_names(net: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The float tensors of the state dict (parameters and BN running statistics; not num_batches_tracked)."""
    return {k: v for k, v in net.state_dict().items() if v.is_floating_point()}


def export_onnx(net: torch.nn.Module, path: str, size: int, card: dict, training: dict | None = None) -> None:
    """Writes `path` (one self-contained file, card in metadata) and `<stem>.card.json`."""
    import onnx_ir as ir

    net = net.eval()
    dummy = torch.zeros(2, 3, size, size)
    prog = torch.onnx.export(
        net, (dummy,), None, opset_version=18, dynamo=True, optimize=False, verbose=False,
        input_names=['input'], output_names=['logits'],
        dynamic_shapes={'x': {0: torch.export.Dim('batch', min=1, max=1024)}},
    )
    model = prog.model
    _optimise_keep_batchnorm(model)
    proto = ir.serde.serialize_model(model)
    proto = version_converter.convert_version(proto, OPSET)
    names = {t.name for t in proto.graph.initializer}
    missing = [k for k in state_names(net) if k not in names]
    if missing:
        raise RuntimeError(f'export of {path}: state-dict entries without an initializer of the same name: {missing[:5]}')
    del proto.metadata_props[:]
    entry = proto.metadata_props.add()
    entry.key = CARD_KEY
    entry.value = json.dumps(card)
    if training is not None:
        entry = proto.metadata_props.add()
        entry.key = TRAINING_KEY
        entry.value = json.dumps(training)
    proto.producer_name = 'parsel-training'
    onnx.checker.check_model(proto)
    tmp = path + '.tmp'
    onnx.save_model(proto, tmp, save_as_external_data=False)
    os.replace(tmp, path)
    with open(os.path.splitext(path)[0] + '.card.json', 'w', encoding='utf-8') as f:
        json.dump(card, f, indent=2)
        f.write('\n')


def read_metadata(path: str, key: str) -> dict | None:
    proto = onnx.load(path, load_external_data=False)
    for p in proto.metadata_props:
        if p.key == key:
            return json.loads(p.value)
    return None


def read_card(path: str) -> dict | None:
    return read_metadata(path, CARD_KEY)


def onnx_initializers(path: str) -> dict[str, np.ndarray]:
    proto = onnx.load(path)
    return {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}


def load_init(net: torch.nn.Module, path: str) -> dict:
    """Loads the initializers of an ONNX export into `net` by name (`--init`).

    Every float parameter/statistic of the network must be found with the same shape; initializers
    the network does not have (shape constants of the graph) are ignored. Raises naming the file and
    the first missing or mismatched tensors.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'--init: {path} not found')
    inits = onnx_initializers(path)
    want = state_names(net)
    missing = [k for k in want if k not in inits]
    wrong = [f'{k}: {tuple(inits[k].shape)} in the file, {tuple(v.shape)} in the network' for k, v in want.items()
             if k in inits and tuple(inits[k].shape) != tuple(v.shape)]
    if missing or wrong:
        raise ValueError(
            f'--init {path}: not an export of this network (check --width and the class count); '
            + (f'{len(missing)} tensors missing, e.g. {missing[:3]}; ' if missing else '')
            + (f'{len(wrong)} of another shape, e.g. {wrong[:2]}' if wrong else ''))
    sd = net.state_dict()
    with torch.no_grad():
        for k in want:
            sd[k].copy_(torch.from_numpy(np.array(inits[k])).to(sd[k].dtype))
    return {'loaded': len(want), 'ignored': sorted(set(inits) - set(want)), 'card': read_card(path)}
