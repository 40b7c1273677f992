#!/usr/bin/env python3
# PyTorch's nn.Dropout and nn.BatchNorm2d at the sizes of bench/dropout_bn_bench.cpp (1M/16M/64M
# float32 elements; batch norm on (N, 64, 32, 32)), next to a device-to-device copy, timed the
# same way: CUDA events with the L2 flushed (256 MiB memset) before each run. GB/s use the
# C++ benchmark's byte counts (copy 8 B/element, dropout 8.125, batch norm training forward 12,
# eval 8, backward 20), so a GB/s ratio is a time ratio. PyTorch's own traffic differs (its
# dropout mask is one byte per element).
# Usage: /usr/bin/python3 bench/torch_compare_dropout_bn.py [--device cuda|cpu] [--iters 20] [--threads 2]
import argparse
import time

import torch
import torch.nn as nn

SIZES = [1 << 20, 1 << 24, 1 << 26]
CHANNELS, HW = 64, 32
DROP_PROB = 0.5


def timer(device, iters):
    """Returns a function that times fn() and gives the mean seconds per run."""
    if device.type == "cuda":
        flush = torch.empty(1 << 28, dtype=torch.uint8, device=device)

        def run(fn):
            fn()  # warm-up
            total = 0.0
            for _ in range(iters):
                flush.zero_()
                start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                fn()
                stop.record()
                stop.synchronize()
                total += start.elapsed_time(stop) * 1e-3
            return total / iters
    else:
        def run(fn):
            fn()
            begin = time.perf_counter()
            for _ in range(iters):
                fn()
            return (time.perf_counter() - begin) / iters
    return run


def cases(n, device):
    """(name, bytes per element, fn) for one size."""
    x = torch.full((n,), 1.0, device=device)
    dst = torch.empty_like(x)
    dropout = nn.Dropout(DROP_PROB).train()
    _, mask = torch.ops.aten.native_dropout(x, DROP_PROB, True)
    grad = torch.full((n,), 0.25, device=device)

    batch = n // (CHANNELS * HW * HW)
    image = torch.full((batch, CHANNELS, HW, HW), 0.5, device=device)
    bn = nn.BatchNorm2d(CHANNELS).to(device)
    bn_eval = nn.BatchNorm2d(CHANNELS).to(device).eval()
    dy = torch.full_like(image, 0.25)
    with torch.no_grad():
        _, save_mean, save_invstd = torch.ops.aten.native_batch_norm(
            image, bn.weight, bn.bias, bn.running_mean, bn.running_var, True, 0.1, 1e-5)

    def bn_backward():
        torch.ops.aten.native_batch_norm_backward(dy, image, bn.weight, bn.running_mean, bn.running_var, save_mean,
                                                  save_invstd, True, 1e-5, [True, True, True])

    with torch.no_grad():
        return [
            ("copy", 8.0, lambda: dst.copy_(x)),
            ("dropout_forward", 8.125, lambda: dropout(x)),
            ("dropout_backward", 8.125, lambda: torch.ops.aten.native_dropout_backward(grad, mask, 2.0)),
            ("batch_norm_train_forward", 12.0, lambda: bn(image)),
            ("batch_norm_eval_forward", 8.0, lambda: bn_eval(image)),
            ("batch_norm_backward", 20.0, bn_backward),
        ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu, {torch.get_num_threads()} threads"
    print(f"torch {torch.__version__} on {name}; cudnn {torch.backends.cudnn.is_available()}")
    run = timer(device, args.iters)
    sizes = SIZES if device.type == "cuda" else SIZES[:2]
    with torch.no_grad():
        for n in sizes:
            for case, bytes_per_element, fn in cases(n, device):
                seconds = run(fn)
                print(f"{case:26s} {n:>10d} elements {seconds * 1e6:10.1f} us "
                      f"{bytes_per_element * n / seconds / 1e9:8.1f} GB/s")


if __name__ == "__main__":
    main()
