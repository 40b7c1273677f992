#!/usr/bin/python3
"""Writes fractional_pool_golden.txt: PyTorch's fractional_max_pool2d with fixed
`_random_samples`, for tests/core/ops/fractional_pool_test.cpp. Run with Debian's python3-torch:
    /usr/bin/python3 tests/core/ops/golden/make_fractional_pool_golden.py
Two kinds of record, each `<key> <count> <values...>` lines closed by `end`:
  `case <name> <dtype>`: shape, samples_shape, kernel, output_size, [ratio], samples, x, out,
    indices (return_indices=True), upstream (a random gradient of out) and grad (of x).
  `windows <dtype> <in> <out> <kernel> <u>`: starts, the window starts along one axis, read off
    PyTorch's argmax indices on a strictly increasing input (each window's maximum is its last
    element, so index // in - (kernel - 1) is the row where the window starts)."""
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def field(out, key, values):
    values = list(values)
    text = " ".join(repr(float(v)) if isinstance(v, float) else str(v) for v in values)
    out.write(f"{key} {len(values)} {text}\n")


def case(out, name, dtype, shape, kernel, output_size=None, ratio=None, seed=0, ties=False):
    gen = torch.Generator().manual_seed(seed)
    dt = DTYPES[dtype]
    if ties:  # small integers: many equal maxima, PyTorch keeps the first
        x = torch.randint(0, 3, shape, generator=gen).to(dt)
    else:
        x = torch.randn(*shape, generator=gen, dtype=dt)
    x.requires_grad_(True)
    batch = 1 if len(shape) == 3 else shape[0]
    samples = torch.rand(batch, shape[-3], 2, generator=gen, dtype=dt)
    y, idx = F.fractional_max_pool2d(x, kernel, output_size=output_size, output_ratio=ratio,
                                     return_indices=True, _random_samples=samples)
    upstream = torch.randn(*y.shape, generator=gen, dtype=dt)
    y.backward(upstream)
    out.write(f"case {name} {dtype}\n")
    field(out, "shape", shape)
    field(out, "samples_shape", samples.shape)
    field(out, "kernel", kernel)
    field(out, "output_size", y.shape[-2:])
    if ratio is not None:
        field(out, "ratio", [float(r) for r in ratio])
    field(out, "samples", samples.flatten().tolist())
    field(out, "x", x.detach().flatten().tolist())
    field(out, "out", y.detach().flatten().tolist())
    field(out, "indices", idx.flatten().tolist())
    field(out, "upstream", upstream.flatten().tolist())
    field(out, "grad", x.grad.flatten().tolist())
    out.write("end\n")


def windows(out, dtype, size, n_out, kernel, u):
    dt = DTYPES[dtype]
    x = torch.arange(size * size, dtype=dt).reshape(1, 1, size, size)
    samples = torch.tensor([[[u, u]]], dtype=dt)
    _, idx = F.fractional_max_pool2d(x, kernel, output_size=n_out, return_indices=True,
                                     _random_samples=samples)
    rows = [int(idx[0, 0, i, 0]) // size - (kernel - 1) for i in range(n_out)]
    cols = [int(idx[0, 0, 0, j]) % size - (kernel - 1) for j in range(n_out)]
    assert rows == cols
    out.write(f"windows {dtype} {size} {n_out} {kernel} {float(samples[0, 0, 0])!r}\n")
    field(out, "starts", rows)
    out.write("end\n")


def main():
    path = os.path.join(HERE, "fractional_pool_golden.txt")
    with open(path, "w") as out:
        out.write(f"# fractional_max_pool2d golden values from torch {torch.__version__}, "
                  "by make_fractional_pool_golden.py\n")
        case(out, "square", "float32", (2, 3, 10, 10), (2, 2), output_size=(5, 5), seed=1)
        case(out, "rectangular", "float64", (2, 2, 9, 11), (3, 2), output_size=(4, 6), seed=2)
        case(out, "ratio", "float32", (1, 2, 12, 10), (2, 2), ratio=(0.5, 0.7), seed=3)
        case(out, "single_window_row", "float64", (1, 2, 7, 7), (3, 3), output_size=(1, 3), seed=4)
        case(out, "ties", "float32", (2, 2, 8, 8), (3, 3), output_size=(5, 6), seed=5, ties=True)
        case(out, "unbatched", "float32", (3, 9, 9), (2, 2), output_size=(6, 6), seed=6)
        case(out, "overlapping", "float64", (1, 1, 12, 12), (3, 3), output_size=(9, 10), seed=7)
        gen = torch.Generator().manual_seed(8)
        for dtype in ("float32", "float64"):
            below_one = 1 - 2.0 ** (-24 if dtype == "float32" else -53)
            for size, n_out, kernel in ((10, 5, 2), (32, 21, 2), (25, 7, 3), (7, 1, 3), (12, 11, 2),
                                        (100, 37, 3), (400, 257, 2)):
                us = [0.0, 0.5, below_one] + torch.rand(3, generator=gen, dtype=torch.float64).tolist()
                for u in us:
                    windows(out, dtype, size, n_out, kernel, u)
    print("wrote", path)


if __name__ == "__main__":
    main()
