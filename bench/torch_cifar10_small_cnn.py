#!/usr/bin/python3
"""PyTorch's side of the CPU comparison: the same network (the small_cnn twin in
scripts/export_torch_weights.py), data and recipe as
`cifar10_train --model small_cnn --epochs 2 --batch-size 128 --optimizer nesterov
--lr 0.1 --schedule onecycle --weight-decay 5e-4 --label-smoothing 0.1 --augment crop,flip`
(weight decay on conv/linear weights only, one-cycle stepped per batch, flip+crop
with zero padding 4, CIFAR-10 mean/std). Ends with the same final line.

    /usr/bin/python3 bench/torch_cifar10_small_cnn.py --data DIR --threads 2 [--epochs 2]
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from export_torch_weights import SmallCNN  # noqa: E402

MEAN = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)
STD = torch.tensor([0.2470, 0.2435, 0.2616]).view(1, 3, 1, 1)


def load(directory, names):
    raw = np.concatenate([np.fromfile(os.path.join(directory, n), dtype=np.uint8) for n in names])
    records = raw.reshape(-1, 3073)
    return torch.from_numpy(records[:, 1:].reshape(-1, 3, 32, 32).copy()), torch.from_numpy(
        records[:, 0].astype(np.int64))


def augment(images, generator):
    x = images.float().div_(255)
    n = x.shape[0]
    padded = F.pad(x, (4, 4, 4, 4))
    dx = torch.randint(0, 9, (n,), generator=generator)
    dy = torch.randint(0, 9, (n,), generator=generator)
    out = torch.stack([padded[i, :, dy[i]:dy[i] + 32, dx[i]:dx[i] + 32] for i in range(n)])
    flip = torch.rand(n, generator=generator) < 0.5
    out[flip] = out[flip].flip(3)
    return (out - MEAN) / STD


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=os.environ.get("CIFAR10_DIR", "data/cifar-10-batches-bin"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_x, train_y = load(args.data, [f"data_batch_{i}.bin" for i in range(1, 6)])
    test_x, test_y = load(args.data, ["test_batch.bin"])
    model = SmallCNN()
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0}],
                          lr=0.1, momentum=0.9, nesterov=True)
    batch = 128
    steps = len(train_x) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps * args.epochs)
    generator = torch.Generator().manual_seed(args.seed)
    train_s = 0.0
    for epoch in range(args.epochs):
        start = time.time()
        model.train()
        order = torch.randperm(len(train_x), generator=generator)
        for s in range(steps):
            idx = order[s * batch:(s + 1) * batch]
            x = augment(train_x[idx], generator)
            loss = F.cross_entropy(model(x), train_y[idx], label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        train_s += time.time() - start
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(test_x), 500):
                x = (test_x[i:i + 500].float() / 255 - MEAN) / STD
                correct += (model(x).argmax(1) == test_y[i:i + 500]).sum().item()
        print(f"epoch {epoch + 1}: test_acc {correct / len(test_x):.4f} ({time.time() - start:.1f} s)", file=sys.stderr)
    print(f"final test_acc={correct / len(test_x):.4f} train_s={train_s:.1f} "
          f"imgs_per_s={steps * batch * args.epochs / train_s:.0f}")


if __name__ == "__main__":
    main()
