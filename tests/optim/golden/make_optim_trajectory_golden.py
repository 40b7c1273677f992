#!/usr/bin/python3
"""Writes optim_trajectory_golden.txt: PyTorch's parameters after 25 full-batch steps.

Run with Debian's python3-torch (1.13): /usr/bin/python3 tests/optim/golden/make_optim_trajectory_golden.py
A float64 MLP Linear(4, 8)-Tanh-Linear(8, 3) starts from fixed weights and is trained on
fixed data with mean cross-entropy, once per optimizer configuration. The file holds
  tensor <key> <ndim> <dims...> <values...>   the start ("init/<param>"), the data ("data/x",
                                               "data/y") and each case's end ("<case>/<param>")
  case <name> <algorithm> <option>=<value>...  the options, with minidl's names, so the C++
                                               test reads them from here instead of repeating them
"""
import os

import torch

STEPS = 25
PARAMS = ["0.weight", "0.bias", "2.weight", "2.bias"]

# name -> (algorithm, options with minidl's field names)
CASES = {
    "sgd_plain": ("SGD", {"lr": 0.1}),
    "sgd_momentum": ("SGD", {"lr": 0.1, "momentum": 0.9}),
    "sgd_dampening": ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    "sgd_nesterov": ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": 1}),
    "sgd_weight_decay": ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.05}),
    "adagrad": ("Adagrad", {"lr": 0.1}),
    "adagrad_lr_decay": ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    "adagrad_initial_accumulator": ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.01}),
    "rmsprop": ("RMSprop", {"lr": 0.01}),
    "rmsprop_momentum": ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    "rmsprop_centered": ("RMSprop", {"lr": 0.01, "centered": 1}),
    "rmsprop_centered_momentum": ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": 1,
                                              "weight_decay": 0.01}),
    "adam": ("Adam", {"lr": 0.01}),
    "adam_betas": ("Adam", {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}),
    "adam_amsgrad": ("Adam", {"lr": 0.01, "amsgrad": 1}),
    "adam_weight_decay": ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    "adamw": ("AdamW", {"lr": 0.01}),
    "adamw_amsgrad": ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": 1}),
}


def make_optimizer(algorithm, options, params):
    o = dict(options)
    for flag in ("nesterov", "centered", "amsgrad"):
        if flag in o:
            o[flag] = bool(o[flag])
    if "beta1" in o or "beta2" in o:
        o["betas"] = (o.pop("beta1", 0.9), o.pop("beta2", 0.999))
    return getattr(torch.optim, algorithm)(params, **o)


def model_from(init):
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    model.load_state_dict(init)
    return model


def line(key, t):
    values = " ".join("%.17g" % v for v in t.detach().reshape(-1).tolist())
    return "tensor %s %d %s %s\n" % (key, t.dim(), " ".join(str(s) for s in t.shape), values)


def main():
    torch.manual_seed(20240611)
    start = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    init = {name: t.clone() for name, t in start.state_dict().items()}
    x = torch.randn(24, 4, dtype=torch.float64)
    y = torch.randint(0, 3, (24,))

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim_trajectory_golden.txt")
    with open(out, "w") as f:
        for name in PARAMS:
            f.write(line("init/" + name, init[name]))
        f.write(line("data/x", x))
        f.write(line("data/y", y))
        for case, (algorithm, options) in CASES.items():
            f.write("case %s %s %s\n" % (case, algorithm, " ".join("%s=%r" % kv for kv in options.items())))
            model = model_from(init)
            opt = make_optimizer(algorithm, options, model.parameters())
            for _ in range(STEPS):
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(x), y).backward()
                opt.step()
            state = model.state_dict()
            for name in PARAMS:
                f.write(line(case + "/" + name, state[name]))


if __name__ == "__main__":
    main()
