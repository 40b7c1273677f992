#!/usr/bin/env python3
"""PyTorch's side of the GPU training comparison: the ResNet9 twin of models/resnet9.h
(scripts/export_torch_weights.py) with the recipe of the bundle's full run,
`cifar10_train --device cuda --model resnet9 --epochs 24 --batch-size 512 --optimizer nesterov
--lr 0.4 --schedule onecycle --weight-decay 5e-4 --label-smoothing 0.2 --augment crop-reflect,flip`:
the training set resident on the GPU, augmentation on the GPU (reflect-pad 4 and random 32x32
crop, horizontal flip, CIFAR-10 mean/std), SGD Nesterov with PyTorch's OneCycleLR (momentum
cycling 0.85-0.95), weight decay on conv/linear weights only, last partial batch dropped,
float32 with PyTorch's defaults (cudnn.benchmark on, TF32 convolutions allowed, TF32 matmuls
not), eager mode. train_s is the training epochs' wall time (the test set is evaluated once,
after training, outside it). Ends with the line minidl's example prints.

    python3 bench/torch_cifar10_resnet9_gpu.py --data DIR [--epochs 24] [--device cuda]
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from export_torch_weights import ResNet9  # noqa: E402

MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)


def load(directory, names, limit=None):
    raw = np.concatenate([np.fromfile(os.path.join(directory, n), dtype=np.uint8) for n in names])
    records = raw.reshape(-1, 3073)[:limit]
    images = torch.from_numpy(records[:, 1:].reshape(-1, 3, 32, 32).copy())
    return images, torch.from_numpy(records[:, 0].astype(np.int64))


def normalize(images, mean, std):
    return (images.float().div_(255) - mean) / std


def augment(x, generator):
    """Per-sample reflect-padded random crop and flip of a normalized batch, on its device."""
    n = x.shape[0]
    padded = F.pad(x, (4, 4, 4, 4), mode="reflect")
    dy = torch.randint(0, 9, (n, 1, 1), device=x.device, generator=generator)
    dx = torch.randint(0, 9, (n, 1, 1), device=x.device, generator=generator)
    rows = (torch.arange(32, device=x.device).view(1, 32, 1) + dy).expand(n, 32, 32)
    cols = (torch.arange(32, device=x.device).view(1, 1, 32) + dx).expand(n, 32, 32)
    batch = torch.arange(n, device=x.device).view(n, 1, 1).expand(n, 32, 32)
    out = padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)
    flip = torch.rand(n, device=x.device, generator=generator) < 0.5
    return torch.where(flip.view(n, 1, 1, 1), out.flip(3), out).contiguous()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("CIFAR10_DIR", "data/cifar-10-batches-bin"))
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--epochs", type=int, default=24)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--lr", type=float, default=0.4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-limit", type=int, default=None, help="first N training images (a smoke run)")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    torch.backends.cudnn.benchmark = True
    mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=device).view(1, 3, 1, 1)
    train_x, train_y = load(args.data, [f"data_batch_{i}.bin" for i in range(1, 6)], args.train_limit)
    test_x, test_y = load(args.data, ["test_batch.bin"])
    train_x, train_y = normalize(train_x.to(device), mean, std), train_y.to(device)
    test_x, test_y = normalize(test_x.to(device), mean, std), test_y.to(device)

    model = ResNet9().to(device)
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    optimizer = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0}],
                                lr=args.lr, momentum=0.9, nesterov=True)
    steps = train_x.shape[0] // args.batch_size
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.epochs * steps)
    generator = torch.Generator(device=device)
    generator.manual_seed(args.seed)
    if device.type == "cuda":
        print(f"torch {torch.__version__} on {torch.cuda.get_device_name(device)}", flush=True)
    train_s = 0.0
    for epoch in range(args.epochs):
        model.train()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        order = torch.randperm(train_x.shape[0], device=device, generator=generator)
        loss_sum = torch.zeros((), device=device)
        for k in range(steps):
            index = order[k * args.batch_size:(k + 1) * args.batch_size]
            x = augment(train_x[index], generator)
            loss = F.cross_entropy(model(x), train_y[index], label_smoothing=0.2)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += loss.detach()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
        train_s += seconds
        print(f"epoch {epoch + 1}/{args.epochs} loss {loss_sum.item() / steps:.4f} "
              f"{steps * args.batch_size / seconds:.0f} img/s", flush=True)
    model.eval()
    correct = 0
    with torch.no_grad():
        for k in range(0, test_x.shape[0], 1000):
            correct += (model(test_x[k:k + 1000]).argmax(1) == test_y[k:k + 1000]).sum().item()
    images = args.epochs * steps * args.batch_size
    print(f"final test_acc={correct / test_x.shape[0]:.4f} train_s={train_s:.1f} imgs_per_s={images / train_s:.0f}")


if __name__ == "__main__":
    main()
