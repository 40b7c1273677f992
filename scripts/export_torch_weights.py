#!/usr/bin/python3
"""PyTorch twins of minidl's models (models/*.h) and weight conversion between PyTorch
state_dict files (torch.save) and safetensors files that minidl loads (core/io/safetensors.h).

Run with Debian's python3-torch (/usr/bin/python3); the safetensors package is not needed,
the format is written by hand: 8-byte little-endian header length, JSON header, raw data.

  export_torch_weights.py to-safetensors model.pt out.safetensors [--strip-prefix module.]
  export_torch_weights.py to-torch in.safetensors out.pt [--model-only]
  export_torch_weights.py param-counts

--model-only takes a minidl training checkpoint (cifar10_train --checkpoint) and keeps only
the model's tensors, with their "model." prefix stripped, so that
torch.nn.Module.load_state_dict(strict=True) accepts the file; cifar10_train --save-model
writes such a weights-only file directly.

BatchNorm's num_batches_tracked is kept in both directions as an int64 scalar, as PyTorch and
minidl hold it; to-safetensors adds a zero one where an old checkpoint lacks it, so every
converted file loads strictly.
"""
import argparse
import collections
import json
import struct
import sys

import numpy as np
import torch
from torch import nn


def scaled(channels, width):
    """round(channels * width), at least 1 -- models/blocks.h scaled_channels."""
    return max(1, int(channels * width + 0.5))


def conv_bn_relu(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


class SmallCNN(nn.Module):
    """models/small_cnn.h: features.{0,4,8} convs, .{1,5,9} BNs; classifier.1 Linear."""

    def __init__(self, num_classes=10, dropout=0.25, width=1.0):
        super().__init__()
        layers, c_in = [], 3
        for base in (32, 64, 128):
            c_out = scaled(base, width)
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
                       nn.MaxPool2d(2)]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(c_in * 16, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class ResNet9Layer(nn.Module):
    def __init__(self, c_in, c_out, residual):
        super().__init__()
        self.conv = nn.Sequential(*conv_bn_relu(c_in, c_out), nn.MaxPool2d(2))
        self.residual = residual
        if residual:
            self.res1 = conv_bn_relu(c_out, c_out)
            self.res2 = conv_bn_relu(c_out, c_out)

    def forward(self, x):
        y = self.conv(x)
        return y + self.res2(self.res1(y)) if self.residual else y


class ResNet9(nn.Module):
    """models/resnet9.h (David Page's ResNet-9): prep, layer1-3, fc (no bias), logits * scale."""

    def __init__(self, num_classes=10, width=1.0, scale=0.125):
        super().__init__()
        c = lambda base: scaled(base, width)  # noqa: E731
        self.prep = conv_bn_relu(3, c(64))
        self.layer1 = ResNet9Layer(c(64), c(128), True)
        self.layer2 = ResNet9Layer(c(128), c(256), False)
        self.layer3 = ResNet9Layer(c(256), c(512), True)
        self.fc = nn.Linear(c(512), num_classes, bias=False)
        self.scale = scale

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.prep(x))))
        return self.fc(torch.amax(x, dim=(2, 3))) * self.scale


class BasicBlock(nn.Module):
    """torchvision's BasicBlock (conv1, bn1, conv2, bn2, downsample.0/1)."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (self.downsample(x) if self.downsample is not None else x))


class ResNet18(nn.Module):
    """models/resnet18.h: CIFAR ResNet-18 (3x3 stem, no max pool), torchvision's names."""

    def __init__(self, num_classes=10, width=1.0):
        super().__init__()
        stem = scaled(64, width)
        self.conv1 = nn.Conv2d(3, stem, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        c_in = stem
        for i in range(4):
            c_out = scaled(64 << i, width)
            blocks = [BasicBlock(c_in, c_out, 2 if i > 0 else 1), BasicBlock(c_out, c_out, 1)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
            c_in = c_out
        self.fc = nn.Linear(c_in, num_classes)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
               "leaky_relu": nn.LeakyReLU}


class MLP(nn.Module):
    """models/mlp.h: layers.{3i} Linear, .{3i+1} activation, .{3i+2} Dropout."""

    def __init__(self, sizes=(3072, 512, 256, 10), activation="relu", dropout=0.0):
        super().__init__()
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i + 2 < len(sizes):
                layers += [ACTIVATIONS[activation](), nn.Dropout(dropout)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x.flatten(1))


def build(name, num_classes=10, width=1.0, dropout=None):
    """The twin of models::create(name, {num_classes, width, dropout}) (models/registry.h)."""
    if name == "small_cnn":
        return SmallCNN(num_classes, 0.25 if dropout is None else dropout, width)
    if name == "resnet9":
        return ResNet9(num_classes, width)
    if name == "resnet18":
        return ResNet18(num_classes, width)
    if name == "mlp":
        return MLP((3072, scaled(512, width), scaled(256, width), num_classes), "relu", dropout or 0.0)
    raise ValueError(f"unknown model {name!r} (known: mlp, resnet18, resnet9, small_cnn)")


# ---- safetensors, by hand ----
DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}
NP_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32,
             "U8": np.uint8, "BOOL": np.bool_}


