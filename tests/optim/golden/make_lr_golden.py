#!/usr/bin/python3
"""Writes lr_golden.txt: PyTorch's learning rates for 100 steps of each schedule.

Run with Debian's python3-torch (1.13): /usr/bin/python3 tests/optim/golden/make_lr_golden.py
Each line: <case> <lr after construction> <lr after step 1> ... (101 values);
one-cycle also writes a <case>.momentum line.
"""
import math
import os

import torch

STEPS = 100


def optimizer(lr=0.1, momentum=0.9):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=momentum)


def run(make):
    opt = optimizer()
    sched = make(opt)
    lrs, moms = [opt.param_groups[0]["lr"]], [opt.param_groups[0]["momentum"]]
    for _ in range(STEPS):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
    return lrs, moms


S = torch.optim.lr_scheduler
CASES = {
    "step": lambda o: S.StepLR(o, step_size=7, gamma=0.5),
    "multistep": lambda o: S.MultiStepLR(o, milestones=[10, 30, 31, 80], gamma=0.3),
    "exponential": lambda o: S.ExponentialLR(o, gamma=0.97),
    "cosine": lambda o: S.CosineAnnealingLR(o, T_max=100, eta_min=0.001),
    "cosine_short": lambda o: S.CosineAnnealingLR(o, T_max=30),
    "warm_restarts": lambda o: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=0.01),
    "warm_restarts_flat": lambda o: S.CosineAnnealingWarmRestarts(o, T_0=25),
    "linear": lambda o: S.LinearLR(o),
    "linear_long": lambda o: S.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=40),
    "onecycle": lambda o: S.OneCycleLR(o, max_lr=0.4, total_steps=100),
    "onecycle_pct": lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=120, pct_start=0.25, div_factor=10,
                                           final_div_factor=100),
    "sequential": lambda o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.2, total_iters=10), S.CosineAnnealingLR(o, T_max=90)], milestones=[10]),
}


def inverse_sqrt(warmup):
    # Not in torch.optim: the closed form of docs/formulas.md, evaluated in float64 here.
    return [0.1 * e / warmup if e < warmup else 0.1 * math.sqrt(warmup / e) for e in range(STEPS + 1)]


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lr_golden.txt")
    with open(out, "w") as f:
        for name, make in CASES.items():
            lrs, moms = run(make)
            f.write(name + " " + " ".join(repr(v) for v in lrs) + "\n")
            if name.startswith("onecycle"):
                f.write(name + ".momentum " + " ".join(repr(v) for v in moms) + "\n")
        f.write("inverse_sqrt " + " ".join(repr(v) for v in inverse_sqrt(8)) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
