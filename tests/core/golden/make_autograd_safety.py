#!/usr/bin/python3
"""What PyTorch does in the autograd-safety cases of tests/core/autograd_safety_test.cpp.

Run with Debian's python3-torch (/usr/bin/python3). Writes autograd_safety.txt: per case
"<case>\tok" or "<case>\traises\t<phrase>[\t<phrase>...]", the phrases being the parts of
PyTorch's message the minidl message must contain (its first sentence; for a version error,
the opening words and "is at version N; expected version M instead"), and "<case>\tvalue\t<n>"
for the cases that report a number. The C++ test builds each case with minidl's API.
"""
import os
import re

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def leaf():
    return torch.ones(3, requires_grad=True)


def case_leaf_add_():
    leaf().add_(1)


def case_leaf_mul_():
    leaf().mul_(2)


def case_leaf_fill_():
    leaf().fill_(0)


def case_leaf_zero_():
    leaf().zero_()


def case_leaf_copy_():
    leaf().copy_(torch.zeros(3))


def case_leaf_normal_():
    leaf().normal_()


def case_leaf_view_mul_():
    leaf()[0].mul_(2)


def case_leaf_add_no_grad():
    w = leaf()
    with torch.no_grad():
        w.add_(1)


def case_frozen_leaf_add_():
    torch.ones(3).add_(1)


def case_saved_mul_other_modified():
    a, b = leaf(), torch.ones(3)
    y = (a * b).sum()
    b.add_(1)
    y.backward()


def case_saved_mul_unneeded_modified():
    x, w = torch.ones(3), leaf()
    y = (x * w).sum()  # w is read only for x's gradient, which is not needed: not saved
    with torch.no_grad():
        w.add_(1)
    y.backward()


def case_saved_add_modified():
    x, w = torch.ones(3), leaf()
    y = (x + w).sum()
    with torch.no_grad():
        w.add_(1)
    y.backward()


def case_step_between_forward_and_backward():
    w = leaf()
    y = (w * w).sum()
    with torch.no_grad():
        w.sub_(0.1)
    y.backward()


def case_modified_twice():
    a, b = leaf(), torch.ones(3)
    y = (a * b).sum()
    b.add_(1)
    b[1:].fill_(3)  # through a view: the same counter
    y.backward()


def case_saved_output_modified():
    x = leaf()
    y = torch.exp(x)
    with torch.no_grad():
        y.mul_(2)
    y.sum().backward()


def case_linear_input_modified():
    x, w = torch.ones(2, 3), torch.ones(4, 3, requires_grad=True)
    y = F.linear(x, w).sum()
    x.add_(1)
    y.backward()


def case_linear_weight_modified_input_no_grad():
    x, w = torch.ones(2, 3), torch.ones(4, 3, requires_grad=True)
    y = F.linear(x, w).sum()
    with torch.no_grad():
        w.add_(1)
    y.backward()


def case_conv_weight_modified():
    x, w = torch.ones(1, 2, 4, 4), torch.ones(3, 2, 3, 3, requires_grad=True)
    y = F.conv2d(x, w).sum()
    with torch.no_grad():
        w.add_(1)
    y.backward()


def case_version_counts():
    x = torch.zeros(3)
    x.add_(1)
    x.mul_(2)
    x[0].fill_(1)
    x.clone().add_(1)  # a copy has its own counter
    return x._version


def inference_tensor():
    with torch.inference_mode():
        return torch.ones(3)


def case_inference_tensor_is_inference():
    return int(inference_tensor().is_inference())


def case_inference_mode_records_nothing():
    w = leaf()
    with torch.inference_mode():
        return int((w * 2).requires_grad)


def case_inference_view_of_normal_is_normal():
    w = torch.ones(3)
    with torch.inference_mode():
        return int(w[1:].is_inference())


def case_inference_clone_is_normal():
    return int(inference_tensor().clone().is_inference())


def case_inference_inplace_outside():
    inference_tensor().add_(1)


def case_inference_inplace_outside_no_grad():
    t = inference_tensor()
    with torch.no_grad():
        t.add_(1)


def case_inference_inplace_inside():
    t = inference_tensor()
    with torch.inference_mode():
        t.add_(1)


def case_inference_saved_outside():
    (inference_tensor() * leaf()).sum().backward()


def case_inference_unsaved_outside():
    (inference_tensor() + leaf()).sum().backward()


def case_inference_requires_grad_outside():
    inference_tensor().requires_grad_()


def phrases(message):
    m = re.search(r"(is at version \d+; expected version \d+ instead)", message)
    if m:
        return [message.split(":")[0], m.group(1)]
    return [message.split(".")[0]]


def main():
    lines = []
    for name, fn in sorted(globals().items()):
        if not name.startswith("case_"):
            continue
        try:
            value = fn()
            lines.append(f"{name[5:]}\tok" if value is None else f"{name[5:]}\tvalue\t{value}")
        except RuntimeError as e:
            lines.append(f"{name[5:]}\traises\t" + "\t".join(phrases(str(e))))
    with open(os.path.join(HERE, "autograd_safety.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
