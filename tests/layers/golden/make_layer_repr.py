#!/usr/bin/python3
"""Golden text of the layers' str(): run with Debian's python3-torch (/usr/bin/python3).

Writes layer_repr.txt, "<case>\t<repr(module)>" per line (newlines of nested containers
written as \\n), for the torch.nn layers that minidl has, in settings that reach every branch
of their extra_repr; and python_floats.txt, "<float.hex()>\t<repr(float)>", the Python float
spelling the reprs use. tests/layers/repr_test.cpp builds the same cases.
"""
import os

from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    ("conv_default", nn.Conv2d(3, 32, 3)),
    ("conv_padded_no_bias", nn.Conv2d(3, 32, 3, padding=1, bias=False)),
    ("conv_all", nn.Conv2d(4, 8, (3, 5), stride=2, padding=(1, 2), dilation=2, groups=2, bias=False)),
    ("conv_dilation_only", nn.Conv2d(2, 2, 1, dilation=(1, 2))),
    ("bn2d", nn.BatchNorm2d(32)),
    ("bn2d_eps_momentum", nn.BatchNorm2d(8, eps=0.0001, momentum=0.01)),
    ("bn1d_cumulative_plain", nn.BatchNorm1d(4, eps=1e-3, momentum=None, affine=False,
                                             track_running_stats=False)),
    ("linear", nn.Linear(512, 10)),
    ("linear_no_bias", nn.Linear(3, 4, bias=False)),
    ("relu", nn.ReLU()),
    ("leaky_relu", nn.LeakyReLU()),
    ("leaky_relu_02", nn.LeakyReLU(0.2)),
    ("gelu", nn.GELU()),
    ("sigmoid", nn.Sigmoid()),
    ("tanh", nn.Tanh()),
    ("maxpool2", nn.MaxPool2d(2)),
    ("maxpool_rect", nn.MaxPool2d((2, 3), stride=1, padding=1)),
    ("avgpool2", nn.AvgPool2d(2)),
    ("avgpool3", nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)),
    ("adaptive1", nn.AdaptiveAvgPool2d(1)),
    ("adaptive23", nn.AdaptiveAvgPool2d((2, 3))),
    ("dropout", nn.Dropout(0.5)),
    ("dropout_quarter", nn.Dropout(0.25)),
    ("flatten", nn.Flatten()),
    ("flatten_0_2", nn.Flatten(0, 2)),
    ("identity", nn.Identity()),
    ("sequential_empty", nn.Sequential()),
    ("sequential_nested", nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1), nn.Sigmoid()))),
    ("cross_entropy", nn.CrossEntropyLoss(label_smoothing=0.1)),
    ("mse", nn.MSELoss()),
]

FLOATS = [0.0, -0.0, 1.0, -2.0, 0.1, 0.25, 1e-05, 1e-3, 0.0001, 0.00012345, 1.0 / 3.0, 2.0 / 3.0, 123456.789,
          1e15, 1e16, 1.5e16, 12345678901234567.0, 1e22, 1.5e300, 5e-324, 2.2250738585072014e-308, 0.01, 100.0,
          0.3, 1e-7]


def main():
    with open(os.path.join(HERE, "layer_repr.txt"), "w") as f:
        for case, module in CASES:
            f.write(case + "\t" + repr(module).replace("\n", "\\n") + "\n")
    with open(os.path.join(HERE, "python_floats.txt"), "w") as f:
        for x in FLOATS:
            f.write(x.hex() + "\t" + repr(x) + "\n")


if __name__ == "__main__":
    main()