def tensor_bytes(t):
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    assert sys.byteorder == "little", "safetensors data is little-endian"
    return t.numpy().tobytes()


def save_safetensors(path, tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        if t.dtype not in DTYPES:
            raise ValueError(f"{name}: dtype {t.dtype} has no safetensors name")
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the reference implementation aligns the data to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    metadata = header.pop("__metadata__", {})
    tensors = collections.OrderedDict()
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        data = raw[8 + n + begin:8 + n + end]
        if entry["dtype"] == "BF16":
            t = torch.from_numpy(np.frombuffer(data, dtype="<i2").copy()).view(torch.bfloat16)
        else:
            t = torch.from_numpy(np.frombuffer(data, dtype=NP_DTYPES[entry["dtype"]]).copy())
        tensors[name] = t.reshape(entry["shape"])
    return tensors, metadata


# ---- conversion ----
def unwrap_state_dict(obj):
    """A state_dict from a torch.save'd module, {'state_dict': ...}, {'model': ...} or a plain dict."""
    if isinstance(obj, nn.Module):
        return obj.state_dict()
    for key in ("state_dict", "model", "model_state_dict"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            return obj[key]
    return obj


def normalize_batch_counts(state):
    """num_batches_tracked as an int64 scalar for every BN with running statistics."""
    out = collections.OrderedDict()
    for key, t in state.items():
        out[key] = t.to(torch.int64).reshape(()) if key.endswith("num_batches_tracked") else t
        if key.endswith(".running_var"):
            count = key[: -len("running_var")] + "num_batches_tracked"
            if count not in state:
                print(f"note: {count} missing, written as 0", file=sys.stderr)
                out[count] = torch.zeros((), dtype=torch.int64)
    return out


def to_safetensors(src, dst, strip_prefixes=()):
    state = unwrap_state_dict(torch.load(src, map_location="cpu"))
    renamed = collections.OrderedDict()
    for key, t in state.items():
        for prefix in strip_prefixes:
            if key.startswith(prefix):
                key = key[len(prefix):]
                break
        renamed[key] = t
    save_safetensors(dst, normalize_batch_counts(renamed), {"format": "pt", "producer": "export_torch_weights.py"})
    return len(renamed)


def model_only(tensors, metadata):
    """The model part of a minidl training checkpoint, prefix stripped."""
    if metadata.get("minidl.format", "").startswith("training-checkpoint"):
        return collections.OrderedDict((k[len("model."):], t) for k, t in tensors.items() if k.startswith("model."))
    if any(k.startswith("model.") for k in tensors):
        return collections.OrderedDict((k[len("model."):], t) for k, t in tensors.items() if k.startswith("model."))
    return tensors  # already a weights-only file


def to_torch(src, dst, keep_model_only=False):
    tensors, metadata = load_safetensors(src)
    if keep_model_only:
        tensors = model_only(tensors, metadata)
    elif metadata.get("minidl.format", "").startswith("training-checkpoint"):
        print("note: a training checkpoint; --model-only keeps just the model's weights", file=sys.stderr)
    torch.save(normalize_batch_counts(tensors), dst)
    return len(tensors)


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("to-safetensors", help="torch.save'd state_dict -> safetensors")
    a.add_argument("src")
    a.add_argument("dst")
    a.add_argument("--strip-prefix", action="append", default=[], help="e.g. module. (repeatable)")
    b = sub.add_parser("to-torch", help="safetensors -> torch.save'd state_dict")
    b.add_argument("src")
    b.add_argument("dst")
    b.add_argument("--model-only", action="store_true",
                   help="from a training checkpoint keep only model.* (prefix stripped), for load_state_dict(strict=True)")
    sub.add_parser("param-counts", help="parameter counts of the default twins")
    args = parser.parse_args(argv)
    if args.command == "to-safetensors":
        print(f"{args.dst}: {to_safetensors(args.src, args.dst, args.strip_prefix)} tensors")
    elif args.command == "to-torch":
        print(f"{args.dst}: {to_torch(args.src, args.dst, args.model_only)} tensors")
    else:
        for name in ("small_cnn", "resnet9", "resnet18", "mlp"):
            print(f"{name} {count_parameters(build(name))}")


if __name__ == "__main__":
    main()
