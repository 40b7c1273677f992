#!/usr/bin/python3
"""Golden trajectories of torch.optim for tests/kernels/optim_test.cpp.

Runs SGD (plain, weight decay, momentum, dampening, Nesterov), Adagrad (lr_decay,
initial_accumulator_value), RMSprop (momentum, centered), Adam (weight decay, amsgrad)
and AdamW for 20 steps on float32 tensors of 1, 3, 1023 and 65537 elements, and writes
optim_golden.bin beside this script: one line of JSON (hyperparameters, the formula of
the inputs, and where each record lies), then the records as little-endian float32.

Inputs are not stored: value(i, t, salt) = ((i*2654435761 + t*40503 + salt*9973) mod 65536)/32768 - 1
is exact in float32 and recomputed by the test. Tensor k starts at value(i, 0, 100+k);
its gradient at step t is value(i, t, 1+k) * (1 + (7*t) mod 5). Stored: the params after
steps 1, 2, 5, 10, 20 (65537 elements: every 61st element and the last 4, after steps 1
and 20) and the optimizer state after step 20 (sizes 1, 3, 1023).

Run with Debian's PyTorch (python3-torch, 1.13): /usr/bin/python3 tests/kernels/golden/make_optim_golden.py
"""
import json
import os

import torch

SIZES = [1, 3, 1023, 65537]
LARGE = 65537
STEPS = 20
CHECKPOINTS = [1, 2, 5, 10, 20]
LARGE_CHECKPOINTS = [1, 20]
LARGE_STRIDE = 61

CONFIGS = [
    ("sgd", "sgd", dict(lr=0.1)),
    ("sgd_weight_decay", "sgd", dict(lr=0.05, weight_decay=0.1)),
    ("sgd_momentum", "sgd", dict(lr=0.1, momentum=0.9)),
    ("sgd_dampening", "sgd", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("sgd_nesterov", "sgd", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("adagrad", "adagrad", dict(lr=0.1)),
    ("adagrad_decay", "adagrad",
     dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.5, weight_decay=0.01)),
    ("rmsprop", "rmsprop", dict(lr=0.01)),
    ("rmsprop_momentum", "rmsprop", dict(lr=0.01, momentum=0.9, weight_decay=0.01)),
    ("rmsprop_centered", "rmsprop", dict(lr=0.01, alpha=0.9, centered=True)),
    ("rmsprop_centered_momentum", "rmsprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("adam", "adam", dict(lr=0.01)),
    ("adam_weight_decay", "adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    ("adam_amsgrad", "adam", dict(lr=0.01, amsgrad=True)),
    ("adam_amsgrad_weight_decay", "adam", dict(lr=0.01, amsgrad=True, weight_decay=0.05)),
    ("adamw", "adamw", dict(lr=0.01)),
    ("adamw_amsgrad", "adamw", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
]

OPTIMIZERS = {"sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
              "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


def value(n, t, salt):
    i = torch.arange(n, dtype=torch.int64)
    return ((i * 2654435761 + t * 40503 + salt * 9973) % 65536).to(torch.float64) / 32768 - 1


def grad_scale(t):
    return 1 + (7 * t) % 5


def state_names(algo, hp):
    if algo == "sgd":
        return ["momentum_buffer"] if hp.get("momentum", 0) else []
    if algo == "adagrad":
        return ["sum"]
    if algo == "rmsprop":
        return (["square_avg"] + (["momentum_buffer"] if hp.get("momentum", 0) else [])
                + (["grad_avg"] if hp.get("centered") else []))
    return ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if hp.get("amsgrad") else [])


def large_indices():
    return list(range(0, LARGE, LARGE_STRIDE)) + list(range(LARGE - 4, LARGE))


def main():
    blob = []
    records = {}
    offset = 0

    def add(key, tensor):
        nonlocal offset
        data = tensor.detach().to(torch.float32).flatten().clone()  # a copy, not a view of a live param
        records[key] = [offset, data.numel()]
        blob.append(data)
        offset += data.numel()

    configs = []
    for name, algo, hp in CONFIGS:
        params = [value(n, 0, 100 + k).to(torch.float32).requires_grad_() for k, n in enumerate(SIZES)]
        optimizer = OPTIMIZERS[algo](params, **hp)
        for t in range(1, STEPS + 1):
            for k, p in enumerate(params):
                p.grad = (value(p.numel(), t, 1 + k) * grad_scale(t)).to(torch.float32)
            optimizer.step()
            for p in params:
                n = p.numel()
                if n != LARGE and t in CHECKPOINTS:
                    add(f"{name}/param/{n}/{t}", p)
                if n == LARGE and t in LARGE_CHECKPOINTS:
                    add(f"{name}/param/{n}/{t}", p[large_indices()])
        for p in params:
            if p.numel() != LARGE:
                for s in state_names(algo, hp):
                    add(f"{name}/{s}/{p.numel()}/{STEPS}", optimizer.state[p][s])
        hp_json = {k: (list(v) if isinstance(v, tuple) else v) for k, v in hp.items()}
        configs.append({"name": name, "algo": algo, "hparams": hp_json, "states": state_names(algo, hp)})

    header = {
        "format": "minidl-optim-golden-1",
        "torch": torch.__version__,
        "sizes": SIZES,
        "steps": STEPS,
        "checkpoints": CHECKPOINTS,
        "large_checkpoints": LARGE_CHECKPOINTS,
        "large_stride": LARGE_STRIDE,
        "configs": configs,
        "records": records,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim_golden.bin")
    with open(path, "wb") as out:
        out.write(json.dumps(header, separators=(",", ":")).encode() + b"\n")
        out.write(torch.cat(blob).numpy().astype("<f4").tobytes())
    print(f"wrote {path}: {len(records)} records, {offset} values")


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
