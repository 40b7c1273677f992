#!/usr/bin/env python3
# Times PyTorch's CPU conv2d forward + backward (input, weight and bias gradients)
# for the CIFAR small-CNN layers, with the thread count minidl's CPU target is
# measured against (2). Compare with bench/conv_bench's CIFAR cases.
# Usage: /usr/bin/python3 bench/conv_torch_compare.py [--threads 2] [--iters 20]
import argparse
import time

import torch
import torch.nn.functional as F

# (name, batch, in channels, out channels, height = width), 3x3 kernels, padding 1.
LAYERS = [("conv1_3to32_32x32", 128, 3, 32, 32),
          ("conv2_32to64_16x16", 128, 32, 64, 16),
          ("conv3_64to128_8x8", 128, 64, 128, 8)]


def time_layer(batch, cin, cout, hw, iters):
    x = torch.randn(batch, cin, hw, hw, requires_grad=True)
    w = torch.randn(cout, cin, 3, 3, requires_grad=True)
    b = torch.randn(cout, requires_grad=True)
    grad = torch.randn(batch, cout, hw, hw)

    def step():
        y = F.conv2d(x, w, b, stride=1, padding=1)
        y.backward(grad)
        x.grad = w.grad = b.grad = None  # as conv_bench: time the convolution, not gradient accumulation

    def forward():
        with torch.no_grad():
            F.conv2d(x, w, b, stride=1, padding=1)

    results = {}
    for name, fn in (("fwd", forward), ("fwd+bwd", step)):
        for _ in range(3):
            fn()
        start = time.perf_counter()
        for _ in range(iters):
            fn()
        results[name] = (time.perf_counter() - start) / iters * 1e3
    return results


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
        r = time_layer(batch, cin, cout, hw, args.iters)
        flops = 2.0 * batch * cout * hw * hw * cin * 9
        total += r["fwd+bwd"]
        print(f"{name:22s} fwd {r['fwd']:8.2f} ms ({flops / r['fwd'] / 1e6:6.1f} GFLOP/s)   "
              f"fwd+bwd {r['fwd+bwd']:8.2f} ms ({3 * flops / r['fwd+bwd'] / 1e6:6.1f} GFLOP/s)")
    print(f"{'total fwd+bwd':22s} {total:8.2f} ms")


if __name__ == "__main__":
    main()
