#!/usr/bin/env python3
# Times PyTorch's CPU conv2d forward and forward + backward (input, weight and bias
# gradients) for the CIFAR small-CNN layers (batch 128, 3x3, padding 1) with the thread
# count minidl's CPU target is measured against (2), for comparison with bench/conv_bench.
# Reports the fastest iteration (the least disturbed on a shared machine) and the process
# CPU time per iteration (both threads; less sensitive to other load).
# Usage: /usr/bin/python3 bench/conv_torch_compare.py [--threads 2] [--iters 20]
import argparse
import time

import torch
import torch.nn.functional as F

# (name, batch, in channels, out channels, height = width)
LAYERS = [("conv1_3to32_32x32", 128, 3, 32, 32),
          ("conv2_32to64_16x16", 128, 32, 64, 16),
          ("conv3_64to128_8x8", 128, 64, 128, 8)]


def measure(fn, iters):
    for _ in range(3):
        fn()
    best, cpu = float("inf"), 0.0
    for _ in range(iters):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        best = min(best, time.perf_counter() - start)
        cpu += time.process_time() - start_cpu
    return best * 1e3, cpu / iters * 1e3


def time_layer(batch, cin, cout, hw, iters):
    x = torch.randn(batch, cin, hw, hw, requires_grad=True)
    w = torch.randn(cout, cin, 3, 3, requires_grad=True)
    b = torch.randn(cout, requires_grad=True)
    grad = torch.randn(batch, cout, hw, hw)

    def forward():
        with torch.no_grad():
            F.conv2d(x, w, b, stride=1, padding=1)

    def step():
        F.conv2d(x, w, b, stride=1, padding=1).backward(grad)
        x.grad = w.grad = b.grad = None  # as conv_bench: time the convolution, not gradient accumulation

    return measure(forward, iters), measure(step, iters)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iters", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, mkldnn {torch.backends.mkldnn.is_available()}")
    total = 0.0
    for name, batch, cin, cout, hw in LAYERS:
        (fwd, fwd_cpu), (step, step_cpu) = time_layer(batch, cin, cout, hw, args.iters)
        flops = 2.0 * batch * cout * hw * hw * cin * 9
        total += step
        print(f"{name:20s} fwd {fwd:7.2f} ms ({flops / fwd / 1e6:5.1f} GFLOP/s, cpu {fwd_cpu:6.1f} ms)   "
              f"fwd+bwd {step:7.2f} ms ({3 * flops / step / 1e6:5.1f} GFLOP/s, cpu {step_cpu:6.1f} ms)")
    print(f"{'total fwd+bwd':20s} {total:7.2f} ms")


if __name__ == "__main__":
    main()
