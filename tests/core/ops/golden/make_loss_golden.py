#!/usr/bin/python3
"""Writes loss_golden.txt: PyTorch's cross_entropy (with label smoothing) on random
float64 logits, and the gradient of the loss (or of the sum of per-sample losses),
for tests/core/ops/loss_test.cpp. Run with Debian's python3-torch:
    /usr/bin/python3 tests/core/ops/golden/make_loss_golden.py
Format, one record per line: `case <name> <reduction> <label_smoothing>`, then
`<field> <count> <values...>` for shape, logits, targets_shape, targets, loss, grad; `end`."""
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def case(out, name, shape, reduction, smoothing, seed):
    gen = torch.Generator().manual_seed(seed)
    logits = (3 * torch.randn(*shape, generator=gen, dtype=torch.float64)).requires_grad_(True)
    target_shape = (shape[0],) + tuple(shape[2:])
    targets = torch.randint(0, shape[1], target_shape, generator=gen, dtype=torch.int64)
    loss = F.cross_entropy(logits, targets, reduction=reduction, label_smoothing=smoothing)
    (loss if loss.dim() == 0 else loss.sum()).backward()

    def field(key, values):
        values = list(values)
        out.write(f"{key} {len(values)} " + " ".join(repr(float(v)) if isinstance(v, float) else str(v)
                                                     for v in values) + "\n")

    out.write(f"case {name} {reduction} {smoothing!r}\n")
    field("shape", shape)
    field("logits", logits.detach().flatten().tolist())
    field("targets_shape", target_shape)
    field("targets", targets.flatten().tolist())
    field("loss", loss.detach().flatten().tolist())
    field("grad", logits.grad.flatten().tolist())
    out.write("end\n")


def main():
    path = os.path.join(HERE, "loss_golden.txt")
    with open(path, "w") as out:
        out.write(f"# cross_entropy golden values from torch {torch.__version__}, by make_loss_golden.py\n")
        case(out, "rows_mean", (8, 5), "mean", 0.1, 1)
        case(out, "rows_sum", (8, 5), "sum", 0.1, 2)
        case(out, "rows_none", (8, 5), "none", 0.1, 3)
        case(out, "spatial_mean", (2, 4, 3), "mean", 0.1, 4)
        case(out, "many_classes_mean", (2, 260), "mean", 0.1, 5)
        case(out, "no_smoothing_mean", (8, 5), "mean", 0.0, 6)
    print("wrote", path)


if __name__ == "__main__":
    main()
