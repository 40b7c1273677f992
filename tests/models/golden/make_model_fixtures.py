#!/usr/bin/python3
"""Golden fixtures of tests/models/: run once with Debian's python3-torch (/usr/bin/python3).

For each model: the PyTorch twin (scripts/export_torch_weights.py) with a fixed seed, random
batch-norm affine parameters and running statistics moved by a few training-mode passes (so
evaluation is not the identity), then the logits of a fixed batch in eval mode. Writes
<case>_weights.safetensors (the state_dict) and <case>_io.safetensors (input, logits), and
param_counts.txt: the twins' parameter counts and state-dict sizes at several configurations.
Reduced widths keep the files small (resnet18 full size would be ~45 MB).
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts"))
import export_torch_weights as ew  # noqa: E402

# case, model, num_classes, width, dropout (None: the model's default)
CASES = [
    ("small_cnn", "small_cnn", 10, 1.0, None),
    ("resnet9_w025", "resnet9", 10, 0.25, None),
    ("resnet18_w0125", "resnet18", 100, 0.125, None),
    ("mlp_w025", "mlp", 7, 0.25, 0.1),
]

COUNT_CONFIGS = [
    ("small_cnn", 10, 1.0), ("small_cnn", 100, 0.5), ("resnet9", 10, 1.0), ("resnet9", 100, 0.25),
    ("resnet18", 10, 1.0), ("resnet18", 100, 0.125), ("mlp", 10, 1.0), ("mlp", 7, 0.25),
]


def randomize_batch_norms(model):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)


def make_case(index, case, name, num_classes, width, dropout):
    torch.manual_seed(1000 + index)
    model = ew.build(name, num_classes, width, dropout)
    randomize_batch_norms(model)
    model.train()
    with torch.no_grad():
        for _ in range(3):  # moves running_mean/var and num_batches_tracked to 3
            model(torch.randn(16, 3, 32, 32) * 1.5 + 0.3)
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        logits = model(x)
    meta = {"model": name, "num_classes": num_classes, "width": width,
            "dropout": "default" if dropout is None else dropout}
    ew.save_safetensors(os.path.join(HERE, f"{case}_weights.safetensors"), model.state_dict(), meta)
    ew.save_safetensors(os.path.join(HERE, f"{case}_io.safetensors"), {"input": x, "logits": logits}, meta)
    print(f"{case}: {ew.count_parameters(model)} parameters, logits {list(logits.shape)}, "
          f"max |logit| {logits.abs().max().item():.4f}")


def main():
    for i, case in enumerate(CASES):
        make_case(i, *case)
    with open(os.path.join(HERE, "param_counts.txt"), "w") as f:
        f.write("# model num_classes width parameters state_dict_entries (make_model_fixtures.py)\n")
        for name, num_classes, width in COUNT_CONFIGS:
            model = ew.build(name, num_classes, width)
            line = f"{name} {num_classes} {width} {ew.count_parameters(model)} {len(model.state_dict())}"
            print(line)
            f.write(line + "\n")


if __name__ == "__main__":
    main()
