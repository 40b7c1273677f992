#!/usr/bin/python3
"""Golden text of Module::str() and nn::summary: run with Debian's python3-torch (/usr/bin/python3).

Writes, from the PyTorch twins of scripts/export_torch_weights.py at their default sizes:
  <model>_repr.txt      repr(model), for small_cnn, resnet9, resnet18 and mlp;
  <model>_summary.txt   for small_cnn and resnet18: one line per module in named_modules() order
                        (name, type, output shape on zeros [1, 3, 32, 32] in eval mode, its own
                        parameter count), then the total/trainable/non-trainable counts, unfrozen
                        and with some parameters frozen (requires_grad False).
The twin ResNet-18's blocks are renamed ResidualBlock and given minidl's stochastic_depth child
(p=0, the identity), so the text is that of the same tree: minidl's nn::ResidualBlock is
torchvision's BasicBlock routed through torchvision.ops.StochasticDepth, whose repr this
script's StochasticDepth reproduces (torchvision is not packaged with python3-torch).
"""
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts"))
import export_torch_weights as ew  # noqa: E402


class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth's text: StochasticDepth(p=0.0, mode=row)."""

    def __init__(self, p, mode):
        super().__init__()
        self.p, self.mode = p, mode

    def extra_repr(self):
        return f"p={self.p}, mode={self.mode}"

    def forward(self, x):
        assert self.p == 0.0  # the twins here never drop
        return x


class ResidualBlock(ew.BasicBlock):
    """minidl's nn::ResidualBlock: BasicBlock with its branch through a stochastic_depth child."""

    def __init__(self, c_in, c_out, stride):
        super().__init__(c_in, c_out, stride)
        self.stochastic_depth = StochasticDepth(0.0, "row")

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        shortcut = self.downsample(x) if self.downsample is not None else x
        return torch.relu(self.stochastic_depth(y) + shortcut)


ew.BasicBlock = ResidualBlock  # ew.ResNet18 builds its blocks by this name

MODELS = ["small_cnn", "resnet9", "resnet18", "mlp"]
# model, the dotted-name prefixes of the parameters frozen for the frozen count
SUMMARIES = [("small_cnn", ["features.0.", "features.1."]), ("resnet18", ["conv1.", "bn1.", "layer1."])]


def counts(model):
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return total, trainable, total - trainable


def write_summary(name, frozen_prefixes):
    model = ew.build(name).eval()
    shapes = {}
    for module_name, module in model.named_modules():
        module.register_forward_hook(lambda m, i, o, key=module_name: shapes.__setitem__(key, list(o.shape)))
    with torch.no_grad():
        model(torch.zeros(1, 3, 32, 32))
    lines = ["# name type output_shape own_params (make_repr_golden.py; the model's own row is named -)"]
    for module_name, module in model.named_modules():
        own = sum(p.numel() for p in module.parameters(recurse=False))
        shape = "[" + ", ".join(str(d) for d in shapes[module_name]) + "]"
        lines.append(f"{module_name or '-'}\t{type(module).__name__}\t{shape}\t{own}")
    lines.append("counts unfrozen %d %d %d" % counts(model))
    for key, p in model.named_parameters():
        if any(key.startswith(prefix) for prefix in frozen_prefixes):
            p.requires_grad_(False)
    lines.append("counts frozen:%s %d %d %d" % ((",".join(frozen_prefixes),) + counts(model)))
    with open(os.path.join(HERE, f"{name}_summary.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    for name in MODELS:
        with open(os.path.join(HERE, f"{name}_repr.txt"), "w") as f:
            f.write(repr(ew.build(name)) + "\n")
    for name, frozen in SUMMARIES:
        write_summary(name, frozen)


if __name__ == "__main__":
    main()
