#!/usr/bin/python3
"""Writes lbfgs_golden.txt: torch.optim.LBFGS on the Rosenbrock function from
(-1.5, 2) in float64 — the point after each of the first 10 step() calls and
the closure-call count, with and without the strong-Wolfe line search.

Run with Debian's python3-torch (1.13): /usr/bin/python3 tests/optim/golden/make_lbfgs_golden.py
Each line: <case> <step> <x> <y> <func_evals>
"""
import os

import torch


def run(line_search):
    p = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([p], line_search_fn=line_search)

    def closure():
        opt.zero_grad()
        x, y = p[0], p[1]
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        return loss

    rows = []
    for step in range(1, 11):
        opt.step(closure)
        rows.append((step, p[0].item(), p[1].item(), opt.state[p]["func_evals"]))
    return rows


out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lbfgs_golden.txt")
with open(out, "w") as f:
    for name, ls in (("plain", None), ("strong_wolfe", "strong_wolfe")):
        for step, x, y, evals in run(ls):
            f.write(f"{name} {step} {x!r} {y!r} {evals}\n")
print("wrote", out)
