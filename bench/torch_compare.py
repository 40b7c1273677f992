#!/usr/bin/env python3
"""PyTorch's optimizer steps on the sizes of bench/optim_bench.cpp, for a side-by-side.

Times torch.optim.Adam(fused=True) and torch.optim.SGD(momentum=0.9, foreach=True) at
1M, 16M and 64M float32 parameters, as one tensor and as the same 200 ResNet-like
tensors as optim_bench.cpp, plus a device-to-device copy, and prints GB/s counted with
the same bytes per parameter (Adam 28, SGD with momentum 20, copy 8 per element). CUDA
events time each step, with the L2 cache flushed (a 256 MiB memset) before each one.

Run both on a GPU machine (PyTorch with CUDA installed there):
    cmake --build build --target optim_bench
    ./build/bench/optim_bench --benchmark_filter=cuda
    python3 bench/torch_compare.py            # --device cpu for a local trial run
Compare only numbers from the same run on the same card, and say which card it was.
"""
import argparse
import statistics

import torch

SIZES = [1 << 20, 16 << 20, 64 << 20]


def resnet_like_sizes(total):
    """The layout of optim_bench.cpp's resnet_like_sizes(): must stay the same."""
    sizes = [0] * 200
    small_total = weight_sum = 0
    for i in range(200):
        if i % 3 == 0:
            sizes[i] = (64 << (i % 6)) | (i % 2)
            small_total += sizes[i]
        else:
            sizes[i] = 1 + (i * 7919) % 97
            weight_sum += sizes[i]
    left, assigned, last = total - small_total, 0, -1
    for i in range(200):
        if i % 3 == 0:
            continue
        sizes[i] = left * sizes[i] // weight_sum
        assigned += sizes[i]
        last = i
    sizes[last] += left - assigned
    return sizes


def time_runs(step, device, repeats):
    """Median seconds of step(), each run after an L2 flush."""
    if device == "cpu":
        import time
        times = []
        step()
        for _ in range(repeats):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    flush = torch.empty(1 << 28, dtype=torch.uint8, device=device)
    step()  # warm-up: optimizer state allocated, kernels loaded
    times = []
    for _ in range(repeats):
        flush.zero_()
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        step()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) * 1e-3)
    return statistics.median(times)


def params_of(sizes, device):
    params = [torch.ones(n, device=device, requires_grad=True) for n in sizes]
    for p in params:
        p.grad = torch.full_like(p, 0.01)
    return params


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    device = args.device
    cuda = device.startswith("cuda")
    if cuda:
        print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}")
    print(f"{'case':<34}{'params':>12}{'time (us)':>12}{'GB/s':>10}")
    for n in SIZES:
        src, dst = torch.ones(n, device=device), torch.zeros(n, device=device)
        seconds = time_runs(lambda: dst.copy_(src), device, args.repeats)
        print(f"{'copy':<34}{n:>12}{seconds * 1e6:>12.1f}{8 * n / seconds / 1e9:>10.1f}")
        for layout in ("one_tensor", "200_tensors"):
            sizes = [n] if layout == "one_tensor" else resnet_like_sizes(n)
            adam = torch.optim.Adam(params_of(sizes, device), lr=1e-3, **({"fused": True} if cuda else {}))
            seconds = time_runs(adam.step, device, args.repeats)
            name = ("adam fused " if cuda else "adam ") + layout
            print(f"{name:<34}{n:>12}{seconds * 1e6:>12.1f}{28 * n / seconds / 1e9:>10.1f}")
            del adam
            sgd = torch.optim.SGD(params_of(sizes, device), lr=0.1, momentum=0.9, foreach=True)
            seconds = time_runs(sgd.step, device, args.repeats)
            print(f"{'sgd momentum foreach ' + layout:<34}{n:>12}{seconds * 1e6:>12.1f}{20 * n / seconds / 1e9:>10.1f}")
            del sgd


if __name__ == "__main__":
    main()
